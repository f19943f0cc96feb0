// The skeleton of the Reno family: the window arithmetic of RFC 5681 (slow
// start, congestion avoidance, fast recovery) that the Reno-derived
// algorithms share, so that each of their files states only where it
// departs from it: the slow-start threshold after congestion, and the
// increase. Linux shares tcp_slow_start, tcp_cong_avoid_ai and its loss
// recovery between modules for the same reason.
//
// What the skeleton does, with N the bytes an ACK newly acknowledges:
//
//	slow start (cwnd < ssthresh):  cwnd += min(N, 2*SMSS)           RFC 3465 §2.2
//	congestion avoidance:          cwnd += SMSS per `per` bytes ACKed (Reno: per = cwnd)
//	Loss:                          cwnd = ssthresh + 3*SMSS         RFC 5681 §3.2 steps 2-3
//	duplicate ACK in recovery:     cwnd += SMSS                     step 4
//	ECN:                           cwnd = ssthresh                  RFC 3168 §6.1.2
//	RTO:                           cwnd = 1*SMSS                    RFC 5681 §3.1
//	IdleRestart:                   cwnd = min(cwnd, IW)             RFC 5681 §4.1
//
// and, in fast recovery, one of two sets of rules (fastRecovery):
//
//	                       Reno (RFC 5681 §3.2)   NewReno (RFC 6582 §3.2)
//	new data ACKed:        cwnd = ssthresh        cwnd −= N; += SMSS if N >= SMSS   (step 5)
//	RecoveryExit:          cwnd = ssthresh        cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)   (step 6, option 1)
//	RTO during recovery:   ssthresh as given      ssthresh kept
//
// The algorithm supplies the new ssthresh for Loss, ECN and RTO (Reno's is
// LossSsthresh) and the congestion-avoidance increase. A second RTO before
// any new data is acknowledged keeps ssthresh, as reno.go explains; an
// application-limited ACK grows nothing (RFC 7661). Reno's rules are the
// zero value and match reno.go exactly; newreno.go explains NewReno's.
//
// newreno, vegas, westwood, highspeed and scalable recover as NewReno. The
// stack recovers without SACK by default, one hole per round trip, and
// counts every segment sent since the loss as in flight, including those
// the receiver holds above the holes. Reno's deflation to ssthresh at each
// partial ACK leaves the window below that count, so the sender stops
// until duplicate ACKs inflate it again; with a few holes the ACK clock
// dies and the retransmission timer fires. That hurts most the algorithms
// that lose several segments per episode (HighSpeed, Scalable). NewReno's
// deflation by the bytes acknowledged keeps about ssthresh in the network.
// For the same reason an RTO that ends a NewReno recovery keeps ssthresh,
// as Linux's tcp_enter_loss does when a reduction was already made inside
// the window: FlightSize by then counts everything sent on the inflated
// window, data the receiver mostly holds, and halving it can leave
// ssthresh above where the first loss happened, so the slow start after
// the timeout overshoots again, and again. With SACK the stack sends by
// PRR during recovery and the two sets differ only at the exit.
//
// Algorithms embed renoWindow, which supplies Cwnd, Ssthresh, PacingRate
// (none: the family is ACK-clocked) and Phase.

package cc

import "ccbench/units"

// fastRecovery selects the window arithmetic of fast recovery.
type fastRecovery uint8

const (
	// renoRecovery is RFC 5681 §3.2: deflate to ssthresh on new data.
	renoRecovery fastRecovery = iota
	// newRenoRecovery is RFC 6582 §3.2: deflate by what was acknowledged.
	newRenoRecovery
)

type renoWindow struct {
	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int
	recovery      fastRecovery

	// ca counts acknowledged bytes toward the next congestion-avoidance
	// increase.
	ca ByteCounter
	// recovering is set between Loss and RecoveryExit or RTO.
	recovering bool
	// timedOut is set by an RTO and cleared by the first ACK of new data.
	timedOut bool
}

// reset starts a connection with sender MSS mss and initial window
// initialWindow, both in bytes, recovering as Reno.
func (w *renoWindow) reset(mss, initialWindow int) {
	w.resetWith(mss, initialWindow, renoRecovery)
}

// resetWith is reset with a choice of fast-recovery rules.
func (w *renoWindow) resetWith(mss, initialWindow int, recovery fastRecovery) {
	*w = renoWindow{
		mss:           mss,
		initialWindow: initialWindow,
		cwnd:          initialWindow,
		ssthresh:      InfiniteSsthresh,
		recovery:      recovery,
	}
}

// onAck applies what every algorithm of the family does with an ACK before
// its own growth rule, and returns the bytes it may grow the window by: 0
// for a duplicate ACK, an application-limited ACK or any ACK in fast
// recovery (which only inflates or deflates the window), a.Acked otherwise.
//
// NewReno's partial-ACK deflation stops at one segment: the ACK that ends
// recovery also arrives with InRecovery set and can acknowledge more than
// the inflated window (all of the old flight); the RecoveryExit that
// follows it sets the real value.
func (w *renoWindow) onAck(a *Ack) (acked int) {
	if a.Acked > 0 {
		w.timedOut = false
	}
	if a.InRecovery {
		switch {
		case a.DupAck:
			w.cwnd += w.mss
		case a.Acked > 0 && w.recovery == newRenoRecovery:
			w.cwnd -= a.Acked
			if a.Acked >= w.mss {
				w.cwnd += w.mss
			}
			w.cwnd = max(w.cwnd, w.mss)
		case a.Acked > 0:
			w.cwnd = w.ssthresh
		}
		return 0
	}
	if a.AppLimited {
		return 0
	}
	return a.Acked
}

// slowStart spends acked on slow start while cwnd is below ssthresh and
// returns what is left for congestion avoidance (see SlowStart).
func (w *renoWindow) slowStart(acked int) (leftover int) {
	if acked == 0 || w.cwnd >= w.ssthresh {
		return acked
	}
	w.cwnd, leftover = SlowStart(w.cwnd, w.ssthresh, acked, ABCLimitSegments*w.mss)
	return leftover
}

// increase is congestion avoidance by byte counting: cwnd grows one segment
// for every per bytes acknowledged (per > 0). per = cwnd is Reno's one
// segment per round trip; a smaller per grows faster.
func (w *renoWindow) increase(acked, per int) {
	if acked > 0 {
		w.cwnd += w.ca.Count(acked, per) * w.mss
	}
}

// respond applies congestion event e. ssthresh is the algorithm's new
// slow-start threshold for Loss, ECN and RTO, and is ignored for the other
// events.
func (w *renoWindow) respond(e *Event, ssthresh int) {
	switch e.Kind {
	case Loss:
		w.ssthresh = ssthresh
		w.cwnd = w.ssthresh + renoDupThresh*w.mss
		w.recovering = true
	case ECN:
		w.ssthresh = ssthresh
		w.cwnd = w.ssthresh
	case RTO:
		if !w.timedOut && !(w.recovering && w.recovery == newRenoRecovery) {
			w.ssthresh = ssthresh
		}
		w.cwnd = renoLossWindow * w.mss
		w.recovering = false
		w.timedOut = true
	case RecoveryExit:
		w.cwnd = w.ssthresh
		if w.recovery == newRenoRecovery {
			w.cwnd = min(w.ssthresh, max(e.Inflight, w.mss)+w.mss)
		}
		w.recovering = false
	case IdleRestart:
		w.cwnd = min(w.cwnd, w.initialWindow)
	default:
		return
	}
	w.ca.Reset()
}

func (w *renoWindow) Cwnd() int { return w.cwnd }

func (w *renoWindow) Ssthresh() int { return w.ssthresh }

// PacingRate is 0: the Reno family is ACK-clocked and does not pace.
func (w *renoWindow) PacingRate() units.Rate { return 0 }

func (w *renoWindow) Phase() string {
	switch {
	case w.recovering:
		return PhaseFastRecovery
	case w.cwnd < w.ssthresh:
		return PhaseSlowStart
	default:
		return PhaseCongestionAvoidance
	}
}
