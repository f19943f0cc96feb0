// How the receiver echoes congestion-experienced marks. RFC 3168 §6.1.3
// makes ECE sticky: once a CE mark arrives, every ACK carries ECE until the
// sender's CWR, which tells the sender only that at least one mark happened
// in a round trip. An algorithm that measures how many bytes were marked,
// as DCTCP does (RFC 8257 §3.2), needs the receiver to echo the CE state of
// each segment exactly instead: ECE set on an ACK if and only if the
// segments it acknowledges were marked, with an immediate ACK whenever the
// CE state changes so that a delayed ACK never covers marked and unmarked
// segments together.
//
// Whether to echo exactly is decided at the receiver, by the algorithm of
// the connection that receives the data: Linux does the same (DCTCP's
// receiver half lives in tcp_dctcp.c), so both ends must run the algorithm
// for it to work, as RFC 8257 §3 says.

package cc

// ExactECNEchoer is implemented by algorithms whose connections must echo
// CE marks per RFC 8257 §3.2 rather than RFC 3168 §6.1.3.
type ExactECNEchoer interface {
	// ExactECNEcho reports whether the receiver must set ECE on exactly
	// the ACKs of CE-marked segments and acknowledge at once when the CE
	// state changes.
	ExactECNEcho() bool
}

// NeedsExactECNEcho reports whether c asks for RFC 8257 echoing; false for
// algorithms that do not implement ExactECNEchoer.
func NeedsExactECNEcho(c CongestionControl) bool {
	e, ok := c.(ExactECNEchoer)
	return ok && e.ExactECNEcho()
}
