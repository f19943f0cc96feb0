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
//	slow start (cwnd < ssthresh):  cwnd += min(N, L), L = 2*SMSS     RFC 3465 §2.2 (RFC 5681 eq. 2 has L = SMSS)
//	congestion avoidance:          bytes_acked += N; when it reaches cwnd,
//	                               bytes_acked -= cwnd, cwnd += SMSS   RFC 5681 §3.1, RFC 3465 §2.1
//	loss (third duplicate ACK):    ssthresh = max(FlightSize/2, 2*SMSS) RFC 5681 eq. (4)
//	                               cwnd = ssthresh + 3*SMSS            §3.2 steps 2-3
//	duplicate ACK in recovery:     cwnd += SMSS                        §3.2 step 4
//	ACK of new data in recovery:   cwnd = ssthresh                     §3.2 step 6
//	recovery over:                 cwnd = ssthresh                     §3.2 step 6
//	retransmission timeout:        ssthresh as eq. (4), cwnd = LW = 1*SMSS   §3.1
//	ECN-Echo:                      ssthresh as eq. (4), cwnd = ssthresh       RFC 3168 §6.1.2
//	restart after idle:            cwnd = min(cwnd, IW)                §4.1
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
// Two refinements beyond the equations. While the sender is application
// limited, cwnd does not grow: an ACK for data the window did not limit
// says nothing about whether a larger window is safe (the spirit of RFC
// 7661; Linux's tcp_is_cwnd_limited). And when the retransmission timer
// expires again before any new data has been acknowledged, ssthresh is held
// rather than halved once more (RFC 5681 §3.1, the note to eq. 4): the
// second timeout says nothing new about the path, and FlightSize by then is
// only the loss window.
//
// The sender decides when a congestion signal counts: one Loss per
// recovery episode, one ECN response per round trip (RFC 3168 §6.1.2). Reno
// responds to every event it is given.

package cc

import "ccbench/units"

func init() { MustRegister("reno", newReno) }

// renoLossWindow is LW of RFC 5681 §3.1 in segments: the window after a
// retransmission timeout, one segment, because the timeout says the ACK
// clock has stopped and nothing is known to be leaving the network.
const renoLossWindow = 1

// renoDupThresh is the duplicate-ACK threshold of RFC 5681 §3.2: the three
// segments that left the network to trigger those ACKs are added back when
// fast recovery starts.
const renoDupThresh = 3

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
	if a.InRecovery {
		switch {
		case a.DupAck:
			// Each duplicate ACK is a segment that left the network; the
			// inflated window lets a new one take its place.
			r.cwnd += r.mss
		case a.Acked > 0:
			// New data acknowledged: the segments that inflated the window
			// are accounted for, so take the inflation back out. When this
			// ACK does not end recovery, later duplicate ACKs inflate again.
			r.cwnd = r.ssthresh
		}
		return
	}
	if a.Acked == 0 || a.AppLimited {
		return
	}
	acked := a.Acked
	if r.cwnd < r.ssthresh {
		r.cwnd, acked = SlowStart(r.cwnd, r.ssthresh, acked, ABCLimitSegments*r.mss)
		if acked == 0 {
			return
		}
	}
	r.cwnd += r.ca.Count(acked, r.cwnd) * r.mss
}

func (r *reno) OnCongestion(e *Event) {
	switch e.Kind {
	case Loss:
		r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		r.cwnd = r.ssthresh + renoDupThresh*r.mss
		r.recovering = true
	case ECN:
		r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		r.cwnd = r.ssthresh
	case RTO:
		if !r.timedOut {
			r.ssthresh = LossSsthresh(e.Inflight, r.mss)
		}
		r.cwnd = renoLossWindow * r.mss
		r.recovering = false
		r.timedOut = true
	case RecoveryExit:
		r.cwnd = r.ssthresh
		r.recovering = false
	case IdleRestart:
		r.cwnd = min(r.cwnd, r.initialWindow)
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
