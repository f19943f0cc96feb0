// NewReno congestion control: RFC 6582 (The NewReno Modification to TCP's
// Fast Recovery Algorithm) on top of RFC 5681's slow start and congestion
// avoidance.
//
// The model. Reno's fast recovery ends at the first ACK of new data, so a
// window that lost several segments halves once per loss, or waits for a
// timeout. NewReno stays in recovery until everything outstanding when the
// loss was detected is acknowledged ("recover" in RFC 6582), and treats an
// ACK that covers some but not all of it, a partial ACK, as the news that
// the next segment is lost too. All of that is the sender's: when recovery
// ends, which segment to resend, and how much may be sent meanwhile
// (stack/recovery.go, RecoveryMode "newreno", with proportional rate
// reduction as Linux does for a connection without SACK). RFC 6582's
// window inflation and partial deflation (§3.2 steps 3 to 5) are the
// accounting PRR replaces. What belongs to the algorithm is the threshold
// and growth:
//
//	loss (third duplicate ACK):  ssthresh = max(FlightSize/2, 2*SMSS)    RFC 6582 §3.2 step 2
//	full ACK (RecoveryExit):     cwnd = ssthresh                          step 6, option 2 (Linux)
//	RTO during recovery:         ssthresh kept                            Linux tcp_enter_loss
//
// RFC 6582 §3.2 step 6 offers two exits: option 1, min(ssthresh,
// max(FlightSize, SMSS) + SMSS), or option 2, ssthresh, which asks for a
// guard against a burst when little is in flight. The sender takes Linux's
// choice, ssthresh (tcp_end_cwnd_reduction); PRR has by then brought the
// pipe to ssthresh, so no burst follows.
//
// Outside recovery NewReno is Reno: slow start, one segment per window in
// congestion avoidance, RTO to one segment, ECN to ssthresh. These rules
// are the family's skeleton (renowindow.go), which the other Reno-derived
// algorithms share; NewReno is the skeleton with Reno's slow-start
// threshold, max(FlightSize/2, 2*SMSS). It differs from reno.go, RFC 5681
// written out in full as the worked example, in nothing but the code that
// implements it.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("newreno", newNewReno) }

type newreno struct{ RenoWindow }

var _ CongestionControl = (*newreno)(nil)

func newNewReno() CongestionControl { return new(newreno) }

func (n *newreno) Name() string { return "newreno" }

// Description is the one-line summary `ccbench list` prints.
func (n *newreno) Description() string {
	return "RFC 6582 NewReno: Reno's AIMD from the family skeleton (recovery is the sender's)"
}

func (n *newreno) Init(_ units.Time, mss, initialWindow int) {
	n.Reset(mss, initialWindow)
}

func (n *newreno) OnAck(a *Ack) {
	acked := n.SlowStart(n.Acked(a))
	n.Increase(acked, n.cwnd)
}

func (n *newreno) OnCongestion(e *Event) {
	n.Respond(e, LossSsthresh(e.Inflight, n.mss))
}
