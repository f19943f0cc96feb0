package stack

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// scriptPeer drives one host directly: the test writes each segment that
// arrives and reads back exactly what the host sends, at the times it
// chooses. Segments come from addrA unless the test says otherwise.
type scriptPeer struct {
	t    testing.TB
	pool packet.Pool
	h    *Host
	now  units.Time
}

// sentSeg is a segment the host sent, decoded, with the time it left.
type sentSeg struct {
	at units.Time
	wire.Segment
}

func (s sentSeg) String() string {
	var f []string
	for i, n := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"} {
		if s.Flags&(1<<i) != 0 {
			f = append(f, n)
		}
	}
	return fmt.Sprintf("%v %v:%d>%v:%d %v seq=%d ack=%d len=%d", s.at, s.Src, s.SrcPort, s.Dst, s.DstPort, f, s.Seq, s.Ack, len(s.Payload))
}

func newScriptPeer(t testing.TB, cfg Config) *scriptPeer {
	t.Helper()
	p := &scriptPeer{t: t}
	var err error
	if p.h, err = NewHost(addrB, cfg, &p.pool, 2); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *scriptPeer) listen(port uint16, backlog int) *Listener {
	p.t.Helper()
	l, err := p.h.Listen(port, backlog, newReno)
	if err != nil {
		p.t.Fatal(err)
	}
	return l
}

// send delivers s to the host now.
func (p *scriptPeer) send(s wire.Segment) {
	pk := p.pool.Get()
	copy(wire.ReservePayload(pk, len(s.Payload)), s.Payload)
	if s.Dst == (wire.Addr{}) {
		s.Dst = p.h.addr
	}
	if s.Src == (wire.Addr{}) {
		s.Src = addrA
	}
	wire.EncodeSegment(pk, &s)
	p.h.Input(p.now, pk)
}

// out returns everything the host sends now.
func (p *scriptPeer) out() []sentSeg {
	var got []sentSeg
	for pk := p.h.Output(p.now); pk != nil; pk = p.h.Output(p.now) {
		var s wire.Segment
		if err := wire.DecodeSegment(pk.Bytes(), &s); err != nil {
			p.t.Fatalf("host sent an undecodable packet: %v", err)
		}
		s.Payload = bytes.Clone(s.Payload)
		got = append(got, sentSeg{p.now, s})
		p.pool.Put(pk)
	}
	return got
}

// runTo runs the host's timers until limit and returns what it sent.
func (p *scriptPeer) runTo(limit units.Time) []sentSeg {
	got := p.out()
	for d := p.h.NextDeadline(); d <= limit; d = p.h.NextDeadline() {
		p.now = max(p.now, d)
		p.h.OnTimer(p.now)
		got = append(got, p.out()...)
	}
	p.now = limit
	return got
}

// one expects exactly one segment in got and returns it.
func (p *scriptPeer) one(got []sentSeg) sentSeg {
	p.t.Helper()
	if len(got) != 1 {
		p.t.Fatalf("got %d segments, want 1: %v", len(got), got)
	}
	return got[0]
}

func (p *scriptPeer) none(got []sentSeg) {
	p.t.Helper()
	if len(got) != 0 {
		p.t.Fatalf("got %v, want nothing", got)
	}
}

// linuxSYNOptions are the options of a Linux client's SYN.
func linuxSYNOptions(tsval uint32) wire.Options {
	return wire.Options{HasMSS: true, MSS: 1460, HasWScale: true, WScale: 7, SACKPermitted: true, HasTimestamps: true, TSVal: tsval}
}

func synFrom(port uint16, seq Seq, o wire.Options) wire.Segment {
	return wire.Segment{Header: wire.Header{SrcPort: port, DstPort: 80, Seq: seq, Flags: FlagSYN, Window: 64240, Opts: o}}
}

func ackFrom(port uint16, seq, ack Seq) wire.Segment {
	return wire.Segment{Header: wire.Header{SrcPort: port, DstPort: 80, Seq: seq, Ack: ack, Flags: FlagACK, Window: 502}}
}

func TestSYNACKRetriesThenHalfOpenForgotten(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 8)
	p.send(synFrom(1234, 1000, linuxSYNOptions(1)))
	if l.HalfOpen() != 1 {
		t.Fatalf("half-open %d after a SYN, want 1", l.HalfOpen())
	}
	got := p.runTo(at(63*units.Second - 1))
	var times []units.Time
	for _, s := range got {
		if s.Flags != FlagSYN|FlagACK || s.Ack != 1001 || s.Seq != got[0].Seq {
			t.Fatalf("unexpected segment %v", s)
		}
		times = append(times, s.at)
	}
	want := []units.Time{0, at(units.Second), at(3 * units.Second), at(7 * units.Second), at(15 * units.Second), at(31 * units.Second)}
	if !reflect.DeepEqual(times, want) {
		t.Fatalf("SYN-ACKs at %v, want %v", times, want)
	}
	if l.HalfOpen() != 1 {
		t.Fatalf("half-open entry gone before 63 s")
	}
	p.none(p.runTo(at(63 * units.Second)))
	if l.HalfOpen() != 0 || len(p.h.Conns()) != 0 || l.Stats().HalfOpenExpired != 1 {
		t.Fatalf("at 63 s: half-open %d, conns %d, stats %+v; want the entry forgotten", l.HalfOpen(), len(p.h.Conns()), l.Stats())
	}
	if p.h.NextDeadline() != units.Never {
		t.Fatalf("a timer is still set: %v", p.h.NextDeadline())
	}
}

func TestSYNQueueBoundAndLinuxPruning(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SYNCookies = false
	p := newScriptPeer(t, cfg)
	l := p.listen(80, 8)
	for i := range 10 {
		p.send(synFrom(uint16(2000+i), Seq(i*1000), linuxSYNOptions(1)))
	}
	got := p.out()
	if len(got) != 8 || l.HalfOpen() != 8 || l.Stats().SYNQueueDrops != 2 || l.Stats().CookiesSent != 0 {
		t.Fatalf("10 SYNs to backlog 8 without cookies: %d SYN-ACKs, %d half-open, stats %+v; want 8, 8, 2 drops", len(got), l.HalfOpen(), l.Stats())
	}
	// At 1 s every entry is young and retransmits. At 3 s none is, and
	// with the queue more than half full the limit drops to 2 retries, so
	// at 7 s the entries expire until the queue is half full (4 of 8);
	// the other 4 keep the normal limit and last until 63 s.
	got = p.runTo(at(7*units.Second - 1))
	if len(got) != 16 || l.HalfOpen() != 8 {
		t.Fatalf("until 7 s: %d SYN-ACKs and %d half-open, want 16 and 8", len(got), l.HalfOpen())
	}
	got = p.runTo(at(7 * units.Second))
	if l.HalfOpen() != 4 || l.Stats().HalfOpenExpired != 4 || len(got) != 4 {
		t.Fatalf("at 7 s: %d half-open, %d expired, %d SYN-ACKs; want 4, 4, 4", l.HalfOpen(), l.Stats().HalfOpenExpired, len(got))
	}
	for i, s := range got {
		if s.DstPort != uint16(2004+i) {
			t.Errorf("survivor %d is port %d, want %d (the youngest-created)", i, s.DstPort, 2004+i)
		}
	}
	p.runTo(at(63*units.Second - 1))
	if l.HalfOpen() != 4 {
		t.Fatalf("survivors expired early: %d left", l.HalfOpen())
	}
	p.runTo(at(63 * units.Second))
	if l.HalfOpen() != 0 || l.Stats().PeakHalfOpen != 8 {
		t.Fatalf("at 63 s: %d half-open, peak %d", l.HalfOpen(), l.Stats().PeakHalfOpen)
	}
}

// fromA is the log of what A sent.
func fromA(n *testNet) []logEntry {
	var a []logEntry
	for _, e := range n.log {
		if e.from == "A" {
			a = append(a, e)
		}
	}
	return a
}

// completeHandshake sends a SYN from port and the ACK of its SYN-ACK.
func completeHandshake(t *testing.T, p *scriptPeer, port uint16) {
	t.Helper()
	p.send(synFrom(port, 1000, wire.Options{HasMSS: true, MSS: 1460}))
	sa := p.one(p.out())
	p.send(ackFrom(port, 1001, sa.Seq+1))
	p.none(p.out())
}

func TestAcceptQueueOverflowDropsCompletingACK(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 2)
	completeHandshake(t, p, 1)
	p.send(synFrom(2, 2000, wire.Options{HasMSS: true, MSS: 1460}))
	sa2 := p.one(p.out())
	completeHandshake(t, p, 3)
	if l.Pending() != 2 || l.HalfOpen() != 1 {
		t.Fatalf("pending %d half-open %d, want 2 and 1", l.Pending(), l.HalfOpen())
	}
	// The accept queue is full: the ACK completing port 2 is dropped and
	// the entry kept.
	data := ackFrom(2, 2001, sa2.Seq+1)
	data.Payload = []byte("early data")
	p.send(data)
	p.none(p.out())
	if l.HalfOpen() != 1 || l.Stats().AcceptOverflows != 1 {
		t.Fatalf("half-open %d, stats %+v", l.HalfOpen(), l.Stats())
	}
	// A new SYN is dropped too while the accept queue is full.
	p.send(synFrom(4, 4000, wire.Options{}))
	p.none(p.out())
	if l.HalfOpen() != 1 || l.Stats().AcceptOverflows != 2 {
		t.Fatalf("after a SYN: half-open %d, stats %+v", l.HalfOpen(), l.Stats())
	}
	// Our SYN-ACK retransmission at 1 s invites the client to try again.
	if r := p.one(p.runTo(at(units.Second))); r.Flags != FlagSYN|FlagACK || r.DstPort != 2 || r.Seq != sa2.Seq {
		t.Fatalf("at 1 s: %v, want the SYN-ACK to port 2 again", r)
	}
	l.Accept()
	p.send(data)
	if l.HalfOpen() != 0 || l.Pending() != 2 {
		t.Fatalf("after room was made: half-open %d pending %d", l.HalfOpen(), l.Pending())
	}
	l.Accept()
	c := l.Accept()
	buf := make([]byte, 20)
	if n, _ := c.Read(buf); c.id.remotePort != 2 || string(buf[:n]) != "early data" {
		t.Fatalf("port %d read %q", c.id.remotePort, buf[:n])
	}
}

func TestAcceptQueueOverflowAbortResets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AbortOnOverflow = true
	p := newScriptPeer(t, cfg)
	l := p.listen(80, 1)
	p.send(synFrom(2, 2000, wire.Options{HasMSS: true, MSS: 1460}))
	sa2 := p.one(p.out())
	// Port 1 completes through a cookie (the SYN queue is full) and takes
	// the accept queue's only place.
	p.send(synFrom(1, 1000, wire.Options{HasMSS: true, MSS: 1460}))
	sa1 := p.one(p.out())
	p.send(ackFrom(1, 1001, sa1.Seq+1))
	if l.Pending() != 1 || l.Stats().CookiesAccepted != 1 {
		t.Fatalf("pending %d stats %+v", l.Pending(), l.Stats())
	}
	p.send(ackFrom(2, 2001, sa2.Seq+1))
	if r := p.one(p.out()); r.Flags != FlagRST || r.Seq != sa2.Seq+1 || r.DstPort != 2 {
		t.Fatalf("overflowing ACK answered %v, want RST seq=%d", r, sa2.Seq+1)
	}
	if l.HalfOpen() != 0 || l.Pending() != 1 || l.Stats().AcceptOverflows != 1 || len(p.h.Conns()) != 1 {
		t.Fatalf("half-open %d pending %d conns %d stats %+v", l.HalfOpen(), l.Pending(), len(p.h.Conns()), l.Stats())
	}
}

func TestRSTForNoConnection(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 8)
	for _, tc := range []struct {
		name string
		s    wire.Segment
		want []sentSeg // at, ports and flags, seq, ack
	}{
		{"SYN to a closed port", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 100, Flags: FlagSYN}},
			[]sentSeg{{Segment: wire.Segment{Header: wire.Header{SrcPort: 81, DstPort: 5, Seq: 0, Ack: 101, Flags: FlagRST | FlagACK}}}}},
		{"data and FIN without ACK", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 100, Flags: FlagFIN}, Payload: make([]byte, 10)},
			[]sentSeg{{Segment: wire.Segment{Header: wire.Header{SrcPort: 81, DstPort: 5, Seq: 0, Ack: 111, Flags: FlagRST | FlagACK}}}}},
		{"ACK to a closed port", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 100, Ack: 500, Flags: FlagACK}, Payload: make([]byte, 10)},
			[]sentSeg{{Segment: wire.Segment{Header: wire.Header{SrcPort: 81, DstPort: 5, Seq: 500, Flags: FlagRST}}}}},
		{"ACK to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100, Ack: 700, Flags: FlagACK}},
			[]sentSeg{{Segment: wire.Segment{Header: wire.Header{SrcPort: 80, DstPort: 5, Seq: 700, Flags: FlagRST}}}}},
		{"SYN-ACK to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100, Ack: 800, Flags: FlagSYN | FlagACK}},
			[]sentSeg{{Segment: wire.Segment{Header: wire.Header{SrcPort: 80, DstPort: 5, Seq: 800, Flags: FlagRST}}}}},
		{"RST to a closed port", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 100, Flags: FlagRST}}, nil},
		{"RST,ACK to a closed port", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 100, Ack: 9, Flags: FlagRST | FlagACK}}, nil},
		{"RST to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100, Flags: FlagRST}}, nil},
		{"RST,ACK to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100, Ack: 9, Flags: FlagRST | FlagACK}}, nil},
		{"SYN,FIN to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100, Flags: FlagSYN | FlagFIN}}, nil},
		{"no flags to a listener", wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 100}, Payload: []byte("x")}, nil},
	} {
		p.send(tc.s)
		got := p.out()
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %d segments", tc.name, got, len(tc.want))
			continue
		}
		for i, g := range got {
			w := tc.want[i]
			if g.Src != addrB || g.Dst != addrA || g.SrcPort != w.SrcPort || g.DstPort != w.DstPort ||
				g.Seq != w.Seq || g.Ack != w.Ack || g.Flags != w.Flags || len(g.Payload) != 0 {
				t.Errorf("%s: got %v, want %v", tc.name, g, w)
			}
		}
	}
	if l.HalfOpen() != 0 || len(p.h.Conns()) != 0 {
		t.Errorf("segments left state behind: %d half-open, %d conns", l.HalfOpen(), len(p.h.Conns()))
	}
	if p.pool.Outstanding != 0 {
		t.Errorf("%d packets leaked", p.pool.Outstanding)
	}
}

func TestListenerClose(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 4)
	completeHandshake(t, p, 1)
	p.send(synFrom(2, 2000, wire.Options{}))
	p.one(p.out())
	l.Close()
	got := p.out()
	if r := p.one(got); r.Flags != FlagRST|FlagACK || r.DstPort != 1 {
		t.Fatalf("close sent %v, want a RST to the unaccepted connection only", got)
	}
	if len(p.h.Conns()) != 0 || l.HalfOpen() != 0 {
		t.Fatalf("after Close: %d conns, %d half-open", len(p.h.Conns()), l.HalfOpen())
	}
	p.send(synFrom(3, 3000, wire.Options{}))
	if r := p.one(p.out()); r.Flags != FlagRST|FlagACK {
		t.Fatalf("SYN to the closed port answered %v", r)
	}
	if _, err := p.h.Listen(80, 4, newReno); err != nil {
		t.Fatalf("listening again: %v", err)
	}
}

func TestHalfOpenHasNoBuffers(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 4)
	p.send(synFrom(1, 1000, linuxSYNOptions(1)))
	sa := p.one(p.out())
	c := p.h.Conns()[0]
	if c.sndBuf.ready() || c.rcvBuf.data.pool != nil {
		t.Fatalf("half-open connection has buffers")
	}
	if sa.Window != 65160 {
		t.Fatalf("SYN-ACK window %d, want 65160: 64 KiB in 1448-byte segments (tcp_select_initial_window)", sa.Window)
	}
	p.send(ackFrom(1, 1001, sa.Seq+1))
	if l.Accept() != c || c.sndBuf.limit != c.cfg.SndBuf || c.rcvBuf.limit != c.cfg.RcvBuf {
		t.Fatalf("established connection has buffers of %d and %d bytes", c.sndBuf.limit, c.rcvBuf.limit)
	}
	// Its buffers take memory only as data arrives (chunks.go).
	if k := c.sndBuf.data.chunks() + c.rcvBuf.data.chunks(); k != 0 {
		t.Fatalf("established connection with no data holds %d chunks", k)
	}
}

func wirePacket(s wire.Segment) []byte {
	var pool packet.Pool
	p := pool.Get()
	wire.ReservePayload(p, len(s.Payload))
	s.Src = addrA
	if s.Dst == (wire.Addr{}) {
		s.Dst = addrB
	}
	wire.EncodeSegment(p, &s)
	return bytes.Clone(p.Bytes())
}

// inputAndDrain feeds b to the host and returns whatever it sends to the
// pool, as a driver would hand it on.
func (p *scriptPeer) inputAndDrain(b []byte) {
	pk := p.pool.Get()
	pk.Load(b)
	p.h.Input(p.now, pk)
	for out := p.h.Output(p.now); out != nil; out = p.h.Output(p.now) {
		p.pool.Put(out)
	}
}

// listenerPaths sets up a host for the per-packet paths of the host and
// listener: a SYN answered with a cookie (all a flooding SYN costs), a
// forged cookie ACK answered with RST, a segment for a closed port answered
// with RST, and a duplicate ACK for an established connection (the
// demultiplexing on the data path).
func listenerPaths(t testing.TB) (*scriptPeer, []listenerPath) {
	cfg := DefaultConfig()
	cfg.Timestamps = false // so that the same ACK stays acceptable
	p := newScriptPeer(t, cfg)
	p.listen(80, 2)
	p.send(synFrom(1, 1000, wire.Options{HasMSS: true, MSS: 1460}))
	sa := p.one(p.out())
	p.send(ackFrom(1, 1001, sa.Seq+1))
	p.none(p.out())
	for port := uint16(2); port <= 3; port++ {
		p.send(synFrom(port, 2000, wire.Options{HasMSS: true, MSS: 1460}))
		p.one(p.out())
	}
	// The SYN queue is full, and the accept queue has room.
	// The cookie SYN goes first: the forged ACK is checked as a cookie only
	// once the SYN queue has overflowed.
	return p, []listenerPath{
		{"cookie SYN", wirePacket(synFrom(6, 3000, linuxSYNOptions(5)))},
		{"forged ACK", wirePacket(ackFrom(4, 4001, 12345))},
		{"closed port", wirePacket(wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 81, Seq: 1, Flags: FlagSYN}})},
		{"established", wirePacket(ackFrom(1, 1001, sa.Seq+1))},
		{"wrong address", wirePacket(wire.Segment{Header: wire.Header{SrcPort: 5, DstPort: 80, Seq: 1, Flags: FlagSYN, Dst: wire.Addr{10, 0, 0, 1}}})},
	}
}

type listenerPath struct {
	name   string
	packet []byte
}

func TestListenerPathsDoNotAllocate(t *testing.T) {
	p, paths := listenerPaths(t)
	for _, path := range paths {
		p.inputAndDrain(path.packet) // warm the pool
		if allocs := testing.AllocsPerRun(100, func() { p.inputAndDrain(path.packet) }); allocs != 0 {
			t.Errorf("%s: %v allocations per packet", path.name, allocs)
		}
	}
	st := p.h.listeners[80].Stats()
	if hs := p.h.Stats(); st.CookiesSent < 100 || st.CookiesFailed < 100 || hs.NoConnection < 100 || hs.WrongAddress < 100 {
		t.Fatalf("the paths did not do what they are named for: %+v %+v", st, p.h.Stats())
	}
}

func BenchmarkListenerPaths(b *testing.B) {
	p, paths := listenerPaths(b)
	for _, path := range paths {
		b.Run(path.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p.inputAndDrain(path.packet)
			}
		})
	}
}
