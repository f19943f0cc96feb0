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
	// meta is a FIFO in step with flight holding each packet's arrival
	// time and length, so that checking the head touches this dense array,
	// not the packet: at high rates thousands of packets are on the medium
	// and the head's buffer is long out of cache.
	meta     []onMedium
	metaHead int
	bytes    int // bytes on the medium
}

type onMedium struct {
	due units.Time
	n   int
}

// push puts p on the medium at time sent; it arrives delay later, recorded
// in p.Due.
func (d *delayLine) push(sent units.Time, p *packet.Packet) {
	p.Due = sent.Add(d.delay)
	n := p.Len()
	count := d.flight.Len()
	if count == len(d.meta) {
		meta := make([]onMedium, max(minRing, 2*len(d.meta)))
		for i := range count {
			meta[i] = d.meta[(d.metaHead+i)&(len(d.meta)-1)]
		}
		d.meta, d.metaHead = meta, 0
	}
	d.meta[(d.metaHead+count)&(len(d.meta)-1)] = onMedium{p.Due, n}
	d.flight.Push(p)
	d.bytes += n
}

// arrivedBy removes and returns the next packet if it has arrived by now,
// or nil.
func (d *delayLine) arrivedBy(now units.Time) *packet.Packet {
	if d.flight.Len() == 0 {
		return nil
	}
	a := d.meta[d.metaHead]
	if a.due > now {
		return nil
	}
	d.bytes -= a.n
	d.metaHead = (d.metaHead + 1) & (len(d.meta) - 1)
	return d.flight.Pop()
}

// deadline is when the next packet arrives, or units.Never if none is on
// the medium.
func (d *delayLine) deadline() units.Time {
	if d.flight.Len() == 0 {
		return units.Never
	}
	return d.meta[d.metaHead].due
}

// Len is the number of packets on the medium.
func (d *delayLine) Len() int { return d.flight.Len() }
