package stack

import (
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// ACKs for segments that are dropped: the duplicate ACK that answers an
// unacceptable segment (RFC 9293 §3.10.7.4) and the challenge ACK that
// answers a RST, SYN or ACK that could be a blind injection (RFC 5961 §3.2,
// §4.2, §5.2). Each carries the current SND.NXT and RCV.NXT, whatever the
// dropped segment said, so a genuine peer learns where the connection
// stands and an attacker learns nothing it can use.
//
// An attacker, or two confused peers answering each other, could make a
// connection send these ACKs at the rate segments arrive. Linux bounds them
// per socket (tcp_oow_rate_limited in net/ipv4/tcp_input.c): at most one
// per tcp_invalid_ratelimit (Config.InvalidRateLimit, 500 ms), except for
// a segment that occupies sequence space and is not a SYN (data or a FIN),
// which cannot be part of an ACK loop and is always answered. Challenge
// ACKs draw on the same budget (tcp_send_challenge_ack checks
// __tcp_oow_rate_limited first), then on ChallengeACKsPerSecond.

// oowLimited is Linux's __tcp_oow_rate_limited: it reports whether an ACK
// for a dropped segment must be withheld because one went less than
// InvalidRateLimit ago, and otherwise counts this one as sent.
func (c *Conn) oowLimited(now units.Time) bool {
	if lim := c.cfg.InvalidRateLimit; lim > 0 && c.oowAcked {
		if d := now.Sub(c.lastOOWAck); d >= 0 && d < lim {
			return true
		}
	}
	c.lastOOWAck, c.oowAcked = now, true
	return false
}

// dupACKLimited is Linux's tcp_oow_rate_limited for the duplicate ACK that
// answers s: data and FINs are always answered.
func (c *Conn) dupACKLimited(now units.Time, s *wire.Segment) bool {
	if s.SeqLen() > 0 && !s.Has(FlagSYN) {
		return false
	}
	return c.oowLimited(now)
}

// challengeACK answers a suspicious RST, SYN or ACK with an ACK, within the
// per-connection limits (Linux's tcp_send_challenge_ack).
func (c *Conn) challengeACK(now units.Time) {
	if c.oowLimited(now) {
		return
	}
	if lim := c.cfg.ChallengeACKsPerSecond; lim > 0 {
		if now.Sub(c.challengeAt) >= units.Second {
			c.challengeAt, c.challengeCnt = now, 0
		}
		if c.challengeCnt >= lim {
			return
		}
		c.challengeCnt++
	}
	c.ackNow = true
}
