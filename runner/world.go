// Package runner is the sim driver: it builds a topology of TCP hosts and
// netem links for a scenario and runs it in virtual time on the sim event
// queue, sampling probes as it goes.
//
// The topology is a dumbbell. Flow i has a sender host and a receiver host;
// every sender's packets cross one shared forward link (the bottleneck) and
// every receiver's ACKs cross one shared reverse link:
//
//	sender_0 ─┐                        ┌─ receiver_0
//	sender_1 ─┼─► forward link (A→B) ─►┼─ receiver_1
//	   ...    └◄─ reverse link (B→A) ◄─┘    ...
//
// Packets carry their flow index in packet.Packet.Flow, so a link hands each
// packet to its host by array index, not by address lookup.
//
// A flow with FlowSpec.ExtraDelay has its own access link between its
// sender and the bottleneck: a netem.Link of pure delay (no rate, so no
// serialization and no queue) that hands every packet on to the forward
// link. Flows with different base RTTs then share one bottleneck, as in the
// RTT-fairness experiments of the literature, and the extra delay is
// propagation, not queueing, so it never drops or reorders.
//
// The loop: every host and link has one scheduled wake-up in the event
// queue. A component whose deadline moves earlier gets a new event and the
// old one goes stale (it no longer matches the component's schedule and is
// skipped when popped); one whose deadline moves later just wakes early,
// finds nothing due and reschedules. Events at equal times pop in the order
// they were pushed, so a run is a pure function of its scenario and seed.
package runner

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"ccbench/cc"
	"ccbench/netem"
	"ccbench/packet"
	"ccbench/sim"
	"ccbench/stack"
	"ccbench/units"
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
	// RealPayload keeps the flows' payload bytes (and TCP checksums)
	// where nothing would observe them; without it the simulator makes
	// them virtual whenever it can (virtualPayload). For proving and
	// measuring that virtual payload changes nothing but the cost.
	RealPayload bool
}

// virtualPayload reports whether the flows' payload can be virtual
// (stack.Config.VirtualPayload): no application, capture or link in the
// run reads or damages a payload byte. --verify reads them, --pcap
// captures them and a corrupting link flips them for the receiver's
// checksum to catch. The lifecycle hosts keep real bytes because the
// server reads its requests' headers.
func (sc *Scenario) virtualPayload() bool { return sc.virtualPayloadIf(sc.Pcap != nil) }

// virtualPayloadIf is virtualPayload for a run that captures or not, for
// estimates made before the capture exists.
func (sc *Scenario) virtualPayloadIf(pcap bool) bool {
	return !sc.RealPayload && !sc.Verify && !pcap &&
		sc.Forward.Corrupt.Prob == 0 && sc.Reverse.Corrupt.Prob == 0
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

type eventKind uint8

const (
	evHost eventKind = iota
	evLink
	evSample
	evStart
	evCross
	evArrival
	evFlood
)

type event struct {
	kind eventKind
	idx  int32
}

type hostNode struct {
	host   *stack.Host
	sched  units.Time
	egress *linkNode
	flow   *flow
	sender bool
	// app, when set, is a lifecycle host's application (lifecycle.go).
	app hostApp
	// idx is the host's index in world.hosts, which its events carry.
	idx int32
}

type linkNode struct {
	link  *netem.Link
	sched units.Time
	// idx is the link's index in world.links, which its events carry.
	idx int32
	// to maps a packet's flow index to the host that receives it; an
	// access link has next instead, the link it hands every packet to.
	to   []*hostNode
	next *linkNode
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
	chunks   stack.ChunkPool
	q        sim.Queue[event]
	hosts    []*hostNode
	fwd, rev *linkNode
	// links are fwd, rev, then the access links of flows with ExtraDelay.
	links    []*linkNode
	flows    []*flow
	segments int64 // packets (data and ACK) that hosts emitted
	cross    []*crossSource
	life     *lifecycle
	sampler  sampler
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

func newWorld(sc Scenario) (*world, error) {
	if len(sc.Flows) == 0 && !sc.Lifecycle.active() {
		return nil, fmt.Errorf("scenario has no flows and no lifecycle clients or floods")
	}
	if len(sc.Flows) > 250*250 {
		return nil, fmt.Errorf("%d flows is too many: at most 62500", len(sc.Flows))
	}
	w := &world{sc: sc, end: units.Time(sc.Duration)}
	fc := sc.Forward
	fc.Seed = seedFor(sc.Seed, "forward", 0)
	rc := sc.Reverse
	rc.Seed = seedFor(sc.Seed, "reverse", 0)
	fl, err := netem.NewLink(fc, &w.pool)
	if err != nil {
		return nil, err
	}
	rl, err := netem.NewLink(rc, &w.pool)
	if err != nil {
		return nil, err
	}
	w.fwd = &linkNode{link: fl, sched: units.Never, idx: 0}
	w.rev = &linkNode{link: rl, sched: units.Never, idx: 1}
	w.links = []*linkNode{w.fwd, w.rev}
	if sc.Pcap != nil {
		tap, err := newPcapTap(sc.Pcap)
		if err != nil {
			return nil, err
		}
		w.tap = tap
	}
	for i, spec := range sc.Flows {
		if !slices.Contains(cc.Names(), spec.CC) {
			return nil, fmt.Errorf("flows[%d].cc: %q is not a registered algorithm; allowed: %s", i, spec.CC, strings.Join(cc.Names(), ", "))
		}
		f := newFlowPayload(i, spec, sc, sc.virtualPayload())
		sa := stack.Addr{198, 18, byte(i / 250), byte(i%250 + 1)}
		ra := stack.Addr{198, 19, byte(i / 250), byte(i%250 + 1)}
		tcp := sc.TCP
		tcp.Recovery = spec.Recovery
		tcp.VirtualPayload = sc.virtualPayload()
		sh, err := stack.NewHost(sa, tcp, &w.pool, seedFor(sc.Seed, "sender", i))
		if err != nil {
			return nil, err
		}
		rh, err := stack.NewHost(ra, tcp, &w.pool, seedFor(sc.Seed, "receiver", i))
		if err != nil {
			return nil, err
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
			return nil, err
		}
		egress := w.fwd
		if spec.ExtraDelay < 0 {
			return nil, fmt.Errorf("flows[%d]: extra delay %v is negative", i, spec.ExtraDelay)
		}
		if spec.ExtraDelay > 0 {
			al, err := netem.NewLink(netem.LinkConfig{Delay: spec.ExtraDelay}, &w.pool)
			if err != nil {
				return nil, err
			}
			egress = &linkNode{link: al, sched: units.Never, idx: int32(len(w.links)), next: w.fwd}
			w.links = append(w.links, egress)
		}
		f.sender = &hostNode{host: sh, sched: units.Never, egress: egress, flow: f, sender: true}
		f.receiver = &hostNode{host: rh, sched: units.Never, egress: w.rev, flow: f}
		w.fwd.to = append(w.fwd.to, f.receiver)
		w.rev.to = append(w.rev.to, f.sender)
		f.sender.idx, f.receiver.idx = int32(len(w.hosts)), int32(len(w.hosts)+1)
		w.hosts = append(w.hosts, f.sender, f.receiver)
		w.flows = append(w.flows, f)
		w.q.Push(units.Time(spec.Start), event{kind: evStart, idx: int32(i)})
	}
	if err := w.addCross(); err != nil {
		return nil, err
	}
	if err := w.addLifecycle(); err != nil {
		return nil, err
	}
	w.sampler.init(w)
	w.q.Push(0, event{kind: evSample})
	return w, nil
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
func (w *world) step() (bool, error) {
	{
		t, ev, ok := w.q.Pop()
		if !ok || t > w.end {
			return true, nil
		}
		w.now = t
		switch ev.kind {
		case evHost:
			n := w.hosts[ev.idx]
			if n.sched != t {
				return false, nil // stale
			}
			n.sched = units.Never
			n.host.OnTimer(t)
			w.pump(n)
		case evLink:
			l := w.links[ev.idx]
			if l.sched != t {
				return false, nil
			}
			l.sched = units.Never
			for p := l.link.Dequeue(t); p != nil; p = l.link.Dequeue(t) {
				if l.next != nil {
					l.next.link.Enqueue(t, p)
					continue
				}
				if p.Flow == addressRouted {
					w.deliverByAddress(t, p)
					continue
				}
				if p.Flow < -1 {
					w.sinkCross(p)
					continue
				}
				n := l.to[p.Flow]
				n.host.Input(t, p)
				w.pump(n)
			}
			if l.next != nil {
				w.scheduleLink(l.next)
			}
			w.scheduleLink(l)
		case evSample:
			w.sampler.sample(w)
			if next := t.Add(w.sc.SampleInterval); next <= w.end {
				w.q.Push(next, event{kind: evSample})
			}
		case evStart:
			f := w.flows[ev.idx]
			if err := f.start(t); err != nil {
				return false, err
			}
			w.pump(f.sender)
		case evCross:
			w.emit(w.cross[ev.idx], ev)
		case evArrival:
			if err := w.arrive(ev.idx); err != nil {
				return false, err
			}
		case evFlood:
			w.emit(w.life.floods[ev.idx], ev)
		}
	}
	return false, nil
}

// pump lets a host's application act, then moves everything the host may
// send onto its egress link and reschedules both.
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
		n.egress.link.Enqueue(w.now, p)
	}
	w.scheduleLink(n.egress)
	if d := n.host.NextDeadline(); d < n.sched {
		n.sched = d
		w.q.Push(d, event{kind: evHost, idx: w.hostIndex(n)})
	}
}

func (w *world) hostIndex(n *hostNode) int32 { return n.idx }

func (w *world) scheduleLink(l *linkNode) {
	if d := l.link.NextDeadline(); d < l.sched {
		l.sched = d
		w.q.Push(d, event{kind: evLink, idx: l.idx})
	}
}
