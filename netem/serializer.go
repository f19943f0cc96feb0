// The transmitter: it clocks one packet at a time onto the wire at the
// link's rate. A packet of n bytes occupies it for n*8/rate seconds
// (rounded up to the nanosecond by units.Rate.TxTime), and the next packet
// starts when the previous one's last bit has left. That start time is
// carried from packet to packet rather than taken from the caller's clock,
// so back-to-back packets are spaced exactly one transmission time apart
// however late the driver looks.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

type serializer struct {
	rate units.Rate // 0: no serialization delay
	// overhead is added to every packet's length on the wire: link-layer
	// framing the IP packet does not carry (tc's "overhead"; 38 bytes for
	// Ethernet's header, FCS, preamble and gap).
	overhead int
	// inService is the packet on the wire, nil when the transmitter is
	// idle, and n its length.
	inService *packet.Packet
	n         int
	// finish is when inService's last bit leaves.
	finish units.Time
	// tx is inService's transmission time.
	tx units.Duration
	// busy is the total time spent on packets whose transmission has
	// ended, for utilization.
	busy units.Duration
	// txMemo keeps the latest transmission time: a link's packets
	// mostly share one length, so TxTime's division is done when the
	// length or the rate changes, not per packet.
	txMemo units.TxTimeMemo
}

// setRate makes packets that start from now on go at r.
func (s *serializer) setRate(r units.Rate) { s.rate = r }

// idle reports whether no packet is being transmitted.
func (s *serializer) idle() bool { return s.inService == nil }

// start begins transmitting p, of n bytes, at time at; the transmitter
// must be idle.
func (s *serializer) start(at units.Time, p *packet.Packet, n int) {
	s.inService, s.n = p, n
	s.tx = s.txMemo.TxTime(s.rate, n+s.overhead)
	s.finish = at.Add(s.tx)
}

// finishBy returns the packet in service and its length if its
// transmission has ended by now, leaving the transmitter idle, or nil.
func (s *serializer) finishBy(now units.Time) (*packet.Packet, int) {
	p := s.inService
	if p == nil || s.finish > now {
		return nil, 0
	}
	s.inService = nil
	s.busy += s.tx
	return p, s.n
}

// deadline is when the packet in service finishes, or units.Never when idle.
func (s *serializer) deadline() units.Time {
	if s.inService == nil {
		return units.Never
	}
	return s.finish
}
