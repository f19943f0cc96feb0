package report

// A congestion-window overlay of flows from anywhere: one line per flow
// CSV, whatever run folder or sweep it sits in, so that a tool comparing
// runs of different sweeps (tools/fidelity's simulated and real-time
// halves) can draw them on one figure. A CSV without a congestion window
// is left out and named, never drawn as zeros.

import (
	"errors"
	"os"
	"strconv"

	"gonum.org/v1/plot/plotter"
)

// CwndLine is one line of a CwndOverlay.
type CwndLine struct {
	// Label names the line in the legend.
	Label string
	// FlowCSV is a flow CSV written by WriteFlowCSV; its cwnd_bytes
	// column is drawn.
	FlowCSV string
	// Seconds is the run's length, over which the line is decimated.
	Seconds float64
}

// MissingCwnd is a line CwndOverlay left out, and why.
type MissingCwnd struct {
	Label, Reason string
}

// CwndOverlay draws the congestion windows of lines, in kB against time,
// on one figure titled title, and writes it as dir/name.png and
// dir/name.svg. A line whose CSV is missing, has no cwnd_bytes column or
// no positive window in it is left out of the figure and returned with
// the reason; when no line is left, no figure is written.
func CwndOverlay(dir, name, title string, lines []CwndLine) (missing []MissingCwnd, drawn bool, err error) {
	type series struct {
		line CwndLine
		xys  []plotter.XYs
	}
	var draw []series
	for _, l := range lines {
		xys, err := readCwnd(l.FlowCSV, l.Seconds)
		var why noCwnd
		switch {
		case errors.As(err, &why):
			missing = append(missing, MissingCwnd{Label: l.Label, Reason: string(why)})
			continue
		case err != nil:
			return nil, false, err
		}
		draw = append(draw, series{l, xys})
	}
	if len(draw) == 0 {
		return missing, false, nil
	}
	p := newFigure(title, "Time (s)", "Congestion window (kB)")
	for i, s := range draw {
		if err := addLine(p, s.line.Label, overlayStyle(i), s.xys); err != nil {
			return nil, false, err
		}
	}
	fitAxes(p, len(draw))
	if err := saveFigure(p, dir, name); err != nil {
		return nil, false, err
	}
	return missing, true, nil
}

// noCwnd says why a flow CSV has no congestion window to draw.
type noCwnd string

func (n noCwnd) Error() string { return string(n) }

// readCwnd reads the cwnd_bytes column of a flow CSV in kB, decimated over
// [0, span] seconds. Empty cells (a sample without a window) leave gaps.
func readCwnd(path string, span float64) ([]plotter.XYs, error) {
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, noCwnd("no flow CSV (" + path + ")")
	}
	t, f, err := openCSV(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ti, okT := t.col["time_s"]
	ci, okC := t.col["cwnd_bytes"]
	if !okT || !okC {
		return nil, noCwnd("its flow CSV has no time_s and cwnd_bytes columns (" + path + ")")
	}
	b := newLineBuilder(span)
	positive := false
	for {
		more, err := t.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		tv, err1 := strconv.ParseFloat(string(t.row[ti]), 64)
		c, err2 := strconv.ParseFloat(string(t.row[ci]), 64)
		if err1 != nil || err2 != nil {
			b.skip()
			continue
		}
		positive = positive || c > 0
		b.add(tv, c/1e3)
	}
	if !positive {
		return nil, noCwnd("its flow CSV records no congestion window above zero (" + path + ")")
	}
	return b.lines(), nil
}
