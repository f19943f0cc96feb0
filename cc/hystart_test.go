package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

// hyStartFeeder feeds HyStart++ ACKs round by round. A round of n ACKs
// begins with Sent = S + n, where S is the Sent of the round before, and
// its ACKs bring Delivered from S + 1 to S + n: its first ACK delivers the
// first byte sent after the previous round began, ending that round, and
// none of its own goes past S + n. Every call to round is exactly one
// HyStart++ round.
type hyStartFeeder struct {
	h    *cc.HyStart
	sent int64
}

// round delivers one ACK per RTT sample given (0: an ACK without a
// sample) and returns the growth divisor of each and the index of the
// first that said exit, or -1.
func (f *hyStartFeeder) round(rtts ...units.Duration) (divisors []int, exitAt int) {
	exitAt = -1
	prev, end := f.sent, f.sent+int64(len(rtts))
	for i, rtt := range rtts {
		a := cc.Ack{Acked: 1, RTT: rtt, Delivered: prev + 1 + int64(i), Sent: end}
		d, exit := f.h.OnAck(&a)
		divisors = append(divisors, d)
		if exit && exitAt < 0 {
			exitAt = i
		}
	}
	f.sent = end
	return divisors, exitAt
}

func repeatRTT(n int, rtt units.Duration) []units.Duration {
	s := make([]units.Duration, n)
	for i := range s {
		s[i] = rtt
	}
	return s
}

// TestHyStartRTTThresh checks RttThresh = clamp(lastRoundMinRTT/8, 4 ms,
// 16 ms) (RFC 9406 §4.2) at and just below each threshold.
func TestHyStartRTTThresh(t *testing.T) {
	cases := []struct {
		base, rise units.Duration
		css        bool
	}{
		{100 * units.Millisecond, 12500 * units.Microsecond, true}, // base/8
		{100 * units.Millisecond, 12500*units.Microsecond - 1, false},
		{20 * units.Millisecond, 4 * units.Millisecond, true}, // 20/8 = 2.5 ms, raised to 4
		{20 * units.Millisecond, 4*units.Millisecond - 1, false},
		{200 * units.Millisecond, 16 * units.Millisecond, true}, // 200/8 = 25 ms, capped at 16
		{200 * units.Millisecond, 16*units.Millisecond - 1, false},
	}
	for _, c := range cases {
		var h cc.HyStart
		f := hyStartFeeder{h: &h}
		f.round(repeatRTT(8, c.base)...)
		divs, exitAt := f.round(repeatRTT(8, c.base+c.rise)...)
		if h.InCSS() != c.css || exitAt >= 0 || divs[7] != 1 {
			t.Errorf("base %v rise %v: CSS %t (want %t), exit at %d, last divisor %d", c.base, c.rise, h.InCSS(), c.css, exitAt, divs[7])
		}
	}
}

// TestHyStartSamples: a round's minimum counts only once it rests on eight
// samples (N_RTT_SAMPLE); ACKs without a sample do not count; one low
// sample keeps the round's minimum low.
func TestHyStartSamples(t *testing.T) {
	var h cc.HyStart
	f := hyStartFeeder{h: &h}
	f.round(repeatRTT(8, 100*units.Millisecond)...)
	// Seven samples, however high, decide nothing; nor do sampleless ACKs.
	f.round(append(repeatRTT(7, 200*units.Millisecond), 0, 0, 0)...)
	if h.InCSS() {
		t.Fatal("CSS on seven samples")
	}
	// That round's minimum, 200 ms, is the base of the next: a round at
	// 150 ms is no rise.
	f.round(repeatRTT(8, 150*units.Millisecond)...)
	if h.InCSS() {
		t.Fatal("CSS on an RTT below the last round's minimum")
	}
	// One sample at the old level keeps the round's minimum there.
	f.round(append(repeatRTT(4, 300*units.Millisecond), 150*units.Millisecond, 300*units.Millisecond, 300*units.Millisecond, 300*units.Millisecond, 300*units.Millisecond)...)
	if h.InCSS() {
		t.Fatal("CSS though the round's minimum did not rise")
	}
	// A whole round above 150 + 16 ms enters CSS.
	f.round(repeatRTT(8, 300*units.Millisecond)...)
	if !h.InCSS() {
		t.Fatal("no CSS on a round that rose")
	}
	if h.Rounds() != 5 {
		t.Fatalf("Rounds = %d, want 5", h.Rounds())
	}
}

// TestHyStartCSSRounds: CSS grows at a quarter of slow start's rate and
// lasts CSS_ROUNDS = 5 rounds, the partial round it began in counted; the
// first ACK of the sixth round says exit, and so does every later one.
func TestHyStartCSSRounds(t *testing.T) {
	var h cc.HyStart
	f := hyStartFeeder{h: &h}
	f.round(repeatRTT(8, 100*units.Millisecond)...)
	divs, _ := f.round(repeatRTT(10, 120*units.Millisecond)...)
	if !h.InCSS() {
		t.Fatal("no CSS after a 20 ms rise")
	}
	// The eighth ACK moved to CSS but grew at the old rate.
	want := []int{1, 1, 1, 1, 1, 1, 1, 1, 4, 4}
	for i := range want {
		if divs[i] != want[i] {
			t.Fatalf("divisors %v, want %v", divs, want)
		}
	}
	for n := 2; n <= 5; n++ {
		divs, exitAt := f.round(repeatRTT(10, 120*units.Millisecond)...)
		if exitAt >= 0 || divs[0] != cc.HyStartCSSGrowthDivisor || !h.InCSS() {
			t.Fatalf("CSS round %d: exit at %d, divisor %d, CSS %t", n, exitAt, divs[0], h.InCSS())
		}
	}
	if _, exitAt := f.round(repeatRTT(3, 120*units.Millisecond)...); exitAt != 0 || !h.Done() || h.InCSS() {
		t.Fatalf("round after five in CSS: exit at %d, done %t", exitAt, h.Done())
	}
	h.Reset()
	if h.Done() || h.InCSS() || h.Rounds() != 0 {
		t.Fatal("Reset did not start over")
	}
}

// TestHyStartBackToSlowStart: in CSS, a round whose minimum falls below
// the baseline that triggered CSS means the rise was not this flow's
// queue, and slow start resumes, able to exit again later.
func TestHyStartBackToSlowStart(t *testing.T) {
	var h cc.HyStart
	f := hyStartFeeder{h: &h}
	f.round(repeatRTT(8, 100*units.Millisecond)...)
	f.round(repeatRTT(8, 120*units.Millisecond)...)
	if !h.InCSS() {
		t.Fatal("no CSS")
	}
	// At the baseline is not below it.
	f.round(repeatRTT(8, 120*units.Millisecond)...)
	if !h.InCSS() {
		t.Fatal("left CSS at the baseline RTT")
	}
	divs, _ := f.round(append(repeatRTT(7, 130*units.Millisecond), 119*units.Millisecond, 130*units.Millisecond)...)
	if h.InCSS() || divs[7] != cc.HyStartCSSGrowthDivisor || divs[8] != 1 {
		t.Fatalf("after an RTT below the baseline: CSS %t, divisors %v", h.InCSS(), divs)
	}
	// The last round's minimum, 119 ms, is the base for the next exit.
	f.round(repeatRTT(8, 119*units.Millisecond+14*units.Millisecond)...)
	if h.InCSS() {
		t.Fatal("CSS on a rise below the threshold")
	}
	f.round(repeatRTT(8, 133*units.Millisecond+16*units.Millisecond)...)
	if !h.InCSS() {
		t.Fatal("no CSS on a second rise")
	}
}

// TestHyStartWithoutDeliveryCounters: for a sender that fills neither
// Delivered nor Sent the first round never ends, so there is no earlier
// round to compare with and HyStart++ never leaves slow start.
func TestHyStartWithoutDeliveryCounters(t *testing.T) {
	var h cc.HyStart
	for i := range 100 {
		a := cc.Ack{Acked: 1, RTT: units.Duration(100+i) * units.Millisecond}
		if d, exit := h.OnAck(&a); d != 1 || exit {
			t.Fatalf("ACK %d: divisor %d exit %t", i, d, exit)
		}
	}
	if h.InCSS() {
		t.Fatal("CSS without rounds")
	}
}

// The same through CUBIC and the harness. With an initial window of 10
// segments, one ACK per segment and a window that grows a segment per ACK,
// the harness's Round acknowledges exactly the data sent in the round
// before, so HyStart++'s rounds are the harness's rounds: each begins at
// the first ACK of a Round.

func TestHyStartFlatRTTStaysInSlowStart(t *testing.T) {
	h := newCubic(t, "cubic-hystartpp")
	h.SetRTT(100 * units.Millisecond)
	for range 12 {
		h.Round()
	}
	h.Expect(10*mss<<12, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
}

// hyStartIntoCSS runs CUBIC through three rounds at 100 ms and into a
// fourth at 113 ms, 0.5 ms beyond RttThresh = 100/8 = 12.5 ms: the eighth
// ACK of the fourth round, its eighth sample, enters CSS at 80 + 8
// segments.
func hyStartIntoCSS(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newCubic(t, "cubic-hystartpp")
	h.SetRTT(100 * units.Millisecond)
	h.Round()
	h.Round()
	h.Round()
	h.Expect(80*mss, inf)
	h.SetRTT(113 * units.Millisecond)
	h.AckN(7, mss)
	h.Expect(87*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Ack(mss)
	h.Expect(88*mss, inf) // the ACK that enters CSS grows at slow start's rate
	h.ExpectPhase(cc.PhaseConservativeSlowStart)
	h.Ack(mss)
	h.Expect(88*mss+mss/4, inf) // then at a quarter: 365 bytes an ACK
	h.AckN(71, mss)             // the rest of the 80 ACKs of round 4
	h.Expect(88*mss+72*(mss/4), inf)
	return h
}

func TestHyStartExitsAfterCSS(t *testing.T) {
	h := hyStartIntoCSS(t)
	for range 4 {
		h.Round()
	}
	h.Expect(377831, inf)
	h.ExpectPhase(cc.PhaseConservativeSlowStart)
	// CSS began in round 4, which counts; the first ACK of round 9 ends
	// slow start with ssthresh = cwnd. The ACK itself counts in congestion
	// avoidance, a twentieth of the segment cnt = 20 asks for there.
	h.Ack(mss)
	h.Expect(377831, 377831)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestHyStartRTTFallsBackToSlowStart(t *testing.T) {
	h := hyStartIntoCSS(t)
	h.Round()
	h.Round()
	h.Expect(241812, inf)
	h.ExpectPhase(cc.PhaseConservativeSlowStart)
	// Round 7 at 100 ms, below the 113 ms baseline: once it holds eight
	// samples, slow start resumes. The eighth ACK still grows at CSS's
	// rate, the ninth at slow start's.
	h.SetRTT(100 * units.Millisecond)
	h.AckN(7, mss)
	h.Expect(241812+7*(mss/4), inf)
	h.ExpectPhase(cc.PhaseConservativeSlowStart)
	h.Ack(mss)
	h.Expect(241812+8*(mss/4), inf)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Ack(mss)
	h.Expect(241812+8*(mss/4)+mss, inf)
}

// TestHyStartStartsOverAfterIdle: a restart after idle with ssthresh still
// infinite runs HyStart++ afresh (RFC 9406 §4.2), so a path whose base RTT
// changed while the sender was silent does not read as a queue.
func TestHyStartStartsOverAfterIdle(t *testing.T) {
	h := newCubic(t, "cubic-hystartpp")
	h.SetRTT(100 * units.Millisecond)
	h.Round()
	h.Round()
	h.AdvanceTime(5 * units.Second)
	h.IdleRestart()
	h.Expect(iw, inf)
	h.SetRTT(130 * units.Millisecond)
	for range 6 {
		h.Round()
	}
	h.Expect(10*mss<<6, inf)
	h.ExpectPhase(cc.PhaseSlowStart)

	// Without HyStart++ there is no CSS at all.
	h = newCubic(t, "cubic-nohystart")
	h.SetRTT(100 * units.Millisecond)
	h.Round()
	h.Round()
	h.SetRTT(130 * units.Millisecond)
	for range 6 {
		h.Round()
	}
	h.Expect(10*mss<<8, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
}
