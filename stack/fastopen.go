package stack

import (
	"encoding/binary"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// TCP Fast Open (RFC 7413), after Linux's net/ipv4/tcp_fastopen.c with
// net.ipv4.tcp_fastopen = 3: both roles are on when Config.FastOpen is set.
//
// A server grants a client a cookie, a MAC of the client's address, on a
// SYN-ACK when the client asks with an empty option on its SYN. On a later
// connection the client puts the cookie and its first data on the SYN; a
// server that finds the cookie valid creates the connection at once, hands
// the SYN's data to the application and acknowledges it on the SYN-ACK, so
// a request reaches the server's application one round trip earlier than
// with a three-way handshake.
//
// Server (Listener.onSYN, tcp_try_fastopen):
//
//   - An empty option: a normal half-open connection whose SYN-ACK carries
//     a cookie (FastOpenCookieRequests).
//   - A valid cookie: the connection is created in SYN-RECEIVED with its
//     buffers, any data on the SYN is received, and it goes straight to the
//     accept queue, counting against the backlog, as Linux's fastopen child
//     does (FastOpenAccepted). The application can read the SYN's data and
//     write an answer before the handshake completes; the answer leaves
//     right after the SYN-ACK, within the initial window, which RFC 7413
//     §4.2.2 allows and Linux does.
//   - An invalid cookie: a normal handshake that ignores the SYN's data,
//     which the client sends again after it, and whose SYN-ACK carries a
//     valid cookie (FastOpenBadCookie; Linux's TCPFastOpenPassiveFail).
//   - With Config.FastOpenNoCookie (Linux's 0x200), any SYN that carries
//     data or the option is taken as one with a valid cookie, and no
//     cookie is granted.
//   - When the SYN queue is full and a SYN cookie answers (syncookie.go),
//     Fast Open is not attempted: the data is ignored and no cookie granted,
//     as in Linux, whose tcp_conn_request skips tcp_try_fastopen then.
//
// Client (Conn.sendSYN, tcp_send_syn_data; Conn.inputSynSent,
// tcp_rcv_fastopen_synack):
//
//   - Without a cached cookie for the server's address, the SYN carries an
//     empty option. A cookie on the SYN-ACK is cached with the server's MSS.
//   - With one, the SYN carries the cookie and as much of the data already
//     written as fits a segment of the cached MSS (536 when unknown) less
//     the SYN's options. A SYN-ACK that acknowledges the data ends the
//     matter; one that acknowledges only the SYN leaves the data to be sent
//     again as soon as the connection is established (RFC 7413 §4.2.2).
//   - A SYN that times out is resent plain, without data or cookie, as
//     Linux's retransmission of the SYN alone does; the data follows the
//     handshake. Linux also marks the destination as dropping SYNs with
//     data for a while (tcp_fastopen_cache_set's syn_loss); that penalty is
//     not modelled.
//
// The cookie is the first 8 bytes of SipHash-2-4, keyed with the host's
// SYN-cookie secret, over the client's and the server's addresses (Linux
// enciphers the same pair with AES). It hashes two words, where the other
// uses of the key hash one or three, so SipHash's length byte keeps their
// outputs apart. It never expires: Linux rotates its key only when told to.

// fastOpenCookieLen is the length of the cookies a server grants: 8 bytes,
// Linux's TCP_FASTOPEN_COOKIE_SIZE.
const fastOpenCookieLen = 8

// fastOpenCacheSize bounds the client's cookie cache. Linux keeps cookies
// in its TCP metrics cache, whose size depends on memory; 1024 servers is
// more than any experiment talks to.
const fastOpenCacheSize = 1024

// fastOpenDefaultMSS is the MSS assumed for a server whose MSS the cache
// does not know (RFC 9293 §3.7.1's default).
const fastOpenDefaultMSS = 536

// maxOptionSpace is the most TCP options a header can carry (Linux's
// MAX_TCP_OPTION_SPACE).
const maxOptionSpace = 40

// fastOpenDomain separates the Fast Open cookie from the key's other uses.
const fastOpenDomain = 0x7466_6f63_6f6f_6b69 // "tfocooki"

// tfoState is a connection's part in Fast Open.
type tfoState struct {
	// synOption is set when our SYN carried the option, a cookie or a
	// request: only then is a cookie on the SYN-ACK taken (Linux ignores
	// an unsolicited one).
	synOption bool
	// synData is how many bytes of data our SYN carried (client) or the
	// peer's SYN brought with a valid cookie (server).
	synData int
	// accepted is set when the SYN's data was acknowledged by the SYN-ACK
	// (client) or received with a valid cookie (server).
	accepted bool
	// child marks a server connection made from a valid cookie: it sits in
	// the accept queue while still in SYN-RECEIVED, and may send data.
	child bool
	// grantCookie makes our SYN-ACK carry a fresh cookie.
	grantCookie bool
}

// fastOpenEntry is what a client remembers about a server.
type fastOpenEntry struct {
	cookieLen uint8
	cookie    [wire.MaxFastOpenCookieLen]byte
	mss       uint16 // the server's MSS option, 0 if unknown
}

// fastOpenCache maps server addresses to their cookies. When full, the
// oldest entry is replaced (first in, first out).
type fastOpenCache struct {
	entries map[wire.Addr]fastOpenEntry
	order   []wire.Addr // fastOpenCacheSize slots, made on the first put
	next    int         // oldest entry's slot in order once full
}

func (fc *fastOpenCache) get(server wire.Addr) (fastOpenEntry, bool) {
	e, ok := fc.entries[server]
	return e, ok
}

// put records e for server, evicting the oldest entry if the cache is full.
func (fc *fastOpenCache) put(server wire.Addr, e fastOpenEntry) {
	if fc.entries == nil {
		fc.entries = make(map[wire.Addr]fastOpenEntry)
		fc.order = make([]wire.Addr, fastOpenCacheSize)
	}
	if _, ok := fc.entries[server]; !ok {
		if len(fc.entries) == fastOpenCacheSize {
			delete(fc.entries, fc.order[fc.next])
		}
		fc.order[fc.next] = server
		fc.next = (fc.next + 1) % fastOpenCacheSize
	}
	fc.entries[server] = e
}

// FastOpenCookie returns the cookie the host holds for server, as a
// client, or nil.
func (h *Host) FastOpenCookie(server wire.Addr) []byte {
	e, ok := h.tfoCache.get(server)
	if !ok || e.cookieLen == 0 {
		return nil
	}
	return append([]byte(nil), e.cookie[:e.cookieLen]...)
}

// fastOpenCookie is the cookie this host grants to client, as a server.
func (h *Host) fastOpenCookie(client wire.Addr) [fastOpenCookieLen]byte {
	m0 := uint64(client.Uint32())<<32 | uint64(h.addr.Uint32())
	var c [fastOpenCookieLen]byte
	binary.BigEndian.PutUint64(c[:], sipHash24(h.cookies.k0, h.cookies.k1, m0, fastOpenDomain))
	return c
}

// validFastOpenCookie reports whether o carries the cookie this host
// grants to client.
func (h *Host) validFastOpenCookie(client wire.Addr, o *wire.Options) bool {
	want := h.fastOpenCookie(client)
	return o.FastOpenCookieLen == fastOpenCookieLen && [fastOpenCookieLen]byte(o.FastOpenCookie[:fastOpenCookieLen]) == want
}

// addFastOpenCookie puts the cookie this host grants to client on a
// SYN-ACK's options.
func (h *Host) addFastOpenCookie(client wire.Addr, o *wire.Options) {
	c := h.fastOpenCookie(client)
	o.FastOpen, o.FastOpenCookieLen = true, fastOpenCookieLen
	o.FastOpenCookie = [wire.MaxFastOpenCookieLen]byte{}
	copy(o.FastOpenCookie[:], c[:])
}

// fastOpenSYN completes the options of our first SYN and returns how many
// bytes of written data it carries. Only the first transmission tries
// Fast Open; a retransmitted SYN is plain.
func (c *Conn) fastOpenSYN(o *wire.Options) int {
	if !c.cfg.FastOpen || c.stats.Timeouts > 0 {
		return 0
	}
	c.tfo.synOption = true
	o.FastOpen = true
	e, ok := c.host.tfoCache.get(c.id.remoteAddr)
	if !ok || e.cookieLen == 0 {
		return 0 // a cookie request
	}
	o.FastOpenCookieLen = e.cookieLen
	o.FastOpenCookie = e.cookie
	c.tfo.synData = max(min(c.sndBuf.n, c.synDataRoom(e)), 0)
	return c.tfo.synData
}

// synDataRoom is how much data a Fast Open SYN may carry with cache entry
// e. Like Linux's tcp_send_syn_data, it leaves room for the largest option
// space (40 bytes, MAX_TCP_OPTION_SPACE) whatever the SYN's own options
// take, for middleboxes that add options: 1420 bytes at an MSS of 1460.
func (c *Conn) synDataRoom(e fastOpenEntry) int {
	mss := fastOpenDefaultMSS
	if e.mss > 0 {
		mss = int(e.mss)
	}
	return max(min(mss, c.cfg.MSS)-maxOptionSpace, 0)
}

// fastOpenSynAck handles the Fast Open part of the SYN-ACK answering our
// SYN, before its ACK is processed: it caches the server's cookie and
// MSS, and if the SYN's data was not acknowledged, queues it to be sent
// again once established.
func (c *Conn) fastOpenSynAck(s *wire.Segment) {
	if !c.tfo.synOption {
		return
	}
	if s.Opts.FastOpen && s.Opts.FastOpenCookieLen > 0 || s.Opts.HasMSS {
		e, _ := c.host.tfoCache.get(c.id.remoteAddr)
		if s.Opts.HasMSS {
			e.mss = s.Opts.MSS
		}
		if s.Opts.FastOpen && s.Opts.FastOpenCookieLen > 0 {
			e.cookieLen, e.cookie = s.Opts.FastOpenCookieLen, s.Opts.FastOpenCookie
		}
		c.host.tfoCache.put(c.id.remoteAddr, e)
	}
	if c.tfo.synData == 0 {
		return
	}
	if s.Ack.GT(c.iss.Add(1)) {
		c.tfo.accepted = true
		return
	}
	// Only the SYN was acknowledged. Its record is cut back to the SYN, so
	// that the ACK still gives an RTT sample, and SND.NXT goes back to the
	// data, which leaves again with the ACK of the SYN-ACK, counted as a
	// retransmission (tcp_rcv_fastopen_synack marks it lost and
	// retransmits it at once).
	if c.sent.len() > 0 && c.sent.at(0).seq == c.iss {
		c.sent.at(0).end = c.iss.Add(1)
	}
	c.sndNxt = c.iss.Add(1)
}

// fastOpenChild makes the connection a SYN with a valid cookie asks for: in
// SYN-RECEIVED, with buffers, the SYN's data received, congestion control
// started so that it may answer before the handshake completes, and in the
// accept queue at once.
func (l *Listener) fastOpenChild(now units.Time, c *Conn, s *wire.Segment) {
	c.tfo.child, c.tfo.accepted = true, true
	c.tfo.synData = len(s.Payload)
	c.allocateBuffers()
	c.rcvAdv = c.rcvBuf.nxt.Add(c.synWindow())
	handshakeRTT(c, now)
	c.cc.Init(now, c.sndMSS, c.cfg.InitialWindow*c.sndMSS)
	seedCC(c)
	if len(s.Payload) > 0 {
		c.receiveData(now, s.Seq.Add(1), s.Payload, s.Flags)
		c.finishSegment(now)
	}
	c.listener = nil
	l.accept[(l.acceptHead+l.acceptN)%len(l.accept)] = c
	l.acceptN++
	l.stats.Accepted++
	l.stats.FastOpenAccepted++
}

// repeatSynAck answers, for a Fast Open child, a segment that draws an ACK
// in SYN-RECEIVED: the SYN-ACK again, which carries the ACK, without
// rewinding the data already sent behind it (its retransmission timer
// covers that). Rewinding, as a half-open connection does, would answer
// every unacceptable segment with the whole initial window again, and two
// confused ends would multiply each other's segments.
func (c *Conn) repeatSynAck(now units.Time) *packet.Packet {
	var o wire.Options
	flags := c.synOptions(&o)
	c.synRepeat = true
	p := c.build(now, c.iss, flags, 0, &o, false)
	c.synRepeat = false
	return p
}
