package stack

// A scripted peer for conformance tests, in the manner of packetdrill and
// of smoltcp's socket tests: one real Host is under test, and the script
// plays the other end of its connection. Time is virtual and exact; every
// packet the host emits is recorded with the nanosecond it left, and the
// script asserts each of them in order.
//
// Segments are written in packetdrill's notation:
//
//	S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>
//	P. 1:1001(1000) ack 1 win 257 [ce]
//
// Flags are S (SYN), F (FIN), R (RST), P (PSH), . (ACK), U (URG), E (ECE)
// and W (CWR). start:end(len) is the sequence range, relative to the
// sender's initial sequence number; ack is relative to the receiver's. The
// host's ISN is learnt from the first SYN it sends, and is 0 before that
// (so a RST for a segment that matched no connection reads in absolute
// numbers). The peer's ISN is the script's peerISS. Options go between
// angle brackets; the ECN codepoint ([noecn], [ect0], [ect1], [ce]) between
// square brackets.
//
// Timestamps are relative like sequence numbers: a TSval the host sends
// and a TSecr the peer sends count milliseconds of the host's timestamp
// clock from its origin (the host's clock reads the current time in ms,
// plus a random per-connection offset that the script learns from the
// host's first timestamp); the peer's own TSvals, and the host's echoes of
// them, are absolute. The TSecr of the peer's first SYN is written 0 and
// sent as 0. The peer's clock runs in milliseconds from the TSval of its
// SYN.
//
// A segment the script injects is built exactly as written; unwritten
// fields default to a window of 65535 and no options, except that on a
// connection that negotiated timestamps a segment written without angle
// brackets carries TS val (peer clock) ecr (the host's latest TSval).
// Its payload bytes are a known function of their stream offset, so
// reads are checked byte for byte; likewise the host's payloads are
// checked against what the script wrote.
//
// A pattern for an emitted segment checks only what it writes: flags
// always and exactly; the range, ack and window when written; the options
// when angle brackets are written (then exactly the kinds listed, nop and
// eol aside, must be present, with any value written; * matches any
// value); the ECN codepoint when written. A Fast Open option is written FO
// (a cookie request) or FO and the cookie in hex.

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

var (
	scriptHostAddr = wire.Addr{192, 0, 2, 1}
	scriptPeerAddr = wire.Addr{192, 0, 2, 2}
)

const (
	// scriptPeerISS is the peer's initial sequence number: well away from
	// zero, so a confusion of relative and absolute numbers shows.
	scriptPeerISS Seq = 0x6000_0000
	// scriptHostSeed seeds the host's ISNs and timestamp offsets.
	scriptHostSeed = 1
	// scriptMaxSteps bounds the timer and output loops, so a stack that
	// keeps a deadline in the past or never stops sending fails instead of
	// hanging.
	scriptMaxSteps = 100_000
	// scriptRTT is the round-trip time the handshake helpers give the
	// path, so the host starts with an RTT sample of 10 ms and an RTO at
	// its 200 ms floor.
	scriptRTT = 10 * units.Millisecond
)

// scriptConfig is the configuration scenarios start from: round numbers
// (a 1000-byte MSS, a 64000-byte receive buffer) so that sequence numbers
// and windows read at a glance, and no optional TCP features, which the
// scenarios that test them turn on. The conformance scenarios check the
// RFCs: they use RFC 6298's RTO formula, no quick-ACK mode, RFC 9293's
// receive window and segment acceptance (with Linux's 200 ms RTO floor, so an RTO after a
// 10 ms handshake is 200 ms); linuxScriptConfig is the same with the linux
// profile's behaviours, for the scenarios that check Linux's timelines.
func scriptConfig() Config {
	cfg := linuxScriptConfig()
	cfg.LinuxRTO = false
	cfg.QuickACK = false
	cfg.LinuxSegmentChecks = false
	cfg.InvalidRateLimit = 0
	cfg.ChallengeACKsPerSecond = 10
	cfg.SYNLinearTimeouts = 0
	cfg.TSODeferral = false
	cfg.LinuxRcvWindow = false
	return cfg
}

// linuxScriptConfig is scriptConfig's round numbers under the linux
// profile: Linux's RTO estimator and quick-ACK mode, still without SACK,
// timestamps and window scaling unless a scenario turns them on.
func linuxScriptConfig() Config {
	cfg := DefaultConfig()
	cfg.MSS = 1000
	cfg.SndBuf = 64000
	cfg.RcvBuf = 64000
	cfg.Timestamps = false
	cfg.WindowScaling = false
	cfg.SACK = false
	cfg.ECN = false
	cfg.Recovery = RecoveryNewReno
	return cfg
}

// streamByte is the byte at offset off of either direction's stream.
func streamByte(off int) byte { return byte(off*7 + off>>8 + 13) }

// scriptEvent is one line of the timeline a failing script prints.
type scriptEvent struct {
	at   units.Time
	dir  string // "<" in, ">" out, "#" an application call
	text string
}

// emitted is a packet the host sent, decoded, waiting to be asserted.
type emitted struct {
	at  units.Time
	seg wire.Segment // Payload copied out of the packet
}

type script struct {
	t    *testing.T
	cfg  Config
	pool packet.Pool
	h    *Host
	now  units.Time

	c *Conn
	l *Listener

	hostPort, peerPort uint16
	hostISS            Seq
	hostISSKnown       bool
	peerISS            Seq

	// Timestamp bookkeeping (RFC 7323): the host's clock origin, its
	// latest TSval, and whether segments the script writes carry TS by
	// default.
	hostTSBase  uint32
	hostTSKnown bool
	hostTSLast  uint32
	peerTSOn    bool
	peerTSBase  uint32

	written, readOff int // stream offsets of the application's writes and reads

	pending  []emitted
	asserted int // emitted packets matched so far
	log      []scriptEvent
}

// newScript makes a host with cfg and a peer that will use scriptPeerISS.
// At the end of the test it checks that every packet the host sent was
// asserted and that no packet buffer leaked.
func newScript(t *testing.T, cfg Config) *script {
	t.Helper()
	s := &script{t: t, cfg: cfg, peerISS: scriptPeerISS, peerTSBase: 1_000_000}
	h, err := NewHost(scriptHostAddr, cfg, &s.pool, scriptHostSeed)
	if err != nil {
		t.Fatal(err)
	}
	s.h = h
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		if len(s.pending) > 0 {
			t.Error(s.report("the host sent %d packet(s) the script did not assert", len(s.pending)))
		}
		if s.pool.Outstanding != 0 {
			t.Errorf("%d packet buffers were not returned to the pool", s.pool.Outstanding)
		}
	})
	return s
}

// fail stops the scenario, printing the whole timeline.
func (s *script) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatal(s.report(format, args...))
}

// report is a failure message followed by the timeline.
func (s *script) report(format string, args ...any) string {
	var b strings.Builder
	fmt.Fprintf(&b, format, args...)
	b.WriteString("\ntimeline (< in, > out, # application; relative numbers):\n")
	outs := 0
	for _, e := range s.log {
		fmt.Fprintf(&b, "  %12.6f %s %s", e.at.Seconds(), e.dir, e.text)
		if e.dir == ">" {
			if outs >= s.asserted {
				b.WriteString("   (not asserted)")
			}
			outs++
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (s *script) note(format string, args ...any) {
	s.log = append(s.log, scriptEvent{at: s.now, dir: "#", text: fmt.Sprintf(format, args...)})
}

// drain collects everything the host sends at the current time.
func (s *script) drain() {
	s.t.Helper()
	for i := 0; ; i++ {
		if i == scriptMaxSteps {
			s.fail("the host keeps sending at %v", s.now)
		}
		p := s.h.Output(s.now)
		if p == nil {
			return
		}
		var seg wire.Segment
		err := wire.DecodeSegment(p.Bytes(), &seg)
		if err == nil {
			seg.Payload = append([]byte(nil), seg.Payload...)
		}
		s.pool.Put(p)
		if err != nil {
			s.fail("the host sent an undecodable packet at %v: %v", s.now, err)
		}
		if seg.Src != scriptHostAddr || seg.Dst != scriptPeerAddr || seg.TTL != s.cfg.TTL {
			s.fail("packet at %v from %v to %v ttl %d; want %v to %v ttl %d",
				s.now, seg.Src, seg.Dst, seg.TTL, scriptHostAddr, scriptPeerAddr, s.cfg.TTL)
		}
		if seg.Has(FlagSYN) && !s.hostISSKnown {
			s.hostISS, s.hostISSKnown = seg.Seq, true
		}
		if seg.Opts.HasTimestamps {
			if !s.hostTSKnown {
				s.hostTSBase = seg.Opts.TSVal - uint32(int64(s.now)/int64(units.Millisecond))
				s.hostTSKnown = true
			}
			s.hostTSLast = seg.Opts.TSVal
		}
		e := emitted{at: s.now, seg: seg}
		s.pending = append(s.pending, e)
		s.log = append(s.log, scriptEvent{at: s.now, dir: ">", text: s.format(&e.seg, true)})
	}
}

// at advances virtual time to t, running the host's timers at each of
// their deadlines on the way and collecting what the host sends.
func (s *script) at(t units.Duration) *script {
	s.t.Helper()
	to := units.Time(t)
	if to < s.now {
		s.fail("script goes back in time: at(%v) after %v", to, s.now)
	}
	s.drain()
	for i := 0; ; i++ {
		if i == scriptMaxSteps {
			s.fail("timers keep firing at %v", s.now)
		}
		d := s.h.NextDeadline()
		if d > to {
			break
		}
		s.now = max(s.now, d)
		s.h.OnTimer(s.now)
		s.drain()
	}
	s.now = to
	s.drain()
	return s
}

// in injects a segment from the peer at the current time.
func (s *script) in(text string) *script {
	s.t.Helper()
	sp := s.parse(text)
	if sp.length > packet.Capacity-packet.Headroom-wire.MaxHeaderLen {
		s.fail("segment %q: a payload of %d bytes does not fit a packet", text, sp.length)
	}
	p := s.pool.Get()
	seg := wire.Segment{
		Header: wire.Header{
			Src:     scriptPeerAddr,
			Dst:     scriptHostAddr,
			SrcPort: s.peerPort,
			DstPort: s.hostPort,
			Flags:   sp.flags,
			Window:  65535,
			ECN:     wire.ECNNotECT,
			TTL:     64,
		},
	}
	if sp.hasSeq {
		seg.Seq = s.peerISS.Add(int(sp.seq))
	}
	if sp.hasAck {
		seg.Ack = s.hostISS.Add(int(sp.ack))
	}
	if sp.hasWin {
		seg.Window = uint16(sp.win)
	}
	if sp.ecn >= 0 {
		seg.ECN = uint8(sp.ecn)
	}
	switch {
	case sp.hasOpts:
		o := &sp.opts
		seg.Opts = wire.Options{
			HasMSS: o.hasMSS, MSS: uint16(o.mss),
			HasWScale: o.hasWScale, WScale: uint8(o.wscale),
			SACKPermitted: o.sackOK,
			HasTimestamps: o.hasTS,
			FastOpen:      o.hasFO,
		}
		seg.Opts.FastOpenCookieLen = uint8(copy(seg.Opts.FastOpenCookie[:], o.foCookie))
		if o.hasTS {
			seg.Opts.TSVal = uint32(o.tsVal)
			if o.tsValAny {
				seg.Opts.TSVal = s.peerTSNow()
			}
			seg.Opts.TSEcr = s.hostTSBase + uint32(o.tsEcr)
			if o.tsEcrAny {
				seg.Opts.TSEcr = s.hostTSLast
			}
			if seg.Has(FlagSYN) && !seg.Has(FlagACK) && !o.tsEcrAny && o.tsEcr == 0 {
				// A first SYN has nothing to echo: its TSecr is zero on
				// the wire, not the host's clock origin.
				seg.Opts.TSEcr = 0
			}
		}
		for _, b := range o.sack {
			seg.Opts.SACK[seg.Opts.NumSACK] = wire.SACKBlock{Start: s.hostISS.Add(int(b[0])), End: s.hostISS.Add(int(b[1]))}
			seg.Opts.NumSACK++
		}
		if seg.Has(FlagSYN) && (s.c == nil || !s.c.State().synchronized()) {
			s.peerTSOn = o.hasTS && s.cfg.Timestamps
			if o.hasTS && !o.tsValAny {
				// The peer's clock continues from its SYN's TSval.
				s.peerTSBase = uint32(o.tsVal) - uint32(int64(s.now)/int64(units.Millisecond))
			}
		}
	case s.peerTSOn:
		seg.Opts = wire.Options{HasTimestamps: true, TSVal: s.peerTSNow(), TSEcr: s.hostTSLast}
	}
	payload := wire.ReservePayload(p, sp.length)
	if sp.length > 0 {
		first := int(sp.seq) - 1 // stream offset of the first byte
		if seg.Has(FlagSYN) {
			first++
		}
		for i := range payload {
			payload[i] = streamByte(first + i)
		}
	}
	wire.EncodeSegment(p, &seg)
	seg.Payload = payload
	s.log = append(s.log, scriptEvent{at: s.now, dir: "<", text: s.formatIn(&seg)})
	s.h.Input(s.now, p)
	s.drain()
	return s
}

// peerTSNow is the peer's timestamp clock: milliseconds since the script
// began, from its own origin.
func (s *script) peerTSNow() uint32 {
	return s.peerTSBase + uint32(int64(s.now)/int64(units.Millisecond))
}

// out asserts that the next packet the host sends leaves at exactly t and
// matches the pattern.
func (s *script) out(t units.Duration, pattern string) *script {
	s.t.Helper()
	sp := s.parse(pattern)
	if len(s.pending) == 0 {
		s.at(t)
	}
	if len(s.pending) == 0 {
		s.fail("want %q at %v; nothing was sent", pattern, units.Time(t))
	}
	e := s.pending[0]
	if e.at != units.Time(t) {
		s.fail("want %q at %v; the next packet left at %v: %s", pattern, units.Time(t), e.at, s.format(&e.seg, true))
	}
	if diffs := s.match(&e.seg, &sp); len(diffs) > 0 {
		s.fail("packet at %v: %s\nwant %s\n  %s", e.at, s.format(&e.seg, true), pattern, strings.Join(diffs, "\n  "))
	}
	s.pending = s.pending[1:]
	s.asserted++
	return s
}

// none asserts that nothing more leaves up to and including until.
func (s *script) none(until units.Duration) *script {
	s.t.Helper()
	if units.Time(until) >= s.now {
		s.at(until)
	}
	if len(s.pending) > 0 {
		e := s.pending[0]
		s.fail("want nothing sent up to %v; got at %v: %s", units.Time(until), e.at, s.format(&e.seg, true))
	}
	return s
}

// listen opens a listener on port; the peer's segments come from port 50000.
func (s *script) listen(port uint16) *script {
	s.t.Helper()
	l, err := s.h.Listen(port, 8, scriptCC)
	if err != nil {
		s.fail("listen: %v", err)
	}
	s.l, s.hostPort, s.peerPort = l, port, 50000
	s.note("listen(%d)", port)
	return s
}

// connect starts an active open from port 40000 to the peer's port 80.
func (s *script) connect() *script {
	s.t.Helper()
	c, err := s.h.Connect(s.now, 40000, scriptPeerAddr, 80, scriptCC())
	if err != nil {
		s.fail("connect: %v", err)
	}
	s.c, s.hostPort, s.peerPort = c, 40000, 80
	s.note("connect()")
	s.drain()
	return s
}

func scriptCC() cc.CongestionControl {
	alg, err := cc.New("reno")
	if err != nil {
		panic(err)
	}
	return alg
}

// handshakeActive connects at the current time and completes the
// three-way handshake: the peer's SYN-ACK arrives one scriptRTT later,
// with peerSYN (its window and options, "win 65535 <mss 1000>") after the
// ack field, and the host's ACK leaves at once.
func (s *script) handshakeActive(peerSYN string) *script {
	s.t.Helper()
	t := units.Duration(s.now)
	s.connect()
	s.out(t, "S 0:0(0)")
	s.at(t + scriptRTT).in("S. 0:0(0) ack 1 " + peerSYN)
	s.out(t+scriptRTT, ". 1:1(0) ack 1")
	return s.state(Established)
}

// handshakePassive listens on port 80; the peer's SYN arrives at the
// current time with peerSYN (its window and options) after the range, the
// host answers at once, and the peer's ACK arrives one scriptRTT later with
// the same window. The established connection is accepted.
func (s *script) handshakePassive(peerSYN string) *script {
	s.t.Helper()
	t := units.Duration(s.now)
	s.listen(80)
	s.in("S 0:0(0) " + peerSYN)
	s.out(t, "S. 0:0(0) ack 1")
	win := "win 65535"
	if i := strings.Index(peerSYN, "win "); i >= 0 {
		win = strings.Fields(peerSYN[i:])[0] + " " + strings.Fields(peerSYN[i:])[1]
	}
	s.at(t + scriptRTT).in(". 1:1(0) ack 1 " + win)
	s.accept()
	return s.state(Established)
}

// accept takes the connection from the listener's accept queue.
func (s *script) accept() *script {
	s.t.Helper()
	c := s.l.Accept()
	if c == nil {
		s.fail("accept: no established connection is waiting")
	}
	s.c = c
	s.note("accept()")
	return s
}

// conn finds the host's connection to the peer, before it is accepted.
func (s *script) conn() *Conn {
	s.t.Helper()
	if s.c != nil {
		return s.c
	}
	for _, c := range s.h.Conns() {
		if c.LocalPort() == s.hostPort && c.RemotePort() == s.peerPort {
			s.c = c
			return c
		}
	}
	s.fail("the host has no connection %d to %d", s.hostPort, s.peerPort)
	return nil
}

// write has the application write n more bytes of its stream, all of
// which must fit.
func (s *script) write(n int) *script {
	s.t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = streamByte(s.written + i)
	}
	got, err := s.conn().Write(b)
	s.note("write(%d) = %d, %v", n, got, err)
	if err != nil || got != n {
		s.fail("write(%d) = %d, %v", n, got, err)
	}
	s.written += n
	s.drain()
	return s
}

// read has the application read everything readable, which must be want
// bytes and continue the peer's stream.
func (s *script) read(want int) *script {
	s.t.Helper()
	buf := make([]byte, 1<<20)
	got := 0
	for {
		n, err := s.conn().Read(buf[got:])
		got += n
		if n == 0 || err != nil {
			break
		}
	}
	s.note("read() = %d", got)
	if got != want {
		s.fail("read %d bytes, want %d", got, want)
	}
	s.checkStream(buf[:got])
	return s
}

// readN has the application read exactly n bytes, which must continue
// the peer's stream.
func (s *script) readN(n int) *script {
	s.t.Helper()
	buf := make([]byte, n)
	got, err := s.conn().Read(buf)
	s.note("read(%d) = %d, %v", n, got, err)
	if got != n || err != nil {
		s.fail("read(%d) = %d, %v", n, got, err)
	}
	s.checkStream(buf)
	return s
}

// checkStream verifies bytes just read against the peer's stream and
// advances the read offset.
func (s *script) checkStream(b []byte) {
	s.t.Helper()
	for i, c := range b {
		if w := streamByte(s.readOff + i); c != w {
			s.fail("byte %d of the stream is %#x, want %#x", s.readOff+i, c, w)
		}
	}
	s.readOff += len(b)
	s.drain()
}

// readEOF asserts that the peer's stream has ended and all of it was read.
func (s *script) readEOF() *script {
	s.t.Helper()
	n, err := s.conn().Read(make([]byte, 1))
	s.note("read() = %d, %v", n, err)
	if n != 0 || !errors.Is(err, io.EOF) {
		s.fail("read() = %d, %v; want 0, EOF", n, err)
	}
	return s
}

// close has the application close the connection.
func (s *script) close() *script {
	s.t.Helper()
	s.conn().Close()
	s.note("close() -> %v", s.c.State())
	s.drain()
	return s
}

// shutdown half-closes: a FIN, while the application keeps reading.
func (s *script) shutdown() *script {
	s.t.Helper()
	s.conn().CloseWrite()
	s.note("shutdown(SHUT_WR) -> %v", s.c.State())
	s.drain()
	return s
}

// state asserts the connection's state.
func (s *script) state(want State) *script {
	s.t.Helper()
	if got := s.conn().State(); got != want {
		s.fail("state %v, want %v", got, want)
	}
	return s
}

// err asserts the error the connection reports to its application.
func (s *script) err(want error) *script {
	s.t.Helper()
	if got := s.conn().Err(); got != want {
		s.fail("connection error %v, want %v", got, want)
	}
	return s
}

// segSpec is a parsed segment in packetdrill notation.
type segSpec struct {
	text    string
	flags   uint8
	hasSeq  bool
	seq     int64
	length  int
	hasAck  bool
	ack     int64
	hasWin  bool
	win     int
	hasOpts bool
	opts    optSpec
	ecn     int // -1 when not written
}

type optSpec struct {
	hasMSS, mssAny       bool
	mss                  int
	hasWScale, wscaleAny bool
	wscale               int
	sackOK               bool
	hasTS                bool
	tsVal, tsEcr         int64
	tsValAny, tsEcrAny   bool
	hasSACK              bool
	sack                 [][2]int64
	// Fast Open: FO alone is a cookie request, FO followed by hex digits
	// a cookie, FO * any cookie.
	hasFO, foAny bool
	foCookie     []byte
}

var flagLetters = []struct {
	c    byte
	flag uint8
}{{'S', FlagSYN}, {'F', FlagFIN}, {'R', FlagRST}, {'P', FlagPSH}, {'.', FlagACK}, {'U', FlagURG}, {'E', FlagECE}, {'W', FlagCWR}}

var ecnNames = []string{"noecn", "ect1", "ect0", "ce"}

// parse reads a segment in the notation described at the top of the file;
// a syntax error fails the test at once.
func (s *script) parse(text string) segSpec {
	s.t.Helper()
	sp := segSpec{text: text, ecn: -1}
	bad := func(format string, args ...any) {
		s.t.Helper()
		s.fail("segment %q: %s", text, fmt.Sprintf(format, args...))
	}
	rest := text
	if i := strings.IndexByte(rest, '['); i >= 0 {
		j := strings.IndexByte(rest, ']')
		if j < i {
			bad("unclosed [")
		}
		name := rest[i+1 : j]
		sp.ecn = -1
		for k, n := range ecnNames {
			if n == name {
				sp.ecn = k
			}
		}
		if sp.ecn < 0 {
			bad("unknown ECN codepoint %q", name)
		}
		rest = rest[:i] + rest[j+1:]
	}
	if i := strings.IndexByte(rest, '<'); i >= 0 {
		j := strings.LastIndexByte(rest, '>')
		if j < i {
			bad("unclosed <")
		}
		sp.hasOpts = true
		if err := parseOpts(rest[i+1:j], &sp.opts); err != nil {
			bad("%v", err)
		}
		rest = rest[:i] + rest[j+1:]
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		bad("no flags")
	}
	for i := 0; i < len(f[0]); i++ {
		ok := false
		for _, fl := range flagLetters {
			if f[0][i] == fl.c {
				sp.flags |= fl.flag
				ok = true
			}
		}
		if !ok {
			bad("unknown flag %q", f[0][i])
		}
	}
	f = f[1:]
	if len(f) > 0 && strings.Contains(f[0], ":") {
		var end int64
		if _, err := fmt.Sscanf(f[0], "%d:%d(%d)", &sp.seq, &end, &sp.length); err != nil {
			bad("range %q: %v", f[0], err)
		}
		if end-sp.seq != int64(sp.length) {
			bad("range %q: end minus start is not the length", f[0])
		}
		sp.hasSeq = true
		f = f[1:]
	}
	for len(f) > 0 {
		if len(f) < 2 {
			bad("%q needs a value", f[0])
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			bad("%s %q: %v", f[0], f[1], err)
		}
		switch f[0] {
		case "ack":
			sp.hasAck, sp.ack = true, v
		case "win":
			sp.hasWin, sp.win = true, int(v)
		default:
			bad("unknown field %q", f[0])
		}
		f = f[2:]
	}
	return sp
}

// parseOpts reads a comma-separated option list.
func parseOpts(text string, o *optSpec) error {
	num := func(w string) (int64, bool, error) {
		if w == "*" {
			return 0, true, nil
		}
		v, err := strconv.ParseInt(w, 10, 64)
		return v, false, err
	}
	for _, item := range strings.Split(text, ",") {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		var err error
		switch f[0] {
		case "nop", "eol":
		case "sackOK":
			o.sackOK = true
		case "mss":
			if len(f) != 2 {
				return fmt.Errorf("mss needs one value")
			}
			o.hasMSS = true
			v, a, e := num(f[1])
			o.mss, o.mssAny, err = int(v), a, e
		case "wscale":
			if len(f) != 2 {
				return fmt.Errorf("wscale needs one value")
			}
			o.hasWScale = true
			v, a, e := num(f[1])
			o.wscale, o.wscaleAny, err = int(v), a, e
		case "TS":
			if len(f) != 5 || f[1] != "val" || f[3] != "ecr" {
				return fmt.Errorf("TS is written TS val V ecr E")
			}
			o.hasTS = true
			if o.tsVal, o.tsValAny, err = num(f[2]); err == nil {
				o.tsEcr, o.tsEcrAny, err = num(f[4])
			}
		case "FO":
			o.hasFO = true
			switch {
			case len(f) == 2 && f[1] == "*":
				o.foAny = true
			case len(f) == 2:
				o.foCookie, err = hex.DecodeString(f[1])
			case len(f) > 2:
				return fmt.Errorf("FO takes at most one cookie")
			}
		case "sack":
			o.hasSACK = true
			for _, b := range f[1:] {
				var blk [2]int64
				if _, e := fmt.Sscanf(b, "%d:%d", &blk[0], &blk[1]); e != nil {
					return fmt.Errorf("sack block %q: %v", b, e)
				}
				o.sack = append(o.sack, blk)
			}
		default:
			return fmt.Errorf("unknown option %q", f[0])
		}
		if err != nil {
			return fmt.Errorf("%s: %v", item, err)
		}
	}
	return nil
}

// match compares an emitted segment with a pattern and lists the
// differences.
func (s *script) match(seg *wire.Segment, sp *segSpec) []string {
	var d []string
	if seg.SrcPort != s.hostPort || seg.DstPort != s.peerPort {
		d = append(d, fmt.Sprintf("ports %d>%d, want %d>%d", seg.SrcPort, seg.DstPort, s.hostPort, s.peerPort))
	}
	if seg.Flags != sp.flags {
		d = append(d, fmt.Sprintf("flags %s, want %s", flagString(seg.Flags), flagString(sp.flags)))
	}
	seq := int64(int32(seg.Seq - s.hostISS))
	if sp.hasSeq && (seq != sp.seq || len(seg.Payload) != sp.length) {
		d = append(d, fmt.Sprintf("range %d:%d(%d), want %d:%d(%d)", seq, seq+int64(len(seg.Payload)), len(seg.Payload), sp.seq, sp.seq+int64(sp.length), sp.length))
	}
	if sp.hasAck {
		if ack := int64(int32(seg.Ack - s.peerISS)); ack != sp.ack {
			d = append(d, fmt.Sprintf("ack %d, want %d", ack, sp.ack))
		}
	}
	if sp.hasWin && int(seg.Window) != sp.win {
		d = append(d, fmt.Sprintf("win %d, want %d", seg.Window, sp.win))
	}
	if sp.ecn >= 0 && int(seg.ECN) != sp.ecn {
		d = append(d, fmt.Sprintf("ECN [%s], want [%s]", ecnNames[seg.ECN&3], ecnNames[sp.ecn]))
	}
	if sp.hasOpts {
		d = append(d, s.matchOpts(&seg.Opts, &sp.opts)...)
	}
	// The payload must be the application's bytes at that offset.
	first := int(seq) - 1
	if seg.Has(FlagSYN) {
		first++
	}
	for i, b := range seg.Payload {
		if w := streamByte(first + i); b != w {
			d = append(d, fmt.Sprintf("payload byte %d is %#x, want %#x (stream offset %d)", i, b, w, first+i))
			break
		}
	}
	return d
}

func (s *script) matchOpts(o *wire.Options, w *optSpec) []string {
	var d []string
	presence := func(name string, got, want bool) bool {
		if got != want {
			d = append(d, fmt.Sprintf("option %s present %v, want %v", name, got, want))
		}
		return got && want
	}
	if presence("mss", o.HasMSS, w.hasMSS) && !w.mssAny && int(o.MSS) != w.mss {
		d = append(d, fmt.Sprintf("mss %d, want %d", o.MSS, w.mss))
	}
	if presence("wscale", o.HasWScale, w.hasWScale) && !w.wscaleAny && int(o.WScale) != w.wscale {
		d = append(d, fmt.Sprintf("wscale %d, want %d", o.WScale, w.wscale))
	}
	presence("sackOK", o.SACKPermitted, w.sackOK)
	if presence("TS", o.HasTimestamps, w.hasTS) {
		if val := int64(int32(o.TSVal - s.hostTSBase)); !w.tsValAny && val != w.tsVal {
			d = append(d, fmt.Sprintf("TS val %d, want %d", val, w.tsVal))
		}
		if !w.tsEcrAny && int64(o.TSEcr) != w.tsEcr {
			d = append(d, fmt.Sprintf("TS ecr %d, want %d", o.TSEcr, w.tsEcr))
		}
	}
	if presence("FO", o.FastOpen, w.hasFO) {
		got := o.FastOpenCookie[:o.FastOpenCookieLen]
		if w.foAny && len(got) == 0 || !w.foAny && !bytes.Equal(got, w.foCookie) {
			d = append(d, fmt.Sprintf("FO cookie %x, want %x", got, w.foCookie))
		}
	}
	if presence("sack", o.NumSACK > 0, w.hasSACK) {
		got := s.sackString(o)
		var want []string
		for _, b := range w.sack {
			want = append(want, fmt.Sprintf("%d:%d", b[0], b[1]))
		}
		if got != strings.Join(want, " ") {
			d = append(d, fmt.Sprintf("sack %s, want %s", got, strings.Join(want, " ")))
		}
	}
	return d
}

func (s *script) sackString(o *wire.Options) string {
	var b []string
	for _, blk := range o.SACK[:o.NumSACK] {
		b = append(b, fmt.Sprintf("%d:%d", int32(blk.Start-s.peerISS), int32(blk.End-s.peerISS)))
	}
	return strings.Join(b, " ")
}

func flagString(f uint8) string {
	var b []byte
	for _, fl := range flagLetters {
		if f&fl.flag != 0 {
			b = append(b, fl.c)
		}
	}
	return string(b)
}

// format writes an emitted segment in the script's notation.
func (s *script) format(seg *wire.Segment, fromHost bool) string {
	iss, peer := s.hostISS, s.peerISS
	if !fromHost {
		iss, peer = peer, iss
	}
	seq := int32(seg.Seq - iss)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d:%d(%d)", flagString(seg.Flags), seq, int64(seq)+int64(len(seg.Payload)), len(seg.Payload))
	if seg.Has(FlagACK) {
		fmt.Fprintf(&b, " ack %d", int32(seg.Ack-peer))
	}
	fmt.Fprintf(&b, " win %d", seg.Window)
	o := &seg.Opts
	var opts []string
	if o.HasMSS {
		opts = append(opts, fmt.Sprintf("mss %d", o.MSS))
	}
	if o.SACKPermitted {
		opts = append(opts, "sackOK")
	}
	if o.HasTimestamps {
		if fromHost {
			opts = append(opts, fmt.Sprintf("TS val %d ecr %d", int32(o.TSVal-s.hostTSBase), o.TSEcr))
		} else {
			opts = append(opts, fmt.Sprintf("TS val %d ecr %d", o.TSVal, int32(o.TSEcr-s.hostTSBase)))
		}
	}
	if o.HasWScale {
		opts = append(opts, fmt.Sprintf("wscale %d", o.WScale))
	}
	if o.NumSACK > 0 {
		if fromHost {
			opts = append(opts, "sack "+s.sackString(o))
		} else {
			var bl []string
			for _, blk := range o.SACK[:o.NumSACK] {
				bl = append(bl, fmt.Sprintf("%d:%d", int32(blk.Start-s.hostISS), int32(blk.End-s.hostISS)))
			}
			opts = append(opts, "sack "+strings.Join(bl, " "))
		}
	}
	if o.FastOpen {
		opts = append(opts, strings.TrimSpace(fmt.Sprintf("FO %x", o.FastOpenCookie[:o.FastOpenCookieLen])))
	}
	if len(opts) > 0 {
		fmt.Fprintf(&b, " <%s>", strings.Join(opts, ","))
	}
	if seg.ECN != wire.ECNNotECT {
		fmt.Fprintf(&b, " [%s]", ecnNames[seg.ECN&3])
	}
	if seg.SrcPort != s.hostPort && seg.SrcPort != s.peerPort || seg.DstPort != s.hostPort && seg.DstPort != s.peerPort {
		fmt.Fprintf(&b, " (ports %d>%d)", seg.SrcPort, seg.DstPort)
	}
	return b.String()
}

func (s *script) formatIn(seg *wire.Segment) string { return s.format(seg, false) }

// segf formats a segment, for scenarios that compute their numbers.
func segf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// gsoFlags is the flags of the i-th (from 0) of a run of full segments
// that leave as GSO packets of two segments each, as Linux sends them at
// these rates: PSH on every second one (push.go).
func gsoFlags(i int) string {
	if i%2 == 1 {
		return "P."
	}
	return "."
}

// gsoEvery is the flags of the i-th (from 0) of a run of full segments
// that leave as GSO packets of n segments each (push.go): PSH on the last
// of each packet.
func gsoEvery(i, n int) string {
	if i%n == n-1 {
		return "P."
	}
	return "."
}
