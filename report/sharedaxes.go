package report

// Shared axes: every run of a sweep drawn on the same axes, figure by
// figure, so that runs can be compared by eye — a run that reached half
// the throughput of another looks half as high, instead of each figure
// stretching its own data to the top. The runs' figures are built twice:
// once to find each figure's highest axes over all runs, once more to
// draw them reaching that high.

import (
	"gonum.org/v1/plot"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/units"
)

// AxisLimits are, by figure name ("throughput", "cwnd", ...), the tops of
// its time and value axes.
type AxisLimits map[string]AxisTop

// AxisTop is the top of a figure's x (time) and y (value) axes.
type AxisTop struct{ X, Y float64 }

// raise lifts l's axes for name to reach p's.
func (l AxisLimits) raise(name string, p *plot.Plot) {
	top := l[name]
	l[name] = AxisTop{X: max(top.X, p.X.Max), Y: max(top.Y, p.Y.Max)}
}

// limited makes figures reach at least rf.limits, when it is set.
func (rf *runPlot) limited(figures []figure) []figure {
	if rf.limits == nil {
		return figures
	}
	out := make([]figure, len(figures))
	for i, f := range figures {
		top, ok := rf.limits[f.name]
		out[i] = figure{name: f.name, build: func() (*plot.Plot, error) {
			p, err := f.build()
			if err == nil && ok {
				p.X.Max, p.Y.Max = max(p.X.Max, top.X), max(p.Y.Max, top.Y)
			}
			return p, err
		}}
	}
	return out
}

// measure raises limits to the axes of every one of rf's figures,
// building them without drawing.
func (rf *runPlot) measure(linkRate units.Rate, bufferBytes int, limits AxisLimits) error {
	for _, f := range rf.figures(linkRate, bufferBytes) {
		p, err := f.build()
		if err != nil {
			return err
		}
		limits.raise(f.name, p)
	}
	return nil
}

// SharedAxes draws every figure of the run folders dirs again (their
// resolved experiments are cfgs, one each), each time-series figure on the
// axes of the highest of its kind over all the runs, and returns those.
func SharedAxes(dirs []string, cfgs []*experiment.Config) (AxisLimits, error) {
	limits := AxisLimits{}
	for i, dir := range dirs {
		rf, _, buf, err := loadRunPlot(dir, cfgs[i])
		if err != nil {
			return nil, err
		}
		if err := rf.measure(cfgs[i].Link.Rate, buf, limits); err != nil {
			return nil, err
		}
	}
	for i, dir := range dirs {
		if err := plotRunWith(dir, cfgs[i], limits); err != nil {
			return nil, err
		}
	}
	return limits, nil
}
