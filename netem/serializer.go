// The transmitter: it clocks one packet at a time onto the wire at the
// link's rate. A packet of n bytes occupies it for n*8/rate seconds
// (rounded up to the nanosecond by units.Rate.TxTime), and the next packet
// starts when the previous one's last bit has left. That start time is
// carried from packet to packet rather than taken from the caller's clock,
// so back-to-back packets are spaced exactly one transmission time apart
// however late the driver looks.

package netem

import "ccbench/units"

type serializer struct {
	rate units.Rate // 0: no serialization delay
	// overhead is added to every packet's length on the wire: link-layer
	// framing the IP packet does not carry (tc's "overhead"; 38 bytes for
	// Ethernet's header, FCS, preamble and gap).
	overhead int
	// inService is the packet on the wire, with a nil Packet when the
	// transmitter is idle.
	inService Queued
	// finish is when inService's last bit leaves.
	finish units.Time
	// tx is inService's transmission time.
	tx units.Duration
	// busy is the total time spent on packets whose transmission has
	// ended, for utilization.
	busy units.Duration
}

// idle reports whether no packet is being transmitted.
func (s *serializer) idle() bool { return s.inService.Packet == nil }

// start begins transmitting q at time at; the transmitter must be idle.
func (s *serializer) start(at units.Time, q Queued) {
	s.inService = q
	s.tx = s.rate.TxTime(q.Len + s.overhead)
	s.finish = at.Add(s.tx)
}

// finishBy returns the packet in service if its transmission has ended by
// now, leaving the transmitter idle, or a Queued with a nil Packet.
func (s *serializer) finishBy(now units.Time) Queued {
	q := s.inService
	if q.Packet == nil || s.finish > now {
		return Queued{}
	}
	s.inService = Queued{}
	s.busy += s.tx
	return q
}

// deadline is when the packet in service finishes, or units.Never when idle.
func (s *serializer) deadline() units.Time {
	if s.inService.Packet == nil {
		return units.Never
	}
	return s.finish
}
