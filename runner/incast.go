package runner

// Incast: synchronized senders answering one receiver's requests, the
// workload of partition/aggregate services (a file striped over storage
// servers, a query fanned out to workers) in which the 200 ms minimum RTO
// made goodput collapse (Vasudevan et al., SIGCOMM 2009).
//
// The flows of an incast group are persistent connections from each
// sender to the receiver. In each round the receiver's application writes
// a small request on every connection at once; each sender's application,
// on reading a whole request, answers with its share of the block; the
// round ends when the receiver has read every share, and the next round's
// requests go out at that instant (the barrier of a striped read). The
// group reports how many rounds completed, their durations and the
// goodput: blocks delivered over the time the rounds took.
//
// Both ends turn Nagle's algorithm off (TCP_NODELAY), as storage and RPC
// servers do: otherwise the last, short segment of each answer waits for
// the ACK of the one before it.

import (
	"slices"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/units"
)

// incastRequest is the size of a request, in bytes.
const incastRequest = 64

// incastGroup coordinates the rounds of one incast group.
type incastGroup struct {
	w     *world
	group int
	agent sim.AgentID
	flows []*flow
	// rounds is how many rounds to run, 0 for as many as the run holds;
	// round is the current one, from 1 (0 before the first).
	rounds, round int
	// answered counts the flows that delivered their share this round.
	answered   int
	roundStart units.Time
	first      units.Time
	durations  []units.Duration
	block      int64
}

// incastOf returns flow spec's incast group, creating it on its first
// flow.
func (w *world) incastOf(spec FlowSpec) *incastGroup {
	for _, g := range w.incasts {
		if g.group == spec.Group {
			return g
		}
	}
	g := &incastGroup{w: w, group: spec.Group, rounds: spec.IncastRounds, first: -1}
	g.agent = w.net.AddAgent(g)
	w.incasts = append(w.incasts, g)
	return g
}

// join adds f to the group; the first round starts when the group's
// earliest flow does.
func (g *incastGroup) join(f *flow) {
	g.flows = append(g.flows, f)
	g.block += f.spec.IncastShare
	f.incast = g
	g.w.net.Wake(g.agent, units.Time(f.spec.Start))
}

// Wake starts the next round: every receiver writes its request.
func (g *incastGroup) Wake(now units.Time) error {
	if g.rounds > 0 && g.round >= g.rounds {
		return nil
	}
	g.w.now = now
	g.round++
	g.answered = 0
	g.roundStart = now
	if g.first < 0 {
		g.first = now
	}
	for _, f := range g.flows {
		f.requestPending = true
		g.w.pump(f.receiver)
	}
	return nil
}

// answeredBy counts f's share of the current round as delivered and ends
// the round when it was the last.
func (g *incastGroup) answeredBy(now units.Time) {
	g.answered++
	if g.answered < len(g.flows) {
		return
	}
	g.durations = append(g.durations, now.Sub(g.roundStart))
	if g.rounds == 0 || g.round < g.rounds {
		g.w.net.Wake(g.agent, now)
	}
}

// incastSenderApp reads the requests that arrived and lets the sender
// write one share per request.
func (f *flow) incastSenderApp() {
	c := f.conn
	if n := c.Readable(); n > 0 {
		c.Discard(n)
		f.requestBytes += int64(n)
		for f.requestBytes >= incastRequest {
			f.requestBytes -= incastRequest
			f.quota += f.spec.IncastShare
		}
	}
}

// incastReceiverApp writes the round's request once the connection is
// accepted, and reports the share once it has all been read.
func (f *flow) incastReceiverApp(now units.Time) {
	g := f.incast
	if f.requestPending {
		var err error
		if f.block == nil && f.chacha == nil {
			_, err = f.peer.WriteCount(incastRequest)
		} else {
			_, err = f.peer.Write(incastRequestBytes[:])
		}
		if err == nil {
			f.requestPending = false
		}
	}
	if f.answeredRounds < g.round && f.read >= int64(g.round)*f.spec.IncastShare {
		f.answeredRounds = g.round
		g.answeredBy(now)
	}
}

var incastRequestBytes [incastRequest]byte

// summary sums up the group's rounds.
func (g *incastGroup) summary() metrics.IncastSummary {
	s := metrics.IncastSummary{Group: g.group, Senders: len(g.flows), BlockBytes: g.block, Rounds: len(g.durations)}
	if len(g.durations) == 0 {
		return s
	}
	var total units.Duration
	for _, d := range g.durations {
		total += d
	}
	s.GoodputBps = float64(g.block) * 8 * float64(len(g.durations)) / total.Seconds()
	sorted := slices.Clone(g.durations)
	slices.Sort(sorted)
	rank := func(p float64) float64 {
		i := int(p*float64(len(sorted))+0.999999) - 1
		return sorted[max(0, min(i, len(sorted)-1))].Seconds() * 1e3
	}
	s.RoundMsP50, s.RoundMsP99, s.RoundMsMax = rank(0.5), rank(0.99), sorted[len(sorted)-1].Seconds()*1e3
	s.RoundMsMin = sorted[0].Seconds() * 1e3
	return s
}
