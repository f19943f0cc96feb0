package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Segment departure. Output hands out at most one packet per call, in this
// order of priority: the SYN or SYN-ACK, a retransmission asked for by loss
// recovery, new data (and the FIN after it) as the congestion and receive
// windows allow, and finally a bare ACK if one is owed.

// output returns the next packet c may send now, or nil.
func (c *Conn) output(now units.Time) *packet.Packet {
	// Established, the usual state, takes none of the cases: one comparison
	// instead of the switch's several.
	if c.state != Established {
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
				if c.tfo.child {
					return c.repeatSynAck(now)
				}
				c.sndNxt = c.iss
				return c.sendSYN(now)
			}
			if !c.tfo.child {
				return nil
			}
			// A Fast Open server may send data after its SYN-ACK, before the
			// handshake completes (RFC 7413 §4.2.2).
		}
	}
	if c.stateAck {
		return c.sendStateACK(now)
	}
	if c.rtxPending {
		// The fast retransmission leaves whatever the window says.
		c.rtxPending = false
		if i := c.nextLost(); i >= 0 {
			return c.retransmit(now, i)
		}
	}
	if c.tlpProbe {
		c.tlpProbe = false
		if p := c.sendTLP(now); p != nil {
			return p
		}
	}
	if c.zwpPending {
		c.zwpPending = false
		if p := c.sendZeroWindowProbe(now); p != nil {
			return p
		}
	}
	if p, paced, tight := c.sendNext(now); p != nil {
		if owed := c.kaPending || c.ackNow; !owed && paced && now < c.nextSendAt {
			// Paced: the next visit would stop at sendNext's pacing gate
			// and return nil, with nothing else owed (the flags above
			// were cleared on the way here, and the segment carried
			// the ACK). Its two effects are taken now, as that visit
			// would take them at this instant, and the visit is not
			// made (drained): a paced sender's, once per segment.
			c.pacingWait = true
			if !c.chronoStillBusy(now) {
				c.chronoBlockedState(now, allowUnknown) // chronoBlocked, its test inlined
			}
			c.drained = true
		} else if !owed && tight && c.windowFullVisit(now) {
			c.drained = true // the next visit was made now (quiet.go)
		}
		return p
	}
	if c.kaPending {
		c.kaPending = false
		return c.sendKeepalive(now)
	}
	if c.ackNow {
		// sendNext found nothing and no keepalive was due; the ACK
		// settles what was owed (build clears ackNow), and nothing it
		// changes is read by the path above. A second visit now would
		// run sendNext to the same nil, markAppLimited and the chrono
		// taking the same values: the receiver's, once per ACK it sends.
		c.drained = true
		return c.sendACK(now)
	}
	return nil
}

// sendStateACK acknowledges, with the CE state it arrived with, the data
// received before a CE-state change (RFC 8257 §3.2).
func (c *Conn) sendStateACK(now units.Time) *packet.Packet {
	ece, ackNow, pending, ackAt := c.eceEcho, c.ackNow, c.ackPending, c.ackAt
	c.eceEcho = c.stateAckECE
	p := c.build(now, c.sndNxt, FlagACK, 0, nil, false)
	c.stateAck = false
	// The segment that changed the state is acknowledged as it would
	// have been: build settled only the older data.
	c.eceEcho, c.ackNow, c.ackPending, c.ackAt = ece, ackNow, pending, ackAt
	return p
}

// sendFRTONew is F-RTO's step 2b (tcp_xmit_recovery's REXMIT_NEW): after
// the ACK that asked for it, new data goes first. It returns a segment, or
// whether to hold back (new data went, so no retransmission until the next
// ACK); when no new data could go at all, F-RTO is over and go-back-N goes
// on. It is called only while frtoNew is set (sendNext checks, so that the
// usual visit makes no call).
func (c *Conn) sendFRTONew(now units.Time, allow int) (p *packet.Packet, hold bool) {
	if p = c.sendData(now, allow); p != nil {
		return p, false
	}
	c.frtoNew = false
	if hold = c.sndMax.GT(c.recover); !hold {
		c.frto = false
	}
	return nil, hold
}

// sendNext picks what to send as RFC 6675's NextSeg does: the oldest lost
// record first; otherwise new data; otherwise, in SACK recovery, a record
// below the highest SACKed byte that was never retransmitted. paced
// reports whether a segment sent moved the pacing gate (nextSendAt);
// tight, that it was not paced and may have left less than a segment of
// congestion window, by the allowance before it less the new data it
// carried (a hint for output, which makes sure: windowFullVisit).
func (c *Conn) sendNext(now units.Time) (p *packet.Packet, paced, tight bool) {
	if now < c.nextSendAt && c.pacingRate() > 0 {
		c.pacingWait = true
		c.chronoBlocked(now, allowUnknown)
		return nil, false, false
	}
	if c.Unsent() == 0 && !c.finQueued && !c.frtoNew && c.sent.len() == 0 {
		// Nothing to send and nothing sent to resend, as for a receiver
		// after every segment it takes in, or a sender its application
		// has left idle: Linux's tcp_push_pending_frames, which finds no
		// send head, returns at once. The path below would conclude the
		// same (no F-RTO data, no lost or rescue record, no new data);
		// only its two side effects are kept, with the conditions of
		// the ending below. (Written out rather than shared: a helper
		// or a single ending costs 1% of the bottleneck run's
		// instructions, measured without PGO, on a path taken once or
		// twice per segment.)
		if pipe := c.pipe(); c.rate.appLimited != c.appLimitedMark(pipe) && pipe < c.cwnd() && c.sndBuf.free() >= c.sndMSS {
			c.markAppLimited(pipe) // (unless it would store what is there)
		}
		if c.chrono.state != chronoNone || c.sndNxt != c.sndUna {
			// allow is read only when data waits. Without the test,
			// chronoBlocked's first case would return at once (nothing
			// unsent, nothing timed yet), as for a receiver.
			c.chronoBlocked(now, 0)
		}
		return nil, false, false
	}
	allow, nxt := c.sendAllowance(), c.sndNxt
	hold := false
	if c.frtoNew {
		p, hold = c.sendFRTONew(now, allow)
	}
	if p != nil || hold {
		// F-RTO's new data went, or went before: nothing else this ACK.
	} else if i := c.nextLost(); i >= 0 {
		// A FIN costs no window; and with nothing in flight one segment
		// may always go, or a window smaller than the lost record would
		// stall the connection with no timer to rescue it.
		if need := c.sent.at(i).len() - c.finByte(c.sent.at(i)); allow < need && c.pipe() > 0 {
			c.cwndValidate(true)
			c.chrono.set(now, chronoBusy)
			return nil, false, false
		}
		p = c.retransmit(now, i)
	} else if p = c.sendData(now, allow); p == nil && c.inRecovery && c.useSACK() && allow >= c.sndMSS {
		if i := c.nextRescue(); i >= 0 {
			p = c.retransmit(now, i)
		}
	}
	if p == nil {
		// Out of data with window to spare, and not because the send
		// buffer is full: a sender held by its buffer is limited by it,
		// not by the application (Linux grows the buffer to twice cwnd,
		// tcp_sndbuf_expand, so it is never the limit there).
		if c.Unsent() == 0 && !c.finQueued {
			if pipe := c.pipe(); pipe < c.cwnd() && c.sndBuf.free() >= c.sndMSS {
				c.markAppLimited(pipe)
			}
		}
		if u := c.Unsent(); u > 0 && allow < min(u, c.sndMSS) {
			c.cwndValidate(true)
		}
		c.chronoBlocked(now, allow)
		return nil, false, false
	}
	c.cwndValidate(c.pipe() >= c.cwnd())
	// The rate is pacingRate's, with the algorithm's own read once: whether
	// it has one also says what the segment costs (below).
	rate := c.cc.PacingRate()
	own := rate > 0
	if !own {
		rate = 0
		if c.cfg.Pacing {
			rate = c.linuxPacingRate()
		}
	}
	if rate > 0 {
		// Release the next segment no sooner than this one takes at the
		// pacing rate, counting from now if the sender was idle: an idle
		// sender earns no burst credit.
		//
		// A difference from Linux, kept on purpose: Linux paces whole
		// skbs, sized by tcp_tso_autosize (about 1 ms of data at the
		// pacing rate, at least two segments, up to 64 KB), so at low
		// rates it releases two MSS at a time and at high rates bursts of
		// up to 44 segments, each followed by its transmission time. Here
		// every segment is paced on its own: the same average rate, with
		// smoother arrivals at the bottleneck (at most one segment's worth
		// of pacing burst instead of one skb's). Bursts were tried and
		// left out: they make a connection's output depend on the exact
		// instant a burst began, which the host's scheduling (schedule.go)
		// does not track, and they would shift every paced result (BBR's
		// above all) for a difference of under 1 ms of data per burst.
		//
		// What a segment costs: an algorithm's own rate (BBR's) is paced
		// as Linux's internal pacing does without the fq qdisc, which
		// charges the segment's payload (tcp_update_skb_after_send
		// divides skb->len, the data, by the rate: the rate is a model of
		// delivered data); tcp.pacing stands for fq, which charges the
		// packet's length on the wire (fq_dequeue, qdisc_pkt_len).
		cost := c.lastPayload
		if !own {
			cost = p.Len()
		}
		c.nextSendAt = max(c.nextSendAt, now).Add(c.pacingTx.TxTime(rate, cost))
	}
	return p, rate > 0, rate == 0 && allow-c.sndNxt.Sub(nxt) < c.sndMSS
}

// cwndValidate latches whether the congestion window limited the sender,
// for a round trip, as Linux's tcp_cwnd_validate keeps is_cwnd_limited:
// the mark is renewed whenever sending is window-limited, and otherwise
// only changes once SND.UNA has passed SND.NXT as of the last change
// (cwnd_usage_seq), so the ACKs of a window-limited flight count as
// window-limited even when the last of them leaves nothing in flight.
func (c *Conn) cwndValidate(limited bool) {
	if limited || !c.sndUna.LT(c.cwndUsageSeq) {
		c.cwndLimited, c.cwndUsageSeq = limited, c.sndNxt
	}
}

// pacingRate is the rate the sender paces at: the congestion control's,
// or, with Config.Pacing for an algorithm that does not pace, the rate
// Linux's tcp_update_pacing_rate gives it (linuxPacingRate: twice
// max(cwnd, in flight) per SRTT below half ssthresh, 1.2 times above);
// 0 for no pacing.
func (c *Conn) pacingRate() units.Rate {
	if r := c.cc.PacingRate(); r > 0 {
		return r
	}
	if !c.cfg.Pacing {
		return 0
	}
	return c.linuxPacingRate()
}

// sendSYN sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the
// options we offer, or for a SYN-ACK the ones the peer's SYN allows, and
// the Fast Open option and data where fastopen.go says.
func (c *Conn) sendSYN(now units.Time) *packet.Packet {
	var o wire.Options
	flags := c.synOptions(&o)
	synData := 0
	if c.state == SynSent {
		synData = c.fastOpenSYN(&o)
		if c.sndMax == c.iss {
			c.firstSYNAt = now // the handshake's timeout counts from here
		}
	}
	p := c.build(now, c.iss, flags, synData, &o, false)
	// A SYN is only ever the one record: a resent SYN or SYN-ACK replaces
	// the earlier one.
	c.sent.clear()
	c.afterSend(now, c.iss, c.iss.Add(1+synData))
	return p
}

// synOptions sets o to the options of our SYN or SYN-ACK and returns its
// flags.
func (c *Conn) synOptions(o *wire.Options) uint8 {
	flags := FlagSYN
	if c.state == SynReceived {
		flags |= FlagACK
	}
	*o = wire.Options{HasMSS: true, MSS: uint16(c.cfg.MSS)}
	if c.cfg.WindowScaling && (c.state == SynSent || c.rcvShift > 0 || c.sndShift > 0) {
		o.HasWScale, o.WScale = true, c.cfg.windowShift()
	}
	if c.cfg.Timestamps && (c.state == SynSent || c.tsOK) {
		o.HasTimestamps = true
	}
	if c.cfg.SACK && (c.state == SynSent || c.sackOK) {
		o.SACKPermitted = true
	}
	// ECN setup (RFC 3168 §6.1.1): ECE and CWR on the SYN, ECE alone on
	// the SYN-ACK that accepts.
	if c.state == SynSent && c.cfg.ECN {
		flags |= FlagECE | FlagCWR
	} else if c.state == SynReceived && c.ecnOK {
		flags |= FlagECE
	}
	if c.state == SynReceived && c.tfo.grantCookie {
		c.host.addFastOpenCookie(c.id.remoteAddr, o)
	}
	return flags
}

// sendData sends the next segment of new data if the congestion window
// (allow) and the peer's receive window permit, with the FIN on the last
// one.
func (c *Conn) sendData(now units.Time, allow int) *packet.Packet {
	if c.sndNxt.GT(c.sndBuf.end()) {
		return nil // only the FIN was left, and it has been sent
	}
	avail := c.Unsent()
	if avail == 0 && !c.finQueued {
		// Nothing to send (a receiver's usual case): planData would hold,
		// and there is no GSO size to work out.
		return nil
	}
	rwnd := c.sndUna.Add(c.sndWnd).Sub(c.sndNxt)
	if c.sndUna == c.sndMax && min(c.sndMSS, avail, allow, rwnd) > 0 && c.lastSend > 0 && now.Sub(c.lastSend) > c.rtt.current() && c.cc.Cwnd() > 0 {
		// Restart after idle (RFC 5681 §4.1): nothing was sent for longer
		// than an RTO, so the window is stale.
		c.ev = cc.Event{Kind: cc.IdleRestart, Now: now, Inflight: 0}
		c.cc.OnCongestion(&c.ev)
		allow = c.sendAllowance()
		c.tsoValid = false
	}
	tso := c.tsoSegs()
	inPacket := c.gsoSegs > 0 && c.sndNxt == c.gsoNext && c.gsoSegs < tso
	if !inPacket && c.tsoDefer(now, allow, rwnd, avail, tso) {
		return nil
	}
	n, fin, hold := c.planData(c.sndNxt, allow, inPacket)
	switch hold {
	case holdPersist:
		// The peer's window is closed or too small, and nothing in flight
		// will change it: the persist timer is the override timeout.
		c.armPersist(now)
		return nil
	case holdWait:
		return nil
	}
	if n > 0 && n != c.sndMSS && n < avail && n == rwnd {
		c.swsOverride = false // a short segment filled the window
	}
	flags := FlagACK
	if fin {
		flags |= FlagFIN
	}
	seq := c.sndNxt
	end := seq.Add(n)
	psh, last := false, false
	if n > 0 {
		room := followRoom(n, avail, allow, rwnd)
		last = fin || c.nothingFollows(room, end, allow-n, c.gsoSegs+1 < tso)
		if psh = c.dataPush(seq, end, n, last, tso); psh {
			flags |= FlagPSH
		}
		last = c.gsoSegs == 0
	}
	if fin {
		end = end.Add(1)
	}
	p := c.build(now, seq, flags, n, nil, true)
	r := c.afterSend(now, seq, end)
	if n > 0 {
		r.psh, r.gsoEnd = c.pushValid && seq.Add(n) == c.pushSeq, last
	}
	return p
}

// Why planData holds a segment back.
const (
	holdNone    = iota
	holdWait    // until an ACK, a write or the cork changes something
	holdPersist // and nothing in flight will: arm the persist timer
)

// planData says what the segment of new data starting at nxt would carry
// with allow bytes of congestion window: n bytes of data and whether the
// FIN rides on it, or why it must wait. inPacket says the segment would
// continue a GSO packet begun with a full segment (push.go). It changes
// nothing, so sendData can also ask it whether a further segment could
// follow at once.
func (c *Conn) planData(nxt Seq, allow int, inPacket bool) (n int, fin bool, hold int) {
	dataEnd := c.sndBuf.end()
	avail := dataEnd.Sub(nxt)
	rwnd := c.sndUna.Add(c.sndWnd).Sub(nxt)
	usable := max(min(allow, rwnd), 0)
	n = min(c.sndMSS, avail, usable)
	fin = c.finQueued && nxt.Add(n) == c.finSeq && allow > 0
	if c.finQueued && dataEnd == c.finSeq && avail <= c.sndMSS && avail <= rwnd && (avail > 0 || rwnd > 0) && allow > 0 {
		// The last segment, carrying the FIN, goes whole once the
		// congestion window has room for a segment, as Linux counts
		// cwnd in segments (tcp_cwnd_test). It waits for the window
		// like any other: Linux 6.x no longer exempts the final FIN
		// from tcp_cwnd_test, so a FIN behind a full window leaves on
		// the next ACK, or as the tail loss probe.
		n, fin = avail, true
	}
	switch {
	case n == 0 && !fin:
		if avail > 0 && rwnd <= 0 && c.sndUna == c.sndMax {
			// The peer's window is closed and nothing in flight will
			// reopen it.
			return 0, false, holdPersist
		}
		return 0, false, holdWait
	case n == c.sndMSS || n == 0:
	case n == avail:
		// Nagle (RFC 9293 §3.7.4) as Linux applies it (tcp_nagle_check):
		// a short segment waits while the cork is in, or while an earlier
		// short segment is unacknowledged (Minshall's variant), unless it
		// carries the FIN. A SYN-ACK not yet acknowledged is not data: a
		// Fast Open server's short answer leaves right behind it, as in
		// Linux.
		if !c.finQueued && !c.nagleOff && !c.pushQueued && (c.corked() || c.nagleHolds() && (c.sndUna != c.iss || nxt != c.iss.Add(1))) {
			return 0, false, holdWait
		}
	case n < avail && n == rwnd && (n >= c.maxSndWnd/2 || c.swsOverride):
		// Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): a short
		// segment may fill at least half the largest window the peer has
		// offered, or go when the override timeout (the persist timer)
		// has fired.
	case n < avail && n == rwnd && inPacket && !c.corked() && !c.nagleHolds():
		// Linux fills the window to its edge with the short tail of a GSO
		// packet whose first segment fitted, unless Nagle or the cork
		// holds it (tcp_mss_split_point).
	default:
		if n < avail && n == rwnd && c.sndUna == c.sndMax {
			// A small window and nothing in flight to change it: the
			// persist timer is the override timeout.
			return 0, false, holdPersist
		}
		return 0, false, holdWait
	}
	return n, fin, holdNone
}

// nothingFollows is sendData's look-ahead: whether planData(nxt, allow,
// inPacket) would let no segment with data go, for nxt just after the
// segment sendData sends. room is the least of the data, the congestion
// window and the peer's window left at nxt (planData's avail, allow and
// rwnd there): sendData works it out from its own, less the n bytes it
// sends, which is exact since n is above 0 and at most each (unless the
// FIN rides on the segment, when sendData does not ask), so no difference
// wraps. With room for a full segment one goes (planData's
// first case; the FIN can only ride on it); with none, no data goes (the
// last segment's rule needs room in all three); only in between is
// planData asked.
func (c *Conn) nothingFollows(room int, nxt Seq, allow int, inPacket bool) bool {
	return room <= 0 || room < c.sndMSS && !c.dataFollows(nxt, allow, inPacket)
}

// followRoom is the room the segment after n bytes of data sent at SND.NXT
// would have (nothingFollows), from sendData's avail, allow and rwnd.
func followRoom(n, avail, allow, rwnd int) int { return min(avail, allow, rwnd) - n }

// dataFollows reports whether planData(nxt, allow, inPacket) lets a segment
// with data go. It is kept out of line so that nothingFollows inlines.
//
//go:noinline
func (c *Conn) dataFollows(nxt Seq, allow int, inPacket bool) bool {
	n, _, hold := c.planData(nxt, allow, inPacket)
	return hold == holdNone && n > 0
}

// retransmit resends record i of the scoreboard.
func (c *Conn) retransmit(now units.Time, i int) *packet.Packet {
	s := c.sent.at(i)
	flags := FlagACK
	n := s.len()
	if c.finQueued && s.end == c.finSeq.Add(1) {
		flags |= FlagFIN
		n--
	}
	if n > 0 && c.rtxPush(now, i) {
		flags |= FlagPSH
	}
	p := c.build(now, s.seq, flags, n, nil, false)
	c.stats.Retransmits++
	c.stats.RetransmittedBytes += int64(n)
	c.stampRecord(s, now)
	c.sent.markRetransmitted(i, now)
	c.onSentInRecovery(s.len())
	if c.undoActive {
		c.undoRetransSent = true
		c.undoRetrans += ceilDiv(max(n, 1), c.sndMSS)
	}
	headRestart := i == 0 && !c.rack.tlpActive &&
		(c.rtxKind == timerTLP || c.cfg.LinuxRTO && c.rtxKind == timerRTO && (c.useSACK() || c.patient()))
	if c.rtxAt == units.Never || headRestart {
		// Retransmitting the oldest segment replaces a pending probe with
		// the RTO, and with LinuxRTO restarts the RTO: the retransmission
		// needs a whole round trip to be acknowledged (Linux's
		// tcp_xmit_retransmit_queue rearms the timer when it resends the
		// head of the retransmission queue), so a lost fast retransmission
		// without SACK times out one RTO after it was sent. NewReno keeps
		// RFC 6582 §4.1's impatient timer after the first partial ACK,
		// which a restart on every partial ACK's retransmission would
		// defeat.
		c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
	}
	c.lastSend = now
	return p
}

// sendTLP sends a tail loss probe: one new segment if the windows allow,
// otherwise the highest outstanding record again (RFC 8985 §7.3).
func (c *Conn) sendTLP(now units.Time) *packet.Packet {
	if !c.rack.tlpRetrans {
		// The probe ignores Nagle and the cork (tcp_send_loss_probe
		// pushes with TCP_NAGLE_OFF).
		c.nagleOff = true
		p := c.sendData(now, c.sndMSS)
		c.nagleOff = false
		if p != nil {
			c.rack.tlpEnd = c.sndNxt
			return p
		}
		c.rack.tlpRetrans = true
	}
	// The highest segment the peer does not hold: resending one it has
	// SACKed would draw no new information.
	i := c.sent.len() - 1
	for i >= 0 && c.sent.at(i).sacked {
		i--
	}
	if i < 0 {
		return nil
	}
	c.rack.tlpEnd = c.sndNxt
	return c.retransmit(now, i)
}

// sendZeroWindowProbe sends a zero-window probe as Linux's
// tcp_xmit_probe_skb does: an old sequence number, SND.UNA−1, and no data,
// which the peer must answer with an ACK carrying its current window
// (RFC 9293 §3.8.6.1 allows this form of probe). Nothing enters the
// retransmission queue, so an unanswered probe leaves nothing to resend.
func (c *Conn) sendZeroWindowProbe(now units.Time) *packet.Packet {
	c.stats.ZeroWindowProbes++
	p := c.build(now, c.sndUna.Add(-1), FlagACK, 0, nil, false)
	c.rtxAt, c.rtxKind = now.Add(c.persistInterval()), timerPersist
	return p
}

// sendKeepalive sends a keepalive probe: SEG.SEQ = SND.NXT−1 and no data,
// which the peer answers with an ACK (RFC 1122 §4.2.3.6).
func (c *Conn) sendKeepalive(now units.Time) *packet.Packet {
	return c.build(now, c.sndNxt.Add(-1), FlagACK, 0, nil, false)
}

// sendACK sends a bare acknowledgment.
func (c *Conn) sendACK(now units.Time) *packet.Packet {
	return c.build(now, c.sndNxt, FlagACK, 0, nil, false)
}

// afterSend does the bookkeeping for new data covering [seq, end) in
// sequence space (or a SYN): advance SND.NXT and SND.MAX, record it in the
// scoreboard, and start the retransmission timer if it is not running
// (RFC 6298 §5.1), or the tail loss probe in its place (RFC 8985 §7.2).
// It returns the new record.
func (c *Conn) afterSend(now units.Time, seq, end Seq) *sentSegment {
	retrans := seq.LT(c.sndMax)
	if retrans {
		c.stats.Retransmits++
	}
	// A range ends a GSO packet unless sendData says otherwise.
	r := c.sent.push(seq, end, now, retrans)
	c.stampRecord(r, now)
	c.sndNxt = end
	if end.GT(c.sndMax) {
		c.sndMax = end
	}
	c.onSentInRecovery(end.Sub(seq))
	if c.rtxAt == units.Never || c.rtxKind == timerTLP {
		if c.tlpEligible() {
			c.rtxAt, c.rtxKind = now.Add(c.tlpTimeout(now, false)), timerTLP
		} else if c.rtxAt == units.Never {
			c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
		}
	}
	c.lastSend = now
	return r
}

// build makes a segment: payload copied from the send buffer (with
// virtual payload only its length is set), then headers written in place. Every segment but the first SYN carries the current
// acknowledgment, which settles any ACK owed. A SYN's payload (Fast Open)
// starts after the SYN's sequence number.
func (c *Conn) build(now units.Time, seq Seq, flags uint8, n int, synOpts *wire.Options, newData bool) *packet.Packet {
	p := c.packet()
	c.lastPayload = n
	if n > 0 {
		if c.cfg.QuickACK && c.dataSeen && now.Sub(c.lastDataAt) < c.ato {
			// A reply within ato of the last data received: pingpong
			// mode (tcp_event_data_sent).
			c.pingpong = true
		}
		dataSeq := seq
		if flags&FlagSYN != 0 {
			dataSeq = seq.Add(1)
		}
		if c.sndBuf.virtual {
			wire.ReservePayloadLen(p, n) // only the length
		} else {
			c.readPayload(p, dataSeq, n)
		}
		c.stats.BytesSent += int64(n)
	} else {
		wire.ReservePayloadLen(p, 0)
	}
	s := &c.seg
	if !c.segFixed {
		// Only build writes seg, the encoders only read it, and the
		// connection's addresses and configuration never change.
		s.Src, s.Dst = c.id.localAddr, c.id.remoteAddr
		s.SrcPort, s.DstPort = c.id.localPort, c.id.remotePort
		s.TTL = c.cfg.TTL
		s.Payload = nil
		c.segFixed = true
	}
	s.Seq = seq
	s.Flags = flags
	s.IPID = uint16(c.stats.SegmentsSent)
	s.ECN = wire.ECNNotECT
	if synOpts != nil {
		s.Opts = *synOpts
	} else {
		s.Opts = wire.Options{}
		if c.tsOK {
			s.Opts.HasTimestamps = true
		}
		if c.sackOK && flags&FlagACK != 0 {
			c.fillSACK(&s.Opts)
		}
	}
	if c.ecnOK && flags&FlagSYN == 0 {
		// ECT(0) only on new data: never on SYNs, pure ACKs, probes or
		// retransmissions (RFC 3168 §6.1.5-6.1.6).
		if newData && n > 0 {
			s.ECN = wire.ECNECT0
			if c.cwrPending {
				s.Flags |= FlagCWR
				c.cwrPending = false
			}
		}
		if c.eceEcho {
			s.Flags |= FlagECE
		}
	}
	if s.Opts.HasTimestamps {
		s.Opts.TSVal = c.tsNow(now)
		s.Opts.TSEcr = c.tsRecent
	}
	s.Ack = 0
	if flags&FlagACK != 0 {
		s.Ack = c.rcvNxt()
		if c.stateAck {
			// Only what came before the CE-state change.
			s.Ack = c.stateAckSeq
		}
		c.ackNow, c.ackPending, c.ackAt = false, 0, units.Never
		if c.ackSched && c.quickAcks > 0 {
			// An ACK of new data uses up one quick ACK, and the last
			// one deflates ato (tcp_dec_quickack_mode).
			c.quickAcks--
			if c.quickAcks == 0 && c.cfg.QuickACK {
				c.ato = c.cfg.DelayedACK
			}
		}
		c.ackSched = false
		c.ackPushed, c.ackPushed2 = false, false
	}
	s.Window = c.advertise(flags&FlagSYN != 0)
	c.host.encoder(p, s)
	p.Flow = c.host.flowTag
	c.stats.SegmentsSent++
	return p
}

// readPayload gives p the n bytes of the send buffer from seq as its
// payload (with virtual payload, build sets only the length).
func (c *Conn) readPayload(p *packet.Packet, seq Seq, n int) {
	c.sndBuf.read(seq, wire.ReservePayload(p, n))
}

// rcvNxt is RCV.NXT including the peer's FIN once it has been received.
func (c *Conn) rcvNxt() Seq {
	if c.finRcvd {
		return c.rcvBuf.nxt.Add(1)
	}
	return c.rcvBuf.nxt
}

// advertise returns the window field for an outgoing segment. A SYN or
// SYN-ACK offers synWindow. After it, with Config.LinuxRcvWindow, the
// window is Linux's (linuxWindow, rcvwnd.go); otherwise the right edge
// only moves when it can move by at least min(buffer/2, MSS), the
// receiver's silly window avoidance of RFC 9293 §3.8.6.2.2. Neither moves
// the right edge left.
func (c *Conn) advertise(syn bool) uint16 {
	if syn || !c.cfg.LinuxRcvWindow {
		return c.advertiseOther(syn)
	}
	// advertiseLinux's memo, tested before the call: a sender's data
	// segments nearly always find it.
	nxt := c.rcvNxt()
	if m := &c.winMemo; m.holds(c, nxt) {
		if m.quickEnds {
			c.quickAcks = 0
		}
		return m.field
	}
	return c.advertiseLinux(nxt)
}

// advertiseOther is advertise for a SYN or SYN-ACK, and without
// Config.LinuxRcvWindow.
func (c *Conn) advertiseOther(syn bool) uint16 {
	nxt := c.rcvNxt()
	if syn && c.synRepeat {
		// A Fast Open child's repeated SYN-ACK carries the SYN's window
		// again, as Linux's tcp_make_synack does from the request's
		// initial window; it is an old segment's window, so it neither
		// moves the right edge already offered back nor starts the
		// receive window over.
		w := c.synWindow()
		if edge := nxt.Add(w); edge.GT(c.rcvAdv) {
			c.rcvAdv = edge
		}
		c.rcvWup = nxt
		return uint16(w)
	}
	if syn {
		w := c.synWindow()
		c.rcvAdv, c.rcvWup = nxt.Add(w), nxt
		advmss := c.advMSS()
		if c.listener != nil {
			advmss = c.cfg.MSS
		}
		c.initRcvWindow(w, advmss)
		return uint16(w)
	}
	edge := nxt.Add(c.rcvBuf.window())
	if c.rcvAdv.LT(nxt) || c.rcvAdv.GT(edge) || edge.Sub(c.rcvAdv) >= min(c.rcvBuf.limit/2, c.cfg.MSS) {
		c.rcvAdv = edge
	}
	w := c.rcvAdv.Sub(nxt)
	c.rcvWup = nxt
	w >>= c.rcvShift
	return uint16(min(w, 65535))
}

// synWindow is the window of our SYN or SYN-ACK (Config.synWindow). Linux
// rounds it to the payload of the peer's full-sized segments: our MSS on a
// SYN (tcp_connect_init, whose window a simultaneous open's SYN-ACK
// repeats), less the timestamp option on a listener's SYN-ACK that agrees
// to timestamps (tcp_openreq_init_rwin).
func (c *Conn) synWindow() int {
	mss := c.cfg.MSS
	if c.listener != nil && c.tsOK {
		mss -= 12
	}
	return c.cfg.synWindow(mss)
}

// maybeWindowUpdate owes the peer an ACK when reading has opened the window
// substantially while the advertised window is small.
func (c *Conn) maybeWindowUpdate() {
	if !c.state.synchronized() || !c.state.canReceive() {
		return
	}
	nxt := c.rcvNxt()
	if c.cfg.LinuxRcvWindow {
		// tcp_cleanup_rbuf: when at most half the clamp is still offered,
		// an ACK goes if the window it would offer is at least twice that.
		now := max(c.rcvAdv.Sub(nxt), 0)
		if 2*now <= c.windowClamp {
			if w := c.selectWindow(); w > 0 && w >= 2*now {
				c.ackNow = true
			}
		}
		return
	}
	remaining := c.rcvAdv.Sub(nxt)
	grow := nxt.Add(c.rcvBuf.window()).Sub(c.rcvAdv)
	if remaining < c.rcvBuf.limit/2 && grow >= min(c.rcvBuf.limit/2, 2*c.cfg.MSS) {
		c.ackNow = true
	}
}

// tsNow is the timestamp clock: milliseconds, like Linux's, offset by a
// per-connection random value (RFC 7323 §5.4).
func (c *Conn) tsNow(now units.Time) uint32 {
	return tsClock(now) + c.tsOffset
}

// tsTime converts an echoed timestamp back to the time it was taken, to
// the timestamp clock's millisecond.
func (c *Conn) tsTime(ecr uint32) units.Time {
	return units.Time(int64(ecr-c.tsOffset) * int64(units.Millisecond))
}

// fillSACK adds SACK blocks to an outgoing ACK (RFC 2018 §4): a pending
// D-SACK first (RFC 2883), then the block holding the most recently
// received out-of-order segment, then the other blocks most recently
// reported. wire.EncodeSegment drops blocks that do not fit.
func (c *Conn) fillSACK(o *wire.Options) {
	if !c.dsackPending && c.rcvBuf.nooo == 0 {
		// No block to send (the usual ACK, in order both ways): what
		// fillSACKBlocks would conclude, in a check that inlines.
		o.NumSACK = 0
		return
	}
	c.fillSACKBlocks(o)
}

func (c *Conn) fillSACKBlocks(o *wire.Options) {
	n, first := 0, 0
	if c.dsackPending {
		o.SACK[0] = wire.SACKBlock{Start: c.dsack.start, End: c.dsack.end}
		n, first = 1, 1
		c.dsackPending = false
		c.stats.DSACKsSent++
	}
	b := &c.rcvBuf
	if b.nooo == 0 {
		// Nothing held out of order: no remembered start is in a range
		// (the usual segment, in order both ways).
		o.NumSACK = n
		return
	}
	for _, seq := range c.sackRecent[:c.nSackRecent] {
		if n == wire.MaxSACKBlocks {
			break
		}
		r, ok := b.rangeContaining(seq)
		if !ok {
			continue
		}
		if c.finValid && r.end == c.peerFin {
			// A FIN received out of order is held with the data before
			// it, and its sequence number is reported with it (Linux's
			// out-of-order queue keeps the FIN in the skb's end_seq).
			r.end = r.end.Add(1)
		}
		// The D-SACK block is not compared: the block containing it follows
		// it even when identical, so the sender can tell it is a D-SACK
		// (RFC 2883 §4).
		dup := false
		for j := first; j < n; j++ {
			if o.SACK[j].Start == r.start && o.SACK[j].End == r.end {
				dup = true
			}
		}
		if !dup {
			o.SACK[n] = wire.SACKBlock{Start: r.start, End: r.end}
			n++
		}
	}
	o.NumSACK = n
}

// finByte is 1 if record s carries our FIN, else 0.
func (c *Conn) finByte(s *sentSegment) int {
	if c.finQueued && s.end == c.finSeq.Add(1) {
		return 1
	}
	return 0
}
