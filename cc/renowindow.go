// The skeleton of the Reno family: the window arithmetic of RFC 5681 (slow
// start, congestion avoidance, the responses to congestion) that the
// Reno-derived algorithms share, so that each of their files states only
// where it departs from it: the slow-start threshold after congestion, and
// the increase. Linux shares tcp_slow_start and tcp_cong_avoid_ai between
// modules for the same reason.
//
// What the skeleton does, with N the bytes an ACK newly acknowledges:
//
//	slow start (cwnd < ssthresh):  cwnd += N, at most Ack.SlowStartLimit   Linux tcp_slow_start, RFC 3465 §2.2
//	congestion avoidance:          cwnd += SMSS per `per` bytes ACKed (Reno: per = cwnd)
//	Loss:                          ssthresh as the algorithm says; cwnd = ssthresh
//	ACK in fast recovery:          nothing (the sender's PRR sets the window)
//	RecoveryExit:                  cwnd = Event.Cwnd (ssthresh)     Linux tcp_end_cwnd_reduction
//	ECN:                           cwnd = ssthresh                  RFC 3168 §6.1.2
//	RTO:                           cwnd = 1*SMSS                    RFC 5681 §3.1
//	IdleRestart:                   cwnd = min(cwnd, IW)             RFC 5681 §4.1
//	Undo:                          cwnd, ssthresh = the larger of   Linux tcp_undo_cwnd_reduction
//	                               theirs and Event's
//
// Fast recovery is the sender's (stack/recovery.go): from Loss to
// RecoveryExit it sends by proportional rate reduction towards ssthresh
// and ignores cwnd, in every recovery mode, as Linux's core does for every
// module; there is no window inflation here. The cwnd set at Loss is only
// what probes show until the sender hands the window back.
//
// The algorithm supplies the new ssthresh for Loss, ECN and RTO (Reno's is
// LossSsthresh) and the congestion-avoidance increase. An RTO keeps
// ssthresh when it ends a fast recovery, or when it follows another RTO
// before any new data was acknowledged, as Linux's tcp_enter_loss does: the
// reduction for that loss episode was already made, and FlightSize by then
// says nothing new about the path. An application-limited ACK grows
// nothing (RFC 7661).
//
// Algorithms embed RenoWindow, which supplies Cwnd, Ssthresh, PacingRate
// (none: the family is ACK-clocked) and Phase. It is exported so that an
// algorithm in another module can be built on it the same way
// (examples/outside-algorithm, cc/README.md).

package cc

import "github.com/ccbench/ccbench/units"

// RenoWindow is the Reno family's window: embed it, call Reset from Init,
// and write OnAck and OnCongestion from Acked, SlowStart, Increase and
// Respond; it supplies Cwnd, Ssthresh, PacingRate and Phase. The zero value
// must be Reset before use.
type RenoWindow struct {
	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int
	// ssLimit is the sender's slow-start limit from the last ACK
	// (Ack.SlowStartLimit).
	ssLimit int

	// ca counts acknowledged bytes toward the next congestion-avoidance
	// increase.
	ca ByteCounter
	// recovering is set between Loss and RecoveryExit or RTO.
	recovering bool
	// timedOut is set by an RTO and cleared by the first ACK of new data.
	timedOut bool
}

// Reset starts a connection with sender MSS mss and initial window
// initialWindow, both in bytes: cwnd is the initial window, ssthresh
// InfiniteSsthresh.
func (w *RenoWindow) Reset(mss, initialWindow int) {
	*w = RenoWindow{
		mss:           mss,
		initialWindow: initialWindow,
		cwnd:          initialWindow,
		ssthresh:      InfiniteSsthresh,
	}
}

// Acked applies what every algorithm of the family does with an ACK before
// its own growth rule, and returns the bytes it may grow the window by: 0
// for a duplicate ACK, an application-limited ACK or any ACK in fast
// recovery (where the sender sets the window), a.Acked otherwise. Call it
// first in OnAck, for every ACK: it also records the sender's slow-start
// limit and the end of a timeout.
func (w *RenoWindow) Acked(a *Ack) (acked int) {
	w.ssLimit = a.SlowStartLimit
	if a.Acked > 0 {
		w.timedOut = false
	}
	if a.InRecovery || a.AppLimited {
		return 0
	}
	return a.Acked
}

// SlowStart spends acked on slow start while cwnd is below ssthresh and
// returns what is left for congestion avoidance (see the function
// SlowStart, which it applies with the sender's limit).
func (w *RenoWindow) SlowStart(acked int) (leftover int) {
	if acked == 0 || w.cwnd >= w.ssthresh {
		return acked
	}
	w.cwnd, leftover = SlowStart(w.cwnd, w.ssthresh, acked, w.ssLimit)
	return leftover
}

// Increase is congestion avoidance by byte counting: cwnd grows one segment
// for every per bytes acknowledged (per > 0). per = cwnd is Reno's one
// segment per round trip; a smaller per grows faster, a larger one slower.
func (w *RenoWindow) Increase(acked, per int) {
	if acked > 0 {
		w.cwnd += w.ca.Count(acked, per) * w.mss
	}
}

// Respond applies congestion event e. ssthresh is the algorithm's new
// slow-start threshold for Loss, ECN and RTO, and is ignored for the other
// events. It reports whether it took ssthresh: on Loss and ECN always, on
// RTO unless another timeout came first with nothing acknowledged since or
// fast recovery was under way (Linux's tcp_enter_loss).
func (w *RenoWindow) Respond(e *Event, ssthresh int) (took bool) {
	switch e.Kind {
	case Loss:
		w.ssthresh = ssthresh
		w.cwnd = w.ssthresh
		w.recovering = true
		took = true
	case ECN:
		w.ssthresh = ssthresh
		w.cwnd = w.ssthresh
		took = true
	case RTO:
		if !w.timedOut && !w.recovering {
			w.ssthresh = ssthresh
			took = true
		}
		w.cwnd = renoLossWindow * w.mss
		w.recovering = false
		w.timedOut = true
	case RecoveryExit:
		w.cwnd = exitWindow(e, w.ssthresh)
		w.recovering = false
	case IdleRestart:
		w.cwnd = min(w.cwnd, w.initialWindow)
	case Undo:
		w.cwnd = max(w.cwnd, e.Cwnd)
		w.ssthresh = max(w.ssthresh, e.Ssthresh)
		w.recovering = false
	default:
		return false
	}
	w.ca.Reset()
	return took
}

// HalvedWindow is Linux's tcp_reno_ssthresh: half of cwnd in whole
// segments, at least two.
func (w *RenoWindow) HalvedWindow() int { return max(w.cwnd/w.mss/2, 2) * w.mss }

// Cwnd is the congestion window in bytes.
func (w *RenoWindow) Cwnd() int { return w.cwnd }

// Ssthresh is the slow-start threshold in bytes.
func (w *RenoWindow) Ssthresh() int { return w.ssthresh }

// MSS is the sender maximum segment size Reset was given, in bytes: the
// unit of the family's increase and of its floors (2*MSS after a loss).
func (w *RenoWindow) MSS() int { return w.mss }

// PacingRate is 0: the Reno family is ACK-clocked and does not pace.
func (w *RenoWindow) PacingRate() units.Rate { return 0 }

// Phase is PhaseFastRecovery from Loss to RecoveryExit, PhaseSlowStart
// below ssthresh and PhaseCongestionAvoidance above it.
func (w *RenoWindow) Phase() string {
	switch {
	case w.recovering:
		return PhaseFastRecovery
	case w.cwnd < w.ssthresh:
		return PhaseSlowStart
	default:
		return PhaseCongestionAvoidance
	}
}

// exitWindow is the window an algorithm takes at RecoveryExit: the one the
// sender hands back, or ssthresh from a caller that does not say (a
// hand-written Event in a test).
func exitWindow(e *Event, ssthresh int) int {
	if e.Cwnd > 0 {
		return e.Cwnd
	}
	return ssthresh
}
