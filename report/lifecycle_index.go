package report

// The index page's figures for a sweep of lifecycle runs:
//
//	sweep-connect-success  the share of finished connection attempts that
//	                       succeeded, against the swept setting
//	sweep-lifecycle-fct    the median completion time of the attempts that
//	                       succeeded, against the swept setting
//
// One line per combination of the other swept settings (SYN cookies on and
// off, Fast Open on and off), through the mean over repetitions, with error
// bars of ± one standard deviation like the other sweep figures.

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// lifecycleRunFigures are the lifecycle figures every lifecycle run has,
// linked from its row of the index.
var lifecycleRunFigures = []string{"census-server", "queues", "connect"}

// successRatio is the run's connect success ratio.
func (r *IndexRun) successRatio() float64 { return r.Summary.Lifecycle.SuccessRatio }

// medianFCTMs is the run's median completion time of successful attempts.
func (r *IndexRun) medianFCTMs() float64 { return r.Summary.Lifecycle.FCTMs.P50 }

// lifecycleSweepFigures draws the lifecycle sweep figures into dir when
// every run is a lifecycle run and there is a swept setting to plot
// along, and returns their names.
func lifecycleSweepFigures(idx *Index, dir string) ([]string, error) {
	if idx.XLabel == "" || len(idx.Runs) == 0 {
		return nil, nil
	}
	for i := range idx.Runs {
		if idx.Runs[i].Summary.Lifecycle == nil {
			return nil, nil
		}
	}
	groupOf := otherSettings(idx)
	var names []string
	for _, f := range []struct {
		name, title, unit string
		value             func(*IndexRun) float64
	}{
		{"sweep-connect-success", "connect success", "Connect success ratio", (*IndexRun).successRatio},
		{"sweep-lifecycle-fct", "median connection completion time", "Median FCT (ms)", (*IndexRun).medianFCTMs},
	} {
		p, err := groupedSweepFigure(idx, nil, groupOf, f.title, f.unit, f.value)
		if err != nil {
			return nil, fmt.Errorf("plotting %s: %w", f.name, err)
		}
		if err := saveFigure(p, dir, f.name); err != nil {
			return nil, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

// otherSettings labels each run by its values of the swept settings other
// than the one on the x axis and the seed: "tcp.syn_cookies=false".
func otherSettings(idx *Index) []string {
	labels := make([]string, len(idx.Runs))
	for i := range idx.Runs {
		var parts []string
		for k, key := range idx.Keys {
			if key == "seed" || strings.HasPrefix(idx.XLabel, key) && (len(idx.XLabel) == len(key) || idx.XLabel[len(key)] == ' ') {
				continue
			}
			parts = append(parts, key+"="+idx.Runs[i].Values[k])
		}
		labels[i] = strings.Join(parts, ",")
		if labels[i] == "" {
			labels[i] = "clients"
		}
	}
	return labels
}

// groupedSweepFigure plots value against X, one line per group, in the
// order of groups (nil: in order of first appearance in groupOf), through
// the mean of the runs whose groupOf label it is at each X, with error
// bars of one standard deviation.
func groupedSweepFigure(idx *Index, groups, groupOf []string, title, unit string, value func(*IndexRun) float64) (*plot.Plot, error) {
	p := newFigure(idx.Title+": "+title, idx.XLabel, unit)
	if groups == nil {
		for _, g := range groupOf {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	for gi, g := range groups {
		byX := make(map[float64][]float64)
		for i := range idx.Runs {
			if groupOf[i] == g {
				r := &idx.Runs[i]
				byX[r.X] = append(byX[r.X], value(r))
			}
		}
		xs := make([]float64, 0, len(byX))
		for x := range byX {
			xs = append(xs, x)
		}
		slices.Sort(xs)
		pts := errorPoints{XYs: make(plotter.XYs, len(xs)), YErrors: make(plotter.YErrors, len(xs))}
		for i, x := range xs {
			m, s := meanStd(byX[x])
			pts.XYs[i] = plotter.XY{X: x, Y: m}
			pts.YErrors[i] = struct{ Low, High float64 }{s, s}
		}
		line, points, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return nil, err
		}
		line.LineStyle = solid(flowColor(gi))
		points.GlyphStyle = draw.GlyphStyle{Color: flowColor(gi), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, err
		}
		bars.LineStyle = solid(flowColor(gi))
		p.Add(line, points, bars)
		p.Legend.Add(g, line, points)
	}
	entries := len(groups)
	if crossed, err := crossInvalid(p, idx, value); err != nil {
		return nil, err
	} else if crossed {
		entries++
	}
	fitAxes(p, entries)
	return p, nil
}

// crossInvalid draws each invalid run's own value at its X as a black
// cross, with a legend entry, and reports whether there was any: the
// lines go through means that include them, and the figure says which
// values those were.
func crossInvalid(p *plot.Plot, idx *Index, value func(*IndexRun) float64) (bool, error) {
	var invalid plotter.XYs
	for i := range idx.Runs {
		r := &idx.Runs[i]
		if ok, _ := trusted(r.Summary); !ok {
			invalid = append(invalid, plotter.XY{X: r.X, Y: value(r)})
		}
	}
	if len(invalid) == 0 {
		return false, nil
	}
	cross, err := plotter.NewScatter(invalid)
	if err != nil {
		return false, err
	}
	cross.GlyphStyle = invalidGlyph
	p.Add(cross)
	p.Legend.Add(invalidLegend, cross)
	return true, nil
}
