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
// The metadata comes before the buffer, so that it shares a 128-byte pair
// of cache lines with the headers Reset's headroom puts right after it:
// a packet that waited in a deep queue, or on a long link, while other
// packets pushed it out of the cache costs one fetch of that pair when it
// arrives and is decoded, where metadata behind the 2 KiB buffer cost a
// second, distant one. (The allocator's size class for a Packet, 2304
// bytes, is a multiple of 128, so every Packet starts on such a pair.)
type Packet struct {
	start, end int
	// Metadata that travels with the packet but is not on the wire.
	// Flow is the driver's index of the flow that sent the packet, for
	// per-flow accounting in links and metrics.
	Flow int32
	// Enqueued is when the packet last entered a link through
	// netem.Link.Enqueue (not EnqueueTagged, which leaves the packet
	// alone). The queue disciplines keep their own copy beside the
	// pointer (netem.Queued) and never read this one.
	Enqueued units.Time
	// Due is when the current holder releases the packet (end of
	// serialization, end of propagation delay); netem.Link.Dequeue sets
	// it as it hands the packet out (DequeueTagged does not).
	Due units.Time
	buf [Capacity]byte
}

// Reset empties p, leaving Headroom bytes before its start.
func (p *Packet) Reset() {
	p.start, p.end = Headroom, Headroom
	p.Flow = -1
	p.Enqueued, p.Due = 0, 0
}

// Bytes returns the packet's contents. The slice aliases the buffer.
func (p *Packet) Bytes() []byte { return p.buf[p.start:p.end] }

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
		p = pl.free[n-1]
		pl.free[n-1] = nil
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
