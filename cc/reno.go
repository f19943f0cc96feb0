// Reno congestion control: RFC 5681 (slow start, congestion avoidance, fast
// retransmit and fast recovery), with Appropriate Byte Counting (RFC 3465)
// and the ECN response of RFC 3168 §6.1.2.
//
// The model. The sender cannot see the path's capacity; a lost segment is
// taken as the sign that a queue overflowed. So the sender probes: starting
// from the initial window it doubles cwnd every round trip (slow start)
// until it reaches ssthresh, its memory of where congestion last happened,
// and from there adds one segment per round trip (congestion avoidance).
// Congestion halves the window (additive increase, multiplicative decrease:
// Jacobson 1988, Chiu and Jain 1989). Three duplicate ACKs mean one segment
// is missing but later ones are arriving, so data still flows and the
// sender halves and keeps the ACK clock running (fast recovery); a
// retransmission timeout means the ACK clock stopped, so it starts over
// from one segment.
//
// The equations, with N the bytes an ACK newly acknowledges and SMSS the
// sender maximum segment size:
//
//	slow start (cwnd < ssthresh):  cwnd += N (Linux tcp_slow_start), or
//	                               cwnd += min(N, L) with the sender's
//	                               limit L (RFC 3465 §2.2: L = 2*SMSS)
//	congestion avoidance:          bytes_acked += N; when it reaches cwnd,
//	                               bytes_acked -= cwnd, cwnd += SMSS   RFC 5681 §3.1, RFC 3465 §2.1
//	loss (third duplicate ACK):    ssthresh = max(FlightSize/2, 2*SMSS) RFC 5681 eq. (4)
//	in fast recovery:              the sender sends by PRR toward ssthresh (RFC 6937)
//	recovery over:                 cwnd = ssthresh                     §3.2 step 6
//	retransmission timeout:        ssthresh as eq. (4), cwnd = LW = 1*SMSS   §3.1
//	ECN-Echo:                      ssthresh as eq. (4), cwnd = ssthresh       RFC 3168 §6.1.2
//	restart after idle:            cwnd = min(cwnd, IW)                §4.1
//	spurious reduction (Undo):     cwnd, ssthresh restored             Linux tcp_undo_cwnd_reduction
//
// The phases and what moves between them:
//
//	               cwnd reaches ssthresh
//	  slow_start ─────────────────────────► congestion_avoidance
//	     ▲     │                               │            ▲
//	     │     │ Loss                     Loss │            │ RecoveryExit
//	     │     ▼                               ▼            │
//	     │     └─────────────► fast_recovery ───────────────┘
//	     │
//	     └── RTO, from any phase; IdleRestart when it leaves cwnd below ssthresh
//
// RFC 5681's window inflation (cwnd = ssthresh + 3*SMSS, one more SMSS per
// duplicate ACK) is not here: how much may be sent during fast recovery is
// the sender's business (stack/recovery.go), as it is the core's in Linux,
// and it uses proportional rate reduction in every recovery mode, which
// sends what inflation would once the pipe has fallen to ssthresh.
//
// Two refinements beyond the equations. While the sender is application
// limited, cwnd does not grow: an ACK for data the window did not limit
// says nothing about whether a larger window is safe (the spirit of RFC
// 7661; Linux's tcp_is_cwnd_limited). And when the retransmission timer
// expires again before any new data has been acknowledged, ssthresh is held
// rather than halved once more (RFC 5681 §3.1, the note to eq. 4): the
// second timeout says nothing new about the path, and FlightSize by then is
// only the loss window. For the same reason, as in Linux's tcp_enter_loss,
// a timeout that ends a fast recovery keeps the ssthresh that recovery set.
//
// The sender decides when a congestion signal counts: one Loss per
// recovery episode, one ECN response per round trip (RFC 3168 §6.1.2). Reno
// responds to every event it is given.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("reno", newReno) }

// renoLossWindow is LW of RFC 5681 §3.1 in segments: the window after a
// retransmission timeout, one segment, because the timeout says the ACK
// clock has stopped and nothing is known to be leaving the network.
const renoLossWindow = 1

type reno struct {
	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int

	// ca counts acknowledged bytes toward the next one-segment increase in
	// congestion avoidance.
	ca ByteCounter
	// recovering is set between Loss and RecoveryExit (or an RTO, which
	// ends recovery by starting over).
	recovering bool
	// timedOut is set by an RTO and cleared by the first ACK of new data:
	// while it is set a further RTO holds ssthresh.
	timedOut bool
}

var _ CongestionControl = (*reno)(nil)

func newReno() CongestionControl { return new(reno) }

func (r *reno) Name() string { return "reno" }

// Description is the one-line summary `ccbench list` prints.
func (r *reno) Description() string {
	return "RFC 5681 AIMD: slow start, +1 MSS per RTT, halve on loss"
}

func (r *reno) Init(_ units.Time, mss, initialWindow int) {
	*r = reno{
		mss:           mss,
		initialWindow: initialWindow,
		cwnd:          initialWindow,
		ssthresh:      InfiniteSsthresh,
	}
}

func (r *reno) OnAck(a *Ack) {
	if a.Acked > 0 {
		r.timedOut = false
	}
	if a.InRecovery || a.Acked == 0 || a.AppLimited {
		return
	}
	acked := a.Acked
	if r.cwnd < r.ssthresh {
		r.cwnd, acked = SlowStart(r.cwnd, r.ssthresh, acked, a.SlowStartLimit)
		if acked == 0 {
			return
		}
	}
	r.cwnd += r.ca.Count(acked, r.cwnd) * r.mss
}

func (r *reno) OnCongestion(e *Event) {
	switch e.Kind {
	case Loss:
		// The window during recovery is the sender's; cwnd = ssthresh is
		// what probes show meanwhile.
		r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		r.cwnd = r.ssthresh
		r.recovering = true
	case ECN:
		r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		r.cwnd = r.ssthresh
	case RTO:
		if !r.timedOut && !r.recovering {
			r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		}
		r.cwnd = renoLossWindow * r.mss
		r.recovering = false
		r.timedOut = true
	case RecoveryExit:
		r.cwnd = exitWindow(e, r.ssthresh)
		r.recovering = false
	case IdleRestart:
		r.cwnd = min(r.cwnd, r.initialWindow)
	case Undo:
		// tcp_undo_cwnd_reduction with tcp_reno_undo_cwnd.
		r.cwnd = max(r.cwnd, e.Cwnd)
		r.ssthresh = max(r.ssthresh, e.Ssthresh)
		r.recovering = false
	default:
		return
	}
	r.ca.Reset()
}

func (r *reno) Cwnd() int { return r.cwnd }

func (r *reno) Ssthresh() int { return r.ssthresh }

// PacingRate is 0: Reno is ACK-clocked and does not pace.
func (r *reno) PacingRate() units.Rate { return 0 }

func (r *reno) Phase() string {
	switch {
	case r.recovering:
		return PhaseFastRecovery
	case r.cwnd < r.ssthresh:
		return PhaseSlowStart
	default:
		return PhaseCongestionAvoidance
	}
}
