package wire

// UDP headers (RFC 768) as a typed view over packet bytes, in the manner of
// IPv4Header. Nothing in ccbench speaks UDP; the runner's cross traffic is
// UDP datagrams that the links carry and nobody reads.

import "encoding/binary"

// UDPHeaderLen is the length of the UDP header, which has no options.
const UDPHeaderLen = 8

// UDPHeader is a view of a UDP header (RFC 768).
type UDPHeader []byte

// SrcPort is the source port.
func (h UDPHeader) SrcPort() uint16 { return binary.BigEndian.Uint16(h[0:]) }

// SetSrcPort sets the source port.
func (h UDPHeader) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(h[0:], p) }

// DstPort is the destination port.
func (h UDPHeader) DstPort() uint16 { return binary.BigEndian.Uint16(h[2:]) }

// SetDstPort sets the destination port.
func (h UDPHeader) SetDstPort(p uint16) { binary.BigEndian.PutUint16(h[2:], p) }

// Length is the datagram's length in bytes, header included.
func (h UDPHeader) Length() uint16 { return binary.BigEndian.Uint16(h[4:]) }

// SetLength sets the length field.
func (h UDPHeader) SetLength(n uint16) { binary.BigEndian.PutUint16(h[4:], n) }

// Checksum is the checksum field; over IPv4, 0 means the sender computed
// none (RFC 768).
func (h UDPHeader) Checksum() uint16 { return binary.BigEndian.Uint16(h[6:]) }

// SetChecksum sets the checksum field.
func (h UDPHeader) SetChecksum(c uint16) { binary.BigEndian.PutUint16(h[6:], c) }
