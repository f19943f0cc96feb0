package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Segment arrival, in the order of RFC 9293 §3.10.7: SYN-SENT on its own,
// then for every other state the sequence check, RST, SYN, ACK, data and FIN
// steps.

// input processes one segment addressed to c.
func (c *Conn) input(now units.Time, s *wire.Segment) {
	c.stats.SegmentsReceived++
	c.tsoValid = false // the ACK may change the pacing rate (push.go)
	c.tsoDeferred = false
	switch c.state {
	case Closed, Listen:
		return
	case SynSent:
		c.inputSynSent(now, s)
		return
	case TimeWait:
		if c.cfg.LinuxSegmentChecks {
			c.inputTimeWait(now, s)
			return
		}
	}

	// Simultaneous open (RFC 9293 §3.5, figure 8): in SYN-RECEIVED the
	// peer's SYN-ACK repeats its SYN and acknowledges ours. Its SYN was
	// already taken; what matters is the ACK, so the segment is processed
	// as that ACK (Linux accepts it the same way).
	if c.state == SynReceived && s.Has(FlagSYN|FlagACK) && s.Seq == c.irs && s.Ack == c.iss.Add(1) && c.listener == nil {
		// Its SYN occupied a sequence number that was received before: it
		// is acknowledged at once, and Linux, whose tcp_validate_incoming
		// lets this segment through to tcp_data_queue as a retransmission
		// of old data, reports the SYN's byte with a D-SACK (RFC 2883) and
		// enters quick-ACK mode.
		if c.cfg.LinuxSegmentChecks {
			c.owedDSACK(s.Seq, s.Seq.Add(1))
			c.incrQuickACK(maxQuickACKs)
		}
		s.Flags &^= FlagSYN
		s.Seq = s.Seq.Add(1)
		c.ackNow = true
	}

	// PAWS (RFC 7323 §5.3): once timestamps are in use, a segment whose
	// timestamp is older than the most recent one accepted is an old
	// duplicate from a previous wrap of the sequence space; drop it and
	// acknowledge. A segment without a timestamp is dropped silently
	// (§3.2).
	if c.tsOK && !s.Has(FlagRST) && c.state.synchronized() {
		if !s.Opts.HasTimestamps {
			c.stats.PAWSDrops++
			return
		}
		if int32(s.Opts.TSVal-c.tsRecent) < 0 {
			c.stats.PAWSDrops++
			// Linux's tcp_validate_incoming: a SYN draws a challenge
			// ACK, anything else a rate-limited duplicate ACK.
			if s.Has(FlagSYN) {
				c.challengeACK(now)
			} else if !c.dupACKLimited(now, s) {
				c.ackNow = true
			}
			return
		}
	}

	// First: is the segment acceptable (§3.10.7.4)? A SYN that is not
	// draws a challenge ACK (RFC 5961 §4.2 applies whatever its sequence
	// number), any other segment but a RST a duplicate ACK, rate-limited
	// as Linux's tcp_validate_incoming limits it (challenge.go).
	if !c.acceptable(s) {
		c.stats.DroppedSegments++
		if s.Has(FlagSYN) && !s.Has(FlagRST) {
			c.challengeACK(now)
			return
		}
		if !s.Has(FlagRST) && !c.dupACKLimited(now, s) {
			c.ackNow = true
			if n := len(s.Payload); n > 0 && s.Seq.LT(c.rcvBuf.nxt) {
				// Data received before: our ACK was probably lost, so
				// quick-ACK mode (Linux's tcp_send_dupack).
				c.enterQuickACKMode(maxQuickACKs)
			}
			if n := len(s.Payload); n > 0 && s.Seq.Add(n).LEQ(c.rcvBuf.nxt) {
				// Data received before: report it with a D-SACK (RFC 2883).
				c.owedDSACK(s.Seq, s.Seq.Add(n))
			}
			if c.state == TimeWait && s.Has(FlagFIN) {
				// A retransmitted FIN means our last ACK was lost: ACK it
				// again and restart the 2·MSL wait (§3.10.7.4, eighth step).
				c.timeWait = now.Add(2 * c.cfg.MSL)
			}
		}
		return
	}

	// Second: RST. Only a RST exactly at RCV.NXT resets; one elsewhere in
	// the window draws a challenge ACK (RFC 5961 §3.2).
	if s.Has(FlagRST) {
		if c.state == TimeWait {
			// RFC 1337 §3: a RST must not cut TIME-WAIT short.
			return
		}
		if s.Seq == c.rcvNxt() {
			c.stats.DroppedSegments++
			c.terminate(ErrConnectionReset)
		} else {
			c.challengeACK(now)
		}
		return
	}

	// Fourth: a SYN in a synchronized state is answered with a challenge ACK
	// (RFC 5961 §4.2), never with a reset.
	if s.Has(FlagSYN) {
		c.challengeACK(now)
		return
	}

	// Fifth: ACK.
	if !s.Has(FlagACK) {
		return
	}
	c.armKeepalive(now)
	if c.state == SynReceived {
		if !s.Ack.GT(c.sndUna) || s.Ack.GT(c.sndMax) {
			c.host.queueRST(c.id, s.Ack, 0, false)
			return
		}
		c.state = Established
		if c.finQueued {
			c.state = FinWait1
		}
		c.host.established(now, c)
		if c.finValid && c.rcvBuf.nxt == c.peerFin {
			defer c.receiveFIN(now, c.peerFin)
		}
		c.armKeepalive(now)
	}
	if !c.processAck(now, s) {
		return
	}
	if !c.cfg.LinuxSegmentChecks {
		c.replaceTSRecent(s)
	}

	if c.ecnOK && len(s.Payload) > 0 {
		ce := s.ECN == wire.ECNCE
		if ce {
			c.stats.CEReceived++
		}
		if s.Has(FlagCWR) && c.cfg.QuickACK {
			// The sender has just cut its window, maybe to a single
			// segment, which a delayed ACK would leave waiting: Linux's
			// tcp_ecn_accept_cwr acknowledges data carrying CWR at once.
			c.ackNow = true
		}
		switch {
		case c.exactECNEcho():
			// DCTCP's receiver (RFC 8257 §3.2): ECE mirrors the CE state of
			// the data it acknowledges. When the state flips while an ACK
			// is being delayed, the data received so far is acknowledged
			// at once with the old state; the segment that flipped it is
			// acknowledged at once too, with the new state (Linux's
			// dctcp_ece_ack_update forces an immediate ACK on every change,
			// so the sender sees the change within a segment).
			if ce != c.eceEcho {
				if c.ackPending > 0 || c.ackAt != units.Never {
					// The state ACK settles what was pending.
					c.stateAck, c.stateAckSeq, c.stateAckECE = true, c.rcvNxt(), c.eceEcho
					c.ackPending, c.ackAt = 0, units.Never
				}
				c.eceEcho = ce
				c.ackNow = true
			}
		default:
			// RFC 3168 §6.1.3: a CE mark makes every ACK carry ECE until
			// a segment with CWR arrives.
			if s.Has(FlagCWR) {
				c.eceEcho = false
			}
			if ce && !c.eceEcho {
				// The sender's window may be tiny: Linux's
				// __tcp_ecn_check_ce grants two quick ACKs on the mark
				// that starts an echo.
				c.enterQuickACKMode(2)
			}
			if ce {
				c.eceEcho = true
			}
		}
	}

	if s.Has(FlagFIN) && !c.finRcvd && c.state.canReceive() {
		// Nothing beyond the peer's FIN is data: note where it is before
		// the text is taken, so that neither this segment's data nor data
		// received out of order earlier can carry RCV.NXT past it.
		fin := s.Seq.Add(len(s.Payload))
		if !c.finValid && fin.GEQ(c.rcvBuf.nxt) && fin.Sub(c.rcvBuf.nxt) <= max(c.rcvAdv.Sub(c.rcvBuf.nxt), 0) {
			c.finValid, c.peerFin = true, fin
			c.rcvBuf.truncateAbove(fin)
		}
	}

	if n := s.SeqLen(); n > 0 && s.Seq.Add(n).LEQ(c.rcvNxt()) {
		// Everything it carries arrived before (Linux's tcp_sequence lets
		// such a segment in when it ends at RCV.WUP): our ACK was lost, so
		// acknowledge at once and enter quick-ACK mode (tcp_data_queue).
		c.ackNow = true
		c.enterQuickACKMode(maxQuickACKs)
	}

	// Seventh: segment text. An application that closed (not half-closed)
	// reads nothing more: new data is answered with RST, as Linux does for
	// an orphaned socket.
	if len(s.Payload) > 0 && c.orphaned && s.Seq.Add(len(s.Payload)).GT(c.rcvNxt()) && (c.state == FinWait1 || c.state == FinWait2) {
		c.host.queueRST(c.id, c.sndNxt, 0, false)
		c.terminate(ErrConnectionReset)
		return
	}
	if len(s.Payload) > 0 && c.state.canReceive() {
		c.receiveData(now, s.Seq, s.Payload, s.Flags)
	}

	// Eighth: FIN.
	if s.Has(FlagFIN) {
		c.receiveFIN(now, s.Seq.Add(len(s.Payload)))
	}
	c.finishSegment(now)
}

// acceptable applies the four-case test of RFC 9293 §3.10.7.4, or with
// Config.LinuxSegmentChecks Linux's tcp_sequence.
func (c *Conn) acceptable(s *wire.Segment) bool {
	nxt := c.rcvBuf.nxt
	if c.finRcvd {
		nxt = nxt.Add(1)
	}
	// RCV.WND is the window last advertised, not whatever space reading
	// has freed since: a closed window stays closed until it is reopened
	// by an advertisement (receiver silly window avoidance depends on it).
	wnd := max(c.rcvAdv.Sub(nxt), 0)
	n := s.SeqLen()
	if c.cfg.LinuxSegmentChecks && c.state != TimeWait {
		// tcp_sequence (TIME-WAIT has its own checks in Linux,
		// tcp_timewait_state_process, which the RFC test matches).
		end, right := s.Seq.Add(n), nxt.Add(wnd)
		switch {
		case end.LT(c.rcvWup):
			return false
		case !end.GT(right):
			return true
		case s.Seq.GT(right):
			return false
		default:
			// Beyond the window: only into an empty receive queue.
			return c.rcvBuf.unread == 0
		}
	}
	switch {
	case n == 0 && wnd == 0:
		return s.Seq == nxt
	case n == 0:
		return s.Seq.InWindow(nxt, wnd)
	case wnd == 0:
		return false
	default:
		return s.Seq.InWindow(nxt, wnd) || s.Seq.Add(n-1).InWindow(nxt, wnd)
	}
}

// replaceTSRecent remembers the peer's timestamp from a segment at or
// before the last acknowledgment point, to echo it back (RFC 7323 §4.3,
// Linux's tcp_replace_ts_recent); PAWS has already checked it is not
// older.
func (c *Conn) replaceTSRecent(s *wire.Segment) {
	if c.tsOK && s.Opts.HasTimestamps && s.Seq.LEQ(c.rcvWup) {
		c.tsRecent = s.Opts.TSVal
	}
}

// inputSynSent handles a segment while our SYN awaits its answer
// (§3.10.7.3).
func (c *Conn) inputSynSent(now units.Time, s *wire.Segment) {
	if s.Has(FlagACK) && (s.Ack.LEQ(c.iss) || s.Ack.GT(c.sndMax)) {
		if !s.Has(FlagRST) {
			c.host.queueRST(c.id, s.Ack, 0, false)
		}
		if c.retries == 0 && c.cfg.LinuxSegmentChecks {
			// Our RST may have cleared a stale connection at the peer
			// (a previous FIN or RST of ours lost): Linux's
			// tcp_rcv_synsent_state_process resends the SYN almost at
			// once, after TCP_TIMEOUT_MIN.
			c.rtxAt, c.rtxKind = now.Add(synRetryMin), timerRTO
		}
		return
	}
	if s.Has(FlagRST) {
		if s.Has(FlagACK) {
			c.terminate(ErrConnectionRefused)
		}
		return
	}
	if !s.Has(FlagSYN) {
		return
	}
	c.irs = s.Seq
	c.rcvBuf.nxt = s.Seq.Add(1)
	c.rcvWup = c.rcvBuf.nxt
	c.negotiateSYN(s)
	c.sndWnd = int(s.Window) // windows in SYNs are never scaled (RFC 7323 §2.2)
	c.maxSndWnd = c.sndWnd
	c.rcvAdv = c.rcvBuf.nxt.Add(c.cfg.synWindow(c.cfg.MSS)) // what our SYN offered
	c.initRcvWindow(c.rcvAdv.Sub(c.rcvWup), c.advMSS())
	c.sndWl1, c.sndWl2 = s.Seq, s.Ack
	if s.Opts.HasTimestamps && c.tsOK {
		c.tsRecent = s.Opts.TSVal
	}
	if s.Has(FlagACK) {
		c.fastOpenSynAck(s)
		c.state = Established
		c.ackSegments(now, s.Ack)
		c.rtxAt = units.Never
		c.ackNow = true
		c.host.established(now, c)
		c.armKeepalive(now)
	} else {
		// Simultaneous open: answer with SYN-ACK (§3.5, figure 8). It
		// acknowledges the SYN alone (SEG.SEQ+1, §3.10.7.3): like Linux's
		// tcp_rcv_synsent_state_process, which discards the rest of a
		// crossed SYN, its data and FIN are not taken; the peer sends them
		// again.
		c.state = SynReceived
		c.sndNxt = c.iss
		return
	}
	if len(s.Payload) > 0 {
		c.receiveData(now, s.Seq.Add(1), s.Payload, s.Flags)
	}
	if s.Has(FlagFIN) {
		c.receiveFIN(now, s.Seq.Add(1+len(s.Payload)))
	}
	c.finishSegment(now)
}

// negotiateSYN applies what the peer's SYN or SYN-ACK offers: its options,
// and ECN (RFC 3168 §6.1.1), set up by ECE and CWR on a SYN and confirmed by
// ECE alone on the SYN-ACK.
func (c *Conn) negotiateSYN(s *wire.Segment) {
	c.negotiate(&s.Opts)
	if s.Has(FlagACK) {
		c.ecnOK = c.cfg.ECN && s.Flags&(FlagECE|FlagCWR) == FlagECE
	} else {
		c.ecnOK = c.cfg.ECN && s.Has(FlagECE|FlagCWR)
	}
}

// negotiate applies the peer's SYN options: MSS (536 when absent, RFC 9293
// §3.7.1), window scale only when both sides sent it with shifts clamped to
// 14 (RFC 7323 §2.3), timestamps and SACK only when both offered them.
func (c *Conn) negotiate(o *wire.Options) {
	peerMSS := 536
	if o.HasMSS && o.MSS > 0 {
		peerMSS = int(o.MSS)
	}
	// A peer may announce a tiny MSS; like Linux (tcp_min_snd_mss) the
	// sender never goes below 48 bytes of payload.
	c.sndMSS = max(min(peerMSS, c.cfg.MSS), 64)
	if c.cfg.WindowScaling && o.HasWScale {
		c.sndShift = min(o.WScale, maxWindowShift)
		c.rcvShift = c.cfg.windowShift()
	} else {
		c.sndShift, c.rcvShift = 0, 0
	}
	c.tsOK = c.cfg.Timestamps && o.HasTimestamps
	if c.tsOK {
		c.sndMSS -= 12 // the timestamp option rides on every segment
	}
	c.setSACKOK(c.cfg.SACK && o.SACKPermitted)
}

// processAck handles the ACK field of an acceptable segment. It returns
// false if the segment must not be processed further.
func (c *Conn) processAck(now units.Time, s *wire.Segment) bool {
	ack := s.Ack
	if ack.GT(c.sndMax) {
		// It acknowledges something not yet sent: ACK and drop
		// (§3.10.7.4). Linux answers with a challenge ACK, which is
		// rate-limited (tcp_ack's ACK_UNSENT_DATA case, as in 6.18's
		// stable releases; RFC 5961 §5.2).
		if c.cfg.LinuxSegmentChecks {
			c.challengeACK(now)
		} else {
			c.ackNow = true
		}
		return false
	}
	wnd := int(s.Window) << c.sndShift
	if ack.LT(c.sndUna) {
		// An old duplicate ACK, processed as such, unless it is older than
		// any window the peer could have acknowledged from: then it is a
		// blind injection, dropped with a challenge ACK (RFC 5961 §5.2).
		// Linux's tcp_ack bounds the window by what has been acknowledged
		// at all (bytes_acked, where the SYN counts), so a young
		// connection is not fooled by its peer's large window.
		maxWnd := int64(c.maxSndWnd)
		if c.cfg.LinuxSegmentChecks {
			maxWnd = min(maxWnd, c.stats.BytesAcked+1)
		}
		if int64(c.sndUna.Sub(ack)) > maxWnd {
			c.challengeACK(now)
			return false
		}
		if c.useSACK() && s.Opts.NumSACK > 0 {
			c.oldACKSACK(now, ack, &s.Opts)
		}
		return true
	}
	if c.cfg.LinuxSegmentChecks {
		// tcp_ack refreshes TS.Recent here: the ACK is neither old nor
		// beyond SND.NXT.
		c.replaceTSRecent(s)
	}
	windowChanged := wnd != c.sndWnd
	if c.sndWl1.LT(s.Seq) || c.sndWl1 == s.Seq && c.sndWl2.LEQ(ack) {
		c.sndWnd, c.sndWl1, c.sndWl2 = wnd, s.Seq, ack
		c.maxSndWnd = max(c.maxSndWnd, wnd)
	}
	if c.sndMax == c.sndUna && !c.persisting && (s.Opts.NumSACK == 0 || !c.useSACK()) {
		// Nothing of ours is in flight (so the ACK is SND.UNA itself:
		// anything else returned above), no probe is pending and no
		// SACK block needs reading: a receiver's usual segment, data
		// with an ACK that acknowledges nothing new, Linux's header-
		// predicted fast path (tcp_rcv_established). Everything below
		// would only come to the window-update case and return.
		c.origAcked, c.rtxAcked, c.frtoNew = false, false, false
		return true
	}
	priorInflight, priorUna := c.pipe(), c.sndUna
	// The sample is filled in place, field by field: these fields here,
	// the others (Sacked, Acked, Lost and fillAck's) on every path that
	// reaches OnAck below, so nothing of the previous ACK's is left.
	// Clearing the whole struct first would clear the rate sample that
	// fillAck writes anyway.
	a := &c.ack
	a.Now, a.PriorInflight, a.ECE = now, priorInflight, s.Has(FlagECE)
	a.SlowStartLimit = c.cfg.SlowStartLimitSegments * c.sndMSS
	a.RTT, a.DupAck = 0, false // rttSample and the duplicate-ACK case set them
	a.TSval, a.TSecr = 0, 0
	if c.tsOK && s.Opts.HasTimestamps {
		// Linux's rx_opt.rcv_tsval and rcv_tsecr, the echo less this
		// connection's offset (tcp_fast_parse_options).
		a.TSval, a.TSecr = s.Opts.TSVal, s.Opts.TSEcr-c.tsOffset
	}
	lostBefore, deliveredBefore := c.sent.lostTotal, c.rate.delivered
	c.origAcked, c.rtxAcked, c.frtoNew = false, false, false

	// Selective acknowledgments first, so that records they cover count as
	// delivered before the cumulative ACK removes what is below it.
	sacked, dsack := 0, false
	if c.useSACK() && s.Opts.NumSACK > 0 {
		sacked, dsack = c.applySACK(now, ack, &s.Opts)
		if dsack {
			c.rackOnDSACK()
			if c.rack.tlpActive && c.rack.tlpRetrans {
				c.rack.tlpDSACKed = true
			}
		}
	}
	a.Sacked = sacked

	if c.persisting {
		// The peer answered a probe: it is alive, however long its window
		// stays closed (RFC 1122 §4.2.2.17).
		c.retries = 0
	}
	if c.persisting && c.sndWnd > 0 {
		// The window has opened: probing is over. A probe that carried a
		// byte beyond the window is data in flight like any other, so it
		// gets the retransmission timer (RFC 6298 §5.1); nothing else
		// would rearm it if this ACK acknowledges nothing.
		c.persisting = false
		c.rtxAt, c.rtxKind = units.Never, timerRTO
		if c.sndUna != c.sndMax {
			c.rtxAt = now.Add(c.rtt.current())
		}
	}

	acked, renoDelivered := 0, 0
	progress := ack.GT(c.sndUna)
	if progress {
		priorUna := c.sndUna
		acked = c.ackSegments(now, ack)
		c.dupAcks = 0
		if !c.useSACK() {
			// Linux's tcp_remove_reno_sacks, on the sequence space the ACK
			// covered.
			covered := ack.Sub(priorUna)
			renoDelivered = c.removeRenoSacks(covered)
			// What the duplicate ACKs already counted as delivered is not
			// delivered again (see below).
			counted := int(c.rate.delivered - deliveredBefore)
			c.rate.delivered -= int64(min(max(covered-renoDelivered, 0), counted))
		}
		if a.RTT == 0 && c.tsOK && s.Opts.HasTimestamps && s.Opts.TSEcr != 0 {
			// Karn's rule left this ACK without a sample, but the echoed
			// timestamp says which transmission it answers (RFC 7323 §4.1),
			// at the timestamp clock's 1 ms resolution. Like Linux, the
			// sender's own per-segment timing is preferred when it exists.
			c.rttSample(now.Sub(c.tsTime(s.Opts.TSEcr)))
		}
	} else if c.sndMax != c.sndUna && len(s.Payload) == 0 && s.Flags&(FlagSYN|FlagFIN) == 0 && wnd > 0 &&
		(sacked > 0 || !c.useSACK() && (!windowChanged || c.newSACKInfo(&s.Opts))) {
		// A duplicate ACK: RFC 5681 §2 without SACK; with SACK, RFC 6675
		// §2's ACK that SACKs new data. An ACK closing the window is never
		// one: it answers a zero-window probe.
		c.stats.DupAcksReceived++
		c.dupAcks++
		a.DupAck = true
		if !c.useSACK() {
			// The segment that caused it was delivered: count it now, as
			// Linux's tcp_add_reno_sack does, so the delivery rate and the
			// round trips that BBR reads keep moving through a recovery
			// without SACK, instead of a cumulative ACK that fills a hole
			// crediting everything the receiver held above it to its own
			// short interval (a rate sample several times the link's).
			sacked = c.addRenoSack()
			a.Sacked = sacked
			if sacked > 0 {
				c.rate.delivered += int64(sacked)
				c.rate.deliveredTime = now
			}
		}
	} else if sacked == 0 {
		if dsack {
			c.tryUndoDSACK(now)
		}
		return true // a window update or an ACK riding on data
	}
	a.Acked = acked
	c.detectLoss(now, ack, progress, a.DupAck, acked, sacked)

	exitedCWR := c.inCWR && ack.GT(c.cwrEnd)
	if exitedCWR {
		c.exitCWR(now)
	}
	if a.ECE && c.ecnOK && !c.inRecovery && !c.rtoRecovery && !c.inCWR && priorUna.GEQ(c.cwrEnd) {
		// At most one reduction per window of data (RFC 3168 §6.1.2).
		c.cwrEnd = c.sndNxt
		c.cwrPending = true
		c.stats.ECNReductions++
		c.enterCWR(now)
	}
	a.Lost = int(c.sent.lostTotal - lostBefore)
	c.fillAck(a)
	exit := c.inRecovery && (ack.GEQ(c.recover) || c.recoveryMode() == RecoveryReno && progress)
	newly := int(c.rate.delivered - deliveredBefore)
	if !c.useSACK() {
		newly = sacked + renoDelivered
	}
	if progress {
		// Growth is by what the ACK newly delivered, cumulatively or by
		// SACK, not by every byte it covers: data SACKed (or counted
		// from duplicate ACKs) before is not delivered again (Linux's
		// tcp_cong_avoid with acked_sacked, gated by FLAG_DATA_ACKED in
		// tcp_may_raise_cwnd). Counting the cumulative ACK whole grew
		// cwnd by three segments where Linux grows it by one when an ACK
		// fills a reordering hole below two SACKed segments (upstream
		// packetdrill's limited-transmit scripts).
		a.Acked = newly
	}
	if (c.inRecovery && !exit || c.inCWR) && !c.ccControlsRecovery {
		c.prrUpdate(newly, a.Lost, progress)
	}
	if exit && c.recoveryMode() == RecoveryReno && ack.LT(c.recover) {
		c.renoPartialExits++
	}
	if exit && !c.ccControlsRecovery {
		// The ACK that ends recovery sets cwnd = ssthresh first, then
		// grows it as an ACK outside recovery would, by what it newly
		// delivered (tcp_fastretrans_alert's tcp_end_cwnd_reduction, then
		// tcp_cong_control's tcp_cong_avoid with acked_sacked), as every
		// ACK that advances SND.UNA does (above).
		c.exitRecovery(now)
		a.InRecovery = false
		c.cc.OnAck(a)
	} else {
		// An algorithm that controls recovery sees the exit ACK in
		// recovery and the exit after it.
		c.cc.OnAck(a)
		if exit {
			c.exitRecovery(now)
		}
	}
	if ack.GEQ(c.recover) {
		c.renoPartialExits = 0
	}
	if c.rtoRecovery && ack.GEQ(c.recover) {
		c.rtoRecovery = false
	}
	if dsack {
		c.tryUndoDSACK(now)
	}
	c.keepMarksCurrent(ack)
	if c.rack.tlpActive && ack.GEQ(c.rack.tlpEnd) {
		c.endTLPEpisode(now)
	}
	c.armRetransmitTimer(now, progress)
	c.onFINAcked(now)
	return c.state != Closed
}

// oldACKSACK takes the SACK blocks of an ACK below SND.UNA (one reordered
// behind a later ACK), as Linux's tcp_ack does at old_ack: the blocks are
// applied and loss detection and recovery run on them, so that what they
// report delivered lets more go, but the window is not touched (no
// tcp_cong_control, so no PRR step and no growth) and the ACK is nothing
// else's evidence.
func (c *Conn) oldACKSACK(now units.Time, ack Seq, o *wire.Options) {
	c.origAcked, c.rtxAcked, c.frtoNew = false, false, false
	sacked, dsack := c.applySACK(now, ack, o)
	if dsack {
		c.rackOnDSACK()
		if c.rack.tlpActive && c.rack.tlpRetrans {
			c.rack.tlpDSACKed = true
		}
	}
	if sacked == 0 && !dsack {
		return
	}
	c.detectLoss(now, ack, false, false, 0, sacked)
	if dsack {
		c.tryUndoDSACK(now)
	}
}

// keepMarksCurrent keeps the sequence marks that guard against a second
// response to one congestion episode ("recover", RFC 6582 §3.2 step 1, and
// the end of the ECN response window) within reach of the cumulative ACK
// once it has passed them. Sequence comparison is modulo 2^32: a mark left
// 2^31 bytes behind (17 s at 1 Gbit/s) compares as ahead again, and until
// the ACK wraps past it once more every loss would be taken as part of the
// old episode (no fast recovery, no reduction: retransmissions go out at
// the full, growing window into the queue that dropped the originals, and
// under RFC 6675, which cannot see a lost retransmission, the timer ends
// it) and every ECN echo ignored.
func (c *Conn) keepMarksCurrent(ack Seq) {
	if !c.inRecovery && !c.rtoRecovery && ack.GT(c.recover) {
		c.recover = ack.Add(-1)
	}
	if ack.GT(c.cwrEnd) {
		c.cwrEnd = ack
	}
}

// detectLoss runs the mode's loss detection after an ACK and enters fast
// recovery when it finds a loss.
func (c *Conn) detectLoss(now units.Time, ack Seq, progress, dupAck bool, acked, sacked int) {
	if c.rtoRecovery {
		// When this undoes the timeout, losses are looked for afresh
		// below, as after tcp_process_loss Linux's tcp_fastretrans_alert
		// goes on as in the Open state (tcp_identify_packet_loss,
		// tcp_time_to_recover).
		c.processLoss(now, progress, dupAck, sacked)
	}
	mode := c.recoveryMode()
	switch {
	case mode == RecoveryRACK && c.useSACK():
		lost, wait := c.rackDetectLoss(now)
		c.reorderAt = units.Never
		if wait > 0 {
			c.reorderAt = now.Add(wait + rackTimerSlack)
		}
		if lost && !c.inRecovery && !c.rtoRecovery {
			c.enterRecovery(now)
		}
	case c.useSACK():
		if !c.inRecovery && !c.rtoRecovery && ack.GT(c.recover) && c.dupAcks >= dupThresh {
			c.enterRecovery(now)
		}
		if c.inRecovery || c.rtoRecovery {
			c.markLostRFC6675()
		} else if c.sent.len() > 0 && sacked > 0 {
			c.markLostRFC6675()
			if h := c.sent.at(0); h.lost && ack.GT(c.recover) {
				c.enterRecovery(now)
			}
		}
	default:
		if !c.inRecovery && c.dupAcks == dupThresh && (mode == RecoveryReno || ack.GT(c.recover)) {
			c.enterRecovery(now)
			return
		}
		if c.inRecovery && acked > 0 && mode == RecoveryNewReno && ack.LT(c.recover) {
			// A partial ACK: the next hole is lost too. Retransmit it as
			// PRR allows and stay in recovery (RFC 6582 §3.2 step 5,
			// Linux's tcp_newreno_mark_lost).
			c.partialAcks++
			if c.sent.len() > 0 {
				c.sent.markLost(0, false)
			}
		}
	}
}

// armRetransmitTimer keeps the retransmission timer right after an ACK
// (RFC 6298 §5.2-5.3): stopped when everything is acknowledged, restarted
// when new data was acknowledged. In NewReno recovery only the first
// partial ACK restarts it (RFC 6582 §4.1, "Impatient"). In RACK mode, a
// tail loss probe replaces it while eligible (RFC 8985 §7.2).
func (c *Conn) armRetransmitTimer(now units.Time, progress bool) {
	if c.sndUna == c.sndMax {
		c.rtxAt, c.rtxKind = units.Never, timerRTO
		return
	}
	tlp := c.tlpEligible() // read once: nothing below changes it
	switch {
	case c.rtxKind == timerTLP && !tlp:
		// SACKs, a loss or recovery took the connection out of the Open
		// state: the probe gives way to the RTO (tcp_set_xmit_timer).
		c.rearmRTO(now)
	case !progress:
	case c.inRecovery && c.recoveryMode() == RecoveryNewReno && c.partialAcks > 1:
	case c.renoPartialExits > 1 && c.recoveryMode() == RecoveryReno:
	case tlp:
		c.rtxAt, c.rtxKind = now.Add(c.tlpTimeout(now, true)), timerTLP
	default:
		c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
	}
}

// patient reports whether, without SACK, a retransmission of the oldest
// segment restarts the retransmission timer, as Linux's NewReno does
// (tcp_xmit_retransmit_queue): outside recovery, and in a NewReno recovery
// until its first partial ACK has restarted the timer, after which RFC
// 6582 §4.1's "Impatient" rule holds (see armRetransmitTimer). The reno
// mode, which Linux does not have, keeps RFC 6298 §5's timer, restarted
// only by ACKs: restarting it on every fast retransmission of a chain of
// recoveries costs BBR a third of its goodput at 0.1 BDP
// (runner/shallow_test.go).
func (c *Conn) patient() bool {
	switch c.recoveryMode() {
	case RecoveryNewReno:
		return !c.inRecovery || c.partialAcks <= 1
	case RecoveryReno:
		return false
	}
	return true
}

// fillAck completes an ACK sample with the sender's state after the ACK.
func (c *Conn) fillAck(a *cc.Ack) {
	c.finishRateSample(a)
	a.Sent = int64(c.sndMax.Sub(c.iss))
	a.Inflight = c.pipe()
	// An ECN reduction, like fast recovery, grows nothing
	// (tcp_cong_control runs tcp_cwnd_reduction instead of
	// tcp_cong_avoid).
	a.InRecovery = c.inRecovery || c.inCWR
	a.MinRTT = c.rtt.minRTT
	a.SRTT = c.rtt.srtt
	a.AppLimited = c.appLimited()
}

// appLimited reports whether the window, not the application, was the
// limit: with nothing unsent and the window not filled, growing it would be
// growing it blindly (RFC 7661). A window that limited the sender in the
// current round (cwndValidate) still counts, as Linux's
// tcp_is_cwnd_limited reads the latched is_cwnd_limited. Data marked lost and not yet resent is
// data to send: after a timeout the window of one segment limits the
// go-back-N retransmissions, and Linux, which counts the sender
// cwnd-limited there (tcp_cwnd_validate sets is_cwnd_limited), grows it
// in slow start on their ACKs (tcp_enter_loss, then tcp_cong_avoid).
func (c *Conn) appLimited() bool { return !c.cwndLimited && c.windowSpare() }

// windowSpare is appLimited's test once the window has not limited the
// round: nothing to send, and room in the window.
func (c *Conn) windowSpare() bool {
	return c.Unsent() == 0 && c.sent.lostBytes == c.sent.rtxBytes && c.pipe() < c.cwnd()
}

// ackSegments advances SND.UNA to ack, releases acknowledged bytes, takes an
// RTT sample under Karn's rule and returns the payload bytes newly
// acknowledged.
func (c *Conn) ackSegments(now units.Time, ack Seq) int {
	var lastSent units.Time
	covered, ambiguous := false, false
	for c.sent.len() > 0 {
		h := c.sent.at(0)
		if h.end.GT(ack) {
			if h.seq.LT(ack) {
				c.sent.trimFront(ack)
			}
			break
		}
		covered = true
		ambiguous = ambiguous || h.retransmitted
		if h.retransmitted {
			c.rtxAcked = true
		} else if !h.sacked && h.end.LEQ(c.recover) {
			c.origAcked = true
		}
		lastSent = h.sentAt
		if !h.sacked {
			c.rackDelivered(now, h)
			c.rateDelivered(now, h)
		}
		c.sent.popFront()
	}
	before := c.sndBuf.n
	dataEnd := ack
	if c.finQueued && ack.GT(c.finSeq) {
		dataEnd = c.finSeq
	}
	c.sndBuf.ackTo(dataEnd)
	acked := before - c.sndBuf.n
	c.stats.BytesAcked += int64(acked)
	c.sndUna = ack
	c.retries = 0
	if covered && !ambiguous {
		// Every segment this ACK covers was sent once, so the time since
		// the newest of them was sent is a valid sample. An ACK that covers
		// a retransmission gives none: it may answer either copy (Karn's
		// rule, RFC 6298 §3); the timestamp echo may give one instead (see
		// processAck).
		c.rttSample(now.Sub(lastSent))
	}
	if c.sndNxt.LT(ack) {
		c.sndNxt = ack
	}
	if c.sent.highSacked.LT(ack) {
		c.sent.highSacked = ack
	}
	return acked
}

// rttSample feeds one RTT measurement to the estimator and the probes.
func (c *Conn) rttSample(r units.Duration) {
	c.rtt.sample(r, c.sndUna, c.sndNxt)
	c.ack.RTT = c.rtt.latest
	if c.OnRTTSample != nil {
		c.OnRTTSample(c.rtt.latest)
	}
}

// onFINAcked moves the closing states on once our FIN is acknowledged.
func (c *Conn) onFINAcked(now units.Time) {
	if c.finQueued && c.sndUna == c.finSeq.Add(1) {
		c.finAcked(now)
	}
}

// finAcked is onFINAcked once the FIN is acknowledged.
func (c *Conn) finAcked(now units.Time) {
	c.chrono.set(now, chronoNone)
	switch c.state {
	case FinWait1:
		c.state = FinWait2
		if c.orphaned {
			c.timeWait = now.Add(c.cfg.FinWait2Timeout)
		}
	case Closing:
		c.enterTimeWait(now)
	case LastAck:
		c.terminate(nil)
	}
}

// receiveData accepts payload whose first byte is seq, trimmed to the
// receive window, and decides how soon to acknowledge it; flags are the
// segment's.
func (c *Conn) receiveData(now units.Time, seq Seq, p []byte, flags uint8) {
	c.ackSched = true
	nxt := c.rcvBuf.nxt
	if d := nxt.Sub(seq); d > 0 {
		if d >= len(p) {
			// All of it arrived before: acknowledge at once, and report
			// the duplicate with a D-SACK (RFC 2883 §4.1). Our ACK was
			// probably lost: Linux's tcp_data_queue also enters quick-ACK
			// mode.
			c.ackNow = true
			c.owedDSACK(seq, seq.Add(len(p)))
			c.enterQuickACKMode(maxQuickACKs)
			return
		}
		p, seq = p[d:], nxt
	}
	if c.rcvBuf.nooo > 0 && c.rcvBuf.holds(seq, seq.Add(len(p))) {
		// (Nothing is held out of order on the usual segment: the call
		// is not made.)
		c.ackNow = true
		c.owedDSACK(seq, seq.Add(len(p)))
		return
	}
	if c.finValid {
		// Nothing beyond the peer's FIN is data.
		if d := c.peerFin.Sub(seq); d < len(p) {
			p = p[:max(d, 0)]
		}
	}
	off := seq.Sub(nxt)
	room := min(c.rcvBuf.window(), max(c.rcvAdv.Sub(nxt), 0)) - off
	if c.cfg.LinuxSegmentChecks && c.rcvAdv.GT(nxt) {
		// tcp_data_queue keeps a segment that acceptance let in whole,
		// within the buffer's room, even past the advertised edge.
		room = c.rcvBuf.window() - off
	}
	if len(p) > room {
		p = p[:max(room, 0)]
	}
	if len(p) == 0 {
		c.ackNow = true
		return
	}
	hadHoles := c.rcvBuf.nooo > 0
	before := c.rcvBuf.nxt
	advanced, outOfOrder := c.rcvBuf.write(seq, p)
	if outOfOrder {
		// RFC 5681 §4.2: an out-of-order segment is acknowledged at once,
		// so the sender sees the duplicate ACK.
		c.stats.OutOfOrderSegments++
		c.ackNow = true
		c.noteSACK(seq)
		if c.cfg.LinuxRcvWindow && c.sackOK {
			// tcp_data_queue_ofo grows the window too, but only with
			// SACK: without it, a window held still forces the
			// duplicate ACKs fast retransmit needs.
			c.growWindow(len(p))
		}
		return
	}
	if advanced {
		c.stats.BytesReceived += int64(c.rcvBuf.nxt.Sub(before))
	}
	if hadHoles {
		// It filled (part of) a hole: acknowledge at once (RFC 5681 §4.2).
		c.ackNow = true
	}
	// A segment of the size already estimated, a bulk flow's usual, is
	// measureRcvMSS's first case (p is not empty here): the estimate
	// stays and the ratio is not measured again. Taken here, the call
	// is not made.
	full := len(p) == c.rcvMSSEst && len(p) <= c.advMSS()
	if full {
		c.lastSegSize = 0
	} else {
		full = c.measureRcvMSS(len(p), flags)
	}
	if c.cfg.QuickACK {
		c.dataRecvQuickACK(now)
	}
	if c.cfg.LinuxRcvWindow && len(p) >= 128 {
		// tcp_event_data_recv grows the window for segments of at
		// least 128 bytes.
		c.growWindow(len(p))
	}
	if full {
		c.ackPending++
	}
	c.ackCheck = true
	if c.finValid && c.rcvBuf.nxt == c.peerFin {
		// After the data's own bookkeeping, as tcp_data_queue calls
		// tcp_fin after tcp_event_data_recv.
		c.receiveFIN(now, c.peerFin)
	}
}

// finishSegment runs the ACK decision a segment that brought data or a FIN
// left pending, once the whole segment is processed (its FIN included, as
// Linux's tcp_ack_snd_check runs after tcp_data_queue and tcp_fin).
func (c *Conn) finishSegment(now units.Time) {
	if c.ackCheck {
		c.ackCheck = false
		c.ackSndCheck(now)
	}
}

// ackSndCheck decides whether received data is acknowledged at once or
// by the delayed-ACK timer.
func (c *Conn) ackSndCheck(now units.Time) {
	if c.ackNow {
		return
	}
	switch {
	case c.cfg.DelayedACK == 0:
		c.ackNow = true
	case c.cfg.QuickACK:
		// Linux's __tcp_ack_snd_check: at once for more than one full
		// segment unacknowledged, if an ACK now would not pull the
		// window's right edge back (the window it would offer is at least
		// the one offered last: data left unread shrinks it, and the read
		// that takes it sends the ACK instead, afterRead), or in quick-ACK
		// mode, which pingpong mode suspends (tcp_in_quickack_mode).
		if c.rcvNxt().Sub(c.rcvWup) > c.rcvMSS() && c.offerableWindow() >= c.rcvAdv.Sub(c.rcvWup) ||
			c.quickAcks > 0 && !c.pingpong {
			c.ackNow = true
			return
		}
		c.sendDelayedACK(now)
	case c.ackPending >= 2:
		// Every second full-sized segment is acknowledged at once
		// (RFC 5681 §4.2, RFC 1122 §4.2.3.2).
		c.ackNow = true
	case c.ackAt == units.Never:
		c.ackAt = now.Add(c.cfg.DelayedACK)
	}
}

// Linux's delayed-ACK bounds: TCP_DELACK_MAX, and HZ/2, the most an
// adapted ato may reach outside pingpong mode without pushed data.
const (
	delackMax    = 200 * units.Millisecond
	delackMaxAto = 500 * units.Millisecond
)

// sendDelayedACK starts the delayed-ACK timer as Linux's
// tcp_send_delayed_ack does: after the adaptive timeout ato
// (dataRecvQuickACK), which above TCP_DELACK_MIN (Config.DelayedACK) is
// bounded by the smoothed RTT (at least TCP_DELACK_MIN) and by 200 ms in
// pingpong mode or with pushed data, 500 ms otherwise, and never exceeds
// TCP_DELACK_MAX. A timer already running keeps its earlier deadline, and
// one about to expire (within ato/4) gives way to an ACK now. Before any
// data ato is 0: an ACK owed for a FIN alone leaves at once.
func (c *Conn) sendDelayedACK(now units.Time) {
	ato := c.ato
	if ato > c.cfg.DelayedACK {
		maxAto := delackMaxAto
		if c.pingpong || c.ackPushed {
			maxAto = delackMax
		}
		if c.rtt.srtt > 0 {
			maxAto = min(maxAto, max(c.rtt.srtt, c.cfg.DelayedACK))
		}
		ato = min(ato, maxAto)
	}
	ato = min(ato, delackMax)
	at := now.Add(ato)
	if c.ackAt != units.Never {
		if c.ackAt <= now.Add(ato/4) {
			c.ackNow = true
			return
		}
		at = min(at, c.ackAt)
	}
	c.ackAt = at
}

// Linux's TCP_MAX_QUICKACKS: the most ACKs one entry into quick-ACK mode
// sends at once.
const maxQuickACKs = 16

// rcvMSS is the receiver's estimate of the payload the peer's full-sized
// segments carry. Like Linux's tcp_initialize_rcv_mss it starts at 536
// bytes (RFC 9293 §3.7.1's default, or less with a small MSS), and
// measureRcvMSS raises it to the segments that arrive: the peer may send
// smaller segments than this host's MSS allows, and judging "full-sized"
// by our own MSS would leave such a peer's segments never counted.
func (c *Conn) rcvMSS() int {
	if c.rcvMSSEst == 0 {
		return min(c.advMSS(), 536)
	}
	return c.rcvMSSEst
}

// advMSS is the payload of the largest segment this host lets the peer
// send: the MSS it advertised, less the timestamp option if in use.
func (c *Conn) advMSS() int {
	m := c.cfg.MSS
	if c.tsOK {
		m -= 12
	}
	return m
}

// measureRcvMSS updates the estimate of the peer's segment size with a
// segment of n payload bytes and flags, and reports whether the segment is
// full-sized, as Linux's tcp_measure_rcv_mss: a segment at least as large
// as the estimate sets it, up to the advertised MSS. A smaller one that
// still looks like the peer's full size (at least 536 bytes, or at least
// TCP_MIN_MSS without PSH, FIN, SYN or URG) twice in a row becomes the
// estimate; any other marks the pending ACK "pushed" (ICSK_ACK_PUSHED,
// ICSK_ACK_PUSHED2 the second time), which lets the read that empties the
// receive queue send it (afterRead).
func (c *Conn) measureRcvMSS(n int, flags uint8) bool {
	const minMSS = 88 // TCP_MIN_MSS
	lss := c.lastSegSize
	c.lastSegSize = 0
	if n >= c.rcvMSS() {
		if n != c.rcvMSS() {
			c.measureScalingRatio(n)
		}
		c.rcvMSSEst = min(n, c.advMSS())
		return true
	}
	if n >= 536 || n >= minMSS && flags&(FlagPSH|FlagFIN|FlagSYN|FlagURG) == 0 {
		c.lastSegSize = n
		if n == lss {
			c.rcvMSSEst = n
			return false
		}
	}
	if c.ackPushed {
		c.ackPushed2 = true
	}
	c.ackPushed = true
	return false
}

// afterRead is Linux's tcp_cleanup_rbuf after the application took copied
// bytes: an ACK still owed goes at once if more than one full segment is
// unacknowledged (the ACK __tcp_ack_snd_check held back for the window),
// or if the read emptied the queue of data that arrived pushed; otherwise
// a window update may be owed.
func (c *Conn) afterRead(copied int) {
	if c.cfg.QuickACK && c.ackSched && copied > 0 && c.state.synchronized() &&
		(c.rcvBuf.nxt.Sub(c.rcvWup) > c.rcvMSS() || (c.ackPushed || c.ackPushed2) && c.rcvBuf.unread == 0) {
		c.ackNow = true
		return
	}
	c.maybeWindowUpdate()
}

// dataRecvQuickACK is the delayed-ACK half of Linux's tcp_event_data_recv:
// the first data of the connection, or data after a silence longer than
// the RTO (the sender must be restarting from a small window), earns
// quick ACKs; in between, the delayed-ACK timeout ato follows the gaps
// between arrivals: starting at TCP_ATO_MIN (Config.DelayedACK), halved
// towards TCP_ATO_MIN/2 plus the gap when data arrives closer together
// than ato, at most the RTO.
func (c *Conn) dataRecvQuickACK(now units.Time) {
	atoMin := c.cfg.DelayedACK
	// The RTO is worked out only in the cases that read it: data
	// arriving closer together than TCP_ATO_MIN/2, a bulk flow's, does
	// not.
	switch m := now.Sub(c.lastDataAt); {
	case !c.dataSeen:
		c.incrQuickACK(maxQuickACKs)
		c.ato = atoMin
	case m <= atoMin/2:
		c.ato = c.ato/2 + atoMin/2
	case m < c.ato:
		c.ato = min(c.ato/2+m, c.rtt.current())
	case m > c.rtt.current():
		c.incrQuickACK(maxQuickACKs)
	}
	c.dataSeen, c.lastDataAt = true, now
}

// enterQuickACKMode is Linux's tcp_enter_quickack_mode, for data that says
// our ACKs are not getting through or must not wait (a duplicate, a CE
// mark): quick ACKs, pingpong mode left, ato back to TCP_ATO_MIN.
func (c *Conn) enterQuickACKMode(max int) {
	if !c.cfg.QuickACK {
		return
	}
	c.incrQuickACK(max)
	c.pingpong = false
	c.ato = c.cfg.DelayedACK
}

// incrQuickACK is tcp_incr_quickack: up to max ACKs at once, and no more
// than half the advertised window in full-sized segments (at least two),
// since a sender cannot have more in flight.
func (c *Conn) incrQuickACK(max int) {
	if !c.cfg.QuickACK {
		return
	}
	q := c.rcvAdv.Sub(c.rcvWup) / (2 * c.rcvMSS())
	if q == 0 {
		q = 2
	}
	q = min(q, max)
	if q > c.quickAcks {
		c.quickAcks = q
	}
}

// receiveFIN handles a FIN whose sequence number is seq.
func (c *Conn) receiveFIN(now units.Time, seq Seq) {
	if c.finRcvd || !c.state.canReceive() && c.state != SynReceived {
		return
	}
	if seq.LT(c.rcvBuf.nxt) {
		// A FIN below RCV.NXT is old, from a segment that ends at or
		// before it (Linux's tcp_data_queue drops such a segment as a
		// retransmission, FIN and all): data beyond it was taken, so
		// it cannot be where the peer's stream ends.
		return
	}
	if seq != c.rcvBuf.nxt || c.state == SynReceived {
		// The FIN came beyond a hole, or before the handshake completed:
		// act on it once the hole is filled or the connection established
		// (RFC 9293 §3.10.7.3). Nothing beyond a FIN is data.
		c.finValid, c.peerFin = true, seq
		c.rcvBuf.truncateAbove(seq)
		return
	}
	c.finRcvd = true
	switch c.state {
	case SynReceived, Established:
		c.state = CloseWait
		if c.cfg.QuickACK {
			// Linux's tcp_fin: the ACK is scheduled, not sent, and
			// pingpong mode begins (the application is expected to
			// answer), so it waits for the delayed-ACK timer unless
			// something else calls for it now.
			c.pingpong = true
			c.ackSched = true
			c.ackCheck = true
			c.finishSegment(now)
			return
		}
		c.ackNow = true
		return
	}
	c.ackNow = true
	switch c.state {
	case FinWait1:
		if c.finQueued && c.sndUna == c.finSeq.Add(1) {
			c.enterTimeWait(now)
		} else {
			c.state = Closing
		}
	case FinWait2:
		c.enterTimeWait(now)
	}
}

// enterTimeWait starts the 2·MSL quiet time (RFC 9293 §3.6). The limit on
// ACKs for dropped segments starts afresh, as Linux's tcp_time_wait clears
// tw_last_oow_ack_time.
func (c *Conn) enterTimeWait(now units.Time) {
	c.state = TimeWait
	c.rtxAt = units.Never
	c.timeWait = now.Add(2 * c.cfg.MSL)
	c.oowAcked = false
}

// noteSACK remembers an out-of-order segment's start so that the next ACK's
// first SACK block covers it (RFC 2018 §4).
func (c *Conn) noteSACK(seq Seq) {
	if !c.sackOK {
		return
	}
	n := min(c.nSackRecent+1, len(c.sackRecent))
	copy(c.sackRecent[1:n], c.sackRecent[:n-1])
	c.sackRecent[0] = seq
	c.nSackRecent = n
}

// owedDSACK makes the next ACK report [start, end) as a duplicate.
func (c *Conn) owedDSACK(start, end Seq) {
	if c.sackOK {
		c.dsack, c.dsackPending = seqRange{start, end}, true
	}
}

// exactECNEcho reports whether this connection's receiver echoes CE marks
// exactly (RFC 8257 §3.2), which its congestion control asks for.
func (c *Conn) exactECNEcho() bool {
	e, ok := c.cc.(interface{ ExactECNEcho() bool })
	return ok && e.ExactECNEcho()
}
