package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Delivery-rate estimation, as draft-cheng-iccrg-delivery-rate-estimation
// describes it. Every transmission stamps its scoreboard record with the
// connection's delivery state at that moment (bytes delivered so far and
// when, when the current flight's first packet was sent, whether the sender
// was application-limited, bytes in flight and lost). When the record is
// delivered — cumulatively acknowledged or SACKed — the ACK's rate sample is
// taken from the most recently sent record it delivered:
//
//	delivered = C.delivered − P.delivered
//	interval  = max(P.sent − P.first_sent, C.delivered_time − P.delivered_time)
//
// The larger of the send and ACK intervals keeps ACK compression from
// inflating the rate. A sample whose interval is below the minimum RTT is
// not valid.

// rateState is the connection's side of the estimator.
type rateState struct {
	delivered     int64      // C.delivered: bytes delivered so far
	deliveredTime units.Time // C.delivered_time
	firstSentTime units.Time // C.first_sent_time
	// appLimited is the delivered count at which the current
	// application-limited period ends, or 0 when not application-limited.
	appLimited int64

	// The sample being built for the current ACK.
	rs         cc.RateSample
	sendElapsd units.Duration
	priorTime  units.Time
	have       bool
}

// stampRecord records the delivery state in s as it is transmitted at now
// (draft §3.2, "Transmitting a data packet").
func (c *Conn) stampRecord(s *sentSegment, now units.Time) {
	r := &c.rate
	pipe := c.pipe()
	if c.sndUna == c.sndNxt || pipe == 0 {
		// Nothing in flight: a new flight starts now.
		r.firstSentTime, r.deliveredTime = now, now
	}
	s.firstSentTime = r.firstSentTime
	s.deliveredTime = r.deliveredTime
	s.deliveredAtSend = r.delivered
	s.appLimited = r.appLimited != 0
	s.lostAtSend = c.sent.lostTotal
	s.txInflight = pipe + s.len()
}

// rateDelivered folds one newly delivered record into the ACK's sample
// (draft §3.3, "Upon receiving an ACK").
func (c *Conn) rateDelivered(now units.Time, s *sentSegment) {
	r := &c.rate
	r.delivered += int64(s.len())
	r.deliveredTime = now
	if !r.have || s.deliveredAtSend > r.rs.PriorDelivered {
		r.have = true
		r.rs.PriorDelivered = s.deliveredAtSend
		r.priorTime = s.deliveredTime
		r.rs.IsAppLimited = s.appLimited
		r.rs.RTT = now.Sub(s.sentAt)
		r.rs.TxInflight = s.txInflight
		r.rs.LostSince = c.sent.lostTotal - s.lostAtSend
		r.sendElapsd = s.sentAt.Sub(s.firstSentTime)
		r.firstSentTime = s.sentAt
	}
}

// finishRateSample completes the ACK's sample and starts a fresh one.
func (c *Conn) finishRateSample(a *cc.Ack) {
	r := &c.rate
	if r.appLimited != 0 && r.delivered > r.appLimited {
		r.appLimited = 0
	}
	if r.have {
		// Built in place in the ACK.
		a.Rate = r.rs
		rs := &a.Rate
		rs.Delivered = r.delivered - rs.PriorDelivered
		rs.Interval = max(r.sendElapsd, r.deliveredTime.Sub(r.priorTime))
		rs.Valid = rs.Delivered > 0 && rs.Interval > 0 && rs.Interval >= c.rtt.minRTT
		if !c.useSACK() && rs.Delivered > int64(rs.TxInflight+2*c.sndMSS) {
			// Without SACK a cumulative ACK that fills a hole reports at
			// once everything the receiver took in above it, some of it
			// long before this packet was sent, and the sample would
			// credit it all to this packet's round trip: after a timeout's
			// go-back-N, several times the link's rate, which BBR's max
			// filter keeps for ten rounds. One packet's round trip cannot
			// deliver more than was in flight when it left, itself
			// included (and, with delayed ACKs, the segment after it);
			// such a sample mixes old deliveries with new and measures
			// nothing.
			rs.Valid = false
		}
	} else {
		a.Rate = cc.RateSample{}
	}
	a.Delivered = r.delivered
	// r.rs needs no clearing: it is read only while have is set, and
	// the delivery that sets have writes every field finishRateSample
	// does not.
	r.have = false
}

// markAppLimited notes that the sender has run out of data with window to
// spare: samples until what is in flight now is delivered may underestimate
// the bandwidth (draft §3.4). pipe is c.pipe(), which the caller has just
// compared with the window.
func (c *Conn) markAppLimited(pipe int) {
	c.rate.appLimited = c.appLimitedMark(pipe)
}

// appLimitedMark is the value markAppLimited stores: the delivered count at
// which what is in flight now will have been delivered (never 0, which
// means no mark).
func (c *Conn) appLimitedMark(pipe int) int64 { return max(c.rate.delivered+int64(pipe), 1) }
