package wire

// IPv4 headers (RFC 791 §3.1) as a typed view over packet bytes.
//
// The view is a slice with a getter and a setter for each field, so a header
// is read and written in place, without copying into a struct first. It does
// no bounds checking of its own beyond Go's: whoever makes one has checked
// that the bytes are there (DecodeSegment validates lengths before it reads
// a field, EncodeSegment writes into room it has reserved).

import "encoding/binary"

const (
	// IPv4MinHeaderLen is the IPv4 header without options, which is all
	// EncodeSegment writes.
	IPv4MinHeaderLen = 20
	// IPv4Version is the version field of every IPv4 header.
	IPv4Version = 4
	// IPv4ProtocolTCP is TCP's number in the IPv4 protocol field.
	IPv4ProtocolTCP = 6
	// IPv4ProtocolUDP is UDP's number in the IPv4 protocol field.
	IPv4ProtocolUDP = 17
	// IPv4DefaultTTL is the TTL of segments that do not set one: Linux's
	// net.ipv4.ip_default_ttl, the value RFC 1700 recommends.
	IPv4DefaultTTL = 64

	// IPv4FlagMF (more fragments) and IPv4FlagDF (don't fragment) are the
	// low two bits of the IPv4 header's 3-bit flags field; the top bit is
	// reserved.
	IPv4FlagMF = 1 << 0
	IPv4FlagDF = 1 << 1
)

// ECN codepoints of the IPv4 header's low two TOS bits (RFC 3168 §5).
const (
	ECNNotECT uint8 = 0
	ECNECT1   uint8 = 1
	ECNECT0   uint8 = 2
	ECNCE     uint8 = 3
)

// Addr is an IPv4 address.
type Addr [4]byte

// Uint32 is the address as the big-endian number it is on the wire, for
// hashing or comparing it in one step.
func (a Addr) Uint32() uint32 { return binary.BigEndian.Uint32(a[:]) }

// IPv4Header is a view of an IPv4 header (RFC 791 §3.1).
type IPv4Header []byte

// Version is the IP version, 4 for IPv4.
func (h IPv4Header) Version() uint8 { return h[0] >> 4 }

// HeaderLen is the header's length in bytes (the IHL field times four).
func (h IPv4Header) HeaderLen() int { return int(h[0]&0x0f) * 4 }

// SetVersionAndHeaderLen sets the version to 4 and the IHL field to n bytes,
// which must be a multiple of 4.
func (h IPv4Header) SetVersionAndHeaderLen(n int) { h[0] = IPv4Version<<4 | uint8(n/4) }

// TOS is the former type-of-service byte: DSCP in the top six bits, ECN in
// the low two (RFC 2474, RFC 3168 §5).
func (h IPv4Header) TOS() uint8 { return h[1] }

// SetTOS sets the TOS byte.
func (h IPv4Header) SetTOS(tos uint8) { h[1] = tos }

// UpdateTOS sets the TOS byte and brings the header checksum up to date
// incrementally (ChecksumUpdate), without summing the header again. The
// checksum field must be valid before the call for it to be valid after.
func (h IPv4Header) UpdateTOS(tos uint8) {
	before := binary.BigEndian.Uint16(h[0:])
	h[1] = tos
	h.SetChecksum(ChecksumUpdate(h.Checksum(), before, binary.BigEndian.Uint16(h[0:])))
}

// ECN is the ECN codepoint, one of ECNNotECT, ECNECT1, ECNECT0 and ECNCE.
func (h IPv4Header) ECN() uint8 { return h[1] & 0x03 }

// SetECN sets the ECN codepoint, keeping the DSCP.
func (h IPv4Header) SetECN(ecn uint8) { h[1] = h[1]&^0x03 | ecn&0x03 }

// TotalLen is the datagram's length in bytes, header included.
func (h IPv4Header) TotalLen() uint16 { return binary.BigEndian.Uint16(h[2:]) }

// SetTotalLen sets the total length.
func (h IPv4Header) SetTotalLen(n uint16) { binary.BigEndian.PutUint16(h[2:], n) }

// ID is the identification field.
func (h IPv4Header) ID() uint16 { return binary.BigEndian.Uint16(h[4:]) }

// SetID sets the identification field.
func (h IPv4Header) SetID(id uint16) { binary.BigEndian.PutUint16(h[4:], id) }

// Flags is the 3-bit flags field (IPv4FlagDF, IPv4FlagMF).
func (h IPv4Header) Flags() uint8 { return h[6] >> 5 }

// FragmentOffset is the fragment's offset in bytes (the field counts 8-byte
// units).
func (h IPv4Header) FragmentOffset() int {
	return int(binary.BigEndian.Uint16(h[6:])&0x1fff) * 8
}

// SetFlagsAndFragmentOffset sets the flags and the fragment offset in bytes,
// which must be a multiple of 8.
func (h IPv4Header) SetFlagsAndFragmentOffset(flags uint8, offset int) {
	binary.BigEndian.PutUint16(h[6:], uint16(flags)<<13|uint16(offset/8)&0x1fff)
}

// TTL is the time to live.
func (h IPv4Header) TTL() uint8 { return h[8] }

// SetTTL sets the time to live.
func (h IPv4Header) SetTTL(ttl uint8) { h[8] = ttl }

// Protocol is the protocol number of the payload (IPv4ProtocolTCP).
func (h IPv4Header) Protocol() uint8 { return h[9] }

// SetProtocol sets the protocol number.
func (h IPv4Header) SetProtocol(p uint8) { h[9] = p }

// Checksum is the header checksum field.
func (h IPv4Header) Checksum() uint16 { return binary.BigEndian.Uint16(h[10:]) }

// SetChecksum sets the header checksum field.
func (h IPv4Header) SetChecksum(c uint16) { binary.BigEndian.PutUint16(h[10:], c) }

// Src is the source address.
func (h IPv4Header) Src() Addr { return Addr(h[12:16]) }

// SetSrc sets the source address.
func (h IPv4Header) SetSrc(a Addr) { copy(h[12:16], a[:]) }

// Dst is the destination address.
func (h IPv4Header) Dst() Addr { return Addr(h[16:20]) }

// SetDst sets the destination address.
func (h IPv4Header) SetDst(a Addr) { copy(h[16:20], a[:]) }

// ComputeChecksum returns the checksum the header should carry: that of its
// HeaderLen bytes with the checksum field taken as zero. h must hold the
// whole header, with a HeaderLen of at least IPv4MinHeaderLen.
func (h IPv4Header) ComputeChecksum() uint16 {
	n := h.HeaderLen()
	sum := ChecksumAdd(0, h[:10])
	return ^ChecksumFold(ChecksumAdd(sum, h[12:n]))
}

// ChecksumValid reports whether the header's checksum verifies: the sum of
// the header including its checksum field is all ones.
func (h IPv4Header) ChecksumValid() bool {
	return ChecksumFold(ChecksumAdd(0, h[:h.HeaderLen()])) == 0xffff
}
