package stack

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"ccbench/cc"
	"ccbench/packet"
	"ccbench/units"
)

// Host is one IPv4 address's TCP: it decodes arriving packets, hands each
// segment to its connection or listener, answers segments for no connection
// with RST, and gathers what its connections want to send.
type Host struct {
	addr  Addr
	cfg   Config
	pool  *packet.Pool
	rng   *rand.Rand
	conns map[fourTuple]*Conn
	// order lists connections in creation order so that output and timers
	// visit them deterministically.
	order     []*Conn
	listeners map[uint16]*Listener
	nextPort  uint16
	rr        int // round-robin start for Output

	rsts    [16]rstSpec // RSTs waiting to go out
	rstHead int
	rstN    int

	// flowTag is copied into every outgoing packet's Flow field.
	flowTag int32
	seg     Segment
	stats   HostStats
}

// HostStats counts what a host dropped or answered.
type HostStats struct {
	// Malformed counts packets dropped by the decoder, by reason.
	Malformed [NumDropReasons]int64
	// NoConnection counts segments for which no connection or listener
	// exists.
	NoConnection int64
	// WrongAddress counts packets addressed to another host.
	WrongAddress int64
	RSTsSent     int64
	RSTsDropped  int64 // RSTs not sent because the queue of pending RSTs was full
}

type rstSpec struct {
	id       fourTuple
	seq, ack Seq
	withACK  bool
}

// Listener accepts connections on one port.
type Listener struct {
	host    *Host
	port    uint16
	newCC   func() cc.CongestionControl
	backlog int
	accept  []*Conn
}

// NewHost makes a host with address addr. Its initial sequence numbers come
// from a generator seeded with seed.
func NewHost(addr Addr, cfg Config, pool *packet.Pool, seed uint64) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Host{
		addr:      addr,
		cfg:       cfg,
		pool:      pool,
		rng:       rand.New(rand.NewPCG(seed, 0x1c5b_6e1d_0f0f_2a2a)),
		conns:     make(map[fourTuple]*Conn),
		listeners: make(map[uint16]*Listener),
		nextPort:  40000,
		flowTag:   -1,
	}, nil
}

// SetFlowTag sets the value written to the Flow field of every packet the
// host sends, so links and metrics can attribute packets to flows.
func (h *Host) SetFlowTag(tag int32) { h.flowTag = tag }

// Addr is the host's address.
func (h *Host) Addr() Addr { return h.addr }

// Stats returns the host's counters.
func (h *Host) Stats() HostStats { return h.stats }

// Conns returns the host's connections in creation order.
func (h *Host) Conns() []*Conn { return h.order }

// Listen opens a listener on port. Each accepted connection gets a
// congestion controller from newCC. At most backlog established
// connections wait in the accept queue.
func (h *Host) Listen(port uint16, backlog int, newCC func() cc.CongestionControl) (*Listener, error) {
	if _, ok := h.listeners[port]; ok {
		return nil, fmt.Errorf("listen on port %d: address already in use", port)
	}
	if backlog < 1 {
		backlog = 1
	}
	l := &Listener{host: h, port: port, newCC: newCC, backlog: backlog}
	h.listeners[port] = l
	return l, nil
}

// Accept returns the oldest established connection not yet accepted, or
// nil.
func (l *Listener) Accept() *Conn {
	if len(l.accept) == 0 {
		return nil
	}
	c := l.accept[0]
	l.accept = l.accept[1:]
	return c
}

// Connect starts an active open to remote:port from localPort (0 picks an
// ephemeral port). The SYN leaves at the next Output.
func (h *Host) Connect(now units.Time, localPort uint16, remote Addr, remotePort uint16, alg cc.CongestionControl) (*Conn, error) {
	if localPort == 0 {
		localPort = h.ephemeralPort(remote, remotePort)
		if localPort == 0 {
			return nil, errors.New("connect: no free ephemeral port")
		}
	}
	id := fourTuple{localAddr: h.addr, remoteAddr: remote, localPort: localPort, remotePort: remotePort}
	if _, ok := h.conns[id]; ok {
		return nil, fmt.Errorf("connect: %v:%d to %v:%d already exists", h.addr, localPort, remote, remotePort)
	}
	c := newConn(h, id, alg)
	c.state = SynSent
	h.add(c)
	return c, nil
}

func (h *Host) ephemeralPort(remote Addr, remotePort uint16) uint16 {
	for range 25000 {
		p := h.nextPort
		h.nextPort++
		if h.nextPort < 40000 {
			h.nextPort = 40000
		}
		id := fourTuple{localAddr: h.addr, remoteAddr: remote, localPort: p, remotePort: remotePort}
		if _, ok := h.conns[id]; !ok {
			return p
		}
	}
	return 0
}

func (h *Host) add(c *Conn) {
	c.tsOffset = h.rng.Uint32()
	h.conns[c.id] = c
	h.order = append(h.order, c)
}

// remove forgets a closed connection.
func (h *Host) remove(c *Conn) {
	delete(h.conns, c.id)
	for i, o := range h.order {
		if o == c {
			h.order = append(h.order[:i], h.order[i+1:]...)
			break
		}
	}
}

// established is called when a connection completes its handshake. Its
// congestion control starts now that the segment size is known, and a
// passively opened connection joins its listener's accept queue.
func (h *Host) established(now units.Time, c *Conn) {
	c.cc.Init(now, c.sndMSS, c.cfg.InitialWindow*c.sndMSS)
	if c.listener == nil {
		return
	}
	l := c.listener
	c.listener = nil
	if len(l.accept) < l.backlog {
		l.accept = append(l.accept, c)
	}
}

// Input processes one arriving packet and returns it to the pool.
func (h *Host) Input(now units.Time, p *packet.Packet) {
	defer h.pool.Put(p)
	s := &h.seg
	if err := DecodeSegment(p.Bytes(), s); err != nil {
		if r, ok := err.(DropReason); ok {
			h.stats.Malformed[r]++
		}
		return
	}
	if s.Dst != h.addr {
		h.stats.WrongAddress++
		return
	}
	id := fourTuple{localAddr: s.Dst, remoteAddr: s.Src, localPort: s.DstPort, remotePort: s.SrcPort}
	if c, ok := h.conns[id]; ok {
		c.input(now, s)
		return
	}
	if l, ok := h.listeners[s.DstPort]; ok && s.Flags&(FlagSYN|FlagACK|FlagRST) == FlagSYN {
		h.acceptSYN(now, l, id, s)
		return
	}
	h.stats.NoConnection++
	h.replyRST(id, s)
}

// acceptSYN creates a connection in SYN-RECEIVED for a SYN to a listener.
func (h *Host) acceptSYN(now units.Time, l *Listener, id fourTuple, s *Segment) {
	c := newConn(h, id, l.newCC())
	c.listener = l
	c.state = SynReceived
	c.irs = s.Seq
	c.rcvBuf.nxt = s.Seq.Add(1)
	c.rcvWup = c.rcvBuf.nxt
	c.negotiateSYN(s)
	c.sndWnd = int(s.Window)
	c.sndWl1 = s.Seq
	if c.tsOK {
		c.tsRecent = s.Opts.TSVal
	}
	h.add(c)
}

// replyRST answers a segment that belongs to no connection (RFC 9293
// §3.10.7.1). A RST is never answered.
func (h *Host) replyRST(id fourTuple, s *Segment) {
	if s.Has(FlagRST) {
		return
	}
	if s.Has(FlagACK) {
		h.queueRST(id, s.Ack, 0, false)
	} else {
		h.queueRST(id, 0, s.Seq.Add(s.SeqLen()), true)
	}
}

func (h *Host) queueRST(id fourTuple, seq, ack Seq, withACK bool) {
	if h.rstN == len(h.rsts) {
		h.stats.RSTsDropped++
		return
	}
	h.rsts[(h.rstHead+h.rstN)%len(h.rsts)] = rstSpec{id: id, seq: seq, ack: ack, withACK: withACK}
	h.rstN++
}

// Output returns the next packet the host may send now, or nil. It visits
// connections round-robin so that no flow starves the others.
func (h *Host) Output(now units.Time) *packet.Packet {
	if h.rstN > 0 {
		r := h.rsts[h.rstHead]
		h.rstHead = (h.rstHead + 1) % len(h.rsts)
		h.rstN--
		return h.buildRST(&r)
	}
	n := len(h.order)
	for i := range n {
		k := (h.rr + i) % n
		if p := h.order[k].output(now); p != nil {
			h.rr = (k + 1) % n
			return p
		}
	}
	return nil
}

func (h *Host) buildRST(r *rstSpec) *packet.Packet {
	p := h.pool.Get()
	s := &h.seg
	*s = Segment{
		Src: r.id.localAddr, Dst: r.id.remoteAddr,
		SrcPort: r.id.localPort, DstPort: r.id.remotePort,
		Seq: r.seq, Ack: r.ack, Flags: FlagRST, TTL: h.cfg.TTL,
	}
	if r.withACK {
		s.Flags |= FlagACK
	}
	EncodeSegment(p, s)
	p.Flow = h.flowTag
	h.stats.RSTsSent++
	return p
}

// NextDeadline is the earliest time a connection's timer expires, or Never.
func (h *Host) NextDeadline() units.Time {
	t := units.Never
	for _, c := range h.order {
		t = min(t, c.nextDeadline())
	}
	return t
}

// OnTimer runs every expired timer.
func (h *Host) OnTimer(now units.Time) {
	for i := 0; i < len(h.order); i++ {
		c := h.order[i]
		if c.nextDeadline() <= now {
			c.onTimer(now)
			if c.state == Closed && (i >= len(h.order) || h.order[i] != c) {
				i--
			}
		}
	}
}
