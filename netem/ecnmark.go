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
// checksum is updated incrementally by RFC 1624 eqn. 3,
// HC' = ~(~HC + ~m + m'), with m the 16-bit word holding the TOS byte
// before the change and m' after: three one's-complement additions instead
// of summing the header again, and, unlike RFC 1141's eqn. 2, never turning
// a valid checksum into the negative zero. A packet too short to hold an
// IPv4 header, or not version 4, carries no ECN field the marker can read,
// so it is treated as not-ECT.

package netem

import (
	"encoding/binary"

	"ccbench/packet"
)

// The ECN codepoints, the low two bits of the IPv4 TOS byte (RFC 3168 §5).
const (
	ecnMask = 0x03
	ecnCE   = 0x03
	ecnECT0 = 0x02
	ecnECT1 = 0x01
)

// ipv4MinHeaderLen is the shortest IPv4 header (IHL 5); the checksum is at
// bytes 10 and 11, the TOS byte at byte 1.
const ipv4MinHeaderLen = 20

// ecnMarker decides which arrivals are marked. Its zero value marks
// nothing.
type ecnMarker struct {
	thresholdPackets int // K in packets; 0: no packet threshold
	thresholdBytes   int // K in bytes; 0: no byte threshold
}

// congested reports whether an arrival that finds queuedPackets packets and
// queuedBytes bytes waiting is at or above either threshold that is set.
func (m ecnMarker) congested(queuedPackets, queuedBytes int) bool {
	return m.thresholdPackets > 0 && queuedPackets >= m.thresholdPackets ||
		m.thresholdBytes > 0 && queuedBytes >= m.thresholdBytes
}

// markCE sets the ECN field of the IPv4 datagram in p to CE if it is ECT(0)
// or ECT(1), fixing the header checksum, and reports whether it did.
func markCE(p *packet.Packet) bool {
	h := p.Bytes()
	if len(h) < ipv4MinHeaderLen || h[0]>>4 != 4 {
		return false
	}
	if ecn := h[1] & ecnMask; ecn != ecnECT0 && ecn != ecnECT1 {
		return false
	}
	before := uint32(binary.BigEndian.Uint16(h[0:]))
	h[1] |= ecnCE
	after := uint32(binary.BigEndian.Uint16(h[0:]))
	sum := uint32(^binary.BigEndian.Uint16(h[10:])) + (^before & 0xffff) + after
	sum = sum&0xffff + sum>>16
	sum = sum&0xffff + sum>>16
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return true
}
