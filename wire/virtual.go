package wire

// Headers as metadata: in the simulator, where nothing between two hosts
// reads a packet's bytes, a segment's headers need not be written as bytes
// and parsed back. EncodeVirtual gives the packet the length the headers
// would have and keeps the Header itself in the packet's metadata;
// DecodePacket reads it back. Whatever reads headers on the way (a queue
// that marks CE, a scheduler that hashes the 5-tuple, the passive RTT
// monitor) asks VirtualHeader first. Anything that needs the bytes
// themselves (a capture, a driver, a corrupting link) calls Materialize,
// and the simulator keeps real bytes wherever one can be in the path.

import (
	"unsafe"

	"github.com/ccbench/ccbench/packet"
)

// A Header must fit in a packet's metadata, on the alignment the metadata
// area has (8 bytes); it holds no pointers (Header's definition), so the
// garbage collector need not see it.
var (
	_ [packet.MetaLen - unsafe.Sizeof(Header{})]struct{}
	_ [8 - unsafe.Alignof(Header{})]struct{}
)

// EncodeVirtual is EncodeSegmentWith without the bytes: p, which holds
// exactly the TCP payload (real or not), grows at the front by the
// headers' length, those bytes are left as they were, and seg.Header goes
// into p's metadata as ParseOptions and DecodeSegment would read it back
// from EncodeSegment's bytes (the TTL defaulted, the ECN field masked,
// the options Encode leaves out left out), so the receiver gets the same
// segment either way. No checksum is computed.
func EncodeVirtual(p *packet.Packet, seg *Segment) {
	h := (*Header)(unsafe.Pointer(p.Meta()))
	var fixedLen int
	if so := &seg.Opts; so.HasMSS || so.HasWScale || so.SACKPermitted || so.FastOpen {
		*h = seg.Header
		fixedLen = so.parsedInto(&h.Opts) // a SYN's options
	} else {
		// What every segment after the handshake carries: timestamps
		// or not, and SACK blocks, as many as fit; every other option
		// field reads back as zero, so the options are made afresh
		// rather than copied and then cleared.
		*(*headerFixed)(unsafe.Pointer(h)) = *(*headerFixed)(unsafe.Pointer(&seg.Header))
		h.Opts = Options{}
		if so.HasTimestamps {
			h.Opts.HasTimestamps = true
			h.Opts.TSVal, h.Opts.TSEcr = so.TSVal, so.TSEcr
			fixedLen = encTimestampsLen
		}
		if n := so.NumSACK; n != 0 {
			n = min(max(n, 0), sackRoom(fixedLen))
			h.Opts.NumSACK = n
			for i := range n {
				h.Opts.SACK[i] = so.SACK[i]
			}
		}
	}
	h.ECN &= 0x03
	if h.TTL == 0 {
		h.TTL = IPv4DefaultTTL
	}
	n := IPv4MinHeaderLen + TCPMinHeaderLen + fixedLen
	if h.Opts.NumSACK > 0 {
		n += encSACKBaseLen + h.Opts.NumSACK*optSACKBlockLen
	}
	p.PrependMeta(n)
}

// headerFixed is the part of a Header before its options, which are its
// last field. A struct, not an array: the compiler copies an array between
// two pointers that may overlap with a call to memmove, a struct in a few
// wide moves.
type headerFixed struct {
	_ [unsafe.Offsetof(Header{}.Opts)]byte
}

var (
	_ [unsafe.Sizeof(Header{}) - unsafe.Offsetof(Header{}.Opts) - unsafe.Sizeof(Options{})]struct{}
	_ [unsafe.Offsetof(Header{}.Opts) + unsafe.Sizeof(Options{}) - unsafe.Sizeof(Header{})]struct{}
)

// VirtualHeader returns the header p carries as metadata, or nil if p's
// bytes hold its headers. The header may be changed in place, as a link
// marking CE changes a real header's bytes.
func VirtualHeader(p *packet.Packet) *Header {
	if p.MetaHeaderLen() == 0 {
		return nil
	}
	return (*Header)(unsafe.Pointer(p.Meta()))
}

// DecodePacket is DecodeSegmentWith on p's bytes, or, for a packet whose
// headers are metadata (EncodeVirtual), a copy of that header with the
// payload after the headers' length. Such a packet was made by this
// process's own encoder and nothing has parsed it from untrusted bytes,
// so there is nothing to check.
func DecodePacket(p *packet.Packet, seg *Segment, verify bool) error {
	if n := p.MetaHeaderLen(); n != 0 { // VirtualHeader's test, read once
		seg.Header = *(*Header)(unsafe.Pointer(p.Meta()))
		seg.Payload = p.BytesAfter(n)
		return nil
	}
	return DecodeSegmentWith(p.Bytes(), seg, verify)
}

// Materialize writes the headers of a packet that carries them as
// metadata into its bytes, with both checksums computed over the bytes
// the packet holds (a virtual payload's are whatever the buffer held), and
// makes it an ordinary packet. A packet whose bytes already hold its
// headers is left alone. It is for whatever must read or change bytes: a
// capture, a driver, a corrupting link.
func Materialize(p *packet.Packet) {
	h := VirtualHeader(p)
	if h == nil {
		return
	}
	var seg Segment
	seg.Header = *h
	p.TrimFront(p.MetaHeaderLen())
	p.SetMetaHeaderLen(0)
	EncodeSegment(p, &seg)
}

// parsedInto sets *r to what ParseOptions reads from Encode's bytes for o:
// the SACK blocks that fit, a Fast Open option only with a cookie a
// parser accepts, nothing of an option that is absent. It returns the
// encoded length of everything but the SACK blocks, as layout does.
func (o *Options) parsedInto(r *Options) (fixedLen int) {
	fixedLen, blocks := o.layout()
	*r = Options{
		HasMSS:        o.HasMSS,
		HasWScale:     o.HasWScale,
		SACKPermitted: o.SACKPermitted,
		HasTimestamps: o.HasTimestamps,
		NumSACK:       blocks,
	}
	if o.HasMSS {
		r.MSS = o.MSS
	}
	if o.HasWScale {
		r.WScale = o.WScale
	}
	if o.HasTimestamps {
		r.TSVal, r.TSEcr = o.TSVal, o.TSEcr
	}
	copy(r.SACK[:blocks], o.SACK[:blocks])
	if o.FastOpen {
		if c := o.fastOpenCookieLen(); c == 0 || c >= MinFastOpenCookieLen && c%2 == 0 {
			r.FastOpen = true
			r.FastOpenCookieLen = uint8(c)
			copy(r.FastOpenCookie[:c], o.FastOpenCookie[:c])
		}
	}
	return fixedLen
}
