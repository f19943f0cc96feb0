package stack

// One host against a peer the fuzzer writes: every segment the host sees
// is decoded from the fuzz input (flags, sequence and acknowledgment
// numbers relative to either side's state or raw, window, raw option
// bytes, payload, ECN codepoint), interleaved with the passage of time and
// with the application's writes, reads, closes and aborts. Whatever
// arrives, the host must not panic, every packet it emits must decode and
// agree with its connection's state, every invariant must hold after every
// step, every byte the application reads must be the byte the peer sent at
// that sequence number, and every byte the host sends must be the byte the
// application wrote there.

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// The fuzz peer's address and ports; the host under test is addrB.
const (
	fuzzPeerPort   = 5555 // the peer's port when the host listens
	fuzzListenPort = 80   // the port the host listens on, or connects to
)

// fuzzPeerISS is the peer's initial sequence number in seeds; the input may
// use any other.
const fuzzPeerISS Seq = 0xfffff000

// peerByte is the byte the peer sends at sequence number s, so that what the
// application reads can be checked whatever segments carried it.
func peerByte(s Seq) byte { return byte(uint32(s) * 2654435761 >> 24) }

// appByte is the byte the application writes at stream offset k.
func appByte(k int) byte { return byte(uint32(k)*2246822519>>24) ^ 0x5a }

// Operations, the low three bits of an operation byte. Three of the eight
// codes deliver a segment, so that most random input exercises the
// receive path.
const (
	opSegment = 0 // and 1 and 2
	opAdvance = 3
	opWrite   = 4
	opRead    = 5
	opClose   = 6
	opAbort   = 7 // an abort when the high bits are zero, otherwise a read
)

// The mode byte of a segment operation.
const (
	segModeSeq = 0x03 // SEG.SEQ from the peer's ISS, RCV.NXT, RCV.NXT in 256s, or raw
	segModeAck = 0x0c // SEG.ACK from ISS, SND.NXT, SND.UNA, or SND.MAX in 256s
	segOptions = 0x10 // raw option bytes follow
	segBadPort = 0x20 // to the next port up, where nothing listens
	segWindow  = 0xc0 // window from the input, zero, 65535, or one byte
)

// advanceSteps are the time steps an advance operation picks from: around
// the delayed-ACK timeout, the minimum RTO, the handshake timeout, MSL and
// MaxRTO.
var advanceSteps = [16]units.Duration{
	0, units.Microsecond, units.Millisecond, 5 * units.Millisecond,
	39 * units.Millisecond, 40 * units.Millisecond, 41 * units.Millisecond, 100 * units.Millisecond,
	199 * units.Millisecond, 200 * units.Millisecond, 201 * units.Millisecond, units.Second,
	3 * units.Second, 10 * units.Second, 61 * units.Second, 130 * units.Second,
}

// connFuzzer runs one input.
type connFuzzer struct {
	t    *testing.T
	in   []byte
	pos  int
	now  units.Time
	pool packet.Pool
	h    *Host
	l    *Listener
	// id is the connection under test's 4-tuple; c is the connection, once
	// it exists, and stays set after it closes.
	id      fourTuple
	c       *Conn
	readOff int // stream offset of the next byte c's application reads
	wrote   int // stream offset of the next byte it writes
	hist    *connHistory
	seg     wire.Segment
	buf     [2048]byte
	rbuf    [4096]byte
	wbuf    []byte
}

func (f *connFuzzer) byte() byte {
	if f.pos >= len(f.in) {
		return 0
	}
	f.pos++
	return f.in[f.pos-1]
}

func (f *connFuzzer) int16() int { return int(int16(uint16(f.byte())<<8 | uint16(f.byte()))) }

func (f *connFuzzer) uint16() uint16 { return uint16(f.byte())<<8 | uint16(f.byte()) }

// fuzzConfig decodes the host's configuration from two bytes.
func fuzzConfig(a, b byte) Config {
	cfg := DefaultConfig()
	cfg.Timestamps = a&0x02 != 0
	cfg.WindowScaling = a&0x04 != 0
	cfg.SACK = a&0x08 != 0
	if a&0x10 != 0 {
		cfg.DelayedACK = 0
	}
	cfg.SndBuf, cfg.RcvBuf = 4096, 4096
	if a&0x20 != 0 {
		cfg.SndBuf, cfg.RcvBuf = 256<<10, 256<<10
	}
	cfg.NoDelay = a&0x40 != 0
	if a&0x80 != 0 {
		cfg.Keepalive = true
		cfg.KeepaliveIdle, cfg.KeepaliveInterval, cfg.KeepaliveProbes = 5*units.Second, units.Second, 3
	}
	cfg.Recovery = RecoveryMode(b % 4)
	if cfg.Recovery.usesSACK() {
		cfg.SACK = true
	}
	cfg.ECN = b&0x04 != 0
	cfg.FastOpen = b&0x10 != 0
	cfg.MSS = 536
	if b&0x08 != 0 {
		cfg.MSS = 1460
	}
	cfg.MSL = units.Second
	return cfg
}

func newConnFuzzer(t *testing.T, in []byte) *connFuzzer {
	f := &connFuzzer{t: t, in: in, hist: newConnHistory(), wbuf: make([]byte, 4096)}
	a, b := f.byte(), f.byte()
	var err error
	if f.h, err = NewHost(addrB, fuzzConfig(a, b), &f.pool, 7); err != nil {
		t.Fatal(err)
	}
	if a&0x01 != 0 {
		if f.l, err = f.h.Listen(fuzzListenPort, 2, newReno); err != nil {
			t.Fatal(err)
		}
		f.id = fourTuple{localAddr: addrB, remoteAddr: addrA, localPort: fuzzListenPort, remotePort: fuzzPeerPort}
	} else {
		if f.c, err = f.h.Connect(0, 0, addrA, fuzzListenPort, newReno()); err != nil {
			t.Fatal(err)
		}
		f.id = f.c.id
	}
	return f
}

// conn returns the live connection under test, or the last one seen.
func (f *connFuzzer) conn() *Conn {
	if c := f.h.conns[f.id]; c != nil && c != f.c {
		f.c, f.readOff, f.wrote = c, 0, 0
	}
	return f.c
}

// run plays the whole input, then lets every timer run out.
func (f *connFuzzer) run() {
	f.settle()
	for f.pos < len(f.in) {
		op := f.byte()
		switch op & 7 {
		case 0, 1, 2:
			f.segment()
		case opAdvance:
			b := f.byte()
			f.advance(advanceSteps[b&15] * units.Duration(b>>4+1))
		case opWrite:
			f.write(int(f.byte()) * 16)
		case opRead:
			f.read(f.byte())
		case opClose:
			if c := f.conn(); c != nil {
				c.Close()
			}
		case opAbort:
			if op>>3 != 0 {
				f.read(op)
			} else if c := f.conn(); c != nil {
				c.Abort()
			}
		}
		f.settle()
	}
	// With the peer silent, every timer must eventually stop: handshakes
	// and retransmissions give up, TIME-WAIT ends.
	for i := 0; f.h.NextDeadline() != units.Never; i++ {
		if i == 500 {
			f.t.Fatalf("timers still firing after 500 expiries with a silent peer, at %v", f.now)
		}
		f.now = max(f.now, f.h.NextDeadline())
		f.settle()
	}
}

// settle runs expired timers, the application's accept, drains and checks
// the output, and checks every invariant.
func (f *connFuzzer) settle() {
	f.h.OnTimer(f.now)
	if f.l != nil {
		for f.l.Accept() != nil {
		}
	}
	for p := f.h.Output(f.now); p != nil; p = f.h.Output(f.now) {
		checkEmitted(f.t, f.h, p, &f.seg)
		f.checkPayload(&f.seg)
		f.pool.Put(p)
	}
	f.hist.checkAll(f.t, f.now, f.h)
	if c := f.c; c != nil && c.state == Closed {
		checkInvariants(f.t, c, f.now)
	}
	if f.pool.Outstanding != 0 {
		f.t.Fatalf("%d packets not returned to the pool", f.pool.Outstanding)
	}
}

// checkPayload checks that a data segment the host sent carries the bytes
// the application wrote at its sequence numbers.
func (f *connFuzzer) checkPayload(s *wire.Segment) {
	c := f.h.conns[fourTuple{localAddr: s.Src, remoteAddr: s.Dst, localPort: s.SrcPort, remotePort: s.DstPort}]
	if c == nil || c != f.c || len(s.Payload) == 0 {
		return
	}
	base := c.iss.Add(1)
	for i, b := range s.Payload {
		if k := s.Seq.Add(i).Sub(base); b != appByte(k) {
			f.t.Fatalf("byte at stream offset %d sent as %#x, the application wrote %#x", k, b, appByte(k))
		}
	}
}

// advance moves time forward by d, running every timer at its deadline.
func (f *connFuzzer) advance(d units.Duration) {
	target := f.now.Add(d)
	for i := 0; ; i++ {
		next := f.h.NextDeadline()
		if next > target {
			break
		}
		if i == 10000 {
			f.t.Fatalf("10000 timer expiries before %v", target)
		}
		f.now = max(f.now, next)
		f.settle()
	}
	f.now = target
}

func (f *connFuzzer) write(n int) {
	c := f.conn()
	if c == nil {
		return
	}
	n = min(n, len(f.wbuf))
	for i := range n {
		f.wbuf[i] = appByte(f.wrote + i)
	}
	w, _ := c.Write(f.wbuf[:n])
	f.wrote += w
}

// read reads with Read or with Peek and Discard, and checks every byte
// against what the peer sent at its sequence number.
func (f *connFuzzer) read(mode byte) {
	c := f.conn()
	if c == nil {
		return
	}
	base := c.irs.Add(1)
	check := func(p []byte) {
		for i, b := range p {
			if want := peerByte(base.Add(f.readOff + i)); b != want {
				f.t.Fatalf("read %#x at stream offset %d, the peer sent %#x", b, f.readOff+i, want)
			}
		}
		f.readOff += len(p)
	}
	if mode&0x08 != 0 {
		first, second := c.Peek()
		k := int(mode>>4) * 64
		k = min(k, len(first)+len(second))
		check(first[:min(k, len(first))])
		check(second[:k-min(k, len(first))])
		c.Discard(k)
		return
	}
	n, err := c.Read(f.rbuf[:1+int(mode>>4)*256])
	check(f.rbuf[:n])
	if err == io.EOF && c.Readable() != 0 {
		f.t.Fatalf("Read returned EOF with %d bytes unread", c.Readable())
	}
}

// segment builds one segment from the input and delivers it to the host.
func (f *connFuzzer) segment() {
	flags := f.byte()
	mode := f.byte()
	seqOff, ackOff := f.int16(), f.int16()
	var window uint16
	switch mode & segWindow >> 6 {
	case 0:
		window = f.uint16()
	case 1:
		window = 0
	case 2:
		window = 65535
	case 3:
		window = uint16(f.byte())
	}
	var opts []byte
	if mode&segOptions != 0 {
		k := int(f.byte()) % (wire.TCPMaxOptionsLen + 1)
		opts = make([]byte, (k+3)&^3)
		for i := range k {
			opts[i] = f.byte()
		}
	}
	pl := f.byte()
	n := min(int(pl&0x3f)*24, 1400)
	ecn := pl >> 6

	c := f.conn()
	var seq, ack Seq
	var rcvNxt, iss, sndNxt, sndUna, sndMax Seq
	if c != nil {
		iss, sndNxt, sndUna, sndMax = c.iss, c.sndNxt, c.sndUna, c.sndMax
		rcvNxt = fuzzPeerISS.Add(1)
		if c.state != SynSent {
			rcvNxt = c.rcvNxt()
		}
	}
	switch mode & segModeSeq {
	case 0:
		seq = fuzzPeerISS.Add(seqOff)
	case 1:
		seq = rcvNxt.Add(seqOff)
	case 2:
		seq = rcvNxt.Add(seqOff * 256)
	case 3:
		seq = Seq(uint32(uint16(seqOff)) * 0x10001)
	}
	switch mode & segModeAck >> 2 {
	case 0:
		ack = iss.Add(ackOff)
	case 1:
		ack = sndNxt.Add(ackOff)
	case 2:
		ack = sndUna.Add(ackOff)
	case 3:
		ack = sndMax.Add(ackOff * 256)
	}
	dstPort := f.id.localPort
	if mode&segBadPort != 0 {
		dstPort++
	}

	tcpLen := wire.TCPMinHeaderLen + len(opts) + n
	b := f.buf[:wire.IPv4MinHeaderLen+tcpLen]
	clear(b)
	ip := wire.IPv4Header(b)
	ip.SetVersionAndHeaderLen(wire.IPv4MinHeaderLen)
	ip.SetTOS(ecn)
	ip.SetTotalLen(uint16(len(b)))
	ip.SetFlagsAndFragmentOffset(wire.IPv4FlagDF, 0)
	ip.SetTTL(64)
	ip.SetProtocol(wire.IPv4ProtocolTCP)
	ip.SetSrc(addrA)
	ip.SetDst(addrB)
	tcp := wire.TCPHeader(b[wire.IPv4MinHeaderLen:])
	tcp.SetSrcPort(f.id.remotePort)
	tcp.SetDstPort(dstPort)
	tcp.SetSeqNum(seq)
	tcp.SetAckNum(ack)
	tcp.SetDataOffset(wire.TCPMinHeaderLen + len(opts))
	tcp.SetFlags(flags)
	tcp.SetWindow(window)
	copy(tcp[wire.TCPMinHeaderLen:], opts)
	first := seq
	if flags&FlagSYN != 0 {
		first = first.Add(1) // data on a SYN starts after it
	}
	for i := range n {
		tcp[wire.TCPMinHeaderLen+len(opts)+i] = peerByte(first.Add(i))
	}
	wire.RefreshChecksums(b)
	p := f.pool.Get()
	p.Load(b)
	f.h.Input(f.now, p)
}

// connScript writes fuzz inputs for the seed corpus.
type connScript struct{ b []byte }

func newConnScript(passive bool, cfgA, cfgB byte) *connScript {
	if passive {
		cfgA |= 0x01
	}
	return &connScript{b: []byte{cfgA, cfgB}}
}

// seg appends a segment: seq is relative to the peer's ISS (seqMode 0) or
// RCV.NXT (1); ack relative to the host's ISS (0), SND.NXT (1), SND.UNA
// (2). A window of -1 means zero.
func (s *connScript) seg(flags byte, seqMode, seq int, ackMode, ack int, window int, opts []byte, payload int) *connScript {
	mode := byte(seqMode) | byte(ackMode)<<2
	if opts != nil {
		mode |= segOptions
	}
	if window < 0 {
		mode |= 1 << 6
	}
	s.b = append(s.b, opSegment, flags, mode)
	s.b = binary.BigEndian.AppendUint16(s.b, uint16(int16(seq)))
	s.b = binary.BigEndian.AppendUint16(s.b, uint16(int16(ack)))
	if window >= 0 {
		s.b = binary.BigEndian.AppendUint16(s.b, uint16(window))
	}
	if opts != nil {
		s.b = append(s.b, byte(len(opts)))
		s.b = append(s.b, opts...)
	}
	s.b = append(s.b, byte(payload/24))
	return s
}

// Common option blocks: MSS 1460 with window scale 7, SACK-permitted and
// timestamps, as a Linux SYN carries them; and a bare timestamp.
var (
	fullSYNOptions = []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}
	timestampOnly  = []byte{1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 0}
)

func (s *connScript) advance(b byte) *connScript { s.b = append(s.b, opAdvance, b); return s }
func (s *connScript) write(n int) *connScript    { s.b = append(s.b, opWrite, byte(n/16)); return s }
func (s *connScript) read() *connScript          { s.b = append(s.b, opRead, 0xf0); return s }
func (s *connScript) peek() *connScript          { s.b = append(s.b, opRead, 0xf8); return s }
func (s *connScript) close() *connScript         { s.b = append(s.b, opClose); return s }
func (s *connScript) abort() *connScript         { s.b = append(s.b, opAbort); return s }

// handshake completes a passive open: SYN, then the ACK of the SYN-ACK.
func (s *connScript) handshake(opts []byte) *connScript {
	return s.seg(FlagSYN, 0, 0, 0, 0, 65535, opts, 0).seg(FlagACK, 1, 0, 0, 1, 65535, nil, 0)
}

// connSeed is one named input of FuzzConnection's seed corpus.
type connSeed struct {
	name string
	in   []byte
}

// connSeeds are meaningful sequences for FuzzConnection's corpus.
func connSeeds() []connSeed {
	ack := FlagACK
	return []connSeed{
		{"passive handshake, data both ways, peer closes first", newConnScript(true, 0x06, 0).
			handshake(fullSYNOptions).seg(ack|FlagPSH, 1, 0, 1, 0, 65535, nil, 240).read().
			write(600).seg(ack, 1, 0, 1, 0, 65535, nil, 0).seg(ack|FlagFIN, 1, 0, 1, 0, 65535, nil, 0).
			read().close().seg(ack, 1, 0, 1, 0, 65535, nil, 0).advance(0x0b).b},
		{"active open, SYN-ACK, we close first, TIME-WAIT", newConnScript(false, 0x06, 0).
			seg(FlagSYN|ack, 0, 0, 0, 1, 65535, fullSYNOptions, 0).write(1000).
			seg(ack, 1, 0, 1, 0, 65535, nil, 0).close().seg(ack, 1, 0, 1, 0, 65535, nil, 0).
			seg(ack|FlagFIN, 1, 0, 1, 0, 65535, nil, 0).advance(0x0c).b},
		{"RST at RCV.NXT, RST in window, SYN in ESTABLISHED", newConnScript(true, 0, 0).
			handshake(nil).seg(FlagSYN, 1, 0, 0, 0, 65535, nil, 0).seg(FlagRST, 1, 10, 0, 0, 0, nil, 0).
			seg(FlagRST, 1, 0, 0, 0, 0, nil, 0).b},
		{"zero window then reopen", newConnScript(true, 0x00, 0).
			handshake(nil).seg(ack, 1, 0, 0, 1, -1, nil, 0).write(2000).advance(0x09).advance(0x0b).
			advance(0x0b).seg(ack, 1, 0, 2, 0, 65535, nil, 0).advance(0x05).b},
		{"out of order, duplicate, then the hole", newConnScript(true, 0x08, 0).
			handshake([]byte{4, 2, 0, 0}).seg(ack, 1, 480, 0, 1, 65535, nil, 480).seg(ack, 1, 480, 0, 1, 65535, nil, 480).
			seg(ack|FlagFIN, 1, 1440, 0, 1, 65535, nil, 240).seg(ack, 1, 0, 0, 1, 65535, nil, 480).peek().read().b},
		{"retransmission timeouts until the connection gives up", newConnScript(true, 0x12, 0).
			handshake(timestampOnly).write(4000).advance(0xf4).advance(0xff).advance(0xff).b},
		{"simultaneous open", newConnScript(false, 0x06, 0).
			seg(FlagSYN, 0, 0, 0, 0, 65535, fullSYNOptions, 0).seg(ack, 1, 0, 0, 1, 65535, nil, 0).write(100).b},
		{"duplicate SYN in SYN-RECEIVED", newConnScript(true, 0, 0).
			seg(FlagSYN, 0, 0, 0, 0, 65535, nil, 0).seg(FlagSYN, 0, 0, 0, 0, 65535, nil, 0).
			seg(ack, 1, 0, 0, 1, 65535, nil, 0).b},
		{"tiny MSS option with timestamps", newConnScript(true, 0x02, 0).
			handshake([]byte{2, 4, 0, 8, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0}).write(200).b},
		{"malformed options", newConnScript(true, 0, 0).
			seg(FlagSYN, 0, 0, 0, 0, 65535, []byte{2, 1, 5, 0xff}, 0).seg(FlagSYN, 0, 0, 0, 0, 65535, []byte{3, 3}, 0).b},
		{"close with unread data sends RST", newConnScript(true, 0, 0).
			handshake(nil).seg(ack, 1, 0, 1, 0, 65535, nil, 240).close().b},
		{"SYN with data and FIN", newConnScript(true, 0, 0).
			seg(FlagSYN|FlagFIN, 0, 0, 0, 0, 65535, nil, 48).seg(ack, 1, 0, 0, 1, 65535, nil, 0).read().b},
		{"FIN beyond a hole, then data beyond the FIN", newConnScript(true, 0, 0).
			handshake(nil).seg(ack|FlagFIN, 1, 240, 1, 0, 65535, nil, 0).seg(ack, 1, 240, 1, 0, 65535, nil, 240).
			seg(ack, 1, 0, 1, 0, 65535, nil, 240).read().b},
		{"small window below half the largest", newConnScript(true, 0x00, 0).
			handshake(nil).seg(ack, 1, 0, 0, 1, 100, nil, 0).write(2000).advance(0x0b).b},
		{"keepalive on an idle connection", newConnScript(true, 0x80, 0).
			handshake(nil).advance(0x0d).advance(0x0b).advance(0x0b).b},
		{"ACK for data never sent, old ACK, window update", newConnScript(true, 0, 0).
			handshake(nil).write(1000).seg(ack, 1, 0, 1, 500, 65535, nil, 0).seg(ack, 1, 0, 2, -10, 65535, nil, 0).
			seg(ack, 1, 0, 2, 0, 30000, nil, 0).b},
		{"abort", newConnScript(true, 0, 0).handshake(nil).write(100).abort().b},
		{"a full segment carrying the FIN is lost and recovered by RTO", newConnScript(true, 0x20, 0).
			handshake([]byte{2, 4, 0x02, 0x00}).write(4080).write(1552).close().
			seg(ack, 1, 0, 0, 1+512, 65535, nil, 0).seg(ack, 1, 0, 0, 1+10*512, 65535, nil, 0).
			advance(0x0b).advance(0x0b).b},
		{"simultaneous open with SYN and FIN", newConnScript(false, 0, 0).
			seg(FlagSYN|FlagFIN, 0, 0, 0, 0, 65535, nil, 0).seg(ack, 1, 0, 0, 1, 65535, nil, 0).write(100).b},
	}
}

// TestConnectionScripts runs the seed corpus by name, so that a failure
// says which scenario broke.
func TestConnectionScripts(t *testing.T) {
	for _, s := range connSeeds() {
		t.Run(s.name, func(t *testing.T) { newConnFuzzer(t, s.in).run() })
	}
}

func FuzzConnection(f *testing.F) {
	for _, s := range connSeeds() {
		f.Add(s.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 || len(in) > 2048 {
			return
		}
		newConnFuzzer(t, in).run()
	})
}

// TestRSTAfterPeerFINResets: once the peer's FIN is in, RCV.NXT counts it,
// so a RST from a peer that has since aborted carries SEG.SEQ = FIN+1 and
// must reset the connection (RFC 9293 §3.10.7.4, RFC 5961 §3.2: "exactly
// RCV.NXT"), not draw challenge ACKs until the retransmissions give up.
func TestRSTAfterPeerFINResets(t *testing.T) {
	s := newConnScript(true, 0, 0).handshake(nil).seg(FlagACK|FlagFIN, 1, 0, 1, 0, 65535, nil, 0).
		seg(FlagRST, 1, 0, 0, 0, 0, nil, 0)
	f := newConnFuzzer(t, s.b)
	f.settle()
	for f.pos < len(f.in) {
		f.byte()
		f.segment()
		f.settle()
	}
	if c := f.c; c == nil || c.State() != Closed || c.Err() != ErrConnectionReset {
		t.Fatalf("after FIN then RST at RCV.NXT: %v, error %v; want CLOSED, reset", c.State(), c.Err())
	}
}
