package stack

// Conformance: loss. The retransmission timer (RFC 6298: computation,
// backoff, Karn's rule, restart on ACK), fast retransmit on the third
// duplicate ACK and fast recovery (RFC 5681 §2-§3.2), NewReno's partial
// ACKs (RFC 6582), and giving up (RFC 9293 §3.8.3, RFC 1122 §4.2.3.5).

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// The retransmission timer expires after RTO and doubles on every expiry
// (RFC 6298 §5.4-5.5). A 10 ms handshake RTT gives an RTO of
// 10 + 4·5 = 30 ms, raised to the 200 ms floor.
func TestConformanceRTOTimingAndBackoff(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	for _, at := range []units.Duration{300, 700, 1500, 3100, 6300} {
		s.out(at*ms, "P. 1:101(100) ack 1")
	}
	s.at(6310 * ms).in(". 1:1(0) ack 101")
	s.none(20 * units.Second)
	s.state(Established)
}

// RTO = SRTT + max(G, 4·RTTVAR) with SRTT and RTTVAR updated as RFC 6298
// §2.2-2.3 give: the handshake's 100 ms sample gives 100 + 4·50 = 300 ms;
// a second sample of 100 ms gives RTTVAR 37.5 ms and RTO 250 ms.
func TestConformanceRTOFromRTTSamples(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.at(100 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(100*ms, ". 1:1(0) ack 1")
	s.at(200 * ms).write(100)
	s.out(200*ms, "P. 1:101(100) ack 1")
	s.at(300 * ms).in(". 1:1(0) ack 101")
	s.at(400 * ms).write(100)
	s.out(400*ms, "P. 101:201(100) ack 1")
	s.out(650*ms, "P. 101:201(100) ack 1")
	s.out(1150*ms, "P. 101:201(100) ack 1")
	s.at(1200 * ms).in(". 1:1(0) ack 201")
	s.none(5 * units.Second)
}

// An ACK of new data restarts the timer for the oldest outstanding
// segment (RFC 6298 §5.3); after it expires only one segment is resent
// (cwnd is one segment, RFC 5681 §3.1), the rest following as ACKs open
// the window (go-back-N).
func TestConformanceRTORestartedByACKThenGoBackN(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(3000)
	s.out(100*ms, ". 1:1001(1000) ack 1")
	s.out(100*ms, "P. 1001:2001(1000) ack 1")
	s.out(100*ms, "P. 2001:3001(1000) ack 1")
	s.at(150 * ms).in(". 1:1(0) ack 1001")
	s.none(349 * ms)
	s.out(350*ms, ". 1001:2001(1000) ack 1")
	s.none(359 * ms)
	s.at(360 * ms).in(". 1:1(0) ack 2001")
	s.out(360*ms, "P. 2001:3001(1000) ack 1")
	s.at(370 * ms).in(". 1:1(0) ack 3001")
	s.none(5 * units.Second)
}

// Karn's rule (RFC 6298 §3, §5.7): an ACK for a retransmitted segment
// gives no RTT sample, so the backed-off RTO stays for the next segment;
// the first ACK of a segment sent once restores the computed RTO.
func TestConformanceKarnsRule(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.out(300*ms, "P. 1:101(100) ack 1")
	s.at(310 * ms).in(". 1:1(0) ack 101")
	s.at(400 * ms).write(100)
	s.out(400*ms, "P. 101:201(100) ack 1")
	s.out(800*ms, "P. 101:201(100) ack 1") // 400 ms: still backed off once
	s.at(810 * ms).in(". 1:1(0) ack 201")
	s.at(1000 * ms).write(100)
	s.out(1000*ms, "P. 201:301(100) ack 1")
	s.at(1010 * ms).in(". 1:1(0) ack 301") // a valid sample
	s.at(1100 * ms).write(100)
	s.out(1100*ms, "P. 301:401(100) ack 1")
	s.out(1300*ms, "P. 301:401(100) ack 1") // back to 200 ms
	s.at(1310 * ms).in(". 1:1(0) ack 401")
	s.none(5 * units.Second)
}

// Backoff stops doubling at MaxRTO (RFC 6298 §2.5), and after
// DataRetries expiries without progress the connection is aborted with a
// timeout (RFC 9293 §3.8.3, R2), without a segment.
func TestConformanceRTOCappedAndGivesUp(t *testing.T) {
	cfg := scriptConfig()
	cfg.MaxRTO = 2 * units.Second
	cfg.DataRetries = 6
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(100)
	s.out(10*ms, "P. 1:101(100) ack 1")
	for _, at := range []units.Duration{210, 610, 1410, 3010, 5010, 7010} {
		s.out(at*ms, "P. 1:101(100) ack 1")
	}
	s.none(9009 * ms)
	s.state(Established)
	s.at(9010 * ms)
	s.state(Closed).err(ErrTimedOut)
	s.none(20 * units.Second)
}

// RFC 6298 §5.7: if the SYN was retransmitted and no RTT sample was taken,
// the RTO for data is reinitialized to 3 s.
func TestConformanceRTOThreeSecondsAfterSYNRetransmission(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.out(1*units.Second, "S 0:0(0)")
	s.at(1010 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(1010*ms, ". 1:1(0) ack 1")
	s.write(100)
	s.out(1010*ms, "P. 1:101(100) ack 1")
	s.out(4010*ms, "P. 1:101(100) ack 1")
	s.at(4020 * ms).in(". 1:1(0) ack 101")
	s.none(10 * units.Second)
}

// lossWindow sends ten segments from 100 ms and returns the script.
func lossWindow(t *testing.T, cfg Config) *script {
	t.Helper()
	return flightOf10(t, cfg, "win 65535 <mss 1000>")
}

// flightOf10 opens a connection to a peer whose SYN-ACK is peerSYN and has
// it send ten 1000-byte segments at 100 ms, in GSO-sized bursts.
func flightOf10(t *testing.T, cfg Config, peerSYN string) *script {
	t.Helper()
	s := newScript(t, cfg)
	s.handshakeActive(peerSYN)
	s.at(100 * ms).write(10000)
	for i := range 10 {
		f := gsoFlags(i)
		if i == 9 {
			f = "P."
		}
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", f, 1+i*1000, 1001+i*1000))
	}
	return s
}

// Fast retransmit (RFC 5681 §3.2): the third duplicate ACK, not the
// second, resends the missing segment at once; later duplicates send
// nothing when there is no new data; the ACK of everything ends recovery.
func TestConformanceFastRetransmitOnThirdDupACK(t *testing.T) {
	s := lossWindow(t, scriptConfig())
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001")
	s.at(112 * ms).in(". 1:1(0) ack 1001")
	s.none(112 * ms)
	s.at(113 * ms).in(". 1:1(0) ack 1001")
	s.out(113*ms, ". 1001:2001(1000) ack 1")
	s.at(114 * ms).in(". 1:1(0) ack 1001")
	s.at(115 * ms).in(". 1:1(0) ack 1001")
	s.none(122 * ms)
	s.at(123 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
	if p := s.conn().Probe(); p.FastRetransmits != 1 || p.Timeouts != 0 || p.InRecovery {
		s.fail("fast retransmits %d, timeouts %d, in recovery %v", p.FastRetransmits, p.Timeouts, p.InRecovery)
	}
}

// Two duplicate ACKs are not enough: the segment waits for the timer,
// restarted by the last ACK of new data.
func TestConformanceNoFastRetransmitOnSecondDupACK(t *testing.T) {
	s := lossWindow(t, scriptConfig())
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001")
	s.at(112 * ms).in(". 1:1(0) ack 1001")
	s.none(309 * ms)
	s.out(310*ms, ". 1001:2001(1000) ack 1")
	s.at(320 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
}

// RFC 5681 §2: an ACK that updates the window or carries data is not a
// duplicate ACK, and does not count towards the three; an ACK that moves
// SND.UNA would reset the count, but these do not.
func TestConformanceDuplicateACKDefinition(t *testing.T) {
	s := lossWindow(t, scriptConfig())
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001")
	s.at(112 * ms).in(". 1:1(0) ack 1001 win 60000") // window update
	s.at(113 * ms).in("P. 1:101(100) ack 1001 win 60000")
	s.at(114 * ms).in(". 101:101(0) ack 1001 win 60000")
	s.none(114 * ms)
	s.at(115 * ms).in(". 101:101(0) ack 1001 win 60000")
	s.out(115*ms, ". 1001:2001(1000) ack 101")
	s.at(125 * ms).in(". 101:101(0) ack 10001 win 60000")
	s.none(5 * units.Second)
	s.read(100)
}

// NewReno (RFC 6582 §3.2 step 5): a partial ACK during fast recovery
// resends the next hole at once, without waiting for three more
// duplicates; the ACK of everything sent before recovery ends it.
func TestConformanceNewRenoPartialACKRetransmitsNextHole(t *testing.T) {
	s := lossWindow(t, scriptConfig())
	// Segments 2 and 5 are lost: segment 1 is acknowledged, and each of
	// segments 3, 4 and 6 to 10 draws a duplicate.
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001")
	s.at(112 * ms).in(". 1:1(0) ack 1001")
	s.at(113 * ms).in(". 1:1(0) ack 1001")
	s.out(113*ms, ". 1001:2001(1000) ack 1")
	for i := range 4 {
		s.at(114*ms + units.Duration(i)*ms).in(". 1:1(0) ack 1001")
	}
	s.none(122 * ms)
	s.at(123 * ms).in(". 1:1(0) ack 4001")
	s.out(123*ms, ". 4001:5001(1000) ack 1")
	s.none(132 * ms)
	s.at(133 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
	if p := s.conn().Probe(); p.FastRetransmits != 1 || p.Timeouts != 0 || p.Retransmits != 2 || p.InRecovery {
		s.fail("fast retransmits %d, timeouts %d, retransmits %d, in recovery %v", p.FastRetransmits, p.Timeouts, p.Retransmits, p.InRecovery)
	}
}

// After a timeout, duplicate ACKs for data sent before it do not start a
// fast retransmit (RFC 6582 §3.2 step 1's "recover", RFC 5681 §3.2 note):
// they are echoes of the old window.
func TestConformanceNoFastRetransmitAfterRTOForOldData(t *testing.T) {
	s := lossWindow(t, scriptConfig())
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.out(310*ms, ". 1001:2001(1000) ack 1")
	for i := range 3 {
		s.at(311*ms + units.Duration(i)*ms).in(". 1:1(0) ack 1001")
	}
	s.none(315 * ms)
	s.at(320 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
}

// With RecoveryReno (RFC 5681 §3.2 without RFC 6582) the first ACK of new
// data ends fast recovery, so a partial ACK resends nothing and the next
// hole needs three fresh duplicates.
func TestConformanceRenoPartialACKEndsRecovery(t *testing.T) {
	cfg := scriptConfig()
	cfg.Recovery = RecoveryReno
	s := lossWindow(t, cfg)
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 1001")
	s.at(112 * ms).in(". 1:1(0) ack 1001")
	s.at(113 * ms).in(". 1:1(0) ack 1001")
	s.out(113*ms, ". 1001:2001(1000) ack 1")
	s.at(123 * ms).in(". 1:1(0) ack 4001")
	s.none(124 * ms)
	for i := range 3 {
		s.at(125*ms + units.Duration(i)*ms).in(". 1:1(0) ack 4001")
	}
	s.out(127*ms, ". 4001:5001(1000) ack 1")
	s.at(137 * ms).in(". 1:1(0) ack 10001")
	s.none(5 * units.Second)
}

// Proportional rate reduction on ACKs, as Linux's tcp_cwnd_reduction
// computes it (RFC 6937 with Linux's conditions). Ten segments, the first
// six lost; SACKs for 7 to 10 arrive. The third SACK makes segments 1 to 6
// lost (3000 bytes SACKed above them) and starts recovery: ssthresh =
// 10000/2 = 5000 (Linux's tcp_reno_ssthresh halves cwnd, SACKed data
// included), cwnd at the loss 10000. The pipe is one
// segment (10), so PRR is in its slow-start part: it sends what the ACK
// delivered, no more than ssthresh − pipe. An ACK that does not advance
// SND.UNA earns no extra segment: one retransmission per SACKed segment,
// where RFC 6937's PRR-SSRB sends two. The ACK for the first
// retransmission advances SND.UNA without finding a new loss and earns
// one more (two retransmissions).
func TestConformancePRROnACKsThatDoNotAdvanceSNDUNA(t *testing.T) {
	s := flightOf10(t, sackConfig(RecoverySACK), "win 65535 <mss 1000,sackOK>")
	s.at(110 * ms).in(". 1:1(0) ack 1 <sack 6001:7001>")
	s.at(111 * ms).in(". 1:1(0) ack 1 <sack 6001:8001>")
	s.none(111 * ms)
	// Recovery: delivered 1000, pipe 1000, ssthresh − pipe 4000: one
	// segment, the fast retransmission.
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 6001:9001>")
	s.out(112*ms, ". 1:1001(1000) ack 1")
	s.none(112 * ms)
	// Delivered 1000 more, prr_delivered − prr_out = 1000: one segment.
	s.at(113 * ms).in(". 1:1(0) ack 1 <sack 6001:10001>")
	s.out(113*ms, ". 1001:2001(1000) ack 1")
	s.none(150 * ms)
	// SND.UNA advances and nothing new is lost: what was delivered plus
	// one segment, two retransmissions (pipe 1000, ssthresh − pipe 4000).
	s.at(151 * ms).in(". 1:1(0) ack 1001 <sack 6001:10001>")
	s.out(151*ms, ". 2001:3001(1000) ack 1")
	s.out(151*ms, "P. 3001:4001(1000) ack 1")
	s.none(151 * ms)
	if p := s.conn().Probe(); p.Cwnd != 3000 || p.Ssthresh != 5000 || p.Inflight != 3000 || !p.InRecovery {
		s.fail("cwnd %d, ssthresh %d, pipe %d, in recovery %v; want 3000, 5000, 3000, true", p.Cwnd, p.Ssthresh, p.Inflight, p.InRecovery)
	}
}

// PRR while the pipe is above ssthresh (RFC 6937's proportional part,
// Linux's ssthresh·prr_delivered/prior_cwnd, rounded up to whole segments
// as Linux counts packets): ten segments, only the first lost. The first
// two SACKs each let a new segment out (SACKed data leaves the pipe); the
// third makes segment 1 lost and starts recovery with ssthresh = 10000/2
// = 5000 of a 10000 window (Linux's tcp_reno_ssthresh): half a segment
// per segment delivered, the first at once (the forced fast
// retransmission), the rest as the rounded-up share grows by a segment,
// until the pipe falls to ssthresh and the slow-start part takes over
// (the timeline of packetdrill/scripts/prr/prr-proportional-reduction.pkt
// once it is in recovery).
func TestConformancePRRProportionalPart(t *testing.T) {
	s := newScript(t, sackConfig(RecoverySACK))
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(20000)
	for i := range 10 {
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	s.at(110 * ms).in(". 1:1(0) ack 1 <sack 1001:2001>")
	s.out(110*ms, ". 10001:11001(1000) ack 1")
	s.at(111 * ms).in(". 1:1(0) ack 1 <sack 1001:3001>")
	s.out(111*ms, ". 11001:12001(1000) ack 1")
	// Delivered 1 segment: ⌈5·1/10⌉ = 1, the retransmission.
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 1001:4001>")
	s.out(112*ms, ". 1:1001(1000) ack 1")
	s.none(112 * ms)
	// Delivered 2: ⌈10/10⌉ − 1 = 0.
	s.at(113 * ms).in(". 1:1(0) ack 1 <sack 1001:5001>")
	s.none(113 * ms)
	// Delivered 3: ⌈15/10⌉ − 1 = 1.
	s.at(114 * ms).in(". 1:1(0) ack 1 <sack 1001:6001>")
	s.out(114*ms, ". 12001:13001(1000) ack 1")
	s.none(114 * ms)
	// Delivered 4: 2 − 2 = 0.
	s.at(115 * ms).in(". 1:1(0) ack 1 <sack 1001:7001>")
	s.none(115 * ms)
	// Delivered 5: ⌈25/10⌉ − 2 = 1 (pipe 6 segments, above ssthresh).
	s.at(116 * ms).in(". 1:1(0) ack 1 <sack 1001:8001>")
	s.out(116*ms, ". 13001:14001(1000) ack 1")
	s.none(116 * ms)
	// Delivered 6: 3 − 3 = 0.
	s.at(117 * ms).in(". 1:1(0) ack 1 <sack 1001:9001>")
	s.none(117 * ms)
	// The pipe falls to ssthresh (5 segments): the slow-start part allows
	// ssthresh − pipe = 0.
	s.at(118 * ms).in(". 1:1(0) ack 1 <sack 1001:10001>")
	s.none(118 * ms)
	// Segment 11 SACKed: pipe 4, below ssthresh: one segment.
	s.at(119 * ms).in(". 1:1(0) ack 1 <sack 1001:11001>")
	s.out(119*ms, ". 14001:15001(1000) ack 1")
	s.none(140 * ms)
}

// Without SACK, recovery still sends by PRR, with the SACKed data it needs
// emulated from duplicate ACKs as Linux's tcp_add_reno_sack does: each one
// takes a segment out of the pipe. Ten segments, the first lost. The first
// two duplicate ACKs each let a new segment out (limited transmit, RFC
// 3042, which the emulation gives); the third starts recovery with
// ssthresh = 10000/2 and the fast retransmission. From there one new
// segment per two duplicate ACKs (ssthresh/cwnd = 1/2) while the pipe is
// above ssthresh, then one per ACK, which keeps it at ssthresh.
func TestConformanceNewRenoPRRFromDuplicateACKs(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(30000)
	for i := range 10 {
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	dup := func(at units.Duration) { s.at(at).in(". 1:1(0) ack 1") }
	dup(110 * ms)
	s.out(110*ms, ". 10001:11001(1000) ack 1")
	dup(111 * ms)
	s.out(111*ms, ". 11001:12001(1000) ack 1")
	dup(112 * ms)
	s.out(112*ms, ". 1:1001(1000) ack 1")
	s.none(112 * ms)
	// Delivered 2 segments: ⌈5·2/10⌉ − 1 = 0; delivered 3: ⌈15/10⌉ − 1 =
	// 1, one new segment (Linux counts packets, so the share is rounded
	// up to whole segments).
	dup(113 * ms)
	s.none(113 * ms)
	dup(114 * ms)
	s.out(114*ms, ". 12001:13001(1000) ack 1")
	// Delivered 4: 2 − 2 = 0; 5: 3 − 2 = 1.
	dup(115 * ms)
	s.none(115 * ms)
	dup(116 * ms)
	s.out(116*ms, ". 13001:14001(1000) ack 1")
	// Delivered 6: 3 − 3 = 0. Then the pipe, 14000 − 9000 emulated SACKed
	// − 1000 lost + 1000 resent = 5000, is at ssthresh: PRR's slow-start
	// part allows nothing.
	dup(117 * ms)
	dup(118 * ms)
	s.none(118 * ms)
	// Below ssthresh: one segment per ACK, back up to it.
	dup(119 * ms)
	s.out(119*ms, ". 14001:15001(1000) ack 1")
	s.none(119 * ms)
	if p := s.conn().Probe(); p.Ssthresh != 5000 || !p.InRecovery || p.FastRetransmits != 1 {
		s.fail("ssthresh %d, in recovery %v, fast retransmits %d; want 5000, true, 1", p.Ssthresh, p.InRecovery, p.FastRetransmits)
	}
}

// The marks that keep one loss episode from being answered twice
// ("recover", RFC 6582 §3.2; the end of the ECN response window) follow
// the cumulative ACK once it has passed them, so that sequence numbers,
// which compare modulo 2^32, never leave one 2^31 bytes behind, where it
// would compare as ahead again: at 1 Gbit/s that is 17 s after the last
// recovery, and every loss until the ACK wrapped past it once more went
// without fast recovery or reduction (the timeouts of CUBIC at 1 Gbit/s
// with RFC 6675 recovery). Here the last recovery is placed just under
// half the sequence space behind; an ACK carries SND.UNA past the half
// before the next loss, which must still start fast recovery.
func TestConformanceRecoverMarkSurvivesSequenceWrap(t *testing.T) {
	s := newScript(t, sackConfig(RecoverySACK))
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	c := s.conn()
	c.recover = c.sndUna.Add(-(1 << 31) + 2500)
	c.cwrEnd = c.recover
	s.at(100 * ms).write(4000)
	for i := range 4 {
		f := gsoFlags(i)
		if i == 3 {
			f = "P."
		}
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", f, 1+i*1000, 1001+i*1000))
	}
	s.at(110 * ms).in(". 1:1(0) ack 1001")
	s.at(111 * ms).in(". 1:1(0) ack 4001")
	s.none(200 * ms)
	// SND.UNA is now more than 2^31 bytes past where the mark was.
	s.at(200 * ms).write(10000)
	for i := range 10 {
		f := gsoFlags(i)
		if i == 9 {
			f = "P."
		}
		s.out(200*ms, segf("%s %d:%d(1000) ack 1", f, 4001+i*1000, 5001+i*1000))
	}
	s.at(210 * ms).in(". 1:1(0) ack 4001 <sack 5001:6001>")
	s.at(211 * ms).in(". 1:1(0) ack 4001 <sack 5001:7001>")
	s.at(212 * ms).in(". 1:1(0) ack 4001 <sack 5001:8001>")
	s.out(212*ms, ". 4001:5001(1000) ack 1")
	s.none(212 * ms)
	if p := s.conn().Probe(); p.FastRetransmits != 1 || !p.InRecovery || p.Ssthresh == cc.InfiniteSsthresh {
		s.fail("fast retransmits %d, in recovery %v, ssthresh %d: the loss was taken for part of an old episode", p.FastRetransmits, p.InRecovery, p.Ssthresh)
	}
}

// Slow start grows cwnd by everything a stretch ACK acknowledges, as
// Linux's tcp_slow_start does; Config.SlowStartLimitSegments = 2 gives RFC
// 3465's L = 2 SMSS instead. Ten segments out, one ACK for five of them.
func TestConformanceSlowStartStretchACK(t *testing.T) {
	for _, c := range []struct {
		limit, wantCwnd int
	}{{0, 15000}, {2, 12000}} {
		cfg := scriptConfig()
		cfg.SlowStartLimitSegments = c.limit
		s := newScript(t, cfg)
		s.handshakeActive("win 65535 <mss 1000>")
		s.at(100 * ms).write(30000)
		for i := range 10 {
			s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
		}
		s.at(140 * ms).in(". 1:1(0) ack 5001")
		// The window less the five still in flight goes out at once.
		for i := range c.wantCwnd/1000 - 5 {
			s.out(140*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 10001+i*1000, 11001+i*1000))
		}
		s.none(140 * ms)
		if p := s.conn().Probe(); p.Cwnd != c.wantCwnd {
			s.fail("limit %d: cwnd %d, want %d", c.limit, p.Cwnd, c.wantCwnd)
		}
	}
}

// A fast retransmission that D-SACKs show was not needed (the original
// was only delayed) is undone once the episode is over: cwnd returns to
// where it was before the reduction (Linux's tcp_try_undo_dsack,
// tcp_undo_cwnd_reduction; packetdrill/scripts/sack/dsack-undo-spurious-retransmit.pkt).
func TestConformanceDSACKUndoesSpuriousReduction(t *testing.T) {
	s := newScript(t, sackConfig(RecoverySACK))
	s.handshakeActive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).write(10000)
	for i := range 10 {
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+i*1000, 1001+i*1000))
	}
	s.at(110 * ms).in(". 1:1(0) ack 1 <sack 1001:2001>")
	s.at(111 * ms).in(". 1:1(0) ack 1 <sack 1001:3001>")
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 1001:4001>")
	s.out(112*ms, ". 1:1001(1000) ack 1")
	// The full ACK ends recovery: ssthresh 5000, grown by one segment.
	s.at(120 * ms).in(". 1:1(0) ack 10001")
	if p := s.conn().Probe(); p.Cwnd != 6000 || p.InRecovery {
		s.fail("cwnd %d, in recovery %v after the episode; want 6000, false", p.Cwnd, p.InRecovery)
	}
	s.at(130 * ms).in(". 1:1(0) ack 10001 <sack 1:1001>")
	if p := s.conn().Probe(); p.Cwnd != 10000 || p.Ssthresh != cc.InfiniteSsthresh {
		s.fail("cwnd %d, ssthresh %d after the D-SACK; want 10000 and the initial ssthresh", p.Cwnd, p.Ssthresh)
	}
	s.none(5 * units.Second)
}

// A peer that negotiated SACK grows its window with each out-of-order
// segment (Linux's tcp_data_queue_ofo does for SACK flows), so its
// duplicate ACKs carry a larger window each time. A sender whose mode
// ignores SACK (reno, newreno) still counts them as duplicates, by RFC
// 5681 §2's rule for SACK: an ACK with SACK information the sender has not
// seen is a duplicate whatever its window. Before that rule only the
// window test applied, no duplicate was ever counted, and every loss
// waited for the retransmission timer (BBR at 0.1 BDP under reno recovery:
// 51.5% utilization, 57.7% with the rule). An ACK that repeats the SACK
// blocks with a new window is a window update, not a duplicate.
func TestConformanceDupACKsWithGrowingWindowAndSACK(t *testing.T) {
	for _, mode := range []RecoveryMode{RecoveryReno, RecoveryNewReno} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg := scriptConfig()
			cfg.SACK = true
			cfg.Recovery = mode
			s := flightOf10(t, cfg, "win 30000 <mss 1000,sackOK>")
			// The first segment arrives, the second is lost.
			s.at(110 * ms).in(". 1:1(0) ack 1001 win 31000 <sack 2001:3001>")
			s.at(111 * ms).in(". 1:1(0) ack 1001 win 32000 <sack 2001:4001>")
			// The same blocks with a new window: a window update.
			s.at(111*ms + 500*units.Microsecond).in(". 1:1(0) ack 1001 win 33000 <sack 2001:4001>")
			s.none(112 * ms)
			s.at(112 * ms).in(". 1:1(0) ack 1001 win 34000 <sack 2001:5001>")
			s.none(113 * ms)
			s.at(113 * ms).in(". 1:1(0) ack 1001 win 35000 <sack 2001:6001>")
			s.out(113*ms, ". 1001:2001(1000) ack 1")
			s.at(123 * ms).in(". 1:1(0) ack 10001 win 35000")
			s.none(5 * units.Second)
			if p := s.c.Probe(); p.Timeouts != 0 || p.Retransmits != 1 {
				t.Fatalf("timeouts %d, retransmits %d; want 0, 1", p.Timeouts, p.Retransmits)
			}
		})
	}
}
