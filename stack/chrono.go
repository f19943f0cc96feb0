package stack

import (
	"math"

	"github.com/ccbench/ccbench/units"
)

// What held the sender back, timed as Linux's chrono accounting times it
// (tcp_chrono_start and tcp_chrono_stop, read back through TCP_INFO as
// tcpi_busy_time, tcpi_rwnd_limited and tcpi_sndbuf_limited): the sender
// is in one state at a time, and the time since the last change is
// charged to that state when it changes. A change can only follow a send
// decision, so the state is set where the sender stops (sendNext finding
// nothing it may send) and nowhere else: a few comparisons per stop, no
// allocation, one subtraction per change.
//
// Linux keeps no application-limited chrono: its busy time ends when the
// write queue empties, and the time outside it is the application's.
// Here that time is a state of its own, counted from the first byte the
// application gives the connection, so that a flow with data in flight
// but nothing more to send (an application writing slower than the
// network) is told apart from one the network holds back.

// chronoState is what the sender is limited by.
type chronoState uint8

const (
	// chronoNone: not timed, before the first write and once the FIN is
	// acknowledged or the connection ends.
	chronoNone chronoState = iota
	// chronoBusy: sending, or held by the congestion window, pacing or
	// loss recovery: the network's share (TCP_CHRONO_BUSY).
	chronoBusy
	// chronoRwnd: bytes to send, room in the congestion window, no room
	// in the peer's receive window (TCP_CHRONO_RWND_LIMITED).
	chronoRwnd
	// chronoSndbuf: everything in the send buffer sent, the buffer full,
	// room in the congestion window: the application could not write
	// what the window would carry (TCP_CHRONO_SNDBUF_LIMITED).
	chronoSndbuf
	// chronoApp: nothing to send, the buffer not full and room in the
	// congestion window: the application has not written more.
	chronoApp
	chronoStates
)

// chrono is the time charged to each state, the state now and since when.
type chrono struct {
	state chronoState
	since units.Time
	// last is the latest send decision, where an end with no time of its
	// own (terminate) stops the clock.
	last  units.Time
	spent [chronoStates]units.Duration
}

// set moves the chrono to s at now.
func (ch *chrono) set(now units.Time, s chronoState) {
	ch.last = now
	if s == ch.state {
		return
	}
	if ch.state != chronoNone {
		ch.spent[ch.state] += now.Sub(ch.since)
	}
	ch.state, ch.since = s, now
}

// chronoStop ends the timing at the connection's last send decision, for
// an end that comes with no time (terminate).
func (c *Conn) chronoStop() { c.chrono.set(c.chrono.last, chronoNone) }

// allowUnknown, as chronoBlocked's allow, stands for an allowance the
// caller has not worked out (a sender held by pacing, which never read the
// window): chronoBlocked works it out only in the one case that reads it.
// No real allowance is this large.
const allowUnknown = math.MaxInt

// chronoBlocked sets the chrono when sendNext has found nothing it may
// send with allow bytes of congestion window left (or allowUnknown). The
// states are tried in Linux's order of precedence for the same condition:
// a full congestion window is the network's, whatever else holds.
func (c *Conn) chronoBlocked(now units.Time, allow int) {
	if !c.chronoStillBusy(now) {
		c.chronoBlockedState(now, allow)
	}
}

// chronoStillBusy is chronoBlocked's usual case, a paced sender's once per
// segment, in a test that inlines: data waits and the peer's window has
// room for it, so the network holds the sender (chronoBlockedState's
// second case, whatever allow is), as it already did. It reports whether
// that was the case, and then has set the chrono.
func (c *Conn) chronoStillBusy(now units.Time) bool {
	if u := c.Unsent(); u > 0 && c.chrono.state == chronoBusy && c.sndUna.Add(c.sndWnd).Sub(c.sndNxt) >= min(u, c.sndMSS) {
		c.chrono.last = now
		return true
	}
	return false
}

// chronoBlockedState is chronoBlocked worked out in full.
func (c *Conn) chronoBlockedState(now units.Time, allow int) {
	s := chronoBusy
	u := c.Unsent()
	switch {
	case c.chrono.state == chronoNone && u == 0 && c.sndNxt == c.sndUna:
		// Nothing written yet (a receiver's connection, or a sender
		// before its first write): not timed.
		return
	case u > 0:
		need := min(u, c.sndMSS)
		if rwnd := c.sndUna.Add(c.sndWnd).Sub(c.sndNxt); rwnd < need && allow >= need {
			// allowUnknown passes the test; the allowance it stands for
			// may not.
			if allow != allowUnknown || c.sendAllowance() >= need {
				s = chronoRwnd
			}
		}
	case c.finQueued:
		// Closing: the last flight drains, then the FIN's ACK ends the
		// timing (onFINAcked).
		if c.sndUna == c.finSeq.Add(1) {
			s = chronoNone
		}
	case c.pipe() >= c.cwnd():
	case c.sndBuf.free() < c.sndMSS:
		s = chronoSndbuf
	default:
		s = chronoApp
	}
	c.chrono.set(now, s)
}

// SenderLimits is how long the sender spent in each state of its chrono
// accounting. Active is their sum: from the application's first write
// to the FIN's acknowledgment, the connection's end, or now.
type SenderLimits struct {
	Active units.Duration
	// Busy is the network's share: sending, or held by the congestion
	// window, pacing or recovery.
	Busy units.Duration
	// RwndLimited is held by the peer's receive window with room in the
	// congestion window (Linux's tcpi_rwnd_limited).
	RwndLimited units.Duration
	// SndbufLimited is held by a full send buffer with room in the
	// congestion window (Linux's tcpi_sndbuf_limited).
	SndbufLimited units.Duration
	// AppLimited is nothing to send with room in the window and the
	// buffer: the application's share.
	AppLimited units.Duration
}

// SenderLimits returns the chrono's times as of now.
func (c *Conn) SenderLimits(now units.Time) SenderLimits {
	spent := c.chrono.spent
	if c.chrono.state != chronoNone {
		spent[c.chrono.state] += now.Sub(c.chrono.since)
	}
	l := SenderLimits{
		Busy:          spent[chronoBusy],
		RwndLimited:   spent[chronoRwnd],
		SndbufLimited: spent[chronoSndbuf],
		AppLimited:    spent[chronoApp],
	}
	l.Active = l.Busy + l.RwndLimited + l.SndbufLimited + l.AppLimited
	return l
}
