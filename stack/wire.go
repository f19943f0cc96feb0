package stack

// The wire format: IPv4 (RFC 791 §3.1) and TCP (RFC 9293 §3.1) headers as
// typed views over packet bytes, and the codec between a Segment and the
// IPv4 datagram that carries it.
//
// The views are slices with getters and setters for each field, so a header
// is read and written in place, without copying into a struct first. They do
// no bounds checking of their own beyond Go's: DecodeSegment validates the
// lengths before it reads a field, and EncodeSegment writes into room it
// has reserved.
//
// Encode and decode run once per packet on both ends of every flow, so both
// avoid allocation and checksum the segment in one pass.

import (
	"encoding/binary"

	"ccbench/packet"
)

const (
	// IPv4MinHeaderLen is the IPv4 header without options, which is all
	// EncodeSegment writes.
	IPv4MinHeaderLen = 20
	// IPv4Version is the version field of every IPv4 header.
	IPv4Version = 4
	// IPv4ProtocolTCP is TCP's number in the IPv4 protocol field.
	IPv4ProtocolTCP = 6
	// IPv4DefaultTTL is the TTL of segments that do not set one: Linux's
	// net.ipv4.ip_default_ttl, the value RFC 1700 recommends.
	IPv4DefaultTTL = 64

	// IPv4FlagMF (more fragments) and IPv4FlagDF (don't fragment) are the
	// low two bits of the IPv4 header's 3-bit flags field; the top bit is
	// reserved.
	IPv4FlagMF = 1 << 0
	IPv4FlagDF = 1 << 1

	// TCPMinHeaderLen is the TCP header without options.
	TCPMinHeaderLen = 20
	// TCPMaxOptionsLen is the option space: the 4-bit data offset counts
	// 32-bit words, so the header is at most 60 bytes.
	TCPMaxOptionsLen = 40
	// TCPMaxHeaderLen is the longest TCP header.
	TCPMaxHeaderLen = TCPMinHeaderLen + TCPMaxOptionsLen

	// MaxHeaderLen is the room EncodeSegment may prepend to a payload: an
	// IPv4 header and the longest TCP header.
	MaxHeaderLen = IPv4MinHeaderLen + TCPMaxHeaderLen
)

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
	sum := checksumAdd(0, h[:10])
	return ^checksumFold(checksumAdd(sum, h[12:n]))
}

// ChecksumValid reports whether the header's checksum verifies: the sum of
// the header including its checksum field is all ones.
func (h IPv4Header) ChecksumValid() bool {
	return checksumFold(checksumAdd(0, h[:h.HeaderLen()])) == 0xffff
}

// TCPHeader is a view of a TCP header (RFC 9293 §3.1).
type TCPHeader []byte

// SrcPort is the source port.
func (h TCPHeader) SrcPort() uint16 { return binary.BigEndian.Uint16(h[0:]) }

// SetSrcPort sets the source port.
func (h TCPHeader) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(h[0:], p) }

// DstPort is the destination port.
func (h TCPHeader) DstPort() uint16 { return binary.BigEndian.Uint16(h[2:]) }

// SetDstPort sets the destination port.
func (h TCPHeader) SetDstPort(p uint16) { binary.BigEndian.PutUint16(h[2:], p) }

// SeqNum is the sequence number.
func (h TCPHeader) SeqNum() Seq { return Seq(binary.BigEndian.Uint32(h[4:])) }

// SetSeqNum sets the sequence number.
func (h TCPHeader) SetSeqNum(s Seq) { binary.BigEndian.PutUint32(h[4:], uint32(s)) }

// AckNum is the acknowledgment number.
func (h TCPHeader) AckNum() Seq { return Seq(binary.BigEndian.Uint32(h[8:])) }

// SetAckNum sets the acknowledgment number.
func (h TCPHeader) SetAckNum(s Seq) { binary.BigEndian.PutUint32(h[8:], uint32(s)) }

// DataOffset is the header's length in bytes (the data offset field times
// four).
func (h TCPHeader) DataOffset() int { return int(h[12]>>4) * 4 }

// SetDataOffset sets the header length to n bytes, a multiple of 4, and
// clears the reserved bits that share its byte.
func (h TCPHeader) SetDataOffset(n int) { h[12] = uint8(n/4) << 4 }

// Flags are the eight control bits, FlagFIN to FlagCWR.
func (h TCPHeader) Flags() uint8 { return h[13] }

// SetFlags sets the control bits.
func (h TCPHeader) SetFlags(f uint8) { h[13] = f }

// Window is the window field, before window scaling.
func (h TCPHeader) Window() uint16 { return binary.BigEndian.Uint16(h[14:]) }

// SetWindow sets the window field.
func (h TCPHeader) SetWindow(w uint16) { binary.BigEndian.PutUint16(h[14:], w) }

// Checksum is the checksum field.
func (h TCPHeader) Checksum() uint16 { return binary.BigEndian.Uint16(h[16:]) }

// SetChecksum sets the checksum field.
func (h TCPHeader) SetChecksum(c uint16) { binary.BigEndian.PutUint16(h[16:], c) }

// UrgentPointer is the urgent pointer field.
func (h TCPHeader) UrgentPointer() uint16 { return binary.BigEndian.Uint16(h[18:]) }

// SetUrgentPointer sets the urgent pointer field.
func (h TCPHeader) SetUrgentPointer(u uint16) { binary.BigEndian.PutUint16(h[18:], u) }

// Options returns the option bytes, between the fixed header and the data.
func (h TCPHeader) Options() []byte { return h[TCPMinHeaderLen:h.DataOffset()] }

// DropReason says why an arriving packet was not accepted as a TCP segment.
// It is an error, and a small integer so that a host can count drops per
// reason in an array of NumDropReasons counters.
type DropReason uint8

// The reasons DecodeSegment and ParseOptions reject input.
const (
	// DropShort: the buffer is shorter than the headers it must hold, or
	// than the IPv4 total length says.
	DropShort DropReason = iota
	// DropNotIPv4: the version field is not 4.
	DropNotIPv4
	// DropBadIPHeader: the IHL is below 5 or runs past the total length.
	DropBadIPHeader
	// DropBadIPChecksum: the IPv4 header checksum does not verify.
	DropBadIPChecksum
	// DropFragment: the datagram is a fragment; the stack sends with DF and
	// does not reassemble.
	DropFragment
	// DropNotTCP: the protocol field is not TCP.
	DropNotTCP
	// DropBadTCPHeader: the data offset is below 5 or runs past the
	// datagram.
	DropBadTCPHeader
	// DropBadTCPChecksum: the TCP checksum does not verify.
	DropBadTCPChecksum
	// DropBadOptions: an option's length is malformed (see ParseOptions).
	DropBadOptions

	// NumDropReasons is the number of reasons, for sizing counter arrays.
	NumDropReasons = iota
)

var dropReasonNames = [NumDropReasons]string{
	DropShort:          "short",
	DropNotIPv4:        "not_ipv4",
	DropBadIPHeader:    "bad_ip_header",
	DropBadIPChecksum:  "bad_ip_checksum",
	DropFragment:       "fragment",
	DropNotTCP:         "not_tcp",
	DropBadTCPHeader:   "bad_tcp_header",
	DropBadTCPChecksum: "bad_tcp_checksum",
	DropBadOptions:     "bad_options",
}

var dropReasonErrors = [NumDropReasons]string{
	DropShort:          "stack: packet shorter than its headers",
	DropNotIPv4:        "stack: not an IPv4 packet",
	DropBadIPHeader:    "stack: malformed IPv4 header length",
	DropBadIPChecksum:  "stack: IPv4 header checksum mismatch",
	DropFragment:       "stack: IPv4 fragment",
	DropNotTCP:         "stack: not a TCP packet",
	DropBadTCPHeader:   "stack: malformed TCP data offset",
	DropBadTCPChecksum: "stack: TCP checksum mismatch",
	DropBadOptions:     "stack: malformed TCP options",
}

// String is the reason's snake_case name, for counter labels.
func (r DropReason) String() string {
	if int(r) < len(dropReasonNames) {
		return dropReasonNames[r]
	}
	return "unknown"
}

// Error describes the reason for people.
func (r DropReason) Error() string {
	if int(r) < len(dropReasonErrors) {
		return dropReasonErrors[r]
	}
	return "stack: unknown drop reason"
}

// ReservePayload makes p hold n bytes for a payload with MaxHeaderLen bytes
// of room in front of them, beyond whatever headroom p already had, so that
// EncodeSegment can prepend any headers and a driver can still prepend its
// framing. It returns the payload bytes to fill.
func ReservePayload(p *packet.Packet, n int) []byte {
	p.SetLen(MaxHeaderLen + n)
	p.TrimFront(MaxHeaderLen)
	return p.Bytes()
}

// EncodeSegment turns p, which holds exactly the TCP payload, into the IPv4
// datagram carrying seg: it prepends the TCP header with seg.Opts and a
// 20-byte IPv4 header, and fills in both checksums. seg.Payload is ignored;
// the payload is what p holds. p needs room in front of the payload for
// both headers, at most MaxHeaderLen bytes, which ReservePayload
// guarantees; the packet.Headroom of a packet fresh from a pool is enough
// only for headers with at most one SACK block next to timestamps.
//
// The IPv4 header carries seg.ECN as its TOS byte (DSCP zero), seg.IPID,
// DF set (the stack does path MTU by configuration, never by
// fragmentation), seg.TTL or IPv4DefaultTTL if that is zero, and no options.
func EncodeSegment(p *packet.Packet, seg *Segment) { encodeSegment(p, seg, true) }

// encodeSegment is EncodeSegment; without sum it leaves the TCP checksum
// zero and never reads the payload, for virtual payload
// (Config.VirtualPayload), whose bytes nobody checks.
func encodeSegment(p *packet.Packet, seg *Segment, sum bool) {
	// The payload is summed before the headers are written and the IPv4
	// header's checksum is computed from the values written, not read back:
	// a load that spans several narrower stores cannot take its data from
	// them and waits until they reach the cache, so reading freshly written
	// headers first would stall the whole checksum.
	payloadLen := p.Len()
	var payloadSum uint64
	if sum {
		payloadSum = checksumAdd(0, p.Bytes())
	}
	tcpHeaderLen := TCPMinHeaderLen + seg.Opts.EncodedLen()
	tcpLen := tcpHeaderLen + payloadLen
	totalLen := uint16(IPv4MinHeaderLen + tcpLen)
	tos := seg.ECN & 0x03
	ttl := seg.TTL
	if ttl == 0 {
		ttl = IPv4DefaultTTL
	}

	tcp := TCPHeader(p.Prepend(tcpHeaderLen))
	tcp.SetSrcPort(seg.SrcPort)
	tcp.SetDstPort(seg.DstPort)
	tcp.SetSeqNum(seg.Seq)
	tcp.SetAckNum(seg.Ack)
	tcp.SetDataOffset(tcpHeaderLen)
	tcp.SetFlags(seg.Flags)
	tcp.SetWindow(seg.Window)
	tcp.SetChecksum(0)
	tcp.SetUrgentPointer(0)
	seg.Opts.Encode(tcp[TCPMinHeaderLen:])

	ip := IPv4Header(p.Prepend(IPv4MinHeaderLen))
	ip.SetVersionAndHeaderLen(IPv4MinHeaderLen)
	ip.SetTOS(tos)
	ip.SetTotalLen(totalLen)
	ip.SetID(seg.IPID)
	ip.SetFlagsAndFragmentOffset(IPv4FlagDF, 0)
	ip.SetTTL(ttl)
	ip.SetProtocol(IPv4ProtocolTCP)
	ip.SetSrc(seg.Src)
	ip.SetDst(seg.Dst)
	ip.SetChecksum(encodedIPv4Checksum(tos, totalLen, seg.IPID, ttl, seg.Src, seg.Dst))

	// The payload starts at a multiple of 4 bytes into the segment, so its
	// sum adds to the header's.
	if sum {
		hs := checksumAdd(pseudoHeaderSum(seg.Src, seg.Dst, tcpLen), tcp)
		tcp.SetChecksum(^checksumFold(checksumCombine(hs, payloadSum)))
	}
}

// encodedIPv4Checksum is the checksum of the header EncodeSegment writes,
// summed in network order from the field values: version and IHL, TOS,
// total length, ID, flags DF with offset 0, TTL and protocol, addresses.
func encodedIPv4Checksum(tos uint8, totalLen, id uint16, ttl uint8, src, dst Addr) uint16 {
	s := uint32(IPv4Version<<12|IPv4MinHeaderLen/4<<8|uint16(tos)) + uint32(totalLen) + uint32(id) +
		IPv4FlagDF<<13 + uint32(ttl)<<8 + IPv4ProtocolTCP
	s += uint32(binary.BigEndian.Uint16(src[0:])) + uint32(binary.BigEndian.Uint16(src[2:]))
	s += uint32(binary.BigEndian.Uint16(dst[0:])) + uint32(binary.BigEndian.Uint16(dst[2:]))
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	return ^uint16(s)
}

// DecodeSegment parses and verifies the IPv4 datagram in b as a TCP segment
// and fills seg. seg.Payload aliases b. Bytes beyond the IPv4 total length
// are ignored, as link-layer padding must be. IPv4 options are skipped. On
// error, which is always a DropReason, seg holds no meaningful value.
func DecodeSegment(b []byte, seg *Segment) error { return decodeSegment(b, seg, true) }

// decodeSegment is DecodeSegment; without verifyTCP it skips the TCP
// checksum, for virtual payload (Config.VirtualPayload), whose sender
// computed none.
func decodeSegment(b []byte, seg *Segment, verifyTCP bool) error {
	if len(b) < IPv4MinHeaderLen {
		return DropShort
	}
	ip := IPv4Header(b)
	if ip.Version() != IPv4Version {
		return DropNotIPv4
	}
	totalLen := int(ip.TotalLen())
	if totalLen > len(b) {
		return DropShort
	}
	ipHeaderLen := ip.HeaderLen()
	if ipHeaderLen < IPv4MinHeaderLen || ipHeaderLen > totalLen {
		return DropBadIPHeader
	}
	if !ip[:ipHeaderLen].ChecksumValid() {
		return DropBadIPChecksum
	}
	if ip.Flags()&IPv4FlagMF != 0 || ip.FragmentOffset() != 0 {
		return DropFragment
	}
	if ip.Protocol() != IPv4ProtocolTCP {
		return DropNotTCP
	}

	tcp := TCPHeader(b[ipHeaderLen:totalLen])
	if len(tcp) < TCPMinHeaderLen {
		return DropShort
	}
	tcpHeaderLen := tcp.DataOffset()
	if tcpHeaderLen < TCPMinHeaderLen || tcpHeaderLen > len(tcp) {
		return DropBadTCPHeader
	}
	src, dst := ip.Src(), ip.Dst()
	if verifyTCP && checksumFold(checksumAdd(pseudoHeaderSum(src, dst, len(tcp)), tcp)) != 0xffff {
		return DropBadTCPChecksum
	}
	if err := ParseOptions(tcp[TCPMinHeaderLen:tcpHeaderLen], &seg.Opts); err != nil {
		return err
	}

	seg.Src, seg.Dst = src, dst
	seg.ECN = ip.ECN()
	seg.TTL = ip.TTL()
	seg.IPID = ip.ID()
	seg.SrcPort = tcp.SrcPort()
	seg.DstPort = tcp.DstPort()
	seg.Seq = tcp.SeqNum()
	seg.Ack = tcp.AckNum()
	seg.Flags = tcp.Flags()
	seg.Window = tcp.Window()
	seg.Payload = tcp[tcpHeaderLen:]
	return nil
}
