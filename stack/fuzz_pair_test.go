package stack

// Two stacks talking across a link that a fuzzer controls packet by packet:
// it may drop, duplicate, hold back, bit-flip or truncate any packet, or
// rewrite one of its TCP header fields with or without repairing the
// checksum. Whatever it does, neither stack may panic or break an
// invariant; every packet damaged in a way the checksums can see must be
// counted as malformed (RFC 1071, RFC 9293 §3.1); and whatever an
// application reads must be exactly what the other side wrote, byte for
// byte, unless a header was rewritten with a valid checksum in a way that
// no TCP can detect.
//
// pairNet, a two-host network that keeps no log, and endpoint, a bulk
// application, are shared with the loss grid and the leak test.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// pairNet joins two hosts by a link that, by default, delivers every packet
// after the one-way delay; a test may install its own. It checks every
// packet a host emits and, after every event, every invariant of both
// hosts.
type pairNet struct {
	tb    testing.TB
	now   units.Time
	pool  packet.Pool
	a, b  *Host
	delay units.Duration
	queue flightQueue
	// link, if set, takes each packet leaving from and disposes of it:
	// n.deliver for each copy that is to arrive, n.pool.Put if none is.
	link func(from *Host, p *packet.Packet)
	// app runs after every event: the applications read, write and close.
	app  func()
	hist *connHistory
	seg  wire.Segment
	// damaged counts delivered packets the link marked as damaged.
	damaged int64
}

func newPairNet(tb testing.TB, delay units.Duration, cfgA, cfgB Config, seedA, seedB uint64) *pairNet {
	tb.Helper()
	n := &pairNet{tb: tb, delay: delay, hist: newConnHistory()}
	var err error
	if n.a, err = NewHost(addrA, cfgA, &n.pool, seedA); err != nil {
		tb.Fatal(err)
	}
	if n.b, err = NewHost(addrB, cfgB, &n.pool, seedB); err != nil {
		tb.Fatal(err)
	}
	return n
}

func (n *pairNet) peer(h *Host) *Host {
	if h == n.a {
		return n.b
	}
	return n.a
}

// deliver schedules p to arrive at to at time at; damaged marks a packet
// the checksums must reject.
func (n *pairNet) deliver(to *Host, p *packet.Packet, at units.Time, damaged bool) {
	n.queue.push(flight{at: at, to: to, p: p, damaged: damaged})
}

// clone copies p into a fresh packet from the pool, for duplication.
func (n *pairNet) clone(p *packet.Packet) *packet.Packet {
	q := n.pool.Get()
	q.Load(p.Bytes())
	return q
}

// pump takes every packet the hosts want to send and hands it to the link.
func (n *pairNet) pump() {
	for progress := true; progress; {
		progress = false
		for _, h := range [2]*Host{n.a, n.b} {
			for p := h.Output(n.now); p != nil; p = h.Output(n.now) {
				progress = true
				checkEmitted(n.tb, h, p, &n.seg)
				if n.link != nil {
					n.link(h, p)
				} else {
					n.deliver(n.peer(h), p, n.now.Add(n.delay), false)
				}
			}
		}
	}
}

// settle runs the expired timers, the applications and the output at the
// current time, then checks both hosts.
func (n *pairNet) settle() {
	n.a.OnTimer(n.now)
	n.b.OnTimer(n.now)
	if n.app != nil {
		n.app()
	}
	n.pump()
	n.hist.checkAll(n.tb, n.now, n.a, n.b)
}

// step advances to the next event no later than limit and handles it; it
// returns false if there is none before limit. Packets due at the same
// time arrive one by one, each answered before the next, as a link that
// serializes them would deliver them.
func (n *pairNet) step(limit units.Time) bool {
	next := min(n.a.NextDeadline(), n.b.NextDeadline())
	if n.queue.len() > 0 {
		next = min(next, n.queue.next())
	}
	if next > limit {
		n.now = max(n.now, limit)
		return false
	}
	n.now = max(n.now, next)
	for n.queue.len() > 0 && n.queue.next() <= n.now {
		f := n.queue.pop()
		if f.damaged {
			n.damaged++
		}
		f.to.Input(n.now, f.p)
		n.settle()
	}
	n.settle()
	return true
}

// run steps until done reports true or limit passes, and reports whether
// done was reached.
func (n *pairNet) run(limit units.Time, done func() bool) bool {
	n.settle()
	for !done() {
		if !n.step(limit) {
			return done()
		}
	}
	return true
}

// flight is a packet on the link.
type flight struct {
	at  units.Time
	seq uint64
	to  *Host
	p   *packet.Packet
	// damaged marks a packet the link corrupted in a way the checksums
	// must catch.
	damaged bool
}

// flightQueue is a binary min-heap of packets by arrival time, ties broken
// by the order they were sent, so that runs are deterministic.
type flightQueue struct {
	h   []flight
	seq uint64
}

func (q *flightQueue) len() int { return len(q.h) }

func (q *flightQueue) next() units.Time { return q.h[0].at }

func (q *flightQueue) push(f flight) {
	q.seq++
	f.seq = q.seq
	q.h = append(q.h, f)
	h := q.h
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].before(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *flightQueue) pop() flight {
	h := q.h
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = flight{}
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].before(&h[m]) {
			m = l
		}
		if r < len(h) && h[r].before(&h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	q.h = h
	return top
}

func (f *flight) before(g *flight) bool {
	return f.at < g.at || f.at == g.at && f.seq < g.seq
}

// endpoint is one side's application in a bulk exchange: it writes out,
// reads and hashes everything that arrives, and closes once it has written
// everything: at once if it is the active closer, otherwise after the
// peer's FIN.
type endpoint struct {
	c          *Conn
	out        []byte
	written    int
	closeFirst bool
	// expect, if set, is what the peer writes: every byte read is compared
	// with it as it arrives.
	expect   []byte
	mismatch int // offset of the first byte read that differs, or -1
	got      hash.Hash
	read     int
	eof      bool
	closed   bool
	buf      []byte // read buffer, allocated at the first step if unset
}

func newEndpoint(out []byte, closeFirst bool) *endpoint {
	return &endpoint{out: out, closeFirst: closeFirst, got: sha256.New(), mismatch: -1}
}

// step reads what has arrived, writes what fits and closes when it is time.
// Reading comes first, so that Close never finds unread data, which would
// turn it into an abort (RFC 9293 §3.6).
func (e *endpoint) step() {
	if e.c == nil {
		return
	}
	if e.buf == nil {
		e.buf = make([]byte, 16<<10)
	}
	for !e.eof {
		k, err := e.c.Read(e.buf)
		if k > 0 {
			e.got.Write(e.buf[:k])
			if e.expect != nil && e.mismatch < 0 &&
				(e.read+k > len(e.expect) || !bytes.Equal(e.buf[:k], e.expect[e.read:e.read+k])) {
				e.mismatch = e.read
			}
			e.read += k
		}
		if err == io.EOF {
			e.eof = true
		}
		if k == 0 {
			break
		}
	}
	if e.closed {
		return
	}
	if e.written < len(e.out) {
		w, _ := e.c.Write(e.out[e.written:])
		e.written += w
	}
	// Close only once synchronized: a Close in SYN-SENT discards the
	// queued data (RFC 9293 §3.10.4).
	st := e.c.State()
	if e.written == len(e.out) && (st == Established || st == CloseWait) && (e.closeFirst || e.eof) {
		e.c.CloseWrite()
		e.closed = true
	}
}

// sum is the SHA-256 of everything read.
func (e *endpoint) sum() []byte { return e.got.Sum(nil) }

// randomBytes returns n bytes from a generator seeded with seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rand.NewChaCha8(key).Read(b)
	return b
}

// linkScript reads the fuzzer's decisions for the link; once the input
// runs out, every packet is delivered intact.
type linkScript struct {
	b   []byte
	pos int
}

func (s *linkScript) byte() byte {
	if s.pos >= len(s.b) {
		return 0
	}
	s.pos++
	return s.b[s.pos-1]
}

func (s *linkScript) uint16() uint16 { return uint16(s.byte())<<8 | uint16(s.byte()) }

func (s *linkScript) uint32() uint32 { return uint32(s.uint16())<<16 | uint32(s.uint16()) }

// What the link does to a packet: the low four bits of a script byte. The
// codes not listed, half of them, deliver the packet intact, so that
// random input still lets transfers progress.
const (
	linkDrop       = 8
	linkDuplicate  = 9
	linkHoldBack   = 10 // next byte: extra delay in milliseconds
	linkFlipBit    = 11 // next two bytes: which bit
	linkTruncate   = 12 // next two bytes: the new length
	linkForge      = 13 // next byte: field; next four: XOR mask; checksum left stale
	linkForgeFixed = 14 // as linkForge, then both checksums repaired
)

// mutatingLink carries out a linkScript.
type mutatingLink struct {
	n      *pairNet
	script linkScript
	// reparsed counts packets sent on whose data offset was rewritten with
	// a valid checksum: the header then ends elsewhere, and the decoder may
	// or may not reject what it finds there.
	reparsed int64
	// forgedData is set once a packet whose sequence number or data
	// offset was rewritten with a valid checksum is sent on: its bytes
	// land where they do not belong, which no TCP can detect.
	forgedData bool
}

func (m *mutatingLink) carry(from *Host, p *packet.Packet) {
	n := m.n
	to := n.peer(from)
	arrive := n.now.Add(n.delay)
	damaged := false
	b := p.Bytes()
	switch m.script.byte() & 0x0f {
	case linkDrop:
		n.pool.Put(p)
		return
	case linkDuplicate:
		n.deliver(to, n.clone(p), arrive, false)
	case linkHoldBack:
		arrive = arrive.Add(units.Duration(m.script.byte()) * units.Millisecond)
	case linkFlipBit:
		bit := int(m.script.uint16()) % (8 * len(b))
		b[bit/8] ^= 1 << (bit % 8)
		damaged = true
	case linkTruncate:
		p.SetLen(int(m.script.uint16()) % len(b))
		damaged = true
	case linkForge:
		damaged = m.forge(b, false)
	case linkForgeFixed:
		m.forge(b, true)
	}
	n.deliver(to, p, arrive, damaged)
}

// forge rewrites one TCP header field of datagram b, which the stack built
// with a 20-byte IPv4 header, by XOR with a script mask. With fix it
// repairs both checksums; without, it reports whether the checksum can see
// the change: one that leaves the one's-complement sum alone (0x0000 for
// 0xffff, say) is invisible to it by construction (RFC 1071).
func (m *mutatingLink) forge(b []byte, fix bool) (detectable bool) {
	tcp := wire.TCPHeader(b[wire.IPv4MinHeaderLen:])
	field := m.script.byte() % 6
	x := m.script.uint32()
	var off, size int
	switch field {
	case 0:
		off, size = 4, 4 // sequence number
	case 1:
		off, size = 8, 4 // acknowledgment number
	case 2:
		off, size = 12, 2 // data offset and flags
	case 3:
		off, size = 14, 2 // window
	case 4:
		off, size = 0, 2 // source port
	case 5:
		off, size = 16, 2 // the checksum itself
	}
	payload := len(tcp) - tcp.DataOffset()
	w := tcp[off : off+size]
	before := onesSum(w)
	for i := range w {
		w[i] ^= byte(x >> (8 * i))
	}
	if !fix {
		return onesSum(w)%0xffff != before%0xffff
	}
	wire.RefreshChecksums(b)
	if field == 0 && x != 0 && (payload > 0 || tcp.Flags()&FlagSYN != 0) {
		// A SYN's sequence number places every byte after it: with Fast
		// Open, data follows a SYN-ACK before any ACK could expose it.
		m.forgedData = true
	}
	if field == 2 && byte(x)&0xf0 != 0 {
		m.forgedData = true
		m.reparsed++
	}
	if field == 2 && byte(x>>8)&FlagSYN != 0 {
		// A SYN made or unmade moves the origin of the sequence space.
		m.forgedData = true
	}
	return false
}

// malformed is the number of packets h dropped as undecodable.
func malformed(h *Host) int64 {
	var t int64
	for _, v := range h.Stats().Malformed {
		t += v
	}
	return t
}

func FuzzPairMutatingLink(f *testing.F) {
	// The input: config bits, the two transfer sizes, a seed, then the
	// link script.
	header := func(cfg byte, ab, ba uint16, seed byte) []byte {
		return []byte{cfg, byte(ab >> 8), byte(ab), byte(ba >> 8), byte(ba), seed}
	}
	f.Add(header(0x03, 20000, 20000, 1))
	f.Add(append(header(0x03, 30000, 5000, 2), 0, 0, 0, linkDrop, 0, linkDrop, linkDuplicate, 0, linkHoldBack, 20))
	f.Add(append(header(0x00, 8000, 8000, 3), linkFlipBit, 0, 200, 0, linkFlipBit, 1, 44, linkTruncate, 0, 30))
	f.Add(append(header(0x07, 10000, 10000, 4), 0, 0, 0, linkForge, 0, 0, 0, 0, 1, linkForge, 3, 0xff, 0xff, 0, 0))
	f.Add(append(header(0x13, 40000, 1000, 5), 0, 0, 0, 0, linkForgeFixed, 3, 0, 0, 0xff, 0xff, linkForgeFixed, 1, 0, 0, 0, 1))
	f.Add(append(header(0x1b, 12000, 12000, 6), bytes.Repeat([]byte{linkDrop, 0, 0}, 20)...))
	f.Add(append(header(0x03, 3000, 3000, 7), linkForgeFixed, 2, 0, 0, 0, 0x04, 0, 0, linkForgeFixed, 2, 0, 0, 0, 0x01))
	f.Add(append(header(0x63, 30000, 30000, 8), 0, 0, linkDrop, 0, 0, linkHoldBack, 30, 0, linkDrop, linkDrop))
	f.Add(append(header(0x43, 30000, 30000, 9), 0, 0, 0, 0, linkDrop, 0, linkDrop, 0, linkDrop, 0, linkDrop))
	f.Add(append(header(0x43, 30000, 30000, 0x8a), 0, 0, 0, 0, linkDrop, 0, linkDrop, 0, linkDrop, 0, linkDrop))
	f.Add(append(header(0x03, 3000, 3000, 0x8b), linkDrop, 0, 0, linkDrop))

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 6 || len(in) > 4096 {
			return
		}
		cfg := DefaultConfig()
		cfg.Timestamps = in[0]&0x01 != 0
		cfg.WindowScaling = in[0]&0x02 != 0
		if in[0]&0x04 != 0 {
			cfg.DelayedACK = 0
		}
		cfg.NoDelay = in[0]&0x08 != 0
		cfg.SndBuf, cfg.RcvBuf = 64<<10, 64<<10
		if in[0]&0x10 != 0 {
			cfg.SndBuf, cfg.RcvBuf = 8<<10, 8<<10
		}
		cfg.Recovery = RecoveryMode(in[0] >> 5 % 4)
		cfg.SACK = cfg.Recovery.usesSACK() || in[0]&0x80 != 0
		cfg.MSL = units.Second
		// The seed's top bit turns Fast Open on, with the client holding
		// the server's cookie, so the first data rides on the SYN.
		cfg.FastOpen = in[5]&0x80 != 0
		sizeAB := int(binary.BigEndian.Uint16(in[1:]))
		sizeBA := int(binary.BigEndian.Uint16(in[3:]))
		seed := uint64(in[5])

		n := newPairNet(t, 5*units.Millisecond, cfg, cfg, 2*seed+1, 2*seed+2)
		link := &mutatingLink{n: n, script: linkScript{b: in[6:]}}
		n.link = link.carry
		l, err := n.b.Listen(80, 4, newReno)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.FastOpen {
			var o wire.Options
			n.b.addFastOpenCookie(addrA, &o)
			n.a.tfoCache.put(addrB, fastOpenEntry{cookieLen: o.FastOpenCookieLen, cookie: o.FastOpenCookie, mss: uint16(cfg.MSS)})
		}
		dataAB, dataBA := randomBytes(sizeAB, seed), randomBytes(sizeBA, ^seed)
		client, server := newEndpoint(dataAB, true), newEndpoint(dataBA, false)
		client.expect, server.expect = dataBA, dataAB
		if client.c, err = n.a.Connect(0, 0, addrB, 80, newReno()); err != nil {
			t.Fatal(err)
		}
		n.app = func() {
			if server.c == nil {
				server.c = l.Accept()
			}
			client.step()
			server.step()
		}
		n.run(units.Time(120*units.Second), func() bool {
			return len(n.a.Conns()) == 0 && len(n.b.Conns()) == 0 && n.queue.len() == 0
		})

		for _, e := range []*endpoint{client, server} {
			want := e.expect
			switch {
			case link.forgedData:
			case e.read > len(want):
				t.Fatalf("read %d bytes, the peer wrote %d", e.read, len(want))
			case e.mismatch >= 0:
				t.Fatalf("byte %d read differs from the byte written (of %d)", e.mismatch, len(want))
			case e.read == len(want):
				if w := sha256.Sum256(want); !bytes.Equal(w[:], e.sum()) {
					t.Fatalf("all %d bytes arrived but their SHA-256 differs", len(want))
				}
			}
		}
		// Every damaged packet that arrived is counted as malformed; only a
		// rewritten data offset may add to the count.
		if got := malformed(n.a) + malformed(n.b); got < n.damaged || got > n.damaged+link.reparsed {
			t.Fatalf("%d damaged packets arrived (and %d with a rewritten data offset were sent), the hosts counted %d malformed (A %v, B %v)",
				n.damaged, link.reparsed, got, n.a.Stats().Malformed, n.b.Stats().Malformed)
		}
	})
}

// onesSum is the ones' complement sum of b, in which a field's 0x0000 and
// 0xffff are the same number.
func onesSum(b []byte) uint16 { return wire.ChecksumFold(wire.ChecksumAdd(0, b)) }
