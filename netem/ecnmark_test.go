package netem

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// segmentPacket is a 1500-byte TCP/IPv4 datagram, encoded by the stack,
// whose IPv4 header carries ecn; its sequence number and Flow are id.
func segmentPacket(pool *packet.Pool, ecn uint8, id int) *packet.Packet {
	p := pool.Get()
	wire.ReservePayload(p, 1460)
	seg := wire.Segment{
		Header: wire.Header{
			Src:     wire.Addr{10, 0, 0, 1},
			Dst:     wire.Addr{10, 0, 0, 2},
			SrcPort: 40000,
			DstPort: 5001,
			Seq:     wire.Seq(id),
			Ack:     1,
			Flags:   wire.FlagACK,
			Window:  65535,
			ECN:     ecn,
			IPID:    uint16(id),
		},
	}
	wire.EncodeSegment(p, &seg)
	p.Flow = int32(id)
	return p
}

// markLink is a 100 Mbit/s link whose queue holds 10 packets, marking at
// the given thresholds.
func markLink(t *testing.T, kPackets, kBytes int) *testLink {
	t.Helper()
	return newTestLink(t, LinkConfig{
		Rate: mbps100, Delay: ms, QueuePackets: 10,
		ECNThresholdPackets: kPackets, ECNThresholdBytes: kBytes,
	})
}

// burstSegments sends one segment per codepoint in ecns at time 0, with ids
// 0, 1, 2, ...: packet 0 goes straight to the transmitter, packet i ≥ 1
// finds i−1 packets waiting, and packets 11 and later find the queue of 10
// full and are dropped.
func (tl *testLink) burstSegments(ecns ...uint8) {
	for i, ecn := range ecns {
		tl.link.Enqueue(0, segmentPacket(tl.pool, ecn, i))
	}
}

// deliveredECN runs the link dry and returns the ECN codepoint of every
// delivered packet by id, failing on any packet whose checksums do not
// verify.
func (tl *testLink) deliveredECN() map[int]uint8 {
	tl.t.Helper()
	got := make(map[int]uint8)
	for t := tl.link.NextDeadline(); t != units.Never; t = tl.link.NextDeadline() {
		for p := tl.link.Dequeue(t); p != nil; p = tl.link.Dequeue(t) {
			var seg wire.Segment
			if err := wire.DecodeSegment(p.Bytes(), &seg); err != nil {
				tl.t.Fatalf("packet %d does not decode after the link: %v", p.Flow, err)
			}
			got[int(seg.Seq)] = seg.ECN
			tl.pool.Put(p)
		}
	}
	return got
}

func repeat(ecn uint8, n int) []uint8 {
	s := make([]uint8, n)
	for i := range s {
		s[i] = ecn
	}
	return s
}

func TestECNMarksFromThresholdOn(t *testing.T) {
	tl := markLink(t, 3, 0)
	tl.burstSegments(repeat(wire.ECNECT0, 13)...)
	// Packet 3 finds K−1 = 2 waiting: not marked. Packets 4..10 find 3..9:
	// marked. 11 and 12 find the queue full: dropped, not marked.
	s := tl.link.Stats()
	if s.MarkedPackets != 7 || s.MarkedBytes != 7*1500 || s.DroppedPackets != 2 {
		t.Fatalf("marked %d pkts %d B, dropped %d; want 7, 10500, 2", s.MarkedPackets, s.MarkedBytes, s.DroppedPackets)
	}
	tl.checkBalance()
	got := tl.deliveredECN()
	if len(got) != 11 {
		t.Fatalf("delivered %d packets, want 11", len(got))
	}
	for id := range 11 {
		want := wire.ECNECT0
		if id >= 4 {
			want = wire.ECNCE
		}
		if got[id] != want {
			t.Errorf("packet %d (found %d waiting): ECN %d, want %d", id, max(id-1, 0), got[id], want)
		}
	}
	tl.checkBalance()
	if s := tl.link.Stats(); s.DeliveredPackets != 11 || s.MarkedPackets != 7 {
		t.Fatalf("after draining: delivered %d, marked %d; want 11, 7", s.DeliveredPackets, s.MarkedPackets)
	}
}

func TestECNNeverMarksNotECTAndMarksBothECTs(t *testing.T) {
	// Alternating not-ECT and ECT(1), then ECT(0), past the threshold: the
	// not-ECT packets keep their codepoint and still take their place in
	// the queue; both ECT codepoints become CE.
	tl := markLink(t, 1, 0)
	ecns := []uint8{wire.ECNNotECT, wire.ECNNotECT, wire.ECNNotECT, wire.ECNECT1, wire.ECNNotECT, wire.ECNECT0, wire.ECNNotECT}
	tl.burstSegments(ecns...)
	got := tl.deliveredECN()
	want := []uint8{wire.ECNNotECT, wire.ECNNotECT, wire.ECNNotECT, wire.ECNCE, wire.ECNNotECT, wire.ECNCE, wire.ECNNotECT}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("packet %d sent with ECN %d: delivered with %d, want %d", id, ecns[id], got[id], w)
		}
	}
	if s := tl.link.Stats(); s.MarkedPackets != 2 {
		t.Fatalf("marked %d, want 2", s.MarkedPackets)
	}

	// A whole burst of not-ECT overflowing the buffer: drops, no marks.
	tl = markLink(t, 1, 0)
	tl.burstSegments(repeat(wire.ECNNotECT, 15)...)
	if s := tl.link.Stats(); s.MarkedPackets != 0 || s.DroppedPackets != 4 {
		t.Fatalf("not-ECT burst: marked %d, dropped %d; want 0, 4", s.MarkedPackets, s.DroppedPackets)
	}
	for id, ecn := range tl.deliveredECN() {
		if ecn != wire.ECNNotECT {
			t.Fatalf("not-ECT packet %d delivered with ECN %d", id, ecn)
		}
	}
	tl.checkBalance()
}

func TestECNLeavesCEAloneAndUncounted(t *testing.T) {
	tl := markLink(t, 1, 0)
	tl.burstSegments(repeat(wire.ECNCE, 5)...)
	if s := tl.link.Stats(); s.MarkedPackets != 0 {
		t.Fatalf("marked %d packets that arrived CE, want 0", s.MarkedPackets)
	}
	for id, ecn := range tl.deliveredECN() {
		if ecn != wire.ECNCE {
			t.Fatalf("packet %d arrived CE, delivered with ECN %d", id, ecn)
		}
	}
}

func TestECNByteThreshold(t *testing.T) {
	for _, tc := range []struct {
		kBytes, firstMarked int
	}{
		{3 * 1500, 4},     // packet 4 finds 4500 bytes waiting
		{3*1500 + 1, 5},   // packet 5 is the first to find more than 4500
		{1, 2},            // packet 2 finds one packet waiting
		{9*1500 + 1, 100}, // packet 10 finds 9 waiting, 13500 bytes: none marked
	} {
		tl := markLink(t, 0, tc.kBytes)
		tl.burstSegments(repeat(wire.ECNECT0, 11)...)
		for id, ecn := range tl.deliveredECN() {
			if marked := ecn == wire.ECNCE; marked != (id >= tc.firstMarked) {
				t.Errorf("K = %d bytes: packet %d marked %t", tc.kBytes, id, marked)
			}
		}
	}

	// With both thresholds, whichever is reached first marks.
	tl := markLink(t, 6, 3*1500)
	tl.burstSegments(repeat(wire.ECNECT0, 11)...)
	if s := tl.link.Stats(); s.MarkedPackets != 7 {
		t.Fatalf("K = 6 packets or 4500 bytes: marked %d, want 7 (packets 4..10)", s.MarkedPackets)
	}
}

func TestECNMarkingOffByDefault(t *testing.T) {
	tl := markLink(t, 0, 0)
	tl.burstSegments(repeat(wire.ECNECT0, 11)...)
	if s := tl.link.Stats(); s.MarkedPackets != 0 {
		t.Fatalf("marked %d with no threshold, want 0", s.MarkedPackets)
	}
	for id, ecn := range tl.deliveredECN() {
		if ecn != wire.ECNECT0 {
			t.Fatalf("packet %d delivered with ECN %d, want ECT(0)", id, ecn)
		}
	}
}

func TestECNIgnoresWhatIsNotIPv4(t *testing.T) {
	tl := markLink(t, 1, 0)
	// Bytes that would read as ECT(0) in an IPv4 header, but the version
	// is 6, or the packet is shorter than an IPv4 header.
	for i, n := range []int{1500, 1500, 19, 19, 1500} {
		p := tl.pool.Get()
		p.SetLen(n)
		b := p.Bytes()
		for j := range b {
			b[j] = 0
		}
		b[0], b[1] = 0x60, wire.ECNECT0
		p.Flow = int32(i)
		tl.link.Enqueue(0, p)
	}
	if s := tl.link.Stats(); s.MarkedPackets != 0 {
		t.Fatalf("marked %d packets that are not IPv4, want 0", s.MarkedPackets)
	}
	for t0 := tl.link.NextDeadline(); t0 != units.Never; t0 = tl.link.NextDeadline() {
		for p := tl.link.Dequeue(t0); p != nil; p = tl.link.Dequeue(t0) {
			if b := p.Bytes(); b[1] != wire.ECNECT0 || len(b) >= 12 && (b[10] != 0 || b[11] != 0) {
				t.Fatalf("packet %d was rewritten: % x", p.Flow, b[:12])
			}
			tl.pool.Put(p)
		}
	}
}

// TestMarkCEChecksumEqualsRecomputed checks RFC 1624's incremental update
// against a checksum computed from scratch, for every IP ID value (so
// every checksum, the boundary values 0x0000 and 0xffff among them) and
// for random headers with options.
func TestMarkCEChecksumEqualsRecomputed(t *testing.T) {
	var pool packet.Pool
	p := pool.Get()
	check := func(what string) {
		t.Helper()
		h := wire.IPv4Header(p.Bytes())
		ecn, dscp := h.ECN(), h.TOS()>>2
		if !markCE(p) {
			t.Fatalf("%s: ECN %d not marked", what, ecn)
		}
		if h.ECN() != wire.ECNCE || h.TOS()>>2 != dscp {
			t.Fatalf("%s: TOS %#x after marking, want DSCP %#x and CE", what, h.TOS(), dscp)
		}
		if want := h.ComputeChecksum(); h.Checksum() != want || !h.ChecksumValid() {
			t.Fatalf("%s: checksum %#04x after marking, recomputed %#04x", what, h.Checksum(), want)
		}
	}

	hdr := wire.IPv4Header(make([]byte, 20))
	hdr.SetVersionAndHeaderLen(20)
	hdr.SetTotalLen(1500)
	hdr.SetTTL(64)
	hdr.SetProtocol(wire.IPv4ProtocolTCP)
	hdr.SetSrc(wire.Addr{192, 168, 1, 1})
	hdr.SetDst(wire.Addr{192, 168, 1, 2})
	sawZero := false
	for id := range 1 << 16 {
		for _, ecn := range []uint8{wire.ECNECT0, wire.ECNECT1} {
			hdr.SetID(uint16(id))
			hdr.SetTOS(0xb8 | ecn) // DSCP EF
			hdr.SetChecksum(hdr.ComputeChecksum())
			p.Load(hdr)
			check("exhaustive IP ID")
			sawZero = sawZero || wire.IPv4Header(p.Bytes()).Checksum() == 0
		}
	}
	if !sawZero {
		t.Fatal("no header had a zero checksum after marking: the boundary case went untested")
	}

	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		ihl := 5 + rng.IntN(11)
		b := make([]byte, ihl*4+rng.IntN(100))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		h := wire.IPv4Header(b)
		h.SetVersionAndHeaderLen(ihl * 4)
		h.SetECN([]uint8{wire.ECNECT0, wire.ECNECT1}[rng.IntN(2)])
		h.SetChecksum(h.ComputeChecksum())
		p.Load(b)
		check("random header")
	}
}

func TestValidateECNThresholds(t *testing.T) {
	for _, c := range []LinkConfig{
		{ECNThresholdPackets: 20},
		{QueuePackets: 100, ECNThresholdPackets: 99},
		{QueueBytes: 150000, ECNThresholdBytes: 30000, ECNThresholdPackets: 20},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", c, err)
		}
	}
	for _, tc := range []struct {
		cfg            LinkConfig
		field, allowed string
	}{
		{LinkConfig{ECNThresholdPackets: -1}, "ECNThresholdPackets", "0 for no marking"},
		{LinkConfig{ECNThresholdBytes: -1}, "ECNThresholdBytes", "0 for no marking"},
		{LinkConfig{QueuePackets: 10, ECNThresholdPackets: 10}, "ECNThresholdPackets", "below QueuePackets (10)"},
		{LinkConfig{QueueBytes: 15000, ECNThresholdBytes: 20000}, "ECNThresholdBytes", "below QueueBytes (15000)"},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(ce.Allowed, tc.allowed) {
			t.Errorf("Validate(%+v) = %v, want a ConfigError on %s allowing ~%q", tc.cfg, err, tc.field, tc.allowed)
		}
	}
}

// ect0Header is a valid 20-byte IPv4 header carrying ECT(0), which the
// steady-state tests write over recycled packets.
func ect0Header() []byte {
	h := wire.IPv4Header(make([]byte, 20))
	h.SetVersionAndHeaderLen(20)
	h.SetTOS(wire.ECNECT0)
	h.SetTotalLen(1500)
	h.SetTTL(64)
	h.SetProtocol(wire.IPv4ProtocolTCP)
	h.SetChecksum(h.ComputeChecksum())
	return h
}

// markingLink is steadyLink with K = 10: the standing queue of about 100
// packets puts every arrival above the threshold.
func markingLink(tb testing.TB) (*Link, *packet.Pool, units.Time) {
	pool := &packet.Pool{}
	l, err := NewLink(LinkConfig{Rate: mbps100, Delay: 10 * ms, QueuePackets: 1000, ECNThresholdPackets: 10}, pool)
	if err != nil {
		tb.Fatal(err)
	}
	for range 100 {
		p := pool.Get()
		p.SetLen(1500)
		l.Enqueue(0, p)
	}
	return l, pool, 0
}

// markStep is step with an ECT(0) header on the arriving packet.
func markStep(l *Link, pool *packet.Pool, hdr []byte, now units.Time) {
	p := pool.Get()
	p.SetLen(1500)
	copy(p.Bytes(), hdr)
	l.Enqueue(now, p)
	for q := l.Dequeue(now); q != nil; q = l.Dequeue(now) {
		pool.Put(q)
	}
}

func TestECNMarkingAllocatesNothing(t *testing.T) {
	l, pool, now := markingLink(t)
	hdr := ect0Header()
	for range 1000 {
		now = now.Add(tx1500)
		markStep(l, pool, hdr, now)
	}
	before := l.Stats().MarkedPackets
	const runs = 10000
	allocs := testing.AllocsPerRun(runs, func() {
		now = now.Add(tx1500)
		markStep(l, pool, hdr, now)
	})
	if allocs != 0 {
		t.Fatalf("Enqueue with marking allocates %v times per packet, want 0", allocs)
	}
	// AllocsPerRun runs the function once more to warm up.
	if marked := l.Stats().MarkedPackets - before; marked != runs+1 {
		t.Fatalf("%d of %d packets marked; the test did not measure the marking path", marked, runs+1)
	}
}

func BenchmarkLinkEnqueueDequeueECNMark(b *testing.B) {
	l, pool, now := markingLink(b)
	hdr := ect0Header()
	for range 1000 {
		now = now.Add(tx1500)
		markStep(l, pool, hdr, now)
	}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(tx1500)
		markStep(l, pool, hdr, now)
	}
}

func BenchmarkMarkCE(b *testing.B) {
	var pool packet.Pool
	p := pool.Get()
	p.Load(ect0Header())
	h := p.Bytes()
	sum0, sum1 := h[10], h[11]
	b.ReportAllocs()
	for b.Loop() {
		// Back to the ECT(0) header, so that every iteration marks.
		h[1], h[10], h[11] = wire.ECNECT0, sum0, sum1
		if !markCE(p) {
			b.Fatal("ECT(0) packet not marked")
		}
	}
}
