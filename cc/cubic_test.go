package cc_test

import (
	"math"
	"testing"

	"ccbench/cc"
	"ccbench/cc/cctest"
	"ccbench/units"
)

// cubicModelC is C of the RFC 9438 model, which the tests evaluate in
// float64, segments and seconds, as the reference the integer
// implementation is checked against.
const cubicModelC = 0.4

// cubicModelW is W_cubic(t) = C·(t − K)³ + W_max in segments.
func cubicModelW(t, k, wMax float64) float64 { return cubicModelC*math.Pow(t-k, 3) + wMax }

// cubicModelK is K = ∛((W_max − cwnd_epoch)/C) in seconds.
func cubicModelK(wMax, cwndEpoch float64) float64 { return math.Cbrt((wMax - cwndEpoch) / cubicModelC) }

func newCubic(t *testing.T, name string) *cctest.Harness {
	t.Helper()
	alg, err := cc.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, iw)
}

// cubicAckClock delivers one-segment ACKs the way a self-clocked sender receives
// them, one every RTT/inflight, until the clock reaches until.
func cubicAckClock(h *cctest.Harness, rtt units.Duration, until units.Time) {
	for h.Now() < until {
		h.AdvanceTime(rtt * mss / units.Duration(h.Inflight()))
		h.Ack(mss)
	}
}

// cubicAfterLossAt100 is CUBIC that met a loss at W_max = 100 segments on a
// path of the given RTT and has just begun its congestion-avoidance epoch
// at cwnd_epoch = β·W_max = 70 segments. It returns the harness and
// t_epoch.
func cubicAfterLossAt100(t *testing.T, rtt units.Duration) (*cctest.Harness, units.Time) {
	t.Helper()
	h := newCubic(t, "cubic")
	h.SetRTT(rtt)
	h.AckN(90, mss) // slow start, flat RTT: HyStart++ stays out of the way
	h.Expect(100*mss, inf)
	h.Loss()
	h.Expect(70*mss, 70*mss) // ssthresh = β·cwnd; the sender sets the window in recovery
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.ExitRecovery()
	h.Expect(70*mss, 70*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.SetInflight(70 * mss) // recovery drained the pipe to the new window
	epoch := h.Now()
	h.Ack(mss) // the first ACK in congestion avoidance begins the epoch
	return h, epoch
}

func expectOnCubicCurve(t *testing.T, h *cctest.Harness, epoch units.Time, k, wMax, tolSegments float64) {
	t.Helper()
	tSec := float64(h.Now().Sub(epoch)) / float64(units.Second)
	want := cubicModelW(tSec, k, wMax)
	got := float64(h.Cwnd()) / mss
	if math.Abs(got-want) > tolSegments {
		t.Fatalf("t = %.4f s: cwnd %.3f segments, W_cubic(t) = %.3f (K %.4f s, W_max %.1f), off by more than %.2f",
			tSec, got, want, k, wMax, tolSegments)
	}
}

func TestCubicRegistered(t *testing.T) {
	for _, name := range []string{"cubic", "cubic-nohystart"} {
		h := newCubic(t, name)
		h.Expect(iw, inf)
		h.ExpectPhase(cc.PhaseSlowStart)
		alg := h.Alg()
		if alg.Name() != name || alg.PacingRate() != 0 || cc.Describe(name) == "" {
			t.Fatalf("%s: Name %q, PacingRate %v, Describe %q", name, alg.Name(), alg.PacingRate(), cc.Describe(name))
		}
		// Init forgets an earlier connection, and keeps the variant.
		h.Loss()
		alg.Init(h.Now(), mss, iw)
		h.Expect(iw, inf)
		h.ExpectPhase(cc.PhaseSlowStart)
		if alg.Name() != name {
			t.Fatalf("after Init: Name %q, want %q", alg.Name(), name)
		}
	}
	if cc.Describe("cubic") == cc.Describe("cubic-nohystart") {
		t.Fatal("the two variants describe themselves alike")
	}
}

// TestCubicCurveAfterLoss follows the window for two seconds past K after a
// loss at W_max = 100 segments: K = ∛(100·0.3/0.4) = ∛75 = 4.2172 s, and
// cwnd must ride W_cubic(t) = 0.4·(t − K)³ + 100. The RTT is 200 ms so that
// the curve stays above Reno's estimate throughout (at 100 ms W_est passes
// it shortly before K + 2; TestCubicRenoEstimateOvertakes).
func TestCubicCurveAfterLoss(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h, epoch := cubicAfterLossAt100(t, rtt)
	k := cubicModelK(100, 70)
	if math.Abs(k-4.2172) > 1e-4 {
		t.Fatalf("model K = %v", k)
	}
	for _, at := range []float64{1, 2, k, k + 1, k + 2} {
		cubicAckClock(h, rtt, epoch.Add(units.Duration(at*float64(units.Second))))
		// The brief allows one segment; the window lags the curve by well
		// under a quarter of one.
		expectOnCubicCurve(t, h, epoch, k, 100, 0.25)
		h.ExpectPhase(cc.PhaseCongestionAvoidance)
	}
}

// TestCubicRenoEstimateOvertakes: at 100 ms the Reno estimate W_est, which
// grows α = 9/17 segment per RTT until it reaches cwnd_prior = 100 and one
// segment per RTT after (RFC 9438 §4.3), passes the flat top of the curve
// shortly before K + 2, and cwnd follows it.
func TestCubicRenoEstimateOvertakes(t *testing.T) {
	const rtt = 100 * units.Millisecond
	h, epoch := cubicAfterLossAt100(t, rtt)
	k := cubicModelK(100, 70)
	cubicAckClock(h, rtt, epoch.Add(units.Duration(k*float64(units.Second))))
	expectOnCubicCurve(t, h, epoch, k, 100, 0.25)

	cubicAckClock(h, rtt, epoch.Add(units.Duration((k+2)*float64(units.Second))))
	tRTTs := (k + 2) / 0.1
	alpha := 9.0 / 17
	reachPrior := 30 / alpha // RTTs for W_est to climb from 70 to 100
	wEst := 100 + (tRTTs - reachPrior)
	got := float64(h.Cwnd()) / mss
	if curve := cubicModelW(k+2, k, 100); got < curve+1.5 || math.Abs(got-wEst) > 0.5 {
		t.Fatalf("t = K + 2: cwnd %.3f segments, want Reno's estimate %.3f, above the curve's %.3f", got, wEst, curve)
	}
}

// TestCubicRenoFriendlySmallBDP: at a 1 ms RTT the curve hardly moves in a
// tenth of a second (K = ∛(6/0.4) = 2.47 s for W_max 20), while Reno's
// estimate gains a segment every few RTTs: cwnd is W_est, per ACK exactly
// as RFC 9438 §4.3 writes it.
func TestCubicRenoFriendlySmallBDP(t *testing.T) {
	const rtt = units.Millisecond
	h := newCubic(t, "cubic")
	h.SetRTT(rtt)
	h.AckN(10, mss)
	h.Loss()
	h.Expect(14*mss, 14*mss)
	h.ExitRecovery()
	h.SetInflight(14 * mss)
	epoch := h.Now()
	h.Ack(mss)
	// W_est = 14 + (9/17)·1/14 segments: 20440 + ⌊9·1460²/(17·20440)⌋ bytes.
	h.Expect(20440+55, 14*mss)

	// The reference: W_est ← W_est + α·MSS·N/cwnd per ACK, in real numbers,
	// with cwnd = W_est, α = 9/17 until W_est reaches cwnd_prior = 20
	// segments and 1 after.
	west := float64(20440 + 55)
	acks := 0
	slope := func(d units.Duration) float64 {
		before := float64(h.Cwnd())
		for until := h.Now().Add(d); h.Now() < until; acks++ {
			h.AdvanceTime(rtt * mss / units.Duration(h.Inflight()))
			h.Ack(mss)
			alpha := 9.0 / 17
			if west >= 20*mss {
				alpha = 1
			}
			west += alpha * mss * mss / west
		}
		return (float64(h.Cwnd()) - before) / mss / (float64(d) / float64(rtt))
	}
	if s := slope(5 * rtt); math.Abs(s-9.0/17) > 0.03 {
		t.Fatalf("below cwnd_prior W_est grew %.3f segments per RTT, want α = 9/17 = 0.529", s)
	}
	slope(10 * rtt) // past 20 segments
	if s := slope(20 * rtt); math.Abs(s-1) > 0.03 {
		t.Fatalf("above cwnd_prior W_est grew %.3f segments per RTT, want 1", s)
	}
	slope(65 * rtt)
	tSec := float64(h.Now().Sub(epoch)) / float64(units.Second)
	curve := cubicModelW(tSec, cubicModelK(20, 14), 20)
	if got := float64(h.Cwnd()); math.Abs(got-west) > 8 || got/mss < curve+50 {
		t.Fatalf("after %d ACKs (t = %.3f s): cwnd %.0f bytes, W_est %.1f bytes, W_cubic %.2f segments",
			acks, tSec, got, west, curve)
	}
}

// TestCubicFastConvergence: a loss at a window below the last W_max sets
// W_max = cwnd·(1 + β)/2 (RFC 9438 §4.7), so the next plateau is lower
// than the window at the loss; a loss above W_max takes cwnd as it is.
func TestCubicFastConvergence(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h := newCubic(t, "cubic")
	h.SetRTT(rtt)
	h.AckN(90, mss)
	h.Loss() // W_max = 100
	h.ExitRecovery()
	h.Expect(70*mss, 70*mss)

	// 70 < 100: W_max = 70·0.85 = 59.5 segments, ssthresh = 70·0.7 = 49.
	h.Loss()
	h.Expect(49*mss, 49*mss)
	h.ExitRecovery()
	h.Expect(49*mss, 49*mss)
	h.SetInflight(49 * mss)
	epoch := h.Now()
	h.Ack(mss)
	k := cubicModelK(59.5, 49) // ∛26.25 = 2.972 s
	cubicAckClock(h, rtt, epoch.Add(units.Second))
	expectOnCubicCurve(t, h, epoch, k, 59.5, 0.25)
	cubicAckClock(h, rtt, epoch.Add(units.Duration(k*float64(units.Second))))
	expectOnCubicCurve(t, h, epoch, k, 59.5, 0.25)
	cubicAckClock(h, rtt, epoch.Add(units.Duration((k+2)*float64(units.Second))))
	expectOnCubicCurve(t, h, epoch, k, 59.5, 0.25)

	// Now above W_max: no fast convergence, W_max = cwnd, and the next
	// epoch's plateau is that window, K = ∛(0.3·W_max/0.4) later.
	wMax := h.Cwnd()
	h.Loss()
	h.Expect(wMax*7/10, wMax*7/10)
	h.ExitRecovery()
	h.SetInflight(h.Cwnd())
	epoch = h.Now()
	h.Ack(mss)
	w := float64(wMax) / mss
	k = cubicModelK(w, float64(wMax*7/10)/mss)
	cubicAckClock(h, rtt, epoch.Add(units.Duration(k*float64(units.Second))))
	expectOnCubicCurve(t, h, epoch, k, w, 0.25)
}

func TestCubicRecovery(t *testing.T) {
	h := newCubic(t, "cubic")
	h.AckN(10, mss)
	h.Loss()
	h.Expect(14*mss, 14*mss)
	// The sender sets the window during recovery (PRR): neither duplicate
	// ACKs nor new data move CUBIC's, and there is no cubic growth.
	h.DupAck()
	h.DupAck()
	h.Expect(14*mss, 14*mss)
	h.Ack(mss)
	h.Expect(14*mss, 14*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.ExitRecovery()
	h.Expect(14*mss, 14*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestCubicRTO(t *testing.T) {
	h := newCubic(t, "cubic")
	h.AckN(10, mss)
	h.RTO()
	// RFC 9438 §4.8: ssthresh from β·cwnd, cwnd one segment.
	h.Expect(mss, 14*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.RTO() // nothing acknowledged since: ssthresh held
	h.Expect(mss, 14*mss)
	h.Ack(mss)
	h.Expect(2*mss, 14*mss)
	h.RTO() // 2·0.7 segments, floored at 2
	h.Expect(mss, 2*mss)

	// A timeout in fast recovery keeps the recovery's ssthresh rather than
	// taking β again (Linux's tcp_enter_loss).
	h = newCubic(t, "cubic")
	h.AckN(10, mss)
	h.Loss()
	for range 5 {
		h.DupAck()
	}
	h.Expect(14*mss, 14*mss)
	h.RTO()
	h.Expect(mss, 14*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
}

// TestCubicRTOForgetsWmax: after a timeout the first epoch starts at its
// plateau, K = 0 and W_max = cwnd_epoch (RFC 9438 §4.8), so the curve
// rises from ssthresh as ssthresh + 0.4·t³ instead of heading back to the
// W_max of the loss before.
func TestCubicRTOForgetsWmax(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h := newCubic(t, "cubic")
	h.SetRTT(rtt)
	h.AckN(90, mss)
	h.Loss() // W_max = 100
	h.ExitRecovery()
	h.Expect(70*mss, 70*mss)
	h.RTO()
	h.Expect(mss, 49*mss)
	h.AckN(48, mss) // slow start, without HyStart++ now that ssthresh is set
	h.Expect(49*mss, 49*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.SetInflight(49 * mss)
	epoch := h.Now()
	h.Ack(mss)
	// cwnd_prior is the 70 segments of the timeout: W_est's first step is
	// α·1/49 segment, ⌊9·1460²/(17·71540)⌋ bytes.
	h.Expect(71540+15, 49*mss)
	// At 4 s: 49 + 0.4·4³ = 74.6 segments. Had W_max = 100 been kept, K
	// would be ∛(51/0.4) = 5.03 s and cwnd 99.6.
	cubicAckClock(h, rtt, epoch.Add(4*units.Second))
	expectOnCubicCurve(t, h, epoch, 0, 49, 0.25)
}

func TestCubicECN(t *testing.T) {
	h := newCubic(t, "cubic")
	h.AckN(90, mss)
	h.ECN()
	// Like a loss, without fast recovery: cwnd = ssthresh = β·cwnd.
	h.Expect(70*mss, 70*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	// A second echo below W_max = 100: fast convergence.
	h.ECN()
	h.Expect(49*mss, 49*mss)
	h.Ack(mss)
	if h.Cwnd() <= 49*mss {
		t.Fatalf("cwnd %d after an ACK in congestion avoidance, want growth past %d", h.Cwnd(), 49*mss)
	}

	// The floor: two segments.
	h = newCubic(t, "cubic")
	h.RTO()
	h.ECN()
	h.Expect(2*mss, 2*mss)
}

func TestCubicAppLimitedNoGrowth(t *testing.T) {
	h := newCubic(t, "cubic")
	h.SetRTT(100 * units.Millisecond)
	h.SetAppLimited(true)
	h.AckN(5, mss)
	h.Expect(iw, inf)
	h.SetAppLimited(false)
	h.AckN(90, mss)
	h.ECN()
	h.Expect(70*mss, 70*mss)
	h.SetAppLimited(true)
	for range 20 {
		h.AdvanceTime(10 * units.Millisecond)
		h.Ack(mss)
	}
	h.Expect(70*mss, 70*mss)
}

// TestCubicIdleRestart: a restart after idle cuts cwnd to the initial
// window (RFC 5681 §4.1) and moves t_epoch later by the idle time (Linux's
// bictcp_cwnd_event), so once slow start has brought cwnd back, the curve
// resumes where it was when the sender fell silent.
func TestCubicIdleRestart(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h, epoch := cubicAfterLossAt100(t, rtt)
	k := cubicModelK(100, 70)
	cubicAckClock(h, rtt, epoch.Add(units.Second))
	expectOnCubicCurve(t, h, epoch, k, 100, 0.25)

	const idle = 10 * units.Second
	h.AdvanceTime(idle)
	h.IdleRestart()
	h.Expect(iw, 70*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.AckN(60, mss)
	h.Expect(70*mss, 70*mss)

	// A second of ACKs later the window is back on the curve at t = 2 s
	// of epoch time (95.6 segments); counting the idle ten seconds, the
	// curve would be past 1000 and cwnd would have grown by half every RTT.
	cubicAckClock(h, rtt, h.Now().Add(units.Second))
	expectOnCubicCurve(t, h, epoch.Add(idle), k, 100, 1)
}

// TestCubicNeverShrinksOnAck: between congestion events an ACK never
// lowers cwnd, across RTTs and windows where the curve and Reno's
// estimate take turns: in the Reno-friendly region cwnd is raised to
// W_est, never brought down to it.
func TestCubicNeverShrinksOnAck(t *testing.T) {
	for _, rtt := range []units.Duration{units.Millisecond, 10 * units.Millisecond, 100 * units.Millisecond, 300 * units.Millisecond} {
		for _, wMax := range []int{12, 100, 400} {
			h := newCubic(t, "cubic-nohystart")
			h.SetRTT(rtt)
			h.AckN(wMax-10, mss)
			h.Loss()
			h.ExitRecovery()
			h.SetInflight(h.Cwnd())
			// 80 RTTs: at 100 ms the Reno estimate overtakes the curve
			// after 58.
			until := h.Now().Add(80 * rtt)
			for h.Now() < until {
				before := h.Cwnd()
				h.AdvanceTime(rtt * mss / units.Duration(h.Inflight()))
				h.Ack(mss)
				if h.Cwnd() < before {
					t.Fatalf("RTT %v, W_max %d: an ACK at %v lowered cwnd from %d to %d", rtt, wMax, h.Now(), before, h.Cwnd())
				}
			}
		}
	}
}
