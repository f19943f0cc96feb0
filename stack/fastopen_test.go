package stack

import (
	"bytes"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Fast Open (RFC 7413): the option's wire format, the server's cookie, the
// client's cache, and the round trip it saves end to end.

func TestFastOpenServerCookie(t *testing.T) {
	var pool packet.Pool
	a1, _ := NewHost(addrB, DefaultConfig(), &pool, 7)
	a2, _ := NewHost(addrB, DefaultConfig(), &pool, 7)
	b, _ := NewHost(addrB, DefaultConfig(), &pool, 8)
	c1, c2 := a1.fastOpenCookie(addrA), a2.fastOpenCookie(addrA)
	if c1 != c2 {
		t.Fatalf("same seed, cookies %x and %x", c1, c2)
	}
	if b.fastOpenCookie(addrA) == c1 {
		t.Fatalf("another seed grants the same cookie %x", c1)
	}
	if a1.fastOpenCookie(wire.Addr{198, 18, 0, 3}) == c1 {
		t.Fatalf("another client gets the same cookie %x", c1)
	}
	var o wire.Options
	a1.addFastOpenCookie(addrA, &o)
	if !o.FastOpen || o.FastOpenCookieLen != 8 || !a1.validFastOpenCookie(addrA, &o) || b.validFastOpenCookie(addrA, &o) {
		t.Fatalf("granted %+v does not check out", o)
	}
	o.FastOpenCookie[7] ^= 1
	if a1.validFastOpenCookie(addrA, &o) {
		t.Fatal("a cookie with a flipped bit is valid")
	}
}

func TestFastOpenCacheEvictsOldest(t *testing.T) {
	var fc fastOpenCache
	addr := func(i int) wire.Addr { return wire.Addr{10, byte(i >> 16), byte(i >> 8), byte(i)} }
	for i := range fastOpenCacheSize {
		fc.put(addr(i), fastOpenEntry{cookieLen: 4, mss: uint16(i)})
	}
	// Updating an entry keeps its place.
	fc.put(addr(0), fastOpenEntry{cookieLen: 8, mss: 1})
	if len(fc.entries) != fastOpenCacheSize {
		t.Fatalf("%d entries", len(fc.entries))
	}
	fc.put(addr(fastOpenCacheSize), fastOpenEntry{cookieLen: 4})
	if _, ok := fc.get(addr(0)); ok {
		t.Fatal("the oldest entry survived")
	}
	if e, ok := fc.get(addr(1)); !ok || e.mss != 1 {
		t.Fatalf("second entry %+v, %v", e, ok)
	}
	if _, ok := fc.get(addr(fastOpenCacheSize)); !ok || len(fc.entries) != fastOpenCacheSize {
		t.Fatalf("newest missing or size %d", len(fc.entries))
	}
}

// requestResponse opens a connection from A to B's port 80, writes a
// 100-byte request before the SYN leaves, and returns how long it takes
// until A has read B's whole 1000-byte answer. B answers as soon as it has
// read the request, whatever state its connection is in.
func requestResponse(t *testing.T, n *testNet, l *Listener) (units.Duration, *Conn, *Conn) {
	t.Helper()
	const request, response = 100, 1000
	start := n.now
	client, err := n.a.Connect(n.now, 0, addrB, 80, newReno())
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := client.Write(make([]byte, request)); w != request {
		t.Fatalf("wrote %d", w)
	}
	var server *Conn
	got, answered := 0, false
	buf := make([]byte, 4096)
	n.onStep = func() {
		if server == nil {
			server = l.Accept()
		}
		if server != nil && !answered && server.Readable() == request {
			server.Read(buf)
			server.Write(make([]byte, response))
			answered = true
		}
		k, _ := client.Read(buf)
		got += k
	}
	n.runUntil(n.now.Add(10*units.Second), func() bool { return got == response })
	n.onStep = nil
	return n.now.Sub(start), client, server
}

// A repeated request with Fast Open completes exactly one round trip
// (40 ms) sooner than without: 40 ms instead of 80 ms.
func TestFastOpenSavesOneRoundTrip(t *testing.T) {
	const oneWay = 20 * units.Millisecond
	run := func(fastOpen bool) (first, second units.Duration, n *testNet, l *Listener) {
		cfg := DefaultConfig()
		cfg.FastOpen = fastOpen
		n = newTestNet(t, oneWay, cfg, cfg)
		l, err := n.b.Listen(80, 8, newReno)
		if err != nil {
			t.Fatal(err)
		}
		first, c, _ := requestResponse(t, n, l)
		if got := c.Negotiated(); got.FastOpen {
			t.Fatalf("first connection negotiated %+v", got)
		}
		n.runFor(n.now.Add(units.Second))
		second, c, s := requestResponse(t, n, l)
		if got := c.Negotiated(); got.FastOpen != fastOpen || s.Negotiated().FastOpen != fastOpen {
			t.Fatalf("second connection negotiated %+v and %+v", got, s.Negotiated())
		}
		return first, second, n, l
	}
	_, plain, _, _ := run(false)
	first, tfo, n, l := run(true)
	if plain != 4*oneWay || first != 4*oneWay {
		t.Fatalf("without a cookie %v and %v, want 80ms", plain, first)
	}
	if tfo != 2*oneWay {
		t.Fatalf("with a cookie %v, want 40ms\n%s", tfo, n.tail(20))
	}
	if st := l.Stats(); st.FastOpenCookieRequests != 1 || st.FastOpenAccepted != 1 || st.FastOpenBadCookie != 0 {
		t.Fatalf("listener stats %+v", st)
	}
	// Nothing was retransmitted on either side.
	for _, h := range []*Host{n.a, n.b} {
		for _, c := range h.Conns() {
			if p := c.Probe(); p.Retransmits != 0 {
				t.Fatalf("%d retransmissions", p.Retransmits)
			}
		}
	}
}

// With a cookie the server no longer accepts (here: one it never
// granted), the request still arrives whole, after the handshake, and the
// client learns the right cookie for next time.
func TestFastOpenBadCookieEndToEnd(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FastOpen = true
	n := newTestNet(t, 20*units.Millisecond, cfg, cfg)
	l, err := n.b.Listen(80, 8, newReno)
	if err != nil {
		t.Fatal(err)
	}
	n.a.tfoCache.put(addrB, fastOpenEntry{cookieLen: 8, cookie: [16]byte{1, 2, 3, 4, 5, 6, 7, 8}, mss: 1460})
	d, c, s := requestResponse(t, n, l)
	if d != 80*units.Millisecond {
		t.Fatalf("took %v, want 80ms", d)
	}
	if c.Negotiated().FastOpen || s.Negotiated().FastOpen || l.Stats().FastOpenBadCookie != 1 {
		t.Fatalf("negotiated %+v, %+v; stats %+v", c.Negotiated(), s.Negotiated(), l.Stats())
	}
	want := n.b.fastOpenCookie(addrA)
	if got := n.a.FastOpenCookie(addrB); !bytes.Equal(got, want[:]) {
		t.Fatalf("cached %x, want %x", got, want)
	}
	if p := c.Probe(); p.BytesAcked != 100 || p.Retransmits != 1 {
		t.Fatalf("client acked %d, retransmitted %d; want 100, 1", p.BytesAcked, p.Retransmits)
	}
}

// The Fast Open option on the per-SYN paths allocates nothing.
func TestFastOpenNoAllocs(t *testing.T) {
	h, _ := NewHost(addrB, DefaultConfig(), new(packet.Pool), 1)
	var o, back wire.Options
	var b [wire.TCPMaxOptionsLen]byte
	allocs := testing.AllocsPerRun(100, func() {
		o = wire.Options{HasMSS: true, MSS: 1460, HasTimestamps: true}
		h.addFastOpenCookie(addrA, &o)
		n := o.Encode(b[:])
		if wire.ParseOptions(b[:n], &back) != nil || !h.validFastOpenCookie(addrA, &back) {
			t.Fatal("round trip failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func BenchmarkFastOpenOptions(b *testing.B) {
	h, _ := NewHost(addrB, DefaultConfig(), new(packet.Pool), 1)
	o := wire.Options{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, HasWScale: true, WScale: 7}
	h.addFastOpenCookie(addrA, &o)
	var buf [wire.TCPMaxOptionsLen]byte
	var back wire.Options
	b.ReportAllocs()
	for b.Loop() {
		n := o.Encode(buf[:])
		wire.ParseOptions(buf[:n], &back)
	}
}

func BenchmarkFastOpenCookieCheck(b *testing.B) {
	h, _ := NewHost(addrB, DefaultConfig(), new(packet.Pool), 1)
	var o wire.Options
	h.addFastOpenCookie(addrA, &o)
	b.ReportAllocs()
	for b.Loop() {
		if !h.validFastOpenCookie(addrA, &o) {
			b.Fatal("invalid")
		}
	}
}
