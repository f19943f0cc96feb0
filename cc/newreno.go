// NewReno congestion control: the window arithmetic of RFC 6582 (The
// NewReno Modification to TCP's Fast Recovery Algorithm) on top of RFC
// 5681's slow start and congestion avoidance.
//
// The model. Reno's fast recovery ends at the first ACK of new data, so a
// window that lost several segments halves once per loss, or waits for a
// timeout. NewReno stays in recovery until everything outstanding when the
// loss was detected is acknowledged ("recover" in RFC 6582), and treats an
// ACK that covers some but not all of it, a partial ACK, as the news that
// the next segment is lost too. Retransmitting that segment is the
// sender's job: the stack marks it lost and resends it (stack/recovery.go,
// mode "newreno"). What belongs to the algorithm is the window:
//
//	loss (third duplicate ACK):  ssthresh = max(FlightSize/2, 2*SMSS)    RFC 6582 §3.2 step 2
//	                             cwnd = ssthresh + 3*SMSS                 step 3
//	duplicate ACK in recovery:   cwnd += SMSS                             step 4
//	partial ACK of N bytes:      cwnd -= N; cwnd += SMSS if N >= SMSS     step 5
//	full ACK (RecoveryExit):     cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)   step 6, option 1
//
// Partial window deflation keeps roughly ssthresh bytes in flight through
// recovery: the ACK says N bytes left the network, so N fewer may be out,
// and the extra segment makes room for the retransmission the partial ACK
// triggers.
//
// RFC 6582 §3.2 step 6 offers two exits. Option 2, cwnd = ssthresh, is
// Reno's; if little is in flight when recovery ends (the last holes took
// the window down), it lets a burst of up to ssthresh out at once. Option
// 1, used here, lets out at most one segment more than is in flight and
// then grows from there. RFC 6582 asks a sender choosing option 2 to guard
// against that burst some other way; this one has no other guard (it does
// not pace), so it takes option 1.
//
// Outside recovery NewReno is Reno: slow start with Appropriate Byte
// Counting, one segment per window in congestion avoidance, RTO to one
// segment, ECN to ssthresh.
//
// The CC sees every ACK with InRecovery set from Loss until RecoveryExit,
// including the full ACK that ends it; deflating on that one too is
// harmless, since RecoveryExit follows at once and overrides it. With the
// stack's "reno" recovery mode (recovery ends at the first ACK of new
// data) the only partial ACK is the one that ends recovery, so the window
// ends at the option-1 value as well.
//
// These rules are the family's skeleton (renowindow.go), which the other
// Reno-derived algorithms share; NewReno is the skeleton with Reno's
// slow-start threshold, max(FlightSize/2, 2*SMSS).

package cc

import "ccbench/units"

func init() { MustRegister("newreno", newNewReno) }

type newreno struct{ renoWindow }

var _ CongestionControl = (*newreno)(nil)

func newNewReno() CongestionControl { return new(newreno) }

func (n *newreno) Name() string { return "newreno" }

// Description is the one-line summary `ccbench list` prints.
func (n *newreno) Description() string {
	return "RFC 6582 NewReno: Reno with partial-ACK window deflation in fast recovery"
}

func (n *newreno) Init(_ units.Time, mss, initialWindow int) {
	n.resetWith(mss, initialWindow, newRenoRecovery)
}

func (n *newreno) OnAck(a *Ack) {
	acked := n.slowStart(n.onAck(a))
	n.increase(acked, n.cwnd)
}

func (n *newreno) OnCongestion(e *Event) {
	n.respond(e, LossSsthresh(e.Inflight, n.mss))
}
