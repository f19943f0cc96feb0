package stack

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

// MaxSACKBlocks is how many SACK blocks fit in the 40-byte option space next
// to nothing else (RFC 2018 §3); with timestamps only 3 fit.
const MaxSACKBlocks = 4

// SACKBlock is one selectively acknowledged range [Start, End).
type SACKBlock struct{ Start, End Seq }

// Options are the TCP options ccbench understands. Unknown options are
// skipped on input and never generated.
type Options struct {
	HasMSS bool
	MSS    uint16

	HasWScale bool
	WScale    uint8 // as received; clamping to 14 is the connection's job

	SACKPermitted bool

	HasTimestamps bool
	TSVal, TSEcr  uint32

	NumSACK int
	SACK    [MaxSACKBlocks]SACKBlock

	// FastOpen is set when the segment carries the TCP Fast Open option
	// (RFC 7413 §4.1.1): with FastOpenCookieLen 0 it requests a cookie;
	// otherwise FastOpenCookie[:FastOpenCookieLen] is the cookie, 4 to 16
	// bytes.
	FastOpen          bool
	FastOpenCookieLen uint8
	FastOpenCookie    [MaxFastOpenCookieLen]byte
}

// MaxFastOpenCookieLen and MinFastOpenCookieLen bound a Fast Open cookie
// (RFC 7413 §4.1.1).
const (
	MinFastOpenCookieLen = 4
	MaxFastOpenCookieLen = 16
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

// Segment is a decoded TCP segment with the IPv4 fields the stack needs.
// Payload aliases the packet it was decoded from.
type Segment struct {
	Src, Dst         Addr
	SrcPort, DstPort uint16
	Seq, Ack         Seq
	Flags            uint8
	Window           uint16 // as on the wire, before window scaling
	ECN              uint8  // the IPv4 ECN field
	TTL              uint8
	IPID             uint16
	Opts             Options
	Payload          []byte
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
