package wire

// TCP headers (RFC 9293 §3.1) as a typed view over packet bytes, in the
// manner of IPv4Header.

import "encoding/binary"

const (
	// TCPMinHeaderLen is the TCP header without options.
	TCPMinHeaderLen = 20
	// TCPMaxOptionsLen is the option space: the 4-bit data offset counts
	// 32-bit words, so the header is at most 60 bytes.
	TCPMaxOptionsLen = 40
	// TCPMaxHeaderLen is the longest TCP header.
	TCPMaxHeaderLen = TCPMinHeaderLen + TCPMaxOptionsLen
)

// TCP header flags (RFC 9293 §3.1, RFC 3168 §6.1 for ECE and CWR).
const (
	FlagFIN uint8 = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
)

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
