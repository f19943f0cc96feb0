package stack

// Conformance: the receiver. When ACKs leave (RFC 9293 §3.8.6.3, RFC 1122
// §4.2.3.2, RFC 5681 §4.2), which segments are acceptable and how they are
// trimmed (RFC 9293 §3.10.7.4), and the advertised window with receiver
// silly-window avoidance (RFC 9293 §3.8.6.2.2).

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// One segment is acknowledged after the delayed-ACK time, 40 ms.
func TestConformanceDelayedACK40ms(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:501(500) ack 1")
	s.none(139 * ms)
	s.out(140*ms, ". 1:1(0) ack 501 win 63500")
	s.read(500)
	s.none(units.Second)
}

// The delayed-ACK timer runs from the first unacknowledged segment: a
// second small segment neither restarts it nor forces an ACK.
func TestConformanceDelayedACKTimerNotRestarted(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.at(130 * ms).in("P. 101:201(100) ack 1")
	s.out(140*ms, ". 1:1(0) ack 201 win 63800")
	s.none(units.Second)
}

// Every second full-sized segment is acknowledged at once (RFC 5681 §4.2);
// the odd one out waits for the timer.
func TestConformanceACKEverySecondFullSegment(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001 win 62000")
	s.at(102 * ms).in(". 2001:3001(1000) ack 1")
	s.at(103 * ms).in(". 3001:4001(1000) ack 1")
	s.out(103*ms, ". 1:1(0) ack 4001 win 60000")
	s.at(104 * ms).in(". 4001:5001(1000) ack 1")
	s.out(144*ms, ". 1:1(0) ack 5001 win 59000")
	s.none(units.Second)
}

// With delayed ACKs off every segment is acknowledged at once.
func TestConformanceDelayedACKDisabled(t *testing.T) {
	cfg := scriptConfig()
	cfg.DelayedACK = 0
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.out(100*ms, ". 1:1(0) ack 101 win 63900")
	s.at(110 * ms).in("P. 101:201(100) ack 1")
	s.out(110*ms, ". 1:1(0) ack 201 win 63800")
	s.none(units.Second)
}

// A segment beyond a hole draws an immediate duplicate ACK (RFC 5681
// §4.2), each time; the segment that fills the hole draws an immediate
// ACK of everything.
func TestConformanceOutOfOrderDupACKAndHoleFill(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1001:2001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 win 64000")
	s.at(101 * ms).in(". 2001:3001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 1 win 64000")
	s.at(110 * ms).in(". 1:1001(1000) ack 1")
	s.out(110*ms, ". 1:1(0) ack 3001 win 61000")
	s.read(3000)
	s.none(units.Second)
}

// A segment that fills only part of a hole is acknowledged at once, with
// the new RCV.NXT.
func TestConformancePartialHoleFillACKedAtOnce(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 2001:3001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 win 64000")
	s.at(110 * ms).in("P. 1:501(500) ack 1")
	s.out(110*ms, ". 1:1(0) ack 501 win 63500")
	s.at(120 * ms).in(". 501:2001(1500) ack 1")
	s.out(120*ms, ". 1:1(0) ack 3001 win 61000")
	s.none(units.Second)
}

// Data wholly outside the window is acknowledged and dropped (RFC 9293
// §3.10.7.4: "send an acknowledgment ... After sending the acknowledgment,
// drop the unacceptable segment").
func TestConformanceOutOfWindowDataACKed(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 64001:65001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 win 64000")
	s.at(110 * ms).in(". 1:1001(1000) ack 1")
	s.out(150*ms, ". 1:1(0) ack 1001 win 63000")
	s.read(1000)
	s.none(units.Second)
}

// An old duplicate, wholly below RCV.NXT, is acknowledged at once so that
// a peer whose ACK was lost learns RCV.NXT.
func TestConformanceOldDuplicateDataACKed(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.out(140*ms, ". 1:1(0) ack 101 win 63900")
	s.at(300 * ms).in("P. 1:101(100) ack 1")
	s.out(300*ms, ". 1:1(0) ack 101 win 63900")
	s.read(100)
	s.none(units.Second)
}

// A segment that overlaps RCV.NXT delivers only its new part.
func TestConformanceOverlappingSegmentTrimmedAtLeftEdge(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.at(110 * ms).in("P. 51:201(150) ack 1")
	s.out(140*ms, ". 1:1(0) ack 201 win 63800")
	s.read(200)
	s.none(units.Second)
}

// Data beyond the right edge of the window is trimmed (RFC 9293
// §3.10.7.4): what fits is taken, the rest dropped, and the window closes.
func TestConformanceDataBeyondWindowTrimmed(t *testing.T) {
	cfg := scriptConfig()
	cfg.RcvBuf = 2500
	// The SYN-ACK's window is rounded down to a multiple of our MSS
	// (tcp_select_initial_window): an MSS of 1250 keeps all 2500 bytes.
	cfg.MSS = 1250
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001 win 500")
	s.at(102 * ms).in(". 2001:3001(1000) ack 1")
	s.out(142*ms, ". 1:1(0) ack 2501 win 0")
	s.read(2500)
	s.out(142*ms, ". 1:1(0) ack 2501 win 2500")
	s.none(units.Second)
}

// While the window is zero a probe is not acceptable (RFC 9293 §3.10.7.4:
// with RCV.WND zero only a zero-length segment at RCV.NXT is) and is
// answered at once with the zero window.
func TestConformanceZeroWindowProbeAnswered(t *testing.T) {
	cfg := scriptConfig()
	cfg.RcvBuf = 2000
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001 win 0")
	s.at(400 * ms).in(". 2001:2002(1) ack 1")
	s.out(400*ms, ". 1:1(0) ack 2001 win 0")
	s.at(1000 * ms).in(". 2001:2002(1) ack 1")
	s.out(1000*ms, ". 1:1(0) ack 2001 win 0")
	s.read(2000)
	s.out(1000*ms, ". 1:1(0) ack 2001 win 2000")
	s.none(2 * units.Second)
}

// Receiver silly-window avoidance (RFC 9293 §3.8.6.2.2): the right edge of
// the window only moves when it can move by min(buffer/2, MSS), so small
// reads do not open it by small amounts, and a window update is sent
// unprompted once the window has grown by a useful amount.
func TestConformanceReceiverSWSAvoidance(t *testing.T) {
	cfg := scriptConfig()
	cfg.RcvBuf = 4000
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	for i := range 4 {
		s.at(100*ms + units.Duration(i)*ms).in(segf(". %d:%d(1000) ack 1", 1+i*1000, 1001+i*1000))
	}
	s.out(101*ms, ". 1:1(0) ack 2001 win 2000")
	s.out(103*ms, ". 1:1(0) ack 4001 win 0")
	// 500 bytes read: the edge could move by only 500 < min(2000, 1000).
	s.at(200 * ms)
	s.readN(500)
	s.none(299 * ms)
	// A probe into the closed window is not acceptable (RCV.WND is what
	// was advertised, zero) and is answered at once, still with zero.
	s.at(300 * ms).in(". 4001:4002(1) ack 1")
	s.out(300*ms, ". 1:1(0) ack 4001 win 0")
	// 1000 read: the edge may now move by a full segment, which the answer
	// to the next probe advertises.
	s.at(400 * ms)
	s.readN(500)
	s.none(499 * ms)
	s.at(500 * ms).in(". 4001:4002(1) ack 1")
	s.out(500*ms, ". 1:1(0) ack 4001 win 1000")
	// Everything read: a window update goes out unprompted.
	s.at(600 * ms)
	s.readN(3000)
	s.out(600*ms, ". 1:1(0) ack 4001 win 4000")
	s.none(units.Second)
}

// Reading a closed window open sends a window update (RFC 9293
// §3.8.6.2.2), without which the peer would have to probe.
func TestConformanceWindowUpdateAfterRead(t *testing.T) {
	cfg := scriptConfig()
	cfg.RcvBuf = 8000
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	for i := range 8 {
		s.at(100*ms + units.Duration(i)*ms).in(segf(". %d:%d(1000) ack 1", 1+i*1000, 1001+i*1000))
		if i%2 == 1 {
			s.out(100*ms+units.Duration(i)*ms, segf(". 1:1(0) ack %d win %d", 1001+i*1000, 8000-(i+1)*1000))
		}
	}
	s.at(150 * ms).read(8000)
	s.out(150*ms, ". 1:1(0) ack 8001 win 8000")
	s.none(units.Second)
}

// The advertised right edge never moves left (RFC 9293 §3.8.6.2.2 and
// §3.10.7.4 on shrinking windows), even when data arrives faster than it
// is read.
func TestConformanceWindowNeverShrinks(t *testing.T) {
	cfg := scriptConfig()
	cfg.RcvBuf = 4000
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001 win 2000")
	s.at(110 * ms)
	s.readN(800)
	s.at(120 * ms).in(". 2001:3001(1000) ack 1")
	// Edge at 4001: the 800 bytes read cannot move it (800 < 1000).
	s.out(160*ms, ". 1:1(0) ack 3001 win 1000")
	s.at(170 * ms)
	s.readN(300)
	s.at(180 * ms).in(". 3001:3101(100) ack 1")
	// 1100 read, 2000 unread: the edge can move by 1100, to 5101.
	s.out(220*ms, ". 1:1(0) ack 3101 win 2000")
	s.none(units.Second)
}
