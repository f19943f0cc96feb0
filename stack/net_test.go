package stack

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// testNet joins two hosts with a fixed one-way delay and lets a test drop
// chosen segments. It records every segment that leaves either host, so
// tests can assert exact timelines.
type testNet struct {
	t      *testing.T
	now    units.Time
	pool   packet.Pool
	a, b   *Host
	delay  units.Duration
	flight []inFlight
	log    []logEntry
	// drop, if set, decides whether a segment leaving a host is lost.
	drop func(e logEntry) bool
	// onStep runs after every step, for applications.
	onStep func()
	// mangle, if set, may rewrite a packet leaving a host (after drop).
	mangle func(e logEntry, p *packet.Packet)
}

type inFlight struct {
	at units.Time
	to *Host
	p  *packet.Packet
}

type logEntry struct {
	at       units.Time
	from     string // "A" or "B"
	flags    uint8
	seq, ack Seq // relative to the sender's and receiver's ISNs
	len      int
	ecn      uint8
	sack     []wire.SACKBlock // relative to the receiver's ISN
	win      uint16
	opts     wire.Options
	dropped  bool
}

func (e logEntry) String() string {
	var f []string
	for i, n := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"} {
		if e.flags&(1<<i) != 0 {
			f = append(f, n)
		}
	}
	s := fmt.Sprintf("%v %s %s seq=%d ack=%d len=%d", e.at, e.from, strings.Join(f, ","), e.seq, e.ack, e.len)
	if e.dropped {
		s += " (dropped)"
	}
	return s
}

var (
	addrA = wire.Addr{198, 18, 0, 1}
	addrB = wire.Addr{198, 18, 0, 2}
)

func newTestNet(t *testing.T, delay units.Duration, cfgA, cfgB Config) *testNet {
	t.Helper()
	n := &testNet{t: t, delay: delay}
	var err error
	if n.a, err = NewHost(addrA, cfgA, &n.pool, 1); err != nil {
		t.Fatal(err)
	}
	if n.b, err = NewHost(addrB, cfgB, &n.pool, 2); err != nil {
		t.Fatal(err)
	}
	return n
}

func newReno() cc.CongestionControl {
	c, err := cc.New("reno")
	if err != nil {
		panic(err)
	}
	return c
}

// relative makes sequence numbers relative to each host's first
// connection's ISN, so logs read like tcpdump's relative numbering.
func (n *testNet) relative(from *Host, s *wire.Segment) (seq, ack Seq) {
	iss := func(h *Host) Seq {
		if len(h.order) > 0 {
			return h.order[0].iss
		}
		return 0
	}
	to := n.b
	if from == n.b {
		to = n.a
	}
	seq = s.Seq - iss(from)
	if s.Has(FlagACK) {
		ack = s.Ack - iss(to)
	}
	return
}

// pump moves every packet each host wants to send into flight.
func (n *testNet) pump() {
	for progress := true; progress; {
		progress = false
		for _, h := range []*Host{n.a, n.b} {
			for p := h.Output(n.now); p != nil; p = h.Output(n.now) {
				progress = true
				n.send(h, p)
			}
		}
	}
}

func (n *testNet) send(from *Host, p *packet.Packet) {
	var s wire.Segment
	if err := wire.DecodeSegment(p.Bytes(), &s); err != nil {
		n.t.Fatalf("host sent an undecodable packet: %v", err)
	}
	e := logEntry{at: n.now, from: "A", flags: s.Flags, len: len(s.Payload), win: s.Window, opts: s.Opts}
	to := n.b
	if from == n.b {
		e.from, to = "B", n.a
	}
	e.seq, e.ack = n.relative(from, &s)
	e.ecn = s.ECN
	for i := 0; i < s.Opts.NumSACK; i++ {
		b := s.Opts.SACK[i]
		base := s.Ack - e.ack
		e.sack = append(e.sack, wire.SACKBlock{Start: b.Start - base, End: b.End - base})
	}
	if n.drop != nil && n.drop(e) {
		e.dropped = true
		n.pool.Put(p)
	} else {
		if n.mangle != nil {
			n.mangle(e, p)
		}
		n.flight = append(n.flight, inFlight{at: n.now.Add(n.delay), to: to, p: p})
	}
	n.log = append(n.log, e)
}

// step advances to the next event no later than limit and handles it. It
// returns false when nothing is left to do before limit.
func (n *testNet) step(limit units.Time) bool {
	next := min(n.a.NextDeadline(), n.b.NextDeadline())
	for _, f := range n.flight {
		next = min(next, f.at)
	}
	if next > limit {
		n.now = limit
		return false
	}
	n.now = max(n.now, next)
	// Deliver due packets one at a time, letting both hosts answer each,
	// as a link that serializes packets would.
	for i := 0; i < len(n.flight); {
		if f := n.flight[i]; f.at <= n.now {
			n.flight = append(n.flight[:i], n.flight[i+1:]...)
			f.to.Input(n.now, f.p)
			if n.onStep != nil {
				n.onStep()
			}
			n.pump()
			i = 0
			continue
		}
		i++
	}
	n.a.OnTimer(n.now)
	n.b.OnTimer(n.now)
	if n.onStep != nil {
		n.onStep()
	}
	n.pump()
	return true
}

// runUntil steps until cond holds or limit passes; it fails the test on
// timeout.
func (n *testNet) runUntil(limit units.Time, cond func() bool) {
	n.t.Helper()
	if n.onStep != nil {
		n.onStep()
	}
	n.pump()
	for !cond() {
		if !n.step(limit) {
			if !cond() {
				n.t.Fatalf("condition not reached by %v; log tail:\n%s", limit, n.tail(30))
			}
			return
		}
	}
}

// runFor steps until limit.
func (n *testNet) runFor(limit units.Time) {
	n.pump()
	for n.step(limit) {
	}
}

func (n *testNet) tail(k int) string {
	var b strings.Builder
	for _, e := range n.log[max(0, len(n.log)-k):] {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// connect opens a connection from A to B's listener on port 80 and runs
// the handshake.
func (n *testNet) connect() (client, server *Conn) {
	n.t.Helper()
	l, err := n.b.Listen(80, 8, newReno)
	if err != nil {
		n.t.Fatal(err)
	}
	client, err = n.a.Connect(n.now, 0, addrB, 80, newReno())
	if err != nil {
		n.t.Fatal(err)
	}
	n.runUntil(n.now.Add(10*units.Second), func() bool {
		if server == nil {
			server = l.Accept()
		}
		return server != nil && client.State() == Established
	})
	return client, server
}
