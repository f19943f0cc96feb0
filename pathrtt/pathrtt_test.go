package pathrtt

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

var (
	addrA = wire.Addr{198, 18, 0, 1}
	addrB = wire.Addr{198, 19, 0, 1}
)

const (
	portA = 40000
	portB = 5001
	isn   = wire.Seq(0xfffff000) // wraps within the first few segments
	mss   = 1000
)

// harness is one flow's sender (A) and receiver (B) around a monitor.
type harness struct {
	t    *testing.T
	m    *Monitor
	h    metrics.Histogram
	pool packet.Pool
	// virtual makes the datagrams carry their headers as metadata, as
	// the simulator's are (wire.EncodeVirtual).
	virtual bool
	// known shows the monitor every datagram with its flow, as the
	// simulator does (OutboundOf, InboundOf), rather than for FlowOf to
	// name.
	known bool
}

func newHarness(t *testing.T) *harness {
	x := &harness{t: t}
	x.m = New([]*metrics.Histogram{&x.h}, func(s *Segment, outbound bool) int {
		if outbound && s.DstPort == portB || !outbound && s.SrcPort == portB {
			return 0
		}
		return -1
	})
	return x
}

func (x *harness) datagram(seg *wire.Segment, payload int) *packet.Packet {
	p := x.pool.Get()
	wire.ReservePayload(p, payload)
	if x.virtual {
		wire.EncodeVirtual(p, seg)
	} else {
		wire.EncodeSegment(p, seg)
	}
	return p
}

// out and in show the monitor datagram p leaving and reaching the
// sender at ms, through the entry points the harness is set to use.
func (x *harness) out(ms int, p *packet.Packet) {
	now := units.Time(ms) * units.Time(units.Millisecond)
	if x.known {
		x.m.OutboundOf(now, p, 0)
	} else {
		x.m.Outbound(now, p)
	}
}

func (x *harness) in(ms int, p *packet.Packet) {
	now := units.Time(ms) * units.Time(units.Millisecond)
	if x.known {
		x.m.InboundOf(now, p, 0)
	} else {
		x.m.Inbound(now, p)
	}
}

// bothForms runs f on a harness whose datagrams hold their headers as
// bytes, then on one whose datagrams carry them as metadata, each shown
// to the monitor for FlowOf to name their flow and with their flow: the
// monitor must see the same in all four.
func bothForms(t *testing.T, f func(x *harness)) {
	for _, virtual := range []bool{false, true} {
		for _, known := range []bool{false, true} {
			name := "bytes"
			if virtual {
				name = "metadata"
			}
			if known {
				name += "/flow-known"
			}
			t.Run(name, func(t *testing.T) {
				x := newHarness(t)
				x.virtual, x.known = virtual, known
				f(x)
			})
		}
	}
}

// send shows the monitor A's segment [isn+off, isn+off+n) at ms.
func (x *harness) send(ms int, off, n int, flags uint8) {
	seg := wire.Segment{Header: wire.Header{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB, Seq: isn.Add(off), Flags: flags | wire.FlagACK}}
	p := x.datagram(&seg, n)
	x.out(ms, p)
	x.pool.Put(p)
}

// ack shows the monitor B's cumulative ACK of isn+off at ms.
func (x *harness) ack(ms int, off int) {
	seg := wire.Segment{Header: wire.Header{Src: addrB, Dst: addrA, SrcPort: portB, DstPort: portA, Seq: 7, Ack: isn.Add(off), Flags: wire.FlagACK}}
	p := x.datagram(&seg, 0)
	x.in(ms, p)
	x.pool.Put(p)
}

// want checks the samples so far: their count, min and max in ms.
func (x *harness) want(count uint64, minMs, maxMs float64) {
	x.t.Helper()
	if x.h.Count() != count {
		x.t.Fatalf("%d samples, want %d", x.h.Count(), count)
	}
	if count == 0 {
		return
	}
	if got := x.h.Min().Milliseconds(); got != minMs {
		x.t.Errorf("min %v ms, want %v", got, minMs)
	}
	if got := x.h.Max().Milliseconds(); got != maxMs {
		x.t.Errorf("max %v ms, want %v", got, maxMs)
	}
}

// The handshake gives a sample; an ACK covering several segments samples
// the newest it fully covers; a partial ACK retires nothing it does not
// fully cover; duplicate ACKs give nothing.
func TestSamplesNewestCoveredSegment(t *testing.T) { bothForms(t, samplesNewestCoveredSegment) }

func samplesNewestCoveredSegment(x *harness) {
	t := x.t
	x.send(0, 0, 0, wire.FlagSYN) // SYN takes [0,1)
	x.ack(30, 1)
	x.want(1, 30, 30)
	x.send(31, 1, mss, 0)       // ends 1001
	x.send(32, 1+mss, mss, 0)   // ends 2001
	x.send(33, 1+2*mss, mss, 0) // ends 3001
	x.ack(70, 1+mss+500)        // covers the first fully, the second half
	x.want(2, 30, 39)
	x.ack(71, 1+mss+500) // duplicate
	x.ack(72, 1+mss+500)
	x.want(2, 30, 39)
	x.ack(75, 1+3*mss) // covers the second and third: the third's time
	x.want(3, 30, 42)
	if x.m.Ambiguous != 0 || x.m.Retransmits != 0 {
		t.Errorf("ambiguous %d, retransmits %d; want 0, 0", x.m.Ambiguous, x.m.Retransmits)
	}
}

// Karn's rule: an ACK that retires a segment sent twice gives no sample,
// whether it covers the retransmission alone or with later segments; the
// first ACK past it samples again.
func TestKarnRule(t *testing.T) { bothForms(t, karnRule) }

func karnRule(x *harness) {
	t := x.t
	x.send(0, 0, 0, wire.FlagSYN)
	x.ack(10, 1)
	for k := 0; k < 4; k++ {
		x.send(20+k, 1+k*mss, mss, 0)
	}
	x.send(60, 1+mss, mss, 0) // the second again
	if x.m.Retransmits != 1 {
		t.Fatalf("retransmits %d, want 1", x.m.Retransmits)
	}
	x.ack(65, 1+mss) // the first: sent once, acked late
	x.want(2, 10, 45)
	x.ack(70, 1+3*mss) // the second (sent twice) and third
	x.want(2, 10, 45)
	if x.m.Ambiguous != 1 {
		t.Errorf("ambiguous %d, want 1", x.m.Ambiguous)
	}
	x.ack(71, 1+4*mss) // the fourth, sent once at 23
	x.want(3, 10, 48)
	// A resend spanning two segments marks both.
	x.send(80, 1+4*mss, mss, 0)
	x.send(81, 1+5*mss, mss, 0)
	x.send(82, 1+4*mss+500, mss, 0) // overlaps both
	x.ack(90, 1+5*mss)
	x.ack(91, 1+6*mss)
	x.want(3, 10, 48)
	if x.m.Ambiguous != 3 {
		t.Errorf("ambiguous %d, want 3", x.m.Ambiguous)
	}
}

// An ACK of a flow's data only counts from the flow's receiver to its
// sender, and a new connection in a flow's place starts afresh.
func TestConnectionMatching(t *testing.T) { bothForms(t, connectionMatching) }

func connectionMatching(x *harness) {
	x.send(0, 0, 0, wire.FlagSYN)
	// The same ports, another address: not this connection's ACK.
	seg := wire.Segment{Header: wire.Header{Src: wire.Addr{198, 19, 0, 9}, Dst: addrA, SrcPort: portB, DstPort: portA, Ack: isn.Add(1), Flags: wire.FlagACK}}
	p := x.datagram(&seg, 0)
	x.in(5, p)
	x.want(0, 0, 0)
	// A new connection from another port: the old SYN is forgotten.
	seg = wire.Segment{Header: wire.Header{Src: addrA, Dst: addrB, SrcPort: portA + 1, DstPort: portB, Seq: 100, Flags: wire.FlagSYN}}
	p = x.datagram(&seg, 0)
	x.out(6, p)
	x.ack(8, 1)
	x.want(0, 0, 0)
	seg = wire.Segment{Header: wire.Header{Src: addrB, Dst: addrA, SrcPort: portB, DstPort: portA + 1, Ack: 101, Flags: wire.FlagACK | wire.FlagSYN}}
	p = x.datagram(&seg, 0)
	x.in(9, p)
	x.want(1, 3, 3)
}

// An ACK that retires entries on both sides of the ring's end, or up to
// its last entry, samples the newest of them; a resend marks entries
// past the end.
func TestRingWrap(t *testing.T) { bothForms(t, ringWrap) }

func ringWrap(x *harness) {
	t := x.t
	// sample checks that the ACK of off at ms gives one sample of
	// wantMs, or none for wantMs < 0.
	sample := func(ms, off int, wantMs float64) {
		t.Helper()
		x.h.Reset()
		x.ack(ms, off)
		if wantMs < 0 {
			x.want(0, 0, 0)
			return
		}
		x.want(1, wantMs, wantMs)
	}
	x.send(0, 0, 0, wire.FlagSYN) // ring entry 0
	sample(1, 1, 1)
	for k := 0; k < ringInitial-2; k++ { // entries 1 to 14
		x.send(10+k, 1+k*mss, mss, 0)
	}
	sample(100, 1+(ringInitial-2)*mss, 100-23)
	for k := 0; k < 6; k++ { // entries 15, 0, 1, 2, 3, 4
		x.send(200+k, 1+(ringInitial-2+k)*mss, mss, 0)
	}
	sample(250, 1+(ringInitial+2)*mss, 250-203) // entries 15 to 2
	sample(260, 1+(ringInitial+3)*mss, 260-204) // entry 3
	for k := 0; k < 13; k++ {                   // entries 5 to 15, then 0 and 1
		x.send(300+k, 1+(ringInitial+4+k)*mss, mss, 0)
	}
	x.send(320, 1+(ringInitial+15)*mss+500, mss, 0) // overlaps 0 and 1
	if x.m.Retransmits != 1 {
		t.Fatalf("retransmits %d, want 1", x.m.Retransmits)
	}
	sample(330, 1+(ringInitial+15)*mss, 330-310) // entries 4 to 15
	sample(340, 1+(ringInitial+17)*mss, -1)      // 0 and 1, both resent
	if x.m.Ambiguous != 1 {
		t.Errorf("ambiguous %d, want 1", x.m.Ambiguous)
	}
	x.send(350, 1+(ringInitial+17)*mss, mss, 0)
	sample(360, 1+(ringInitial+18)*mss, 10)
}

// Past ringMax outstanding segments the oldest are dropped: their ACKs
// give no sample, later ones still do, and a resend of dropped data
// taints the ACKs that retire it.
func TestRingOverflow(t *testing.T) {
	x := newHarness(t)
	x.send(0, 0, 0, wire.FlagSYN)
	x.ack(1, 1)
	n := ringMax + 10
	for k := 0; k < n; k++ {
		x.send(2, 1+k*10, 10, 0)
	}
	if x.m.Overflows != 10 {
		t.Fatalf("overflows %d, want 10", x.m.Overflows)
	}
	x.send(3, 1, 10, 0)  // resend the first, dropped, segment
	x.ack(10, 1+20*10)   // retires dropped and kept entries, tainted
	x.ack(11, 1+n*10-10) // everything but the last
	x.want(2, 1, 9)
	if x.m.Ambiguous != 1 {
		t.Errorf("ambiguous %d, want 1", x.m.Ambiguous)
	}
}

// Parse reads what the stack encodes and rejects what is not a whole TCP
// segment.
func TestParse(t *testing.T) {
	x := newHarness(t)
	seg := wire.Segment{
		Header: wire.Header{
			Src:     addrA,
			Dst:     addrB,
			SrcPort: portA,
			DstPort: portB,
			Seq:     5,
			Ack:     9,
			Flags:   wire.FlagACK | wire.FlagFIN,
			Opts:    wire.Options{HasTimestamps: true, TSVal: 1, TSEcr: 2},
		},
	}
	p := x.datagram(&seg, 300)
	var s Segment
	if !Parse(p.Bytes(), &s) {
		t.Fatal("Parse rejected an encoded segment")
	}
	want := Segment{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB, Seq: 5, Ack: 9, SeqLen: 301, Flags: wire.FlagACK | wire.FlagFIN}
	if s != want {
		t.Fatalf("parsed %+v, want %+v", s, want)
	}
	// The sequence length comes from the IPv4 total length.
	if !Parse(p.Bytes()[:60], &s) || s.SeqLen != 301 {
		t.Errorf("a datagram cut after its headers: ok %v, length %d; want 301", Parse(p.Bytes()[:60], &s), s.SeqLen)
	}
	b := append([]byte(nil), p.Bytes()...)
	wire.IPv4Header(b).SetProtocol(wire.IPv4ProtocolUDP)
	if Parse(b, &s) {
		t.Error("Parse accepted UDP")
	}
	copy(b, p.Bytes())
	wire.IPv4Header(b).SetFlagsAndFragmentOffset(wire.IPv4FlagMF, 0)
	if Parse(b, &s) {
		t.Error("Parse accepted a first fragment")
	}
	if Parse(p.Bytes()[:30], &s) {
		t.Error("Parse accepted a datagram shorter than its headers")
	}
}

// A steady flow costs nothing on the heap once its ring has grown.
func TestNoAllocations(t *testing.T) {
	bothForms(t, func(x *harness) {
		data, ack := x.steady()
		if n := testing.AllocsPerRun(1000, func() { x.step(data, ack) }); n > 0 {
			x.t.Fatalf("%v allocations per segment and ACK, want 0", n)
		}
	})
}

// steady opens the connection and returns a data datagram and its ACK for
// step to advance.
func (x *harness) steady() (data, ack *packet.Packet) {
	x.send(0, 0, 0, wire.FlagSYN)
	x.ack(1, 1)
	d := wire.Segment{Header: wire.Header{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB, Seq: isn.Add(1), Flags: wire.FlagACK}}
	a := wire.Segment{Header: wire.Header{Src: addrB, Dst: addrA, SrcPort: portB, DstPort: portA, Ack: isn.Add(1 + 1448), Flags: wire.FlagACK}}
	data, ack = x.datagram(&d, 1448), x.datagram(&a, 0)
	// Warm the histogram's bucket and a flight of 100 segments.
	for k := 0; k < 100; k++ {
		x.m.Outbound(units.Time(k), data)
		shift(data, ack, 1448)
	}
	return data, ack
}

// shift moves data's sequence number and ack's ACK number n bytes on, in
// whichever form the two hold their headers.
func shift(data, ack *packet.Packet, n int) {
	if d, a := wire.VirtualHeader(data), wire.VirtualHeader(ack); d != nil && a != nil {
		d.Seq, a.Ack = d.Seq.Add(n), a.Ack.Add(n)
		return
	}
	d, a := wire.TCPHeader(data.Bytes()[20:]), wire.TCPHeader(ack.Bytes()[20:])
	d.SetSeqNum(d.SeqNum().Add(n))
	a.SetAckNum(a.AckNum().Add(n))
}

var stepNow units.Time

// step sends one segment and acknowledges the one sent 100 segments ago.
func (x *harness) step(data, ack *packet.Packet) {
	stepNow += units.Time(units.Microsecond)
	x.m.Outbound(stepNow, data)
	shift(data, ack, -100*1448)
	x.m.Inbound(stepNow+units.Time(100*units.Microsecond), ack)
	shift(data, ack, 101*1448)
}

// BenchmarkSegmentAndAck is the monitor's cost per data segment and its
// ACK: two header parses, a ring push and a retirement with a sample.
func BenchmarkSegmentAndAck(b *testing.B) { benchSegmentAndAck(b, false) }

// BenchmarkSegmentAndAckVirtual is BenchmarkSegmentAndAck with headers
// carried as metadata, as the simulator's are.
func BenchmarkSegmentAndAckVirtual(b *testing.B) { benchSegmentAndAck(b, true) }

func benchSegmentAndAck(b *testing.B, virtual bool) {
	x := newHarness(&testing.T{})
	x.virtual = virtual
	data, ack := x.steady()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.step(data, ack)
	}
}
