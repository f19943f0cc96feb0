package runner

import (
	"ccbench/cc"
	"ccbench/metrics"
	"ccbench/units"
)

// sampler copies probes into the metrics recorder every sample interval,
// and per-ACK RTT samples into each flow's histogram.
type sampler struct {
	rec   *metrics.Recorder
	flows []*metrics.FlowSeries
}

func (s *sampler) init(w *world) {
	sc := &w.sc
	s.rec = metrics.NewRecorder(sc.Duration, sc.SampleInterval, sc.ThroughputWindow)
	w.fwd.link.ObserveSojourn(s.rec.QueueDelay.Record)
	for _, f := range w.flows {
		fs := s.rec.AddFlow(f.id, flowName(f.id, f.spec.CC), f.spec.CC, units.Time(f.spec.Start))
		f.rttSamples = fs.RTT.Record
		s.flows = append(s.flows, fs)
	}
}

func flowName(id int, cc string) string {
	return "flow" + itoa(id) + "-" + cc
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}

// sample takes one snapshot of every flow and of the bottleneck.
func (s *sampler) sample(w *world) {
	now := w.now
	for i, f := range w.flows {
		fs := s.flows[i]
		smp := metrics.FlowSample{T: now, Delivered: f.read, State: "CLOSED", Phase: ""}
		if f.conn != nil {
			p := f.conn.Probe()
			smp.Cwnd, smp.Ssthresh, smp.Inflight = p.Cwnd, p.Ssthresh, p.Inflight
			smp.SRTT, smp.RTTVar, smp.RTO, smp.LastRTT = p.SRTT, p.RTTVar, p.RTO, p.LastRTT
			smp.Retransmits = p.Retransmits
			smp.State, smp.Phase = p.State.String(), p.Phase
			smp.PacingBps = float64(p.PacingRate)
			if in, ok := f.conn.CC().(cc.Inspector); ok {
				in.Inspect(&smp.CC)
			}
		}
		fs.Record(smp)
		if f.completedAt >= 0 {
			fs.Complete(f.completedAt)
		}
	}
	if w.life != nil {
		w.life.census.sample(now)
	}
	s.rec.RecordLink(linkSample(now, w.fwd.link.Stats()))
}
