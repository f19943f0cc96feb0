package stack

import (
	"crypto/sha256"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

func TestReadySetNextWrapsAndCutShifts(t *testing.T) {
	var s readySet
	s.grow(5000)
	for _, i := range []int{3, 64, 130, 4095, 4096, 4999} {
		s.add(i)
	}
	for _, tc := range []struct{ from, want int }{
		{0, 3}, {3, 3}, {4, 64}, {65, 130}, {131, 4095}, {4096, 4096}, {4097, 4999}, {5000, 3},
	} {
		if got := s.next(tc.from); got != tc.want {
			t.Errorf("next(%d) = %d, want %d", tc.from, got, tc.want)
		}
	}
	// Cutting position 64 removes it and moves every member above down.
	s.cut(64)
	var got []int
	for i := s.from(0); i >= 0; i = s.from(i + 1) {
		got = append(got, i)
	}
	if want := []int{3, 129, 4094, 4095, 4998}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after cut(64): %v, want %v", got, want)
	}
	if n := s.members(); n != 5 {
		t.Fatalf("%d members, want 5", n)
	}
	// Cutting a non-member below the members moves them all down too.
	s.cut(0)
	got = got[:0]
	for i := s.from(0); i >= 0; i = s.from(i + 1) {
		got = append(got, i)
	}
	if want := []int{2, 128, 4093, 4094, 4997}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after cut(0): %v, want %v", got, want)
	}
	for _, i := range got {
		s.remove(i)
	}
	if s.next(0) != -1 || s.members() != 0 {
		t.Fatalf("emptied set still answers %d with %d members", s.next(0), s.members())
	}
}

// members counts the set's members.
func (s *readySet) members() int {
	n := 0
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return n
}

func TestDeadlineHeapOrdersAndRemoves(t *testing.T) {
	var hp deadlineHeap
	conns := make([]*Conn, 8)
	for i := range conns {
		conns[i] = &Conn{heapIdx: -1, deadline: units.Never}
		hp.set(conns[i], units.Time(100-10*i))
	}
	hp.set(conns[0], units.Time(5))    // earliest now
	hp.set(conns[7], units.Never)      // leaves
	hp.delete(conns[3])                // leaves
	hp.set(conns[5], units.Time(1000)) // latest now
	var got []int64
	for hp.min() != units.Never {
		c := hp.conns[0]
		got = append(got, int64(c.deadline))
		hp.delete(c)
	}
	if want := "[5 40 60 80 90 1000]"; fmt.Sprint(got) != want {
		t.Fatalf("popped %v, want %v", got, want)
	}
	for i, c := range conns {
		if c.heapIdx != -1 {
			t.Fatalf("conn %d still thinks it is at %d", i, c.heapIdx)
		}
	}
}

// manyConns is a client host and a server host holding idle established
// connections and one busy one, joined with no delay, driven as the sim
// driver does: input, then Output until nil, then NextDeadline.
type manyConns struct {
	pool       packet.Pool
	a, b       *Host
	now        units.Time
	busy, sink *Conn
	payload    []byte
}

func newManyConns(tb testing.TB, idle int) *manyConns {
	tb.Helper()
	cfg := DefaultConfig()
	// Small buffers: the idle connections keep theirs.
	cfg.SndBuf, cfg.RcvBuf = 4*cfg.MSS, 4*cfg.MSS
	m := &manyConns{}
	accepted := m.connect(tb, cfg, idle+1)
	if len(accepted) != idle+1 || len(m.a.order) != idle+1 {
		tb.Fatalf("%d accepted, %d connected, want %d", len(accepted), len(m.a.order), idle+1)
	}
	// The busy connection is the last made, behind all the idle ones in
	// both hosts' lists.
	m.busy, m.sink = m.a.order[idle], accepted[idle]
	m.payload = make([]byte, m.busy.sndMSS)
	return m
}

// settle moves packets both ways until neither host has any.
func (m *manyConns) settle() {
	for moved := true; moved; {
		moved = m.pump(m.a, m.b) > 0
		moved = m.pump(m.b, m.a) > 0 || moved
	}
}

// pump runs from's expired timers, hands everything it sends to to, and
// asks for its next deadline, as a driver does after each event.
func (m *manyConns) pump(from, to *Host) int {
	if from.NextDeadline() <= m.now {
		from.OnTimer(m.now)
	}
	n := 0
	for p := from.Output(m.now); p != nil; p = from.Output(m.now) {
		to.Input(m.now, p)
		n++
	}
	from.NextDeadline()
	return n
}

// segment carries one full-sized segment of the busy connection from the
// client's application to the server's, and whatever it draws back.
func (m *manyConns) segment() {
	m.now = m.now.Add(10 * units.Microsecond)
	if n, _ := m.busy.Write(m.payload); n != len(m.payload) {
		panic("the busy connection's send buffer is full")
	}
	m.pump(m.a, m.b)
	m.sink.Discard(m.sink.Readable())
	m.pump(m.b, m.a)
}

// TestOutputCostIndependentOfIdleConns counts the connections Output visits
// per segment of a busy connection: the same with 1 000 idle connections on
// each host as with 10, and a handful, where a visit of every connection
// would make it grow with their number.
func TestOutputCostIndependentOfIdleConns(t *testing.T) {
	const segments = 200
	visits := func(idle int) int64 {
		m := newManyConns(t, idle)
		for range 10 {
			m.segment()
		}
		before := m.a.outputCalls + m.b.outputCalls
		delivered := m.sink.stats.BytesReceived
		for range segments {
			m.segment()
		}
		if got := m.sink.stats.BytesReceived - delivered; got != segments*int64(len(m.payload)) {
			t.Fatalf("%d idle: %d bytes delivered, want %d", idle, got, segments*len(m.payload))
		}
		return m.a.outputCalls + m.b.outputCalls - before
	}
	few, many := visits(10), visits(1000)
	t.Logf("%d visits for %d segments", few, segments)
	if few != many {
		t.Fatalf("%d visits with 10 idle connections, %d with 1000", few, many)
	}
	// Per segment: the client's data and the empty call after it, the
	// server's ACK (every second segment, RFC 5681 §4.2) and its empty
	// call, the client's look after the ACK.
	if perSegment := float64(few) / segments; perSegment > 5 {
		t.Fatalf("%.2f visits per segment, want at most 5", perSegment)
	}
}

func TestBusyConnAmongIdleAllocatesNothing(t *testing.T) {
	m := newManyConns(t, 100)
	for range 20 {
		m.segment()
	}
	if a := testing.AllocsPerRun(200, m.segment); a != 0 {
		t.Fatalf("%.1f allocations per segment", a)
	}
}

// BenchmarkHostManyIdleConns is the cost of one segment of a busy
// connection, through both hosts' Input, Output and NextDeadline, with
// idle established connections beside it.
func BenchmarkHostManyIdleConns(b *testing.B) {
	for _, idle := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("idle=%d", idle), func(b *testing.B) {
			m := newManyConns(b, idle)
			for range 20 {
				m.segment()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m.segment()
			}
		})
	}
}

// The reference the scheduler must match: Output, NextDeadline and
// OnTimer as a visit of every connection does them.

func refOutput(h *Host, now units.Time) *packet.Packet {
	if h.ctlN > 0 {
		return h.Output(now) // a reply on no connection's behalf
	}
	n := len(h.order)
	for i := range n {
		k := (h.rr + i) % n
		if p := h.order[k].output(now); p != nil {
			h.rr = (k + 1) % n
			return p
		}
	}
	return nil
}

func refNextDeadline(h *Host) units.Time {
	t := units.Never
	for _, c := range h.order {
		t = min(t, c.nextDeadline())
	}
	return t
}

func refOnTimer(h *Host, now units.Time) {
	for i := 0; i < len(h.order); i++ {
		c := h.order[i]
		if c.nextDeadline() > now {
			continue
		}
		if l := c.listener; l != nil && c.state == SynReceived && c.rtxAt <= now && l.synAckExpired(c) {
			c.terminate(ErrTimedOut)
		} else {
			c.onTimer(now)
		}
		if c.state == Closed && (i >= len(h.order) || h.order[i] != c) {
			i--
		}
	}
}

// churn is a client host opening many connections to a server host across
// a lossy link with a fixed delay, with applications that write, read,
// half-close, close, abort or never close at random, driven either by the
// host's scheduler or by the reference. It returns a digest of every
// packet sent, with its time and sender, and how many there were.
//
// With sparse, connections open one at a time at longer intervals, so
// that each host keeps passing between none, one and a few connections:
// the one-connection path of Output and its hand-over to the general one.
func churn(t *testing.T, reference, sparse bool) (digest [32]byte, packets, peak int) {
	cfg := DefaultConfig()
	cfg.SndBuf, cfg.RcvBuf = 16<<10, 16<<10
	cfg.Pacing = true
	cfg.Keepalive = true
	cfg.KeepaliveIdle, cfg.KeepaliveInterval = 300*ms, 100*ms
	cfg.MSL = 200 * ms
	cfg.FinWait2Timeout = 500 * ms
	cfg.SYNCookies = true
	var pool packet.Pool
	a, err := NewHost(addrA, cfg, &pool, 11)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewHost(addrB, cfg, &pool, 12)
	if err != nil {
		t.Fatal(err)
	}
	l, err := b.Listen(80, 16, newReno)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	sum := sha256.New()
	var q flightQueue
	var now units.Time
	type app struct {
		c                 *Conn
		toWrite           int
		closeWhenDone     int // 0 CloseWrite, 1 Close, 2 Abort or Close, 3 never
		closed, peerFirst bool
	}
	var apps []*app
	buf := make([]byte, 4096)
	output := func(h *Host) *packet.Packet {
		if reference {
			return refOutput(h, now)
		}
		return h.Output(now)
	}
	drain := func(h, to *Host, from byte) {
		for p := output(h); p != nil; p = output(h) {
			packets++
			sum.Write([]byte{from, byte(now >> 40), byte(now >> 32), byte(now >> 24), byte(now >> 16), byte(now >> 8), byte(now)})
			sum.Write(p.Bytes())
			if rng.IntN(50) == 0 {
				pool.Put(p) // lost
				continue
			}
			q.push(flight{at: now.Add(5 * ms), to: to, p: p})
		}
	}
	act := func() {
		for c := l.Accept(); c != nil; c = l.Accept() {
			apps = append(apps, &app{c: c, toWrite: rng.IntN(40000), closeWhenDone: rng.IntN(4), peerFirst: true})
		}
		live := 0
		for _, ap := range apps {
			c := ap.c
			if c.State() == Closed {
				continue
			}
			live++
			// Each turn an application reads, writes, both or neither, so
			// that every call on its own must wake the connection.
			turn := rng.IntN(4)
			for turn&1 == 0 {
				k, _ := c.Read(buf)
				if k == 0 {
					break
				}
			}
			if ap.toWrite > 0 && turn < 2 {
				k, _ := c.Write(buf[:min(ap.toWrite, len(buf))])
				ap.toWrite -= k
			}
			if ap.closed || ap.toWrite > 0 || ap.peerFirst && !c.PeerClosed() {
				continue
			}
			ap.closed = true
			switch ap.closeWhenDone {
			case 0:
				c.CloseWrite()
			case 1:
				c.Close()
			case 2:
				if rng.IntN(3) == 0 {
					c.Abort()
				} else {
					c.Close()
				}
			}
		}
		peak = max(peak, live)
	}
	const end, opensEnd = units.Time(2500 * units.Millisecond), units.Time(1500 * units.Millisecond)
	nextOpen := units.Time(0)
	for now <= end {
		if now >= nextOpen && now < opensEnd {
			// Bursts of opens, so that several connections start, and
			// send, at the same instants.
			burst := 1 + rng.IntN(4)
			if sparse {
				burst = 1
			}
			for range burst {
				alg := newReno()
				if rng.IntN(2) == 0 {
					// Paced at 10 Mbit/s: 1.2 ms per full segment, so that
					// releases fall on the same instants as arrivals.
					alg = &fixedRate{rate: 10 * units.MbitPerSecond}
				}
				c, err := a.Connect(now, 0, addrB, 80, alg)
				if err != nil {
					t.Fatal(err)
				}
				apps = append(apps, &app{c: c, toWrite: rng.IntN(60000), closeWhenDone: rng.IntN(3)})
			}
			gap := units.Duration(rng.IntN(20)) * ms
			if sparse {
				gap = units.Duration(20+rng.IntN(180)) * ms
			}
			nextOpen = now.Add(gap)
		}
		for q.len() > 0 && q.next() <= now {
			f := q.pop()
			f.to.Input(now, f.p)
			act()
			drain(a, b, 'A')
			drain(b, a, 'B')
		}
		for _, h := range []*Host{a, b} {
			var d units.Time
			if reference {
				d = refNextDeadline(h)
			} else {
				d = h.NextDeadline()
			}
			if d <= now {
				if reference {
					refOnTimer(h, now)
				} else {
					h.OnTimer(now)
				}
			}
		}
		act()
		drain(a, b, 'A')
		drain(b, a, 'B')
		if !reference {
			checkLiveConns(t, a)
			checkLiveConns(t, b)
		}
		next := end + 1
		if nextOpen < opensEnd {
			next = nextOpen
		}
		if q.len() > 0 {
			next = min(next, q.next())
		}
		for _, h := range []*Host{a, b} {
			if reference {
				next = min(next, refNextDeadline(h))
			} else {
				next = min(next, h.NextDeadline())
			}
		}
		now = max(next, now+1)
	}
	copy(digest[:], sum.Sum(nil))
	return digest, packets, peak
}

// checkLiveConns checks what touchLive takes on trust: every connection
// Host.input can find (its table, its last connection) and every one in
// the deadline heap is in the host's list, at its position.
func checkLiveConns(t *testing.T, h *Host) {
	t.Helper()
	check := func(where string, c *Conn) {
		if c.pos < 0 || c.pos >= len(h.order) || h.order[c.pos] != c {
			t.Fatalf("a connection in the host's %s is not in its list (pos %d)", where, c.pos)
		}
	}
	for _, c := range h.conns {
		check("table", c)
	}
	if h.last != nil {
		check("last", h.last)
	}
	for _, c := range h.timers.conns {
		check("deadline heap", c)
	}
}

// TestSchedulerMatchesVisitingEveryConn runs the same churn of connections
// under the scheduler and under a visit of every connection: the packets,
// their times and their order must be identical.
func TestSchedulerMatchesVisitingEveryConn(t *testing.T) {
	for _, sparse := range []bool{false, true} {
		want, wantN, peak := churn(t, true, sparse)
		got, gotN, _ := churn(t, false, sparse)
		t.Logf("sparse %v: %d packets, up to %d connections open at once", sparse, wantN, peak)
		if wantN < 500 || peak < 3 || !sparse && (wantN < 5000 || peak < 20) {
			t.Fatalf("sparse %v: the churn is too small to mean anything: %d packets, %d connections at most", sparse, wantN, peak)
		}
		if got != want || gotN != wantN {
			t.Fatalf("sparse %v: the scheduler sent %d packets, a visit of every connection %d, and they differ", sparse, gotN, wantN)
		}
	}
}

// connect makes m's two hosts with cfg and opens n connections from a to
// b's listener, 256 at a time, returning b's side of each, in order.
func (m *manyConns) connect(tb testing.TB, cfg Config, n int) []*Conn {
	tb.Helper()
	var err error
	if m.a, err = NewHost(addrA, cfg, &m.pool, 1); err != nil {
		tb.Fatal(err)
	}
	if m.b, err = NewHost(addrB, cfg, &m.pool, 2); err != nil {
		tb.Fatal(err)
	}
	l, err := m.b.Listen(80, maxBacklog, newReno)
	if err != nil {
		tb.Fatal(err)
	}
	var accepted []*Conn
	for left := n; left > 0; {
		batch := min(left, 256)
		for range batch {
			if _, err := m.a.Connect(m.now, 0, addrB, 80, newReno()); err != nil {
				tb.Fatal(err)
			}
		}
		left -= batch
		m.settle()
		for c := l.Accept(); c != nil; c = l.Accept() {
			accepted = append(accepted, c)
		}
	}
	return accepted
}

// TestOneConnectionHostKeepsRoundRobin: a host that drops to one
// connection, sends on it and then gains another must start its next
// round where a visit of every connection would: after the one that sent
// last, which with one connection is position 0. The client host's
// packets, in order, must be the same under the scheduler and the
// reference.
func TestOneConnectionHostKeepsRoundRobin(t *testing.T) {
	run := func(reference bool) []string {
		var pool packet.Pool
		cfg := DefaultConfig()
		a, err := NewHost(addrA, cfg, &pool, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewHost(addrB, cfg, &pool, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Listen(80, 16, newReno); err != nil {
			t.Fatal(err)
		}
		var now units.Time
		var sent []string
		output := func(h *Host) *packet.Packet {
			if reference {
				return refOutput(h, now)
			}
			return h.Output(now)
		}
		// one hands a single packet from a to b, if a has one.
		one := func() bool {
			p := output(a)
			if p == nil {
				return false
			}
			var s wire.Segment
			if err := wire.DecodeSegment(p.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, fmt.Sprintf("%d:%d:%d", s.SrcPort, s.Seq, len(s.Payload)))
			b.Input(now, p)
			return true
		}
		settle := func() {
			for moved := true; moved; {
				moved = false
				for one() {
					moved = true
				}
				for p := output(b); p != nil; p = output(b) {
					a.Input(now, p)
					moved = true
				}
				now = now.Add(ms)
			}
		}
		connect := func() *Conn {
			c, err := a.Connect(now, 0, addrB, 80, newReno())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		buf := make([]byte, 100)
		c1, c2 := connect(), connect()
		settle()
		// Both write; c1, first in the list, sends: the round would
		// start at position 1 next.
		c1.Write(buf)
		c2.Write(buf)
		one()
		// c2 goes: one connection left, which writes and sends.
		c2.Abort()
		settle()
		c1.Write(buf)
		one()
		settle()
		// A second connection opens while c1 has data: whose packet
		// goes first is the round-robin position's choice.
		connect()
		c1.Write(buf)
		settle()
		return sent
	}
	want, got := run(true), run(false)
	if !slices.Equal(got, want) {
		t.Fatalf("packets from the client host\nscheduler: %v\nreference: %v", got, want)
	}
}
