// Scalable TCP: Tom Kelly, "Scalable TCP: Improving Performance in Highspeed
// Wide Area Networks", ACM SIGCOMM Computer Communication Review 33(2),
// April 2003. Linux: net/ipv4/tcp_scalable.c.
//
// The model. Reno adds one segment per round trip and halves on loss, so
// the time it takes to win back a loss grows with the window: at 10 Gbit/s
// and 100 ms that is over an hour. Scalable TCP makes both responses
// proportional to the window (multiplicative increase, multiplicative
// decrease), so recovering from a loss takes the same number of round trips
// at any rate: about ln(1/0.875)/ln(1.01) ≈ 13.4 of them.
//
// The equations, per ACK that newly acknowledges N bytes, in congestion
// avoidance:
//
//	cwnd += 0.01 * N                   one segment per 100 acknowledged
//	on congestion: ssthresh = cwnd − ⌊cwnd/8⌋ in whole segments, at least 2
//
// and everything else (slow start, fast recovery, timeouts) as the rest of
// the Reno family (renowindow.go; fast recovery itself is the sender's).
//
// Below 100 segments, one segment per 100 acknowledged is slower than
// Reno's one per cwnd, so there the increase is Reno's: Scalable TCP is
// never less aggressive than Reno. Kelly's paper switches to Reno below a
// "legacy window"; Linux counts against min(cwnd, 100), which does the
// same without a jump, and so does this file.
//
// The decrease follows Linux's tcp_scalable_ssthresh: the window, in whole
// segments, less an eighth of it rounded down. No RFC specifies Scalable
// TCP, so Linux is the reference; this port once reduced FlightSize, as
// RFC 5681 eq. (4) does for Reno, and parted from the kernel's module by a
// segment at the first loss (1168 against 1169 on the shipped bottleneck).
// An application-limited sender's window does not run away meanwhile:
// the sender grows it only while it is cwnd-limited.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("scalable", newScalable) }

// scalableAICount is 1/a in segments: cwnd grows by one segment for every
// 100 acknowledged, a = 0.01, the increase Kelly chose so that recovery
// from a loss takes a fixed number of round trips that is still short
// (about 13) at any window.
const scalableAICount = 100

// scalableDecreaseShift is b = 0.125 (Kelly's value) as Linux applies it,
// cwnd >> 3 taken off: small enough that the window does not swing far
// after each loss, yet large enough for flows to converge to fairness.
const scalableDecreaseShift = 3

type scalable struct{ RenoWindow }

var _ CongestionControl = (*scalable)(nil)

func newScalable() CongestionControl { return new(scalable) }

func (s *scalable) Name() string { return "scalable" }

// Description is the one-line summary `ccbench list` prints.
func (s *scalable) Description() string {
	return "Scalable TCP (Kelly 2003): +1 MSS per 100 MSS acked, cut to 7/8 on loss"
}

func (s *scalable) Init(_ units.Time, mss, initialWindow int) {
	s.Reset(mss, initialWindow)
}

func (s *scalable) OnAck(a *Ack) {
	acked := s.SlowStart(s.Acked(a))
	s.Increase(acked, min(s.cwnd, scalableAICount*s.mss))
}

func (s *scalable) OnCongestion(e *Event) {
	segs := s.cwnd / s.mss
	s.Respond(e, max(segs-segs>>scalableDecreaseShift, 2)*s.mss)
}
