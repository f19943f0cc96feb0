// Package runner runs one experiment point: the sim driver (a scenario's
// hosts, flows and traffic sources on a sim.Network, in virtual time),
// Execute and ExecuteWith writing a point's results, the memory budget and
// the run's fingerprint. A real-time driver's run lives beside its
// driver's parts (the tun driver's in package tun/tunrun) and registers
// itself here (RegisterRealTime), using the flows' applications this
// package exports (export.go). Sweeps, shards and resume are package
// sweep's; results folders are package outdir's.
//
// The network is the scenario's links (Scenario.Links), or, without them,
// the dumbbell: link 0 the forward bottleneck, link 1 the reverse path.
// Each flow has a sender host and a receiver host, and a route each way: the
// links its data crosses (FlowSpec.Data, default link 0) and those its ACKs
// cross (FlowSpec.Ack, default link 1):
//
//	sender_0 ─┐                        ┌─ receiver_0
//	sender_1 ─┼─► forward link (A→B) ─►┼─ receiver_1
//	   ...    └◄─ reverse link (B→A) ◄─┘    ...
//
// A flow with FlowSpec.ExtraDelay (or AccessRate) has its own access link
// in front of its data path: a netem.Link of pure delay (and rate) that
// only it crosses. Flows with different base RTTs then share one
// bottleneck, as in the RTT-fairness experiments of the literature, and
// the extra delay is propagation, not queueing.
//
// Hosts, flow starts and stops, the sampler, cross traffic, lifecycle
// arrivals and SYN floods are all sim.Agents: each asks to be woken at the
// times it needs, and the network knows nothing of what they are. A run is
// a pure function of its scenario and seed (see sim.Network).
package runner

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/pathrtt"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Scenario is everything a simulated run needs, in resolved units.
type Scenario struct {
	Duration         units.Duration
	SampleInterval   units.Duration
	ThroughputWindow units.Duration
	Forward, Reverse netem.LinkConfig
	TCP              stack.Config
	Flows            []FlowSpec
	Seed             uint64
	// Verify makes every flow send pseudo-random bytes and compare the
	// SHA-256 of what its receiver read with what its sender wrote.
	Verify bool
	// Pcap, when not nil, receives a capture of every packet the hosts
	// send into the links (see pcap.go). The caller flushes it after
	// the run and gets any write error from that flush.
	Pcap *bufio.Writer
	// Cross are unresponsive sources sharing the bottleneck (workload.go).
	Cross []CrossSpec
	// Lifecycle are the server, clients and SYN floods of a
	// connection-lifecycle experiment (lifecycle.go).
	Lifecycle LifecycleSpec
	// Progress, when not nil, receives a progress line with the finish
	// time once the run has taken a few wall seconds (progress.go).
	Progress io.Writer
	// Links, when given, are the network's links in the order flows'
	// paths name them (FlowSpec.Data and Ack); Forward and Reverse are
	// then links 0 and 1's configurations. Without Links the network is
	// the dumbbell: link 0 is Forward, link 1 Reverse.
	Links []LinkSpec
	// RealPayload keeps the flows' payload bytes (and TCP checksums)
	// where nothing would observe them; without it the simulator makes
	// them virtual whenever it can (virtualPayload). For proving and
	// measuring that virtual payload changes nothing but the cost.
	RealPayload bool
	// SelfCheck is a real-time run's check of its relay before the flows
	// start (experiment.SelfCheckModes; "" is "off"), against
	// MaxReleaseP99.
	SelfCheck     string
	MaxReleaseP99 units.Duration
	// IdlePoll keeps idle cores polling while a real-time run's relay
	// runs (tun.ThreadPolicy.IdlePoll).
	IdlePoll bool
}

// virtualPayload reports whether the flows' payload can be virtual
// (stack.Config.VirtualPayload): no application, capture or link in the
// run reads or damages a payload byte. --verify reads them, --pcap
// captures them and a corrupting link flips them for the receiver's
// checksum to catch. The lifecycle hosts keep real bytes because the
// server reads its requests' headers.
func (sc *Scenario) virtualPayload() bool { return sc.virtualPayloadIf(sc.Pcap != nil) }

// virtualPayloadIf is virtualPayload for a run that captures or not, for
// estimates made before the capture exists. Every link of the network is
// asked whether it corrupts, not only the two a dumbbell has: a network's
// third link that flips bits with virtual payload would hand its damage,
// unchecked, to a receiver that no longer verifies checksums.
func (sc *Scenario) virtualPayloadIf(pcap bool) bool {
	if sc.RealPayload || sc.Verify || pcap {
		return false
	}
	for _, l := range sc.network() {
		if l.Config.Corrupt.Prob != 0 {
			return false
		}
	}
	return true
}

// LinkSpec is one direction of one link of the network.
type LinkSpec struct {
	// Name names the link in errors and results ("link", "r0->r1").
	Name   string
	Config netem.LinkConfig
	// Ideal marks a link with no rate, delay, loss or impairment: routes
	// skip it, since crossing it changes nothing.
	Ideal bool
}

// network is the scenario's links: Links, or the dumbbell's two.
func (sc *Scenario) network() []LinkSpec {
	if len(sc.Links) > 0 {
		return sc.Links
	}
	return []LinkSpec{{Name: "link", Config: sc.Forward}, {Name: "reverse", Config: sc.Reverse}}
}

// FlowSpec is one TCP flow.
type FlowSpec struct {
	CC    string
	Start units.Duration
	// Size is the number of bytes to send, after which the sender closes;
	// 0 sends until the run ends.
	Size int64
	// Recovery is the flow's loss recovery.
	Recovery stack.RecoveryMode
	// ExtraDelay is one-way propagation delay added to this flow's data
	// path before the bottleneck, on top of the forward link's; the flow's
	// base RTT is the path's plus ExtraDelay. 0 adds no access link.
	ExtraDelay units.Duration
	// AccessRate, when above 0, is the serialization rate of that access
	// link (which then exists even without ExtraDelay).
	AccessRate units.Rate
	// Data and Ack are the links the flow's data and its ACKs cross, in
	// order, as indices into the scenario's links; nil is link 0 for data
	// and link 1 for ACKs.
	Data, Ack []int
	// BaseRTT is the flow's round-trip propagation delay, access link
	// included; 0 means the dumbbell's, link 0's and 1's delays plus
	// ExtraDelay.
	BaseRTT units.Duration
	// Stop, when above 0, is when the sender's application closes the
	// connection, as close(2) does: no more writes; what is queued still
	// goes, then the FIN.
	Stop units.Duration
	// IncastShare, when above 0, makes the flow a member of its group's
	// incast (incast.go): each round it answers a request with this many
	// bytes. IncastRounds is how many rounds the group runs, 0 for as
	// many as the run holds.
	IncastShare  int64
	IncastRounds int
	// Group is the [[flows]] entry the flow belongs to, for per-group
	// summaries such as fairness.
	Group int
	// Receiver is who receives the flow under the tun driver: "stack" for
	// ccbench's stack, "kernel" or "" for B's kernel. The sim driver's
	// receiver is always the stack.
	Receiver string
}

// serverPort is where every receiver listens (iperf's traditional port).
const serverPort = 5001

// hostNode is one TCP host in the network: its stack, its application and
// the route its packets take. It is an agent (it wakes for its timers, and
// a flow's sender also for the flow's start) and a receiver (packets at the
// end of a route to it).
type hostNode struct {
	w     *world
	host  *stack.Host
	agent sim.AgentID
	// route is where every packet the host sends goes.
	route sim.RouteID
	flow  *flow
	// startPending is set on a flow's sender until the flow has started:
	// its first wake-up opens the connection.
	startPending bool
	sender       bool
	// app, when set, is a lifecycle host's application (lifecycle.go).
	app hostApp
}

// Wake runs the host's timers, or starts its flow, and lets it send.
func (n *hostNode) Wake(now units.Time) error {
	w := n.w
	w.now = now
	if n.startPending {
		n.startPending = false
		if err := n.flow.start(now); err != nil {
			return err
		}
	} else {
		n.host.OnTimer(now)
	}
	w.pump(n)
	return nil
}

// Receive hands the host a packet that reached it, then lets it answer.
func (n *hostNode) Receive(now units.Time, p *packet.Packet) {
	n.w.now = now
	if n.sender {
		n.w.rtt.InboundOf(now, p, n.flow.id)
	}
	n.host.Input(now, p)
	n.w.pump(n)
}

// world is one run in progress.
type world struct {
	// tap, when capturing, records every packet the hosts send.
	tap  *pcapTap
	sc   Scenario
	now  units.Time
	end  units.Time
	pool packet.Pool
	// chunks is where every host's socket buffers take their memory.
	chunks stack.ChunkPool
	net    sim.Network
	// links are the scenario's links (Scenario.Network), then the access
	// links of flows with ExtraDelay; fwd and rev are links 0 and 1, the
	// dumbbell's bottleneck and its reverse path, which cross traffic and
	// lifecycle clients use and whose statistics the summary reports.
	links []sim.LinkID
	// linkNames names w.links in results: the scenario's links, then
	// "f<N> access" for flow N's access link.
	linkNames []string
	fwd, rev  *netem.Link
	hosts     []*hostNode
	flows     []*flow
	segments  int64 // packets (data and ACK) that hosts emitted
	cross     []*crossSource
	life      *lifecycle
	incasts   []*incastGroup
	sampler   sampler
	// rtt measures every flow's path RTT from the segments its sender
	// host sends into its data path and the ACKs its ACK path delivers
	// to it: the tun relay's points, with the host's own links in place
	// of the relay's (package pathrtt).
	rtt *pathrtt.Monitor
}

func seedFor(base uint64, label string, i int) uint64 {
	// SplitMix64 over the base seed, a label and an index: every component
	// gets its own independent, reproducible stream.
	x := base ^ 0x9e3779b97f4a7c15*uint64(i+1)
	for _, c := range label {
		x = (x ^ uint64(c)) * 0xbf58476d1ce4e5b9
	}
	x ^= x >> 31
	x *= 0x94d049bb133111eb
	return x ^ x>>29
}

// linkSeedLabel names link i's random stream: the dumbbell's two links
// keep the names they have always had, so their draws do not change.
func linkSeedLabel(i int) (string, int) {
	switch i {
	case 0:
		return "forward", 0
	case 1:
		return "reverse", 0
	}
	return "link", i
}

func newWorld(sc Scenario) (*world, error) {
	if len(sc.Flows) == 0 && !sc.Lifecycle.active() {
		return nil, fmt.Errorf("scenario has no flows and no lifecycle clients or floods")
	}
	if len(sc.Flows) > 250*250 {
		return nil, fmt.Errorf("%d flows is too many: at most 62500", len(sc.Flows))
	}
	w := &world{sc: sc, end: units.Time(sc.Duration)}
	links := sc.network()
	for i, ls := range links {
		cfg := ls.Config
		label, k := linkSeedLabel(i)
		cfg.Seed = seedFor(sc.Seed, label, k)
		l, err := netem.NewLink(cfg, &w.pool)
		if err != nil {
			if ls.Name != "" {
				return nil, fmt.Errorf("%s: %w", ls.Name, err)
			}
			return nil, err
		}
		w.links = append(w.links, w.net.AddLink(l))
		name := ls.Name
		if name == "" {
			name = "link " + itoa(i)
		}
		w.linkNames = append(w.linkNames, name)
	}
	w.fwd, w.rev = w.net.Link(w.links[0]), w.net.Link(w.links[1])
	if sc.Pcap != nil {
		tap, err := newPcapTap(sc.Pcap)
		if err != nil {
			return nil, err
		}
		w.tap = tap
	}
	for i, spec := range sc.Flows {
		if err := w.addFlow(i, spec); err != nil {
			return nil, err
		}
	}
	if err := w.addCross(); err != nil {
		return nil, err
	}
	if err := w.addLifecycle(); err != nil {
		return nil, err
	}
	w.sampler.init(w)
	w.sampler.agent = w.net.AddAgent(&w.sampler)
	w.net.Wake(w.sampler.agent, 0)
	return w, nil
}

// addFlow adds flow i: its two hosts, their routes and its start.
func (w *world) addFlow(i int, spec FlowSpec) error {
	sc := &w.sc
	if cc.Check(spec.CC) != nil {
		if cc.Resolvable(spec.CC) {
			return fmt.Errorf("flows[%d].cc: %v", i, cc.Check(spec.CC))
		}
		return fmt.Errorf("flows[%d].cc: %q is not a registered algorithm; allowed: %s", i, spec.CC, strings.Join(cc.Names(), ", "))
	}
	f := newFlowPayload(i, spec, *sc, sc.virtualPayload())
	sa := senderAddr(i)
	ra := wire.Addr{198, 19, byte(i / 250), byte(i%250 + 1)}
	tcp := sc.TCP
	tcp.Recovery = spec.Recovery
	tcp.VirtualPayload = sc.virtualPayload()
	if spec.IncastShare > 0 {
		tcp.NoDelay = true
	}
	sh, err := stack.NewHost(sa, tcp, &w.pool, seedFor(sc.Seed, "sender", i))
	if err != nil {
		return err
	}
	rh, err := stack.NewHost(ra, tcp, &w.pool, seedFor(sc.Seed, "receiver", i))
	if err != nil {
		return err
	}
	sh.SetFlowTag(int32(i))
	rh.SetFlowTag(int32(i))
	sh.SetChunkPool(&w.chunks)
	rh.SetChunkPool(&w.chunks)
	f.listener, err = rh.Listen(serverPort, 16, func() cc.CongestionControl {
		c, _ := cc.New(spec.CC)
		return c
	})
	if err != nil {
		return err
	}
	data, ack, err := w.flowPaths(f, spec)
	if err != nil {
		return err
	}
	f.sender = w.addHost(sh, nil)
	f.receiver = w.addHost(rh, nil)
	f.sender.flow, f.sender.sender, f.sender.startPending = f, true, true
	f.receiver.flow = f
	if f.sender.route, err = w.net.AddRoute(data, f.receiver); err != nil {
		return fmt.Errorf("flows[%d]: data path: %w", i, err)
	}
	if f.receiver.route, err = w.net.AddRoute(ack, f.sender); err != nil {
		return fmt.Errorf("flows[%d]: ACK path: %w", i, err)
	}
	w.flows = append(w.flows, f)
	w.net.Wake(f.sender.agent, units.Time(spec.Start))
	if spec.IncastShare > 0 {
		if spec.Size > 0 || spec.Stop > 0 {
			return fmt.Errorf("flows[%d]: an incast flow answers requests until the run ends: it takes no size or stop", i)
		}
		w.incastOf(spec).join(f)
	}
	if spec.Stop > 0 {
		w.net.Wake(w.net.AddAgent(flowStop{w, f}), units.Time(spec.Stop))
	}
	return nil
}

// senderAddr is flow i's sender host's address: 198.18.0.1 to
// 198.18.249.250 for newWorld's 62 500 flows at most.
func senderAddr(i int) wire.Addr { return wire.Addr{198, 18, byte(i / 250), byte(i%250 + 1)} }

// flowOfSender is the pathrtt.FlowOf of the sim's flows: a segment's flow
// is that of its sender host's address (senderAddr), the source of data
// and the destination of ACKs; -1 for any other address. The sim feeds
// the monitor only at a flow's own sender host, which knows its flow
// (OutboundOf, InboundOf: what this function would say, without asking
// it); the monitor keeps it for any segment shown without one.
func flowOfSender(s *pathrtt.Segment, outbound bool) int {
	a := s.Dst
	if outbound {
		a = s.Src
	}
	if a[0] != 198 || a[1] != 18 || a[3] < 1 || a[3] > 250 {
		return -1
	}
	return int(a[2])*250 + int(a[3]) - 1
}

// flowPaths resolves flow i's data and ACK paths to links: the scenario's
// (links 0 and 1 when it gives none), with an access link of pure delay
// in front of the data path when the flow has ExtraDelay.
func (w *world) flowPaths(f *flow, spec FlowSpec) (data, ack []sim.LinkID, err error) {
	i := f.id
	pick := func(path []int, def int, what string) ([]sim.LinkID, error) {
		if path == nil {
			return []sim.LinkID{w.links[def]}, nil
		}
		links := w.sc.network()
		out := make([]sim.LinkID, 0, len(path))
		for k, l := range path {
			if l < 0 || l >= len(links) {
				return nil, fmt.Errorf("flows[%d]: %s path names link %d; the network has %d", i, what, l, len(links))
			}
			// An ideal link is skipped, unless the path would be left
			// with no link at all.
			if links[l].Ideal && (len(out) > 0 || k < len(path)-1) {
				continue
			}
			out = append(out, w.links[l])
		}
		return out, nil
	}
	if data, err = pick(spec.Data, 0, "data"); err != nil {
		return nil, nil, err
	}
	if ack, err = pick(spec.Ack, 1, "ACK"); err != nil {
		return nil, nil, err
	}
	if spec.ExtraDelay < 0 {
		return nil, nil, fmt.Errorf("flows[%d]: extra delay %v is negative", i, spec.ExtraDelay)
	}
	if spec.ExtraDelay > 0 || spec.AccessRate > 0 {
		al, err := netem.NewLink(netem.LinkConfig{Delay: spec.ExtraDelay, Rate: spec.AccessRate}, &w.pool)
		if err != nil {
			return nil, nil, fmt.Errorf("flows[%d]: access link: %w", i, err)
		}
		id := w.net.AddLink(al)
		f.accessLink = len(w.links)
		w.links = append(w.links, id)
		w.linkNames = append(w.linkNames, "f"+itoa(i)+" access")
		data = append([]sim.LinkID{id}, data...)
	}
	return data, ack, nil
}

// flowStop closes a flow's connection at its stop time, as an application
// calling close(2) would: what is queued still goes, then the FIN.
type flowStop struct {
	w *world
	f *flow
}

func (s flowStop) Wake(now units.Time) error {
	s.w.now = now
	s.f.stop()
	s.w.pump(s.f.sender)
	return nil
}

// run executes the scenario to its end.
func (w *world) run() error {
	for {
		done, err := w.step()
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	w.now = w.end
	return nil
}

// step handles one event; it reports true when the run is over.
func (w *world) step() (bool, error) { return w.net.Step(w.end) }

// pump lets a host's application act, then sends everything the host may
// send along its route and asks to be woken at its next deadline.
func (w *world) pump(n *hostNode) {
	switch {
	case n.app != nil:
		n.app.act(w.now)
	case n.sender:
		n.flow.senderApp(w.now)
	default:
		n.flow.receiverApp(w.now)
	}
	for p := n.host.Output(w.now); p != nil; p = n.host.Output(w.now) {
		w.segments++
		if w.tap != nil {
			w.tap.capture(w.now, p)
		}
		if n.sender {
			w.rtt.OutboundOf(w.now, p, n.flow.id)
		}
		w.net.Send(p, n.route)
	}
	w.net.Flush()
	w.net.Wake(n.agent, n.host.NextDeadline())
}
