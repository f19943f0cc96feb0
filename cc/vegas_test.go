package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

// Vegas decides at the first ACK of each harness Round after a fresh
// start: that ACK is the first beyond SND.NXT as the previous decision
// found it. The decision uses the smallest RTT of the samples since the
// previous one, this ACK's included, so a SetRTT shows in the decision
// one Round later. RTTs count in µs plus one (Linux's): BaseRTT 100 ms is
// 100001, and Diff = ⌊cwnd·(RTT − BaseRTT)/100001⌋.

func newVegas(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("vegas")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

// vegasInCA returns Vegas in congestion avoidance at `segments` segments
// with BaseRTT 100 ms and the path's RTT now rtt: an ECN reduction of
// twice the window less two, ended at once, which starts a fresh round;
// one Round at 100 ms, whose first ACK ends that round with one sample
// (Reno's growth: none yet); one at rtt, whose first ACK decides on the
// 100 ms samples (Diff 0: one segment more).
func vegasInCA(t *testing.T, segments int, rtt units.Duration) *cctest.Harness {
	t.Helper()
	h := newVegas(t, 2*(segments-1)*mss)
	h.SetRTT(100 * units.Millisecond)
	h.ECN()
	h.ExitRecovery()
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
	// 23 segments at 115 ms: Diff = ⌊23·15000/100001⌋ = 3, between
	// alpha = 2 and beta = 4.
	h := vegasInCA(t, 23, 115*units.Millisecond)
	for range 5 {
		h.Round()
		h.Expect(23*mss, 22*mss)
	}
}

func TestVegasIncreasesBelowAlpha(t *testing.T) {
	// 21 segments at 105 ms: Diff = ⌊21·5000/100001⌋ = 1 < alpha, one more
	// segment per round, until ⌊41·5000/100001⌋ = 2 at 41 segments (the
	// paper's Diff, over RTT, would go on to 42). ssthresh follows three
	// quarters of cwnd once that is above it (tcp_current_ssthresh).
	h := vegasInCA(t, 21, 105*units.Millisecond)
	for n := 22; n <= 41; n++ {
		h.Round()
		h.Expect(n*mss, max(20, n/2+n/4)*mss)
	}
	for range 3 {
		h.Round()
		h.Expect(41*mss, 30*mss)
	}
}

func TestVegasDecreasesAboveBeta(t *testing.T) {
	// 25 segments at 125 ms: Diff = ⌊25·25000/100001⌋ = 6 > beta, one
	// segment less per round, ssthresh with it, down to 20, where
	// ⌊20·25000/100001⌋ = 4.
	h := vegasInCA(t, 25, 125*units.Millisecond)
	for n := 24; n >= 20; n-- {
		h.Round()
		h.Expect(n*mss, n*mss)
	}
	for range 3 {
		h.Round()
		h.Expect(20*mss, 20*mss)
	}
}

// TestVegasSlowStart: slow start grows every round, as Reno's, while the
// round's Diff stays at most gamma; the first round whose minimum RTT
// shows a queue of more than a segment ends it at the window the path
// delivered, ⌊cwnd·BaseRTT/RTT⌋ + 1, and ssthresh there.
func TestVegasSlowStart(t *testing.T) {
	h := newVegas(t, iw)
	h.SetRTT(100 * units.Millisecond)
	h.Round()
	h.Expect(20*mss, inf)
	h.Round()
	h.Expect(40*mss, inf)
	h.SetRTT(120 * units.Millisecond)
	h.Round() // its first ACK decides on the 100 ms samples
	h.Expect(80*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
	// The next round's first ACK: RTT 120001 µs, Diff =
	// ⌊80·20000/100001⌋ = 15 > gamma: cwnd = ⌊80·100001/120001⌋ + 1 = 67.
	h.Ack(mss)
	h.Expect(67*mss, 67*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	// The rest of the round holds.
	h.AckN(10, mss)
	h.Expect(67*mss, 67*mss)
}

// TestVegasLossIsReno: a loss takes Reno's ssthresh, half of cwnd, stops
// measuring until recovery ends, and a fresh round starts then.
func TestVegasLossIsReno(t *testing.T) {
	h := vegasInCA(t, 23, 115*units.Millisecond)
	h.Loss()
	h.Expect(11*mss, 11*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.Ack(mss)
	h.Expect(11*mss, 11*mss)
	h.ExitRecovery()
	h.Expect(11*mss, 11*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	// Diff = ⌊11·15000/100001⌋ = 1 < alpha: one segment per round again,
	// up to 14, where ⌊14·15000/100001⌋ = 2.
	for n := 12; n <= 14; n++ {
		h.Round()
		h.Expect(n*mss, 11*mss)
	}
	h.Round()
	h.Expect(14*mss, 11*mss)
}

// TestVegasTimeout: a timeout takes Reno's ssthresh and one segment, and
// Vegas grows as Reno does until everything sent before it is
// acknowledged (Linux's Loss state).
func TestVegasTimeout(t *testing.T) {
	h := vegasInCA(t, 23, 115*units.Millisecond)
	h.RTO()
	h.Expect(mss, 11*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Ack(mss)
	h.Expect(2*mss, 11*mss)
}

// TestVegasIdleRestartForgetsBaseRTT: after an idle restart the first
// rounds' minimum becomes BaseRTT, so a path that got slower while idle
// (150 ms now) shows no queue, and the window grows a segment per round;
// with the old BaseRTT, Diff = ⌊23·50000/100001⌋ = 11 would shrink it.
func TestVegasIdleRestartForgetsBaseRTT(t *testing.T) {
	h := vegasInCA(t, 23, 100*units.Millisecond)
	h.IdleRestart()
	h.Expect(23*mss, 22*mss) // below the restart window, the initial one
	h.SetRTT(150 * units.Millisecond)
	h.Round() // the round the restart began: Reno's growth, none yet
	h.Expect(23*mss, 22*mss)
	for n := 24; n <= 26; n++ {
		h.Round()
		h.Expect(n*mss, 22*mss)
	}
}
