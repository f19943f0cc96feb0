package stack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// sipHash24Bytes is SipHash-2-4 of an arbitrary byte string, built from the
// same state as sipHash24, for the reference vectors.
func sipHash24Bytes(k0, k1 uint64, b []byte) uint64 {
	s := newSipState(k0, k1)
	n := len(b)
	for len(b) >= 8 {
		s.compress(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	last := uint64(n) << 56
	for i, c := range b {
		last |= uint64(c) << (8 * i)
	}
	return s.finish(last)
}

func TestSipHashReferenceVectors(t *testing.T) {
	// Key 00 01 ... 0f, as in the SipHash paper's appendix A.
	k0, k1 := uint64(0x0706050403020100), uint64(0x0f0e0d0c0b0a0908)
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	if got := sipHash24Bytes(k0, k1, msg); got != 0xa129ca6149be45e5 {
		t.Errorf("15-byte message: %#x, want 0xa129ca6149be45e5 (paper, appendix A)", got)
	}
	if got := sipHash24Bytes(k0, k1, nil); got != 0x726fdb47dd0e0e31 {
		t.Errorf("empty message: %#x, want 0x726fdb47dd0e0e31 (reference vectors.h)", got)
	}
	// The word form is the byte form of the words in little-endian order.
	words := []uint64{0x1122334455667788, 0x99aabbccddeeff00, 42}
	b := make([]byte, 0, 24)
	for _, w := range words {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	if sipHash24(k0, k1, words...) != sipHash24Bytes(k0, k1, b) {
		t.Error("sipHash24 of words differs from the byte form")
	}
	if sipHash24(k0, k1, words[0]) != sipHash24Bytes(k0, k1, b[:8]) {
		t.Error("sipHash24 of one word differs from the byte form")
	}
}

func TestMSSIndexRoundsDown(t *testing.T) {
	for _, tc := range []struct {
		mss  int
		want uint16
	}{{88, 536}, {536, 536}, {1299, 536}, {1300, 1300}, {1439, 1300}, {1440, 1440}, {1452, 1440}, {1460, 1460}, {9000, 1460}} {
		if got := cookieMSS[mssIndex(tc.mss)]; got != tc.want {
			t.Errorf("MSS %d encodes as %d, want %d", tc.mss, got, tc.want)
		}
	}
}

var cookieID = fourTuple{localAddr: addrB, remoteAddr: addrA, localPort: 80, remotePort: 40000}

func TestCookieValidForOneToTwoPeriods(t *testing.T) {
	k := cookieSecret{k0: 1, k1: 2}
	made := at(90 * units.Second) // counter 1, which ends at 120 s
	for idx := range uint32(4) {
		c := k.cookie(cookieID, 777, idx, made)
		for _, tc := range []struct {
			now units.Time
			ok  bool
		}{
			{made, true},
			{at(120*units.Second - 1), true},
			{at(120 * units.Second), true}, // the next period
			{at(180*units.Second - 1), true},
			{at(180 * units.Second), false}, // two periods on
			{at(240 * units.Second), false},
			{at(59 * units.Second), false}, // made in the future
		} {
			got, ok := k.check(cookieID, 777, c, tc.now)
			if ok != tc.ok || ok && got != idx {
				t.Errorf("cookie made at %v with MSS index %d, checked at %v: index %d ok %v; want ok %v", made, idx, tc.now, got, ok, tc.ok)
			}
		}
	}
}

func TestCookieRejectsAnyChange(t *testing.T) {
	k := cookieSecret{k0: 0xdead, k1: 0xbeef}
	now := at(10 * units.Second)
	c := k.cookie(cookieID, 1234, 3, now)
	for bit := range 32 {
		if _, ok := k.check(cookieID, 1234, c^Seq(1)<<bit, now); ok {
			t.Errorf("cookie with bit %d flipped accepted", bit)
		}
	}
	other := cookieID
	other.remotePort++
	if _, ok := k.check(other, 1234, c, now); ok {
		t.Error("cookie accepted for another remote port")
	}
	other = cookieID
	other.remoteAddr[3]++
	if _, ok := k.check(other, 1234, c, now); ok {
		t.Error("cookie accepted for another remote address")
	}
	if _, ok := k.check(cookieID, 1235, c, now); ok {
		t.Error("cookie accepted for another client ISN")
	}
	k2 := cookieSecret{k0: 0xdead, k1: 0xbeee}
	if _, ok := k2.check(cookieID, 1234, c, now); ok {
		t.Error("cookie accepted under another secret")
	}
}

func TestCookieTimestampCarriesOptions(t *testing.T) {
	for _, clock := range []uint32{0, 5, 63, 64, 1000, 1<<32 - 3} {
		for w := range uint8(16) {
			for flags := range 4 {
				o := cookieOptions{wscaleOK: w < 15, wscale: w, sackOK: flags&1 != 0, ecnOK: flags&2 != 0}
				if w == 15 {
					o.wscale = 0
				}
				ts := cookieTSval(clock, &o)
				if d := int32(clock - ts); d < 0 || d >= 1<<tsOptBits {
					t.Fatalf("clock %d options %+v: TSval %d is %d behind the clock, want 0..63", clock, o, ts, d)
				}
				var got cookieOptions
				decodeCookieTS(ts, &got)
				o.timestamps = true
				if got != o {
					t.Fatalf("clock %d: options %+v came back as %+v", clock, o, got)
				}
			}
		}
	}
}

func TestCookieSecretFollowsTheSeed(t *testing.T) {
	var pool packet.Pool
	h1, _ := NewHost(addrB, DefaultConfig(), &pool, 11)
	h2, _ := NewHost(addrB, DefaultConfig(), &pool, 11)
	h3, _ := NewHost(addrB, DefaultConfig(), &pool, 12)
	c1 := h1.cookies.cookie(cookieID, 5, 3, 0)
	if c1 != h2.cookies.cookie(cookieID, 5, 3, 0) {
		t.Error("the same seed made different cookies")
	}
	if c1 == h3.cookies.cookie(cookieID, 5, 3, 0) {
		t.Error("different seeds made the same cookie")
	}
}

func TestTimestampOffsetIsPerAddressPair(t *testing.T) {
	k := cookieSecret{k0: 5, k1: 6}
	a := k.tsOffset(addrB, addrA)
	if a != k.tsOffset(addrB, addrA) || a == k.tsOffset(addrB, wire.Addr{198, 18, 0, 3}) || a == k.tsOffset(addrA, addrB) {
		t.Error("timestamp offsets are not a function of the ordered address pair")
	}
}

func BenchmarkSipHash3Words(b *testing.B) {
	b.ReportAllocs()
	var x uint64
	for i := range b.N {
		x += sipHash24(1, 2, uint64(i), x, 3)
	}
	sinkU64 = x
}

func BenchmarkCookieCheck(b *testing.B) {
	b.ReportAllocs()
	k := cookieSecret{k0: 1, k1: 2}
	c := k.cookie(cookieID, 9, 3, 0)
	for range b.N {
		if _, ok := k.check(cookieID, 9, c, 0); !ok {
			b.Fatal("rejected")
		}
	}
}

var sinkU64 uint64

func TestCookieFunctionsDoNotAllocate(t *testing.T) {
	k := cookieSecret{k0: 1, k1: 2}
	var c Seq
	allocs := testing.AllocsPerRun(100, func() {
		c = k.cookie(cookieID, 9, 3, 0)
		k.check(cookieID, 9, c, 0)
		sinkU64 += uint64(k.tsOffset(addrA, addrB))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per cookie made and checked", allocs)
	}
}

// cookieSYNACK fills backlog 1's SYN queue from port 1 and returns the
// cookie SYN-ACK answering a SYN from port 2 with ISN 5000.
func cookieSYNACK(t *testing.T, p *scriptPeer, o wire.Options) sentSeg {
	t.Helper()
	p.send(synFrom(1, 100, linuxSYNOptions(1)))
	p.one(p.out())
	p.send(synFrom(2, 5000, o))
	s := p.one(p.out())
	if s.Flags&(FlagSYN|FlagACK) != FlagSYN|FlagACK || s.Ack != 5001 || s.DstPort != 2 {
		t.Fatalf("answer to a SYN with the SYN queue full: %v", s)
	}
	return s
}

func TestCookieHandshakeKeepsOptions(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ECN = true
	p := newScriptPeer(t, cfg)
	l := p.listen(80, 1)
	o := linuxSYNOptions(777)
	o.WScale = 9
	p.now = at(5 * units.Second)
	syn := synFrom(2, 5000, o)
	syn.Flags |= FlagECE | FlagCWR
	p.send(synFrom(1, 100, linuxSYNOptions(1)))
	p.one(p.out())
	p.send(syn)
	sa := p.one(p.out())
	if sa.Flags != FlagSYN|FlagACK|FlagECE || sa.Ack != 5001 || l.HalfOpen() != 1 || l.Stats().CookiesSent != 1 {
		t.Fatalf("cookie SYN-ACK %v, half-open %d, stats %+v", sa, l.HalfOpen(), l.Stats())
	}
	so := sa.Opts
	if !so.HasMSS || so.MSS != 1460 || !so.HasWScale || so.WScale != 10 || !so.SACKPermitted || !so.HasTimestamps || so.TSEcr != 777 {
		t.Fatalf("cookie SYN-ACK options %+v; want MSS 1460, wscale 10, SACK-permitted, timestamps echoing 777", so)
	}
	if sa.Window != 65160 {
		t.Errorf("SYN-ACK window %d, want 65160 (never scaled; as any SYN-ACK with timestamps)", sa.Window)
	}
	p.now = at(6 * units.Second)
	ack := ackFrom(2, 5001, sa.Seq+1)
	ack.Opts = wire.Options{HasTimestamps: true, TSVal: 800, TSEcr: so.TSVal}
	p.send(ack)
	c := l.Accept()
	if c == nil {
		t.Fatalf("no connection from a valid cookie; stats %+v", l.Stats())
	}
	if c.State() != Established || c.iss != sa.Seq || c.irs != 5000 || c.rcvBuf.nxt != 5001 || c.sndUna != sa.Seq+1 {
		t.Fatalf("cookie connection: state %v iss %d irs %d rcv.nxt %d snd.una %d", c.State(), c.iss, c.irs, c.rcvBuf.nxt, c.sndUna)
	}
	if c.sndMSS != 1460-12 || c.sndShift != 9 || c.rcvShift != 10 || !c.tsOK || c.tsRecent != 800 || !c.sackOK || !c.ecnOK {
		t.Fatalf("cookie connection lost options: mss %d shifts %d/%d ts %v recent %d sack %v ecn %v",
			c.sndMSS, c.sndShift, c.rcvShift, c.tsOK, c.tsRecent, c.sackOK, c.ecnOK)
	}
	if c.sndWnd != 502<<9 {
		t.Errorf("send window %d, want the ACK's 502 scaled by 2^9", c.sndWnd)
	}
	if st := l.Stats(); st.CookiesAccepted != 1 || st.CookiesFailed != 0 || l.HalfOpen() != 1 {
		t.Errorf("stats %+v, half-open %d", st, l.HalfOpen())
	}
	// The connection's timestamp clock continues the SYN-ACK's.
	c.Write([]byte("hello"))
	d := p.one(p.out())
	if gap := int32(d.Opts.TSVal - so.TSVal); gap < 1000 || gap >= 1000+1<<tsOptBits {
		t.Errorf("data TSval %d is %d ms after the SYN-ACK's %d, sent 1000 ms earlier", d.Opts.TSVal, gap, so.TSVal)
	}
	if d.Opts.TSEcr != 800 || string(d.Payload) != "hello" || d.Seq != sa.Seq+1 {
		t.Errorf("first data segment %v opts %+v", d, d.Opts)
	}
}

func TestCookieWithoutTimestampsLosesWScaleAndSACK(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 1)
	o := linuxSYNOptions(0)
	o.HasTimestamps = false
	o.MSS = 1400
	sa := cookieSYNACK(t, p, o)
	if so := sa.Opts; !so.HasMSS || so.HasWScale || so.SACKPermitted || so.HasTimestamps {
		t.Fatalf("cookie SYN-ACK without timestamps offers %+v; want only the MSS", so)
	}
	p.send(ackFrom(2, 5001, sa.Seq+1))
	c := l.Accept()
	if c == nil {
		t.Fatal("no connection")
	}
	if c.sndMSS != 1300 || c.sndShift != 0 || c.rcvShift != 0 || c.tsOK || c.sackOK || c.ecnOK {
		t.Fatalf("mss %d (want 1300, 1400 rounded down) shifts %d/%d ts %v sack %v ecn %v",
			c.sndMSS, c.sndShift, c.rcvShift, c.tsOK, c.sackOK, c.ecnOK)
	}
}

func TestCookieHandshakeEndToEnd(t *testing.T) {
	for _, ts := range []bool{true, false} {
		t.Run(fmt.Sprintf("timestamps=%v", ts), func(t *testing.T) {
			cfgA := DefaultConfig()
			cfgA.Timestamps = ts
			cfgA.Recovery = RecoverySACK
			n := newTestNet(t, 10*ms, cfgA, DefaultConfig())
			l, err := n.b.Listen(80, 1, newReno)
			if err != nil {
				t.Fatal(err)
			}
			// A spoofed SYN fills the SYN queue; its SYN-ACK reaches A,
			// which drops it as addressed elsewhere.
			spoof := n.pool.Get()
			wire.ReservePayload(spoof, 0)
			wire.EncodeSegment(spoof, &wire.Segment{Header: wire.Header{Src: wire.Addr{10, 9, 8, 7}, Dst: addrB, SrcPort: 9, DstPort: 80, Seq: 1, Flags: FlagSYN}})
			n.b.Input(0, spoof)
			client, err := n.a.Connect(0, 0, addrB, 80, newReno())
			if err != nil {
				t.Fatal(err)
			}
			var server *Conn
			n.runUntil(at(units.Second), func() bool {
				if server == nil {
					server = l.Accept()
				}
				return server != nil && client.State() == Established
			})
			if st := l.Stats(); st.CookiesSent != 1 || st.CookiesAccepted != 1 {
				t.Fatalf("stats %+v; want one cookie sent and accepted", st)
			}
			if a := fromA(n); len(a) < 2 || a[1].at != at(20*ms) || a[1].flags != FlagACK {
				t.Fatalf("handshake:\n%s", n.tail(5))
			}
			wantShift := uint8(10)
			if !ts {
				wantShift = 0
			}
			for _, c := range []*Conn{client, server} {
				if c.sndShift != wantShift || c.rcvShift != wantShift || c.tsOK != ts || c.sackOK != ts {
					t.Errorf("%v: shifts %d/%d ts %v sack %v", c.id.localAddr, c.sndShift, c.rcvShift, c.tsOK, c.sackOK)
				}
			}
			// A megabyte with a loss in it arrives intact.
			data := make([]byte, 1<<20)
			for i := range data {
				data[i] = byte(i * 7)
			}
			dropped := false
			n.drop = func(e logEntry) bool {
				if e.from == "A" && e.len > 0 && e.seq > 100000 && !dropped {
					dropped = true
					return true
				}
				return false
			}
			var got []byte
			buf := make([]byte, 65536)
			written := 0
			n.onStep = func() {
				w, _ := client.Write(data[written:])
				written += w
				r, _ := server.Read(buf)
				got = append(got, buf[:r]...)
			}
			n.runUntil(at(30*units.Second), func() bool { return len(got) == len(data) })
			if !bytes.Equal(got, data) {
				t.Fatal("data corrupted")
			}
			if ts && client.sndWnd <= 65535 {
				t.Errorf("client's send window %d: window scaling not in effect", client.sndWnd)
			}
			if !ts && client.sndWnd > 65535 {
				t.Errorf("client's send window %d exceeds 65535 without window scaling", client.sndWnd)
			}
		})
	}
}

func TestCookieHandshakeDeliversDataOnThirdSegment(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	l, _ := n.b.Listen(80, 1, newReno)
	spoof := n.pool.Get()
	wire.ReservePayload(spoof, 0)
	wire.EncodeSegment(spoof, &wire.Segment{Header: wire.Header{Src: wire.Addr{10, 9, 8, 7}, Dst: addrB, SrcPort: 9, DstPort: 80, Seq: 1, Flags: FlagSYN}})
	n.b.Input(0, spoof)
	client, _ := n.a.Connect(0, 0, addrB, 80, newReno())
	msg := []byte("GET / HTTP/1.1\r\n\r\n")
	n.onStep = func() {
		if client.State() == Established && client.Buffered() == 0 && client.stats.BytesSent == 0 {
			client.Write(msg)
		}
	}
	var server *Conn
	n.runUntil(at(units.Second), func() bool {
		if server == nil {
			server = l.Accept()
		}
		return server != nil
	})
	// The client's first segment after the SYN-ACK carries the request
	// and completes the handshake.
	if e := fromA(n)[1]; e.len != len(msg) || e.at != at(20*ms) {
		t.Fatalf("third segment %v\n%s", e, n.tail(6))
	}
	if server.stats.BytesReceived != int64(len(msg)) || l.Stats().CookiesAccepted != 1 {
		t.Fatalf("server received %d bytes, stats %+v", server.stats.BytesReceived, l.Stats())
	}
	buf := make([]byte, 100)
	if r, _ := server.Read(buf); !bytes.Equal(buf[:r], msg) {
		t.Fatalf("server read %q", buf[:r])
	}
}

func TestBadCookiesAreReset(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SACK = false
	p := newScriptPeer(t, cfg)
	l := p.listen(80, 1)
	sa := cookieSYNACK(t, p, linuxSYNOptions(50))
	good := ackFrom(2, 5001, sa.Seq+1)
	good.Opts = wire.Options{HasTimestamps: true, TSVal: 51, TSEcr: sa.Opts.TSVal}
	forged := []wire.Segment{good, good, good, good}
	forged[0].Ack ^= 1 << 10          // a MAC bit
	forged[1].Seq++                   // another client ISN
	forged[2].SrcPort = 3             // another 4-tuple
	forged[3].Opts.TSEcr += tsOptSACK // SACK, which this listener never offers
	for i, s := range forged {
		p.send(s)
		r := p.one(p.out())
		if r.Flags != FlagRST || r.Seq != s.Ack || r.DstPort != s.SrcPort {
			t.Errorf("forged ACK %d answered with %v, want RST seq=%d", i, r, s.Ack)
		}
	}
	if st := l.Stats(); st.CookiesFailed != 4 || st.CookiesAccepted != 0 || l.Pending() != 0 {
		t.Fatalf("stats %+v pending %d", st, l.Pending())
	}
	// The genuine one still works.
	p.send(good)
	p.none(p.out())
	if l.Accept() == nil {
		t.Fatal("genuine cookie refused")
	}
}

func TestStaleCookieIsReset(t *testing.T) {
	for _, tc := range []struct {
		at     units.Time
		accept bool
	}{
		{at(120*units.Second - 1), true}, // counter 1: one period old
		{at(120 * units.Second), false},  // counter 2: too old
	} {
		cfg := DefaultConfig()
		cfg.SYNACKRetries = 10 // keep the SYN queue full
		p := newScriptPeer(t, cfg)
		l := p.listen(80, 1)
		sa := cookieSYNACK(t, p, linuxSYNOptions(50))
		p.runTo(at(100 * units.Second))
		// Another SYN keeps the overflow recent.
		p.send(synFrom(3, 9, linuxSYNOptions(60)))
		p.runTo(tc.at)
		ack := ackFrom(2, 5001, sa.Seq+1)
		ack.Opts = wire.Options{HasTimestamps: true, TSVal: 51, TSEcr: sa.Opts.TSVal}
		p.send(ack)
		got := p.out()
		if tc.accept {
			if l.Accept() == nil || len(got) != 0 {
				t.Errorf("at %v: cookie from 0s refused: %v, stats %+v", tc.at, got, l.Stats())
			}
			continue
		}
		if r := p.one(got); r.Flags != FlagRST || r.Seq != sa.Seq+1 || l.Stats().CookiesFailed != 1 || l.Pending() != 0 {
			t.Errorf("at %v: stale cookie answered %v, stats %+v", tc.at, r, l.Stats())
		}
	}
}

func TestACKToListenerWithoutOverflowIsResetUnchecked(t *testing.T) {
	p := newScriptPeer(t, DefaultConfig())
	l := p.listen(80, 8)
	p.send(ackFrom(2, 5001, 12345))
	if r := p.one(p.out()); r.Flags != FlagRST || r.Seq != 12345 {
		t.Fatalf("answer %v, want RST seq=12345", r)
	}
	if st := l.Stats(); st.CookiesFailed != 0 {
		t.Fatalf("a cookie was checked without any SYN queue overflow: %+v", st)
	}
}

func TestCookieACKOnFullAcceptQueueIsDropped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AbortOnOverflow = true // Linux's cookie path never resets
	p := newScriptPeer(t, cfg)
	l := p.listen(80, 1)
	p.send(synFrom(1, 100, wire.Options{}))
	sa1 := p.one(p.out())
	p.send(synFrom(2, 5000, wire.Options{}))
	sa2 := p.one(p.out())
	p.send(ackFrom(1, 101, sa1.Seq+1))
	if l.Pending() != 1 || l.Stats().CookiesSent != 1 {
		t.Fatalf("pending %d stats %+v", l.Pending(), l.Stats())
	}
	p.send(ackFrom(2, 5001, sa2.Seq+1))
	p.none(p.out())
	if l.Pending() != 1 || len(p.h.Conns()) != 1 || l.Stats().AcceptOverflows != 1 || l.Stats().CookiesAccepted != 1 {
		t.Fatalf("pending %d conns %d stats %+v", l.Pending(), len(p.h.Conns()), l.Stats())
	}
}
