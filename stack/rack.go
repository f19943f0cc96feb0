package stack

import "github.com/ccbench/ccbench/units"

// RACK-TLP (RFC 8985). RACK decides that a segment is lost when a segment
// sent after it has been delivered and more than one RTT plus a reordering
// window has passed since it was sent: loss is detected by time, not by
// counting duplicate ACKs, so a lost retransmission is found without a
// timeout. TLP (tail loss probe) sends one segment about two RTTs after the
// last transmission when the ACKs stop coming, so that losses at the tail
// of a flight produce the SACK information RACK needs instead of an RTO.

// rackState is RFC 8985 §6.1's per-connection state.
type rackState struct {
	xmitTS  units.Time     // send time of the most recently sent segment delivered
	endSeq  Seq            // its end
	rtt     units.Duration // RTT of that segment
	fack    Seq            // highest end of any delivered segment
	minRTT  units.Duration
	seen    bool // a segment has been delivered
	reorder bool // reordering has been observed

	// reoWndMult scales the reordering window; it grows with each D-SACK
	// (a spurious retransmission) and resets after 16 recoveries (§6.2
	// step 4).
	reoWndMult       int
	reoWndPersist    int
	dsackRoundEnd    Seq
	dsackRoundActive bool

	// TLP (§7): the end of the episode's probe and whether it was a
	// retransmission.
	tlpEnd     Seq
	tlpActive  bool
	tlpRetrans bool
	tlpDSACKed bool
}

// rackDelivered updates RACK with a segment newly acknowledged or SACKed
// (§6.2 steps 1-3).
func (c *Conn) rackDelivered(now units.Time, s *sentSegment) {
	r := &c.rack
	rtt := now.Sub(s.sentAt)
	if s.retransmitted && r.minRTT > 0 && rtt < r.minRTT {
		// Possibly the ACK of the original transmission, not of the
		// retransmission: the sample would be too short to be real.
		return
	}
	if r.minRTT == 0 || rtt < r.minRTT {
		r.minRTT = rtt
	}
	r.rtt = rtt
	if !r.seen || s.sentAt > r.xmitTS || s.sentAt == r.xmitTS && s.end.GT(r.endSeq) {
		r.xmitTS, r.endSeq = s.sentAt, s.end
	}
	if r.seen && !s.retransmitted && s.end.LT(r.fack) {
		r.reorder = true
	}
	if !r.seen || s.end.GT(r.fack) {
		r.fack = s.end
	}
	r.seen = true
}

// rackOnDSACK widens the reordering window after a spurious retransmission,
// at most once per round trip (§6.2 step 4).
func (c *Conn) rackOnDSACK() {
	r := &c.rack
	if r.dsackRoundActive && c.sndUna.LT(r.dsackRoundEnd) {
		return
	}
	r.dsackRoundActive, r.dsackRoundEnd = true, c.sndNxt
	r.reoWndMult++
	r.reoWndPersist = 16
}

// rackReoWnd is the reordering window (§6.2 step 4) as Linux's
// tcp_rack_reo_wnd computes it: zero until reordering is seen once in
// recovery or with DupThresh segments SACKed, otherwise a quarter of the
// minimum RTT per D-SACK step, at most SRTT.
func (c *Conn) rackReoWnd() units.Duration {
	r := &c.rack
	if !r.reorder {
		if c.inRecovery || c.rtoRecovery {
			return 0
		}
		if c.sent.sackedBytes >= dupThresh*c.sndMSS {
			return 0
		}
	}
	w := r.minRTT / 4 * units.Duration(max(r.reoWndMult, 1))
	return min(w, c.rtt.srtt)
}

// rackTimerSlack is added to the reordering timer, as Linux's
// tcp_rack_mark_lost adds TCP_TIMEOUT_MIN (2 ms) to the wait
// tcp_rack_detect_loss returns, so that the timer fires after, not at, the
// moment the segment's window expires.
const rackTimerSlack = 2 * units.Millisecond

// rackDetectLoss marks lost every outstanding segment sent before the most
// recently delivered one whose reordering window has expired, and returns
// how long until the next one would expire, or 0 (§6.2 step 5).
//
// The scoreboard's send-time list holds exactly the records this may
// concern, oldest transmission first: the walk marks from its head while
// windows have expired and stops at the first that has not, as every
// later record was sent later still. The longest wait is that of the newest
// record sent before the delivered one, which the list's cursor finds.
// The records visited are the ones a walk in sequence order visits when it
// stops at the first record never retransmitted and sent after the
// delivered one: new data leaves in sequence order, so every record above
// that one was last sent after it too.
func (c *Conn) rackDetectLoss(now units.Time) (lost bool, wait units.Duration) {
	r := &c.rack
	if !r.seen {
		return false, 0
	}
	q := &c.sent
	window := r.rtt + c.rackReoWnd()
	for q.tsHead >= 0 {
		s := &q.segs[q.tsHead]
		if !sentBefore(s, r.xmitTS, r.endSeq) || s.sentAt.Add(window).Sub(now) > 0 {
			break
		}
		q.markLost(q.index(q.tsHead), true)
		lost = true
	}
	if p := q.tsLastBefore(r.xmitTS, r.endSeq); p >= 0 {
		wait = max(q.segs[p].sentAt.Add(window).Sub(now), 0)
	}
	return lost, wait
}

// tlpTimeout is the probe timeout as Linux's tcp_schedule_loss_probe
// computes it (RFC 8985 §7.2 in substance): two smoothed RTTs, plus the
// minimum RTO when a single segment is in flight (its ACK may be delayed)
// or TCP_TIMEOUT_MIN (2 ms) otherwise; 1 s before any RTT sample. It never
// ends later than the RTO would: on an ACK that advances the RTO
// (advancing) that is a whole RTO from now, otherwise the time left before
// the RTO of the oldest outstanding segment (tcp_rto_delta_us).
func (c *Conn) tlpTimeout(now units.Time, advancing bool) units.Duration {
	const timeoutMin = 2 * units.Millisecond // TCP_TIMEOUT_MIN
	pto := units.Second                      // TCP_TIMEOUT_INIT
	if c.rtt.srtt > 0 {
		pto = 2 * c.rtt.srtt
		if c.sent.len() == 1 {
			pto += c.cfg.MinRTO
		} else {
			pto += timeoutMin
		}
	}
	rto := c.rtt.current()
	rtoLeft := rto
	if !advancing && c.sent.len() > 0 {
		rtoLeft = c.sent.at(0).sentAt.Add(rto).Sub(now)
	}
	if rtoLeft > 0 {
		pto = min(pto, rtoLeft)
	}
	return pto
}

// tlpEligible reports whether a probe timer may replace the RTO now: RACK
// mode, data outstanding, and, as Linux's tcp_schedule_loss_probe
// requires, the Open state: no recovery under way, nothing SACKed or
// marked lost, and no probe already out (RFC 8985 §7.2).
func (c *Conn) tlpEligible() bool {
	return c.recoveryMode() == RecoveryRACK && c.state.synchronized() &&
		!c.inRecovery && !c.rtoRecovery && !c.rack.tlpActive && c.sndUna != c.sndMax &&
		c.sent.sackedBytes == 0 && c.sent.lostBytes == 0
}

// rearmRTO replaces a probe timer with the RTO of the oldest outstanding
// segment, as Linux's tcp_rearm_rto does when the probe is no longer
// allowed: the RTO counts from that segment's last transmission, and
// fires at once if that time has passed.
func (c *Conn) rearmRTO(now units.Time) {
	at := now.Add(c.rtt.current())
	if c.sent.len() > 0 {
		at = max(c.sent.at(0).sentAt.Add(c.rtt.current()), now.Add(units.Microsecond))
	}
	c.rtxAt, c.rtxKind = at, timerRTO
}
