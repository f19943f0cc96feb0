package stack

// Conformance: the sender. Nagle's algorithm (RFC 9293 §3.7.4, RFC 896),
// sender silly-window avoidance (RFC 9293 §3.8.6.2.1), the peer's window
// as a hard limit (RFC 9293 §3.8.6), the initial window (RFC 6928) and
// the PSH bit (RFC 9293 §3.9.1.2).

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// Nagle: with data outstanding a short segment waits until the
// outstanding data is acknowledged; with nothing outstanding it leaves at
// once.
func TestConformanceNagleHoldsSmallSegment(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.at(110 * ms).write(100)
	s.none(119 * ms)
	s.at(120 * ms).write(50)
	s.none(129 * ms)
	s.at(130 * ms).in(". 1:1(0) ack 101")
	s.out(130*ms, "P. 101:251(150) ack 1")
	s.at(140 * ms).in(". 1:1(0) ack 251")
	s.none(units.Second)
}

// Nagle never holds a full-sized segment: with a short segment
// outstanding, a write of 1500 bytes sends 1000 at once and holds 500.
func TestConformanceNagleSendsFullSegments(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.at(105 * ms).write(1500)
	s.out(105*ms, ". 101:1101(1000) ack 1")
	s.none(109 * ms)
	// Minshall's Nagle, as Linux's: the tail waits only for the short
	// segment to be acknowledged, not the full one (tcp_minshall_check).
	s.at(110 * ms).in(". 1:1(0) ack 101")
	s.out(110*ms, "P. 1101:1601(500) ack 1")
	s.at(115 * ms).in(". 1:1(0) ack 1101")
	s.at(125 * ms).in(". 1:1(0) ack 1601")
	s.none(units.Second)
}

// With Nagle off (TCP_NODELAY) short segments leave as soon as written.
func TestConformanceNoDelaySendsAtOnce(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.at(110 * ms).write(100)
	s.out(110*ms, "P. 101:201(100) ack 1")
	s.at(120 * ms).write(1500)
	s.out(120*ms, ". 201:1201(1000) ack 1")
	s.out(120*ms, "P. 1201:1701(500) ack 1")
	s.at(130 * ms).in(". 1:1(0) ack 1701")
	s.none(units.Second)
}

// The initial window is ten segments (RFC 6928); the rest waits for ACKs.
func TestConformanceInitialWindowTenSegments(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(15000)
	for i := range 10 {
		s.out(10*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	s.none(19 * ms)
	// ACK of two segments: cwnd 12000, two out, two more may go.
	s.at(20 * ms).in(". 1:1(0) ack 2001")
	for i := 10; i < 14; i++ {
		s.out(20*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	s.none(21 * ms)
	s.at(22 * ms).in(". 1:1(0) ack 14001")
	s.out(22*ms, "P. 14001:15001(1000) ack 1")
	s.at(32 * ms).in(". 1:1(0) ack 15001")
	s.none(units.Second)
}

// The sender never exceeds the peer's advertised window, and sends more
// as the ACKs move its right edge.
func TestConformanceSenderRespectsPeerWindow(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 3000 <mss 1000>")
	s.write(6000)
	s.out(10*ms, ". 1:1001(1000) ack 1")
	s.out(10*ms, "P. 1001:2001(1000) ack 1")
	s.out(10*ms, ". 2001:3001(1000) ack 1")
	s.none(19 * ms)
	s.at(20 * ms).in(". 1:1(0) ack 1001 win 3000")
	s.out(20*ms, ". 3001:4001(1000) ack 1")
	s.none(24 * ms)
	// The window slides with the ACK but its right edge stays at 4001:
	// nothing more may go.
	s.at(25 * ms).in(". 1:1(0) ack 2001 win 2000")
	s.none(29 * ms)
	s.at(30 * ms).in(". 1:1(0) ack 3001 win 3000")
	s.out(30*ms, ". 4001:5001(1000) ack 1")
	s.out(30*ms, "P. 5001:6001(1000) ack 1")
	s.at(40 * ms).in(". 1:1(0) ack 6001 win 3000")
	s.none(units.Second)
}

// A window update alone (same ACK, larger window) releases data.
func TestConformanceWindowUpdateReleasesData(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 1000 <mss 1000>")
	s.write(3000)
	s.out(10*ms, ". 1:1001(1000) ack 1")
	s.at(20 * ms).in(". 1:1(0) ack 1001 win 1000")
	s.out(20*ms, ". 1001:2001(1000) ack 1")
	s.at(30 * ms).in(". 1:1(0) ack 1001 win 2000")
	s.out(30*ms, "P. 2001:3001(1000) ack 1")
	s.at(40 * ms).in(". 1:1(0) ack 3001 win 2000")
	s.none(units.Second)
}

// Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): with more data
// queued than the window allows, a sub-MSS remainder of the window is not
// used when it is less than half the largest window the peer offered.
func TestConformanceSenderSWSAvoidance(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 2500 <mss 1000>")
	s.write(5000)
	s.out(10*ms, ". 1:1001(1000) ack 1")
	s.out(10*ms, "P. 1001:2001(1000) ack 1")
	s.none(19 * ms)
	s.at(20 * ms).in(". 1:1(0) ack 2001 win 2500")
	s.out(20*ms, ". 2001:3001(1000) ack 1")
	s.out(20*ms, "P. 3001:4001(1000) ack 1")
	s.none(29 * ms)
	s.at(30 * ms).in(". 1:1(0) ack 4001 win 2500")
	s.out(30*ms, "P. 4001:5001(1000) ack 1")
	s.at(40 * ms).in(". 1:1(0) ack 5001 win 2500")
	s.none(units.Second)
}

// PSH marks the segment that empties the send buffer (RFC 9293 §3.9.1.2).
func TestConformancePSHOnLastSegmentOfWrite(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(2000)
	s.out(10*ms, ". 1:1001(1000) ack 1")
	s.out(10*ms, "P. 1001:2001(1000) ack 1")
	s.at(20 * ms).in(". 1:1(0) ack 2001")
	s.none(units.Second)
}

// Without ECN negotiated, data leaves as not-ECT (RFC 3168 §6.1.1).
func TestConformanceNoECNWithoutNegotiation(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(100)
	s.out(10*ms, "P. 1:101(100) ack 1 [noecn]")
	s.at(20 * ms).in("P. 1:101(100) ack 101 [ce]")
	s.out(60*ms, ". 101:101(0) ack 101 [noecn]")
	s.none(units.Second)
}

// Data and an ACK owed travel together: the delayed ACK rides on the
// next data segment and its timer is cancelled.
func TestConformanceACKPiggybackedOnData(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.at(120 * ms).write(50)
	s.out(120*ms, "P. 1:51(50) ack 101 win 63900")
	s.at(130 * ms).in(". 101:101(0) ack 51")
	s.none(units.Second)
}
