package wire

// The codec between a Segment, the fields of a TCP segment and its IPv4
// datagram that a TCP endpoint reads and writes, and the bytes on the wire.
//
// Encode and decode run once per packet on both ends of every flow, so both
// avoid allocation and checksum the segment in one pass.

import (
	"encoding/binary"

	"github.com/ccbench/ccbench/packet"
)

// MaxHeaderLen is the room EncodeSegment may prepend to a payload: an IPv4
// header and the longest TCP header.
const MaxHeaderLen = IPv4MinHeaderLen + TCPMaxHeaderLen

// Segment is a decoded TCP segment with the IPv4 fields the stack needs.
// Payload aliases the packet it was decoded from.
type Segment struct {
	Header
	Payload []byte
}

// Header is every field of a Segment but its payload: what the IPv4 and
// TCP headers carry that the stack reads or writes. It holds no pointers,
// so a packet can carry one as metadata in place of header bytes
// (EncodeVirtual).
type Header struct {
	Src, Dst         Addr
	SrcPort, DstPort uint16
	Seq, Ack         Seq
	Flags            uint8
	Window           uint16 // as on the wire, before window scaling
	ECN              uint8  // the IPv4 ECN field
	TTL              uint8
	IPID             uint16
	Opts             Options
}

// Has reports whether all of flags are set.
func (s *Segment) Has(flags uint8) bool { return s.Flags&flags == flags }

// SeqLen is the segment's length in sequence space: payload plus one for
// SYN and one for FIN.
func (s *Segment) SeqLen() int {
	n := len(s.Payload)
	if s.Flags&FlagSYN != 0 {
		n++
	}
	if s.Flags&FlagFIN != 0 {
		n++
	}
	return n
}

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
	DropShort:          "wire: packet shorter than its headers",
	DropNotIPv4:        "wire: not an IPv4 packet",
	DropBadIPHeader:    "wire: malformed IPv4 header length",
	DropBadIPChecksum:  "wire: IPv4 header checksum mismatch",
	DropFragment:       "wire: IPv4 fragment",
	DropNotTCP:         "wire: not a TCP packet",
	DropBadTCPHeader:   "wire: malformed TCP data offset",
	DropBadTCPChecksum: "wire: TCP checksum mismatch",
	DropBadOptions:     "wire: malformed TCP options",
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
	return "wire: unknown drop reason"
}

// ReservePayload makes p hold n bytes for a payload with MaxHeaderLen bytes
// of room in front of them, beyond whatever headroom p already had, so that
// EncodeSegment can prepend any headers and a driver can still prepend its
// framing. It returns the payload bytes to fill.
func ReservePayload(p *packet.Packet, n int) []byte {
	ReservePayloadLen(p, n)
	return p.Bytes()
}

// ReservePayloadLen is ReservePayload for a payload whose bytes are not
// written (virtual payload, or none): the same bounds, without the slice.
func ReservePayloadLen(p *packet.Packet, n int) {
	p.Reserve(MaxHeaderLen, n)
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
func EncodeSegment(p *packet.Packet, seg *Segment) {
	// The payload is summed before the headers are written and the IPv4
	// header's checksum is computed from the values written, not read back:
	// a load that spans several narrower stores cannot take its data from
	// them and waits until they reach the cache, so reading freshly written
	// headers first would stall the whole checksum.
	payloadLen := p.Len()
	payloadSum := ChecksumAdd(0, p.Bytes())
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
	hs := ChecksumAdd(PseudoHeaderSum(seg.Src, seg.Dst, IPv4ProtocolTCP, tcpLen), tcp)
	tcp.SetChecksum(^ChecksumFold(ChecksumCombine(hs, payloadSum)))
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
func DecodeSegment(b []byte, seg *Segment) error { return DecodeSegmentWith(b, seg, true) }

// DecodeSegmentWith is DecodeSegment; without verify it skips both
// checksums, for a receiver whose payload is virtual (its bytes were never
// written, so no checksum over them can hold) and to which nothing between
// it and the sender can do harm: the simulator keeps real bytes wherever a
// link corrupts, and a link that marks CE updates the IPv4 checksum as it
// must. Such a receiver gets its peer's headers as metadata
// (DecodePacket), so this is for the real packets that reach it besides,
// a flood's spoofed SYNs say. Every other check stands.
func DecodeSegmentWith(b []byte, seg *Segment, verify bool) error {
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
	if verify && !ip[:ipHeaderLen].ChecksumValid() {
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
	if verify && ChecksumFold(ChecksumAdd(PseudoHeaderSum(src, dst, IPv4ProtocolTCP, len(tcp)), tcp)) != 0xffff {
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

// RefreshChecksums recomputes both checksums of the IPv4 datagram carrying
// a TCP segment in b, after its bytes were edited. It fixes what the
// lengths in b let it reach and leaves the rest, so any input is safe:
// too short for an IPv4 header, IHL or total length inconsistent with b,
// too short for a TCP header.
func RefreshChecksums(b []byte) {
	if len(b) < IPv4MinHeaderLen {
		return
	}
	ip := IPv4Header(b)
	headerLen, total := ip.HeaderLen(), int(ip.TotalLen())
	if headerLen < IPv4MinHeaderLen || headerLen > total || total > len(b) {
		return
	}
	ip.SetChecksum(ip.ComputeChecksum())
	tcp := TCPHeader(b[headerLen:total])
	if len(tcp) < TCPMinHeaderLen {
		return
	}
	tcp.SetChecksum(0)
	tcp.SetChecksum(^ChecksumFold(ChecksumAdd(PseudoHeaderSum(ip.Src(), ip.Dst(), IPv4ProtocolTCP, len(tcp)), tcp)))
}
