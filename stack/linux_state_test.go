package stack

// Scripted timelines of Linux's connection state machine under the linux
// profile: TIME-WAIT (tcp_timewait_state_process), SYN-SENT
// (tcp_rcv_synsent_state_process, tcp_retransmit_timer), simultaneous open,
// always-on SYN cookies and Fast Open without cookies.

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// timeWaitScript closes a passively opened connection first and leaves it
// in TIME-WAIT at 300 ms.
func timeWaitScript(t *testing.T, cfg Config) *script {
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(100 * ms).close()
	s.out(100*ms, "F. 1:1(0) ack 1")
	s.at(200 * ms).in(". 1:1(0) ack 2")
	s.at(300 * ms).in("F. 1:1(0) ack 2")
	s.out(300*ms, ". 2:2(0) ack 2")
	return s.state(TimeWait)
}

// An in-window RST ends TIME-WAIT (tcp_rfc1337 = 0); the listener then
// answers the next segment with a RST. With RFC1337 the RST is ignored.
func TestLinuxTimeWaitRSTEndsIt(t *testing.T) {
	s := timeWaitScript(t, linuxScriptConfig())
	s.at(msec(1300)).in("R 2:2(0) win 0")
	s.state(Closed)
	s.at(msec(2300)).in(". 2:2(0) ack 2")
	s.out(msec(2300), "R 2:2(0) win 0")
	s.none(3 * units.Second)

	cfg := linuxScriptConfig()
	cfg.RFC1337 = true
	u := timeWaitScript(t, cfg)
	u.at(msec(1300)).in("R 2:2(0) win 0")
	u.state(TimeWait)
	u.none(3 * units.Second)
}

// A SYN above RCV.NXT ends TIME-WAIT and opens a new connection whose ISN
// is the old SND.NXT + 65535 + 2 (tw_isn).
func TestLinuxTimeWaitNewSYNReusesIt(t *testing.T) {
	s := timeWaitScript(t, linuxScriptConfig())
	s.at(msec(1300)).in("S 1000:1000(0) win 65535 <mss 1000>")
	s.out(msec(1300), "S. 65539:65539(0) ack 1001 <mss 1000>")
	s.none(msec(1500))
	if st := s.l.Stats(); st.SYNs != 2 || s.l.HalfOpen() != 1 {
		s.fail("listener: %d SYNs, %d half-open; want 2 and the new one", st.SYNs, s.l.HalfOpen())
	}
}

// Old SYNs in TIME-WAIT are answered with an ACK at most once per 500 ms
// (tcp_timewait_check_oow_rate_limit); data and a FIN always are.
func TestLinuxTimeWaitACKRateLimit(t *testing.T) {
	s := timeWaitScript(t, linuxScriptConfig())
	s.at(msec(1300)).in("S 0:0(0) win 65535 <mss 1000>")
	s.out(msec(1300), ". 2:2(0) ack 2")
	s.at(msec(1400)).in("S 0:0(0) win 65535 <mss 1000>")
	s.none(msec(1500))
	s.at(msec(1500)).in("P. 2:102(100) ack 2")
	s.out(msec(1500), ". 2:2(0) ack 2")
	s.at(msec(1600)).in("F. 1:1(0) ack 2")
	s.out(msec(1600), ". 2:2(0) ack 2")
	s.at(msec(1900)).in("S 0:0(0) win 65535 <mss 1000>")
	s.out(msec(1900), ". 2:2(0) ack 2")
	// A bare ACK at RCV.NXT only restarts the timer.
	s.at(msec(2000)).in(". 2:2(0) ack 2")
	s.none(msec(2500))
	s.state(TimeWait)
}

// A SYN-ACK whose ACK is not for our SYN draws a RST at its ACK number,
// and the SYN goes again after TCP_TIMEOUT_MIN rather than the RTO
// (tcp_rcv_synsent_state_process); the retries that follow keep the 1 s
// RTO (tcp_syn_linear_timeouts).
func TestLinuxSYNSentBadACKResendsSYN(t *testing.T) {
	s := newScript(t, linuxScriptConfig())
	s.connect()
	s.out(0, "S 0:0(0)")
	s.at(100 * ms).in("S. 0:0(0) ack 100 win 65535 <mss 1000>")
	s.out(100*ms, "R 100:100(0) win 0")
	s.out(102*ms, "S 0:0(0)")
	s.out(msec(1102), "S 0:0(0)")
	s.out(msec(2102), "S 0:0(0)")
	s.at(msec(2200)).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(msec(2200), ". 1:1(0) ack 1")
	s.state(Established)
	s.none(3 * units.Second)
}

// In a simultaneous open the peer's SYN-ACK repeats the SYN already
// taken: its byte is reported with a D-SACK (Linux's tcp_data_queue sees
// an old segment).
func TestLinuxSimultaneousOpenDSACK(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.SACK = true
	s := newScript(t, cfg)
	s.connect()
	s.out(0, "S 0:0(0) <mss 1000,nop,nop,sackOK>")
	s.at(100 * ms).in("S 0:0(0) win 65535 <mss 1000,sackOK>")
	s.out(100*ms, "S. 0:0(0) ack 1 <mss 1000,nop,nop,sackOK>")
	s.at(200 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK>")
	s.out(200*ms, ". 1:1(0) ack 1 <nop,nop,sack 0:1>")
	s.state(Established)
	s.none(3 * units.Second)
}

// With SYNCookiesAlways every SYN is answered with a cookie, offering only
// the MSS without timestamps, and no half-open connection is kept; the ACK
// makes the connection.
func TestSYNCookiesAlways(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.SYNCookiesAlways = true
	cfg.SACK, cfg.WindowScaling = true, true
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000,sackOK,nop,wscale 7>")
	s.out(0, "S. 0:0(0) ack 1 <mss 1000>")
	if s.l.HalfOpen() != 0 || s.l.Stats().CookiesSent != 1 {
		s.fail("half-open %d, cookies %d; want 0 and 1", s.l.HalfOpen(), s.l.Stats().CookiesSent)
	}
	s.at(2 * units.Second).in(". 1:1(0) ack 1")
	s.accept()
	s.state(Established)
	s.none(3 * units.Second)
}

// With FastOpenNoCookie the data of a SYN without any Fast Open option is
// taken at once and acknowledged by the SYN-ACK, which grants no cookie.
func TestFastOpenNoCookie(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.FastOpen, cfg.FastOpenNoCookie = true, true
	s := newScript(t, cfg)
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 101 <mss 1000>")
	s.accept()
	s.read(100)
	s.at(100 * ms).in(". 101:101(0) ack 1")
	s.state(Established)
	s.none(3 * units.Second)
}
