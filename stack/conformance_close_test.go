package stack

// Conformance: closing (RFC 9293 §3.6, §3.10.4, §3.10.7.4): the FIN states
// on both sides, simultaneous close, TIME-WAIT and its 2·MSL, FIN
// retransmission, half-close.

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// Active close: FIN-WAIT-1, FIN-WAIT-2 once our FIN is acknowledged,
// TIME-WAIT on the peer's FIN (acknowledged at once), CLOSED 2·MSL later.
func TestConformanceActiveClose(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.state(FinWait1)
	s.out(100*ms, "F. 1:1(0) ack 1 win 64000")
	s.at(110 * ms).in(". 1:1(0) ack 2")
	s.state(FinWait2)
	s.none(200 * ms)
	s.at(200 * ms).in("F. 1:1(0) ack 2")
	// The FIN takes a sequence number but no buffer: the right edge stays
	// (receiver SWS avoidance), so the window reads one less.
	s.out(200*ms, ". 2:2(0) ack 2 win 63999")
	s.state(TimeWait)
	s.readEOF()
	s.at(60*units.Second + 200*ms - 1)
	s.state(TimeWait)
	s.at(60*units.Second + 200*ms)
	s.state(Closed).err(nil)
	s.none(100 * units.Second)
}

// The FIN follows queued data, on the last data segment when it fits.
func TestConformanceFINPiggybackedOnData(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 1000 <mss 1000>")
	s.at(100 * ms).write(1500)
	s.out(100*ms, ". 1:1001(1000) ack 1")
	// The peer's window holds the tail back until after the close.
	s.close()
	s.at(110 * ms).in(". 1:1(0) ack 1001 win 1000")
	s.out(110*ms, "FP. 1001:1501(500) ack 1")
	s.at(120 * ms).in(". 1:1(0) ack 1502 win 1000")
	s.state(FinWait2)
	s.none(units.Second)
}

// A peer's FIN and ACK of our FIN in one segment goes from FIN-WAIT-1
// straight to TIME-WAIT.
func TestConformanceFinWait1ToTimeWait(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(110 * ms).in("F. 1:1(0) ack 2")
	s.out(110*ms, ". 2:2(0) ack 2")
	s.state(TimeWait)
	s.none(60*units.Second + 110*ms - 1)
	s.at(60*units.Second + 110*ms).state(Closed)
	s.none(100 * units.Second)
}

// Passive close: the peer's FIN is acknowledged at once and the
// application reads end-of-stream (CLOSE-WAIT); its close sends our FIN
// (LAST-ACK), whose acknowledgment closes the connection.
func TestConformancePassiveClose(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("FP. 1:101(100) ack 1")
	s.out(100*ms, ". 1:1(0) ack 102 win 63899")
	s.state(CloseWait)
	s.read(100).readEOF()
	s.at(200 * ms).close()
	s.state(LastAck)
	// Reading 100 bytes could move the right edge by only 100, less than
	// an MSS, so it stays at 64001.
	s.out(200*ms, "F. 1:1(0) ack 102 win 63899")
	s.at(210 * ms).in(". 102:102(0) ack 2")
	s.state(Closed).err(nil)
	s.none(units.Second)
}

// Simultaneous close: a FIN that does not acknowledge ours moves
// FIN-WAIT-1 to CLOSING; the ACK of our FIN then moves to TIME-WAIT.
func TestConformanceSimultaneousClose(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(105 * ms).in("F. 1:1(0) ack 1")
	s.out(105*ms, ". 2:2(0) ack 2")
	s.state(Closing)
	s.at(110 * ms).in(". 2:2(0) ack 2")
	s.state(TimeWait)
	s.none(60*units.Second + 110*ms - 1)
	s.at(60*units.Second + 110*ms).state(Closed)
	s.none(100 * units.Second)
}

// In TIME-WAIT a retransmitted FIN is acknowledged again and the 2·MSL
// timer restarts (RFC 9293 §3.10.7.4, TIME-WAIT: "restart the 2 MSL
// timeout").
func TestConformanceTimeWaitReACKsFINAndRestartsTimer(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(110 * ms).in("F. 1:1(0) ack 2")
	s.out(110*ms, ". 2:2(0) ack 2")
	s.at(10 * units.Second).in("F. 1:1(0) ack 2")
	s.out(10*units.Second, ". 2:2(0) ack 2")
	s.none(70*units.Second - 1)
	s.state(TimeWait)
	s.at(70 * units.Second).state(Closed)
	s.none(100 * units.Second)
}

// An unacknowledged FIN is retransmitted on the RTO with backoff.
func TestConformanceFINRetransmittedWithBackoff(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.out(300*ms, "F. 1:1(0) ack 1")
	s.out(700*ms, "F. 1:1(0) ack 1")
	s.out(1500*ms, "F. 1:1(0) ack 1")
	s.at(1510 * ms).in(". 1:1(0) ack 2")
	s.state(FinWait2)
	s.none(10 * units.Second)
}

// Data and a FIN sent separately and both lost are both resent when the
// timer expires: the FIN takes no room in the one-segment window.
func TestConformanceDataAndFINRetransmitted(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(500)
	s.out(100*ms, "P. 1:501(500) ack 1")
	s.close()
	s.out(100*ms, "F. 501:501(0) ack 1")
	s.out(300*ms, "P. 1:501(500) ack 1")
	s.out(300*ms, "F. 501:501(0) ack 1")
	s.at(310 * ms).in(". 1:1(0) ack 502")
	s.state(FinWait2)
	s.none(10 * units.Second)
}

// Half-close: after the peer's FIN the host keeps sending (CLOSE-WAIT),
// then closes.
func TestConformanceHalfClosePeerFirst(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("F. 1:1(0) ack 1")
	s.out(100*ms, ". 1:1(0) ack 2")
	s.readEOF()
	s.at(200 * ms).write(2000)
	s.out(200*ms, ". 1:1001(1000) ack 2")
	s.out(200*ms, "P. 1001:2001(1000) ack 2")
	s.at(210 * ms).in(". 2:2(0) ack 2001")
	s.state(CloseWait)
	s.at(300 * ms).write(300)
	s.out(300*ms, "P. 2001:2301(300) ack 2")
	s.close()
	s.state(LastAck)
	s.out(300*ms, "F. 2301:2301(0) ack 2")
	s.at(310 * ms).in(". 2:2(0) ack 2302")
	s.state(Closed)
	s.none(units.Second)
}

// Half-close the other way: after our FIN the host still receives
// (FIN-WAIT-2), acknowledging as usual.
func TestConformanceFinWait2StillReceives(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).shutdown()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(110 * ms).in(". 1:1(0) ack 2")
	s.state(FinWait2)
	s.at(200 * ms).in(". 1:1001(1000) ack 2")
	s.at(201 * ms).in(". 1001:2001(1000) ack 2")
	s.out(201*ms, ". 2:2(0) ack 2001")
	s.read(2000)
	s.at(300 * ms).in("FP. 2001:2101(100) ack 2")
	s.out(300*ms, ". 2:2(0) ack 2102")
	s.state(TimeWait)
	s.read(100).readEOF()
	s.none(units.Second)
}

// A FIN that arrives beyond a hole takes effect once the hole is filled.
func TestConformanceFINAfterHole(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("FP. 1001:1501(500) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	s.at(110 * ms).in(". 1:1001(1000) ack 1")
	s.out(110*ms, ". 1:1(0) ack 1502 win 62499")
	s.state(CloseWait)
	s.read(1500).readEOF()
	s.none(units.Second)
}

// Data after the peer's FIN is not delivered (RFC 9293 §3.10.7.4, seventh
// check: "This should not occur since a FIN has been received").
func TestConformanceDataAfterFINIgnored(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("F. 1:1(0) ack 1")
	s.out(100*ms, ". 1:1(0) ack 2")
	s.at(110 * ms).in("P. 2:102(100) ack 1")
	s.readEOF()
	s.state(CloseWait)
	s.none(units.Second)
}

// In LAST-ACK a retransmitted FIN from the peer is acknowledged again, and
// our own FIN is retransmitted on its timer.
func TestConformanceLastAckRetransmissions(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("F. 1:1(0) ack 1")
	s.out(100*ms, ". 1:1(0) ack 2")
	s.at(150 * ms).close()
	s.out(150*ms, "F. 1:1(0) ack 2")
	s.at(160 * ms).in("F. 1:1(0) ack 1")
	s.out(160*ms, ". 2:2(0) ack 2")
	s.out(350*ms, "F. 1:1(0) ack 2")
	s.at(360 * ms).in(". 2:2(0) ack 2")
	s.state(Closed)
	s.none(units.Second)
}

// An orphaned connection in FIN-WAIT-2 is dropped after FinWait2Timeout
// when the peer never sends its FIN (Linux's tcp_fin_timeout).
func TestConformanceFinWait2Timeout(t *testing.T) {
	cfg := scriptConfig()
	cfg.FinWait2Timeout = 60 * units.Second
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(110 * ms).in(". 1:1(0) ack 2")
	s.state(FinWait2)
	s.none(60*units.Second + 110*ms - 1)
	s.state(FinWait2)
	s.at(60*units.Second + 110*ms).state(Closed)
	s.none(100 * units.Second)
}
