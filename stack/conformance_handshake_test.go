package stack

// Conformance: opening a connection (RFC 9293 §3.5, §3.10.7.3), the options
// negotiated on SYNs (RFC 9293 §3.7.1, RFC 7323 §2-§3) and handshake
// retransmission (RFC 6298 §5, Linux's tcp_syn_retries).

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The active opener offers MSS, timestamps and window scale on its SYN
// with an unscaled window, echoes the peer's TSval, and scales its own
// windows once both sides offered window scaling.
func TestConformanceHandshakeActiveOptions(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps, cfg.WindowScaling = true, true
	cfg.RcvBuf = 1 << 20 // needs a shift of 5 to fit 16 bits
	cfg.RcvBufMax = 0    // the scale from the buffer alone, as the rfc profile's
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "S 0:0(0) win 65000 <mss 1000,TS val 0 ecr 0,nop,wscale 5>")
	s.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK,TS val 700 ecr 0,nop,wscale 7>")
	s.out(10*ms, ". 1:1(0) ack 1 win 32768 <nop,nop,TS val 10 ecr 700>")
	s.state(Established)
	s.write(2000)
	// 1000-byte MSS minus 12 bytes of timestamps per segment.
	s.out(10*ms, ". 1:989(988) ack 1 win 32768 <nop,nop,TS val 10 ecr 700>")
	s.out(10*ms, "P. 989:1977(988) ack 1 win 32768 <nop,nop,TS val 10 ecr 700>")
	// No short segment is outstanding, so Nagle lets the tail go.
	s.out(10*ms, "P. 1977:2001(24) ack 1 win 32768 <nop,nop,TS val 10 ecr 700>")
	s.at(30 * ms).in(". 1:1(0) ack 2001 win 500 <TS val 720 ecr 10>")
	s.none(units.Second)
}

// The passive opener answers with the options the peer offered, and only
// those: timestamps echoing the SYN's TSval, window scale with its own
// shift.
func TestConformanceHandshakePassiveOptions(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps, cfg.WindowScaling = true, true
	cfg.RcvBuf = 1 << 20
	cfg.RcvBufMax = 0
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 300 ecr 0,nop,wscale 7>")
	s.out(0, "S. 0:0(0) ack 1 win 65208 <mss 1000,TS val 0 ecr 300,nop,wscale 5>")
	s.state(SynReceived)
	s.at(10 * ms).in(". 1:1(0) ack 1 win 512 <TS val 310 ecr 0>")
	s.accept().state(Established)
	// A window of 512 scaled by 7 is 65536 bytes: the host's ten-segment
	// initial window is the limit.
	s.write(20000)
	for i := range 10 {
		seq := 1 + i*988
		s.out(10*ms, segf("%s %d:%d(988) ack 1 win 32768 <nop,nop,TS val 10 ecr 310>", gsoFlags(i), seq, seq+988))
	}
	s.none(100 * ms)
	s.at(200 * ms).in(". 1:1(0) ack 9881 win 512 <TS val 500 ecr 10>")
	// The ACK grows cwnd to twelve segments: the ten full ones left and
	// the 240-byte tail, which Nagle does not hold (no short segment is
	// outstanding).
	for i := 10; i < 20; i++ {
		seq := 1 + i*988
		s.out(200*ms, segf("%s %d:%d(988) ack 1 win 32768 <nop,nop,TS val 200 ecr 500>", gsoFlags(i), seq, seq+988))
	}
	s.out(200*ms, "P. 19761:20001(240) ack 1 win 32768 <nop,nop,TS val 200 ecr 500>")
	s.at(220 * ms).in(". 1:1(0) ack 20001 win 512")
	s.none(units.Second)
}

// A peer that sends no MSS option is taken to accept 536 bytes (RFC 9293
// §3.7.1, RFC 1122 §4.2.2.6).
func TestConformanceHandshakeMSS536WhenAbsent(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535")
	s.write(1200)
	s.out(10*ms, ". 1:537(536) ack 1")
	s.out(10*ms, "P. 537:1073(536) ack 1")
	s.out(10*ms, "P. 1073:1201(128) ack 1")
	s.at(30 * ms).in(". 1:1(0) ack 1201")
	s.none(units.Second)
}

// The segment size is the smaller of the two sides' MSS.
func TestConformanceHandshakeMSSIsMinimumOfBoth(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 700>")
	s.write(1500)
	s.out(10*ms, ". 1:701(700) ack 1")
	s.out(10*ms, "P. 701:1401(700) ack 1")
	s.out(10*ms, "P. 1401:1501(100) ack 1")
	s.at(30 * ms).in(". 1:1(0) ack 1501")
	s.none(units.Second)
}

// A SYN without window scale gets a SYN-ACK without it, and neither side's
// windows are scaled afterwards: the host advertises at most 65535 bytes
// and reads the peer's window field as bytes (RFC 7323 §2.2).
func TestConformanceHandshakeWindowScaleOnlyWhenBothOffer(t *testing.T) {
	cfg := scriptConfig()
	cfg.WindowScaling = true
	cfg.RcvBuf = 1 << 20
	cfg.RcvBufMax = 0
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 3000 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 65000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1 win 3000")
	s.accept().state(Established)
	s.write(5000)
	s.out(10*ms, ". 1:1001(1000) ack 1 win 65535")
	s.out(10*ms, "P. 1001:2001(1000) ack 1 win 65535")
	s.out(10*ms, ". 2001:3001(1000) ack 1 win 65535")
	s.none(15 * ms)
	s.at(20 * ms).in(". 1:1(0) ack 3001 win 3000")
	s.out(20*ms, ". 3001:4001(1000) ack 1 win 65535")
	s.out(20*ms, "P. 4001:5001(1000) ack 1 win 65535")
	s.at(30 * ms).in(". 1:1(0) ack 5001 win 3000")
	s.none(units.Second)
}

// The active opener that offered window scale but got none in the SYN-ACK
// scales nothing (RFC 7323 §2.2: both sides must send the option).
func TestConformanceHandshakeWindowScaleActiveNotReturned(t *testing.T) {
	cfg := scriptConfig()
	cfg.WindowScaling = true
	cfg.RcvBuf = 1 << 20
	cfg.RcvBufMax = 0
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "S 0:0(0) win 65000 <mss 1000,nop,wscale 5>")
	s.at(10 * ms).in("S. 0:0(0) ack 1 win 2000 <mss 1000>")
	s.out(10*ms, ". 1:1(0) ack 1 win 65535")
	s.write(3000)
	s.out(10*ms, ". 1:1001(1000) ack 1 win 65535")
	s.out(10*ms, "P. 1001:2001(1000) ack 1 win 65535")
	s.none(15 * ms)
	s.at(20 * ms).in(". 1:1(0) ack 2001 win 2000")
	s.out(20*ms, "P. 2001:3001(1000) ack 1 win 65535")
	s.at(30 * ms).in(". 1:1(0) ack 3001 win 2000")
	s.none(units.Second)
}

// A shift above 14 is taken as 14 (RFC 7323 §2.3): a window field of 1
// then means 16384 bytes, not 32768.
func TestConformanceHandshakeWindowScaleClampedTo14(t *testing.T) {
	cfg := scriptConfig()
	cfg.WindowScaling = true
	cfg.InitialWindow = 40
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000,nop,wscale 15>")
	s.at(20 * ms).in(". 1:1(0) ack 1 win 1")
	s.write(40000)
	// GSO packets of seven segments: 2·cwnd per SRTT is 8 MB/s, and
	// tcp_tso_autosize sizes a packet to a millisecond of that. The last
	// packet fills the 16384-byte window to its edge (tcp_mss_split_point).
	for i := range 16 {
		s.out(20*ms, segf("%s %d:%d(1000) ack 1", gsoEvery(i, 7), 1+i*1000, 1001+i*1000))
	}
	s.out(20*ms, "P. 16001:16385(384) ack 1")
	s.none(100 * ms)
	s.at(110 * ms).in(". 1:1(0) ack 16385 win 1")
	for i := range 16 {
		// SRTT has grown, a millisecond is less: packets of five.
		s.out(110*ms, segf("%s %d:%d(1000) ack 1", gsoEvery(i, 5), 16385+i*1000, 17385+i*1000))
	}
	s.out(110*ms, "P. 32385:32769(384) ack 1")
	s.none(150 * ms)
	s.at(200 * ms).in(". 1:1(0) ack 32769 win 1")
	for i := range 7 {
		s.out(200*ms, segf("%s %d:%d(1000) ack 1", gsoEvery(i, 4), 32769+i*1000, 33769+i*1000))
	}
	s.out(200*ms, "P. 39769:40001(232) ack 1")
	s.at(210 * ms).in(". 1:1(0) ack 40001 win 1")
	s.none(units.Second)
}

// With timestamps negotiated and no SYN from the peer offering them
// otherwise, a peer's SYN without TS gets a SYN-ACK without TS, and no
// later segment carries the option (RFC 7323 §3.2); the segment size is
// the full MSS.
func TestConformanceHandshakeTimestampsOnlyWhenBothOffer(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept()
	s.write(1000)
	s.out(10*ms, "P. 1:1001(1000) ack 1 win 64000 <>")
	s.at(20 * ms).in(". 1:1(0) ack 1001")
	s.none(units.Second)
}

// The ACK completing the active open and every later segment echo the
// peer's most recent TSval, and TSval follows the host's millisecond clock.
func TestConformanceTimestampsEchoed(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "S 0:0(0) win 64000 <mss 1000,TS val 0 ecr 0>")
	s.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,TS val 5000 ecr 0>")
	s.out(10*ms, ". 1:1(0) ack 1 <nop,nop,TS val 10 ecr 5000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1 <TS val 5090 ecr 10>")
	s.out(140*ms, ". 1:1(0) ack 101 <nop,nop,TS val 140 ecr 5090>")
	s.at(300 * ms).write(10)
	s.out(300*ms, "P. 1:11(10) ack 101 <nop,nop,TS val 300 ecr 5090>")
	s.at(310 * ms).in(". 101:101(0) ack 11 <TS val 5300 ecr 300>")
	s.none(units.Second)
}

// RFC 7323 §4.3 (A): one delayed ACK for two segments echoes the TSval of
// the earlier one, because TS.Recent is only updated from a segment that
// starts at or before the last acknowledgment sent.
func TestConformanceTimestampsDelayedACKEchoesEarliest(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,TS val 100 ecr 0>")
	s.at(20 * ms).in("P. 1:101(100) ack 1 <TS val 120 ecr 0>")
	s.at(30 * ms).in("P. 101:201(100) ack 1 <TS val 130 ecr 0>")
	s.out(60*ms, ". 1:1(0) ack 201 <nop,nop,TS val 60 ecr 120>")
	s.none(units.Second)
}

// RFC 7323 §4.3 (C): a segment beyond a hole does not update TS.Recent;
// the segment that fills the hole does.
func TestConformanceTimestampsOutOfOrderDoesNotUpdateRecent(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,TS val 100 ecr 0>")
	s.at(20 * ms).in(". 1:989(988) ack 1 <TS val 120 ecr 0>")
	s.out(60*ms, ". 1:1(0) ack 989 <nop,nop,TS val 60 ecr 120>")
	s.at(100 * ms).in(". 1977:2965(988) ack 1 <TS val 200 ecr 0>")
	s.out(100*ms, ". 1:1(0) ack 989 <nop,nop,TS val 100 ecr 120>")
	s.at(110 * ms).in(". 989:1977(988) ack 1 <TS val 210 ecr 0>")
	s.out(110*ms, ". 1:1(0) ack 2965 <nop,nop,TS val 110 ecr 210>")
	s.none(units.Second)
}

// An unanswered SYN is resent after 1, 2, 4, 8, 16 and 32 s (RFC 6298
// §5.5, Linux's tcp_syn_retries = 6), and the connect fails with a timeout
// 64 s after the last one.
func TestConformanceSYNRetransmitBackoffAndTimeout(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	for _, at := range []units.Duration{0, 1, 3, 7, 15, 31, 63} {
		s.out(at*units.Second, "S 0:0(0) win 64000 <mss 1000>")
	}
	s.none(126*units.Second - 1)
	s.state(SynSent)
	s.at(127 * units.Second)
	s.state(Closed).err(ErrTimedOut)
	s.none(200 * units.Second)
}

// A SYN-ACK that arrives after retransmitted SYNs completes the handshake.
func TestConformanceSYNRetransmitThenAnswered(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.out(1*units.Second, "S 0:0(0)")
	s.out(3*units.Second, "S 0:0(0)")
	s.at(3*units.Second + 10*ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(3*units.Second+10*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	s.none(20 * units.Second)
}

// An unanswered SYN-ACK is resent after 1, 2, 4, 8 and 16 s (Linux's
// tcp_synack_retries = 5) and the half-open connection dropped 32 s after
// the last.
func TestConformanceSYNACKRetransmitBackoff(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	for _, at := range []units.Duration{0, 1, 3, 7, 15, 31} {
		s.out(at*units.Second, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	}
	s.none(63*units.Second - 1)
	s.state(SynReceived)
	s.at(63 * units.Second)
	s.state(Closed).err(ErrTimedOut)
	s.none(200 * units.Second)
}

// A retransmitted SYN from the peer draws the SYN-ACK again at once.
func TestConformanceDuplicateSYNInSynReceived(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(500 * ms).in("S 0:0(0) win 65535 <mss 1000>")
	s.out(500*ms, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(510 * ms).in(". 1:1(0) ack 1")
	s.accept().state(Established)
	s.none(10 * units.Second)
}

// A RST with an acceptable ACK refuses the connection (RFC 9293
// §3.10.7.3); nothing answers it.
func TestConformanceConnectRefused(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.at(10 * ms).in("R. 0:0(0) ack 1 win 0")
	s.state(Closed).err(ErrConnectionRefused)
	s.none(10 * units.Second)
}

// In SYN-SENT a RST without ACK is dropped (RFC 9293 §3.10.7.3: "If the
// ACK bit is off, drop the segment"); the SYN is still retransmitted.
func TestConformanceSynSentRSTWithoutACKIgnored(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.at(10 * ms).in("R 0:0(0) win 0")
	s.state(SynSent)
	s.out(1*units.Second, "S 0:0(0)")
	s.at(1010 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(1010*ms, ". 1:1(0) ack 1")
	s.state(Established)
	s.none(10 * units.Second)
}

// In SYN-SENT an ACK that does not acknowledge the SYN draws
// <SEQ=SEG.ACK><CTL=RST> and is otherwise ignored (RFC 9293 §3.10.7.3).
func TestConformanceSynSentUnacceptableACKDrawsRST(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.at(10 * ms).in("S. 0:0(0) ack 100 win 65535 <mss 1000>")
	s.out(10*ms, "R 100:100(0)")
	s.state(SynSent)
	s.out(1*units.Second, "S 0:0(0)")
	s.at(1010 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(1010*ms, ". 1:1(0) ack 1")
	s.state(Established)
	s.none(10 * units.Second)
}

// Simultaneous open (RFC 9293 §3.5 figure 8): a SYN arriving in SYN-SENT
// moves to SYN-RECEIVED and draws a SYN-ACK; the peer's ACK of our SYN
// completes the handshake.
func TestConformanceSimultaneousOpen(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0) win 64000 <mss 1000>")
	s.at(5 * ms).in("S 0:0(0) win 65535 <mss 1000>")
	s.state(SynReceived)
	s.out(5*ms, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.state(Established)
	s.write(100)
	s.out(10*ms, "P. 1:101(100) ack 1")
	s.at(20 * ms).in(". 1:1(0) ack 101")
	s.none(5 * units.Second)
}

// A simultaneous open's SYN-ACK repeats the window of our SYN, sized for
// segments of our whole MSS, where a listener's SYN-ACK that agrees to
// timestamps sizes it for the MSS less the option (64000 here, not
// 64 × 988): Linux's SYN-ACK from tcp_rcv_synsent_state_process carries
// the rcv_wnd of tcp_connect_init.
func TestConformanceSimultaneousOpenSYNACKWindow(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "S 0:0(0) win 64000 <mss 1000,TS val 0 ecr 0>")
	s.at(5 * ms).in("S 0:0(0) win 65535 <mss 1000,TS val 500 ecr 0>")
	s.out(5*ms, "S. 0:0(0) ack 1 win 64000 <mss 1000,TS val 5 ecr 500>")
}

// Simultaneous open with crossed SYN-ACKs, exactly figure 8 of RFC 9293
// §3.5: the peer's SYN-ACK, arriving in SYN-RECEIVED, acknowledges our SYN
// and the connection is ESTABLISHED (line 6). Its sequence number is the
// peer's ISN, one below RCV.NXT, so it also draws an ACK (the
// acceptability test of §3.10.7.4), which carries no SYN.
func TestConformanceSimultaneousOpenCrossedSYNACKs(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0) win 64000 <mss 1000>")
	s.at(5 * ms).in("S 0:0(0) win 65535 <mss 1000>")
	s.out(5*ms, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(10*ms, ". 1:1(0) ack 1")
	s.state(Established)
	s.none(5 * units.Second)
}

// Data on the ACK that completes a passive open is delivered (RFC 9293
// §3.10.7.4: processing continues to the segment text) and acknowledged
// after the delayed-ACK time.
func TestConformanceDataOnHandshakeThirdSegment(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in("P. 1:101(100) ack 1")
	s.accept().state(Established)
	s.out(50*ms, ". 1:1(0) ack 101 win 63900")
	s.read(100)
	s.none(5 * units.Second)
}

// A RST at RCV.NXT in SYN-RECEIVED drops the half-open connection; the
// listener stays and answers a new SYN (RFC 9293 §3.10.7.4, second check).
func TestConformanceRSTInSynReceived(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	c := s.conn()
	s.at(10 * ms).in("R 1:1(0) win 0")
	if c.State() != Closed {
		s.fail("half-open connection in %v after RST, want CLOSED", c.State())
	}
	s.none(5 * units.Second)
	s.c = nil
	s.peerISS += 1000
	s.hostISSKnown = false
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(5*units.Second, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(5*units.Second + 10*ms).in(". 1:1(0) ack 1")
	s.accept().state(Established)
	s.none(10 * units.Second)
}

// An ACK in SYN-RECEIVED that acknowledges something other than our SYN
// draws <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.4, fifth check), and the
// half-open connection stays.
func TestConformanceSynReceivedUnacceptableACKDrawsRST(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 5000")
	s.out(10*ms, "R 5000:5000(0)")
	s.state(SynReceived)
	s.at(20 * ms).in(". 1:1(0) ack 1")
	s.accept().state(Established)
	s.none(5 * units.Second)
}
