package wire

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
)

// benchSegment is a bulk-transfer data segment: full-sized payload and the
// timestamps option, as every segment of a Linux peer carries.
func benchSegment() Segment {
	return Segment{
		Header: Header{
			Src:     Addr{10, 0, 0, 1},
			Dst:     Addr{10, 0, 0, 2},
			SrcPort: 40000,
			DstPort: 5001,
			Seq:     0x12345678,
			Ack:     0x9abcdef0,
			Flags:   FlagACK | FlagPSH,
			Window:  65535,
			Opts:    Options{HasTimestamps: true, TSVal: 123456, TSEcr: 654321},
		},
	}
}

const benchPayload = 1460

// encodeBench rebuilds a data segment in p. The payload stays in place
// between runs: ReservePayload sets the same bounds each time and the
// headers go in front of it.
func encodeBench(p *packet.Packet, seg *Segment) {
	p.Reset()
	ReservePayload(p, benchPayload)
	EncodeSegment(p, seg)
}

func newBenchPacket() *packet.Packet {
	p := new(packet.Packet)
	p.Reset()
	payload := ReservePayload(p, benchPayload)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	return p
}

func BenchmarkEncodeSegment(b *testing.B) {
	p := newBenchPacket()
	seg := benchSegment()
	b.SetBytes(benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		encodeBench(p, &seg)
	}
}

func BenchmarkDecodeSegment(b *testing.B) {
	p := newBenchPacket()
	in := benchSegment()
	encodeBench(p, &in)
	pkt := p.Bytes()
	var seg Segment
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeSegment(pkt, &seg); err != nil {
			b.Fatal(err)
		}
	}
}

var checksumSink uint16

func BenchmarkChecksum1460(b *testing.B) {
	buf := make([]byte, 1460)
	for i := range buf {
		buf[i] = byte(i * 13)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		checksumSink += Checksum(buf)
	}
}

func BenchmarkParseOptions(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []byte
	}{
		// A Linux SYN's options, the longest common layout to walk.
		{"syn", []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7}},
		// What nearly every other segment carries.
		{"timestamps", []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}},
		// A duplicate ACK reporting two holes.
		{"sack", []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 18,
			0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var o Options
			b.ReportAllocs()
			for b.Loop() {
				if err := ParseOptions(bc.opts, &o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWireZeroAllocs fails if encoding, decoding, option parsing or a
// decode error allocates.
func TestWireZeroAllocs(t *testing.T) {
	p := newBenchPacket()
	seg := benchSegment()
	seg.Opts.NumSACK = 2
	var out Segment
	encodeBench(p, &seg)
	pkt := append([]byte(nil), p.Bytes()...)
	bad := append([]byte(nil), pkt...)
	bad[len(bad)-1] ^= 1
	var err error

	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"encode", func() { encodeBench(p, &seg) }},
		{"decode", func() { err = DecodeSegment(pkt, &out) }},
		{"decode error", func() { err = DecodeSegment(bad, &out) }},
		{"parse options", func() { err = ParseOptions(pkt[40:52], &out.Opts) }},
		{"update TOS", func() { IPv4Header(pkt).UpdateTOS(pkt[1] ^ ECNCE) }},
		{"refresh checksums", func() { RefreshChecksums(bad) }},
		{"next option", func() { _, _, _, _ = NextOption(pkt[40:52]) }},
	} {
		if n := testing.AllocsPerRun(100, tc.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
	if err != nil {
		t.Errorf("parse options: %v", err)
	}
}
