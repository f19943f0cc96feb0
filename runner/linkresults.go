package runner

// Per-link results of a network: when the scenario gives its own links
// (Scenario.Links), the sampler measures every link of the network, the
// scenario's and then the flows' access links (world.linkNames), as it measures the
// bottleneck; each link with a queue (a rate or a trace) streams its
// samples to link-<name>.csv, summary.json sums every link up in links,
// and each flow's summary names the links of its path. The dumbbell gets
// none of it: its results stay what they have always been.

import (
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/units"
)

// queued reports whether a link has a queue: a rate or a trace to
// serialize at. A link of pure delay never holds a packet back.
func queued(c *netem.LinkConfig) bool { return c.Rate > 0 || c.Trace != nil }

// capacityRate is what a link of configuration c can carry over a run of
// length d: its rate, or a trace's average capacity over the run, so that
// utilization is delivered bytes over what the trace offered.
func capacityRate(c *netem.LinkConfig, d units.Duration) units.Rate {
	if tr := c.Trace; tr != nil && d > 0 {
		return units.Rate(float64(tr.CapacityBytes(0, units.Time(d))) * 8 / d.Seconds())
	}
	return c.Rate
}

// linkProbe is one link of the network being sampled.
type linkProbe struct {
	link   *netem.Link
	series *metrics.LinkSeries
}

// initLinks registers every link of a network with the recorder; the
// dumbbell's links are not registered.
func (s *sampler) initLinks(w *world) {
	if len(w.sc.Links) == 0 {
		return
	}
	names := w.linkNames
	var queuedNames []string
	for i, id := range w.links {
		if cfg := w.net.Link(id).Stats().Config; queued(&cfg) {
			queuedNames = append(queuedNames, names[i])
		}
	}
	files := report.LinkFiles(queuedNames)
	k := 0
	for i, id := range w.links {
		l := w.net.Link(id)
		cfg := l.Stats().Config
		file := ""
		if queued(&cfg) {
			file = files[k]
			k++
		}
		ls := s.rec.AddLink(names[i], file, capacityRate(&cfg, w.sc.Duration), cfg.QueueBytes, cfg.QueuePackets)
		s.links = append(s.links, linkProbe{link: l, series: ls})
	}
}

// sampleLinks takes one snapshot of every link of a network.
func (s *sampler) sampleLinks(now units.Time) {
	for i := range s.links {
		p := &s.links[i]
		p.link.Sync(now)
		p.series.Record(LinkSample(now, p.link.Stats()))
	}
}

// fillFlowPaths names in each flow's summary the links its data and its
// ACKs cross, and their places in the summary's links; the dumbbell's
// flows get none.
func fillFlowPaths(s *metrics.Summary, w *world) {
	if len(w.sc.Links) == 0 {
		return
	}
	names := w.linkNames
	for i := range s.Flows {
		id := s.Flows[i].ID
		if id < 0 || id >= len(w.flows) {
			continue
		}
		f := w.flows[id]
		data, ack := f.spec.Data, f.spec.Ack
		if data == nil {
			data = []int{0}
		}
		if ack == nil {
			ack = []int{1}
		}
		if f.accessLink >= 0 {
			data = append([]int{f.accessLink}, data...)
		}
		p := &metrics.FlowPath{DataLinks: data, AckLinks: ack}
		for _, l := range data {
			p.Data = append(p.Data, names[l])
		}
		for _, l := range ack {
			p.Ack = append(p.Ack, names[l])
		}
		s.Flows[i].Path = p
	}
}
