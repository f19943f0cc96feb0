package runner

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/pathrtt"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/units"
)

// sampler copies probes into the metrics recorder every sample interval;
// the path's RTT samples reach each flow's histogram from the world's
// monitor (pathRTT).
type sampler struct {
	w     *world
	agent sim.AgentID
	rec   *metrics.Recorder
	flows []*metrics.FlowSeries
	// links are a network's links (linkresults.go), none for the dumbbell.
	links []linkProbe
}

func (s *sampler) init(w *world) {
	sc := &w.sc
	s.rec = newRecorder(sc)
	s.w = w
	w.fwd.ObserveSojourn(&s.rec.QueueDelay)
	hists := make([]*metrics.Histogram, len(w.flows))
	for i, f := range w.flows {
		fs := s.rec.AddFlow(f.id, flowName(f.id, f.spec.CC), f.spec.CC, units.Time(f.spec.Start))
		hists[i] = &fs.RTT
		s.flows = append(s.flows, fs)
	}
	w.rtt = pathrtt.New(hists, flowOfSender)
	s.initLinks(w)
}

// newRecorder is the recorder of a run of sc, for either driver. It keeps
// every sample until told to stream them (streamSeries).
func newRecorder(sc *Scenario) *metrics.Recorder {
	return metrics.NewRecorder(sc.SampleInterval, sc.ThroughputWindow)
}

// streamSeries makes rec write its samples to files as it takes them,
// rather than keep them, and keep the delivered counts at the times in
// watch. Flows whose algorithm exposes no internal values are declared so,
// which lets their rows go straight to their files.
func streamSeries(rec *metrics.Recorder, files *report.SeriesFiles, flows []FlowSpec, watch ...units.Time) {
	for i, f := range flows {
		if alg, err := cc.New(f.CC); err == nil {
			if _, ok := alg.(cc.Inspector); !ok {
				files.DeclareInternals(i, nil)
			}
		}
	}
	rec.StreamTo(files)
	rec.WatchDelivered(watch...)
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

// Wake samples and asks for the next sample, while it is within the run.
func (s *sampler) Wake(now units.Time) error {
	w := s.w
	w.now = now
	s.sample(w)
	if next := now.Add(w.sc.SampleInterval); next <= w.end {
		w.net.Wake(s.agent, next)
	}
	return nil
}

// sample takes one snapshot of every flow, of the bottleneck and of a
// network's links.
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
	w.fwd.Sync(now)
	s.rec.RecordLink(LinkSample(now, w.fwd.Stats()))
	s.sampleLinks(now)
}

// LinkSample converts a link's statistics (the sim's, or the tun relay's
// as it last published them) into a bottleneck snapshot at now.
func LinkSample(now units.Time, ls netem.LinkStats) metrics.LinkSample {
	return metrics.LinkSample{
		T:               now,
		QueueBytes:      ls.QueueBytes,
		QueuePackets:    ls.QueuePackets,
		Drops:           ls.DroppedPackets,
		Lost:            ls.LostPackets,
		DeliveredBytes:  ls.DeliveredBytes,
		Served:          ls.ServedPackets,
		Sojourn:         ls.SojournTotal,
		Marked:          ls.MarkedPackets,
		MaxQueueBytes:   ls.MaxQueueBytes,
		MaxQueuePackets: ls.MaxQueuePackets,
	}
}
