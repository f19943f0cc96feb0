package report

// Overlays: the first flow of every run of an experiment on one figure,
// cwnd and throughput against time, so that runs differing in one setting —
// ccbench's cubic and the kernel's, say — can be compared curve on curve.

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"
)

// maxOverlayRuns bounds how many runs an overlay draws; beyond it the
// figure would be unreadable.
const maxOverlayRuns = 8

// overlayFigures writes overlay-cwnd and overlay-throughput into dir from
// each run's flow0.csv, and returns the names written.
func overlayFigures(dir, title string, runs []IndexRun) ([]string, error) {
	if len(runs) < 2 || len(runs) > maxOverlayRuns {
		return nil, nil
	}
	type series struct {
		label            string
		cwnd, throughput []plotter.XYs
	}
	var all []series
	for _, r := range runs {
		span := 0.0
		if r.Summary != nil {
			span = r.Summary.SimSeconds
		}
		cwnd, tput, err := readFlowSeries(filepath.Join(dir, r.Run, "flow0.csv"), span)
		if os.IsNotExist(err) {
			return nil, nil // a run without time series: no overlay
		}
		if err != nil {
			return nil, err
		}
		all = append(all, series{label: r.Run, cwnd: cwnd, throughput: tput})
	}
	var names []string
	for _, f := range []struct {
		name, what, unit string
		pick             func(series) []plotter.XYs
	}{
		{"overlay-cwnd", "congestion window, first flow of each run", "Window (kB)", func(s series) []plotter.XYs { return s.cwnd }},
		{"overlay-throughput", "throughput, first flow of each run", "Throughput (Mbit/s)", func(s series) []plotter.XYs { return s.throughput }},
	} {
		p := newFigure(title+": "+f.what, "Time (s)", f.unit)
		for i, s := range all {
			if err := addLine(p, s.label, solid(flowColor(i)), f.pick(s)); err != nil {
				return nil, err
			}
		}
		fitAxes(p, len(all))
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
