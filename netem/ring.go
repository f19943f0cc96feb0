// A FIFO of packets in a ring buffer: the storage behind the drop-tail queue
// and the delay line. It grows by doubling only when full, so once a run has
// reached its peak occupancy it never allocates again; a power-of-two size
// turns the wrap-around into a mask.

package netem

import "ccbench/packet"

// minRing is the first allocation; small enough for an idle reverse path,
// large enough that a busy link reaches its steady size in a few doublings.
const minRing = 16

type ring struct {
	buf  []*packet.Packet // len is zero or a power of two
	head int              // index of the oldest packet
	n    int              // number of packets held
}

// Len returns the number of packets held.
func (r *ring) Len() int { return r.n }

// Push appends p at the tail.
func (r *ring) Push(p *packet.Packet) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = p
	r.n++
}

// Peek returns the oldest packet, or nil when empty.
func (r *ring) Peek() *packet.Packet {
	if r.n == 0 {
		return nil
	}
	return r.buf[r.head]
}

// Pop removes and returns the oldest packet, or nil when empty.
func (r *ring) Pop() *packet.Packet {
	if r.n == 0 {
		return nil
	}
	p := r.buf[r.head]
	// Drop the reference: a packet back in the pool must not also be
	// reachable from here.
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return p
}

// grow doubles the buffer, unwrapping the contents to start at index 0.
func (r *ring) grow() {
	size := max(minRing, 2*len(r.buf))
	buf := make([]*packet.Packet, size)
	// The held packets are buf[head:] followed by buf[:head] when full.
	k := copy(buf, r.buf[r.head:])
	copy(buf[k:], r.buf[:r.head])
	r.buf = buf
	r.head = 0
}
