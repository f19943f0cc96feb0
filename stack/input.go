package stack

import (
	"ccbench/cc"
	"ccbench/units"
)

// Segment arrival, in the order of RFC 9293 §3.10.7: SYN-SENT on its own,
// then for every other state the sequence check, RST, SYN, ACK, data and FIN
// steps.

// input processes one segment addressed to c.
func (c *Conn) input(now units.Time, s *Segment) {
	c.stats.SegmentsReceived++
	switch c.state {
	case Closed, Listen:
		return
	case SynSent:
		c.inputSynSent(now, s)
		return
	}

	// First: is the segment acceptable (§3.10.7.4)?
	if !c.acceptable(s) {
		c.stats.DroppedSegments++
		if !s.Has(FlagRST) {
			c.ackNow = true
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
		if s.Seq == c.rcvBuf.nxt {
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
	}
	if !c.processAck(now, s) {
		return
	}
	if c.tsOK && s.Opts.HasTimestamps && s.Seq.LEQ(c.rcvWup) {
		// RFC 7323 §4.3: remember the peer's timestamp from segments at or
		// before the last acknowledgment point, to echo it back.
		c.tsRecent = s.Opts.TSVal
	}

	// Seventh: segment text.
	if len(s.Payload) > 0 && c.state.canReceive() {
		c.receiveData(now, s.Seq, s.Payload)
	}

	// Eighth: FIN.
	if s.Has(FlagFIN) {
		c.receiveFIN(now, s.Seq.Add(len(s.Payload)))
	}
}

// acceptable applies the four-case test of RFC 9293 §3.10.7.4.
func (c *Conn) acceptable(s *Segment) bool {
	nxt := c.rcvBuf.nxt
	if c.finRcvd {
		nxt = nxt.Add(1)
	}
	wnd := c.rcvBuf.window()
	n := s.SeqLen()
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

// inputSynSent handles a segment while our SYN awaits its answer
// (§3.10.7.3).
func (c *Conn) inputSynSent(now units.Time, s *Segment) {
	if s.Has(FlagACK) && (s.Ack.LEQ(c.iss) || s.Ack.GT(c.sndMax)) {
		if !s.Has(FlagRST) {
			c.host.queueRST(c.id, s.Ack, 0, false)
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
	c.negotiate(&s.Opts)
	c.sndWnd = int(s.Window) // windows in SYNs are never scaled (RFC 7323 §2.2)
	c.sndWl1, c.sndWl2 = s.Seq, s.Ack
	if s.Opts.HasTimestamps && c.tsOK {
		c.tsRecent = s.Opts.TSVal
	}
	if s.Has(FlagACK) {
		c.state = Established
		c.ackSegments(now, s.Ack)
		c.rtxAt = units.Never
		c.ackNow = true
		c.host.established(now, c)
	} else {
		// Simultaneous open: answer with SYN-ACK (§3.5, figure 8).
		c.state = SynReceived
		c.sndNxt = c.iss
	}
	if len(s.Payload) > 0 {
		c.receiveData(now, s.Seq.Add(1), s.Payload)
	}
	if s.Has(FlagFIN) {
		c.receiveFIN(now, s.Seq.Add(1+len(s.Payload)))
	}
}

// negotiate applies the peer's SYN options: MSS (536 when absent, RFC 9293
// §3.7.1), window scale only when both sides sent it with shifts clamped to
// 14 (RFC 7323 §2.3), timestamps and SACK only when both offered them.
func (c *Conn) negotiate(o *Options) {
	peerMSS := 536
	if o.HasMSS && o.MSS > 0 {
		peerMSS = int(o.MSS)
	}
	c.sndMSS = min(peerMSS, c.cfg.MSS)
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
	c.sackOK = false // SACK-based recovery is not negotiated yet
}

// processAck handles the ACK field of an acceptable segment. It returns
// false if the segment must not be processed further.
func (c *Conn) processAck(now units.Time, s *Segment) bool {
	ack := s.Ack
	if ack.GT(c.sndMax) {
		// It acknowledges something not yet sent: ACK and drop (§3.10.7.4).
		c.ackNow = true
		return false
	}
	wnd := int(s.Window) << c.sndShift
	if ack.LT(c.sndUna) {
		return true // an old duplicate ACK
	}
	priorInflight := c.inflight()
	windowChanged := wnd != c.sndWnd
	if c.sndWl1.LT(s.Seq) || c.sndWl1 == s.Seq && c.sndWl2.LEQ(ack) {
		c.sndWnd, c.sndWl1, c.sndWl2 = wnd, s.Seq, ack
	}

	a := &c.ack
	*a = cc.Ack{Now: now, PriorInflight: priorInflight, ECE: s.Has(FlagECE)}
	if ack == c.sndUna {
		// RFC 5681 §2's duplicate ACK: nothing new acknowledged, data
		// outstanding, no payload, no SYN or FIN, window unchanged.
		if c.sndMax == c.sndUna || len(s.Payload) > 0 || s.Flags&(FlagSYN|FlagFIN) != 0 || windowChanged {
			return true
		}
		c.stats.DupAcksReceived++
		c.dupAcks++
		a.DupAck = true
		c.fillAck(a)
		c.cc.OnAck(a)
		if c.dupAcks == 3 && !c.inRecovery && ack.GT(c.recover) {
			c.enterRecovery(now)
		}
		return true
	}

	acked := c.ackSegments(now, ack)
	c.dupAcks = 0
	a.Acked = acked
	c.fillAck(a)
	exit := false
	if c.inRecovery {
		if ack.GEQ(c.recover) {
			exit = true
		} else {
			// A partial ACK: the next hole is lost too. Retransmit it now
			// and stay in recovery (RFC 6582 §3.2 step 5).
			c.rtxPending = true
			c.partialAcks++
		}
	}
	c.cc.OnAck(a)
	if exit {
		c.inRecovery = false
		c.ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: c.inflight()}
		c.cc.OnCongestion(&c.ev)
	}

	// RFC 6298 §5.2-5.3: stop the timer when everything is acknowledged,
	// otherwise restart it for the new oldest segment.
	// During recovery only the first partial ACK restarts it: RFC 6582
	// §4.1's "Impatient" variant, so that a window with many losses falls
	// back to a timeout instead of recovering one segment per RTT.
	switch {
	case c.sndUna == c.sndMax:
		c.rtxAt = units.Never
	case !c.inRecovery || c.partialAcks <= 1:
		c.rtxAt = now.Add(c.rtt.current())
	}
	c.onFINAcked(now)
	return c.state != Closed
}

// fillAck completes an ACK sample with the sender's state after the ACK.
func (c *Conn) fillAck(a *cc.Ack) {
	a.Inflight = c.inflight()
	a.InRecovery = c.inRecovery
	a.MinRTT = c.rtt.minRTT
	a.SRTT = c.rtt.srtt
	a.AppLimited = c.appLimited()
}

// appLimited reports whether the window, not the application, was the
// limit: with nothing unsent and the window not filled, growing it would be
// growing it blindly (RFC 7661).
func (c *Conn) appLimited() bool {
	return c.Unsent() == 0 && c.inflight() < c.cc.Cwnd()
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
				h.seq = ack
			}
			break
		}
		covered = true
		ambiguous = ambiguous || h.retransmitted
		lastSent = h.sentAt
		c.sent.popFront()
	}
	if covered && !ambiguous {
		// Every segment this ACK covers was sent once, so the time since
		// the newest of them was sent is a valid sample. An ACK that covers
		// a retransmission gives none: it may answer either copy (Karn's
		// rule, RFC 6298 §3).
		c.rtt.sample(now.Sub(lastSent))
		c.ack.RTT = c.rtt.latest
		if c.OnRTTSample != nil {
			c.OnRTTSample(c.rtt.latest)
		}
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
	if c.sndNxt.LT(ack) {
		c.sndNxt = ack
	}
	return acked
}

// onFINAcked moves the closing states on once our FIN is acknowledged.
func (c *Conn) onFINAcked(now units.Time) {
	if !c.finQueued || c.sndUna != c.finSeq.Add(1) {
		return
	}
	switch c.state {
	case FinWait1:
		c.state = FinWait2
	case Closing:
		c.enterTimeWait(now)
	case LastAck:
		c.terminate(nil)
	}
}

// enterRecovery starts fast retransmit and fast recovery on the third
// duplicate ACK (RFC 5681 §3.2 steps 2-3, RFC 6582 §3.2 step 2).
func (c *Conn) enterRecovery(now units.Time) {
	c.inRecovery = true
	c.partialAcks = 0
	c.recover = c.sndMax
	c.rtxPending = true
	c.stats.FastRetransmits++
	c.ev = cc.Event{Kind: cc.Loss, Now: now, Inflight: c.inflight()}
	c.cc.OnCongestion(&c.ev)
}

// receiveData accepts payload whose first byte is seq, trimmed to the
// receive window, and decides how soon to acknowledge it.
func (c *Conn) receiveData(now units.Time, seq Seq, p []byte) {
	nxt := c.rcvBuf.nxt
	if d := nxt.Sub(seq); d > 0 {
		if d >= len(p) {
			c.ackNow = true
			return
		}
		p, seq = p[d:], nxt
	}
	off := seq.Sub(nxt)
	if room := c.rcvBuf.window() - off; len(p) > room {
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
		return
	}
	if advanced {
		c.stats.BytesReceived += int64(c.rcvBuf.nxt.Sub(before))
	}
	if hadHoles {
		// It filled (part of) a hole: acknowledge at once (RFC 5681 §4.2).
		c.ackNow = true
	}
	if c.finValid && c.rcvBuf.nxt == c.peerFin {
		c.receiveFIN(now, c.peerFin)
	}
	if len(p) >= c.rcvMSS() {
		c.ackPending++
	}
	switch {
	case c.ackPending >= 2 || c.cfg.DelayedACK == 0:
		// Every second full-sized segment is acknowledged at once
		// (RFC 5681 §4.2, RFC 1122 §4.2.3.2).
		c.ackNow = true
	case c.ackAt == units.Never:
		c.ackAt = now.Add(c.cfg.DelayedACK)
	}
}

// rcvMSS is the payload size the peer's full-sized segments carry.
func (c *Conn) rcvMSS() int {
	m := c.cfg.MSS
	if c.tsOK {
		m -= 12
	}
	return m
}

// receiveFIN handles a FIN whose sequence number is seq.
func (c *Conn) receiveFIN(now units.Time, seq Seq) {
	if c.finRcvd || !c.state.canReceive() && c.state != SynReceived {
		return
	}
	if seq != c.rcvBuf.nxt {
		// The FIN came beyond a hole; act on it once the hole is filled.
		c.finValid, c.peerFin = true, seq
		return
	}
	c.finRcvd = true
	c.ackNow = true
	switch c.state {
	case SynReceived, Established:
		c.state = CloseWait
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

// enterTimeWait starts the 2·MSL quiet time (RFC 9293 §3.6).
func (c *Conn) enterTimeWait(now units.Time) {
	c.state = TimeWait
	c.rtxAt = units.Never
	c.timeWait = now.Add(2 * c.cfg.MSL)
}

// challengeACK answers a suspicious RST or SYN with an ACK, at most a few
// per second per connection (RFC 5961 §3.2, §5).
func (c *Conn) challengeACK(now units.Time) {
	if now.Sub(c.challengeAt) >= units.Second {
		c.challengeAt, c.challengeCnt = now, 0
	}
	if c.challengeCnt < c.cfg.ChallengeACKsPerSecond {
		c.challengeCnt++
		c.ackNow = true
	}
}
