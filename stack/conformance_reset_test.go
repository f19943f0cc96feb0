package stack

// Conformance: resets (RFC 9293 §3.5.2, §3.10.7.1), the RST and SYN checks
// against blind injection (RFC 5961 §3-§5, §7), and aborts (RFC 9293
// §3.10.5, RFC 2525 §2.17).

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// A segment with ACK for no connection draws <SEQ=SEG.ACK><CTL=RST>
// (RFC 9293 §3.10.7.1).
func TestConformanceRSTForNoConnectionWithACK(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.hostPort, s.peerPort = 80, 50000
	s.in("P. 100:200(100) ack 7000")
	s.out(0, "R 7000:7000(0) win 0")
	s.none(units.Second)
	if st := s.h.Stats(); st.NoConnection != 1 || st.RSTsSent != 1 {
		s.fail("stats %+v: want one segment for no connection, one RST", st)
	}
}

// A segment without ACK for no connection draws
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SEG.LEN counting SYN and FIN.
func TestConformanceRSTForNoConnectionWithoutACK(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.hostPort, s.peerPort = 80, 50000
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "R. 0:0(0) ack 1 win 0")
	s.at(10 * ms).in("FP 5:105(100)")
	s.out(10*ms, "R. 0:0(0) ack 106 win 0")
	s.none(units.Second)
}

// A SYN to a port with no listener is refused with RST,ACK even while
// another port listens.
func TestConformanceRSTForClosedPort(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.listen(80)
	s.hostPort = 81
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "R. 0:0(0) ack 1 win 0")
	s.none(units.Second)
	if len(s.h.Conns()) != 0 {
		s.fail("a connection was created for a SYN to a closed port")
	}
}

// A RST is never answered, whatever it carries (RFC 9293 §3.10.7.1).
func TestConformanceNoRSTInAnswerToRST(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.hostPort, s.peerPort = 80, 50000
	s.in("R 100:100(0) win 0")
	s.in("R. 100:100(0) ack 7000 win 0")
	s.in("R 100:200(100) win 0")
	s.none(units.Second)
	if st := s.h.Stats(); st.RSTsSent != 0 {
		s.fail("%d RSTs sent", st.RSTsSent)
	}
}

// A RST exactly at RCV.NXT resets an established connection silently
// (RFC 5961 §3.2).
func TestConformanceRSTAtRcvNxtResets(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(20 * ms).in("P. 1:101(100) ack 1")
	s.at(30 * ms).in("R 101:101(0) win 0")
	s.state(Closed).err(ErrConnectionReset)
	s.none(units.Second)
	if len(s.h.Conns()) != 0 {
		s.fail("the reset connection is still on the host")
	}
}

// A RST in the window but not at RCV.NXT draws a challenge ACK and leaves
// the connection up (RFC 5961 §3.2).
func TestConformanceRSTInWindowDrawsChallengeACK(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(20 * ms).in("R 5000:5000(0) win 0")
	s.out(20*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	// The peer, if genuine, answers the challenge with a RST at RCV.NXT.
	s.at(30 * ms).in("R 1:1(0) win 0")
	s.state(Closed).err(ErrConnectionReset)
	s.none(units.Second)
}

// A RST with the ACK bit in the window but not at RCV.NXT is challenged
// like one without.
func TestConformanceRSTACKInWindowDrawsChallengeACK(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(20 * ms).in("R. 2:2(0) ack 1 win 0")
	s.out(20*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	s.none(units.Second)
}

// A RST outside the window is dropped without an answer (RFC 5961 §3.2,
// RFC 9293 §3.10.7.4).
func TestConformanceRSTOutOfWindowDropped(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(20 * ms).in("R 64001:64001(0) win 0")
	s.in("R 0:0(0) win 0")
	s.in("R -100000:-100000(0) win 0")
	s.state(Established)
	s.none(units.Second)
}

// A SYN in a synchronized state draws a challenge ACK, whatever its
// sequence number, and never a reset (RFC 5961 §4.2).
func TestConformanceSYNInEstablishedDrawsChallengeACK(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(20 * ms).in("S 10:10(0) win 65535 <mss 1000>")
	s.out(20*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	// Out of the window: the acceptability test answers with an ACK too.
	s.at(30 * ms).in("S 900000:900000(0) win 65535 <mss 1000>")
	s.out(30*ms, ". 1:1(0) ack 1 win 64000")
	s.state(Established)
	s.none(units.Second)
}

// Challenge ACKs are limited to ChallengeACKsPerSecond per connection
// (RFC 5961 §7): of twelve in-window RSTs in one second ten are answered;
// a second later the budget is back.
func TestConformanceChallengeACKRateLimit(t *testing.T) {
	cfg := scriptConfig()
	cfg.ChallengeACKsPerSecond = 10
	s := newScript(t, cfg)
	s.handshakePassive("win 65535 <mss 1000>")
	for i := range 12 {
		at := 100*ms + units.Duration(i)*50*ms
		s.at(at).in("R 500:500(0) win 0")
		if i < 10 {
			s.out(at, ". 1:1(0) ack 1 win 64000")
		}
	}
	s.none(1099 * ms)
	s.at(1100 * ms).in("S 500:500(0) win 0")
	s.out(1100*ms, ". 1:1(0) ack 1 win 64000")
	s.none(2 * units.Second)
	s.state(Established)
}

// The application's abort sends <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5)
// and closes at once. Like Linux's tcp_send_active_reset, the RST also
// carries the ACK flag and RCV.NXT.
func TestConformanceAbortSendsRST(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakeActive("win 65535 <mss 1000>")
	s.write(100)
	s.out(10*ms, "P. 1:101(100) ack 1")
	s.at(20 * ms)
	s.conn().Abort()
	s.out(20*ms, "R. 101:101(0) ack 1 win 0")
	s.state(Closed)
	s.at(30 * ms).in(". 1:1(0) ack 101")
	s.out(30*ms, "R 101:101(0) win 0")
	s.none(units.Second)
}

// Closing with received data unread resets the connection instead of
// closing it (RFC 9293 §3.10.4, RFC 2525 §2.17), so the peer learns the
// data was lost.
func TestConformanceCloseWithUnreadDataSendsRST(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.handshakePassive("win 65535 <mss 1000>")
	s.at(20 * ms).in("P. 1:101(100) ack 1")
	s.at(30 * ms).close()
	s.out(30*ms, "R. 1:1(0) ack 101 win 0") // with the ACK, as Linux's tcp_send_active_reset
	s.state(Closed)
	s.none(units.Second)
}
