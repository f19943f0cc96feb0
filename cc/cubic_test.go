package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

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

// cubicAfterLossAt100 is CUBIC without HyStart that met a loss at W_max =
// 100 segments on a path of the given RTT (delay_min the same) and left
// fast recovery at cwnd = ssthresh = ⌊100·717/1024⌋ = 70 segments, with
// 70 segments in flight. It returns the harness.
func cubicAfterLossAt100(t *testing.T, rtt units.Duration) *cctest.Harness {
	t.Helper()
	h := newCubic(t, "cubic-nohystart")
	h.SetRTT(rtt)
	h.AckN(90, mss)
	h.Expect(100*mss, inf)
	h.Loss()
	h.Expect(70*mss, 70*mss) // ssthresh = β·cwnd; the sender sets the window in recovery
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.ExitRecovery()
	h.Expect(70*mss, 70*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.SetInflight(70 * mss)
	return h
}

func TestCubicRegistered(t *testing.T) {
	names := []string{"cubic", "cubic-hystartpp", "cubic-nohystart"}
	for _, name := range names {
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
	if cc.Describe(names[0]) == cc.Describe(names[1]) || cc.Describe(names[1]) == cc.Describe(names[2]) {
		t.Fatal("the variants describe themselves alike")
	}
}

// TestCubicHyStartDelay: Linux HyStart's delay detector. With every ACK
// at the same instant no ACK train can form, so only the delay counts.
// Rounds run from the first ACK, whatever cwnd (Linux's hystart_update
// tests the round before the low window): with one ACK per segment they
// begin at ACKs 1, 11 and 31. The RTT rises to 46 ms at ACK 23, inside the
// round that began at ACK 11, whose least sample stays 40 ms. The round
// that begins at ACK 31 sees only 46 ms; its first eight samples set its
// minimum, and the ninth, ACK 39, finds 46 ms > 40 + clamp(40/8, 4, 16) ms
// and ends slow start with ssthresh = cwnd = 48 segments, before the ACK
// grows it.
func TestCubicHyStartDelay(t *testing.T) {
	h := newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.AckN(22, mss)
	h.Expect(32*mss, inf)
	h.SetRTT(46 * units.Millisecond)
	h.AckN(16, mss)
	h.Expect(48*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Ack(mss)
	h.Expect(48*mss, 48*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// The exit ACK counted in congestion avoidance. With no W_max known
	// cnt is capped at 20: one segment per 20 ACKed (5% per RTT at 20
	// segments, less above).
	h.AckN(18, mss)
	h.Expect(48*mss, 48*mss)
	h.Ack(mss)
	h.Expect(49*mss, 48*mss)
	h.AckN(20, mss)
	h.Expect(50*mss, 48*mss)

	// An increase of exactly the threshold is not enough: 45 ms.
	h = newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.AckN(22, mss)
	h.SetRTT(45 * units.Millisecond)
	h.AckN(200, mss)
	h.Expect(232*mss, inf)
}

// TestCubicHyStartLowWindow: below hystart_low_window (16 segments) the
// detectors do not run, however high the RTT, but rounds do: the round
// that began at ACK 1 takes samples only from cwnd 16 (ACKs 7 to 10, four
// of them) and ends at ACK 10; the round that begins at ACK 11 (cwnd 20)
// takes eight samples and the ninth, ACK 19, ends slow start at cwnd 28.
func TestCubicHyStartLowWindow(t *testing.T) {
	h := newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.Ack(mss) // delay_min 40 ms
	h.SetRTT(100 * units.Millisecond)
	h.AckN(17, mss)
	h.Expect(28*mss, inf)
	h.Ack(mss)
	h.Expect(28*mss, 28*mss)
}

// TestCubicHyStartAckTrain: Linux HyStart's ACK-train detector. ACKs 1 ms
// apart (within hystart_ack_delta, 2 ms) at a constant 40 ms RTT: the
// delay detector never fires. The threshold is half of delay_min plus the
// aggregation cushion, (40 + 1)/2 = 20.5 ms. A train that begins with a
// round and lasts longer ends slow start. Rounds run from the first ACK
// (ACKs 1, 11, 31 with one ACK per segment); the round that began at ACK
// 11 (5 ms) ends at ACK 30 (24 ms), before its 19 ms train is long enough,
// and the next one's train passes 20.5 ms at ACK 52 (46 ms), at cwnd 61
// segments.
func TestCubicHyStartAckTrain(t *testing.T) {
	h := newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.AckN(6, mss)
	for range 45 {
		h.AdvanceTime(units.Millisecond)
		h.Ack(mss)
	}
	h.Expect(61*mss, inf)
	h.AdvanceTime(units.Millisecond)
	h.Ack(mss)
	h.Expect(61*mss, 61*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// ACKs 2.5 ms apart are no train: slow start goes on.
	h = newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.AckN(6, mss)
	for range 200 {
		h.AdvanceTime(2500 * units.Microsecond)
		h.Ack(mss)
	}
	h.Expect(216*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
}

// TestCubicHyStartRTO: a timeout resets HyStart with everything else
// (bictcp_reset), so it runs again in the slow start that follows, with a
// delay_min measured afresh. Rounds run from the first ACK, as Linux's
// hystart_update tests the round before the low window: with one ACK per
// segment they begin at ACKs 1, 11 and 31 (cwnd 10, 20, 40). The RTT rises
// to 46 ms at ACK 23, inside the round that began at ACK 11, whose least
// sample stays 40 ms; the round that begins at ACK 31 sees only 46 ms, and
// its ninth sample (ACK 39, cwnd 48) ends slow start.
func TestCubicHyStartRTO(t *testing.T) {
	h := newCubic(t, "cubic")
	h.SetRTT(40 * units.Millisecond)
	h.AckN(22, mss)
	h.SetRTT(46 * units.Millisecond)
	h.AckN(16, mss)
	h.Expect(48*mss, inf)
	h.Ack(mss)
	h.Expect(48*mss, 48*mss)
	h.RTO()
	h.Expect(mss, 33*mss) // ⌊48·717/1024⌋
	// 60 ms now: delay_min starts over there. Rounds begin again at the
	// first ACK, at cwnd 1, 2, 4, 8 and 16; with 70 ms from cwnd 16 on,
	// that round's ninth sample ends slow start at cwnd 24 segments.
	h.SetRTT(60 * units.Millisecond)
	h.AckN(15, mss)
	h.Expect(16*mss, 33*mss)
	h.SetRTT(70 * units.Millisecond)
	h.AckN(8, mss)
	h.Expect(24*mss, 33*mss)
	h.Ack(mss)
	h.Expect(24*mss, 24*mss)
}

// TestCubicCurveAfterLoss follows the window for seven seconds after a
// loss at W_max = 100 segments at a 100 ms RTT. K = ⌊∛(2⁴⁰/410·30)⌋ =
// 4316/1024 s; the curve is evaluated one delay_min ahead, so cwnd reaches
// the plateau a little before K, stays there, and climbs past it. The
// windows are those of an independent model of tcp_cubic.c in packets fed
// the same ACK clock.
func TestCubicCurveAfterLoss(t *testing.T) {
	const rtt = 100 * units.Millisecond
	h := cubicAfterLossAt100(t, rtt)
	start := h.Now()
	for i, want := range []int{87, 97, 100, 100, 100, 102, 109} {
		cubicAckClock(h, rtt, start.Add(units.Duration(i+1)*units.Second+1428571))
		if h.Cwnd() != want*mss {
			t.Fatalf("%d s into the epoch: cwnd %d segments, want %d", i+1, h.Cwnd()/mss, want)
		}
		h.ExpectPhase(cc.PhaseCongestionAvoidance)
	}
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

// TestCubicRTOForgetsWmax: a timeout resets everything (bictcp_reset), so
// the first epoch after it starts at its plateau, K = 0, and with no W_max
// known cnt is capped at 20: 5% growth per RTT, not the curve back to the
// W_max of the loss before. The windows are those of an independent model
// of tcp_cubic.c fed the same ACK clock.
func TestCubicRTOForgetsWmax(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h := cubicAfterLossAt100(t, rtt)
	h.RTO()
	h.Expect(mss, 49*mss)
	h.AckN(48, mss) // slow start; HyStart, reset, sees a flat RTT
	h.Expect(49*mss, 49*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.SetInflight(49 * mss)
	epoch := h.Now()
	h.Ack(mss)
	h.Expect(49*mss, 49*mss)
	cubicAckClock(h, rtt, epoch.Add(4*units.Second))
	h.Expect(132*mss, 49*mss)
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
	// The curve starts flat at cwnd_epoch; two seconds on it has risen,
	// and growth comes in whole segments, at most one per two ACKed.
	h.Ack(mss)
	h.AdvanceTime(2 * units.Second)
	h.AckN(20, mss)
	if h.Cwnd() <= 49*mss || h.Cwnd() > 59*mss {
		t.Fatalf("cwnd %d after 20 ACKs in congestion avoidance, want 50 to 59 segments", h.Cwnd())
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
// cubictcp_cwnd_event), so once slow start has brought cwnd back, the
// curve resumes where it was when the sender fell silent: 96 segments a
// second later (an independent model of tcp_cubic.c agrees), where
// counting the idle ten seconds would put the curve past 1000 and cwnd
// would grow by half every RTT.
func TestCubicIdleRestart(t *testing.T) {
	const rtt = 200 * units.Millisecond
	h := cubicAfterLossAt100(t, rtt)
	cubicAckClock(h, rtt, h.Now().Add(units.Second+rtt/70))
	h.Expect(88*mss, 70*mss)

	const idle = 10 * units.Second
	h.AdvanceTime(idle)
	h.IdleRestart()
	h.Expect(iw, 70*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.AckN(60, mss)
	h.Expect(70*mss, 70*mss)
	cubicAckClock(h, rtt, h.Now().Add(units.Second))
	h.Expect(96*mss, 70*mss)
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

// TestCubicRenoFriendly: at a 10 ms RTT the Reno estimate, one segment per
// cwnd·15/8 acknowledged (beta_scale, about 0.53 per RTT), outruns the
// curve after a loss at W_max = 100, and cnt follows it: 121 segments a
// second into the epoch, where the curve alone would give 87, and 175 at
// two seconds. The windows are those of an independent model of
// tcp_cubic.c fed the same ACK clock.
func TestCubicRenoFriendly(t *testing.T) {
	const rtt = 10 * units.Millisecond
	h := cubicAfterLossAt100(t, rtt)
	epoch := h.Now().Add(rtt / 70) // the first ACK begins the epoch
	cubicAckClock(h, rtt, epoch.Add(units.Second))
	h.Expect(121*mss, 70*mss)
	cubicAckClock(h, rtt, epoch.Add(2*units.Second))
	h.Expect(175*mss, 70*mss)
}

// TestCubicMaxGrowth: however far the curve has run ahead (here 30 s past
// an epoch whose K is 4.2 s), cnt is at least 2: one segment per two
// acknowledged, 1.5·cwnd per RTT at most. The first ACK completes the
// segment of credit the epoch's first ACK began.
func TestCubicMaxGrowth(t *testing.T) {
	h := cubicAfterLossAt100(t, 100*units.Millisecond)
	h.Ack(mss) // begins the epoch
	h.Expect(70*mss, 70*mss)
	h.AdvanceTime(30 * units.Second)
	h.Ack(mss)
	h.Expect(71*mss, 70*mss)
	h.AckN(19, mss)
	h.Expect(80*mss, 70*mss)
}
