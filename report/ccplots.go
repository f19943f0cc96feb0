package report

// Figures of what algorithms expose beyond the window: the pacing rate of
// every flow that paces, and one figure per internal value an algorithm
// reports through cc.Inspector (BBR's bandwidth estimate, minimum RTT,
// gains and phase; DCTCP's alpha), named cc_<value>.

import "ccbench/metrics"

// ccFigures renders the pacing and internals figures into dir.
func ccFigures(dir, heading string, flows []*metrics.FlowSeries) error {
	paced := false
	for _, f := range flows {
		for i := range f.Samples {
			if f.Samples[i].PacingBps > 0 {
				paced = true
				break
			}
		}
	}
	if paced {
		p := newFigure(heading+": pacing rate", "Time (s)", "Pacing rate (Mbit/s)")
		for i, f := range flows {
			runs := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.PacingBps / 1e6, s.PacingBps > 0 })
			if err := addLine(p, legendLabel(flows, i, ""), solid(flowColor(i)), runs); err != nil {
				return err
			}
		}
		fitAxes(p, flowEntries(flows, 1))
		if err := saveFigure(p, dir, "pacing"); err != nil {
			return err
		}
	}
	for _, name := range internalNames(flows) {
		p := newFigure(heading+": "+name, "Time (s)", name)
		entries := 0
		for i, f := range flows {
			runs := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return internal(s, name) })
			if len(runs) == 0 {
				continue
			}
			if err := addLine(p, legendLabel(flows, i, ""), solid(flowColor(i)), runs); err != nil {
				return err
			}
			entries++
		}
		fitAxes(p, entries)
		if err := saveFigure(p, dir, "cc_"+name); err != nil {
			return err
		}
	}
	return nil
}

// internalNames lists every internal value any flow exposes, in the order
// first seen.
func internalNames(flows []*metrics.FlowSeries) []string {
	var names []string
	seen := map[string]bool{}
	for _, f := range flows {
		for i := range f.Samples {
			in := &f.Samples[i].CC
			for j := 0; j < in.N; j++ {
				if !seen[in.Names[j]] {
					seen[in.Names[j]] = true
					names = append(names, in.Names[j])
				}
			}
		}
	}
	return names
}

func internal(s *metrics.FlowSample, name string) (float64, bool) {
	for j := 0; j < s.CC.N; j++ {
		if s.CC.Names[j] == name {
			return s.CC.Values[j], true
		}
	}
	return 0, false
}
