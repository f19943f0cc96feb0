// Propagation delay: the time a packet's bits take to cross the medium once
// they have left the transmitter. Every packet is delayed by the same
// amount, and packets enter in the order the transmitter finishes them, so
// release times never decrease and a FIFO is the whole model: its head is
// always the next packet due.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// delayLine is a ring buffer of the packets on the medium, grown like ring
// (ring.go), each held with its arrival time and length, so that checking
// the head reads this dense array, not the packet: at high rates thousands
// of packets are on the medium and the head's buffer is long out of cache.
type delayLine struct {
	flight []onMedium // len is zero or a power of two
	head   int        // index of the next packet due
	n      int        // packets on the medium
	bytes  int        // bytes on the medium
}

// onMedium is a packet on the medium: due is when it reaches the far end.
type onMedium struct {
	p   *packet.Packet
	due units.Time
	n   int
	tag uint64
}

// push puts the packet of n bytes p on the medium to arrive at due, which
// must not be before the due of any packet already on it.
func (d *delayLine) push(due units.Time, p *packet.Packet, n int, tag uint64) {
	if d.n == len(d.flight) {
		d.grow()
	}
	d.flight[(d.head+d.n)&(len(d.flight)-1)] = onMedium{p, due, n, tag}
	d.n++
	d.bytes += n
}

// grow doubles the ring, unwrapping it to start at index 0.
func (d *delayLine) grow() {
	flight := make([]onMedium, max(minRing, 2*len(d.flight)))
	k := copy(flight, d.flight[d.head:])
	copy(flight[k:], d.flight[:d.head])
	d.flight, d.head = flight, 0
}

// arrivedBy removes and returns the next packet if it has arrived by now,
// or an onMedium with a nil packet.
func (d *delayLine) arrivedBy(now units.Time) onMedium {
	if d.n == 0 || d.flight[d.head].due > now {
		return onMedium{}
	}
	a := d.flight[d.head]
	// A packet handed on must not also be reachable from here.
	d.flight[d.head].p = nil
	d.head = (d.head + 1) & (len(d.flight) - 1)
	d.n--
	d.bytes -= a.n
	if d.n > 0 {
		// The next packet out is likely the driver's next event: start
		// fetching it now (packet.Prefetch).
		packet.Prefetch(d.flight[d.head].p)
	}
	return a
}

// deadline is when the next packet arrives, or units.Never if none is on
// the medium.
func (d *delayLine) deadline() units.Time {
	if d.n == 0 {
		return units.Never
	}
	return d.flight[d.head].due
}

// Len is the number of packets on the medium.
func (d *delayLine) Len() int { return d.n }
