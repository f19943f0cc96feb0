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
	delay  units.Duration
	flight ring
	bytes  int // bytes on the medium
}

// push puts p on the medium at time sent; it arrives delay later, recorded
// in p.Due.
func (d *delayLine) push(sent units.Time, p *packet.Packet) {
	p.Due = sent.Add(d.delay)
	d.flight.Push(p)
	d.bytes += p.Len()
}

// arrivedBy removes and returns the next packet if it has arrived by now,
// or nil.
func (d *delayLine) arrivedBy(now units.Time) *packet.Packet {
	p := d.flight.Peek()
	if p == nil || p.Due > now {
		return nil
	}
	d.bytes -= p.Len()
	return d.flight.Pop()
}

// deadline is when the next packet arrives, or units.Never if none is on
// the medium.
func (d *delayLine) deadline() units.Time {
	p := d.flight.Peek()
	if p == nil {
		return units.Never
	}
	return p.Due
}

// Len is the number of packets on the medium.
func (d *delayLine) Len() int { return d.flight.Len() }
