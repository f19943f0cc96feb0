package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ccbench/ccbench/report"
)

// figure is one congestion-window overlay: an algorithm at a buffer, every
// way on one figure.
type figure struct {
	Algorithm, Buffer string
	// File is the PNG written, "" when no way had a window to draw.
	File string
	// Drawn labels the lines drawn; Missing the ways left out, and why.
	Drawn   []string
	Missing []report.MissingCwnd
}

// drawFigures writes, for each algorithm and buffer, cwnd-ALG-BUFFER.png
// (and .svg) into out: flow 0's congestion window in each way, from the
// repeat that stands for its cell (the first trusted one, else the first,
// labelled untrusted).
func (p plan) drawFigures(out string, cells []cell) ([]figure, error) {
	var figs []figure
	for _, a := range p.Algorithms {
		for _, b := range p.Buffers {
			f := figure{Algorithm: a, Buffer: b}
			var lines []report.CwndLine
			for _, c := range cells {
				if c.Algorithm != a || c.Buffer != b {
					continue
				}
				r, ok := c.drawn()
				if !ok {
					f.Missing = append(f.Missing, report.MissingCwnd{Label: c.Way, Reason: "no run"})
					continue
				}
				label := c.Way + ": " + r.CC
				if !r.Trusted {
					label += " (untrusted)"
				}
				lines = append(lines, report.CwndLine{Label: label, FlowCSV: filepath.Join(r.Dir, "flow0.csv"), Seconds: r.Seconds})
			}
			name := "cwnd-" + a + "-" + b
			title := fmt.Sprintf("%s, buffer %s: congestion window of flow 0", a, b)
			missing, drawn, err := report.CwndOverlay(out, name, title, lines)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			f.Missing = append(f.Missing, missing...)
			if drawn {
				f.File = filepath.Join(out, name+".png")
			}
			for _, l := range lines {
				if !slices.ContainsFunc(missing, func(m report.MissingCwnd) bool { return m.Label == l.Label }) {
					f.Drawn = append(f.Drawn, l.Label)
				}
			}
			figs = append(figs, f)
		}
	}
	return figs, nil
}

// printFigures writes a line per figure naming its file and the ways drawn,
// and a line for each way that has no congestion window in it.
func printFigures(w io.Writer, figs []figure) {
	fmt.Fprintln(w, "cwnd overlays (flow 0 of each way's first trusted repeat):")
	for _, f := range figs {
		if f.File == "" {
			fmt.Fprintf(w, "  %s %s: no figure, no way has a congestion window to draw\n", f.Algorithm, f.Buffer)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", f.File, strings.Join(f.Drawn, ", "))
		}
		for _, m := range f.Missing {
			fmt.Fprintf(w, "    %s has no cwnd trace: %s\n", m.Label, m.Reason)
		}
	}
}
