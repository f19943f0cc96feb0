package tunrun

import (
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/pathrtt"
	"github.com/ccbench/ccbench/runner"
)

// pathRTT is the run's path-RTT monitor (package pathrtt) on the relay:
// it sees every datagram from A as it enters the forward link and every
// one to A as it leaves the reverse link, as the sim driver's monitor sees
// a sender host's output and input, so both drivers' rtt_* percentiles
// come from one estimator. The relay's thread fills its histograms; the
// run merges them into the flows' series once the relay has stopped.
type pathRTT struct {
	mon   *pathrtt.Monitor
	hists []metrics.Histogram
}

// newPathRTT is the monitor of n flows, flow i's receiver listening on
// runner.ServerPort+i (Run). Every flow's sender is at A, so a datagram
// from A belongs to the flow its destination port names, one to A to the
// flow its source port names; anything else is no flow's.
func newPathRTT(n int) *pathRTT {
	p := &pathRTT{hists: make([]metrics.Histogram, n)}
	ptrs := make([]*metrics.Histogram, n)
	for i := range p.hists {
		ptrs[i] = &p.hists[i]
	}
	p.mon = pathrtt.New(ptrs, func(s *pathrtt.Segment, outbound bool) int {
		port := s.SrcPort
		if outbound {
			port = s.DstPort
		}
		if i := int(port) - runner.ServerPort; i >= 0 && i < n {
			return i
		}
		return -1
	})
	return p
}

// mergeInto adds each flow's samples to its series; call it after the
// relay has stopped.
func (p *pathRTT) mergeInto(series []*metrics.FlowSeries) {
	for i, fs := range series {
		fs.RTT.Merge(&p.hists[i])
	}
}
