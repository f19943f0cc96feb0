package stack

// Conformance: the optional mechanisms. Selective acknowledgment (RFC 2018)
// and duplicate SACK (RFC 2883) at the receiver; SACK-based recovery
// (RFC 6675) and limited transmit (RFC 3042) at the sender; tail loss
// probes (RFC 8985 §7); protection against wrapped sequence numbers (RFC
// 7323 §5); explicit congestion notification (RFC 3168 §6.1); zero-window
// probing (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17); keepalives (RFC 1122
// §4.2.3.6).

import (
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// sackConfig is scriptConfig with SACK on and the given recovery mode.
func sackConfig(mode RecoveryMode) Config {
	cfg := scriptConfig()
	cfg.SACK = true
	cfg.Recovery = mode
	return cfg
}

// SACK-permitted rides on the SYN when enabled, and on the SYN-ACK only
// when the peer's SYN offered it (RFC 2018 §2).
func TestConformanceSACKPermittedNegotiation(t *testing.T) {
	t.Run("active", func(t *testing.T) {
		cfg := sackConfig(RecoverySACK)
		cfg.Timestamps, cfg.WindowScaling = true, true
		cfg.RcvBuf = 1 << 20
		cfg.RcvBufMax = 0
		s := newScript(t, cfg)
		s.connect()
		s.out(0, "S 0:0(0) win 65000 <mss 1000,sackOK,TS val 0 ecr 0,nop,wscale 5>")
		s.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK,TS val 700 ecr 0,nop,wscale 7>")
		s.out(10*ms, ". 1:1(0) ack 1 win 32768 <nop,nop,TS val 10 ecr 700>")
		s.none(units.Second)
	})
	t.Run("passive, not offered", func(t *testing.T) {
		s := newScript(t, sackConfig(RecoverySACK))
		s.listen(80)
		s.in("S 0:0(0) win 65535 <mss 1000>")
		s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
		s.at(10 * ms).in(". 1:1(0) ack 1")
		s.accept()
		// Without SACK-permitted from the peer, no SACK blocks are sent.
		s.at(100 * ms).in(". 1001:2001(1000) ack 1")
		s.out(100*ms, ". 1:1(0) ack 1 win 64000 <>")
		s.none(units.Second)
	})
}

// The receiver reports out-of-order data in SACK blocks (RFC 2018 §4): the
// first block holds the segment that triggered the ACK, the others repeat
// the most recently reported blocks, at most four without timestamps.
func TestConformanceSACKBlocksGenerated(t *testing.T) {
	s := newScript(t, sackConfig(RecoverySACK))
	s.handshakePassive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).in(". 1001:2001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 <sack 1001:2001>")
	s.at(101 * ms).in(". 3001:4001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 1 <sack 3001:4001 1001:2001>")
	s.at(102 * ms).in(". 2001:3001(1000) ack 1")
	s.out(102*ms, ". 1:1(0) ack 1 <sack 1001:4001>")
	s.at(103 * ms).in(". 5001:6001(1000) ack 1")
	s.out(103*ms, ". 1:1(0) ack 1 <sack 5001:6001 1001:4001>")
	s.at(104 * ms).in(". 7001:8001(1000) ack 1")
	s.out(104*ms, ". 1:1(0) ack 1 <sack 7001:8001 5001:6001 1001:4001>")
	s.at(105 * ms).in(". 9001:10001(1000) ack 1")
	s.out(105*ms, ". 1:1(0) ack 1 <sack 9001:10001 7001:8001 5001:6001 1001:4001>")
	s.at(106 * ms).in(". 11001:12001(1000) ack 1")
	s.out(106*ms, ". 1:1(0) ack 1 <sack 11001:12001 9001:10001 7001:8001 5001:6001>")
	s.at(110 * ms).in(". 1:1001(1000) ack 1")
	s.out(110*ms, ". 1:1(0) ack 4001 <sack 11001:12001 9001:10001 7001:8001 5001:6001>")
	s.none(units.Second)
}

// With timestamps on every segment only three SACK blocks fit in the 40
// bytes of option space (RFC 2018 §3).
func TestConformanceSACKThreeBlocksWithTimestamps(t *testing.T) {
	cfg := sackConfig(RecoverySACK)
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,sackOK,TS val 100 ecr 0>")
	// Out-of-order segments do not update TS.Recent (RFC 7323 §4.3): every
	// ACK echoes the TSval of the handshake's last segment.
	s.at(100 * ms).in(". 989:1977(988) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1 <nop,nop,TS val 100 ecr 110,sack 989:1977>")
	s.at(101 * ms).in(". 2965:3953(988) ack 1")
	s.out(101*ms, ". 1:1(0) ack 1 <nop,nop,TS val 101 ecr 110,sack 2965:3953 989:1977>")
	s.at(102 * ms).in(". 4941:5929(988) ack 1")
	s.out(102*ms, ". 1:1(0) ack 1 <nop,nop,TS val 102 ecr 110,sack 4941:5929 2965:3953 989:1977>")
	s.at(103 * ms).in(". 6917:7905(988) ack 1")
	s.out(103*ms, ". 1:1(0) ack 1 <nop,nop,TS val 103 ecr 110,sack 6917:7905 4941:5929 2965:3953>")
	s.none(units.Second)
}

// A duplicate segment is reported with a D-SACK block (RFC 2883 §4): below
// the cumulative ACK as the first block alone; above it, as the first
// block followed by the block that contains it.
func TestConformanceDSACKReported(t *testing.T) {
	s := newScript(t, sackConfig(RecoverySACK))
	s.handshakePassive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001")
	s.at(200 * ms).in(". 1:1001(1000) ack 1")
	s.out(200*ms, ". 1:1(0) ack 2001 <sack 1:1001>")
	s.at(300 * ms).in(". 3001:4001(1000) ack 1")
	s.out(300*ms, ". 1:1(0) ack 2001 <sack 3001:4001>")
	s.at(301 * ms).in(". 3001:3501(500) ack 1")
	s.out(301*ms, ". 1:1(0) ack 2001 <sack 3001:3501 3001:4001>")
	s.at(302 * ms).in(". 3001:4001(1000) ack 1")
	s.out(302*ms, ". 1:1(0) ack 2001 <sack 3001:4001 3001:4001>")
	s.none(units.Second)
}

// SACK-based recovery (RFC 6675): a hole is retransmitted once more than
// (DupThresh−1)·SMSS bytes are SACKed above it, and only the holes are
// resent; a second hole is repaired in the same round trip, without the
// partial ACK NewReno needs, as soon as the pipe falls below ssthresh.
func TestConformanceSACKRecoveryRepairsHoles(t *testing.T) {
	s := flightOf10(t, sackConfig(RecoverySACK), "win 65535 <mss 1000,sackOK>")
	// Segments 2 and 5 are lost.
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001 <sack 2001:3001>")
	s.at(112 * ms).in(". 1:1(0) ack 1001 <sack 2001:4001>")
	s.none(112 * ms)
	s.at(113 * ms).in(". 1:1(0) ack 1001 <sack 5001:6001 2001:4001>")
	s.out(113*ms, ". 1001:2001(1000) ack 1")
	s.at(114 * ms).in(". 1:1(0) ack 1001 <sack 5001:7001 2001:4001>")
	s.none(114 * ms)
	// Segment 5 is now lost (3000 bytes SACKed above it), and the pipe
	// (segments 9 and 10, and the retransmission: 3000 bytes) is below
	// ssthresh, half the 9000 bytes in flight at the loss as Linux's
	// tcp_reno_ssthresh halves cwnd: it is retransmitted at once (RFC
	// 6675 §5 step C, RFC 6937).
	s.at(115 * ms).in(". 1:1(0) ack 1001 <sack 5001:8001 2001:4001>")
	s.out(115*ms, ". 4001:5001(1000) ack 1")
	s.at(116 * ms).in(". 1:1(0) ack 1001 <sack 5001:9001 2001:4001>")
	s.at(117 * ms).in(". 1:1(0) ack 1001 <sack 5001:10001 2001:4001>")
	s.none(122 * ms)
	s.at(123 * ms).in(". 1:1(0) ack 4001 <sack 5001:10001>")
	s.at(125 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
	if p := s.conn().Probe(); p.FastRetransmits != 1 || p.Retransmits != 2 || p.Timeouts != 0 || p.InRecovery {
		s.fail("fast retransmits %d, retransmits %d, timeouts %d, in recovery %v", p.FastRetransmits, p.Retransmits, p.Timeouts, p.InRecovery)
	}
}

// Limited transmit (RFC 3042): each of the first two duplicate ACKs sends
// one new segment, within the peer's window; the third starts fast
// retransmit.
func TestConformanceLimitedTransmit(t *testing.T) {
	cfg := scriptConfig()
	cfg.InitialWindow = 4
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(10000)
	for i := range 4 {
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	s.at(110 * ms).in(". 1:1(0) ack 1")
	s.out(110*ms, ". 4001:5001(1000) ack 1")
	s.at(111 * ms).in(". 1:1(0) ack 1")
	s.out(111*ms, ". 5001:6001(1000) ack 1")
	s.at(112 * ms).in(". 1:1(0) ack 1")
	s.out(112*ms, ". 1:1001(1000) ack 1")
	s.none(119 * ms)
	s.at(120 * ms).in(". 1:1(0) ack 6001")
	// Recovery over: cwnd = ssthresh = FlightSize/2 = 2000 (the window
	// limited transmit went beyond does not count), then grown by what
	// the ACK newly delivered, the three segments the duplicate ACKs had
	// not reported, in congestion avoidance: 3000 (tcp_end_cwnd_reduction,
	// then tcp_cong_avoid with acked_sacked).
	s.out(120*ms, ". 6001:7001(1000) ack 1")
	s.out(120*ms, "P. 7001:8001(1000) ack 1")
	s.out(120*ms, ". 8001:9001(1000) ack 1")
	s.none(129 * ms)
}

// A tail loss probe (RFC 8985 §7): with no ACK two smoothed RTTs (plus
// Linux's TCP_TIMEOUT_MIN, 2 ms, with more than one segment in flight,
// tcp_schedule_loss_probe) after the last transmission, the highest outstanding segment is sent again (no new
// data is waiting); the SACK it draws lets RACK find the lost first
// segment at once, long before the RTO.
func TestConformanceTailLossProbe(t *testing.T) {
	s := newScript(t, sackConfig(RecoveryRACK))
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(2000)
	s.out(100*ms, ". 1:1001(1000) ack 1")
	s.out(100*ms, "P. 1001:2001(1000) ack 1")
	s.out(122*ms, "P. 1001:2001(1000) ack 1")
	s.at(132 * ms).in(". 1:1(0) ack 1 <sack 1001:2001>")
	s.out(132*ms, ". 1:1001(1000) ack 1")
	s.at(142 * ms).in(". 1:1(0) ack 2001")
	s.none(5 * units.Second)
}

// RACK (RFC 8985 §6.2): a segment sent before one that has been
// delivered is lost once an RTT plus the reordering window, a quarter of
// the minimum RTT, has passed since it was sent. With one SACKed segment
// and no reordering seen, the first segment (sent at 100 ms, RTT 10 ms,
// window 2.5 ms) is resent by the reordering timer with no duplicate-ACK
// count involved: at 112.5 ms plus the 2 ms (TCP_TIMEOUT_MIN) Linux's
// tcp_rack_mark_lost adds to the timer.
func TestConformanceRACKReorderingWindow(t *testing.T) {
	s := newScript(t, sackConfig(RecoveryRACK))
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(4000)
	for i := range 4 {
		f := gsoFlags(i)
		if i == 3 {
			f = "P."
		}
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", f, 1+i*1000, 1001+i*1000))
	}
	s.at(110 * ms).in(". 1:1(0) ack 1 <sack 1001:2001>")
	s.none(114*ms + 499*units.Microsecond)
	s.out(114*ms+500*units.Microsecond, ". 1:1001(1000) ack 1")
	s.at(115 * ms).in(". 1:1(0) ack 1 <sack 1001:4001>")
	s.at(125 * ms).in(". 1:1(0) ack 4001")
	s.none(5 * units.Second)
}

// PAWS (RFC 7323 §5.3 R1): a segment whose TSval is older than TS.Recent
// is dropped and acknowledged; a RST is exempt.
func TestConformancePAWSDropsOldTimestamp(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,TS val 100 ecr 0>")
	s.at(20 * ms).in("P. 1:101(100) ack 1 <TS val 120 ecr 0>")
	s.out(60*ms, ". 1:1(0) ack 101 <nop,nop,TS val 60 ecr 120>")
	s.at(100 * ms).in("P. 101:201(100) ack 1 <TS val 119 ecr 60>")
	s.out(100*ms, ". 1:1(0) ack 101 <nop,nop,TS val 100 ecr 120>")
	s.read(100)
	s.at(110 * ms).in("R 101:101(0) win 0 <TS val 50 ecr 0>")
	s.state(Closed).err(ErrConnectionReset)
	s.none(units.Second)
}

// Once timestamps are negotiated, a non-RST segment without them SHOULD be
// silently dropped (RFC 7323 §3.2): not delivered, and not answered.
func TestConformanceTimestampMissingSilentlyDropped(t *testing.T) {
	cfg := scriptConfig()
	cfg.Timestamps = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,TS val 100 ecr 0>")
	s.at(20 * ms).in("P. 1:101(100) ack 1 <>")
	s.none(units.Second)
	s.read(0)
}

// ECN setup on an active open (RFC 3168 §6.1.1): SYN with ECE and CWR,
// SYN-ACK with ECE alone. New data then leaves ECT(0), pure ACKs
// not-ECT; an ECE reduces the window and the next new segment carries CWR
// (§6.1.2); a retransmission leaves not-ECT (§6.1.5).
func TestConformanceECNSender(t *testing.T) {
	cfg := scriptConfig()
	cfg.ECN = true
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "SEW 0:0(0) win 64000 <mss 1000> [noecn]")
	s.at(10 * ms).in("SE. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(10*ms, ". 1:1(0) ack 1 [noecn]")
	s.write(1000)
	s.out(10*ms, "P. 1:1001(1000) ack 1 [ect0]")
	s.at(20 * ms).in("E. 1:1(0) ack 1001")
	s.at(100 * ms).write(1000)
	s.out(100*ms, "PW. 1001:2001(1000) ack 1 [ect0]")
	s.at(110 * ms).in(". 1:1(0) ack 2001")
	s.at(200 * ms).write(1000)
	s.out(200*ms, "P. 2001:3001(1000) ack 1 [ect0]")
	s.out(400*ms, "P. 2001:3001(1000) ack 1 [noecn]")
	s.at(410 * ms).in(". 1:1(0) ack 3001")
	s.none(units.Second)
	if p := s.conn().Probe(); p.ECNReductions != 1 {
		s.fail("%d ECN reductions, want 1", p.ECNReductions)
	}
}

// A SYN-ACK without ECE declines ECN: no data is ECN-capable.
func TestConformanceECNDeclinedByPeer(t *testing.T) {
	cfg := scriptConfig()
	cfg.ECN = true
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "SEW 0:0(0)")
	s.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(10*ms, ". 1:1(0) ack 1")
	s.write(1000)
	s.out(10*ms, "P. 1:1001(1000) ack 1 [noecn]")
	s.at(20 * ms).in(". 1:1(0) ack 1001")
	s.none(units.Second)
}

// The ECN receiver (RFC 3168 §6.1.3): accepting on the SYN-ACK with ECE,
// then setting ECE on every ACK from a CE-marked segment until a segment
// with CWR arrives. A host without ECN enabled answers an ECN-setup SYN
// with a plain SYN-ACK.
func TestConformanceECNReceiver(t *testing.T) {
	t.Run("enabled", func(t *testing.T) {
		cfg := scriptConfig()
		cfg.ECN = true
		s := newScript(t, cfg)
		s.listen(80)
		s.in("SEW 0:0(0) win 65535 <mss 1000>")
		s.out(0, "SE. 0:0(0) ack 1 win 64000 <mss 1000>")
		s.at(10 * ms).in(". 1:1(0) ack 1")
		s.accept()
		s.at(100 * ms).in("P. 1:101(100) ack 1 [ce]")
		s.out(140*ms, "E. 1:1(0) ack 101")
		s.at(200 * ms).in("P. 101:201(100) ack 1 [ect0]")
		s.out(240*ms, "E. 1:1(0) ack 201")
		s.at(300 * ms).in("PW. 201:301(100) ack 1 [ect0]")
		s.out(340*ms, ". 1:1(0) ack 301")
		s.none(units.Second)
	})
	t.Run("disabled", func(t *testing.T) {
		s := newScript(t, scriptConfig())
		s.listen(80)
		s.in("SEW 0:0(0) win 65535 <mss 1000>")
		s.out(0, "S. 0:0(0) ack 1 win 64000 <mss 1000>")
		s.at(10 * ms).in(". 1:1(0) ack 1")
		s.accept()
		s.at(100 * ms).in("P. 1:101(100) ack 1 [ce]")
		s.out(140*ms, ". 1:1(0) ack 101")
		s.none(units.Second)
	})
}

// Zero-window probing (RFC 9293 §3.8.6.1): with the peer's window closed
// and data waiting, a probe goes out after the RTO and again at
// exponentially growing intervals capped at MaxPersist; DataRetries
// unanswered probes abort the connection.
func TestConformanceZeroWindowProbeBackoff(t *testing.T) {
	cfg := scriptConfig()
	cfg.MaxPersist = 2 * units.Second
	cfg.DataRetries = 6
	s := newScript(t, cfg)
	s.handshakeActive("win 0 <mss 1000>")
	s.write(2000)
	// Linux's probe (tcp_xmit_probe_skb): SND.UNA−1, no data.
	for _, at := range []units.Duration{210, 610, 1410, 3010, 5010, 7010} {
		s.out(at*ms, ". 0:0(0) ack 1")
	}
	s.none(9010*ms - 1)
	s.state(Established)
	s.at(9010 * ms)
	s.state(Closed).err(ErrTimedOut)
	s.none(20 * units.Second)
}

// A probe answered by an open window lets the data flow.
func TestConformanceZeroWindowOpens(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 0 <mss 1000>")
	s.write(2000)
	s.out(210*ms, ". 0:0(0) ack 1")
	s.at(220 * ms).in(". 1:1(0) ack 1 win 3000")
	s.out(220*ms, ". 1:1001(1000) ack 1")
	s.out(220*ms, "P. 1001:2001(1000) ack 1")
	s.at(240 * ms).in(". 1:1(0) ack 2001 win 3000")
	s.none(5 * units.Second)
}

// As long as the peer answers the probes the connection stays open,
// however many it takes (RFC 1122 §4.2.2.17: "the sending TCP MUST allow
// the connection to stay open"), and the answers, which acknowledge
// nothing, are not duplicate ACKs calling for a fast retransmit: the
// probes keep their exponential spacing.
func TestConformanceZeroWindowProbesAnswered(t *testing.T) {
	cfg := scriptConfig()
	cfg.MaxPersist = 2 * units.Second
	cfg.DataRetries = 3
	s := newScript(t, cfg)
	s.handshakeActive("win 0 <mss 1000>")
	s.write(2000)
	for _, at := range []units.Duration{210, 610, 1410, 3010, 5010, 7010, 9010} {
		s.out(at*ms, ". 0:0(0) ack 1")
		s.at(at*ms + 10*ms).in(". 1:1(0) ack 1 win 0")
	}
	s.state(Established)
	s.at(9500 * ms).in(". 1:1(0) ack 1 win 3000")
	s.out(9500*ms, ". 1:1001(1000) ack 1")
	s.out(9500*ms, "P. 1001:2001(1000) ack 1")
	s.at(9510 * ms).in(". 1:1(0) ack 2001 win 3000")
	s.none(20 * units.Second)
}

// Keepalive (RFC 1122 §4.2.3.6): after KeepaliveIdle without a segment
// from the peer, a probe with SEG.SEQ = SND.NXT−1 and no data; an answer
// restarts the idle time; KeepaliveProbes unanswered probes, one every
// KeepaliveInterval, abort the connection with a RST.
func TestConformanceKeepalive(t *testing.T) {
	cfg := scriptConfig()
	cfg.Keepalive = true
	cfg.KeepaliveIdle = 10 * units.Second
	cfg.KeepaliveInterval = units.Second
	cfg.KeepaliveProbes = 3
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 1")
	s.out(140*ms, ". 1:1(0) ack 101")
	s.none(10*units.Second + 100*ms - 1)
	s.out(10*units.Second+100*ms, ". 0:0(0) ack 101")
	s.at(10*units.Second + 110*ms).in(". 101:101(0) ack 1")
	s.none(20*units.Second + 110*ms - 1)
	s.out(20*units.Second+110*ms, ". 0:0(0) ack 101")
	s.out(21*units.Second+110*ms, ". 0:0(0) ack 101")
	s.out(22*units.Second+110*ms, ". 0:0(0) ack 101")
	s.none(23*units.Second + 110*ms - 1)
	s.state(Established)
	// The abort resets the connection, as Linux's tcp_keepalive_timer
	// does (tcp_send_active_reset).
	s.out(23*units.Second+110*ms, "R. 1:1(0) ack 101 win 0")
	s.state(Closed).err(ErrTimedOut)
	s.none(30 * units.Second)
}

// A connection idle from the moment it is established is probed too: the
// keepalive timer starts with the connection, not with the first segment
// after the handshake.
func TestConformanceKeepaliveFromEstablishment(t *testing.T) {
	cfg := scriptConfig()
	cfg.Keepalive = true
	cfg.KeepaliveIdle = 10 * units.Second
	cfg.KeepaliveInterval = units.Second
	cfg.KeepaliveProbes = 3
	for _, open := range []string{"passive", "active"} {
		t.Run(open, func(t *testing.T) {
			s := newScript(t, cfg)
			if open == "active" {
				s.handshakeActive("win 65535 <mss 1000>")
			} else {
				s.handshakePassive("win 65535 <mss 1000>")
			}
			s.none(10*units.Second + 10*ms - 1)
			s.out(10*units.Second+10*ms, ". 0:0(0) ack 1")
			s.at(10*units.Second + 20*ms).in(". 1:1(0) ack 1")
			s.none(15 * units.Second)
		})
	}
}

// Linux acknowledges data carrying CWR at once, delayed-ACK timer or not
// (tcp_ecn_accept_cwr): the sender has just cut its window, possibly to
// one segment, which would otherwise wait out the timer.
func TestLinuxECNReceiverAcksCWRAtOnce(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.ECN = true
	s := newScript(t, cfg)
	s.listen(80)
	s.in("SEW 0:0(0) win 65535 <mss 1000>")
	s.out(0, "SE. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept()
	// The first data earns 16 quick ACKs (TCP_MAX_QUICKACKS).
	at := 100 * ms
	seq := 1
	for range 16 {
		s.at(at).in(fmt.Sprintf("P. %d:%d(100) ack 1 [ect0]", seq, seq+100))
		s.out(at, fmt.Sprintf(". 1:1(0) ack %d", seq+100))
		at, seq = at+100*ms, seq+100
	}
	// Then a lone segment waits for the delayed-ACK timer...
	s.at(at).in(fmt.Sprintf("P. %d:%d(100) ack 1 [ect0]", seq, seq+100))
	s.out(at+40*ms, fmt.Sprintf(". 1:1(0) ack %d", seq+100))
	at, seq = at+100*ms, seq+100
	// ...but one with CWR is acknowledged at once.
	s.at(at).in(fmt.Sprintf("PW. %d:%d(100) ack 1 [ect0]", seq, seq+100))
	s.out(at, fmt.Sprintf(". 1:1(0) ack %d", seq+100))
	s.none(units.Second)
}
