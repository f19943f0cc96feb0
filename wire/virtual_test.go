package wire

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
)

// randomOptionsEdge adds what randomSegment leaves out and EncodeVirtual
// must normalize as the wire does: a zero TTL, ECN bits above the field,
// option values behind absent flags, Fast Open cookies of every length
// (valid, odd, too short, too long), SACK blocks past the option space.
func randomOptionsEdge(rng *rand.Rand, seg *Segment) {
	if rng.IntN(4) == 0 {
		seg.TTL = 0
	}
	seg.ECN = uint8(rng.Uint32())
	o := &seg.Opts
	if !o.HasMSS {
		o.MSS = uint16(rng.Uint32())
	}
	if !o.HasWScale {
		o.WScale = uint8(rng.Uint32())
	}
	if !o.HasTimestamps {
		o.TSVal, o.TSEcr = rng.Uint32(), rng.Uint32()
	}
	if rng.IntN(3) == 0 {
		o.FastOpen = true
		o.FastOpenCookieLen = uint8(rng.IntN(MaxFastOpenCookieLen + 4))
		for i := range o.FastOpenCookie {
			o.FastOpenCookie[i] = byte(rng.Uint32())
		}
	}
	for i := o.NumSACK; i < MaxSACKBlocks; i++ {
		o.SACK[i] = SACKBlock{Start: Seq(rng.Uint32()), End: Seq(rng.Uint32())}
	}
}

// TestEncodeVirtualReadsAsTheBytesDo: for any segment, the packet
// EncodeVirtual makes has the length EncodeSegment's has, and DecodePacket
// gives the receiver exactly the segment DecodeSegment parses from
// EncodeSegment's bytes; Materialize then writes those very bytes.
func TestEncodeVirtualReadsAsTheBytesDo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7413, 2))
	garbage := rand.New(rand.NewPCG(7413, 3))
	payload := make([]byte, 1460)
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	var in, real, virt Segment
	for i := range 20000 {
		randomSegment(rng, &in)
		randomOptionsEdge(rng, &in)
		n := rng.IntN(len(payload) + 1)
		if in.Opts.EncodedLen() > TCPMaxOptionsLen {
			continue // more than a TCP header can carry: not a segment
		}

		rp := new(packet.Packet)
		rp.Reset()
		copy(ReservePayload(rp, n), payload[:n])
		EncodeSegment(rp, &in)
		if err := DecodePacket(rp, &real, true); err != nil {
			t.Fatalf("case %d: real bytes do not decode: %v", i, err)
		}

		vp := new(packet.Packet)
		vp.Reset()
		copy(ReservePayload(vp, n), payload[:n])
		// A packet's metadata holds whatever its last use left there.
		for j := range vp.Meta() {
			vp.Meta()[j] = garbage.Uint64()
		}
		EncodeVirtual(vp, &in)
		if vp.Len() != rp.Len() || vp.MetaHeaderLen() != rp.Len()-n {
			t.Fatalf("case %d: virtual packet is %d bytes with %d of headers, real one %d with %d",
				i, vp.Len(), vp.MetaHeaderLen(), rp.Len(), rp.Len()-n)
		}
		if err := DecodePacket(vp, &virt, true); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if virt.Header != real.Header {
			t.Fatalf("case %d: virtual header\n %+v\nparsed one\n %+v", i, virt.Header, real.Header)
		}
		if !bytes.Equal(virt.Payload, real.Payload) {
			t.Fatalf("case %d: payloads differ (%d against %d bytes)", i, len(virt.Payload), len(real.Payload))
		}

		Materialize(vp)
		if vp.MetaHeaderLen() != 0 || VirtualHeader(vp) != nil {
			t.Fatalf("case %d: still virtual after Materialize", i)
		}
		var again Segment
		if err := DecodePacket(vp, &again, true); err != nil || again.Header != real.Header {
			t.Fatalf("case %d: materialized packet decodes to %+v (%v), want %+v", i, again.Header, err, real.Header)
		}
		// Bytes equal too, but for a Fast Open option the parser ignores,
		// which EncodeSegment writes and the header no longer has.
		if c := in.Opts.fastOpenCookieLen(); !in.Opts.FastOpen || c == 0 || c >= MinFastOpenCookieLen && c%2 == 0 {
			if !bytes.Equal(vp.Bytes(), rp.Bytes()) {
				t.Fatalf("case %d: materialized bytes differ from EncodeSegment's", i)
			}
		}
	}
}

// TestCopyFromKeepsVirtualHeaders: a copy (a link's duplicate) carries
// the original's metadata header, and a real packet's copy none.
func TestCopyFromKeepsVirtualHeaders(t *testing.T) {
	seg := benchSegment()
	seg.TTL = 64
	p := new(packet.Packet)
	p.Reset()
	ReservePayload(p, 100)
	EncodeVirtual(p, &seg)
	p.Flow = 3
	c := new(packet.Packet)
	c.CopyFrom(p)
	h := VirtualHeader(c)
	if h == nil || *h != seg.Header || c.Len() != p.Len() || c.Flow != 3 {
		t.Fatalf("copy: header %+v, %d bytes, flow %d; want %+v, %d bytes, flow 3", h, c.Len(), c.Flow, seg.Header, p.Len())
	}
	Materialize(p)
	c.CopyFrom(p)
	if VirtualHeader(c) != nil || !bytes.Equal(c.Bytes(), p.Bytes()) {
		t.Fatal("copy of a real packet is not an identical real packet")
	}
}

// TestVirtualHeaderDoesNotAllocate pins EncodeVirtual and DecodePacket at
// zero allocations.
func TestVirtualHeaderDoesNotAllocate(t *testing.T) {
	p := newBenchPacket()
	seg := benchSegment()
	var out Segment
	if a := testing.AllocsPerRun(100, func() {
		p.Reset()
		ReservePayload(p, benchPayload)
		EncodeVirtual(p, &seg)
		if err := DecodePacket(p, &out, false); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("%v allocations per segment, want 0", a)
	}
}

func BenchmarkEncodeVirtual(b *testing.B) {
	p := newBenchPacket()
	seg := benchSegment()
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		ReservePayload(p, benchPayload)
		EncodeVirtual(p, &seg)
	}
}

func BenchmarkDecodeVirtual(b *testing.B) {
	p := newBenchPacket()
	seg := benchSegment()
	EncodeVirtual(p, &seg)
	var out Segment
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodePacket(p, &out, false); err != nil {
			b.Fatal(err)
		}
	}
}
