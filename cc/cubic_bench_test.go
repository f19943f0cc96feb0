package cc

// CUBIC's per-ACK cost and allocations, and the integer curve arithmetic
// checked against float64: these need the unexported pieces, so they live
// in package cc, where the scripted tests in cubic_test.go (package cc_test,
// which imports cctest) cannot.

import (
	"math"
	"math/big"
	"testing"

	"github.com/ccbench/ccbench/units"
)

func newCubicAlg(hystart bool) *cubic {
	c := &cubic{name: "cubic-nohystart"}
	if hystart {
		c = &cubic{name: "cubic", slowStartMode: cubicHyStartLinux}
	}
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
		exits := 0
		b.ReportAllocs()
		for i := range b.N {
			// Start over whenever HyStart ends slow start, so every ACK
			// runs its detectors.
			if c.cwnd >= c.ssthresh {
				exits++
				c.Init(ack.Now, testMSS, benchIW)
				ack.Delivered = 0
			}
			// An RTT that wanders below the delay detector's threshold.
			ack.RTT = units.Duration(100+i%5) * units.Millisecond
			ack.SRTT = ack.RTT
			cubicAckStream(&ack, c.cwnd)
			c.OnAck(&ack)
		}
		if b.N > 10000 && exits == 0 {
			b.Fatal("HyStart never ended slow start")
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

// TestCubicRoot checks K's cube root: Linux's values for the differences
// W_max − cwnd_epoch a CUBIC flow meets (each read off the kernel's own
// cubic_root, which kernelcc's TestCubicRootMatchesLinux runs), and
// within 0.2% of ∛a (it truncates twice) wherever a window reduction of a segment or more
// puts it.
func TestCubicRoot(t *testing.T) {
	// W_max 100 segments, cwnd_epoch 70: K = 4316 in 1/1024 s, 4.215 s,
	// ∛(30/C) for Linux's C = 410/1024 (4316.97 exactly).
	for _, c := range []struct {
		diff uint64
		want uint32
	}{{1, 1388}, {30, 4316}, {100, 6451}, {1000, 13897}, {1000000, 138877}} {
		if got := CubicRoot(cubicCubeFactor * c.diff); got != c.want {
			t.Errorf("K for W_max − cwnd = %d: %d/1024 s, want Linux's %d", c.diff, got, c.want)
		}
	}
	for a := uint64(cubicCubeFactor); a < 1<<63; a += a / 97 {
		got, exact := float64(CubicRoot(a)), math.Cbrt(float64(a))
		if math.Abs(got-exact) > exact/500 {
			t.Fatalf("CubicRoot(%d) = %v, ∛a = %.2f: more than 0.2%% apart", a, got, exact)
		}
	}
	if cubicCubeFactor != 2681735677 || cubicBetaRenoScale != 15 {
		t.Fatalf("cube_factor %d, beta_scale %d: want Linux's 2681735677 and 15", cubicCubeFactor, cubicBetaRenoScale)
	}
}

// TestCubicDelta checks (410·offs³) >> 40 against big-integer arithmetic
// up to the cap, where it must saturate, not wrap.
func TestCubicDelta(t *testing.T) {
	for _, offs := range []uint64{0, 1, 1024, 4318, 65535, 1 << 18, 1 << 20, 123456789, cubicMaxOffs} {
		want := new(big.Int).SetUint64(offs)
		want.Mul(want, want).Mul(want, new(big.Int).SetUint64(offs)).Mul(want, big.NewInt(cubicRTTScale)).Rsh(want, 40)
		if got := cubicDelta(offs); !want.IsInt64() || got != want.Int64() {
			t.Errorf("cubicDelta(%d) = %d, want %s", offs, got, want)
		}
	}
	// One second from the plateau: 410/1024 ≈ 0.4 segments.
	if d := cubicDelta(10 * 1024); d != 400 {
		t.Fatalf("cubicDelta(10 s) = %d segments, want 400 (0.4·10³)", d)
	}
	if cubicDelta(cubicMaxOffs+1) != cubicDelta(cubicMaxOffs) || cubicDelta(math.MaxUint64) <= 0 {
		t.Fatal("cubicDelta does not saturate at cubicMaxOffs")
	}
}
