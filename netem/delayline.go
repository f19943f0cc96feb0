// Propagation delay: the time a packet's bits take to cross the medium once
// they have left the transmitter. Every packet is delayed by the same
// amount, and packets enter in the order the transmitter finishes them, so
// release times never decrease and a FIFO is the whole model: its head is
// always the next packet due.

package netem

import (
	"ccbench/packet"
	"ccbench/units"
)

type delayLine struct {
	// flight holds the packets on the medium with their arrival times and
	// lengths, so that checking the head reads this dense array, not the
	// packet: at high rates thousands of packets are on the medium and the
	// head's buffer is long out of cache.
	flight ring[onMedium]
	bytes  int // bytes on the medium
}

// onMedium is a packet on the medium: due is when it reaches the far end.
type onMedium struct {
	p   *packet.Packet
	due units.Time
	n   int
}

// push puts the packet of n bytes p on the medium to arrive at due, which
// must not be before the due of any packet already on it.
func (d *delayLine) push(due units.Time, p *packet.Packet, n int) {
	d.flight.Push(onMedium{p, due, n})
	d.bytes += n
}

// arrivedBy removes and returns the next packet if it has arrived by now,
// or an onMedium with a nil packet.
func (d *delayLine) arrivedBy(now units.Time) onMedium {
	if d.flight.Len() == 0 || d.flight.Peek().due > now {
		return onMedium{}
	}
	a := d.flight.Pop()
	d.bytes -= a.n
	return a
}

// deadline is when the next packet arrives, or units.Never if none is on
// the medium.
func (d *delayLine) deadline() units.Time {
	if d.flight.Len() == 0 {
		return units.Never
	}
	return d.flight.Peek().due
}

// Len is the number of packets on the medium.
func (d *delayLine) Len() int { return d.flight.Len() }
