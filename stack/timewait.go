package stack

import (
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// TIME-WAIT as Linux keeps it (tcp_timewait_state_process in
// net/ipv4/tcp_minisocks.c, and tcp_v4_rcv's handling of its verdicts),
// for the linux profile (Config.LinuxSegmentChecks); the rfc profile
// follows RFC 9293 §3.10.7.4 and RFC 1337 in input.
//
// A segment reaching a connection in TIME-WAIT is, in this order:
//
//   - at RCV.NXT and occupying no sequence space, or a RST at RCV.NXT: a
//     RST ends TIME-WAIT at once unless Config.RFC1337 (Linux's
//     tcp_rfc1337 = 0 does not follow RFC 1337), a bare ACK restarts the
//     2·MSL timer; neither is answered;
//   - a SYN without ACK whose sequence number is above RCV.NXT, or whose
//     timestamp is newer than the last one seen: a new incarnation of the
//     connection (RFC 1122 §4.2.2.13). TIME-WAIT ends and the listener on
//     the port, if any, answers it as a new SYN, with an ISN above any
//     sequence number the old connection used: SND.NXT + 65535 + 2
//     (tw_isn), which is never 0. Without a listener it is ACKed;
//   - anything else but a RST: ACKed, the timer restarted if it carried an
//     ACK (or failed PAWS), at most one ACK per InvalidRateLimit unless the
//     segment carries data or a FIN (tcp_timewait_check_oow_rate_limit).
//     A retransmitted FIN, whose ACK was lost, is so always answered; a
//     RST elsewhere is dropped.

// inputTimeWait processes segment s for c in TIME-WAIT.
func (c *Conn) inputTimeWait(now units.Time, s *wire.Segment) {
	rcvNxt := c.rcvNxt()
	ts := c.tsOK && s.Opts.HasTimestamps
	pawsReject := ts && int32(c.tsRecent-s.Opts.TSVal) > 0
	rst := s.Has(FlagRST)
	if !pawsReject && s.Seq == rcvNxt && (s.SeqLen() == 0 || rst) {
		if rst && !c.cfg.RFC1337 {
			c.terminate(nil)
			return
		}
		if !rst {
			c.timeWait = now.Add(2 * c.cfg.MSL)
		}
		if ts {
			c.tsRecent = s.Opts.TSVal
		}
		return
	}
	if s.Flags&(FlagSYN|FlagRST|FlagACK) == FlagSYN && !pawsReject &&
		(s.Seq.GT(rcvNxt) || ts && int32(c.tsRecent-s.Opts.TSVal) < 0) {
		if l, ok := c.host.listeners[c.id.localPort]; ok {
			isn := c.sndNxt.Add(65535 + 2)
			if isn == 0 {
				isn++
			}
			id := c.id
			c.terminate(nil)
			l.onSYN(now, id, s, isn)
			return
		}
		c.ackNow = true
		return
	}
	if rst {
		return
	}
	if pawsReject || s.Has(FlagACK) {
		c.timeWait = now.Add(2 * c.cfg.MSL)
	}
	if !c.dupACKLimited(now, s) {
		c.ackNow = true
	}
}
