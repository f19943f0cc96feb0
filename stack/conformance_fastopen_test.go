package stack

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// TCP Fast Open (RFC 7413) scenarios: the cookie exchange, data on the SYN
// in both roles, the fallbacks of §4.2.2 (a refused cookie, a lost SYN),
// and the SYN-cookie interaction.

// fastOpenConfig is scriptConfig with Fast Open on.
func fastOpenConfig() Config {
	cfg := scriptConfig()
	cfg.FastOpen = true
	return cfg
}

// scriptServerCookie is the cookie the script's host (seed 1, 192.0.2.1)
// grants the script's peer (192.0.2.2): a fixed function of the seed.
const scriptServerCookie = "e61352b590b717e2"

// peerCookie is the cookie the script's peer grants the host.
const peerCookie = "0102030405060708"

// connectWrite has the application connect and write n bytes before the
// host's next Output, so that they can ride on the SYN.
func (s *script) connectWrite(n int) *script {
	s.t.Helper()
	c, err := s.h.Connect(s.now, 40000, scriptPeerAddr, 80, scriptCC())
	if err != nil {
		s.fail("connect: %v", err)
	}
	s.c, s.hostPort, s.peerPort = c, 40000, 80
	s.note("connect()")
	return s.write(n)
}

// nextConnection forgets the script's connection, so that the next one's
// ISNs and stream offsets are learnt afresh. The peer's ISN moves on.
func (s *script) nextConnection() *script {
	s.c = nil
	s.hostISS, s.hostISSKnown = 0, false
	s.peerISS = s.peerISS.Add(0x1000_0000)
	s.written, s.readOff = 0, 0
	return s
}

// cookieRequest runs the first connection of a client: the SYN asks for a
// cookie and the peer's SYN-ACK grants one, with MSS synMSS; the
// connection is then aborted, leaving the cookie in the host's cache.
func (s *script) cookieRequest(synMSS string) *script {
	s.t.Helper()
	t := units.Duration(s.now)
	s.connect()
	s.out(t, "S 0:0(0) <mss 1000,FO>")
	s.at(t + scriptRTT).in("S. 0:0(0) ack 1 win 65535 <" + synMSS + "FO " + peerCookie + ">")
	s.out(t+scriptRTT, ". 1:1(0) ack 1")
	s.state(Established)
	if got := hex.EncodeToString(s.h.FastOpenCookie(scriptPeerAddr)); got != peerCookie {
		s.fail("cached cookie %q, want %q", got, peerCookie)
	}
	if n := s.c.Negotiated(); n.FastOpen || n.FastOpenData != 0 {
		s.fail("negotiated %+v after a cookie request", n)
	}
	s.c.Abort()
	s.out(t+scriptRTT, "R. 1:1(0) ack 1")
	return s.nextConnection()
}

// (a) A first connection requests a cookie with an empty option and caches
// the one the SYN-ACK carries.
func TestFastOpenClientRequestsCookie(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 1000,")
	// Without Fast Open, no option and no cookie.
	plain := newScript(t, scriptConfig())
	plain.connect()
	plain.out(0, "S 0:0(0) <mss 1000>")
	plain.at(10 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,FO " + peerCookie + ">")
	plain.out(10*ms, ". 1:1(0) ack 1")
	if c := plain.h.FastOpenCookie(scriptPeerAddr); c != nil {
		t.Fatalf("a host without Fast Open cached %x", c)
	}
}

// (a) A server answers a cookie request with an 8-byte cookie and a normal
// handshake.
func TestFastOpenServerGrantsCookie(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:0(0) win 65535 <mss 1000,FO>")
	s.out(0, "S. 0:0(0) ack 1 <mss 1000,FO "+scriptServerCookie+">")
	if s.l.Pending() != 0 || s.l.HalfOpen() != 1 {
		t.Fatalf("pending %d, half-open %d; want 0, 1", s.l.Pending(), s.l.HalfOpen())
	}
	s.at(10 * ms).in(". 1:1(0) ack 1")
	s.accept().state(Established)
	if st := s.l.Stats(); st.FastOpenCookieRequests != 1 || st.FastOpenAccepted != 0 || st.FastOpenBadCookie != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The cookie is the host's for this client whatever the connection.
	if got := s.h.fastOpenCookie(scriptPeerAddr); hex.EncodeToString(got[:]) != scriptServerCookie {
		t.Fatalf("cookie %x, want %s", got, scriptServerCookie)
	}
	// A server without Fast Open ignores the request.
	plain := newScript(t, scriptConfig())
	plain.listen(80)
	plain.in("S 0:0(0) win 65535 <mss 1000,FO>")
	plain.out(0, "S. 0:0(0) ack 1 <mss 1000>")
	plain.at(10 * ms).in(". 1:1(0) ack 1")
	plain.accept()
}

// (b) With a cookie cached, the SYN carries it and the data written
// before it left; the SYN-ACK acknowledges both, and the ACK of the
// SYN-ACK is all that follows.
func TestFastOpenClientSendsDataOnSYN(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 1000,")
	s.at(100 * ms).connectWrite(100)
	s.out(100*ms, "S 0:100(100) <mss 1000,FO "+peerCookie+">")
	s.at(110 * ms).in("S. 0:0(0) ack 101 win 65535 <mss 1000>")
	s.out(110*ms, ". 101:101(0) ack 1")
	s.state(Established)
	if n := s.c.Negotiated(); !n.FastOpen || n.FastOpenData != 100 {
		t.Fatalf("negotiated %+v, want FastOpen with 100 bytes", n)
	}
	if p := s.c.Probe(); p.BytesAcked != 100 || p.Retransmits != 0 || p.Inflight != 0 {
		t.Fatalf("acked %d, retransmits %d, in flight %d; want 100, 0, 0", p.BytesAcked, p.Retransmits, p.Inflight)
	}
	// The SYN-ACK's RTT was measured.
	if p := s.c.Probe(); p.SRTT != 10*ms {
		t.Fatalf("SRTT %v, want 10ms", p.SRTT)
	}
	s.none(msec(2000))
}

// msec converts milliseconds for readability.
func msec(n int) units.Duration { return units.Duration(n) * ms }

// The data on a SYN fills at most the server's cached MSS less the
// largest option space, as Linux's tcp_send_syn_data sizes it: 500 − 40 =
// 460 bytes; the rest follows the handshake.
func TestFastOpenSYNDataLimitedByCachedMSS(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 500,")
	s.connectWrite(1000)
	s.out(10*ms, "S 0:460(460) <mss 1000,FO "+peerCookie+">")
	s.at(20 * ms).in("S. 0:0(0) ack 461 win 65535 <mss 500>")
	s.out(20*ms, ". 461:961(500) ack 1")
	// No short segment is outstanding: Nagle lets the last 40 bytes go.
	s.out(20*ms, "P. 961:1001(40) ack 1")
	s.at(40 * ms).in(". 1:1(0) ack 1001")
	s.none(msec(2000))

	// A server that sent no MSS is assumed to take 536 bytes: 496 of data.
	u := newScript(t, fastOpenConfig())
	u.cookieRequest("")
	u.connectWrite(1000)
	u.out(10*ms, "S 0:496(496) <mss 1000,FO "+peerCookie+">")
}

// (b) A server that finds the cookie valid creates the connection at
// once: the application accepts it and reads the SYN's data before the
// handshake completes, the SYN-ACK acknowledges the data, and the answer
// leaves right after the SYN-ACK.
func TestFastOpenServerAcceptsDataOnSYN(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000,FO " + scriptServerCookie + ">")
	s.out(0, "S. 0:0(0) ack 101 <mss 1000>")
	if s.l.Pending() != 1 || s.l.HalfOpen() != 0 {
		t.Fatalf("pending %d, half-open %d; want 1, 0", s.l.Pending(), s.l.HalfOpen())
	}
	s.accept().state(SynReceived)
	s.read(100)
	// A short answer is not held back by Nagle behind the SYN-ACK.
	s.write(300)
	s.out(0, "P. 1:301(300) ack 101")
	if n := s.c.Negotiated(); !n.FastOpen || n.FastOpenData != 100 {
		t.Fatalf("negotiated %+v, want FastOpen with 100 bytes", n)
	}
	s.at(10 * ms).in(". 101:101(0) ack 301")
	s.state(Established)
	if p := s.c.Probe(); p.BytesAcked != 300 || p.Inflight != 0 || p.SRTT != 10*ms {
		t.Fatalf("acked %d, in flight %d, SRTT %v; want 300, 0, 10ms", p.BytesAcked, p.Inflight, p.SRTT)
	}
	if st := s.l.Stats(); st.FastOpenAccepted != 1 || st.Accepted != 1 || st.FastOpenCookieRequests != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The stream goes on after the handshake.
	s.at(20 * ms).in("P. 101:201(100) ack 301")
	s.read(100)
	s.out(60*ms, ". 301:301(0) ack 201")
	s.none(msec(2000))
}

// (c) A client whose cookie the server refuses sends the data again right
// after the handshake, with its ACK, and caches the new cookie.
func TestFastOpenClientCookieRefused(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 1000,")
	s.connectWrite(100)
	s.out(10*ms, "S 0:100(100) <mss 1000,FO "+peerCookie+">")
	s.at(20 * ms).in("S. 0:0(0) ack 1 win 65535 <mss 1000,FO 1112131415161718>")
	s.out(20*ms, "P. 1:101(100) ack 1")
	s.state(Established)
	s.at(30 * ms).in(". 1:1(0) ack 101")
	s.none(msec(2000))
	if n := s.c.Negotiated(); n.FastOpen || n.FastOpenData != 100 {
		t.Fatalf("negotiated %+v, want no FastOpen, 100 bytes tried", n)
	}
	if p := s.c.Probe(); p.BytesAcked != 100 || p.Retransmits != 1 || p.SRTT != 10*ms {
		t.Fatalf("acked %d, retransmits %d, SRTT %v; want 100, 1, 10ms", p.BytesAcked, p.Retransmits, p.SRTT)
	}
	if got := s.h.FastOpenCookie(scriptPeerAddr); !bytes.Equal(got, []byte{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}) {
		t.Fatalf("cached cookie %x, want the new one", got)
	}
}

// (c) A server that finds the cookie invalid ignores the SYN's data,
// acknowledges only the SYN, grants a valid cookie, and takes the data
// when it comes again.
func TestFastOpenServerBadCookie(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000,FO 0102030405060708>")
	s.out(0, "S. 0:0(0) ack 1 <mss 1000,FO "+scriptServerCookie+">")
	if s.l.Pending() != 0 || s.l.HalfOpen() != 1 {
		t.Fatalf("pending %d, half-open %d; want 0, 1", s.l.Pending(), s.l.HalfOpen())
	}
	s.at(10 * ms).in("P. 1:101(100) ack 1")
	s.accept().state(Established)
	s.read(100)
	s.out(50*ms, ". 1:1(0) ack 101")
	if st := s.l.Stats(); st.FastOpenBadCookie != 1 || st.FastOpenAccepted != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := s.c.Negotiated(); n.FastOpen || n.FastOpenData != 0 {
		t.Fatalf("negotiated %+v", n)
	}
	// A cookie of the wrong length fails too.
	short := newScript(t, fastOpenConfig())
	short.listen(80)
	short.in("S 0:10(10) win 65535 <mss 1000,FO " + scriptServerCookie[:8] + ">")
	short.out(0, "S. 0:0(0) ack 1 <mss 1000,FO "+scriptServerCookie+">")
	short.at(10 * ms).in(". 1:1(0) ack 1")
	short.accept()
}

// (d) A SYN with data that times out is resent plain, without data or
// cookie; the data follows the handshake.
func TestFastOpenSYNRetransmissionDropsData(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 1000,")
	s.connectWrite(100)
	s.out(10*ms, "S 0:100(100) <mss 1000,FO "+peerCookie+">")
	s.out(msec(1010), "S 0:0(0) <mss 1000>")
	s.at(msec(1020)).in("S. 0:0(0) ack 1 win 65535 <mss 1000>")
	s.out(msec(1020), "P. 1:101(100) ack 1")
	s.at(msec(1030)).in(". 1:1(0) ack 101")
	s.none(msec(5000))
	if p := s.c.Probe(); p.BytesAcked != 100 || p.Timeouts != 1 {
		t.Fatalf("acked %d, timeouts %d; want 100, 1", p.BytesAcked, p.Timeouts)
	}
	if n := s.c.Negotiated(); n.FastOpen || n.FastOpenData != 100 {
		t.Fatalf("negotiated %+v", n)
	}
	// The cookie stays cached for the next connection.
	if got := hex.EncodeToString(s.h.FastOpenCookie(scriptPeerAddr)); got != peerCookie {
		t.Fatalf("cached cookie %q", got)
	}
}

// (d) If the first SYN did get through and its SYN-ACK acknowledges the
// data after the plain retransmission, the data is not sent again.
func TestFastOpenLateSynAckAcksData(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.cookieRequest("mss 1000,")
	s.connectWrite(100)
	s.out(10*ms, "S 0:100(100) <mss 1000,FO "+peerCookie+">")
	s.out(msec(1010), "S 0:0(0) <mss 1000>")
	s.at(msec(1015)).in("S. 0:0(0) ack 101 win 65535 <mss 1000>")
	s.out(msec(1015), ". 101:101(0) ack 1")
	s.none(msec(5000))
	if p := s.c.Probe(); p.BytesAcked != 100 || p.Inflight != 0 {
		t.Fatalf("acked %d, in flight %d; want 100, 0", p.BytesAcked, p.Inflight)
	}
}

// When the SYN queue is full and a SYN cookie answers, Fast Open is not
// attempted: the data is not acknowledged and no cookie is granted.
func TestFastOpenNotWithSYNCookies(t *testing.T) {
	cfg := fastOpenConfig()
	s := newScript(t, cfg)
	l, err := s.h.Listen(80, 1, scriptCC)
	if err != nil {
		t.Fatal(err)
	}
	s.l, s.hostPort, s.peerPort = l, 80, 50000
	// A first SYN fills the one-entry SYN queue.
	s.peerPort = 50001
	s.in("S 0:0(0) win 65535 <mss 1000>")
	s.out(0, "S. 0:0(0) ack 1 <mss 1000>")
	s.peerPort = 50000
	s.nextConnection()
	s.in("S 0:100(100) win 65535 <mss 1000,FO " + scriptServerCookie + ">")
	s.out(0, "S. 0:0(0) ack 1 <mss 1000>")
	if st := l.Stats(); st.CookiesSent != 1 || st.FastOpenAccepted != 0 || l.Pending() != 0 {
		t.Fatalf("stats %+v, pending %d", st, l.Pending())
	}
	l.Close()
}

// A Fast Open server whose SYN-ACK is lost answers the client's
// retransmitted SYN with the SYN-ACK alone, without sending its data
// again; its own timer resends the SYN-ACK and the data behind it.
func TestFastOpenServerSynAckLost(t *testing.T) {
	s := newScript(t, fastOpenConfig())
	s.listen(80)
	s.in("S 0:100(100) win 65535 <mss 1000,FO " + scriptServerCookie + ">")
	s.out(0, "S. 0:0(0) ack 101 <mss 1000>")
	s.accept().read(100).write(300)
	s.out(0, "P. 1:301(300) ack 101")
	// Linux's client resends its SYN plain.
	s.at(500 * ms).in("S 0:0(0) win 65535 <mss 1000>")
	s.out(500*ms, "S. 0:0(0) ack 101 <mss 1000>")
	s.out(msec(1000), "S. 0:0(0) ack 101 <mss 1000>")
	s.out(msec(1000), "P. 1:301(300) ack 101")
	s.at(msec(1010)).in(". 101:101(0) ack 301")
	s.state(Established)
	s.none(msec(5000))
	if p := s.c.Probe(); p.BytesAcked != 300 || p.Timeouts != 1 || p.Retransmits != 2 {
		t.Fatalf("acked %d, timeouts %d, retransmits %d; want 300, 1, 2", p.BytesAcked, p.Timeouts, p.Retransmits)
	}
}

// At an MSS of 1460 both ways the SYN carries 1420 bytes (1460 less
// Linux's 40 bytes of option room, tcp_send_syn_data), not 1460 less the
// options it actually has.
func TestFastOpenSYNData1420AtMSS1460(t *testing.T) {
	cfg := fastOpenConfig()
	cfg.MSS = 1460
	s := newScript(t, cfg)
	t0 := units.Duration(s.now)
	s.connect()
	s.out(t0, "S 0:0(0) <mss 1460,FO>")
	s.at(t0 + scriptRTT).in("S. 0:0(0) ack 1 win 65535 <mss 1460,FO " + peerCookie + ">")
	s.out(t0+scriptRTT, ". 1:1(0) ack 1")
	s.c.Abort()
	s.out(t0+scriptRTT, "R. 1:1(0) ack 1")
	s.nextConnection()
	s.connectWrite(3000)
	s.out(10*ms, "S 0:1420(1420) <mss 1460,FO "+peerCookie+">")
}
