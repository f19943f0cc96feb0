package cc

// CUBIC's per-ACK cost and allocations, and the integer curve arithmetic
// checked against float64: these need the unexported pieces, so they live
// in package cc, where the scripted tests in cubic_test.go (package cc_test,
// which imports cctest) cannot.

import (
	"math"
	"testing"

	"ccbench/units"
)

func newCubicAlg(hystart bool) *cubic {
	c := &cubic{name: "cubic", useHyStart: hystart}
	c.Init(0, testMSS, benchIW)
	return c
}

// cubicInCA returns CUBIC in congestion avoidance after an ECN echo at
// W_max = 100 segments: cwnd = ssthresh = 70 segments, K = 4.2 s.
func cubicInCA() *cubic {
	c := newCubicAlg(true)
	c.cwnd = 100 * testMSS
	c.OnCongestion(&Event{Kind: ECN, Inflight: c.cwnd})
	return c
}

// cubicAckStream advances ack as the next of a window-limited stream: one
// segment, SRTT 100 ms, arriving RTT/cwnd after the last, with the
// delivery counters of a sender that keeps cwnd in flight.
func cubicAckStream(ack *Ack, cwnd int) {
	const rtt = 100 * units.Millisecond
	ack.Now = ack.Now.Add(rtt * testMSS / units.Duration(cwnd))
	ack.Delivered += testMSS
	ack.Sent = ack.Delivered + int64(cwnd)
}

func BenchmarkCubicOnAck(b *testing.B) {
	b.Run("congestion_avoidance", func(b *testing.B) {
		c := cubicInCA()
		ack := Ack{Acked: testMSS, RTT: 100 * units.Millisecond, SRTT: 100 * units.Millisecond}
		ecn := Event{Kind: ECN}
		b.ReportAllocs()
		for i := range b.N {
			// A congestion event now and then keeps the window on the
			// curve's scale; the new epoch's K is computed on the next ACK.
			if i%8192 == 8191 {
				ecn.Now, ecn.Inflight = ack.Now, c.cwnd
				c.OnCongestion(&ecn)
			}
			cubicAckStream(&ack, c.cwnd)
			c.OnAck(&ack)
		}
		if c.Phase() != PhaseCongestionAvoidance {
			b.Fatalf("phase %s, want congestion avoidance", c.Phase())
		}
	})
	b.Run("slow_start_hystart", func(b *testing.B) {
		c := newCubicAlg(true)
		ack := Ack{Acked: testMSS}
		b.ReportAllocs()
		for i := range b.N {
			// Start over now and then so the window stays in slow start.
			if i%1024 == 0 {
				c.Init(ack.Now, testMSS, benchIW)
				ack.Delivered = 0
			}
			// An RTT that wanders within HyStart++'s threshold.
			ack.RTT = units.Duration(100+i%5) * units.Millisecond
			ack.SRTT = ack.RTT
			cubicAckStream(&ack, c.cwnd)
			c.OnAck(&ack)
		}
		if c.Phase() != PhaseSlowStart {
			b.Fatalf("phase %s, want slow start", c.Phase())
		}
	})
}

func TestCubicZeroAllocs(t *testing.T) {
	ca := cubicInCA()
	caAck := Ack{Acked: testMSS, RTT: 100 * units.Millisecond, SRTT: 100 * units.Millisecond}
	ss := newCubicAlg(true)
	ssAck := Ack{Acked: testMSS, RTT: 100 * units.Millisecond}
	recovery := newCubicAlg(true)
	recovery.OnCongestion(&Event{Kind: Loss})
	dup := Ack{DupAck: true, InRecovery: true}
	partial := Ack{Acked: testMSS, InRecovery: true}
	events := []Event{
		{Kind: Loss},
		{Kind: RecoveryExit},
		{Kind: ECN},
		{Kind: RTO},
		{Kind: IdleRestart},
	}
	other := newCubicAlg(false)

	cases := []struct {
		name string
		run  func()
	}{
		{"OnAck congestion avoidance", func() { cubicAckStream(&caAck, ca.cwnd); ca.OnAck(&caAck) }},
		{"OnAck slow start with HyStart++", func() {
			if ss.cwnd > 1000*testMSS {
				ss.Init(ssAck.Now, testMSS, benchIW)
			}
			cubicAckStream(&ssAck, ss.cwnd)
			ss.OnAck(&ssAck)
		}},
		{"OnAck fast recovery", func() { recovery.OnAck(&dup); recovery.OnAck(&partial) }},
		{"OnCongestion and the next epoch", func() {
			for j := range events {
				events[j].Now = caAck.Now
				events[j].Inflight = other.cwnd
				other.OnCongestion(&events[j])
				cubicAckStream(&caAck, other.cwnd)
				other.OnAck(&caAck)
			}
		}},
		{"Phase", func() { _ = ss.Phase(); _ = ca.Phase() }},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, allocs)
		}
	}
}

// TestCubicK checks K = ∛((W_max − cwnd_epoch)/C) in microseconds against
// float64: the least whole microsecond at which the integer curve has
// risen the full distance, so at most one above the real root.
func TestCubicK(t *testing.T) {
	cases := []struct {
		diffSegments float64
		mss          int
	}{
		{30, testMSS},    // W_max 100 after β = 0.7: ∛75 = 4.217163 s
		{10.5, testMSS},  // 59.5 − 49, fast convergence at 70
		{0.3, testMSS},   // W_max 1
		{3e4, testMSS},   // W_max 100000
		{30, 536},        // the smallest MSS an IPv4 host must accept
		{30, 65495},      // and a jumbo one
		{1.5e7, testMSS}, // W_max 5·10⁷ segments: K 335 s
	}
	for _, c := range cases {
		diff := int64(c.diffSegments * float64(c.mss))
		exact := math.Cbrt(float64(diff)/float64(c.mss)/0.4) * 1e6
		got := cubicK(diff, c.mss)
		if float64(got) < exact-1e-3 || float64(got) > exact+1 {
			t.Errorf("K for %d bytes at MSS %d = %d µs, want ⌈%.3f⌉", diff, c.mss, got, exact)
		}
		if cubicDelta(got, c.mss) < diff || got > 0 && cubicDelta(got-1, c.mss) >= diff {
			t.Errorf("K for %d bytes at MSS %d = %d µs is not the least offset reaching it", diff, c.mss, got)
		}
	}
	if k := cubicK(30*testMSS, testMSS); k != 4217164 {
		t.Fatalf("K for W_max 100 = %d µs, want 4217164 (∛75 = 4.2171633 s)", k)
	}
	if k := cubicK(0, testMSS); k != 0 {
		t.Fatalf("K for no distance = %d, want 0", k)
	}
}

// TestCubicDelta checks C·MSS·t³ in bytes against float64 from a
// microsecond to the 71-minute bound, where it must saturate, not wrap.
func TestCubicDelta(t *testing.T) {
	for _, offUs := range []int64{0, 1, 999, 1e6, 4217164, 1e7, 123456789, 1e9, cubicMaxOffsetUs} {
		s := float64(offUs) / 1e6
		exact := 0.4 * s * s * s * testMSS
		got := cubicDelta(offUs, testMSS)
		// Rounded down, and the early division costs less than a
		// millionth of a byte: got is ⌊exact⌋ or, at a float64 rounding
		// boundary, one less. Beyond 2⁵³ float64 itself is off by more.
		if tol := max(1, exact*1e-15); float64(got) > exact+tol || float64(got) < exact-1-tol {
			t.Errorf("cubicDelta(%d µs) = %d bytes, want ⌊%.3f⌋", offUs, got, exact)
		}
	}
	if cubicDelta(cubicMaxOffsetUs+1, testMSS) != cubicDelta(cubicMaxOffsetUs, testMSS) || cubicDelta(math.MaxInt64, 65535) <= 0 {
		t.Fatal("cubicDelta does not saturate at cubicMaxOffsetUs")
	}
}
