package stack

import "github.com/ccbench/ccbench/units"

// Visits that would find nothing. Output visits a connection after every
// touch, and again after every packet until one comes back empty. Two
// kinds of empty visit are common enough to be worth not making: a
// receiver's after a segment whose ACK is delayed, and a sender's after
// the segment that filled its congestion window. Both are recognised
// from the connection's state, and the recognition is exact: the visit
// not made would have changed nothing (quiet), or its changes are made
// at the same instant by the visit before it (windowFullVisit). A driver
// drains Output at each instant (schedule.go), so the visit skipped is
// the next one at that instant, with no touch in between.

// visitShortcutsOff makes Output visit as if neither shortcut existed:
// tests set it to compare the two.
var visitShortcutsOff bool

// quiet reports whether a visit now would return nil and change nothing,
// as a receiver's does after a segment it does not acknowledge yet. It
// walks output's path: Established takes no case of its switch; none of
// the flags it serves first is set (rtxPending would be cleared, so it
// must be clear already); sendNext's pacing gate is open; its
// nothing-to-send path is taken (nothing unsent, no FIN, no F-RTO data,
// nothing in c.sent), whose two effects are no-ops here: markAppLimited
// would store the value the field already holds, and chronoBlocked is not
// called (the chrono not running, nothing outstanding); and neither a
// keepalive nor an ACK is owed, so output returns nil. The visit's own
// bookkeeping is then only to take the connection out of the ready set
// (its deadline key is as it was: nothing changed). visit tests ackNow
// and c.sent first, inline: a sender's visit fails there.
func (c *Conn) quiet(now units.Time) bool {
	return c.state == Established && c.Unsent() == 0 && !c.finQueued && !c.frtoNew &&
		!c.stateAck && !c.rtxPending && !c.tlpProbe && !c.zwpPending && !c.kaPending &&
		now >= c.nextSendAt && c.chrono.state == chronoNone && c.sndNxt == c.sndUna &&
		c.rate.appLimited == c.appLimitedMark(c.pipe()) && !visitShortcutsOff
}

// windowFullVisit makes now the visit that would follow the segment of
// new data output has just sent, and reports whether it did, when that
// visit would find no room for the next segment and return nil. sendNext
// says when it may be so (tight); the test here is exact.
//
// It is called after a segment sendNext did not pace, with neither a
// keepalive nor an ACK owed (build cleared ackNow). sendNext worked out
// the pacing rate after the send, from the state the next visit would
// see, and found none: that visit's pacing gate is open. It would pass
// output's switch (a state that reached sendNext and sent falls through
// it again) and its flags (stateAck was clear, the others were cleared
// on the way to sendNext, and sending sets none of them), and call
// sendNext, which:
//   - passes the gate, and its nothing-to-send path, since the segment
//     just sent is a record in c.sent;
//   - reads allow = sendAllowance();
//   - with frtoNew set would try F-RTO's new data, and with a record to
//     resend would resend it or hold it: the shortcut is not taken then;
//   - calls sendData(now, allow), which sends nothing when allow is
//     below a segment, below the unsent bytes, and (if positive) below
//     the peer's window, with no FIN queued: planData's n is then
//     max(allow, 0), neither a whole segment, nor all that is unsent,
//     nor the peer's window, so it holds (holdWait: something is in
//     flight), and the restart after idle needs nothing in flight too.
//     sendData's effects (tsoSegs, tsoDefer) are its own, made here by
//     calling it;
//   - does not look for a rescue record (allow < MSS), nor call
//     markAppLimited (data waits), calls cwndValidate(true) (allow <
//     min(unsent, MSS)), and chronoBlocked(now, allow).
//
// output then finds no keepalive or ACK owed and returns nil.
func (c *Conn) windowFullVisit(now units.Time) bool {
	allow := c.sendAllowance()
	u := c.Unsent()
	if allow >= c.sndMSS || u <= max(allow, 0) || c.finQueued || c.frtoNew || visitShortcutsOff {
		return false
	}
	if allow > 0 && allow >= c.sndUna.Add(c.sndWnd).Sub(c.sndNxt) || c.nextLost() >= 0 {
		return false
	}
	if c.sendData(now, allow) != nil {
		panic("stack: sendData sent with less than a segment of window")
	}
	c.cwndValidate(true)
	c.chronoBlocked(now, allow)
	return true
}
