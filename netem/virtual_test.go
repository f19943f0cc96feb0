package netem

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/wire"
)

// virtualPair is one segment twice: with its headers as bytes and as
// metadata (wire.EncodeVirtual), as the simulator sends it.
func virtualPair(pool *packet.Pool, seg *wire.Segment, payload int) (real, virtual *packet.Packet) {
	real, virtual = pool.Get(), pool.Get()
	wire.ReservePayload(real, payload)
	wire.EncodeSegment(real, seg)
	wire.ReservePayload(virtual, payload)
	wire.EncodeVirtual(virtual, seg)
	return real, virtual
}

func randomHeader(rng *rand.Rand) wire.Segment {
	return wire.Segment{Header: wire.Header{
		Src:     wire.Addr{198, 18, byte(rng.Uint32()), byte(rng.Uint32())},
		Dst:     wire.Addr{198, 19, byte(rng.Uint32()), byte(rng.Uint32())},
		SrcPort: uint16(rng.Uint32()),
		DstPort: uint16(rng.Uint32()),
		Seq:     wire.Seq(rng.Uint32()),
		Flags:   wire.FlagACK,
		ECN:     uint8(rng.IntN(4)),
		Opts:    wire.Options{HasTimestamps: true, TSVal: rng.Uint32()},
	}}
}

// A segment whose headers are metadata lands in the flow queue its bytes
// would: fq_codel hashes the same 5-tuple either way.
func TestFQCoDelClassifiesVirtualHeadersAsBytes(t *testing.T) {
	pool := &packet.Pool{}
	q := NewFQCoDel(FQCoDelParams{}, 0, 0, 7, QdiscHooks{})
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		seg := randomHeader(rng)
		real, virtual := virtualPair(pool, &seg, rng.IntN(1460))
		if a, b := q.classify(real), q.classify(virtual); a != b {
			t.Fatalf("%+v: flow queue %d from bytes, %d from metadata", seg.Header, a, b)
		}
	}
}

// Marking CE changes a metadata header as it changes the bytes: ECT(0)
// and ECT(1) become CE, Not-ECT and CE stay, and the receiver decodes the
// same segment from either packet.
func TestMarkCEOnVirtualHeaders(t *testing.T) {
	pool := &packet.Pool{}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		seg := randomHeader(rng)
		real, virtual := virtualPair(pool, &seg, 1000)
		if a, b := markCE(real), markCE(virtual); a != b {
			t.Fatalf("ECN %d: marked %v as bytes, %v as metadata", seg.ECN, a, b)
		}
		var fromBytes, fromMeta wire.Segment
		if err := wire.DecodePacket(real, &fromBytes, true); err != nil {
			t.Fatalf("marked bytes do not decode: %v", err)
		}
		if err := wire.DecodePacket(virtual, &fromMeta, true); err != nil {
			t.Fatal(err)
		}
		if fromBytes.Header != fromMeta.Header {
			t.Fatalf("after marking, bytes read\n %+v\nmetadata\n %+v", fromBytes.Header, fromMeta.Header)
		}
	}
}

// A duplicate of a packet whose headers are metadata carries them, and
// corrupting one first writes them out, so the bit flipped lies in bytes
// a receiver checks.
func TestImpairmentsOnVirtualHeaders(t *testing.T) {
	pool := &packet.Pool{}
	seg := randomHeader(rand.New(rand.NewPCG(1, 2)))
	_, virtual := virtualPair(pool, &seg, 500)
	virtual.Flow = 4
	dup := ClonePacket(pool, virtual)
	if h := wire.VirtualHeader(dup); h == nil || *h != *wire.VirtualHeader(virtual) || dup.Len() != virtual.Len() || dup.Flow != 4 {
		t.Fatalf("duplicate lost the metadata header, its length or its flow: %+v", h)
	}
	c := NewCorrupter(1, 0, 9)
	if !c.Corrupt(0, virtual) {
		t.Fatal("a certain corruption did not happen")
	}
	if wire.VirtualHeader(virtual) != nil {
		t.Fatal("the corrupted packet still carries its headers as metadata")
	}
	var s wire.Segment
	if err := wire.DecodePacket(virtual, &s, true); err != wire.DropBadTCPChecksum {
		t.Fatalf("decoding the corrupted packet: %v, want %v", err, wire.DropBadTCPChecksum)
	}
}
