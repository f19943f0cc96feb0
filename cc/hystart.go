// HyStart++ (RFC 9406): leaving slow start before it overshoots, by watching
// the round-trip time rather than waiting for a loss.
//
// The model. Slow start doubles cwnd every round trip, so by the time a
// queue overflows the window can be twice what the path holds and a whole
// window's worth of segments is lost. A queue that fills first shows up as
// delay: once the smallest RTT of a round is clearly above the smallest RTT
// of the round before, the bottleneck is queueing and the window is near
// the path's capacity. HyStart++ then does not jump to congestion
// avoidance, because delay also rises for reasons other than this flow's
// own queue (cross traffic, a jittery link); it enters Conservative Slow
// Start (CSS), growing at a quarter of slow start's rate, for a few rounds.
// If the RTT falls back below the level that triggered CSS the increase
// was spurious and slow start resumes; if CSS lasts its rounds, slow start
// ends with ssthresh = cwnd.
//
// The rules, per round trip and per ACK (RFC 9406 §4.2), N the bytes newly
// acknowledged and L the ABC limit:
//
//	round start:   lastRoundMinRTT = currentRoundMinRTT
//	               currentRoundMinRTT = ∞, rttSampleCount = 0
//	every ACK:     currentRoundMinRTT = min(currentRoundMinRTT, RTT sample)
//	slow start:    cwnd += min(N, L)
//	               with rttSampleCount ≥ N_RTT_SAMPLE and both minima known:
//	               RttThresh = clamp(lastRoundMinRTT / MIN_RTT_DIVISOR,
//	                                 MIN_RTT_THRESH, MAX_RTT_THRESH)
//	               currentRoundMinRTT ≥ lastRoundMinRTT + RttThresh → CSS,
//	                   cssBaselineMinRtt = currentRoundMinRTT
//	CSS:           cwnd += min(N, L) / CSS_GROWTH_DIVISOR
//	               with rttSampleCount ≥ N_RTT_SAMPLE:
//	               currentRoundMinRTT < cssBaselineMinRtt → slow start
//	               CSS_ROUNDS rounds in CSS (the partial round it began in
//	               counts) → ssthresh = cwnd, congestion avoidance
//
//	            delay rose by RttThresh                  CSS_ROUNDS rounds
//	slow_start ─────────────────────────► conservative ─────────────────────► done
//	     ▲                                 slow start       (ssthresh = cwnd)
//	     └──────── RTT below the baseline ──────┘
//
// Rounds are counted from the delivery counters every ACK carries
// (Ack.Delivered, Ack.Sent). RFC 9406 sets windowEnd = SND.NXT when a round
// begins and ends the round "when windowEnd is ACKed": when the byte sent
// first after the round began is acknowledged. A round that begins at an
// ACK reporting Sent = S therefore ends at the first ACK with Delivered > S,
// which is also Linux's test in its own HyStart (after(snd_una,
// end_seq)); counting Delivered rather than SND.UNA keeps it right across
// SACK. The ACK that ends a round is the first of the next one, so
// a round's samples are those of data sent during it.
//
// HyStart is a component, not an algorithm: a window-based algorithm keeps
// one, asks it how to grow on each slow-start ACK, and ends slow start when
// it says so. RFC 9406 §4.2 confines it to the initial slow start (ssthresh
// still at its initial, infinite value) and lets it run again after a long
// idle period; later slow starts stop at the ssthresh a congestion event
// set, which already says where the path's capacity is. Both are the
// caller's choice: it calls OnAck only while HyStart++ applies, and Reset
// to start it over.

package cc

import "github.com/ccbench/ccbench/units"

// PhaseConservativeSlowStart names HyStart++'s Conservative Slow Start for
// probes and plots.
const PhaseConservativeSlowStart = "conservative_slow_start"

// HyStart++'s constants, RFC 9406 §4.3, with the RFC's recommended values.
const (
	// hyStartMinRTTThresh and hyStartMaxRTTThresh bound the RTT increase
	// that counts as queueing: below 4 ms it could be jitter or delayed
	// ACKs; above 16 ms a long path would wait for so much queue that the
	// early exit would come too late to matter.
	hyStartMinRTTThresh = 4 * units.Millisecond
	hyStartMaxRTTThresh = 16 * units.Millisecond
	// hyStartMinRTTDivisor makes the threshold an eighth of the last
	// round's minimum RTT between those bounds: a queue of an eighth of the
	// base RTT is the sign of a full pipe, small enough to leave slow start
	// before the overshoot, large enough to stand out from noise.
	hyStartMinRTTDivisor = 8
	// hyStartNRTTSample is how many RTT samples a round needs before its
	// minimum is trusted: one sample can be low or high by chance, the
	// least of eight is close to the round's true base.
	hyStartNRTTSample = 8
	// HyStartCSSGrowthDivisor slows growth in Conservative Slow Start to a
	// quarter of slow start's: still exponential, so a spurious exit costs
	// little, but a quarter of the overshoot if the exit was right.
	HyStartCSSGrowthDivisor = 4
	// hyStartCSSRounds is how long CSS lasts before slow start ends: five
	// rounds are enough for a delay rise from cross traffic to pass and
	// short enough that a real one does not turn into loss.
	hyStartCSSRounds = 5
)

// hyStartMode is where HyStart++ is in the state diagram above.
type hyStartMode uint8

const (
	hyStartSlowStart hyStartMode = iota
	hyStartCSS
	hyStartDone
)

// HyStart is one connection's HyStart++ state. The zero value is in
// standard slow start with no round measured, ready for the first ACK.
//
// RTTs of zero mean "no sample yet", RFC 9406's infinity: a real sample is
// always positive.
type HyStart struct {
	mode hyStartMode
	// windowEnd is Sent when the current round began; the round ends at the
	// first ACK with Delivered beyond it. started is false until the first
	// ACK has begun a round.
	windowEnd int64
	started   bool
	// rounds counts the rounds begun since Reset.
	rounds int

	lastRoundMinRTT    units.Duration
	currentRoundMinRTT units.Duration
	rttSampleCount     int

	// cssBaselineMinRTT is the round minimum that triggered CSS: an RTT
	// below it means the delay increase was not this flow's queue.
	cssBaselineMinRTT units.Duration
	// cssRounds counts rounds spent in CSS, the one it began in included.
	cssRounds int
}

// Reset starts HyStart++ over: standard slow start, no rounds measured.
func (h *HyStart) Reset() { *h = HyStart{} }

// InCSS reports whether HyStart++ is in Conservative Slow Start.
func (h *HyStart) InCSS() bool { return h.mode == hyStartCSS }

// Done reports whether HyStart++ has ended slow start.
func (h *HyStart) Done() bool { return h.mode == hyStartDone }

// Rounds is the number of round trips begun since Reset, the one in
// progress included.
func (h *HyStart) Rounds() int { return h.rounds }

// OnAck takes one ACK that newly acknowledged data while the caller is in
// slow start with HyStart++ in charge. It returns what to divide this ACK's
// slow-start growth min(N, L) by: 1 in standard slow start,
// HyStartCSSGrowthDivisor in CSS. When CSS has lasted its rounds it returns
// exit instead: the caller sets ssthresh to cwnd, which ends slow start,
// and counts this ACK in congestion avoidance. Once it has exited, every
// later call says exit again.
//
// The growth divisor is the one in force when the ACK arrived: an ACK whose
// RTT sample moves HyStart++ into CSS or back still grows at the old rate,
// as RFC 9406 §4.2 updates cwnd before it looks at the sample.
func (h *HyStart) OnAck(a *Ack) (divisor int, exit bool) {
	if h.mode == hyStartDone {
		return 1, true
	}
	if !h.started || a.Delivered > h.windowEnd {
		if h.mode == hyStartCSS {
			if h.cssRounds >= hyStartCSSRounds {
				h.mode = hyStartDone
				return 1, true
			}
			h.cssRounds++
		}
		h.windowEnd, h.started = a.Sent, true
		h.rounds++
		h.lastRoundMinRTT, h.currentRoundMinRTT = h.currentRoundMinRTT, 0
		h.rttSampleCount = 0
	}

	divisor = 1
	if h.mode == hyStartCSS {
		divisor = HyStartCSSGrowthDivisor
	}
	if a.RTT > 0 {
		if h.currentRoundMinRTT == 0 || a.RTT < h.currentRoundMinRTT {
			h.currentRoundMinRTT = a.RTT
		}
		h.rttSampleCount++
	}
	if h.rttSampleCount < hyStartNRTTSample {
		return divisor, false
	}
	switch h.mode {
	case hyStartSlowStart:
		if h.lastRoundMinRTT > 0 && h.currentRoundMinRTT >= h.lastRoundMinRTT+hyStartRTTThresh(h.lastRoundMinRTT) {
			h.mode = hyStartCSS
			h.cssBaselineMinRTT = h.currentRoundMinRTT
			h.cssRounds = 1
		}
	case hyStartCSS:
		if h.currentRoundMinRTT < h.cssBaselineMinRTT {
			h.mode = hyStartSlowStart
			h.cssBaselineMinRTT = 0
		}
	}
	return divisor, false
}

// hyStartRTTThresh is RttThresh of RFC 9406 §4.2: an eighth of the last
// round's minimum RTT, but at least 4 ms and at most 16 ms.
func hyStartRTTThresh(lastRoundMinRTT units.Duration) units.Duration {
	return max(hyStartMinRTTThresh, min(lastRoundMinRTT/hyStartMinRTTDivisor, hyStartMaxRTTThresh))
}
