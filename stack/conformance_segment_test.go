package stack

// Conformance: the checks every segment in a synchronized state goes
// through (RFC 9293 §3.10.7.4): the ACK field (acknowledging unsent data,
// old ACKs), the ACK bit itself, the send-window update rule (SND.WL1,
// SND.WL2), sequence arithmetic across the 2^32 wrap (§3.4), and the
// congestion window after an idle period (RFC 5681 §4.1).

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// A segment acknowledging data not yet sent draws an ACK and is dropped,
// its data undelivered (RFC 9293 §3.10.7.4: "If the ACK acks something not
// yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment, and
// return").
func TestConformanceACKOfUnsentDataDropped(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 500")
	s.out(100*ms, ". 1:1(0) ack 1 win 64000")
	s.read(0)
	s.at(110 * ms).in("P. 1:101(100) ack 1")
	s.out(150*ms, ". 1:1(0) ack 101 win 63900")
	s.read(100)
	s.none(units.Second)
}

// An old ACK (SEG.ACK < SND.UNA) is ignored, but the segment's data is
// still processed.
func TestConformanceOldACKDataStillDelivered(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.write(100)
	s.out(10*ms, "P. 1:101(100) ack 1")
	s.at(20 * ms).in(". 1:1(0) ack 101")
	s.at(30 * ms).in("P. 1:101(100) ack 0")
	s.out(70*ms, ". 101:101(0) ack 101 win 63900")
	s.read(100)
	s.none(units.Second)
}

// A segment without the ACK bit in a synchronized state is dropped
// (RFC 9293 §3.10.7.4, fifth check: "if the ACK bit is off, drop the
// segment and return").
func TestConformanceSegmentWithoutACKDropped(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P 1:101(100)")
	s.read(0)
	s.none(units.Second)
	s.state(Established)
}

// The send window is taken only from segments newer than the last update
// (SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK): a
// reordered older segment advertising a smaller window does not close it.
func TestConformanceWindowUpdateIgnoresOlderSegments(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(2000)
	s.out(10*ms, ". 1:1001(1000) ack 1")
	s.out(10*ms, "P. 1001:2001(1000) ack 1")
	// The peer's second data segment overtakes its first.
	s.at(20 * ms).in("P. 101:201(100) ack 2001 win 5000")
	s.out(20*ms, ". 2001:2001(0) ack 1")
	s.at(21 * ms).in(". 1:101(100) ack 2001 win 0")
	s.out(21*ms, ". 2001:2001(0) ack 201")
	s.at(30 * ms).write(6000)
	for i := range 5 {
		s.out(30*ms, segf("%s %d:%d(1000) ack 201", gsoFlags(i), 2001+i*1000, 3001+i*1000))
	}
	s.none(39 * ms)
	s.at(40 * ms).in(". 201:201(0) ack 7001 win 5000")
	s.out(40*ms, "P. 7001:8001(1000) ack 201")
	s.at(50 * ms).in(". 201:201(0) ack 8001 win 5000")
	s.read(200)
	s.none(units.Second)
}

// Sequence numbers that wrap past 2^32 compare correctly: a peer whose ISN
// is 256 below the wrap sends across it.
func TestConformanceSequenceWraparound(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.peerISS = 0xffff_ff00
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001 win 62000")
	s.at(102 * ms).in(". 3001:4001(1000) ack 1")
	s.out(102*ms, ". 1:1(0) ack 2001 win 62000")
	s.at(103 * ms).in(". 2001:3001(1000) ack 1")
	s.out(103*ms, ". 1:1(0) ack 4001 win 60000")
	s.read(4000)
	s.at(110 * ms).in("R 4001:4001(0) win 0")
	s.state(Closed).err(ErrConnectionReset)
	s.none(units.Second)
}

// After an idle period longer than the RTO, the congestion window is
// brought back to the restart window, min(IW, cwnd) (RFC 5681 §4.1), so a
// connection does not burst a stale window into the network.
func TestConformanceRestartAfterIdle(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(30000)
	for i := range 10 {
		s.out(10*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	// Ten ACKs of one segment each grow cwnd to 20 segments; each lets two
	// more out.
	next := 10
	for i := range 10 {
		at := 20*ms + units.Duration(i)*100*units.Microsecond
		s.at(at).in(segf(". 1:1(0) ack %d", 1001+i*1000))
		for range 2 {
			f := gsoFlags(next)
			if next == 29 {
				f = "P."
			}
			s.out(at, segf("%s %d:%d(1000) ack 1", f, 1+next*1000, 1001+next*1000))
			next++
		}
	}
	// The last ACK covers a flight the window limited, so it still grows
	// cwnd in slow start, although nothing is left to send (Linux's
	// tcp_is_cwnd_limited reads is_cwnd_limited, latched for the round).
	s.at(30 * ms).in(". 1:1(0) ack 30001")
	if got := s.conn().CC().Cwnd(); got != 40000 {
		s.fail("cwnd %d after the transfer, want 40000", got)
	}
	// Five seconds idle, far beyond the 200 ms RTO: only IW may leave.
	s.at(5 * units.Second).write(20000)
	for i := range 10 {
		s.out(5*units.Second, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 30001+i*1000, 31001+i*1000))
	}
	s.none(5*units.Second + 9*ms)
	s.at(5*units.Second + 10*ms).in(". 1:1(0) ack 40001")
	// cwnd has grown to 20 since the pacing rate was set: packets of three.
	for i := 10; i < 20; i++ {
		f := gsoEvery(i-10, 3)
		if i == 19 {
			f = "P."
		}
		s.out(5*units.Second+10*ms, segf("%s %d:%d(1000) ack 1", f, 30001+i*1000, 31001+i*1000))
	}
	s.at(5*units.Second + 20*ms).in(". 1:1(0) ack 50001")
	s.none(10 * units.Second)
}
