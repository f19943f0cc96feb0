package stack

import (
	"math/bits"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// SYN cookies (RFC 4987 §3.6; Linux's net/ipv4/syncookies.c). A listener
// whose SYN queue is full answers a SYN without keeping any state: the
// initial sequence number of its SYN-ACK is a cookie that authenticates the
// 4-tuple, the client's ISN and a coarse clock, and carries the client's MSS
// rounded down to one of four values. The client's ACK brings it back as
// SEG.ACK−1; if it checks out, the connection is created then, already
// established, and joins the accept queue (listener.go).
//
// The 32-bit cookie, most significant bit first:
//
//	| 31 ........................ 3 |       2        |    1 0    |
//	|  MAC: 29 bits of SipHash-2-4  | counter parity | MSS index |
//
// The MAC is keyed with a per-host secret drawn from the host's seeded
// generator and covers the local and remote addresses and ports, the
// client's ISN, the counter and the MSS index. The counter is the time in
// 60-second periods (Linux's TCP_SYNCOOKIE_PERIOD; RFC 4987 suggests 64 s).
// Only its parity travels: the check takes the current counter if the
// parity matches it and the previous one otherwise, so a cookie is good for
// the rest of its own period and the whole next one (60 to 120 s, Linux's
// MAX_SYNCOOKIE_AGE of 2) and an older one fails its MAC. A forged ACK
// passes with probability 2⁻²⁹ per guess; Linux's layout, a 24-bit hash
// that must decode to one of four values, gives 2⁻²².
//
// Everything else a SYN offers would be lost, so, as Linux's
// cookie_init_timestamp does, a cookie SYN-ACK to a SYN that offers
// timestamps carries the rest in the low six bits of its TSval, which the
// client echoes in the TSecr of its ACK:
//
//	| 31 ... 6 |  5  |  4   |  3 2 1 0                          |
//	|  clock   | ECN | SACK | window-scale shift, 0xf for none  |
//
// TSval is the timestamp clock rounded down to carry them, never ahead of
// the clock the connection then keeps, and the clock's offset is a keyed
// hash of the address pair (Linux's secure_tcp_ts_off), so the listener can
// recompute it from the ACK alone.
//
// Without timestamps, Linux's SYN-ACK offers only the MSS (tcp_conn_request
// clears the other options), and so does ours: a connection made from such a
// cookie has no window scaling, so neither side can advertise more than
// 65535 bytes; no SACK, so loss recovery is NewReno's; and no ECN. In every
// case the MSS is the largest of cookieMSS not above the client's, or 536.

// synCookies reports whether listeners answer with SYN cookies at all.
func (c *Config) synCookies() bool { return c.SYNCookies || c.SYNCookiesAlways }

// cookiePeriod is how often the cookie counter advances.
const cookiePeriod = 60 * units.Second

// cookieMSS are the MSS values a cookie can carry: Linux's msstab, chosen
// from the MSS distribution measured by Alcock and Nelson ("An Analysis of
// TCP Maximum Segment Sizes", 2011): 1460 is the most common, 1440 and
// 1452 are PPPoE's, 1300-1349 a sixth of all, and below 536 almost none.
var cookieMSS = [4]uint16{536, 1300, 1440, 1460}

// Low bits of a cookie SYN-ACK's TSval.
const (
	tsOptWScale = 0xf // the window-scale shift the SYN offered; 0xf: none
	tsOptSACK   = 1 << 4
	tsOptECN    = 1 << 5
	tsOptBits   = 6
)

// cookieOptions are what a SYN negotiated, as a cookie carries them.
type cookieOptions struct {
	mssIndex   uint32
	timestamps bool
	wscaleOK   bool
	wscale     uint8 // the client's shift, valid when wscaleOK
	sackOK     bool
	ecnOK      bool
}

// cookieSecret is a host's key for cookies and timestamp offsets.
type cookieSecret struct{ k0, k1 uint64 }

// sendCookie answers a SYN with a cookie SYN-ACK and keeps no state.
func (l *Listener) sendCookie(now units.Time, id fourTuple, s *wire.Segment) {
	h := l.host
	cfg := &h.cfg
	if !l.overflowed || now.Sub(l.lastOverflow) > units.Second {
		// Linux refreshes the overflow time at most once a second.
		l.lastOverflow, l.overflowed = now, true
	}
	peerMSS := 536
	if s.Opts.HasMSS && s.Opts.MSS > 0 {
		peerMSS = int(s.Opts.MSS)
	}
	o := cookieOptions{mssIndex: mssIndex(peerMSS)}
	r := ctlSegment{
		id:    id,
		seq:   h.cookies.cookie(id, s.Seq, o.mssIndex, now),
		ack:   s.Seq.Add(1),
		flags: FlagSYN | FlagACK,
		opts:  wire.Options{HasMSS: true, MSS: uint16(cfg.MSS)},
	}
	if cfg.Timestamps && s.Opts.HasTimestamps {
		o.timestamps = true
		o.wscaleOK = cfg.WindowScaling && s.Opts.HasWScale
		o.wscale = min(s.Opts.WScale, maxWindowShift)
		o.sackOK = cfg.SACK && s.Opts.SACKPermitted
		o.ecnOK = cfg.ECN && s.Has(FlagECE|FlagCWR)
		off := h.cookies.tsOffset(id.localAddr, id.remoteAddr)
		r.opts.HasTimestamps = true
		r.opts.TSVal = cookieTSval(tsClock(now), &o) + off
		r.opts.TSEcr = s.Opts.TSVal
		if o.wscaleOK {
			r.opts.HasWScale, r.opts.WScale = true, cfg.windowShift()
		}
		r.opts.SACKPermitted = o.sackOK
		if o.ecnOK {
			r.flags |= FlagECE
		}
	}
	// The same window as any SYN-ACK (tcp_openreq_init_rwin).
	winMSS := cfg.MSS
	if o.timestamps {
		winMSS -= 12
	}
	r.win = uint16(cfg.synWindow(winMSS))
	if h.queueControl(&r) {
		l.stats.CookiesSent++
	}
}

// cookieACK handles an ACK for no connection as the third segment of a
// cookie handshake. It returns false if the ACK is not one, so that it
// draws a RST.
func (l *Listener) cookieACK(now units.Time, id fourTuple, s *wire.Segment) bool {
	h := l.host
	cfg := &h.cfg
	if !cfg.synCookies() || !l.overflowed || now.Sub(l.lastOverflow) > 2*cookiePeriod {
		return false
	}
	iss, irs := s.Ack.Add(-1), s.Seq.Add(-1)
	idx, ok := h.cookies.check(id, irs, iss, now)
	if !ok {
		l.stats.CookiesFailed++
		return false
	}
	o := cookieOptions{mssIndex: idx}
	off := h.cookies.tsOffset(id.localAddr, id.remoteAddr)
	if s.Opts.HasTimestamps {
		decodeCookieTS(s.Opts.TSEcr-off, &o)
		// Options we would never have offered mean the echo is not ours
		// (Linux's cookie_timestamp_decode).
		if !cfg.Timestamps || o.sackOK && !cfg.SACK || o.wscaleOK && !cfg.WindowScaling {
			l.stats.CookiesFailed++
			return false
		}
		o.ecnOK = o.ecnOK && cfg.ECN
	}
	l.stats.CookiesAccepted++
	if l.acceptQueueFull() {
		l.stats.AcceptOverflows++
		return true
	}
	c := l.newHalfOpen(id, iss)
	c.restoreFromCookie(irs, &o)
	if c.tsOK {
		c.tsRecent = s.Opts.TSVal
	}
	h.add(c)
	c.input(now, s)
	if c.state == SynReceived {
		// The ACK was checked above, so the connection cannot refuse it;
		// should it ever, it must not linger outside the SYN queue.
		c.terminate(ErrClosed)
	}
	return true
}

// restoreFromCookie puts a connection made from a cookie in the state the
// client's SYN, whose ISN was irs, and our SYN-ACK would have left it in.
func (c *Conn) restoreFromCookie(irs Seq, o *cookieOptions) {
	cfg := c.cfg
	c.irs = irs
	c.rcvBuf.nxt = irs.Add(1)
	c.rcvWup = c.rcvBuf.nxt
	// cookie_v4_check redoes tcp_select_initial_window with the MSS the
	// cookie encodes.
	c.rcvAdv = c.rcvBuf.nxt.Add(cfg.synWindow(int(cookieMSS[o.mssIndex])))
	c.sndNxt, c.sndMax = c.iss.Add(1), c.iss.Add(1)
	c.sndWl1, c.sndWl2 = irs, c.iss
	c.sndMSS = min(int(cookieMSS[o.mssIndex]), cfg.MSS)
	if o.wscaleOK {
		c.sndShift, c.rcvShift = o.wscale, cfg.windowShift()
	}
	c.tsOK, c.ecnOK = o.timestamps, o.ecnOK
	c.setSACKOK(o.sackOK)
	if c.tsOK {
		c.sndMSS -= 12
	}
	c.initRcvWindow(c.rcvAdv.Sub(c.rcvWup), cfg.MSS)
}

// mssIndex is the index of the largest cookieMSS entry not above mss, or 0.
func mssIndex(mss int) uint32 {
	for i := len(cookieMSS) - 1; i > 0; i-- {
		if mss >= int(cookieMSS[i]) {
			return uint32(i)
		}
	}
	return 0
}

func cookieCounter(now units.Time) uint64 { return uint64(now / units.Time(cookiePeriod)) }

func (k *cookieSecret) mac(id fourTuple, peerISN Seq, counter uint64, mssIdx uint32) uint32 {
	m0 := uint64(id.localAddr.Uint32())<<32 | uint64(id.remoteAddr.Uint32())
	m1 := uint64(id.localPort)<<48 | uint64(id.remotePort)<<32 | uint64(peerISN)
	m2 := counter<<2 | uint64(mssIdx)
	return uint32(sipHash24(k.k0, k.k1, m0, m1, m2) >> 32)
}

// cookie is the ISN of a SYN-ACK answering a SYN from id's remote end with
// ISN peerISN, at time now.
func (k *cookieSecret) cookie(id fourTuple, peerISN Seq, mssIdx uint32, now units.Time) Seq {
	n := cookieCounter(now)
	return Seq(k.mac(id, peerISN, n, mssIdx)&^7 | uint32(n&1)<<2 | mssIdx)
}

// check validates cookie, the ACK number minus one of an ACK from id's
// remote end whose SYN had ISN peerISN, and returns the MSS index it
// carries.
func (k *cookieSecret) check(id fourTuple, peerISN, cookie Seq, now units.Time) (mssIdx uint32, ok bool) {
	n := cookieCounter(now)
	if uint64(cookie>>2)&1 != n&1 {
		if n == 0 {
			return 0, false
		}
		n--
	}
	mssIdx = uint32(cookie) & 3
	if k.mac(id, peerISN, n, mssIdx)&^7 != uint32(cookie)&^7 {
		return 0, false
	}
	return mssIdx, true
}

// tsOffset is the offset of the timestamp clock of every connection
// between local and remote.
func (k *cookieSecret) tsOffset(local, remote wire.Addr) uint32 {
	m0 := uint64(local.Uint32())<<32 | uint64(remote.Uint32())
	// One word, where a cookie's MAC hashes three: SipHash's length byte
	// keeps the two uses of the key apart.
	return uint32(sipHash24(k.k0, k.k1, m0))
}

// cookieTSval is the TSval of a cookie SYN-ACK: clock, the connection's
// timestamp clock without its offset, rounded down to carry o.
func cookieTSval(clock uint32, o *cookieOptions) uint32 {
	var opts uint32 = tsOptWScale
	if o.wscaleOK {
		opts = uint32(o.wscale)
	}
	if o.sackOK {
		opts |= tsOptSACK
	}
	if o.ecnOK {
		opts |= tsOptECN
	}
	ts := clock&^(1<<tsOptBits-1) | opts
	if int32(ts-clock) > 0 {
		ts -= 1 << tsOptBits
	}
	return ts
}

// decodeCookieTS recovers the options a cookie SYN-ACK put in its TSval
// from the TSecr of the ACK, with the timestamp offset removed.
func decodeCookieTS(tsecr uint32, o *cookieOptions) {
	o.timestamps = true
	o.sackOK = tsecr&tsOptSACK != 0
	o.ecnOK = tsecr&tsOptECN != 0
	if w := tsecr & tsOptWScale; w != tsOptWScale {
		o.wscaleOK, o.wscale = true, uint8(w)
	}
}

// sipHash24 is SipHash-2-4 (Aumasson and Bernstein, 2012) of the message
// made of the words m, each taken as eight little-endian bytes.
func sipHash24(k0, k1 uint64, m ...uint64) uint64 {
	s := newSipState(k0, k1)
	for _, w := range m {
		s.compress(w)
	}
	return s.finish(uint64(len(m)*8) << 56)
}

// sipState is SipHash's internal state.
type sipState struct{ v0, v1, v2, v3 uint64 }

func newSipState(k0, k1 uint64) sipState {
	return sipState{
		v0: k0 ^ 0x736f6d6570736575,
		v1: k1 ^ 0x646f72616e646f6d,
		v2: k0 ^ 0x6c7967656e657261,
		v3: k1 ^ 0x7465646279746573,
	}
}

func (s *sipState) round() {
	s.v0 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 13) ^ s.v0
	s.v0 = bits.RotateLeft64(s.v0, 32)
	s.v2 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 16) ^ s.v2
	s.v0 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 21) ^ s.v0
	s.v2 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 17) ^ s.v2
	s.v2 = bits.RotateLeft64(s.v2, 32)
}

// compress absorbs one 8-byte block with two rounds (the "2" of 2-4).
func (s *sipState) compress(m uint64) {
	s.v3 ^= m
	s.round()
	s.round()
	s.v0 ^= m
}

// finish absorbs the last block, which holds the message length in its top
// byte and any trailing bytes below, and runs the four final rounds.
func (s *sipState) finish(last uint64) uint64 {
	s.compress(last)
	s.v2 ^= 0xff
	s.round()
	s.round()
	s.round()
	s.round()
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

// tsClock is the timestamp clock before its offset: milliseconds, like
// Linux's (RFC 7323 §5.4 allows 1 ms to 1 s per tick).
func tsClock(now units.Time) uint32 { return uint32(int64(now) / int64(units.Millisecond)) }
