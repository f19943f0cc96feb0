package stack

// Scripted timelines of the linux profile's behaviours where they differ
// from the RFCs (Config fields LinuxRTO, QuickACK, LinuxSegmentChecks and
// the unconditional Linux choices), each against the Linux 6.x function
// it follows.

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// Linux's RTO (tcp_rtt_estimator, __tcp_set_rto): after a 10 ms handshake
// sample, SRTT 10 ms plus a variance term of at least rto_min: 210 ms, not
// RFC 6298's max(200 ms, 10 + 4·5 ms) = 200 ms. Backoff doubles it.
func TestLinuxRTOTimeline(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.none(309 * ms)
	s.out(310*ms, "P. 1:101(100) ack 1")
	s.out(730*ms, "P. 1:101(100) ack 1")
	s.at(740 * ms).in(". 1:1(0) ack 101")
	s.none(5 * units.Second)
}

// Quick-ACK mode (tcp_event_data_recv, tcp_incr_quickack,
// tcp_in_quickack_mode): the first 16 data segments (TCP_MAX_QUICKACKS;
// rcv_wnd/(2·rcv_mss) = 32 here) are acknowledged one by one; then
// delayed ACKs, one per two segments. Data after a silence longer than
// the RTO earns quick ACKs again, and so does a duplicate segment, whose
// ACK was evidently lost (tcp_data_queue).
func TestLinuxQuickACKTimeline(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	for i := 0; i < 18; i++ {
		at := 100*ms + units.Duration(i)*ms
		s.at(at).in(segf(". %d:%d(1000) ack 1", 1+1000*i, 1001+1000*i))
		// Read as it arrives: data left unread would shrink the window,
		// and hold the ACK of two segments until the read
		// (__tcp_ack_snd_check, tcp_cleanup_rbuf).
		s.read(1000)
		switch {
		case i < 16:
			s.out(at, segf(". 1:1(0) ack %d", 1001+1000*i))
		case i == 17:
			s.out(at, ". 1:1(0) ack 18001")
		}
	}
	// A duplicate: acknowledged at once, and quick-ACK mode again.
	s.at(150 * ms).in(". 17001:18001(1000) ack 1")
	s.out(150*ms, ". 1:1(0) ack 18001")
	s.at(151 * ms).in(". 18001:19001(1000) ack 1")
	s.out(151*ms, ". 1:1(0) ack 19001")
	s.read(1000)
	// Exhaust the mode, then a silence longer than the RTO (210 ms).
	for i := 19; i < 40; i++ {
		s.at(200*ms + units.Duration(i)*ms).in(segf(". %d:%d(1000) ack 1", 1+1000*i, 1001+1000*i))
	}
	s.at(300 * ms) // the last delayed ACK leaves at 279 ms
	for len(s.pending) > 0 {
		s.out(units.Duration(s.pending[0].at), ".")
	}
	s.read(21000)
	s.none(500 * ms)
	s.at(500 * ms).in(". 40001:41001(1000) ack 1")
	s.out(500*ms, ". 1:1(0) ack 41001") // not at 540 ms
	s.none(2 * units.Second)
}

// With a small receive window the quick ACKs are bounded by
// rcv_wnd/(2·rcv_mss): 4000/2000 = 2.
func TestLinuxQuickACKBoundedByWindow(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.RcvBuf = 4000
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1001")
	s.at(101 * ms).in(". 1001:2001(1000) ack 1")
	s.out(101*ms, ". 1:1(0) ack 2001")
	s.at(102 * ms).in(". 2001:3001(1000) ack 1")
	s.none(141 * ms)
	s.out(142*ms, ". 1:1(0) ack 3001")
	s.read(3000)
	s.at(143 * ms)
	for len(s.pending) > 0 {
		s.out(units.Duration(s.pending[0].at), ".") // the window update
	}
	s.none(2 * units.Second)
}

// The final segment carrying the FIN waits for the congestion window like
// any other: Linux 6.x's tcp_cwnd_test no longer exempts a final FIN
// segment, so a lone FIN, and a short last segment with the FIN, behind a
// full initial window leave on the next ACK
// (packetdrill/scripts/close/fin-waits-for-cwnd.pkt).
func TestLinuxFINHeldByCwnd(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(10000)
	for i := 0; i < 10; i++ {
		f := gsoFlags(i)
		if i == 9 {
			f = "P."
		}
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", f, 1+1000*i, 1001+1000*i))
	}
	s.close()
	s.none(110 * ms)
	s.at(110 * ms).in(". 1:1(0) ack 2001")
	s.out(110*ms, "F. 10001:10001(0) ack 1")
	s.at(120 * ms).in(". 1:1(0) ack 10002")
	s.state(FinWait2)

	u := newScript(t, linuxScriptConfig())
	u.handshakeActive("win 65535 <mss 1000>")
	u.at(100 * ms).write(10100)
	for i := 0; i < 10; i++ {
		u.out(100*ms, segf("%s %d:%d(1000) ack 1", gsoFlags(i), 1+1000*i, 1001+1000*i))
	}
	u.close()
	u.none(110 * ms)
	u.at(110 * ms).in(". 1:1(0) ack 2001")
	u.out(110*ms, "FP. 10001:10101(100) ack 1")
	u.at(120 * ms).in(". 1:1(0) ack 10102")
	u.state(FinWait2)
}

// The 62 s RTT sample of issue 13: a retransmission of data already
// acknowledged, ending at RCV.WUP, is acceptable to Linux's tcp_sequence,
// so TS.Recent takes its TSval (tcp_replace_ts_recent) and the duplicate
// ACK echoes it; the RFC's test rejects it and echoes the stale TSval of
// the original, from which the sender (whose own timing Karn's rule
// voids) takes an RTT sample as old as the first transmission.
func TestLinuxRetransmissionAtRcvWupRefreshesTSRecent(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ack  units.Duration // when the first data is acknowledged
		ecr  int            // the TSecr of the duplicate ACK
	}{
		{"linux", linuxScriptConfig(), 100 * ms, 1500},
		{"rfc", scriptConfig(), 140 * ms, 1100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Timestamps = true
			s := newScript(t, cfg)
			s.handshakePassive("win 65535 <mss 1000,TS val 1000 ecr 0>")
			s.at(100 * ms).in("P. 1:989(988) ack 1")
			s.out(tc.ack, ". 1:1(0) ack 989 <TS val * ecr 1100>")
			s.at(500 * ms).in("P. 1:989(988) ack 1")
			s.out(500*ms, segf(". 1:1(0) ack 989 <TS val * ecr %d>", tc.ecr))
			s.read(988)
			s.none(2 * units.Second)
		})
	}
}

// A segment acknowledging data never sent: Linux drops it, data and all,
// and answers with a challenge ACK in every state (tcp_ack's
// ACK_UNSENT_DATA case as 6.18's stable releases have it, RFC 5961 §5.2),
// which shares the per-connection limit of one per 500 ms
// (tcp_send_challenge_ack, tcp_invalid_ratelimit); RFC 9293 §3.10.7.4
// sends an ACK each time.
func TestLinuxACKOfUnsentData(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("P. 1:101(100) ack 500")
	s.out(100*ms, ". 1:1(0) ack 1") // a challenge ACK
	s.at(200 * ms).in("P. 1:101(100) ack 1")
	s.out(200*ms, ". 1:1(0) ack 101")
	s.read(100)
	// The FIN enters pingpong mode (tcp_fin), which suspends quick ACKs:
	// its ACK waits for the delayed-ACK timer, ato = 40 ms.
	s.at(300 * ms).in("F. 101:101(0) ack 1")
	s.none(339 * ms)
	s.out(340*ms, ". 1:1(0) ack 102")
	s.state(CloseWait)
	s.at(400 * ms).in(". 102:102(0) ack 500")
	s.none(599 * ms) // 300 ms after the last challenge ACK: withheld
	s.at(600 * ms).in(". 102:102(0) ack 500")
	s.out(600*ms, ". 1:1(0) ack 102")
	s.none(2 * units.Second)

	u := newScript(t, scriptConfig())
	u.handshakePassive("win 65535 <mss 1000>")
	u.at(100 * ms).in("P. 1:101(100) ack 500")
	u.out(100*ms, ". 1:1(0) ack 1")
	u.none(2 * units.Second)
}

// A segment running past the advertised right edge (tcp_sequence):
// dropped whole while received data awaits the application, accepted
// whole (tcp_data_queue queues it) once the receive queue is empty; the
// RFC's test accepts the part inside the window.
func TestLinuxOverWindowSegment(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.SACK = true
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000,sackOK>")
	s.at(100 * ms).in("P. 1:1001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1001 win 63000")
	s.at(110 * ms).in(". 63501:64501(1000) ack 1")
	s.out(110*ms, ". 1:1(0) ack 1001 <>") // dropped: no SACK block
	s.read(1000)
	s.at(130 * ms).in(". 63501:64501(1000) ack 1")
	s.out(130*ms, ". 1:1(0) ack 1001 <sack 63501:64501>")
	s.none(2 * units.Second)

	rfc := scriptConfig()
	rfc.SACK = true
	u := newScript(t, rfc)
	u.handshakePassive("win 65535 <mss 1000,sackOK>")
	u.at(100 * ms).in("P. 1:1001(1000) ack 1")
	u.out(140*ms, ". 1:1(0) ack 1001 win 63000")
	u.at(150 * ms).in(". 63501:64501(1000) ack 1")
	u.out(150*ms, ". 1:1(0) ack 1001 <sack 63501:64001>")
	u.none(2 * units.Second)
}

// A retransmitted FIN after ours was acknowledged ends at RCV.WUP, so
// Linux's tcp_sequence lets it in; being old, it is acknowledged again at
// once (tcp_data_queue), as the RFC's test would have it rejected and
// acknowledged.
func TestLinuxRetransmittedFINAcknowledged(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).in("F. 1:1(0) ack 1")
	s.out(100*ms, ". 1:1(0) ack 2")
	s.state(CloseWait)
	s.at(400 * ms).in("F. 1:1(0) ack 1")
	s.out(400*ms, ". 1:1(0) ack 2")
	s.none(2 * units.Second)
}

// A CE mark that starts an ECN echo grants two quick ACKs
// (__tcp_ecn_check_ce enters quick-ACK mode with 2), so a sender with a
// tiny window hears of it at once, even after the connection's quick ACKs
// are used up.
func TestLinuxQuickACKOnCE(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.ECN = true
	s := newScript(t, cfg)
	s.listen(80)
	s.in("SEW 0:0(0) win 65535 <mss 1000>")
	s.out(0, "SE. 0:0(0) ack 1 win 64000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept()
	// Use up the sixteen quick ACKs, then one delayed pair.
	for i := 0; i < 18; i++ {
		at := 100*ms + units.Duration(i)*ms
		s.at(at).in(segf(". %d:%d(1000) ack 1 [ect0]", 1+1000*i, 1001+1000*i))
		// Read as it arrives: data left unread would shrink the window,
		// and hold the ACK of two segments until the read
		// (__tcp_ack_snd_check, tcp_cleanup_rbuf).
		s.read(1000)
		switch {
		case i < 16:
			s.out(at, segf(". 1:1(0) ack %d", 1001+1000*i))
		case i == 17:
			s.out(at, ". 1:1(0) ack 18001")
		}
	}
	s.at(200 * ms).in(". 18001:19001(1000) ack 1 [ce]")
	s.out(200*ms, "E. 1:1(0) ack 19001") // not at 240 ms
	s.at(201 * ms).in(". 19001:20001(1000) ack 1 [ect0]")
	s.out(201*ms, "E. 1:1(0) ack 20001")
	s.at(202 * ms).in(". 20001:21001(1000) ack 1 [ect0]")
	s.none(241 * ms)
	s.out(242*ms, "E. 1:1(0) ack 21001")
	s.read(3000)
	s.none(2 * units.Second)
}

// The receive window opens as Linux's does (Config.LinuxRcvWindow,
// tcp_grow_window, __tcp_select_window): rcv_ssthresh starts at the
// SYN-ACK's window, 20000 bytes here, and grows by two of our segments for
// each 1000-byte segment received (a truesize of 2304 is worth its
// payload: 2304·111/256 = 999 ≤ 1000), up to the window clamp, the
// 64000-byte buffer less one segment (tcp_init_buffer_space). Without
// window scaling the window offered is rcv_ssthresh rounded down to whole
// segments. Every segment that grows it sets icsk_ack.quick |= 1, which
// makes up for the quick ACK its own ACK uses, so the quick ACKs the
// connection's first data earned (rcv_wnd/(2·rcv_mss) = 10,
// tcp_incr_quickack) are all still there when the window stops growing,
// after 22 segments; after those ten, an ACK for every second segment.
func TestLinuxReceiveWindowGrowthTimeline(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.RcvSpaceInitial = 20000
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 20000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept()
	for i := 0; i < 40; i++ {
		at := 100*ms + units.Duration(i)*ms
		s.at(at).in(segf(". %d:%d(1000) ack 1", 1+1000*i, 1001+1000*i))
		s.read(1000)
		win := min(20000+2000*(i+1), 63000)
		if i < 22+10 || i%2 == 1 {
			s.out(at, segf(". 1:1(0) ack %d win %d", 1001+1000*i, win))
		}
	}
	s.none(2 * units.Second)
}

// The rfc profile offers the whole free buffer from the first ACK on.
func TestRFCReceiveWindowIsFreeBuffer(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.RcvSpaceInitial = 20000
	cfg.LinuxRcvWindow = false
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 win 20000 <mss 1000>")
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept()
	s.at(100 * ms).in(". 1:1001(1000) ack 1")
	s.out(100*ms, ". 1:1(0) ack 1001 win 63000")
	s.read(1000)
	s.none(2 * units.Second)
}
