package stack

import (
	"fmt"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Passive open (RFC 9293 §3.5, §3.10.7.2) with Linux's two queues
// (net/ipv4/inet_connection_sock.c, tcp_minisocks.c, and tcp_input.c's
// tcp_conn_request).
//
// The SYN queue holds half-open connections: a SYN to a listening port
// creates a connection in SYN-RECEIVED whose SYN-ACK is retransmitted on
// the connection's own timer, at 1, 3, 7, 15 and 31 s with the defaults
// (InitialRTO doubling, SYNACKRetries = 5); the entry is forgotten, without
// a RST, when the timer expires once more at 63 s. A half-open connection
// costs no buffers: its send and receive buffers are allocated when the
// handshake completes. The accept queue holds established connections the
// application has not yet taken with Accept.
//
// Bounds, with b the backlog given to Listen, clamped to [1, maxBacklog]:
//
//   - The SYN queue is full at b entries: Linux's
//     inet_csk_reqsk_queue_is_full against sk_max_ack_backlog, which is the
//     backlog clamped by net.core.somaxconn. (tcp_max_syn_backlog only
//     matters without SYN cookies, where Linux keeps its last quarter for
//     peers it has talked to before; that is not modelled.)
//   - The accept queue holds at most b connections, as Listen documents.
//     Linux's sk_acceptq_is_full compares with ">" and so admits b+1.
//
// What a listener does with a segment for no connection:
//
//   - A SYN when the accept queue is full is dropped (the client
//     retransmits it), as Linux drops it even with cookies on.
//   - A SYN when the SYN queue is full is answered with a SYN cookie
//     (syncookie.go) if Config.SYNCookies is set, and dropped otherwise;
//     with Config.SYNCookiesAlways every SYN is.
//   - A SYN with a valid Fast Open cookie makes a connection that joins
//     the accept queue before its handshake completes (fastopen.go).
//   - Any other SYN makes a half-open connection.
//   - An ACK is checked as a cookie if the SYN queue overflowed in the last
//     two cookie periods (Linux's tcp_synq_no_recent_overflow); a valid one
//     makes an established connection at once and delivers any data the
//     ACK carries. Any other ACK, a bad cookie included, draws a RST
//     (§3.10.7.2; Linux's listener does the same).
//   - A RST is ignored; a segment with neither SYN nor ACK, or with SYN and
//     FIN, is dropped.
//
// When the accept queue is full, the ACK that would complete a half-open
// connection is dropped and the entry kept, so that the client's next
// segment or our next SYN-ACK retransmission completes it once the
// application has made room (Linux marks the request "acked"); with
// Config.AbortOnOverflow the ACK is answered with RST and the entry
// forgotten. A cookie ACK that finds the accept queue full is dropped
// whatever the setting: Linux's cookie path never resets.
//
// Under load, old half-open entries are pruned early, as Linux's
// reqsk_timer_handler does. While the SYN queue holds more than half of b
// and more than 4 entries, the retry limit of an entry whose SYN-ACK timer
// expires drops by one, down to 2, for each of qlen ≥ 2·young,
// qlen ≥ 4·young, qlen ≥ 8·young, ... that holds, where young counts the
// entries whose SYN-ACK has never timed out. Half the room is so kept for
// new SYNs: a queue full of unanswered SYNs loses entries after 7 s
// instead of 63 s, until it is half empty.

// maxBacklog is the largest backlog Listen accepts: Linux's default
// net.core.somaxconn since 5.4.
const maxBacklog = 4096

// Listener accepts connections on one port.
type Listener struct {
	host    *Host
	port    uint16
	newCC   func() cc.CongestionControl
	backlog int
	closed  bool

	// synQueue maps each half-open connection to the number of times its
	// SYN-ACK timer has expired (Linux's num_timeout); young counts those
	// at zero.
	synQueue map[*Conn]int
	young    int

	// accept is a ring of established connections waiting for Accept.
	accept     []*Conn
	acceptHead int
	acceptN    int

	// lastOverflow is when the SYN queue last overflowed into cookies, if
	// overflowed.
	lastOverflow units.Time
	overflowed   bool

	stats ListenerStats
}

// ListenerStats count what a listener did with handshakes; the names in
// parentheses are Linux's counters.
type ListenerStats struct {
	SYNs int64 // SYNs to the listening port
	// SYNQueueDrops counts SYNs dropped because the SYN queue was full and
	// SYN cookies are off.
	SYNQueueDrops int64
	// AcceptOverflows counts SYNs dropped and completing ACKs dropped or
	// reset because the accept queue was full (ListenOverflows).
	AcceptOverflows int64
	CookiesSent     int64 // (SyncookiesSent)
	CookiesAccepted int64 // valid cookie ACKs (SyncookiesRecv)
	CookiesFailed   int64 // ACKs that failed the cookie check (SyncookiesFailed)
	// HalfOpenExpired counts half-open connections forgotten when their
	// SYN-ACK retries ran out.
	HalfOpenExpired int64
	// PeakHalfOpen is the largest the SYN queue has been.
	PeakHalfOpen int
	Accepted     int64 // connections that reached the accept queue
	// Fast Open (RFC 7413, fastopen.go): SYNs with a valid cookie whose
	// connection went to the accept queue at once (TCPFastOpenPassive),
	// cookie requests answered (TCPFastOpenCookieReqd), and SYNs with an
	// invalid cookie, answered with a normal handshake
	// (TCPFastOpenPassiveFail).
	FastOpenAccepted       int64
	FastOpenCookieRequests int64
	FastOpenBadCookie      int64
}

// Listen opens a listener on port. Each accepted connection gets a
// congestion controller from newCC. backlog, clamped to [1, 4096], bounds
// both the SYN queue and the accept queue (see above).
func (h *Host) Listen(port uint16, backlog int, newCC func() cc.CongestionControl) (*Listener, error) {
	if _, ok := h.listeners[port]; ok {
		return nil, fmt.Errorf("listen on port %d: address already in use", port)
	}
	backlog = min(max(backlog, 1), maxBacklog)
	l := &Listener{
		host:     h,
		port:     port,
		newCC:    newCC,
		backlog:  backlog,
		synQueue: make(map[*Conn]int),
		accept:   make([]*Conn, backlog),
	}
	h.listeners[port] = l
	return l, nil
}

// Port is the listening port.
func (l *Listener) Port() uint16 { return l.port }

// Backlog is the bound of both queues.
func (l *Listener) Backlog() int { return l.backlog }

// HalfOpen is the number of connections in the SYN queue.
func (l *Listener) HalfOpen() int { return len(l.synQueue) }

// Pending is the number of established connections waiting for Accept.
func (l *Listener) Pending() int { return l.acceptN }

// Stats returns the listener's counters.
func (l *Listener) Stats() ListenerStats { return l.stats }

// Accept returns the oldest established connection not yet accepted, or
// nil. The connection may have been reset by its peer since it was
// established, as with Linux's accept.
func (l *Listener) Accept() *Conn {
	if l.acceptN == 0 {
		return nil
	}
	c := l.accept[l.acceptHead]
	l.accept[l.acceptHead] = nil
	l.acceptHead = (l.acceptHead + 1) % len(l.accept)
	l.acceptN--
	return c
}

// Close stops listening. Half-open connections are forgotten silently and
// established ones nobody accepted are reset, as Linux's
// inet_csk_listen_stop does.
func (l *Listener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	h := l.host
	delete(h.listeners, l.port)
	var halfOpen []*Conn
	for _, c := range h.order {
		if c.listener == l {
			halfOpen = append(halfOpen, c)
		}
	}
	for _, c := range halfOpen {
		c.terminate(ErrClosed)
	}
	for c := l.Accept(); c != nil; c = l.Accept() {
		c.Abort()
	}
}

func (l *Listener) synQueueFull() bool    { return len(l.synQueue) >= l.backlog }
func (l *Listener) acceptQueueFull() bool { return l.acceptN == len(l.accept) }

// input handles a segment to the listening port that belongs to no
// connection.
func (l *Listener) input(now units.Time, id fourTuple, s *wire.Segment) {
	switch {
	case s.Has(FlagRST):
	case s.Has(FlagACK):
		if !s.Has(FlagSYN) && l.cookieACK(now, id, s) {
			return
		}
		l.host.replyRST(id, s)
	case s.Has(FlagSYN) && !s.Has(FlagFIN):
		l.onSYN(now, id, s, 0)
	}
}

// onSYN handles a SYN (tcp_conn_request). A half-open connection it makes
// starts at iss, or at a random ISN if iss is 0 (a SYN that ended a
// TIME-WAIT carries the old connection's choice, timewait.go).
func (l *Listener) onSYN(now units.Time, id fourTuple, s *wire.Segment, iss Seq) {
	h := l.host
	l.stats.SYNs++
	cookie := false
	if l.synQueueFull() || h.cfg.SYNCookiesAlways {
		if !h.cfg.synCookies() {
			l.stats.SYNQueueDrops++
			return
		}
		cookie = true
	}
	if l.acceptQueueFull() {
		l.stats.AcceptOverflows++
		return
	}
	if cookie {
		l.sendCookie(now, id, s)
		return
	}
	if iss == 0 {
		iss = Seq(h.rng.Uint32())
	}
	c := l.newHalfOpen(id, iss)
	c.irs = s.Seq
	c.rcvBuf.nxt = s.Seq.Add(1)
	c.rcvWup = c.rcvBuf.nxt
	c.negotiateSYN(s)
	c.sndWnd = int(s.Window)
	c.maxSndWnd = c.sndWnd
	c.sndWl1 = s.Seq
	if c.tsOK {
		c.tsRecent = s.Opts.TSVal
	}
	h.add(c)
	if h.cfg.FastOpen && h.cfg.FastOpenNoCookie && (len(s.Payload) > 0 || s.Opts.FastOpen) {
		// No cookie needed: whatever the option says (tcp_try_fastopen's
		// tcp_fastopen_no_cookie), and none granted.
		if s.Opts.FastOpen && s.Opts.FastOpenCookieLen == 0 {
			l.stats.FastOpenCookieRequests++
		}
		l.fastOpenChild(now, c, s)
		return
	}
	if h.cfg.FastOpen && s.Opts.FastOpen {
		switch {
		case s.Opts.FastOpenCookieLen == 0:
			l.stats.FastOpenCookieRequests++
			c.tfo.grantCookie = true
		case h.validFastOpenCookie(id.remoteAddr, &s.Opts):
			l.fastOpenChild(now, c, s)
			return
		default:
			l.stats.FastOpenBadCookie++
			c.tfo.grantCookie = true
		}
	}
	l.synQueue[c] = 0
	l.young++
	l.stats.PeakHalfOpen = max(l.stats.PeakHalfOpen, len(l.synQueue))
}

// forget takes c out of the SYN queue, if it is there.
func (l *Listener) forget(c *Conn) {
	timeouts, ok := l.synQueue[c]
	if !ok {
		return
	}
	delete(l.synQueue, c)
	if timeouts == 0 {
		l.young--
	}
}

// promote moves c, which has just completed its handshake, from the SYN
// queue to the accept queue. inputHalfOpen and cookieACK have made sure
// there is room, by holding back any segment that would complete a
// handshake while the queue is full.
func (l *Listener) promote(c *Conn) {
	if l.acceptQueueFull() {
		panic("stack: a handshake completed past a full accept queue")
	}
	l.forget(c)
	c.listener = nil
	c.allocateBuffers()
	l.accept[(l.acceptHead+l.acceptN)%len(l.accept)] = c
	l.acceptN++
	l.stats.Accepted++
}

// inputHalfOpen handles a segment for a connection in l's SYN queue. The
// ACK that would complete the handshake is held back while the accept
// queue is full; everything else is the connection's business.
func (l *Listener) inputHalfOpen(now units.Time, c *Conn, s *wire.Segment) {
	completes := s.Flags&(FlagACK|FlagSYN|FlagRST) == FlagACK && s.Ack == c.iss.Add(1) && c.acceptable(s)
	if completes && l.acceptQueueFull() {
		l.stats.AcceptOverflows++
		if l.host.cfg.AbortOnOverflow {
			l.host.queueRST(c.id, s.Ack, 0, false)
			c.terminate(ErrClosed)
		}
		return
	}
	c.input(now, s)
}

// synAckExpired is called when the SYN-ACK timer of half-open c expires.
// It reports whether c has run out of retries and must be forgotten;
// otherwise it counts the expiry and the connection retransmits.
func (l *Listener) synAckExpired(c *Conn) bool {
	timeouts := l.synQueue[c]
	limit := l.host.cfg.SYNACKRetries
	qlen := len(l.synQueue)
	if 2*qlen > max(8, l.backlog) {
		for young := 2 * l.young; limit > 2 && qlen >= young; young *= 2 {
			limit--
		}
	}
	if timeouts >= limit {
		l.stats.HalfOpenExpired++
		return true
	}
	if timeouts == 0 {
		l.young--
	}
	l.synQueue[c] = timeouts + 1
	return false
}

// newHalfOpen makes a connection in SYN-RECEIVED for l with initial send
// sequence number iss, without buffers until the handshake completes.
func (l *Listener) newHalfOpen(id fourTuple, iss Seq) *Conn {
	c := newConn(l.host, id, iss, l.newCC())
	c.state = SynReceived
	c.listener = l
	return c
}
