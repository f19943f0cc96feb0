package wire

// TCP options: maximum segment size (RFC 9293 §3.2), window scale and
// timestamps (RFC 7323 §2.2, §3.2), SACK-permitted and SACK (RFC 2018 §2,
// §3), and Fast Open (RFC 7413 §4.1.1, kind 34 only: the experimental
// kind 254 with magic 0xF989 that early deployments used is not
// recognized, as RFC 7413 §4.1.1 lets a new implementation choose).
//
// Parsing accepts the options in any order and skips kinds it does not know
// by their length, as RFC 9293 §3.1 requires. A length that is impossible
// (below 2, past the end of the option space, wrong for a fixed-size kind,
// a SACK option that is not a whole number of blocks or holds more than
// four) makes the whole header untrustworthy, because every later option
// is found through it, so the segment is rejected rather than half-read.
//
// Encoding follows the layout Linux uses (tcp_options_write), so that
// captures of the two stacks look alike and every option field sits on its
// natural alignment:
//
//	MSS                      kind 2, len 4, mss            (SYN only)
//	SACK-permitted + TS      4,2, 8,10, TSval, TSecr       (12 bytes)
//	or TS alone              NOP,NOP, 8,10, TSval, TSecr   (12 bytes)
//	or SACK-permitted alone  NOP,NOP, 4,2                  (4 bytes)
//	window scale             NOP, 3,3, shift               (4 bytes)
//	SACK blocks              NOP,NOP, 5,2+8n, n blocks     (4+8n bytes)
//	Fast Open                34,2+n, cookie, NOP padding   (SYNs only)
//
// Every group is a multiple of 4 bytes, so no trailing padding is needed.
//
// A Fast Open option whose cookie is not 4 to 16 bytes, or has an odd
// length, is ignored rather than rejected, like Linux's
// tcp_parse_fastopen_option: its length still frames the options after it
// correctly, so nothing else in the header is in doubt.
// Whether MSS, window scale and SACK-permitted appear is the caller's
// choice: the connection sets them on SYNs only.

import "encoding/binary"

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

// Option kinds (IANA "TCP Option Kind Numbers").
const (
	optEOL           = 0
	optNOP           = 1
	optMSS           = 2
	optWScale        = 3
	optSACKPermitted = 4
	optSACK          = 5
	optTimestamps    = 8
	optFastOpen      = 34
)

// Option lengths, kind and length bytes included.
const (
	optMSSLen           = 4
	optWScaleLen        = 3
	optSACKPermittedLen = 2
	optTimestampsLen    = 10
	optSACKBaseLen      = 2
	optSACKBlockLen     = 8
	optFastOpenBaseLen  = 2
)

// alignedTimestamps is the first word of the timestamps group without
// SACK-permitted: NOP, NOP, kind, length.
const alignedTimestamps = optNOP<<24 | optNOP<<16 | optTimestamps<<8 | optTimestampsLen

// Encoded sizes of the groups in the layout above.
const (
	encMSSLen        = 4
	encTimestampsLen = 12
	encSACKPermLen   = 4
	encWScaleLen     = 4
	encSACKBaseLen   = 4
)

// ParseOptions parses the option bytes of a TCP header into o, replacing
// what o held. It returns DropBadOptions if an option's length is
// malformed; o then holds no meaningful value. A repeated option
// overwrites the earlier one, as in Linux. A SACK option with no blocks is
// accepted and carries nothing.
func ParseOptions(b []byte, o *Options) error {
	// Every segment but the SYNs of a connection that negotiated
	// timestamps carries exactly NOP, NOP, timestamps unless it has SACK
	// blocks to report; Linux's tcp_fast_parse_options takes the same
	// shortcut.
	if len(b) == encTimestampsLen && binary.BigEndian.Uint32(b) == alignedTimestamps {
		*o = Options{
			HasTimestamps: true,
			TSVal:         binary.BigEndian.Uint32(b[4:]),
			TSEcr:         binary.BigEndian.Uint32(b[8:]),
		}
		return nil
	}
	*o = Options{}
	for len(b) > 0 {
		kind, body, n, ok := NextOption(b)
		if !ok {
			return DropBadOptions
		}
		if kind == optEOL {
			return nil
		}
		b = b[n:]
		switch kind {
		case optMSS:
			if n != optMSSLen {
				return DropBadOptions
			}
			o.HasMSS = true
			o.MSS = binary.BigEndian.Uint16(body)
		case optWScale:
			if n != optWScaleLen {
				return DropBadOptions
			}
			o.HasWScale = true
			o.WScale = body[0]
		case optSACKPermitted:
			if n != optSACKPermittedLen {
				return DropBadOptions
			}
			o.SACKPermitted = true
		case optTimestamps:
			if n != optTimestampsLen {
				return DropBadOptions
			}
			o.HasTimestamps = true
			o.TSVal = binary.BigEndian.Uint32(body[0:])
			o.TSEcr = binary.BigEndian.Uint32(body[4:])
		case optFastOpen:
			cookie := n - optFastOpenBaseLen
			if cookie != 0 && (cookie < MinFastOpenCookieLen || cookie > MaxFastOpenCookieLen || cookie%2 != 0) {
				break
			}
			o.FastOpen = true
			o.FastOpenCookieLen = uint8(cookie)
			o.FastOpenCookie = [MaxFastOpenCookieLen]byte{}
			copy(o.FastOpenCookie[:], body)
		case optSACK:
			blocks := (n - optSACKBaseLen) / optSACKBlockLen
			if (n-optSACKBaseLen)%optSACKBlockLen != 0 || blocks > MaxSACKBlocks {
				return DropBadOptions
			}
			o.NumSACK = blocks
			for j := range blocks {
				blk := body[j*optSACKBlockLen:]
				o.SACK[j] = SACKBlock{
					Start: Seq(binary.BigEndian.Uint32(blk[0:])),
					End:   Seq(binary.BigEndian.Uint32(blk[4:])),
				}
			}
		}
	}
	return nil
}

// NextOption splits the first option off b, which holds option bytes from
// the start of an option on: its kind, its body (what follows the kind and
// length bytes, nil for the one-byte EOL and NOP) and its length n in
// bytes. ok is false when the length byte is missing, below 2 or runs past
// the end of b; then no later option can be found.
func NextOption(b []byte) (kind uint8, body []byte, n int, ok bool) {
	kind = b[0]
	if kind == optEOL || kind == optNOP {
		return kind, nil, 1, true
	}
	if len(b) < 2 {
		return kind, nil, 0, false
	}
	n = int(b[1])
	if n < 2 || n > len(b) {
		return kind, nil, 0, false
	}
	return kind, b[2:n], n, true
}

// layout returns the encoded length of everything but the SACK blocks, and
// how many of o's SACK blocks fit in the rest of the option space.
func (o *Options) layout() (fixedLen, sackBlocks int) {
	if o.HasMSS {
		fixedLen += encMSSLen
	}
	if o.HasTimestamps {
		fixedLen += encTimestampsLen
	} else if o.SACKPermitted {
		fixedLen += encSACKPermLen
	}
	if o.HasWScale {
		fixedLen += encWScaleLen
	}
	if o.FastOpen {
		fixedLen += o.encFastOpenLen()
	}
	sackBlocks = min(max(o.NumSACK, 0), MaxSACKBlocks)
	if sackBlocks > 0 {
		// The first blocks are kept: RFC 2018 §4 requires the first to
		// report the segment that triggered the ACK, and the next ones the
		// most recently reported ranges.
		sackBlocks = min(sackBlocks, sackRoom(fixedLen))
	}
	return fixedLen, sackBlocks
}

// sackRoom is how many SACK blocks fit in the option space beside
// fixedLen bytes of other options.
func sackRoom(fixedLen int) int {
	return max((TCPMaxOptionsLen-fixedLen-encSACKBaseLen)/optSACKBlockLen, 0)
}

// fastOpenCookieLen is the cookie length Encode writes: the recorded one,
// capped at the largest a cookie may be.
func (o *Options) fastOpenCookieLen() int {
	return min(int(o.FastOpenCookieLen), MaxFastOpenCookieLen)
}

// encFastOpenLen is the encoded size of the Fast Open option, padded with
// NOPs to a multiple of 4.
func (o *Options) encFastOpenLen() int {
	return (optFastOpenBaseLen + o.fastOpenCookieLen() + 3) &^ 3
}

// EncodedLen is the number of bytes Encode writes: a multiple of 4, at most
// TCPMaxOptionsLen.
func (o *Options) EncodedLen() int {
	fixedLen, sackBlocks := o.layout()
	if sackBlocks == 0 {
		return fixedLen
	}
	return fixedLen + encSACKBaseLen + sackBlocks*optSACKBlockLen
}

// Encode writes the options into b in the layout described at the top of
// this file and returns the number of bytes written, EncodedLen. SACK
// blocks that do not fit in the 40-byte option space next to the other
// options are left out, keeping the first ones. b must have room for
// EncodedLen bytes.
func (o *Options) Encode(b []byte) int {
	fixedLen, sackBlocks := o.layout()
	n := fixedLen
	if sackBlocks > 0 {
		n += encSACKBaseLen + sackBlocks*optSACKBlockLen
	}
	b = b[:n]
	i := 0
	if o.HasMSS {
		b[i], b[i+1] = optMSS, optMSSLen
		binary.BigEndian.PutUint16(b[i+2:], o.MSS)
		i += encMSSLen
	}
	if o.HasTimestamps {
		if o.SACKPermitted {
			b[i], b[i+1] = optSACKPermitted, optSACKPermittedLen
		} else {
			b[i], b[i+1] = optNOP, optNOP
		}
		b[i+2], b[i+3] = optTimestamps, optTimestampsLen
		binary.BigEndian.PutUint32(b[i+4:], o.TSVal)
		binary.BigEndian.PutUint32(b[i+8:], o.TSEcr)
		i += encTimestampsLen
	} else if o.SACKPermitted {
		b[i], b[i+1], b[i+2], b[i+3] = optNOP, optNOP, optSACKPermitted, optSACKPermittedLen
		i += encSACKPermLen
	}
	if o.HasWScale {
		b[i], b[i+1], b[i+2], b[i+3] = optNOP, optWScale, optWScaleLen, o.WScale
		i += encWScaleLen
	}
	if sackBlocks > 0 {
		b[i], b[i+1] = optNOP, optNOP
		b[i+2], b[i+3] = optSACK, uint8(optSACKBaseLen+sackBlocks*optSACKBlockLen)
		i += encSACKBaseLen
		for j := range sackBlocks {
			binary.BigEndian.PutUint32(b[i:], uint32(o.SACK[j].Start))
			binary.BigEndian.PutUint32(b[i+4:], uint32(o.SACK[j].End))
			i += optSACKBlockLen
		}
	}
	if o.FastOpen {
		// Last, as Linux writes it, with the NOPs after the cookie.
		cookie := o.fastOpenCookieLen()
		b[i], b[i+1] = optFastOpen, uint8(optFastOpenBaseLen+cookie)
		copy(b[i+2:], o.FastOpenCookie[:cookie])
		for j := i + optFastOpenBaseLen + cookie; j < i+o.encFastOpenLen(); j++ {
			b[j] = optNOP
		}
	}
	return n
}
