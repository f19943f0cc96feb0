package report

// Figures of what algorithms expose beyond the window: the pacing rate of
// every flow that paces, and one figure per internal value an algorithm
// reports through cc.Inspector (BBR's bandwidth estimate, minimum RTT,
// gains and phase; DCTCP's alpha), named cc_<value>.

import (
	"gonum.org/v1/plot"

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
			entries := 0
			for i := range rf.drawn {
				if k >= len(rf.intLines[i]) || rf.intLines[i][k] == nil {
					continue
				}
				if err := addLine(p, rf.legendLabel(i, ""), solid(flowColor(i)), rf.intLines[i][k].lines()); err != nil {
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
			return p, nil
		}})
	}
	return figures
}

func internal(s *metrics.FlowSample, name string) (float64, bool) {
	for j := 0; j < s.CC.N; j++ {
		if s.CC.Names[j] == name {
			return s.CC.Values[j], true
		}
	}
	return 0, false
}
