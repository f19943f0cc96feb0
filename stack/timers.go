package stack

import (
	"ccbench/cc"
	"ccbench/units"
)

// Timers. A connection has three deadlines, each a plain time (Never when
// stopped): retransmission, which also retransmits SYN and FIN; the delayed
// ACK; and the end of TIME-WAIT.

// nextDeadline is the earliest time c needs OnTimer.
func (c *Conn) nextDeadline() units.Time {
	return min(c.rtxAt, c.ackAt, c.timeWait)
}

// onTimer runs every timer whose deadline has passed.
func (c *Conn) onTimer(now units.Time) {
	if c.timeWait <= now {
		c.timeWait = units.Never
		if c.state == TimeWait || c.state == FinWait2 {
			c.terminate(nil)
			return
		}
	}
	if c.ackAt <= now {
		c.ackAt = units.Never
		c.ackNow = true
	}
	if c.rtxAt <= now {
		c.rtxAt = units.Never
		c.onRetransmitTimeout(now)
	}
}

// onRetransmitTimeout handles an expiry of the retransmission timer
// (RFC 6298 §5.4-5.6, RFC 5681 §3.1): back off, tell congestion control,
// and resend from SND.UNA; everything after it is sent again as the window
// reopens (go-back-N, as BSD and Linux do without SACK).
func (c *Conn) onRetransmitTimeout(now units.Time) {
	switch c.state {
	case SynSent, SynReceived:
		limit := c.cfg.SYNRetries
		if c.state == SynReceived {
			limit = c.cfg.SYNACKRetries
		}
		c.retries++
		if c.retries > limit {
			c.terminate(ErrTimedOut)
			return
		}
		c.rtt.backOff()
		c.sndNxt = c.iss
		c.sent.clear()
		c.stats.Timeouts++
		return
	case Closed, Listen, TimeWait:
		return
	}
	if c.sndUna == c.sndMax {
		return
	}
	c.stats.Timeouts++
	c.retries++
	if c.retries > c.cfg.DataRetries {
		c.terminate(ErrTimedOut)
		return
	}
	c.ev = cc.Event{Kind: cc.RTO, Now: now, Inflight: c.inflight()}
	c.cc.OnCongestion(&c.ev)
	c.rtt.backOff()
	c.inRecovery = false
	c.dupAcks = 0
	c.recover = c.sndMax // RFC 6582 §3.2 step 4: no fast retransmit for older data
	c.rtxPending = false
	c.sndNxt = c.sndUna
	c.sent.clear()
}
