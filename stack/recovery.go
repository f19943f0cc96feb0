package stack

import (
	"ccbench/cc"
	"ccbench/units"
)

// Loss recovery: deciding that data is lost, entering and leaving fast
// recovery, and how much may be sent while in it. Four modes (RecoveryMode):
//
//   - reno: RFC 5681 §3.2. The third duplicate ACK marks SND.UNA's segment
//     lost and starts fast recovery; the first ACK of new data ends it.
//   - newreno: as reno, but recovery lasts until everything outstanding at
//     its start is acknowledged; each partial ACK marks the next hole lost
//     (RFC 6582 §3.2). Only the first partial ACK restarts the retransmit
//     timer (§4.1, "Impatient"), so a window with many losses falls back to
//     a timeout rather than repairing one hole per round trip.
//   - sack: RFC 6675. Duplicate ACKs are those that SACK new data; a
//     segment is lost once DupThresh discontiguous SACKed runs, or more
//     than (DupThresh−1)·SMSS SACKed bytes, lie above it; what is sent in
//     recovery is paced by proportional rate reduction (RFC 6937).
//   - rack: as sack, with losses found by RACK's time-based rule and tail
//     losses probed by TLP (RFC 8985; see rack.go).
//
// In every mode a retransmission timeout marks everything not SACKed lost
// and recovery proceeds by retransmitting lost records as the (reset)
// window allows, which is go-back-N without SACK and SACK-aware
// retransmission with it.

// dupThresh is RFC 5681's and RFC 6675's DupThresh.
const dupThresh = 3

// pipe is the sender's estimate of the bytes in the network. Without SACK
// recovery SACKed bytes are not subtracted: Reno's window inflation on
// every duplicate ACK already stands for the segments that left.
func (c *Conn) pipe() int {
	p := c.sndNxt.Sub(c.sndUna) - c.sent.lostBytes + c.sent.rtxBytes
	if c.sndUna == c.iss && c.sndNxt != c.iss {
		// An unacknowledged SYN's sequence number is not payload: it takes
		// no room in the byte-counted window, as a Fast Open server's
		// SYN-ACK takes none in Linux's packet-counted one (the child
		// socket's packets_out does not include it).
		p--
	}
	if c.useSACK() {
		p -= c.sent.sackedBytes
	}
	return p
}

// useSACK reports whether the sender recovers with SACK information: the
// peer offered it and the mode is sack or rack.
func (c *Conn) useSACK() bool { return c.sackOK && c.cfg.Recovery.usesSACK() }

// recoveryMode is the mode this connection recovers with: Config.Recovery,
// except that sack and rack fall back to newreno when SACK was not
// negotiated, as Linux falls back to its Reno/NewReno path (tcp_is_reno)
// for a peer without SACK.
func (c *Conn) recoveryMode() RecoveryMode {
	if m := c.cfg.Recovery; !m.usesSACK() || c.sackOK {
		return m
	}
	return RecoveryNewReno
}

// sendAllowance is how many more bytes the congestion window lets the
// sender put into the network now, and how much of that is limited
// transmit's extra.
func (c *Conn) sendAllowance() (allow, limitedTransmit int) {
	if c.inRecovery && c.useSACK() {
		return c.prrSndcnt, 0
	}
	allow = c.cc.Cwnd() - c.pipe()
	if !c.inRecovery && !c.useSACK() && c.dupAcks > 0 && c.dupAcks < dupThresh {
		// Limited transmit (RFC 3042 §2): each of the first two duplicate
		// ACKs lets one new segment out beyond the window, up to cwnd plus
		// two segments in flight. With SACK recovery the SACKed bytes leave
		// the pipe, which has the same effect.
		extra := c.dupAcks * c.sndMSS
		return allow + extra, min(extra, allow+extra)
	}
	return allow, 0
}

// applySACK records the SACK blocks of an acceptable ACK whose cumulative
// acknowledgment is ack, and returns the bytes newly SACKed. A first block
// below the cumulative ACK or inside the second block is a D-SACK (RFC 2883
// §4): it reports a duplicate, not new data.
func (c *Conn) applySACK(now units.Time, ack Seq, o *Options) (newly int, dsack bool) {
	for i := 0; i < o.NumSACK; i++ {
		b := o.SACK[i]
		if !b.Start.LT(b.End) {
			continue
		}
		if i == 0 && (b.End.LEQ(ack) || o.NumSACK > 1 && b.Start.GEQ(o.SACK[1].Start) && b.End.LEQ(o.SACK[1].End)) {
			dsack = true
			continue
		}
		// Only the part above the cumulative ACK and below SND.NXT means
		// anything (RFC 2018 §4; a block beyond SND.NXT is bogus).
		start, end := MaxSeq(b.Start, ack), MinSeq(b.End, c.sndNxt)
		if start.LT(end) {
			newly += c.sackRange(now, start, end)
		}
	}
	if dsack {
		c.stats.DSACKsReceived++
	}
	return newly, dsack
}

// markLostRFC6675 marks every record RFC 6675's IsLost holds for: records
// with at least DupThresh discontiguous SACKed runs, or more than
// (DupThresh−1)·SMSS SACKed bytes, above them. It walks from the oldest
// record and stops at the first for which it no longer holds, as the SACKed
// data above can only shrink further along.
func (c *Conn) markLostRFC6675() {
	if c.sent.sackedBytes == 0 {
		return
	}
	bytes, runs := c.sent.sackedAbove(-1)
	inRun := false
	for i := 0; i < c.sent.len(); i++ {
		s := c.sent.at(i)
		if s.sacked {
			bytes -= s.len()
			if !inRun {
				runs--
			}
			inRun = true
			continue
		}
		inRun = false
		if runs < dupThresh && bytes <= (dupThresh-1)*c.sndMSS {
			return
		}
		c.sent.markLost(s, false)
	}
}

// enterRecovery starts fast recovery: one window reduction for the loss
// episode, the first retransmission sent at once whatever the window says
// (RFC 5681 §3.2 step 2, RFC 6675 §5 step 4), and PRR's counters.
func (c *Conn) enterRecovery(now units.Time) {
	c.inRecovery = true
	c.partialAcks = 0
	c.recover = c.sndMax
	c.stats.FastRetransmits++
	// FlightSize for the reduction is the data the window was covering:
	// without the segments limited transmit sent beyond cwnd, and, with
	// SACK, without what the receiver already holds. Either way the reduction
	// halves the window in use, as Linux's Reno (which halves cwnd) does
	// for a window-limited flow, instead of a figure inflated by data that
	// has left the network.
	flight := c.inflight()
	if c.useSACK() {
		flight -= c.sent.sackedBytes
	} else {
		flight = min(flight, c.cc.Cwnd())
	}
	c.ev = cc.Event{Kind: cc.Loss, Now: now, Inflight: flight}
	c.cc.OnCongestion(&c.ev)
	c.prrDelivered, c.prrOut, c.recoverFS, c.prrSndcnt = 0, 0, flight, 0
	if c.sent.len() > 0 {
		c.sent.markLost(c.sent.at(0), false)
	}
	c.rtxPending = true
}

// exitRecovery ends fast recovery.
func (c *Conn) exitRecovery(now units.Time) {
	c.inRecovery = false
	c.ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: c.inflight()}
	c.cc.OnCongestion(&c.ev)
}

// prrUpdate computes how much may be sent on this ACK during recovery
// (RFC 6937 §3): in proportion to what was delivered while the pipe is
// above ssthresh, then no faster than slow start back up to ssthresh
// (PRR-SSRB).
func (c *Conn) prrUpdate(delivered int) {
	c.prrDelivered += delivered
	pipe := c.pipe()
	ssthresh := c.cc.Ssthresh()
	var sndcnt int
	if pipe > ssthresh {
		if c.recoverFS > 0 {
			sndcnt = ceilDiv(c.prrDelivered*ssthresh, c.recoverFS) - c.prrOut
		}
	} else {
		limit := max(c.prrDelivered-c.prrOut, delivered) + c.sndMSS
		sndcnt = min(ssthresh-pipe, limit)
	}
	c.prrSndcnt = max(sndcnt, 0)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// onSent accounts for bytes put into the network during recovery.
func (c *Conn) onSentInRecovery(n int) {
	if c.inRecovery {
		c.prrOut += n
		c.prrSndcnt = max(c.prrSndcnt-n, 0)
	}
}

// nextLost returns the index of the oldest record deemed lost and not yet
// retransmitted, or -1 (RFC 6675 NextSeg rule 1).
func (c *Conn) nextLost() int {
	q := &c.sent
	if q.lostBytes == q.rtxBytes {
		return -1
	}
	for i := q.lostHint; i < q.n; i++ {
		if s := q.at(i); s.lost && !s.rtx {
			q.lostHint = i
			return i
		}
	}
	q.lostHint = q.n
	return -1
}

// nextRescue returns the oldest record neither SACKed, lost nor
// retransmitted that lies below the highest SACKed byte (RFC 6675 NextSeg
// rule 3), for use when there is no new data to send, or -1.
func (c *Conn) nextRescue() int {
	for i := 0; i < c.sent.len(); i++ {
		s := c.sent.at(i)
		if s.seq.GEQ(c.sent.highSacked) {
			break
		}
		if !s.sacked && !s.lost && !s.retransmitted {
			return i
		}
	}
	return -1
}

// sackRange marks the records inside [start, end) SACKed, splitting records
// the block's edges fall inside, and returns the bytes newly covered.
func (c *Conn) sackRange(now units.Time, start, end Seq) int {
	q := &c.sent
	newly := 0
	for i := q.find(start); i < q.n; i++ {
		s := q.at(i)
		if s.seq.GEQ(end) {
			break
		}
		if s.sacked {
			continue
		}
		if s.seq.LT(start) {
			q.split(i, start)
			continue // the next iteration sees the part inside the block
		}
		if s.end.GT(end) {
			q.split(i, end)
			s = q.at(i)
		}
		newly += s.len()
		c.rackDelivered(now, s)
		c.rateDelivered(now, s)
		q.markSacked(s)
	}
	return newly
}
