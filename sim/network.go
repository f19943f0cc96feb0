package sim

// The network: links, routes and agents driven by one event queue.
//
// A Network knows three things. Links are netem links, each with one
// scheduled wake-up. Routes are precomputed sequences of links ending at a
// Receiver; a packet's route and how far along it has come travel beside
// it as its link tag (placeOf), so forwarding at the end of a link is two
// array reads and no lookup: O(1) per hop, whatever the topology, and no
// allocation, without touching the packet. Agents are everything that acts on its own schedule: a host
// (a TCP stack and its application), a traffic source, a probe. The
// Network knows nothing of flows, workloads or TCP: it moves packets along
// routes and wakes agents when they asked to be woken.
//
// Scheduling. Every link and agent has one scheduled wake-up in the queue.
// One whose deadline moves earlier gets a new event and the old one goes
// stale (it no longer matches the schedule and is skipped when popped); one
// whose deadline moves later just wakes early, finds nothing due and asks
// again. Events at equal times pop in the order they were pushed (see
// Queue), so a run is a pure function of the order in which its agents
// ask, which is a pure function of the scenario and seed.

import (
	"errors"
	"fmt"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// Agent is anything that acts at times it asks for (Network.Wake).
type Agent interface {
	// Wake is called at the time the agent asked for. An error ends the
	// run.
	Wake(now units.Time) error
}

// Receiver takes the packets that reach the end of a route. It owns each
// packet it is given.
type Receiver interface {
	Receive(now units.Time, p *packet.Packet)
}

// LinkID, AgentID and RouteID name a network's links, agents and routes in
// the order they were added, from 0.
type (
	LinkID  int32
	AgentID int32
	RouteID int32
)

// eventKind tells a link's wake-up from an agent's.
type eventKind uint8

const (
	linkEvent eventKind = iota
	agentEvent
)

type netEvent struct {
	kind eventKind
	idx  int32
}

type linkSlot struct {
	link  *netem.Link
	sched units.Time
	// dirty is set while the link has taken packets since it was last
	// scheduled (see Flush).
	dirty bool
}

type agentSlot struct {
	agent Agent
	sched units.Time
}

type route struct {
	hops []LinkID
	dst  Receiver
}

// Network is one simulated network in progress. The zero value is empty
// and ready to use.
type Network struct {
	now    units.Time
	q      eventQueue
	links  []linkSlot
	agents []agentSlot
	routes []route
	// dirty lists the links that took packets since the last Flush, in
	// the order they first did.
	dirty []LinkID
}

// AddLink adds a link; packets reach it only through routes.
func (n *Network) AddLink(l *netem.Link) LinkID {
	if len(n.links) > maxIndex {
		panic("sim: more links than an event can name")
	}
	n.links = append(n.links, linkSlot{link: l, sched: units.Never})
	return LinkID(len(n.links) - 1)
}

// Link returns the link called id.
func (n *Network) Link(id LinkID) *netem.Link { return n.links[id].link }

// AddAgent adds an agent. It is not woken until it asks (Wake).
func (n *Network) AddAgent(a Agent) AgentID {
	if len(n.agents) > maxIndex {
		panic("sim: more agents than an event can name")
	}
	n.agents = append(n.agents, agentSlot{agent: a, sched: units.Never})
	return AgentID(len(n.agents) - 1)
}

// AddRoute adds a route: the links a packet crosses, in order, and who
// receives it after the last. A route has at least one link: delivering
// without one would hand a packet from one agent to another in the middle
// of the first's turn.
func (n *Network) AddRoute(hops []LinkID, dst Receiver) (RouteID, error) {
	if len(hops) == 0 {
		return -1, errors.New("a route needs at least one link")
	}
	if dst == nil {
		return -1, errors.New("a route needs a receiver")
	}
	for _, h := range hops {
		if h < 0 || int(h) >= len(n.links) {
			return -1, fmt.Errorf("route names link %d; the network has %d", h, len(n.links))
		}
	}
	n.routes = append(n.routes, route{hops: append([]LinkID(nil), hops...), dst: dst})
	return RouteID(len(n.routes) - 1), nil
}

// Wake asks for agent id to be woken at at. The earliest request wins: a
// later one than already pending is ignored, as the agent, woken early,
// asks again.
func (n *Network) Wake(id AgentID, at units.Time) {
	// Most calls ask again for the time already pending; this test
	// inlines into them, as long as the push stays out of line.
	if at < n.agents[id].sched {
		n.wake(id, at)
	}
}

//go:noinline
func (n *Network) wake(id AgentID, at units.Time) {
	n.agents[id].sched = at
	n.q.push(at, netEvent{kind: agentEvent, idx: int32(id)})
}

// Send puts p on route r's first link at the current time. The link is
// scheduled at the next Flush, so that a burst of packets schedules it
// once, when its deadline is known.
func (n *Network) Send(p *packet.Packet, r RouteID) {
	// The place is placeOf(r, 0) written out, which keeps Send within
	// the inliner's budget: it inlines into the sender's loop.
	n.enqueue(n.routes[r].hops[0], p, p.Len(), uint64(r)<<32)
}

// A packet's place on its route, its route and the number of links it has
// left behind, travels as the link tag beside it (netem.Link.EnqueueTagged):
// forwarding reads it from the link's own records, never from the packet,
// which has sat out of cache for a queue and a propagation delay.
func placeOf(r RouteID, hop int) uint64 { return uint64(r)<<32 | uint64(hop) }

func (n *Network) enqueue(id LinkID, p *packet.Packet, size int, place uint64) {
	s := &n.links[id]
	if s.link.EnqueueTagged(n.now, p, size, place) && !s.dirty {
		s.dirty = true
		n.dirty = append(n.dirty, id)
	}
}

// Flush schedules every link that took packets since the last Flush, in
// the order they first did. An agent that sends calls it when it is done
// sending.
func (n *Network) Flush() {
	// Most calls find nothing to schedule; this test inlines into them.
	if len(n.dirty) != 0 {
		n.flush()
	}
}

func (n *Network) flush() {
	for _, id := range n.dirty {
		n.links[id].dirty = false
		n.scheduleLink(id)
	}
	n.dirty = n.dirty[:0]
}

func (n *Network) scheduleLink(id LinkID) {
	s := &n.links[id]
	if d := s.link.NextDeadline(); d < s.sched {
		s.sched = d
		n.q.push(d, netEvent{kind: linkEvent, idx: int32(id)})
	}
}

// Step handles the next event due at or before end. It reports true when
// there is none: the run is over.
func (n *Network) Step(end units.Time) (bool, error) {
	t, ev, ok := n.q.peek()
	if !ok || t > end {
		n.q.live = false // not handled: it stays
		return true, nil
	}
	n.now = t
	// The event is handled in place (eventQueue.peek): the first wake-up
	// asked for meanwhile takes its slot, usually the one the link or
	// agent asks for next, and done takes it out otherwise.
	if ev.kind == agentEvent {
		s := &n.agents[ev.idx]
		if s.sched != t {
			n.q.done()
			return false, nil // stale
		}
		s.sched = units.Never
		err := s.agent.Wake(t)
		n.q.done()
		return false, err
	}
	id := LinkID(ev.idx)
	s := &n.links[id]
	if s.sched != t {
		n.q.done()
		return false, nil
	}
	s.sched = units.Never
	for {
		p, size, place := s.link.DequeueTagged(t)
		if p == nil {
			break
		}
		// On to the route's next link, or to its receiver. This and the
		// scheduling below are written here rather than called: once
		// per event, a call's spills and reloads cost 1% of a run.
		route, hop := RouteID(place>>32), int(uint32(place))+1
		if r := &n.routes[route]; hop < len(r.hops) {
			n.enqueue(r.hops[hop], p, size, placeOf(route, hop))
		} else {
			r.dst.Receive(t, p)
		}
		if !s.link.MayHaveArrived(t) {
			break
		}
	}
	n.Flush()
	// scheduleLink(id), written out (see above).
	if d := s.link.NextDeadline(); d < s.sched {
		s.sched = d
		n.q.push(d, netEvent{kind: linkEvent, idx: int32(id)})
	}
	n.q.done()
	return false, nil
}

// Run handles events until none is due at or before end.
func (n *Network) Run(end units.Time) error {
	for {
		done, err := n.Step(end)
		if err != nil || done {
			return err
		}
	}
}
