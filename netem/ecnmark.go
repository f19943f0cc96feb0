// ECN step marking at a threshold on the instantaneous queue, the switch
// half of DCTCP (Alizadeh et al., SIGCOMM 2010, §3.1; RFC 8257 §3.1): an
// ECN-capable packet that arrives to find K or more packets (or bytes)
// waiting has its ECN field set to Congestion Experienced (RFC 3168 §5)
// instead of being left alone. The buffer still drops what does not fit.
//
// Why the instantaneous queue and a single threshold. RED (RFC 2309)
// marks with a probability that rises with an averaged queue, which smooths
// away exactly the bursts a data-center sender needs to hear about within
// one round trip. DCTCP wants the opposite: a mark on every packet that
// finds the queue at or above K, so the fraction of marked bytes tells the
// sender how long the queue stood above K. Linux builds it from RED with
// min = max = K and probability 1; here it is a stage of its own in front
// of whatever queue discipline the link has.
//
// What is marked. Only packets carrying ECT(0) or ECT(1): a not-ECT packet
// belongs to a transport that would not understand the mark (RFC 3168 §5
// forbids setting CE on it), and a packet already carrying CE has been
// marked upstream and is left as it is, not counted again. The queue
// length is the one the queue discipline reports just before the packet
// is offered to it: packets waiting behind the transmitter, not the one
// being serialized (see Qdisc).
//
// Rewriting the header. Packets are IPv4 datagrams starting at the
// packet's first byte. Setting CE changes the TOS byte, so the header
// checksum is updated incrementally (RFC 1624 eqn. 3, wire.ChecksumUpdate):
// three one's-complement additions instead of summing the header again. A packet too short to hold an
// IPv4 header, or not version 4, carries no ECN field the marker can read,
// so it is treated as not-ECT.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/wire"
)

// ecnMarker decides which arrivals are marked. Its zero value marks
// nothing.
type ecnMarker struct {
	thresholdPackets int // K in packets; 0: no packet threshold
	thresholdBytes   int // K in bytes; 0: no byte threshold
}

// on reports whether m has a threshold at all; without one it marks
// nothing, and the queue need not be consulted.
func (m ecnMarker) on() bool { return m.thresholdPackets > 0 || m.thresholdBytes > 0 }

// congested reports whether an arrival that finds queuedPackets packets and
// queuedBytes bytes waiting is at or above either threshold that is set.
func (m ecnMarker) congested(queuedPackets, queuedBytes int) bool {
	return m.thresholdPackets > 0 && queuedPackets >= m.thresholdPackets ||
		m.thresholdBytes > 0 && queuedBytes >= m.thresholdBytes
}

// markCE sets the ECN field of the IPv4 datagram in p to CE if it is ECT(0)
// or ECT(1), fixing the header checksum (or in the header p carries as
// metadata, wire.VirtualHeader), and reports whether it did.
func markCE(p *packet.Packet) bool {
	if v := wire.VirtualHeader(p); v != nil {
		if v.ECN != wire.ECNECT0 && v.ECN != wire.ECNECT1 {
			return false
		}
		v.ECN = wire.ECNCE
		return true
	}
	h := wire.IPv4Header(p.Bytes())
	if len(h) < wire.IPv4MinHeaderLen || h.Version() != wire.IPv4Version {
		return false
	}
	if ecn := h.ECN(); ecn != wire.ECNECT0 && ecn != wire.ECNECT1 {
		return false
	}
	h.UpdateTOS(h.TOS() | wire.ECNCE)
	return true
}
