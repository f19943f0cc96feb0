// Package packet holds the buffers that carry packets through the stack,
// the emulated links and the drivers.
//
// A Packet is a fixed-size buffer with headroom: the sender reserves room at
// the front, copies the payload in, then writes the TCP and IPv4 headers in
// place in front of it. Whoever holds a packet either passes it on or returns
// it to the Pool it came from; nothing on the per-packet path allocates once
// the pool has warmed up.
package packet

import (
	"unsafe"

	"github.com/ccbench/ccbench/units"
)

const (
	// Capacity is the size of every buffer: room for a 1500-byte MTU packet
	// plus headroom for link-layer or TUN framing, rounded to a power of two.
	Capacity = 2048
	// Headroom is what Reset leaves free before the packet's first byte, so a
	// driver can prepend framing (the TUN packet-information header, say)
	// without copying.
	Headroom = 64
)

// Packet is one IPv4 datagram in a pooled buffer.
//
// The metadata comes before the buffer, so that what a packet that
// waited in a deep queue, or on a long link, while other packets pushed
// it out of the cache, is read for when it arrives sits together: its
// lengths, flow and times, and its headers, which in the simulator
// travel as metadata (Meta) in the 112 bytes right after them, all but
// their last 24 (the Fast Open cookie) within the packet's first pair of
// 128-byte cache lines. Headers written as bytes start 64 bytes of
// headroom after that, on the next line. (The allocator's size class for
// a Packet, 2304 bytes, is a multiple of 128, so every Packet starts on
// such a pair.)
type Packet struct {
	start, end int
	// Metadata that travels with the packet but is not on the wire.
	// Flow is the driver's index of the flow that sent the packet, for
	// per-flow accounting in links and metrics.
	Flow int32
	// metaLen is, for a packet whose headers travel as metadata, how
	// many of its first bytes they stand for (their length on the wire,
	// those bytes never written); 0 for a packet whose bytes hold its
	// headers.
	metaLen int32
	// Enqueued is when the packet last entered a link through
	// netem.Link.Enqueue (not EnqueueTagged, which leaves the packet
	// alone). The queue disciplines keep their own copy beside the
	// pointer (netem.Queued) and never read this one.
	Enqueued units.Time
	// Due is when the current holder releases the packet (end of
	// serialization, end of propagation delay); netem.Link.Dequeue sets
	// it as it hands the packet out (DequeueTagged does not).
	Due units.Time
	// meta holds those headers, in whatever form the package that wrote
	// them (wire) gives them.
	meta [MetaLen / 8]uint64
	buf  [Capacity]byte
}

// MetaLen is the room a packet has for headers carried as metadata.
const MetaLen = 112

// Reset empties p, leaving Headroom bytes before its start.
func (p *Packet) Reset() {
	p.start, p.end = Headroom, Headroom
	p.Flow = -1
	p.Enqueued, p.Due = 0, 0
	p.metaLen = 0
}

// Meta returns the packet's metadata area, for the package that encodes
// headers into it; it is meaningful only while MetaLen reports non-zero.
func (p *Packet) Meta() *[MetaLen / 8]uint64 { return &p.meta }

// MetaHeaderLen is how many of the packet's first bytes are headers that
// travel as metadata (Meta) and were never written; 0 when the packet's
// bytes hold its headers, as they must wherever something reads them: a
// capture, a driver, a link that corrupts.
func (p *Packet) MetaHeaderLen() int { return int(p.metaLen) }

// SetMetaHeaderLen marks the packet's first n bytes as headers held in
// Meta (n > 0) or in the bytes themselves (n = 0). It panics if n is
// negative or past the packet's end, a programming error.
func (p *Packet) SetMetaHeaderLen(n int) {
	if n < 0 || n > p.Len() {
		panic("packet: metadata header length out of range")
	}
	p.metaLen = int32(n)
}

// Reserve leaves front bytes of new headroom after the packet's start and
// makes it n bytes long from there: SetLen(front+n), then TrimFront(front).
// It panics if front or n is negative or the packet would pass the end of
// its buffer.
func (p *Packet) Reserve(front, n int) {
	if front < 0 || n < 0 || p.start+front+n > Capacity {
		panic("packet: length out of range")
	}
	p.start += front
	p.end = p.start + n
}

// PrependMeta grows the packet by n bytes of headers at the front that
// travel as metadata: Prepend(n) and SetMetaHeaderLen(n) in one, with no
// bytes to return. It panics, as they would, if n is negative or more than
// the headroom.
func (p *Packet) PrependMeta(n int) {
	if n < 0 || n > p.start {
		panic("packet: metadata header length out of range")
	}
	p.start -= n
	p.metaLen = int32(n)
}

// CopyFrom makes p a copy of q: its bytes, its flow and its metadata
// headers. The timestamps are p's own, as for a packet just taken from a
// pool.
func (p *Packet) CopyFrom(q *Packet) {
	p.Reset()
	p.end = p.start + copy(p.buf[p.start:], q.Bytes())
	p.Flow = q.Flow
	p.metaLen = q.metaLen
	if q.metaLen > 0 {
		p.meta = q.meta
	}
}

// Bytes returns the packet's contents. The slice aliases the buffer.
func (p *Packet) Bytes() []byte { return p.buf[p.start:p.end] }

// BytesAfter returns the packet's contents after its first n bytes,
// Bytes()[n:], in one slicing; n must not be negative. It panics if n is
// past the end.
func (p *Packet) BytesAfter(n int) []byte { return p.buf[p.start+n : p.end] }

// Len is the packet's length in bytes.
func (p *Packet) Len() int { return p.end - p.start }

// SetLen sets the packet's length, keeping its start. It panics if n does
// not fit, which is a programming error, never a consequence of input.
func (p *Packet) SetLen(n int) {
	if n < 0 || p.start+n > Capacity {
		panic("packet: length out of range")
	}
	p.end = p.start + n
}

// Prepend grows the packet by n bytes at the front and returns them.
func (p *Packet) Prepend(n int) []byte {
	if n > p.start {
		panic("packet: not enough headroom")
	}
	p.start -= n
	return p.buf[p.start : p.start+n]
}

// TrimFront drops n bytes from the front (the inverse of Prepend).
func (p *Packet) TrimFront(n int) {
	if n > p.Len() {
		panic("packet: trim past end")
	}
	p.start += n
}

// Tail returns the unused room after the packet, for appending.
func (p *Packet) Tail() []byte { return p.buf[p.end:] }

// Load replaces the contents with b (for drivers that receive into their own
// buffers and for tests). It returns false if b does not fit.
func (p *Packet) Load(b []byte) bool {
	if len(b) > Capacity-Headroom {
		return false
	}
	p.Reset()
	p.end = p.start + copy(p.buf[p.start:], b)
	return true
}

// Pool is a free list of packets. It is not safe for concurrent use: each
// driver goroutine owns its pool, which keeps Get and Put to a few
// instructions.
type Pool struct {
	free []*Packet
	// slab is what is left of the current slab (slab_linux.go), taken
	// once the pool has made heapPackets packets.
	slab []slot
	// Allocated counts packets ever created by this pool; it stops growing
	// once the pool has warmed up, which is what allocation tests check.
	Allocated int
	// Outstanding counts packets taken and not yet returned.
	Outstanding int
}

// Get returns an empty packet.
func (pl *Pool) Get() *Packet {
	var p *Packet
	if n := len(pl.free); n > 0 {
		// The slot past the new length keeps its pointer until a Put
		// overwrites it. The packet is in use, and returns to the pool
		// (a holder that dropped it instead would have leaked it
		// anyway), while clearing the slot is a store with a write
		// barrier on every packet.
		p = pl.free[n-1]
		pl.free = pl.free[:n-1]
	} else {
		p = pl.make()
		pl.Allocated++
	}
	pl.Outstanding++
	p.Reset()
	return p
}

// heapPackets is how many packets a pool takes from the Go heap before it
// takes slabs: a small run never maps one.
const heapPackets = 512

// slot is a Packet padded to a multiple of 128 bytes, so that in a slab
// every Packet starts on a pair of cache lines, as the allocator's size
// class puts one from the heap.
type slot struct {
	p Packet
	_ [(128 - unsafe.Sizeof(Packet{})%128) % 128]byte
}

// make makes a new packet: from the Go heap for the first heapPackets,
// then from slabs where the platform has them.
func (pl *Pool) make() *Packet {
	if pl.Allocated >= heapPackets && len(pl.slab) == 0 {
		pl.slab = newSlab()
	}
	if len(pl.slab) == 0 {
		return new(Packet)
	}
	p := &pl.slab[0].p
	pl.slab = pl.slab[1:]
	return p
}

// Put returns p to the pool. p must not be used afterwards.
func (pl *Pool) Put(p *Packet) {
	pl.Outstanding--
	pl.free = append(pl.free, p)
}
