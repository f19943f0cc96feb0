package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

// Vegas decides at the first ACK of each harness Round after the first:
// that ACK is the first to deliver data sent after the previous decision.
// The decision uses the smallest RTT of the ACKs since the previous one,
// so a SetRTT shows in the decision one Round later.

func newVegas(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("vegas")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

// vegasInCA returns Vegas in congestion avoidance at `segments` segments
// with BaseRTT 100 ms, the path's RTT now rtt and the round that will
// measure it begun: an ECN response to twice the window, one Round at 100
// ms, then one at rtt whose decision still sees 100 ms and adds a segment.
func vegasInCA(t *testing.T, segments int, rtt units.Duration) *cctest.Harness {
	t.Helper()
	h := newVegas(t, 2*(segments-1)*mss)
	h.SetRTT(100 * units.Millisecond)
	h.ECN()
	h.Expect((segments-1)*mss, (segments-1)*mss)
	h.Round()
	h.Expect((segments-1)*mss, (segments-1)*mss)
	h.SetRTT(rtt)
	h.Round()
	h.Expect(segments*mss, (segments-1)*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	return h
}

func TestVegasHoldsBetweenAlphaAndBeta(t *testing.T) {
	// 23 segments at 115 ms over a 100 ms BaseRTT: Diff = 23·15/115 = 3,
	// between alpha = 2 and beta = 4.
	h := vegasInCA(t, 23, 115*units.Millisecond)
	for range 5 {
		h.Round()
		h.Expect(23*mss, 22*mss)
	}
}

func TestVegasIncreasesBelowAlpha(t *testing.T) {
	// 21 segments at 105 ms: Diff = 21·5/105 = 1 < alpha, one more segment
	// per round, until Diff = 42·5/105 = 2 at 42 segments.
	h := vegasInCA(t, 21, 105*units.Millisecond)
	for n := 22; n <= 42; n++ {
		h.Round()
		h.Expect(n*mss, 20*mss)
	}
	h.Round()
	h.Round()
	h.Expect(42*mss, 20*mss)
}

func TestVegasDecreasesAboveBeta(t *testing.T) {
	// 25 segments at 125 ms: Diff = 25·25/125 = 5 > beta, one segment less
	// per round (and ssthresh with it), until Diff = 20·25/125 = 4.
	h := vegasInCA(t, 25, 125*units.Millisecond)
	for n := 24; n >= 20; n-- {
		h.Round()
		h.Expect(n*mss, n*mss)
	}
	h.Round()
	h.Round()
	h.Expect(20*mss, 20*mss)
}

func TestVegasSlowStartDoublesEveryOtherRound(t *testing.T) {
	h := newVegas(t, iw)
	h.SetRTT(100 * units.Millisecond)
	want := []int{20, 20, 40, 40, 80, 80, 160}
	for _, segs := range want {
		h.Round()
		h.Expect(segs*mss, inf)
		h.ExpectPhase(cc.PhaseSlowStart)
	}
}

func TestVegasLeavesSlowStartAboveGamma(t *testing.T) {
	h := newVegas(t, iw)
	h.SetRTT(100 * units.Millisecond)
	h.Round()
	h.Expect(20*mss, inf)
	// The doubling built a queue: 25 ms more RTT. The holding round
	// measures Diff = 20·25/125 = 4 > gamma, and Vegas keeps the window
	// that fills the pipe, 20·100/125 = 16 segments, plus one.
	h.SetRTT(125 * units.Millisecond)
	h.Round()
	h.Expect(20*mss, inf)
	h.Round()
	h.Expect(17*mss, 17*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	// Diff = 17·25/125 = 3.4: hold.
	h.Round()
	h.Expect(17*mss, 17*mss)
}

func TestVegasWithoutRTTSamplesGrowsAsReno(t *testing.T) {
	// No RTT samples (SetRTT never called): one segment per round.
	h := newVegas(t, iw)
	h.ECN()
	h.Expect(5*mss, 5*mss)
	h.Round()
	h.Expect(5*mss, 5*mss)
	h.Round()
	h.Expect(6*mss, 5*mss)
	h.Round()
	h.Expect(7*mss, 5*mss)
}

func TestVegasLossIsNewReno(t *testing.T) {
	h := vegasInCA(t, 21, 105*units.Millisecond)
	h.SetInflight(30 * mss)
	h.Loss()
	h.Expect(15*mss, 15*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	// Vegas rests during recovery: rounds of ACKs decide nothing, and the
	// sender sets the window.
	h.DupAck()
	h.Expect(15*mss, 15*mss)
	h.Ack(2 * mss) // a partial ACK
	h.Expect(15*mss, 15*mss)
	h.ExitRecovery()
	h.Expect(15*mss, 15*mss)
	// Measuring starts over: the first Round begins a round, the second
	// decides (Diff = 15·5/105 < alpha).
	h.Round()
	h.Expect(15*mss, 15*mss)
	h.Round()
	h.Expect(16*mss, 15*mss)

	h.SetInflight(16 * mss)
	h.RTO()
	h.Expect(mss, 8*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
}
