package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Timers. A connection keeps a few deadlines, each a plain time (Never when
// stopped):
//
//   - the retransmission timer, which is one of four kinds at a time, like
//     Linux's: the RTO (which also resends SYN and FIN), RACK's tail loss
//     probe, or the zero-window persist timer;
//   - RACK's reordering timer, which re-runs loss detection when a
//     segment's reordering window expires;
//   - the delayed-ACK timer;
//   - the keepalive timer;
//   - the end of TIME-WAIT or of an orphaned FIN-WAIT-2.

type timerKind uint8

const (
	timerRTO timerKind = iota
	timerTLP
	timerPersist
)

// nextDeadline is the earliest time c needs onTimer.
func (c *Conn) nextDeadline() units.Time {
	t := min(c.rtxAt, c.ackAt, c.timeWait, c.reorderAt, c.keepaliveAt)
	if c.pacingWait {
		t = min(t, c.nextSendAt)
	}
	return t
}

// onPacingTimer does what onTimer would, and reports true, when no timer
// but the pacing release can be due: onTimer would then fail every test
// but the pacing one. A paced sender wakes so for every segment it sends;
// this inlines into OnTimer, where onTimer is a call.
func (c *Conn) onPacingTimer(now units.Time) bool {
	if min(c.timeWait, c.ackAt, c.reorderAt, c.keepaliveAt, c.rtxAt) <= now {
		return false
	}
	c.tsoValid, c.tsoDeferred = false, false
	if c.pacingWait && c.nextSendAt <= now {
		c.pacingWait = false
	}
	return true
}

// onTimer runs every timer whose deadline has passed.
func (c *Conn) onTimer(now units.Time) {
	c.tsoValid = false // a timeout may change the window (push.go)
	c.tsoDeferred = false
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
		if c.cfg.QuickACK && c.ackSched {
			// Linux's tcp_delack_timer_handler: a delayed ACK that had
			// to wait for the timer inflates ato, or, in pingpong mode
			// (the answer it waited for did not come), leaves the mode
			// and deflates it.
			if c.pingpong {
				c.pingpong, c.ato = false, c.cfg.DelayedACK
			} else {
				c.ato = min(2*c.ato, c.rtt.current())
			}
		}
	}
	if c.pacingWait && c.nextSendAt <= now {
		c.pacingWait = false // Output may release the next segment
	}
	if c.reorderAt <= now {
		c.reorderAt = units.Never
		c.onReorderTimeout(now)
	}
	if c.keepaliveAt <= now {
		c.keepaliveAt = units.Never
		c.onKeepalive(now)
		if c.state == Closed {
			return
		}
	}
	if c.rtxAt <= now {
		c.rtxAt = units.Never
		switch c.rtxKind {
		case timerTLP:
			c.onProbeTimeout(now)
		case timerPersist:
			c.onPersistTimeout(now)
		default:
			c.onRetransmitTimeout(now)
		}
	}
}

// onRetransmitTimeout handles an expiry of the retransmission timer
// (RFC 6298 §5.4-5.6, RFC 5681 §3.1): back off, tell congestion control,
// and mark everything not SACKed lost, so that it is retransmitted from
// SND.UNA as the reset window allows (go-back-N without SACK, only the holes
// with it).
func (c *Conn) onRetransmitTimeout(now units.Time) {
	switch c.state {
	case SynSent, SynReceived:
		if c.synExpired(now) {
			c.terminate(ErrTimedOut)
			return
		}
		c.retries++
		if c.state != SynSent || c.retries > c.cfg.SYNLinearTimeouts {
			c.rtt.backOff()
		}
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
	priorRetries := c.retries
	c.retries++
	if c.retries > c.cfg.DataRetries {
		c.terminate(ErrTimedOut)
		return
	}
	// tcp_enter_loss: a timeout outside recovery, or once recovery's data
	// is all acknowledged, or the first of a Loss state, is a new
	// reduction, remembered so that it can be undone (tcp_init_undo).
	newRecovery := !c.inRecovery && !c.rtoRecovery
	if newRecovery && !c.inCWR || c.recover.LEQ(c.sndUna) || c.rtoRecovery && priorRetries == 0 {
		c.undoActive, c.undoMarker = true, c.sndUna
		c.undoPriorCwnd = c.cwnd()
		// tcp_current_ssthresh.
		c.undoPriorSsthr = c.cc.Ssthresh()
		if !c.inRecovery && !c.inCWR {
			c.undoPriorSsthr = max(c.undoPriorSsthr, c.undoPriorCwnd/4*3)
		}
		c.undoRetrans = ceilDiv(c.sent.rtxBytes, c.sndMSS)
		c.undoRetransSent = c.undoRetrans > 0
	}
	// F-RTO may judge this timeout unless it comes in a recovery that is
	// still going, other than a repeated timeout of the same data.
	c.frto = c.cfg.FRTO && (newRecovery || priorRetries > 0)
	c.frtoNew = false
	c.ev = cc.Event{Kind: cc.RTO, Now: now, Inflight: c.inflight()}
	c.cc.OnCongestion(&c.ev)
	c.rtt.backOff()
	c.inRecovery, c.inCWR = false, false
	c.rtoRecovery = true
	c.dupAcks = 0
	c.renoSacked = 0
	c.renoPartialExits = 0
	c.recover = c.sndMax // RFC 6582 §3.2 step 4: no fast retransmit for older data
	c.rtxPending = false
	c.rack.tlpActive = false
	c.reorderAt = units.Never
	for i := 0; i < c.sent.len(); i++ {
		c.sent.markLost(i, true)
	}
	// The timer runs again at once with the backed-off RTO, as Linux's
	// tcp_retransmit_timer always rearms it (out_reset_timer): the
	// retransmission Output sends at this instant restarts it at the same
	// deadline, and if nothing can go (the windows hold it), the next
	// timeout still comes instead of none.
	c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
}

// synRetryMin is Linux's TCP_TIMEOUT_MIN (2 jiffies, 2 ms at HZ = 1000):
// how soon the SYN goes again after a SYN-ACK with a bad ACK drew our RST.
const synRetryMin = 2 * units.Millisecond

// synExpired reports whether the handshake has run out of retries when its
// timer expires (Linux's tcp_write_timeout for SYN-SENT and a full socket's
// SYN-RECEIVED; a listener's half-open entries have their own count,
// listener.go). An active open may retransmit its SYN SYNRetries times
// plus the SYNLinearTimeouts it makes before backing off, but gives up
// once the time since the first SYN reaches what SYNRetries backed-off
// timeouts would take (retransmits_timed_out, tcp_model_timeout): with
// SYNRetries = 2, SYNs at 0, 1, 2, 3, 4 and 5 s and ETIMEDOUT at 7 s, not
// a seventh SYN.
func (c *Conn) synExpired(now units.Time) bool {
	if c.state == SynReceived {
		return c.retries >= c.cfg.SYNACKRetries
	}
	if c.retries >= c.cfg.SYNRetries+c.cfg.SYNLinearTimeouts {
		return true
	}
	return c.retries > 0 && now.Sub(c.firstSYNAt) >= modelTimeout(c.cfg.SYNRetries, c.cfg.InitialRTO, c.cfg.MaxRTO)
}

// modelTimeout is Linux's tcp_model_timeout: how long boundary
// retransmissions take when the timeout starts at base and doubles up to
// max.
func modelTimeout(boundary int, base, max units.Duration) units.Duration {
	thresh := 0 // ilog2(max / base): doublings before the cap
	for base<<(thresh+1) <= max {
		thresh++
	}
	if boundary <= thresh {
		return units.Duration(2<<boundary-1) * base
	}
	return units.Duration(2<<thresh-1)*base + units.Duration(boundary-thresh)*max
}

// onReorderTimeout re-runs RACK loss detection when the reordering window
// of an outstanding segment expires (RFC 8985 §6.3).
func (c *Conn) onReorderTimeout(now units.Time) {
	lost, wait := c.rackDetectLoss(now)
	if wait > 0 {
		c.reorderAt = now.Add(wait + rackTimerSlack)
	}
	if lost {
		if !c.inRecovery && !c.rtoRecovery {
			c.enterRecovery(now)
			if !c.ccControlsRecovery {
				// As Linux's tcp_rack_reo_timeout: one segment's worth of
				// reduction, with no ACK to count.
				c.prrUpdate(c.sndMSS, 0, false)
			}
		}
		if c.rtxKind == timerTLP {
			c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
		}
	}
}

// onProbeTimeout sends a tail loss probe (RFC 8985 §7.3): new data if the
// windows allow it, otherwise the highest outstanding segment again; then
// the RTO takes over.
func (c *Conn) onProbeTimeout(now units.Time) {
	if c.sndUna == c.sndMax {
		return
	}
	c.stats.TLPProbes++
	c.rack.tlpActive = true
	c.rack.tlpDSACKed = false
	// A FIN not yet sent is new data to probe with (tcp_send_loss_probe
	// sends tcp_send_head, which may be the FIN alone).
	finUnsent := c.finQueued && c.sndNxt == c.finSeq
	c.rack.tlpRetrans = c.Unsent() == 0 && !finUnsent || c.sndWnd <= c.sndNxt.Sub(c.sndUna)
	c.tlpProbe = true
	c.rtxAt, c.rtxKind = now.Add(c.rtt.current()), timerRTO
}

// endTLPEpisode closes a probe episode once its probe is acknowledged
// (RFC 8985 §7.4): if the probe was a retransmission and no D-SACK showed
// it to be a duplicate, the original was lost and repaired by the probe,
// which calls for one congestion response.
func (c *Conn) endTLPEpisode(now units.Time) {
	r := &c.rack
	r.tlpActive = false
	if r.tlpRetrans && !r.tlpDSACKed && !c.inRecovery && !c.rtoRecovery {
		c.ev = cc.Event{Kind: cc.Loss, Now: now, Inflight: c.inflight()}
		c.cc.OnCongestion(&c.ev)
		c.ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: c.inflight(), Cwnd: c.cc.Ssthresh()}
		c.cc.OnCongestion(&c.ev)
	}
}

// armPersist starts zero-window probing (RFC 9293 §3.8.6.1): the peer's
// window is closed, data waits, and nothing is in flight to draw an ACK
// that would reopen it.
func (c *Conn) armPersist(now units.Time) {
	if c.persisting && c.rtxAt != units.Never {
		return
	}
	if !c.persisting {
		c.persisting = true
		c.retries = 0
		c.persistBackoff = 0
	}
	c.rtxAt, c.rtxKind = now.Add(c.persistInterval()), timerPersist
}

// persistInterval is the RTO backed off by the probes sent so far, capped
// at MaxPersist. Answers do not reset the backoff (only an open window
// does); they reset the count of unanswered probes that aborts.
func (c *Conn) persistInterval() units.Duration {
	d := c.rtt.rto
	for i := 0; i < c.persistBackoff && d < c.cfg.MaxPersist; i++ {
		d *= 2
	}
	return min(d, c.cfg.MaxPersist)
}

// onPersistTimeout sends a zero-window probe (tcp_probe_timer). The connection
// stays open as long as probes are answered; DataRetries unanswered probes
// in a row abort it.
func (c *Conn) onPersistTimeout(now units.Time) {
	if !c.persisting {
		return
	}
	if c.sndWnd > 0 {
		// The window is open but too small for silly-window avoidance to
		// fill: the timeout overrides it (RFC 9293 §3.8.6.2.1).
		c.persisting = false
		c.swsOverride = true
		return
	}
	c.retries++
	if c.retries > c.cfg.DataRetries {
		c.terminate(ErrTimedOut)
		return
	}
	c.persistBackoff++
	c.zwpPending = true
}

// armKeepalive (re)starts the keepalive timer after any segment from the
// peer.
func (c *Conn) armKeepalive(now units.Time) {
	if !c.cfg.Keepalive || !c.state.synchronized() || c.state == TimeWait {
		return
	}
	c.kaProbes = 0
	c.keepaliveAt = now.Add(c.cfg.KeepaliveIdle)
}

// onKeepalive probes an idle connection (RFC 1122 §4.2.3.6): a segment with
// SEG.SEQ = SND.NXT−1 and no data, which the peer must answer with an ACK.
// KeepaliveProbes unanswered probes abort the connection.
func (c *Conn) onKeepalive(now units.Time) {
	if !c.cfg.Keepalive || !c.state.synchronized() || c.state == TimeWait {
		return
	}
	if c.sndUna != c.sndMax || c.Unsent() > 0 {
		// Data is outstanding: the retransmission timer watches the peer.
		// Look again after a whole idle time, as Linux does.
		c.keepaliveAt = now.Add(c.cfg.KeepaliveIdle)
		return
	}
	if c.kaProbes >= c.cfg.KeepaliveProbes {
		// The peer is gone, or no longer knows the connection: reset it,
		// as Linux's tcp_keepalive_timer does (tcp_send_active_reset).
		c.queueActiveReset()
		c.terminate(ErrTimedOut)
		return
	}
	c.kaProbes++
	c.stats.KeepaliveProbes++
	c.kaPending = true
	c.keepaliveAt = now.Add(c.cfg.KeepaliveInterval)
}
