package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Loss recovery: deciding that data is lost, entering and leaving fast
// recovery, and how much may be sent while in it. The window during
// recovery is the sender's, as it is the core's in Linux (tcp_input.c), not
// the congestion control's: the algorithm gives ssthresh at Loss and gets
// the window back at RecoveryExit (see cc.CongestionControl).
//
// Four modes (RecoveryMode) decide what is lost and when recovery ends:
//
//   - reno: RFC 5681 §3.2. The third duplicate ACK marks SND.UNA's segment
//     lost and starts fast recovery; the first ACK of new data ends it, so
//     a window with several losses needs a fast retransmit, and a window
//     reduction, for each (or a timeout). Of a chain of such recoveries
//     ended by ACKs below "recover" (SND.MAX when each began), only the
//     first restarts the retransmission timer, as RFC 6582 §4.1's "Impatient"
//     rule does for NewReno's partial ACKs: otherwise every hole restarts
//     it and a window with many losses is repaired one hole per round trip
//     for as long as it takes, where a timeout repairs it in a few.
//   - newreno: as reno, but recovery lasts until everything outstanding at
//     its start ("recover") is acknowledged, with one window reduction for
//     all of it; each partial ACK marks the next hole lost (RFC 6582 §3.2).
//     A new recovery starts only once an ACK passes recover (§4.1's
//     protection against false fast retransmits). Only the first partial
//     ACK restarts the retransmit timer (§4.1, "Impatient"), so a window
//     with many losses falls back to a timeout rather than repairing one
//     hole per round trip. This is what Linux does without SACK.
//   - sack: RFC 6675. Duplicate ACKs are those that SACK new data; a
//     segment is lost once DupThresh discontiguous SACKed runs, or more
//     than (DupThresh−1)·SMSS SACKed bytes, lie above it.
//   - rack: as sack, with losses found by RACK's time-based rule and tail
//     losses probed by TLP (RFC 8985; see rack.go).
//
// In every mode what is sent during recovery follows proportional rate
// reduction (RFC 6937) as Linux's tcp_cwnd_reduction computes it (see
// prrUpdate), from Linux's tcp_packets_in_flight (pipe). Without SACK the
// SACKed data pipe subtracts is emulated from duplicate ACKs, as Linux's
// tcp_add_reno_sack does: each one stands for a segment that left the
// network. That emulation is also limited transmit (RFC 3042): the first
// two duplicate ACKs each let one new segment out. Recovery ends with cwnd
// = ssthresh (tcp_end_cwnd_reduction). An algorithm that is a
// cc.RecoveryController (BBR) sets its own window instead of PRR, as
// Linux's cong_control modules do.
//
// In every mode a retransmission timeout marks everything not SACKed lost
// and recovery proceeds by retransmitting lost records as the (reset)
// window allows, which is go-back-N without SACK and SACK-aware
// retransmission with it.

// dupThresh is RFC 5681's and RFC 6675's DupThresh.
const dupThresh = 3

// pipe is the sender's estimate of the bytes in the network (RFC 6675's
// pipe, Linux's tcp_packets_in_flight): outstanding, less what was SACKed
// (or, without SACK recovery, what duplicate ACKs stand for) and what is
// deemed lost, plus what was retransmitted.
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
	} else {
		p -= c.renoSacked
	}
	return p
}

// useSACK reports whether the sender recovers with SACK information: the
// peer offered it and the mode is sack or rack (sackRecovery, set with
// sackOK).
func (c *Conn) useSACK() bool { return c.sackRecovery }

// cwnd is the congestion window in force: the one PRR sets during fast
// recovery and during an ECN reduction (CWR), the algorithm's otherwise.
func (c *Conn) cwnd() int {
	if (c.inRecovery || c.inCWR) && !c.ccControlsRecovery {
		return c.recoveryCwnd
	}
	return c.cc.Cwnd()
}

// recoveryMode is the mode this connection recovers with: Config.Recovery,
// except that sack and rack fall back to newreno when SACK was not
// negotiated, as Linux falls back to its Reno/NewReno path (tcp_is_reno)
// for a peer without SACK. setSACKOK fixes it with sackOK.
func (c *Conn) recoveryMode() RecoveryMode { return c.recMode }

// setSACKOK records whether SACK is in use on the connection, with the
// answers of useSACK and recoveryMode, which depend on nothing else:
// Config, the host's, does not change under a connection.
func (c *Conn) setSACKOK(ok bool) {
	c.sackOK = ok
	m := c.cfg.Recovery
	c.sackRecovery = ok && m.usesSACK()
	if m.usesSACK() && !ok {
		m = RecoveryNewReno
	}
	c.recMode = m
}

// sendAllowance is how many more bytes the congestion window lets the
// sender put into the network now.
func (c *Conn) sendAllowance() int { return c.cwnd() - c.pipe() }

// addRenoSack counts a duplicate ACK without SACK recovery as one more
// segment delivered above SND.UNA (Linux's tcp_add_reno_sack) and returns
// the bytes it added. The count never claims every outstanding segment:
// at least one, or the ones deemed lost, are still missing
// (tcp_limit_reno_sacked).
func (c *Conn) addRenoSack() int {
	prior := c.renoSacked
	c.renoSacked += c.sndMSS
	c.limitRenoSacked()
	return max(c.renoSacked-prior, 0)
}

// limitRenoSacked keeps the duplicate-ACK count below what is outstanding
// less the holes (Linux's tcp_limit_reno_sacked).
func (c *Conn) limitRenoSacked() {
	outstanding := c.sndNxt.Sub(c.sndUna)
	holes := min(max(c.sent.lostBytes, c.sndMSS), outstanding)
	c.renoSacked = max(min(c.renoSacked, outstanding-holes), 0)
}

// newSACKInfo reports whether an ACK carries SACK information the sender
// has not seen, when the peer sends SACK blocks but the recovery mode
// (reno, newreno) does not use them. RFC 5681 §2 lets such an ACK count as
// a duplicate whatever its window says, and it must: a receiver that
// negotiated SACK grows its window with every out-of-order segment, as
// Linux's tcp_data_queue_ofo does for SACK flows, so the window test alone
// would never see a duplicate ACK and every loss would wait for the
// retransmission timer. The first block names the segment that caused the
// ACK (RFC 2018 §4), so a new first block is new information; a window
// update that repeats the blocks is not.
func (c *Conn) newSACKInfo(o *wire.Options) bool {
	if !c.sackOK || o.NumSACK == 0 {
		return false
	}
	b := o.SACK[0]
	if b == c.lastSACK {
		return false
	}
	c.lastSACK = b
	return true
}

// removeRenoSacks takes back what a cumulative ACK of acked bytes covers
// of the duplicate-ACK count and returns the bytes it newly delivered
// (Linux's tcp_remove_reno_sacks): one segment for the hole it filled, the
// rest were counted when their duplicate ACKs arrived.
func (c *Conn) removeRenoSacks(acked int) (delivered int) {
	if acked <= 0 {
		return 0
	}
	delivered = max(acked-c.renoSacked, min(acked, c.sndMSS))
	c.renoSacked = max(c.renoSacked-max(acked-c.sndMSS, 0), 0)
	c.limitRenoSacked()
	return delivered
}

// applySACK records the SACK blocks of an acceptable ACK whose cumulative
// acknowledgment is ack, and returns the bytes newly SACKed. A first block
// below the cumulative ACK or inside the second block is a D-SACK (RFC 2883
// §4): it reports a duplicate, not new data.
func (c *Conn) applySACK(now units.Time, ack Seq, o *wire.Options) (newly int, dsack bool) {
	// The blocks are taken in ascending order, as Linux's
	// tcp_sacktag_write_queue sorts them: RACK's RTT is that of the last
	// segment marked (tcp_rack_advance), so the order decides it.
	var order [wire.MaxSACKBlocks]int
	n := 0
	for i := 0; i < o.NumSACK && i < wire.MaxSACKBlocks; i++ {
		b := o.SACK[i]
		if !b.Start.LT(b.End) {
			continue
		}
		if i == 0 && (b.End.LEQ(ack) || o.NumSACK > 1 && b.Start.GEQ(o.SACK[1].Start) && b.End.LEQ(o.SACK[1].End)) {
			dsack = true
			if c.undoActive && c.undoRetrans > 0 && b.End.GT(c.undoMarker) {
				// A retransmission of the episode was not needed
				// (tcp_check_dsack, tcp_sacktag_one).
				c.undoRetrans = max(c.undoRetrans-ceilDiv(b.End.Sub(b.Start), c.sndMSS), 0)
			}
			continue
		}
		j := n
		for ; j > 0 && b.Start.LT(o.SACK[order[j-1]].Start); j-- {
			order[j] = order[j-1]
		}
		order[j] = i
		n++
	}
	for _, i := range order[:n] {
		b := o.SACK[i]
		// Only the part above the cumulative ACK and below SND.NXT means
		// anything (RFC 2018 §4; a block beyond SND.NXT is bogus).
		start, end := wire.MaxSeq(b.Start, ack), wire.MinSeq(b.End, c.sndNxt)
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
// (DupThresh−1)·SMSS SACKed bytes, above them. What lies above a record
// only shrinks further up the queue, so the records it holds for are those
// not SACKed up to the newest, U, for which it does. U sits just below one
// of the top three SACKed runs, which the runs' hints find from the highest
// SACKed byte down; the holes between those runs are walked only while the
// runs above hold at most (DupThresh−1)·SMSS bytes, which lasts until the
// next few segments are SACKed. Everything below the queue's lostBelow is
// already lost, so neither search nor marking goes below it, and the
// marking costs what it marks.
func (c *Conn) markLostRFC6675() {
	q := &c.sent
	if q.sackedBytes == 0 {
		return
	}
	u := -1
	runs, bytes := 0, 0
	for i := q.find(q.highSacked.Add(-1)); i >= q.lostBelow; {
		// Record i is the top of a SACKed run.
		start := q.sackedRunStart(i)
		runs++
		bytes += q.at(i).end.Sub(start)
		j := q.find(start) - 1
		if runs >= dupThresh || bytes > (dupThresh-1)*c.sndMSS {
			u = j
			break
		}
		for j >= q.lostBelow && !q.at(j).sacked {
			j--
		}
		i = j
	}
	for i := q.lostBelow; i <= u; i++ {
		if q.at(i).sacked {
			i = q.find(q.sackedRunEnd(i)) - 1
			continue
		}
		q.markLost(i, false)
	}
	q.lostBelow = max(q.lostBelow, u+1)
}

// enterRecovery starts fast recovery: one window reduction for the loss
// episode (Linux's tcp_init_cwnd_reduction), the first retransmission sent
// at once whatever the window says (RFC 5681 §3.2 step 2, RFC 6675 §5 step
// 4), and PRR's counters.
func (c *Conn) enterRecovery(now units.Time) {
	c.inRecovery = true
	c.partialAcks = 0
	c.recover = c.sndMax
	c.stats.FastRetransmits++
	if c.inCWR {
		// A loss during an ECN reduction continues it: one reduction for
		// both signals, with PRR's counters kept (tcp_enter_recovery
		// calls tcp_init_cwnd_reduction only outside CWR).
		c.inCWR = false
	} else {
		// FlightSize for the reduction is the data the window was covering,
		// without the segments limited transmit sent beyond cwnd: the
		// reduction halves the window in use, as Linux's Reno halves cwnd
		// (tcp_reno_ssthresh, called from tcp_init_cwnd_reduction) for a
		// window-limited flow. Data the receiver SACKed still counts: Linux's
		// cwnd covered it when it was sent, and a smaller ssthresh would hold
		// PRR back from retransmitting a second hole in the same round trip.
		c.priorCwnd = c.cc.Cwnd()
		// tcp_init_undo, and prior_ssthresh as tcp_current_ssthresh.
		c.undoActive, c.undoRetransSent, c.undoMarker, c.undoRetrans = true, false, c.sndUna, 0
		c.undoPriorCwnd = c.priorCwnd
		c.undoPriorSsthr = max(c.cc.Ssthresh(), c.priorCwnd/4*3)
		flight := min(c.inflight(), c.priorCwnd)
		c.ev = cc.Event{Kind: cc.Loss, Now: now, Inflight: flight}
		c.cc.OnCongestion(&c.ev)
		// Until PRR runs on a delivery the window stays where it was, as
		// Linux's does between tcp_init_cwnd_reduction and the first
		// tcp_cwnd_reduction.
		c.prrDelivered, c.prrOut, c.recoveryCwnd = 0, 0, c.priorCwnd
	}
	if c.sent.len() > 0 {
		c.sent.markLost(0, false)
	}
	c.rtxPending = true
}

// enterCWR answers an ECN-Echo (RFC 3168 §6.1.2) as Linux's tcp_enter_cwr
// does: the algorithm sets ssthresh, and the window falls to it by
// proportional rate reduction over the next round trip, from the ACK that
// carried the echo on (tcp_cwnd_reduction in CA_CWR), instead of at
// once. An algorithm that controls its window in recovery (BBR) sets it
// itself.
func (c *Conn) enterCWR(now units.Time) {
	if !c.ccControlsRecovery {
		c.inCWR = true
		c.priorCwnd = c.cc.Cwnd()
		c.prrDelivered, c.prrOut, c.recoveryCwnd = 0, 0, c.priorCwnd
	}
	c.ev = cc.Event{Kind: cc.ECN, Now: now, Inflight: c.inflight()}
	c.cc.OnCongestion(&c.ev)
}

// exitCWR ends an ECN reduction with cwnd = ssthresh, once an ACK
// acknowledges data sent after it began, and so the CWR flag
// (tcp_fastretrans_alert's exit from CA_CWR, tcp_end_cwnd_reduction).
func (c *Conn) exitCWR(now units.Time) {
	c.inCWR = false
	c.ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: c.inflight(), Cwnd: c.cc.Ssthresh()}
	c.cc.OnCongestion(&c.ev)
}

// tryUndoDSACK takes back the last loss episode's reduction once D-SACKs
// have reported every one of its retransmissions as unneeded, outside
// recovery, as Linux's tcp_try_undo_dsack does in the Open and Disorder
// states: the window becomes the larger of cwnd and cwnd before the
// reduction, ssthresh the one before it (tcp_undo_cwnd_reduction). An
// algorithm that controls recovery keeps its own window.
func (c *Conn) tryUndoDSACK(now units.Time) {
	if !c.undoActive || !c.undoRetransSent || c.undoRetrans > 0 || c.inRecovery || c.rtoRecovery {
		return
	}
	c.undoActive = false
	if c.ccControlsRecovery {
		return
	}
	if c.undoPriorSsthr > c.cc.Ssthresh() {
		c.cwrPending = false // tcp_ecn_withdraw_cwr
	}
	c.ev = cc.Event{Kind: cc.Undo, Now: now, Inflight: c.inflight(), Cwnd: c.undoPriorCwnd, Ssthresh: c.undoPriorSsthr}
	c.cc.OnCongestion(&c.ev)
}

// processLoss handles an ACK in the Loss state, after a retransmission
// timeout, as Linux's tcp_process_loss does, with F-RTO (RFC 5682 §3.1 in
// Linux's SACK-enhanced form) when Config.FRTO is on. "recover" is Linux's
// high_seq, SND.MAX at the timeout. In order:
//
//   - an ACK that advances SND.UNA when every retransmission of the
//     episode has been reported unneeded by D-SACKs undoes the timeout
//     (tcp_try_undo_loss without F-RTO; the timestamp test of
//     tcp_packet_delayed is not modelled);
//   - under F-RTO, an ACK or SACK that delivers data never retransmitted
//     (step 3b, FLAG_ORIG_SACK_ACKED) shows the timeout was spurious: it
//     is undone, lost marks and all. Without SACK an ACK that also covers
//     a retransmission proves nothing (tcp_clean_rtx_queue clears the flag);
//   - once new data went out (step 2b), a SACK of anything or a duplicate
//     ACK shows the loss was real (step 3a): F-RTO ends and go-back-N
//     goes on;
//   - before that, the first ACK that advances SND.UNA without reaching
//     "recover" moves "recover" to SND.MAX and has new data sent instead of
//     retransmissions (step 2b, REXMIT_NEW), if there is new data and the
//     peer's window has room for it; otherwise F-RTO ends.
//
// It reports whether the timeout was undone.
func (c *Conn) processLoss(now units.Time, unaAdvanced, dupAck bool, sacked int) bool {
	if unaAdvanced && c.undoActive && c.undoRetransSent && c.undoRetrans == 0 {
		if c.undoLoss(now, false) {
			return true
		}
	}
	if !c.frto {
		return false
	}
	orig := c.origAcked && (c.useSACK() || !c.rtxAcked)
	if orig && c.undoLoss(now, true) {
		return true
	}
	if c.sndMax.GT(c.recover) {
		if sacked > 0 || dupAck {
			c.frto = false
		}
	} else if unaAdvanced && c.sndUna.LT(c.recover) {
		c.recover = c.sndMax
		if c.Unsent() > 0 && c.sndUna.Add(c.sndWnd).GT(c.sndMax) {
			c.frtoNew = true
			return false
		}
		c.frto = false
	}
	return false
}

// undoLoss takes back a timeout's reduction (tcp_try_undo_loss with
// tcp_undo_cwnd_reduction(unmark_loss)): every lost mark goes, the window
// and ssthresh from before the timeout come back through cc.Undo, and the
// connection leaves the Loss state. Without SACK it stays in it while
// SND.UNA is exactly "recover", as Linux holds a Reno sender there until
// something above it is acknowledged (tcp_is_non_sack_preventing_reopen).
// A D-SACK undo without F-RTO leaves a connection without SACK recovery
// in the Loss state too.
func (c *Conn) undoLoss(now units.Time, frtoUndo bool) bool {
	c.sent.unmarkLost()
	if c.undoActive && c.undoPriorSsthr > 0 {
		c.ev = cc.Event{Kind: cc.Undo, Now: now, Inflight: c.inflight(), Cwnd: c.undoPriorCwnd, Ssthresh: c.undoPriorSsthr}
		c.cc.OnCongestion(&c.ev)
	}
	c.undoActive = false
	c.retries = 0
	c.stats.LossUndos++
	if !c.useSACK() && c.sndUna == c.recover {
		return true
	}
	if frtoUndo || c.useSACK() {
		c.rtoRecovery, c.frto, c.frtoNew = false, false, false
		c.renoSacked = 0
		// Nothing before SND.UNA is part of an episode any longer: a
		// loss found next starts fast recovery (Linux has no such guard).
		c.recover = c.sndUna.Add(-1)
	}
	return true
}

// exitRecovery ends fast recovery with cwnd = ssthresh (Linux's
// tcp_end_cwnd_reduction), which the algorithm takes from the event.
func (c *Conn) exitRecovery(now units.Time) {
	c.inRecovery = false
	if c.sndUna.GEQ(c.recover) {
		// Everything outstanding at the loss is acknowledged: what
		// duplicate ACKs reported is covered (Linux's tcp_reset_reno_sack).
		// When the reno mode ends recovery at a partial ACK, the segments
		// they stood for are still held above the next hole, and a pipe
		// that counted them in flight again would let the next episode
		// start from a window of data the receiver already has.
		c.renoSacked = 0
	}
	c.ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: c.inflight(), Cwnd: c.cc.Ssthresh()}
	c.cc.OnCongestion(&c.ev)
}

// prrUpdate sets the window for one ACK during recovery as Linux's
// tcp_cwnd_reduction does (RFC 6937): newly is what the ACK delivered
// (cumulatively or by SACK, counted once; Linux's newly_acked_sacked),
// newlyLost what it newly marked lost, unaAdvanced whether SND.UNA moved.
// While the pipe is above ssthresh the sender sends in proportion to what
// was delivered, ssthresh/cwnd_at_loss of it (proportional rate
// reduction); at or below it, it sends what was delivered, one segment
// more on an ACK that advanced SND.UNA without finding a new loss, never
// more than brings the pipe back to ssthresh (PRR-SSRB, RFC 6937 §3.1 with
// Linux's conditions). The first call of an episode lets at least one
// segment out, the fast retransmission. Like Linux, an ACK that delivers
// nothing leaves the window alone.
func (c *Conn) prrUpdate(newly, newlyLost int, unaAdvanced bool) {
	if newly <= 0 || c.priorCwnd <= 0 {
		return
	}
	c.prrDelivered += newly
	pipe := c.pipe()
	ssthresh := c.cc.Ssthresh()
	var sndcnt int
	if delta := ssthresh - pipe; delta < 0 {
		// Linux counts packets, so the proportional share is rounded up
		// to whole segments: DIV_ROUND_UP(ssthresh·prr_delivered,
		// prior_cwnd) in segments.
		sndcnt = ceilDiv(ssthresh*c.prrDelivered, c.priorCwnd*c.sndMSS)*c.sndMSS - c.prrOut
	} else {
		sndcnt = max(c.prrDelivered-c.prrOut, newly)
		if unaAdvanced && newlyLost == 0 {
			sndcnt += c.sndMSS
		}
		sndcnt = min(delta, sndcnt)
	}
	if c.prrOut == 0 {
		sndcnt = max(sndcnt, c.sndMSS)
	}
	c.recoveryCwnd = pipe + max(sndcnt, 0)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// onSentInRecovery accounts for bytes put into the network during
// recovery.
func (c *Conn) onSentInRecovery(n int) {
	if c.inRecovery || c.inCWR {
		c.prrOut += n
	}
}

// nextLost returns the index of the oldest record deemed lost and not yet
// retransmitted, or -1 (RFC 6675 NextSeg rule 1).
func (c *Conn) nextLost() int { return c.sent.oldestToResend() }

// nextRescue returns the oldest record neither SACKed, lost nor
// retransmitted that lies below the highest SACKed byte (RFC 6675 NextSeg
// rule 3), for use when there is no new data to send, or -1.
func (c *Conn) nextRescue() int {
	q := &c.sent
	i := q.rescueHint
	for ; i < q.n; i++ {
		s := q.at(i)
		if s.seq.GEQ(q.highSacked) {
			break
		}
		if !s.sacked && !s.lost && !s.retransmitted {
			q.rescueHint = i
			return i
		}
	}
	q.rescueHint = i
	return -1
}

// sackRange marks the records inside [start, end) SACKed, splitting records
// the block's edges fall inside, and returns the bytes newly covered.
// Records earlier blocks covered are jumped over, a SACKed run at a time.
func (c *Conn) sackRange(now units.Time, start, end Seq) int {
	q := &c.sent
	newly := 0
	for i := q.find(start); i < q.n; i++ {
		s := q.at(i)
		if s.seq.GEQ(end) {
			break
		}
		if s.sacked {
			i = q.find(q.sackedRunEnd(i)) - 1
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
		if !s.retransmitted && s.end.LEQ(c.recover) {
			c.origAcked = true // FLAG_ORIG_SACK_ACKED, tcp_sacktag_one
		}
		c.rackDelivered(now, s)
		c.rateDelivered(now, s)
		q.markSacked(i)
		// All of the block is SACKed once this loop is done.
		s.runStart, s.runEnd = start, end
	}
	return newly
}
