package stack

// The six bugs of issue 13, each a scripted scenario that failed before
// its fix.

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// rackScriptConfig is linuxScriptConfig with SACK, so that recovery is
// RACK-TLP.
func rackScriptConfig() Config {
	cfg := linuxScriptConfig()
	cfg.SACK = true
	cfg.Recovery = RecoveryRACK
	return cfg
}

// Bug 1: a tail loss probe armed before fast recovery is disarmed when an
// ACK starts recovery. Linux only keeps a probe timer in the Open state
// (tcp_schedule_loss_probe), and retransmitting the head replaces it with
// the RTO (tcp_xmit_retransmit_queue): no probe inside recovery.
func TestIssue13TLPDisarmedWhenRecoveryStarts(t *testing.T) {
	s := newScript(t, rackScriptConfig())
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(5000)
	s.out(100*ms, ". 1:1001(1000) ack 1")
	s.out(100*ms, "P. 1001:2001(1000) ack 1")
	s.out(100*ms, ". 2001:3001(1000) ack 1")
	s.out(100*ms, "P. 3001:4001(1000) ack 1")
	s.out(100*ms, "P. 4001:5001(1000) ack 1")
	// The first segment is lost; the others are SACKed 10 ms later, which
	// is three segments' worth, so RACK's reordering window is zero and the
	// loss is found at once.
	s.at(110 * ms).in(". 1:1(0) ack 1 <sack 1001:5001>")
	s.out(110*ms, ". 1:1001(1000) ack 1")
	// Before the fix the probe fired at 122 ms (2·SRTT + 2 ms), in
	// recovery. The RTO now runs from the retransmission: 110 + 210 ms.
	s.none(300 * ms)
	s.at(300 * ms).in(". 1:1(0) ack 5001")
	s.none(2 * units.Second)
	if p := s.c.Probe(); p.TLPProbes != 0 || p.Timeouts != 0 {
		t.Fatalf("probes %d, timeouts %d; want 0, 0", p.TLPProbes, p.Timeouts)
	}
}

// Bug 2: the probe never resends a segment the peer has SACKed. Here an
// ACK SACKs the last of five segments before the probe timer expires;
// SACKed data takes the connection out of Linux's Open state, where alone
// a probe may be pending (tcp_schedule_loss_probe), so the RTO takes over
// and RACK's reordering timer finds the holes. Before the fix the probe
// at 122 ms resent 4001:5001.
func TestIssue13TLPNeverResendsSACKedSegment(t *testing.T) {
	s := newScript(t, rackScriptConfig())
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(5000)
	s.out(100*ms, ". 1:1001(1000) ack 1")
	s.out(100*ms, "P. 1001:2001(1000) ack 1")
	s.out(100*ms, ". 2001:3001(1000) ack 1")
	s.out(100*ms, "P. 3001:4001(1000) ack 1")
	s.out(100*ms, "P. 4001:5001(1000) ack 1")
	s.at(121 * ms).in(". 1:1(0) ack 1 <sack 4001:5001>")
	s.none(123 * ms)
	s.at(123 * ms).in(". 1:1(0) ack 5001")
	s.none(2 * units.Second)
	if p := s.c.Probe(); p.TLPProbes != 0 || p.Retransmits != 0 {
		t.Fatalf("probes %d, retransmits %d; want 0, 0", p.TLPProbes, p.Retransmits)
	}
}

// Bug 3: a peer whose MSS (1000) is below ours (1460) gets an ACK for
// every second segment: "full-sized" is judged by the segments it sends
// (Linux's tcp_measure_rcv_mss), not by our own MSS.
func TestIssue13ACKEverySecondSegmentOfSmallerMSSPeer(t *testing.T) {
	cfg := scriptConfig()
	cfg.MSS = 1460
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.in(". 1001:2001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 2001") // before the fix: at 140 ms
	s.none(2 * units.Second)
}

// Bug 4: a Fast Open server sends its whole initial window of ten
// segments after the SYN-ACK: the SYN's sequence number is not payload
// and does not take a segment's room in the byte-counted window (Linux's
// child socket counts packets, and the SYN-ACK is not among them).
func TestIssue13FastOpenServerSendsWholeInitialWindow(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000,FO " + scriptServerCookie + ">")
	s.out(0, "S. 0:0(0) ack 101 <mss 1000>")
	s.accept().read(100)
	s.write(20000)
	// No RTT sample yet, so no pacing rate to size GSO packets by: the
	// ten segments leave as one packet, PSH on its last.
	for i := 0; i < 10; i++ {
		s.out(0, segf("%s %d:%d(1000) ack 101", gsoEvery(i, 10), 1+1000*i, 1001+1000*i))
	}
	s.none(5 * ms)
	s.at(10 * ms).in(". 101:101(0) ack 10001")
	for i := 10; i < 20; i++ {
		flags := gsoEvery(i-10, 3) // now 2·cwnd per SRTT sizes them
		if i == 19 {
			flags = "P."
		}
		s.out(10*ms, segf("%s %d:%d(1000) ack 101", flags, 1+1000*i, 1001+1000*i))
	}
	s.at(20 * ms).in(". 101:101(0) ack 20001")
	s.none(2 * units.Second)
}

// Bug 5: closing a Fast Open child whose SYN data was never read resets
// the connection, as Conn.Close documents and Linux's tcp_close does for
// unread data in any state; the RST carries the ACK
// (tcp_send_active_reset).
func TestIssue13FastOpenChildClosedWithUnreadDataResets(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000,FO " + scriptServerCookie + ">")
	s.out(0, "S. 0:0(0) ack 101 <mss 1000>")
	s.accept().state(SynReceived)
	s.close()
	s.out(0, "R. 1:1(0) ack 101") // before the fix: F. 1:1(0)
	s.state(Closed)
	s.none(2 * units.Second)
}

// Bug 6: in a simultaneous open, the SYN-ACK acknowledges the peer's SYN
// only (RFC 9293 §3.10.7.3: RCV.NXT = SEG.SEQ+1); data on the crossed SYN
// is not taken, as in Linux's tcp_rcv_synsent_state_process, which
// discards it, so the peer sends it again.
func TestIssue13SimultaneousOpenDoesNotAckSYNData(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0) win 64000 <mss 1000>")
	s.at(5 * ms).in("S 0:100(100) win 65535 <mss 1000>")
	s.state(SynReceived)
	s.out(5*ms, "S. 0:0(0) ack 1 win 64000 <mss 1000>") // before the fix: ack 101
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.state(Established)
	s.at(15 * ms).in("P. 1:101(100) ack 1")
	s.read(100)
	s.out(55*ms, ". 1:1(0) ack 101")
	s.none(2 * units.Second)
}

// Issue 13's two timeouts of CUBIC with sack recovery at 1 Gbit/s: the
// recovery point (RFC 6582's "recover") was left where the last recovery
// set it, and once more than 2^31 bytes had been acknowledged since, the
// sequence comparison with it wrapped, so "the ACK covers more than
// recover" failed and no fast retransmit could start until a timeout.
// Here the last recovery lies 2^31 − 3000 bytes back: an ACK of 2000
// bytes is still ahead of it, the next ACK of 2000 would not be if the
// point stayed behind, and the third duplicate ACK after that must still
// start fast retransmit.
func TestIssue13RecoverPointDoesNotGoStaleAcrossTheWrap(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.c.recover = s.c.sndUna.Add(-(1 << 31) + 3000)
	s.at(100 * ms).write(6000)
	for i := 0; i < 6; i++ {
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+1000*i, 1001+1000*i))
	}
	s.at(110 * ms).in(". 1:1(0) ack 2001")
	s.in(". 1:1(0) ack 4001")
	s.in(". 1:1(0) ack 4001")
	s.in(". 1:1(0) ack 4001")
	s.none(110 * ms)
	s.in(". 1:1(0) ack 4001")
	s.out(110*ms, ". 4001:5001(1000) ack 1") // before the fix: the RTO
	s.at(120 * ms).in(". 1:1(0) ack 6001")
	s.none(2 * units.Second)
}
