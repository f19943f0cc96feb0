package report

// Overlays: the flows of every run of an experiment on one figure, cwnd
// and throughput against time, so that runs differing in one setting —
// ccbench's cubic and the kernel's, say — can be compared curve on curve.
// Each line is labelled with its run and, when a run has more than one
// flow or names its endpoints (a real-time run), with the flow: "cc=cubic:
// flow 1 cubic (stack→kernel)". When every run has a single simulated
// flow, the lines are labelled with the run alone.

import (
	"bufio"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
)

// maxOverlayRuns bounds how many runs an overlay draws, and
// maxOverlayLines how many lines: beyond them the figure would be
// unreadable. Runs with more flows than the lines allow are drawn by their
// first flow each, which the title says.
const (
	maxOverlayRuns  = 8
	maxOverlayLines = 16
)

// overlayLine is one flow of one run in an overlay.
type overlayLine struct {
	label, path string
	// span is the run's length in seconds, over which its lines are
	// decimated.
	span             float64
	style            draw.LineStyle
	cwnd, throughput []plotter.XYs
}

// overlayFlowLabel names a flow in an overlay's legend: "flow 1 cubic
// (stack→kernel)", without the endpoints when the run names none.
func overlayFlowLabel(f *metrics.FlowSummary) string {
	label := "flow " + strconv.Itoa(f.ID) + " " + f.CC
	if f.Endpoints != "" {
		label += " (" + f.Endpoints + ")"
	}
	return label
}

// overlayLines lists the lines an overlay of runs draws, from the run
// folders under dir, and what the title says of them.
func overlayLines(dir string, runs []IndexRun) ([]overlayLine, string) {
	perFlow, total := false, 0
	for i := range runs {
		s := runs[i].Summary
		if s == nil {
			total++
			continue
		}
		total += max(len(s.Flows), 1)
		perFlow = perFlow || len(s.Flows) > 1
		for _, f := range s.Flows {
			perFlow = perFlow || f.Endpoints != ""
		}
	}
	span := func(r *IndexRun) float64 {
		if r.Summary == nil {
			return 0
		}
		return r.Summary.SimSeconds
	}
	var lines []overlayLine
	if !perFlow || total > maxOverlayLines {
		// At most maxOverlayRuns lines, one per run, each solid in its
		// colour, as overlays have always been drawn.
		for i := range runs {
			r := &runs[i]
			label := r.Run
			if perFlow && r.Summary != nil && len(r.Summary.Flows) > 0 {
				label += ": " + overlayFlowLabel(&r.Summary.Flows[0])
			}
			lines = append(lines, overlayLine{label: label, path: filepath.Join(dir, r.Run, "flow0.csv"), span: span(r), style: solid(flowColor(i))})
		}
		if perFlow {
			return lines, fmt.Sprintf("first flow of each run (%d flows in all; more than %d lines would hide each other)", total, maxOverlayLines)
		}
		return lines, "first flow of each run"
	}
	for ri := range runs {
		r := &runs[ri]
		if r.Summary == nil {
			lines = append(lines, overlayLine{label: r.Run, path: filepath.Join(dir, r.Run, "flow0.csv"), style: overlayStyle(len(lines))})
			continue
		}
		for i := range r.Summary.Flows {
			f := &r.Summary.Flows[i]
			lines = append(lines, overlayLine{label: r.Run + ": " + overlayFlowLabel(f),
				path: filepath.Join(dir, r.Run, "flow"+strconv.Itoa(f.ID)+".csv"), span: span(r), style: overlayStyle(len(lines))})
		}
	}
	return lines, "every flow of each run"
}

// overlayStyle draws line i of an overlay: the flow colours in turn, then
// again dashed, then dotted, so that no two of maxOverlayLines look alike.
func overlayStyle(i int) draw.LineStyle {
	c := flowColor(i)
	switch (i / len(flowColors)) % 3 {
	case 1:
		return dashed(c)
	case 2:
		return dotted(c)
	}
	return solid(c)
}

func dotted(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2)}}
}

// overlayFigures writes overlay-cwnd and overlay-throughput into dir from
// the runs' flow CSVs, and returns the names written.
func overlayFigures(dir, title string, runs []IndexRun) ([]string, error) {
	if len(runs) < 2 || len(runs) > maxOverlayRuns {
		return nil, nil
	}
	lines, which := overlayLines(dir, runs)
	for i := range lines {
		l := &lines[i]
		cwnd, tput, err := readFlowSeries(l.path, l.span)
		if os.IsNotExist(err) {
			return nil, nil // a run without time series: no overlay
		}
		if err != nil {
			return nil, err
		}
		l.cwnd, l.throughput = cwnd, tput
	}
	var names []string
	for _, f := range []struct {
		name, what, unit string
		pick             func(*overlayLine) []plotter.XYs
	}{
		{"overlay-cwnd", "congestion window, ", "Window (kB)", func(l *overlayLine) []plotter.XYs { return l.cwnd }},
		{"overlay-throughput", "throughput, ", "Throughput (Mbit/s)", func(l *overlayLine) []plotter.XYs { return l.throughput }},
	} {
		p := newFigure(title+": "+f.what+which, "Time (s)", f.unit)
		for i := range lines {
			if err := addLine(p, lines[i].label, lines[i].style, f.pick(&lines[i])); err != nil {
				return nil, err
			}
		}
		fitAxes(p, len(lines))
		if err := saveFigure(p, dir, f.name); err != nil {
			return nil, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

// readFlowSeries reads the cwnd (kB) and throughput (Mbit/s) columns of a
// flow CSV written by WriteFlowCSV, decimated over [0, span] seconds.
func readFlowSeries(path string, span float64) (cwnd, throughput []plotter.XYs, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	col := map[string]int{}
	if sc.Scan() {
		for i, name := range strings.Split(sc.Text(), ",") {
			col[name] = i
		}
	}
	ti, ci, hi := col["time_s"], col["cwnd_bytes"], col["throughput_mbps"]
	cl, tl := newLineBuilder(span), newLineBuilder(span)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if len(fields) <= max(ti, ci, hi) {
			continue
		}
		t, err1 := strconv.ParseFloat(fields[ti], 64)
		c, err2 := strconv.ParseFloat(fields[ci], 64)
		h, err3 := strconv.ParseFloat(fields[hi], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		cl.add(t, c/1e3)
		tl.add(t, h)
	}
	return cl.lines(), tl.lines(), sc.Err()
}
