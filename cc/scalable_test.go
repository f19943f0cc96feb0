package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
)

func newScalable(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("scalable")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

func TestScalableIncreaseIsOneSegmentPerHundredAcked(t *testing.T) {
	// An ECN response at a window of 160 segments: ssthresh = 160 − 160/8.
	h := newScalable(t, 160*mss)
	h.ECN()
	h.Expect(140*mss, 140*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	h.AckN(99, mss)
	h.Expect(140*mss, 140*mss)
	h.Ack(mss) // the hundredth segment
	h.Expect(141*mss, 140*mss)

	// Bytes are counted, not ACKs: 100 segments in ACKs of two.
	h.AckN(49, seg2)
	h.Expect(141*mss, 140*mss)
	h.Ack(seg2)
	h.Expect(142*mss, 140*mss)

	// 0.01 per segment whatever the window: a round trip of 1400 segments
	// at 1400 grows by 14, where Reno would add one.
	h = newScalable(t, 1600*mss)
	h.ECN()
	h.Expect(1400*mss, 1400*mss)
	h.SetInflight(1400 * mss) // the window's worth, not the 1600 sent before
	h.Round()
	h.Expect(1414*mss, 1400*mss)
}

func TestScalableIsRenoBelowHundredSegments(t *testing.T) {
	h := newScalable(t, 40*mss)
	h.ECN()
	h.Expect(35*mss, 35*mss)
	// One segment per window, Reno's rule, while cwnd < 100 segments.
	h.AckN(34, mss)
	h.Expect(35*mss, 35*mss)
	h.Ack(mss)
	h.Expect(36*mss, 35*mss)
	h.AckN(36, mss)
	h.Expect(37*mss, 35*mss)

	// At 99 segments it takes 99 acknowledged to reach 100, and from there
	// 100 per segment. (113 − ⌊113/8⌋ = 99.)
	h = newScalable(t, 113*mss)
	h.ECN()
	h.Expect(99*mss, 99*mss)
	h.AckN(98, mss)
	h.Expect(99*mss, 99*mss)
	h.Ack(mss)
	h.Expect(100*mss, 99*mss)
	h.AckN(99, mss)
	h.Expect(100*mss, 99*mss)
	h.Ack(mss)
	h.Expect(101*mss, 99*mss)
}

func TestScalableDecrease(t *testing.T) {
	h := newScalable(t, 10*mss)
	h.AckN(10, mss) // slow start as Reno: 20 segments
	h.Expect(20*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)

	// Linux's tcp_scalable_ssthresh: the window less an eighth of it,
	// rounded down, in whole segments; what is in flight does not matter.
	h.SetInflight(800 * mss)
	h.Loss()
	h.Expect(18*mss, 18*mss) // 20 − ⌊20/8⌋
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.Expect(18*mss, 18*mss)
	h.Ack(mss) // a partial ACK: the window is the sender's meanwhile
	h.Expect(18*mss, 18*mss)
	h.ExitRecovery()
	h.Expect(18*mss, 18*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// A timeout: ssthresh from the window, then one segment.
	h.SetInflight(1000 * mss)
	h.RTO()
	h.Expect(mss, 16*mss) // 18 − ⌊18/8⌋
	h.ExpectPhase(cc.PhaseSlowStart)

	// A window of 2000 segments and a part: whole segments count.
	h = newScalable(t, 2000*mss+mss/2)
	h.ECN()
	h.Expect(1750*mss, 1750*mss)

	// The floor is two segments (Linux's max(…, 2U)).
	h = newScalable(t, 2*mss)
	h.ECN()
	h.Expect(2*mss, 2*mss)
	h = newScalable(t, mss)
	h.ECN()
	h.Expect(2*mss, 2*mss)
}

func TestScalableDescribes(t *testing.T) {
	if d := cc.Describe("scalable"); d == "" {
		t.Fatal("scalable has no description")
	}
}

// BenchmarkScalableOnAck measures the per-ACK path in congestion
// avoidance. The Ack lives outside the loop, as in the sender's connection:
// a pointer to a fresh local passed through the interface would escape
// and allocate on every call.
func BenchmarkScalableOnAck(b *testing.B) {
	alg, _ := cc.New("scalable")
	alg.Init(0, mss, iw)
	alg.OnCongestion(&cc.Event{Kind: cc.ECN, Inflight: 200 * mss})
	ack := cc.Ack{Acked: mss}
	b.ReportAllocs()
	for range b.N {
		alg.OnAck(&ack)
	}
}

func TestScalableZeroAllocs(t *testing.T) {
	alg, _ := cc.New("scalable")
	alg.Init(0, mss, iw)
	ack := cc.Ack{Acked: mss}
	loss := cc.Event{Kind: cc.Loss, Inflight: 200 * mss}
	exit := cc.Event{Kind: cc.RecoveryExit, Inflight: 100 * mss}
	allocs := testing.AllocsPerRun(1000, func() {
		alg.OnAck(&ack)
		alg.OnCongestion(&loss)
		alg.OnCongestion(&exit)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per ACK and congestion event, want 0", allocs)
	}
}
