package stack

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Host is one IPv4 address's TCP: it decodes arriving packets, hands each
// segment to its connection or its port's listener (listener.go), answers
// segments for no connection with RST (RFC 9293 §3.10.7.1), and gathers
// what its connections want to send.
type Host struct {
	addr wire.Addr
	cfg  Config
	pool *packet.Pool
	// chunks is where the connections' buffers take their memory
	// (chunks.go): the host's own pool, or one shared by a run's hosts.
	chunks *ChunkPool
	rng    *rand.Rand
	// cookies keys SYN cookies and timestamp offsets (syncookie.go).
	cookies cookieSecret

	conns map[fourTuple]*Conn
	// last is the connection the previous segment was for: a bulk flow's
	// segments come in runs, and matching a run needs no map lookup. It is
	// cleared when its connection is removed.
	last *Conn
	// order lists connections in creation order so that output and timers
	// visit them deterministically; a connection's pos is its index here.
	order     []*Conn
	listeners map[uint16]*Listener
	// nextPort is the ephemeral-port rotor; portUse counts, per remote
	// address and port, the connections whose local port lies in the
	// ephemeral range, TIME-WAIT ones included, so that an exhausted range
	// is known without a scan.
	nextPort uint16
	portUse  map[remoteEndpoint]int
	rr       int // round-robin start for Output

	// Scheduling (schedule.go): the connections Output must visit, the
	// deadline heap, the connections whose key in it is stale (the
	// first marked, then the others; see staleKey), and
	// scratch lists for walking and popping the heap.
	ready      readySet
	timers     deadlineHeap
	staleFirst *Conn
	stale      []*Conn
	walk       []int
	due        []*Conn
	// outputCalls counts visits of Output to connections, for tests that
	// check what a segment costs.
	outputCalls int64

	// ctl is a ring of segments the host sends on no connection's behalf.
	ctl     []ctlSegment // ctlQueueLen slots, made on first use
	ctlHead int
	ctlN    int

	// tfoCache holds the Fast Open cookies of servers (fastopen.go).
	tfoCache fastOpenCache

	// encoder is encode's (and Conn.build's) choice of encoder, made once
	// from the configuration: a call through it inlines where a test of
	// VirtualPayload and two calls do not.
	encoder func(*packet.Packet, *wire.Segment)
	// flowTag is copied into every outgoing packet's Flow field.
	flowTag int32
	seg     wire.Segment
	stats   HostStats
}

// HostStats counts what a host dropped or answered.
type HostStats struct {
	// Malformed counts packets dropped by the decoder, by reason.
	Malformed [wire.NumDropReasons]int64
	// NoConnection counts segments for which no connection or listener
	// exists.
	NoConnection int64
	// WrongAddress counts packets addressed to another host.
	WrongAddress int64
	RSTsSent     int64
	// RepliesDropped counts RSTs and cookie SYN-ACKs not sent because the
	// queue of replies waiting for Output was full.
	RepliesDropped int64
}

// ctlSegment is a segment the host sends with no connection behind it: a
// RST answering a segment for no connection, or a cookie SYN-ACK.
type ctlSegment struct {
	id       fourTuple
	seq, ack Seq
	flags    uint8
	win      uint16
	opts     wire.Options
	// stampTS asks for the timestamp value to be taken when the segment
	// leaves, on the connection's clock (tsOff), as Linux's
	// tcp_send_active_reset does for a socket with timestamps.
	stampTS bool
	tsOff   uint32
}

// ctlQueueLen is how many replies on no connection's behalf (RSTs, ACKs
// of TIME-WAIT and challenge ACKs) a host holds before it drops more.
const ctlQueueLen = 32

// NewHost makes a host with address addr. Its initial sequence numbers and
// its SYN-cookie secret come from a generator seeded with seed.
func NewHost(addr wire.Addr, cfg Config, pool *packet.Pool, seed uint64) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Host{
		addr:      addr,
		cfg:       cfg,
		pool:      pool,
		chunks:    &ChunkPool{},
		rng:       rand.New(rand.NewPCG(seed, 0x1c5b_6e1d_0f0f_2a2a)),
		conns:     make(map[fourTuple]*Conn),
		listeners: make(map[uint16]*Listener),
		nextPort:  cfg.EphemeralPortLow,
		portUse:   make(map[remoteEndpoint]int),
		flowTag:   -1,
	}
	h.cookies = cookieSecret{k0: h.rng.Uint64(), k1: h.rng.Uint64()}
	h.encoder = wire.EncodeSegment
	if cfg.VirtualPayload {
		h.encoder = wire.EncodeVirtual
	}
	return h, nil
}

// SetChunkPool makes the host's connections take their buffer memory
// from p, which the hosts of one run share (a run is one goroutine). It
// applies to connections whose buffers are allocated afterwards, so a
// driver calls it before the host opens or accepts any.
func (h *Host) SetChunkPool(p *ChunkPool) { h.chunks = p }

// SetFlowTag sets the value written to the Flow field of every packet the
// host sends, so links and metrics can attribute packets to flows.
func (h *Host) SetFlowTag(tag int32) { h.flowTag = tag }

// Addr is the host's address.
func (h *Host) Addr() wire.Addr { return h.addr }

// Stats returns the host's counters.
func (h *Host) Stats() HostStats { return h.stats }

// Conns returns the host's connections in creation order, half-open and
// TIME-WAIT ones included.
func (h *Host) Conns() []*Conn { return h.order }

// NumStates is the number of connection states, for StateCounts.
const NumStates = int(TimeWait) + 1

// StateCounts fills dst with the number of the host's connections in each
// state, as ss or netstat would count them: half-open connections in
// listeners' SYN queues count as SYN-RECEIVED, connections in TIME-WAIT
// are included, and each listener counts once as LISTEN. Connections that
// have closed are no longer the host's and count nowhere.
func (h *Host) StateCounts(dst *[NumStates]int) {
	*dst = [NumStates]int{}
	for _, c := range h.order {
		dst[c.state]++
	}
	dst[Listen] += len(h.listeners)
}

// ErrNoEphemeralPort is returned by Connect when every port of the
// ephemeral range is in use towards the remote address and port (Linux's
// EADDRNOTAVAIL).
var ErrNoEphemeralPort = errors.New("connect: no free ephemeral port")

// Connect starts an active open to remote:port from localPort (0 picks an
// ephemeral port, see ephemeralPort). The SYN leaves at the next Output.
func (h *Host) Connect(now units.Time, localPort uint16, remote wire.Addr, remotePort uint16, alg cc.CongestionControl) (*Conn, error) {
	if localPort == 0 {
		localPort = h.ephemeralPort(remote, remotePort)
		if localPort == 0 {
			return nil, ErrNoEphemeralPort
		}
	}
	id := fourTuple{localAddr: h.addr, remoteAddr: remote, localPort: localPort, remotePort: remotePort}
	if _, ok := h.conns[id]; ok {
		return nil, fmt.Errorf("connect: %v:%d to %v:%d already exists", h.addr, localPort, remote, remotePort)
	}
	c := newConn(h, id, Seq(h.rng.Uint32()), alg)
	c.allocateBuffers()
	c.state = SynSent
	h.add(c)
	return c, nil
}

// remoteEndpoint is a remote address and port, the key of the ephemeral-port
// census.
type remoteEndpoint struct {
	addr wire.Addr
	port uint16
}

// ephemeralPort returns a local port in the ephemeral range that no
// connection to remote:remotePort uses, TIME-WAIT included (no
// tcp_tw_reuse), or 0 when there is none. A sequential rotor shared by all
// destinations, rather than Linux's hashed per-destination offset with a
// stride of 2 (__inet_hash_connect), keeps the choice deterministic and
// easy to predict in tests; the census answers an exhausted range at once,
// and otherwise the scan stops at the first free port, after at most one
// pass over the range.
func (h *Host) ephemeralPort(remote wire.Addr, remotePort uint16) uint16 {
	low, high := h.cfg.EphemeralPortLow, h.cfg.EphemeralPortHigh
	size := int(high-low) + 1
	if h.portUse[remoteEndpoint{remote, remotePort}] >= size {
		return 0
	}
	for range size {
		p := h.nextPort
		if p < low || p > high {
			p = low
		}
		h.nextPort = p + 1
		if p == high {
			h.nextPort = low
		}
		id := fourTuple{localAddr: h.addr, remoteAddr: remote, localPort: p, remotePort: remotePort}
		if _, ok := h.conns[id]; !ok {
			return p
		}
	}
	return 0
}

// inEphemeralRange reports whether port lies in the configured range.
func (h *Host) inEphemeralRange(port uint16) bool {
	return port >= h.cfg.EphemeralPortLow && port <= h.cfg.EphemeralPortHigh
}

// add registers a new connection. Its timestamp clock is offset by a keyed
// hash of the address pair, as Linux's secure_tcp_ts_off does, so that a
// listener can recompute the offset of a SYN cookie's TSval (RFC 7323 §5.4
// asks only that the offset be unpredictable).
func (h *Host) add(c *Conn) {
	c.tsOffset = h.cookies.tsOffset(c.id.localAddr, c.id.remoteAddr)
	h.conns[c.id] = c
	if h.last != nil && h.last.id == c.id {
		h.last = nil
	}
	c.pos = len(h.order)
	h.order = append(h.order, c)
	h.ready.grow(len(h.order))
	h.touch(c)
	if h.inEphemeralRange(c.id.localPort) {
		h.portUse[remoteEndpoint{c.id.remoteAddr, c.id.remotePort}]++
	}
}

// remove forgets a closed connection.
func (h *Host) remove(c *Conn) {
	if c.listener != nil {
		c.listener.forget(c)
	}
	delete(h.conns, c.id)
	if h.last == c {
		h.last = nil
	}
	if h.inEphemeralRange(c.id.localPort) {
		e := remoteEndpoint{c.id.remoteAddr, c.id.remotePort}
		if h.portUse[e] <= 1 {
			delete(h.portUse, e)
		} else {
			h.portUse[e]--
		}
	}
	i, n := c.pos, len(h.order)
	copy(h.order[i:], h.order[i+1:])
	// Clear the vacated slot so a closed connection and its buffers are
	// not kept alive by the backing array.
	h.order[n-1] = nil
	h.order = h.order[:n-1]
	for j := i; j < n-1; j++ {
		h.order[j].pos = j
	}
	h.ready.cut(i)
	h.timers.delete(c)
	c.pos = -1
}

// established is called when a connection completes its handshake. Its
// congestion control starts now that the segment size is known (a Fast
// Open child's started with it, fastopen.go), and a passively opened
// connection moves to its listener's accept queue.
func (h *Host) established(now units.Time, c *Conn) {
	if !c.tfo.child {
		handshakeRTT(c, now)
		c.cc.Init(now, c.sndMSS, c.cfg.InitialWindow*c.sndMSS)
		seedCC(c)
	}
	c.rtt.afterHandshake(c.stats.Timeouts > 0)
	c.retries = 0
	if c.listener != nil {
		c.listener.promote(c)
	}
}

// Input processes one arriving packet and returns it to the pool.
func (h *Host) Input(now units.Time, p *packet.Packet) {
	h.input(now, p)
	h.pool.Put(p) // not deferred: a defer here cost 0.4% of a run
}

func (h *Host) input(now units.Time, p *packet.Packet) {
	s := &h.seg
	if err := wire.DecodePacket(p, s, !h.cfg.VirtualPayload); err != nil {
		if r, ok := err.(wire.DropReason); ok {
			h.stats.Malformed[r]++
		}
		return
	}
	if s.Dst != h.addr {
		h.stats.WrongAddress++
		return
	}
	c := h.last
	if c == nil || !c.id.addresses(s) {
		c = h.conns[segmentTuple(s)]
		if c != nil {
			h.last = c
		}
	}
	if c != nil {
		h.touchLive(c)
		if c.listener != nil {
			c.listener.inputHalfOpen(now, c, s)
			return
		}
		c.input(now, s)
		return
	}
	id := segmentTuple(s)
	if l, ok := h.listeners[s.DstPort]; ok {
		l.input(now, id, s)
		return
	}
	h.stats.NoConnection++
	h.replyRST(id, s)
}

// segmentTuple is the four-tuple of the connection s is for, at its
// receiver.
func segmentTuple(s *wire.Segment) fourTuple {
	return fourTuple{localAddr: s.Dst, remoteAddr: s.Src, localPort: s.DstPort, remotePort: s.SrcPort}
}

// addresses reports whether s is for the connection t names, t ==
// segmentTuple(s), comparing the fields in place: Host.input asks it of
// the previous segment's connection, nearly always the one, and building
// the tuple first cost a copy through the stack per segment.
func (t *fourTuple) addresses(s *wire.Segment) bool {
	return t.remotePort == s.SrcPort && t.localPort == s.DstPort && t.remoteAddr == s.Src && t.localAddr == s.Dst
}

// encode writes s's headers in front of the payload p holds: as bytes,
// with checksums, or with virtual payload as metadata (wire.EncodeVirtual),
// since a run that leaves payload virtual has nothing that reads headers
// as bytes either.
func (h *Host) encode(p *packet.Packet, s *wire.Segment) { h.encoder(p, s) }

// replyRST answers a segment that belongs to no connection (RFC 9293
// §3.10.7.1): a RST at the segment's ACK number if it has one, otherwise
// a RST at zero acknowledging everything the segment occupied. A RST is
// never answered.
func (h *Host) replyRST(id fourTuple, s *wire.Segment) {
	if s.Has(FlagRST) {
		return
	}
	if s.Has(FlagACK) {
		h.queueRST(id, s.Ack, 0, false)
	} else {
		h.queueRST(id, 0, s.Seq.Add(s.SeqLen()), true)
	}
}

// queueRST queues a RST from id's local end with sequence number seq, and
// with ACK number ack if withACK.
func (h *Host) queueRST(id fourTuple, seq, ack Seq, withACK bool) {
	r := ctlSegment{id: id, seq: seq, flags: FlagRST}
	if withACK {
		r.ack = ack
		r.flags |= FlagACK
	}
	h.queueControl(&r)
}

// queueControl queues r for Output and reports whether there was room.
func (h *Host) queueControl(r *ctlSegment) bool {
	if h.ctl == nil {
		// Made on first use: most hosts of a many-flow run never send a
		// reply on no connection's behalf, and 10 000 flows' hosts would
		// otherwise hold 66 MB of empty queues.
		h.ctl = make([]ctlSegment, ctlQueueLen)
	}
	if h.ctlN == len(h.ctl) {
		h.stats.RepliesDropped++
		return false
	}
	h.ctl[(h.ctlHead+h.ctlN)%len(h.ctl)] = *r
	h.ctlN++
	return true
}

// Output returns the next packet the host may send now, or nil. Replies
// on no connection's behalf go first; then connections are visited
// round-robin so that no flow starves the others. Only connections that
// may have something to send are visited (schedule.go), in the order a
// visit of every connection would take, so the choice is the same.
func (h *Host) Output(now units.Time) *packet.Packet {
	if h.ctlN > 0 {
		r := &h.ctl[h.ctlHead]
		h.ctlHead = (h.ctlHead + 1) % len(h.ctl)
		h.ctlN--
		if r.stampTS {
			r.opts.TSVal = tsClock(now) + r.tsOff
		}
		return h.buildControl(r)
	}
	n := len(h.order)
	if n == 1 {
		// A host with one connection, the usual host of a bulk flow's
		// two ends: the visit the loop below would make, without the
		// walks of the deadline heap and the ready set that find it.
		if !h.ready.has(0) {
			if h.timers.min() > now {
				return nil // readyDue would not add it
			}
			h.ready.add(0)
		}
		return h.visitOnly(now)
	}
	if n == 0 {
		return nil
	}
	h.readyDue(now)
	start := h.rr
	if start >= n { // connections were removed since it was set
		start %= n
	}
	for k := h.ready.next(start); k >= 0; k = h.ready.next(k) {
		if p := h.visit(k, n, now); p != nil {
			return p
		}
	}
	return nil
}

// visit asks the ready connection at position k of n for a packet. One
// that has none leaves the ready set; so does one whose packet leaves it
// nothing to send (Conn.drained): the visit that would find nothing is
// not made. The round-robin position moves only when a packet goes, so
// it is as it would have been.
func (h *Host) visit(k, n int, now units.Time) *packet.Packet {
	c := h.order[k]
	h.outputCalls++
	if !c.ackNow && c.sent.len() == 0 && c.quiet(now) {
		h.ready.remove(k)
		return nil
	}
	p := c.output(now)
	h.staleKey(c)
	if p != nil {
		// (k + 1) % n without the division, which costs a packet
		// more time than the rest of this function.
		rr := k + 1
		if rr == n {
			rr = 0
		}
		h.rr = rr
		if !c.drained {
			return p
		}
	}
	c.drained = false
	h.ready.remove(k)
	return p
}

// visitOnly is visit(0, 1, now), for a host with one connection: the
// round-robin position after a packet is 0, and the connection's bit is
// bit 0 of the ready set's first word, whose summary bit is never kept.
func (h *Host) visitOnly(now units.Time) *packet.Packet {
	c := h.order[0]
	h.outputCalls++
	if !c.ackNow && c.sent.len() == 0 && c.quiet(now) {
		h.ready.words[0] &^= 1
		return nil
	}
	p := c.output(now)
	h.staleKey(c)
	if p != nil {
		h.rr = 0
		if !c.drained {
			return p
		}
	}
	c.drained = false
	h.ready.words[0] &^= 1
	return p
}

func (h *Host) buildControl(r *ctlSegment) *packet.Packet {
	p := h.pool.Get()
	wire.ReservePayload(p, 0)
	s := &h.seg
	*s = wire.Segment{Header: wire.Header{
		Src: r.id.localAddr, Dst: r.id.remoteAddr,
		SrcPort: r.id.localPort, DstPort: r.id.remotePort,
		Seq: r.seq, Ack: r.ack, Flags: r.flags, Window: r.win,
		TTL: h.cfg.TTL, Opts: r.opts,
	}}
	h.encode(p, s)
	p.Flow = h.flowTag
	if r.flags&FlagRST != 0 {
		h.stats.RSTsSent++
	}
	return p
}

// NextDeadline is the earliest time a connection's timer expires, or Never.
func (h *Host) NextDeadline() units.Time {
	h.refreshDeadlines()
	return h.timers.min()
}

// OnTimer runs every expired timer, connection by connection in creation
// order. The SYN-ACK timer of a half-open connection asks its listener
// first whether the entry has run out of retries.
func (h *Host) OnTimer(now units.Time) {
	if h.staleFirst != nil {
		// A driver that asked NextDeadline since the last change, as
		// the sim does, leaves nothing stale: the call is not made.
		h.refreshDeadlines()
	}
	if len(h.timers.conns) == 1 {
		// One connection in the heap, as at either end of a bulk flow
		// (a paced sender wakes once per segment): popDue's work
		// without its list, which would hold this one connection.
		// Its key is fresh (refreshed above, or not stale), so its
		// timers are due as it says.
		if c := h.timers.conns[0]; c.deadline <= now {
			h.timers.popOnly(c)
			h.touchLive(c)
			switch {
			case c.listener != nil:
				h.runTimers(c, now)
			case !c.onPacingTimer(now):
				c.onTimer(now) // runTimers' usual case, without the call
			}
		}
		return
	}
	due := h.popDue(now)
	for i, c := range due {
		// Cleared as it is taken: a loop of only the clearing compiles
		// to a runtime call with bulk write barriers, dearer than the
		// one store a host's usual wake-up takes.
		due[i] = nil
		// Every connection popped goes back into the heap at the next
		// refresh, with whatever deadline its timers leave. One that
		// an earlier one's timers closed, or whose deadline they
		// moved, is passed over.
		h.touch(c)
		if c.pos < 0 || c.nextDeadline() > now {
			continue
		}
		h.runTimers(c, now)
	}
}

// runTimers runs the expired timers of c.
func (h *Host) runTimers(c *Conn, now units.Time) {
	if l := c.listener; l != nil && c.state == SynReceived && c.rtxAt <= now && l.synAckExpired(c) {
		c.terminate(ErrTimedOut)
	} else {
		c.onTimer(now)
	}
}

// handshakeRTT tells an algorithm that reads it the RTT the handshake
// measured, before its Init (cc.HandshakeRTTReader). An active opener has
// sampled its SYN's RTT by now. A passive one becomes established before
// the handshake's ACK is processed, which is where its estimator samples
// the SYN-ACK; Linux takes that sample first (tcp_synack_rtt_meas, before
// tcp_init_transfer starts the congestion control), so the algorithm is
// given it here: the time since the SYN-ACK left, unless it was sent more
// than once (Karn's rule).
func handshakeRTT(c *Conn, now units.Time) {
	h, ok := c.cc.(cc.HandshakeRTTReader)
	if !ok {
		return
	}
	srtt, minRTT := c.rtt.srtt, c.rtt.minRTT
	if srtt == 0 && c.state != SynSent && c.sent.len() > 0 {
		if s := c.sent.at(0); s.seq == c.iss && !s.retransmitted {
			srtt = now.Sub(s.sentAt)
			minRTT = srtt
		}
	}
	h.HandshakeRTT(srtt, minRTT)
}

// seedCC gives an algorithm that wants one (cc.ConnSeeder) a seed from the
// connection's initial sequence numbers, which the hosts drew from the
// run's seed, and its ports: the same for the same run, different for
// every connection in it. Nothing is drawn from the host's generator, so
// the ISNs that follow are what they were.
func seedCC(c *Conn) {
	if s, ok := c.cc.(cc.ConnSeeder); ok {
		s.SeedConnection(uint64(c.iss)<<32 | uint64(c.irs) ^ uint64(c.id.localPort)<<48 ^ uint64(c.id.remotePort)<<16)
	}
}
