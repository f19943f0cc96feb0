package runner

// Per-link results of a network: when the scenario gives its own links
// (Scenario.Links), the sampler measures every link of the network, the
// scenario's and then the flows' access links, as it measures the
// bottleneck; each link with a queue (a rate or a trace) streams its
// samples to link-<name>.csv, summary.json sums every link up in links,
// and each flow's summary names the links of its path. The dumbbell gets
// none of it: its results stay what they have always been.

import (
	"fmt"

	"ccbench/metrics"
	"ccbench/netem"
	"ccbench/report"
	"ccbench/units"
)

// hasAccessLink reports whether flow spec gets an access link in front of
// its data path, as world.flowPaths decides.
func hasAccessLink(spec FlowSpec) bool { return spec.ExtraDelay > 0 || spec.AccessRate > 0 }

// accessLinkName names flow i's access link in results.
func accessLinkName(i int) string { return "f" + itoa(i) + " access" }

// networkLinkNames names every link of w in the order of w.links: the
// scenario's links ("link <i>" for one without a name), then the access
// links of the flows that have one, in flow order.
func networkLinkNames(w *world) []string {
	net := w.sc.network()
	names := make([]string, 0, len(w.links))
	for i, l := range net {
		name := l.Name
		if name == "" {
			name = "link " + itoa(i)
		}
		names = append(names, name)
	}
	for _, f := range w.flows {
		if hasAccessLink(f.spec) {
			names = append(names, accessLinkName(f.id))
		}
	}
	if len(names) != len(w.links) {
		panic(fmt.Sprintf("runner: %d links named for the %d links of the network", len(names), len(w.links)))
	}
	return names
}

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
	names := networkLinkNames(w)
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
	names := networkLinkNames(w)
	access := make(map[int]int)
	next := len(w.sc.network())
	for _, f := range w.flows {
		if hasAccessLink(f.spec) {
			access[f.id] = next
			next++
		}
	}
	for i := range s.Flows {
		id := s.Flows[i].ID
		if id < 0 || id >= len(w.flows) {
			continue
		}
		spec := w.flows[id].spec
		data, ack := spec.Data, spec.Ack
		if data == nil {
			data = []int{0}
		}
		if ack == nil {
			ack = []int{1}
		}
		if a, ok := access[id]; ok {
			data = append([]int{a}, data...)
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
