package netem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// The AQM tests drive a Link with synthetic IPv4/TCP packets from
// constant-rate sources and read each packet's queueing delay back from
// its Due: with no propagation delay a packet arrives when its last bit
// leaves, so its sojourn is Due - txTime - Enqueued.

// tcpPacket returns a pooled n-byte IPv4/TCP packet of the flow with source
// port srcPort, with the given ECN codepoint.
func tcpPacket(pool *packet.Pool, n int, srcPort uint16, ecn byte) *packet.Packet {
	p := pool.Get()
	p.SetLen(n)
	h := p.Bytes()
	clear(h[:40])
	h[0] = 0x45
	h[1] = ecn
	binary.BigEndian.PutUint16(h[2:], uint16(n))
	h[8] = 64
	h[9] = 6
	copy(h[12:], []byte{10, 0, 0, 1})
	copy(h[16:], []byte{10, 0, 0, 2})
	binary.BigEndian.PutUint16(h[20:], srcPort)
	binary.BigEndian.PutUint16(h[22:], 5201)
	return p
}

// source is a sender of one flow. A constant-rate source sends a packet of
// size bytes every gap. With rtt set it is instead a window-limited Reno:
// it keeps cwnd packets in flight, each acknowledged rtt after it leaves
// the link (so its round trip grows with the queue, as a real sender's
// does), grows cwnd by one packet per window and halves it, at most once
// per rtt, when the link drops or marks one of its packets. The driver
// tells it of a drop at once rather than three duplicate ACKs later, which
// only tightens the loop a little.
type source struct {
	port uint16
	size int
	gap  units.Duration
	next units.Time
	ecn  byte

	rtt      units.Duration
	cwnd     float64
	inflight int
	acks     []units.Time // when each delivered packet's ACK arrives
	cut      units.Time   // last halving
}

// event is when the source next has something to do.
func (s *source) event() units.Time {
	if s.rtt == 0 {
		return s.next
	}
	if s.inflight < int(s.cwnd) {
		return s.next
	}
	if len(s.acks) > 0 {
		return s.acks[0]
	}
	return units.Never
}

// act sends what the source may send at now, after taking in the ACKs due.
func (s *source) act(now units.Time, send func()) {
	if s.rtt == 0 {
		send()
		s.next = now.Add(s.gap)
		return
	}
	for len(s.acks) > 0 && s.acks[0] <= now {
		s.acks = s.acks[1:]
		s.inflight--
		s.cwnd += 1 / s.cwnd
	}
	for s.inflight < int(s.cwnd) {
		send()
		s.inflight++
	}
	s.next = units.Never
}

// delivered notes that one of the source's packets left the link at now.
func (s *source) delivered(now units.Time) {
	if s.rtt > 0 {
		s.acks = append(s.acks, now.Add(s.rtt))
	}
}

// congested halves a responsive source's window, once per rtt; lost is
// whether the packet was dropped (and so is no longer in flight) rather
// than marked.
func (s *source) congested(now units.Time, lost bool) {
	if s.rtt == 0 {
		return
	}
	if lost {
		s.inflight--
	}
	if now.Sub(s.cut) >= s.rtt {
		s.cut = now
		s.cwnd = max(s.cwnd/2, 2)
	}
	if s.inflight < int(s.cwnd) {
		s.next = now
	}
}

// sojourn is one delivered packet's queueing delay, by flow port.
type sojourn struct {
	port  uint16
	at    units.Time // when it left the queue
	delay units.Duration
}

// runSources drives a link with the sources until end and returns every
// delivered packet's sojourn. The link must have no propagation delay.
// Responsive sources learn of drops and marks from the link's counters, so
// only one may share a link with others.
func runSources(t testing.TB, cfg LinkConfig, end units.Time, srcs ...*source) ([]sojourn, LinkStats) {
	t.Helper()
	pool := &packet.Pool{}
	l, err := NewLink(cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		s.cwnd = 2
	}
	var out []sojourn
	var drops, marks int64
	for {
		now := l.NextDeadline()
		for _, s := range srcs {
			now = units.MinTime(now, s.event())
		}
		if now > end {
			break
		}
		for p := l.Dequeue(now); p != nil; p = l.Dequeue(now) {
			left := p.Due.Add(-cfg.Rate.TxTime(p.Len()))
			port := binary.BigEndian.Uint16(p.Bytes()[20:])
			out = append(out, sojourn{port, left, left.Sub(p.Enqueued)})
			for _, s := range srcs {
				if s.port == port {
					s.delivered(now)
				}
			}
			pool.Put(p)
		}
		for _, s := range srcs {
			if s.event() <= now {
				s.act(now, func() { l.Enqueue(now, tcpPacket(pool, s.size, s.port, s.ecn)) })
			}
		}
		st := l.Stats()
		for ; drops < st.DroppedPackets; drops++ {
			for _, s := range srcs {
				s.congested(now, true)
			}
		}
		if st.MarkedPackets > marks {
			marks = st.MarkedPackets
			for _, s := range srcs {
				s.congested(now, false)
			}
		}
	}
	return out, l.Stats()
}

// medianDelay is the median sojourn of port's packets that left the queue
// at or after from (port 0: every flow).
func medianDelay(s []sojourn, port uint16, from units.Time) (median, maximum units.Duration, n int) {
	var d []units.Duration
	for _, x := range s {
		if x.at >= from && (port == 0 || x.port == port) {
			d = append(d, x.delay)
		}
	}
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[len(d)-1], len(d)
}

// drainTo is a QdiscHooks.Drop that returns packets to pool.
func drainTo(pool *packet.Pool, drops *int) QdiscHooks {
	return QdiscHooks{Drop: func(e Queued) {
		*drops++
		pool.Put(e.Packet)
	}}
}

// steadyQdisc exercises q for the allocation tests and benchmarks: it keeps
// depth packets waiting and moves time on one 1500-byte transmission time
// at 100 Mbit/s per call, enqueuing and dequeuing one packet.
type steadyQdisc struct {
	q    Qdisc
	pool *packet.Pool
	now  units.Time
	port uint16
}

func newSteadyQdisc(q Qdisc, pool *packet.Pool, depth int) *steadyQdisc {
	s := &steadyQdisc{q: q, pool: pool}
	for range depth {
		s.step()
	}
	return s
}

func (s *steadyQdisc) step() {
	s.port = s.port%8 + 1
	p := tcpPacket(s.pool, 1500, s.port, wire.ECNECT0)
	if !s.q.Enqueue(queued(s.now, p)) {
		s.pool.Put(p)
	}
	s.now = s.now.Add(tx1500)
	if s.q.Len() > 64 {
		if e := s.q.Dequeue(s.now); e.Packet != nil {
			s.pool.Put(e.Packet)
		}
	}
}

// qdiscAllocs checks that a steady enqueue and dequeue allocates nothing.
func qdiscAllocs(t *testing.T, q Qdisc, pool *packet.Pool) {
	t.Helper()
	s := newSteadyQdisc(q, pool, 2000)
	if a := testing.AllocsPerRun(1000, s.step); a != 0 {
		t.Fatalf("%T: %v allocations per enqueue and dequeue, want 0", q, a)
	}
}

func qdiscBench(b *testing.B, q Qdisc, pool *packet.Pool) {
	s := newSteadyQdisc(q, pool, 2000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.step()
	}
}

// The Link counts what a discipline drops after admission and returns it
// to the pool, so its counters still balance and no packet leaks.
func TestLinkAccountsForDropsInsideQdisc(t *testing.T) {
	for _, name := range []string{QdiscDropHead, QdiscCoDel, QdiscFQCoDel, QdiscPIE, QdiscRED} {
		cfg := LinkConfig{Rate: 10 * units.MbitPerSecond, QueuePackets: 100, QueueBytes: 150000, Qdisc: name}
		src := &source{port: 1, size: 1500, gap: 1000 * us}
		_, st := runSources(t, cfg, units.Time(3*units.Second), src)
		if st.DroppedPackets == 0 {
			t.Errorf("%s: no drops at 12 Mbit/s into 10 Mbit/s", name)
		}
		in := st.DeliveredPackets + st.DroppedPackets + st.LostPackets + int64(st.InSystemPackets)
		if st.EnqueuedPackets != in {
			t.Errorf("%s: enqueued %d, delivered+dropped+lost+in system %d", name, st.EnqueuedPackets, in)
		}
	}
}

// NewLink builds the discipline LinkConfig.Qdisc names, drop-tail when it
// is empty.
func TestNewLinkBuildsChosenQdisc(t *testing.T) {
	for name, want := range map[string]Qdisc{
		"": (*DropTail)(nil), QdiscDropTail: (*DropTail)(nil), QdiscDropHead: (*DropHead)(nil),
		QdiscRED: (*RED)(nil), QdiscCoDel: (*CoDel)(nil), QdiscFQCoDel: (*FQCoDel)(nil), QdiscPIE: (*PIE)(nil),
	} {
		l, err := NewLink(LinkConfig{Qdisc: name, QueueBytes: 100000}, &packet.Pool{})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if got, w := fmt.Sprintf("%T", l.qdisc), fmt.Sprintf("%T", want); got != w {
			t.Errorf("Qdisc %q built %s, want %s", name, got, w)
		}
	}
}

func TestValidateQdiscNamesFieldValueAndWhatIsAllowed(t *testing.T) {
	for _, tc := range []struct {
		cfg          LinkConfig
		field, value string
		allowed      string
	}{
		{LinkConfig{Qdisc: "sfq"}, "Qdisc", `"sfq"`, `"fq_codel"`},
		{LinkConfig{Qdisc: QdiscRED}, "QdiscParams.RED.MaxTh", "0", "quarter of QueueBytes"},
		{LinkConfig{Qdisc: QdiscRED, QdiscParams: QdiscParams{RED: REDParams{MinTh: 5000, MaxTh: 3000}}},
			"QdiscParams.RED.MinTh", "5000", "below MaxTh (3000)"},
		{LinkConfig{Qdisc: QdiscRED, QueueBytes: 1e6, QdiscParams: QdiscParams{RED: REDParams{MaxP: 1.5}}},
			"QdiscParams.RED.MaxP", "1.5", "at most 1"},
		{LinkConfig{Qdisc: QdiscRED, QueueBytes: 1e6, QdiscParams: QdiscParams{RED: REDParams{Wq: -0.1}}},
			"QdiscParams.RED.Wq", "-0.1", "at most 1"},
		{LinkConfig{Qdisc: QdiscCoDel, QdiscParams: QdiscParams{CoDel: CoDelParams{Target: -ms}}},
			"QdiscParams.CoDel.Target", "-1ms", "0 for the default"},
		{LinkConfig{Qdisc: QdiscFQCoDel, QdiscParams: QdiscParams{FQCoDel: FQCoDelParams{Flows: 70000}}},
			"QdiscParams.FQCoDel.Flows", "70000", "1 to 65536"},
		{LinkConfig{Qdisc: QdiscFQCoDel, QdiscParams: QdiscParams{FQCoDel: FQCoDelParams{Quantum: -1}}},
			"QdiscParams.FQCoDel.Quantum", "-1", "0 for 1514"},
		{LinkConfig{Qdisc: QdiscPIE, QdiscParams: QdiscParams{PIE: PIEParams{Alpha: math.NaN()}}},
			"QdiscParams.PIE.Alpha", "NaN", "0.125"},
		{LinkConfig{Qdisc: QdiscPIE, QdiscParams: QdiscParams{PIE: PIEParams{MaxBurst: -ms}}},
			"QdiscParams.PIE.MaxBurst", "-1ms", "0 for the default"},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !strings.Contains(ce.Allowed, tc.allowed) {
			t.Errorf("Validate(%+v) = %v; want %s = %s, allowed mentioning %q", tc.cfg, err, tc.field, tc.value, tc.allowed)
		}
	}
}

// Through a Link, drops after admission and AQM marks go through hooks
// bound once at NewLink, so a steady overloaded link allocates nothing.
func TestLinkWithAQMAllocatesNothing(t *testing.T) {
	for _, name := range []string{QdiscDropHead, QdiscRED, QdiscCoDel, QdiscFQCoDel, QdiscPIE} {
		pool := &packet.Pool{}
		l, err := NewLink(LinkConfig{Rate: mbps100, QueuePackets: 200, QueueBytes: 300000, Qdisc: name}, pool)
		if err != nil {
			t.Fatal(err)
		}
		now := units.Time(0)
		step := func() {
			// Two arrivals per transmission time: a standing queue the
			// discipline must drop from.
			for range 2 {
				l.Enqueue(now, tcpPacket(pool, 1500, uint16(now/units.Time(tx1500))%8+1, wire.ECNECT0))
			}
			now = now.Add(tx1500)
			for p := l.Dequeue(now); p != nil; p = l.Dequeue(now) {
				pool.Put(p)
			}
		}
		for range 20000 {
			step()
		}
		if a := testing.AllocsPerRun(1000, step); a != 0 {
			t.Errorf("%s: %v allocations per step, want 0", name, a)
		}
		if l.Stats().DroppedPackets == 0 {
			t.Errorf("%s: no drops at twice the link rate", name)
		}
	}
}
