package report

// Figures of what algorithms expose beyond the window: the pacing rate of
// every flow that paces, and one figure per internal value an algorithm
// reports through cc.Inspector (BBR's bandwidth estimate, minimum RTT,
// gains and phase; DCTCP's alpha), named cc_<value>.

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
)

// ccFigures lists the pacing and internals figures of the run.
func (rf *runPlot) ccFigures() []figure {
	var figures []figure
	if rf.paced {
		figures = append(figures, figure{"pacing", func() (*plot.Plot, error) {
			p := rf.newRunFigure("pacing rate", "Pacing rate (Mbit/s)")
			for i := range rf.drawn {
				if err := addLine(p, rf.legendLabel(i, ""), solid(flowColor(i)), rf.lines[i][qPacing].lines()); err != nil {
					return nil, err
				}
			}
			if err := rf.addBand(p, rf.bands[qPacing]); err != nil {
				return nil, err
			}
			rf.fitAxes(p, rf.flowEntries(1))
			return p, nil
		}})
	}
	for k, name := range rf.internals {
		figures = append(figures, figure{"cc_" + name, func() (*plot.Plot, error) {
			p := rf.newRunFigure(name, name)
			states := valueNames(rf.flows, name)
			step := plotter.NoStep
			if states != nil {
				step = plotter.PostStep
			}
			entries := 0
			for i := range rf.drawn {
				if k >= len(rf.intLines[i]) || rf.intLines[i][k] == nil {
					continue
				}
				if err := addSteppedLine(p, rf.legendLabel(i, ""), solid(flowColor(i)), rf.intLines[i][k].lines(), step); err != nil {
					return nil, err
				}
				entries++
			}
			if rf.aggregated {
				if err := rf.addBand(p, rf.intBands[k]); err != nil {
					return nil, err
				}
				entries += 2
			}
			rf.fitAxes(p, entries)
			if states != nil {
				nameStates(p, states)
			}
			return p, nil
		}})
	}
	return figures
}

// valueNames returns the state names of the internal value name from the
// first of flows' algorithms that names them (cc.ValueNamer), or nil.
func valueNames(flows []plotFlow, name string) []string {
	asked := map[string]bool{}
	for _, f := range flows {
		if asked[f.CC] {
			continue
		}
		asked[f.CC] = true
		if states := cc.ValueNames(f.CC, name); states != nil {
			return states
		}
	}
	return nil
}

// nameStates labels p's value axis with the states' names at their
// numbers, and spans exactly them.
func nameStates(p *plot.Plot, states []string) {
	ticks := make([]plot.Tick, len(states))
	for i, s := range states {
		ticks[i] = plot.Tick{Value: float64(i), Label: s}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.5, float64(len(states))-0.5
}

func internal(s *metrics.FlowSample, name string) (float64, bool) {
	for j := 0; j < s.CC.N; j++ {
		if s.CC.Names[j] == name {
			return s.CC.Values[j], true
		}
	}
	return 0, false
}
