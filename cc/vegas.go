// TCP Vegas: Lawrence Brakmo and Larry Peterson, "TCP Vegas: End to End
// Congestion Avoidance on a Global Internet", IEEE JSAC 13(8), October
// 1995. Linux: net/ipv4/tcp_vegas.c, whose structure and constants this
// follows.
//
// The model. Loss-based TCP finds the path's capacity by filling the
// bottleneck queue until it overflows. Vegas watches the queue fill
// instead: the smallest RTT it has seen, BaseRTT, is the path without
// queueing, so a window of cwnd bytes should deliver cwnd/BaseRTT per
// second (Expected); it actually delivers cwnd/RTT (Actual). The shortfall,
// scaled back to bytes, is how much of the window sits in queues:
//
//	Diff = (Expected − Actual)·BaseRTT = cwnd·(RTT − BaseRTT)/RTT
//
// Vegas keeps Diff between alpha and beta segments: enough queued that the
// flow notices and takes spare capacity, little enough that queueing delay
// stays small. In congestion avoidance it decides once per round trip (a
// round counted by RoundCounter from Ack.Delivered and Ack.Sent), with RTT
// the smallest sample of the round just ended (the least disturbed by
// delayed ACKs and transient queues):
//
//	Diff < alpha:  cwnd += SMSS
//	Diff > beta:   cwnd −= SMSS, ssthresh = min(ssthresh, cwnd)
//	otherwise:     hold
//
// Slow start doubles the window only every other round trip and holds it
// in between, so that a whole window is sent at one size and its RTTs
// measure that size. Those RTTs come back in the round after the holding
// one, a growing round; as soon as it has three samples, Diff of the held
// window above gamma ends slow start there and then:
//
//	cwnd = min(cwnd, held·BaseRTT/RTT + SMSS), ssthresh = cwnd
//
// keeping the window that fills the pipe (held·BaseRTT/RTT is what the
// held window delivers in BaseRTT) plus one segment, and dropping the queue
// the last doubling built and the growth of the round so far. Deciding
// only at the end of the growing round, as Linux's Vegas does at every
// round's end, would let the window double once more over a queue already
// seen. Windows never go below two segments (Linux).
//
// Where this departs from Linux, it follows the paper: Linux computes Diff
// as cwnd·(RTT − BaseRTT)/BaseRTT, which overstates the queue by RTT/BaseRTT
// (the difference matters once queueing delay is a sizable part of the
// RTT), and its slow start grows every round. Diff here is kept exact in
// bytes (MulDiv) rather than truncated to whole segments.
//
// A round with fewer than three RTT samples (a window of one or two
// segments with delayed ACKs, or retransmissions that Karn's rule leaves
// unmeasured) gives no reliable minimum; Vegas then grows as Reno would
// over that round, one segment in congestion avoidance, as Linux does.
//
// Loss, ECN and timeouts get Reno's response (RFC 5681: ssthresh =
// FlightSize/2, and the sender's fast recovery, see renowindow.go), and
// Vegas rests during fast recovery, as in Linux: its rule assumes a window
// that is being delivered, which a window with holes is not. After every
// congestion response the round under way is abandoned and measuring
// starts afresh, since its samples belonged to the old window. BaseRTT is
// forgotten when the sender restarts after idle, as in Linux: a path left
// unused may have changed.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("vegas", newVegas) }

// The thresholds on Diff, in segments, Linux's defaults. alpha is above
// zero so that the flow keeps a little queued and sees capacity freed by
// others; beta − alpha is a dead band that stops the window oscillating by
// one segment every round trip on measurement noise. The paper evaluated
// alpha, beta = 1, 3 and 2, 4; Linux took 2, 4, which leaves room for the
// segment or so by which delayed ACKs and the round's sampling can misstate
// Diff without the window reacting. gamma is one: slow start doubles the
// window, so the queue it builds doubles too, and Vegas leaves as soon as
// the first segment's worth appears.
const (
	vegasAlpha = 2
	vegasBeta  = 4
	vegasGamma = 1
)

// vegasMinSamples is the fewest RTT samples a round needs for its minimum
// to be trusted (Linux: more than two).
const vegasMinSamples = 3

// vegasMinWindow is the least window Vegas reduces to, in segments
// (Linux's): with one segment and delayed ACKs the ACK clock stalls.
const vegasMinWindow = 2

type vegas struct {
	RenoWindow

	// baseRTT is the smallest RTT sample since the connection (or the
	// last idle restart) began, 0 before the first.
	baseRTT units.Duration
	// roundMinRTT and roundSamples are the smallest RTT sample of the
	// round under way and how many samples it has had.
	roundMinRTT  units.Duration
	roundSamples int
	round        RoundCounter
	// growing is, in slow start, whether this round doubles the window
	// (true) or holds it for measurement (false); held is the window the
	// ACKs of a growing round acknowledge, the one the round before held.
	growing bool
	held    int
	// lastDiff is Diff in bytes at the last decision, for Inspect.
	lastDiff int
}

var (
	_ CongestionControl = (*vegas)(nil)
	_ Inspector         = (*vegas)(nil)
)

func newVegas() CongestionControl { return new(vegas) }

func (v *vegas) Name() string { return "vegas" }

// Description is the one-line summary `ccbench list` prints.
func (v *vegas) Description() string {
	return "Vegas (Brakmo & Peterson 1995): delay-based, keeps 2 to 4 segments queued"
}

func (v *vegas) Init(_ units.Time, mss, initialWindow int) {
	*v = vegas{}
	v.Reset(mss, initialWindow)
	v.restartRound()
}

func (v *vegas) OnAck(a *Ack) {
	if a.RTT > 0 && (v.baseRTT == 0 || a.RTT < v.baseRTT) {
		v.baseRTT = a.RTT
	}
	acked := v.Acked(a)
	if a.InRecovery {
		return
	}
	// The ACK that ends a round is the first for data sent after it began:
	// it belongs to the next round, and its RTT sample with it.
	if v.round.OnAck(a) {
		v.endRound(a.AppLimited)
	}
	if a.RTT > 0 {
		if v.roundSamples == 0 || a.RTT < v.roundMinRTT {
			v.roundMinRTT = a.RTT
		}
		v.roundSamples++
	}
	if v.growing && v.cwnd < v.ssthresh {
		v.slowStartAck(acked)
	}
}

// slowStartAck applies an ACK of a growing round in slow start: it ends
// slow start if the held window's Diff exceeds gamma, and grows the window
// otherwise.
func (v *vegas) slowStartAck(acked int) {
	if v.roundSamples >= vegasMinSamples {
		if q := v.queued(v.held, v.roundMinRTT); q > vegasGamma*v.mss {
			v.cwnd = max(min(v.cwnd, v.held-q+v.mss), vegasMinWindow*v.mss)
			v.ssthresh = v.cwnd
			return
		}
	}
	v.SlowStart(acked)
}

// endRound makes Vegas's once-per-round decision. appLimited says the
// window was not the limit, so it must not grow.
func (v *vegas) endRound(appLimited bool) {
	rtt, samples := v.roundMinRTT, v.roundSamples
	v.roundSamples = 0

	if v.cwnd < v.ssthresh {
		v.growing = !v.growing
		v.held = v.cwnd
		return
	}
	if samples < vegasMinSamples {
		if !appLimited {
			v.cwnd += v.mss
		}
		return
	}
	switch q := v.queued(v.cwnd, rtt); {
	case q > vegasBeta*v.mss:
		v.cwnd = max(v.cwnd-v.mss, vegasMinWindow*v.mss)
		v.ssthresh = min(v.ssthresh, v.cwnd)
	case q < vegasAlpha*v.mss && !appLimited:
		v.cwnd += v.mss
	}
}

// queued is Diff in bytes for a window of window bytes:
// window·(rtt − BaseRTT)/rtt.
func (v *vegas) queued(window int, rtt units.Duration) int {
	v.lastDiff = 0
	if rtt > v.baseRTT {
		v.lastDiff = int(MulDiv(int64(window), int64(rtt-v.baseRTT), int64(rtt)))
	}
	return v.lastDiff
}

// restartRound abandons the round under way: the next ACK begins a new
// one, in slow start a growing one that measures the current window.
func (v *vegas) restartRound() {
	v.round.Restart()
	v.roundSamples = 0
	v.growing, v.held = true, v.cwnd
}

func (v *vegas) OnCongestion(e *Event) {
	v.Respond(e, LossSsthresh(e.Inflight, v.mss))
	if e.Kind == IdleRestart {
		v.baseRTT = 0
	}
	v.restartRound()
}

// Inspect exposes BaseRTT and the last Diff for plots. Probes may inspect
// before Init, when there is no MSS to count segments in.
func (v *vegas) Inspect(in *Internals) {
	diff := 0.0
	if v.mss > 0 {
		diff = float64(v.lastDiff) / float64(v.mss)
	}
	in.Add("base_rtt_ms", v.baseRTT.Milliseconds())
	in.Add("diff_segments", diff)
}
