package stack

import (
	"ccbench/packet"
	"ccbench/units"
)

// Segment departure. Output hands out at most one packet per call, in this
// order of priority: the SYN or SYN-ACK, a retransmission asked for by loss
// recovery, new data (and the FIN after it) as the congestion and receive
// windows allow, and finally a bare ACK if one is owed.

// output returns the next packet c may send now, or nil.
func (c *Conn) output(now units.Time) *packet.Packet {
	switch c.state {
	case Closed, Listen, TimeWait:
		if c.ackNow && c.state == TimeWait {
			return c.sendACK(now)
		}
		return nil
	case SynSent, SynReceived:
		if c.sndNxt == c.iss {
			return c.sendSYN(now)
		}
		if c.state == SynReceived && c.ackNow {
			// Anything that would draw an ACK from SYN-RECEIVED draws the
			// SYN-ACK again, which carries it.
			c.sndNxt = c.iss
			return c.sendSYN(now)
		}
		return nil
	}
	if c.rtxPending {
		c.rtxPending = false
		if p := c.retransmitFirst(now); p != nil {
			return p
		}
	}
	if p := c.sendData(now); p != nil {
		return p
	}
	if c.ackNow {
		return c.sendACK(now)
	}
	return nil
}

// sendSYN sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the
// options we offer, or for a SYN-ACK the ones the peer's SYN allows.
func (c *Conn) sendSYN(now units.Time) *packet.Packet {
	flags := FlagSYN
	if c.state == SynReceived {
		flags |= FlagACK
	}
	o := Options{HasMSS: true, MSS: uint16(c.cfg.MSS)}
	if c.cfg.WindowScaling && (c.state == SynSent || c.rcvShift > 0 || c.sndShift > 0) {
		o.HasWScale, o.WScale = true, c.cfg.windowShift()
	}
	if c.cfg.Timestamps && (c.state == SynSent || c.tsOK) {
		o.HasTimestamps = true
	}
	p := c.build(now, c.iss, flags, 0, &o)
	c.afterSend(now, c.iss, c.iss.Add(1))
	return p
}

// sendData sends the next segment of new (or, after a timeout, resent) data
// if the windows allow it, with the FIN on the last one.
func (c *Conn) sendData(now units.Time) *packet.Packet {
	dataEnd := c.sndBuf.end()
	if c.sndNxt.GT(dataEnd) {
		return nil // only the FIN was left, and it has been sent
	}
	avail := dataEnd.Sub(c.sndNxt)
	wnd := min(c.cc.Cwnd(), c.sndWnd)
	usable := c.sndUna.Add(wnd).Sub(c.sndNxt)
	n := min(c.sndMSS, avail, max(usable, 0))
	fin := c.finQueued && c.sndNxt.Add(n) == c.finSeq

	switch {
	case n == 0 && !fin:
		return nil
	case n == c.sndMSS || n == 0:
	case n == avail:
		// Nagle (RFC 9293 §3.7.4): a short segment waits while data is
		// outstanding, unless it is the last before the FIN.
		if !c.cfg.NoDelay && c.sndUna != c.sndNxt && !c.finQueued {
			return nil
		}
	default:
		// The window allows less than a segment while more is queued:
		// sender-side silly window avoidance (RFC 9293 §3.8.6.2.1) waits.
		return nil
	}
	flags := FlagACK
	if fin {
		flags |= FlagFIN
	}
	if n > 0 || fin {
		if n > 0 && c.Unsent() <= n {
			flags |= FlagPSH
		}
		seq := c.sndNxt
		end := seq.Add(n)
		if fin {
			end = end.Add(1)
		}
		p := c.build(now, seq, flags, n, nil)
		c.afterSend(now, seq, end)
		return p
	}
	return nil
}

// retransmitFirst resends the segment at SND.UNA, for fast retransmit and
// for NewReno's partial ACKs.
func (c *Conn) retransmitFirst(now units.Time) *packet.Packet {
	if c.sndUna == c.sndMax {
		return nil
	}
	seq := c.sndUna
	limit := c.sndMax
	if c.finQueued && limit.GT(c.finSeq) {
		limit = c.finSeq
	}
	n := min(c.sndMSS, max(limit.Sub(seq), 0))
	flags := FlagACK
	end := seq.Add(n)
	if c.finQueued && end == c.finSeq && c.sndMax.GT(c.finSeq) {
		flags |= FlagFIN
		end = end.Add(1)
	}
	p := c.build(now, seq, flags, n, nil)
	c.stats.Retransmits++
	c.stats.RetransmittedBytes += int64(n)
	if c.sent.len() > 0 {
		h := c.sent.at(0)
		h.retransmitted = true
		h.sentAt = now
	}
	if c.rtxAt == units.Never {
		c.rtxAt = now.Add(c.rtt.current())
	}
	return p
}

// sendACK sends a bare acknowledgment.
func (c *Conn) sendACK(now units.Time) *packet.Packet {
	return c.build(now, c.sndNxt, FlagACK, 0, nil)
}

// afterSend does the bookkeeping for a segment covering [seq, end) in
// sequence space: advance SND.NXT and SND.MAX, record it for RTT and
// retransmission, and start the retransmission timer if it is not running
// (RFC 6298 §5.1).
func (c *Conn) afterSend(now units.Time, seq, end Seq) {
	retrans := seq.LT(c.sndMax)
	if retrans {
		n := end.Sub(seq)
		c.stats.Retransmits++
		if c.finQueued && end.GT(c.finSeq) {
			n--
		}
		if seq == c.iss {
			n = 0
		}
		c.stats.RetransmittedBytes += int64(max(n, 0))
	}
	c.sent.push(sentSegment{seq: seq, end: end, sentAt: now, retransmitted: retrans})
	c.sndNxt = end
	if end.GT(c.sndMax) {
		c.sndMax = end
	}
	if c.rtxAt == units.Never {
		c.rtxAt = now.Add(c.rtt.current())
	}
	c.lastSend = now
}

// build makes a segment: payload copied from the send buffer, then headers
// written in place. Every segment but the first SYN carries the current
// acknowledgment, which settles any ACK owed.
func (c *Conn) build(now units.Time, seq Seq, flags uint8, n int, synOpts *Options) *packet.Packet {
	p := c.packet()
	if n > 0 {
		c.sndBuf.read(seq, ReservePayload(p, n))
		c.stats.BytesSent += int64(n)
	} else {
		ReservePayload(p, 0)
	}
	s := &c.seg
	s.Src, s.Dst = c.id.localAddr, c.id.remoteAddr
	s.SrcPort, s.DstPort = c.id.localPort, c.id.remotePort
	s.Seq = seq
	s.Flags = flags
	s.TTL = c.cfg.TTL
	s.IPID = uint16(c.stats.SegmentsSent)
	s.ECN = ECNNotECT
	s.Payload = nil
	if synOpts != nil {
		s.Opts = *synOpts
	} else {
		s.Opts = Options{}
		if c.tsOK {
			s.Opts.HasTimestamps = true
		}
	}
	if s.Opts.HasTimestamps {
		s.Opts.TSVal = c.tsNow(now)
		s.Opts.TSEcr = c.tsRecent
	}
	s.Ack = 0
	if flags&FlagACK != 0 {
		s.Ack = c.rcvNxt()
		c.ackNow, c.ackPending, c.ackAt = false, 0, units.Never
	}
	s.Window = c.advertise(flags&FlagSYN != 0)
	EncodeSegment(p, s)
	p.Flow = c.host.flowTag
	c.stats.SegmentsSent++
	return p
}

// rcvNxt is RCV.NXT including the peer's FIN once it has been received.
func (c *Conn) rcvNxt() Seq {
	if c.finRcvd {
		return c.rcvBuf.nxt.Add(1)
	}
	return c.rcvBuf.nxt
}

// advertise returns the window field for an outgoing segment. The right
// edge only moves when it can move by at least min(buffer/2, MSS), the
// receiver's silly window avoidance of RFC 9293 §3.8.6.2.2, and never moves
// left.
func (c *Conn) advertise(syn bool) uint16 {
	nxt := c.rcvNxt()
	edge := nxt.Add(c.rcvBuf.window())
	if edge.Sub(c.rcvAdv) >= min(c.rcvBuf.limit/2, c.cfg.MSS) || c.rcvAdv.LT(nxt) {
		c.rcvAdv = edge
	}
	w := c.rcvAdv.Sub(nxt)
	c.rcvWup = nxt
	if syn {
		return uint16(min(w, 65535))
	}
	w >>= c.rcvShift
	return uint16(min(w, 65535))
}

// maybeWindowUpdate owes the peer an ACK when reading has opened the window
// substantially while the advertised window is small.
func (c *Conn) maybeWindowUpdate() {
	if !c.state.synchronized() || !c.state.canReceive() {
		return
	}
	nxt := c.rcvNxt()
	remaining := c.rcvAdv.Sub(nxt)
	grow := nxt.Add(c.rcvBuf.window()).Sub(c.rcvAdv)
	if remaining < c.rcvBuf.limit/2 && grow >= min(c.rcvBuf.limit/2, 2*c.cfg.MSS) {
		c.ackNow = true
	}
}

// tsNow is the timestamp clock: milliseconds, like Linux's, offset by a
// per-connection random value (RFC 7323 §5.4).
func (c *Conn) tsNow(now units.Time) uint32 {
	return uint32(int64(now)/int64(units.Millisecond)) + c.tsOffset
}
