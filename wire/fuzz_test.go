package wire

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
)

// Fuzz targets for the decoder and the option parser. `go test` runs only
// the seed corpus; `go test -fuzz=FuzzDecodeSegment ./wire` explores.

func FuzzDecodeSegment(f *testing.F) {
	for _, tc := range linuxPackets {
		b, _ := hex.DecodeString(tc.hex)
		f.Add(b)
	}
	rng := rand.New(rand.NewPCG(9293, 3))
	var seg Segment
	for range 8 {
		randomSegment(rng, &seg)
		payload := make([]byte, rng.IntN(64))
		f.Add(encode(&seg, payload))
	}
	// A few that fail early: empty, bare IPv4 header, wrong version.
	f.Add([]byte{})
	f.Add(make([]byte, IPv4MinHeaderLen))
	f.Add([]byte{0x65, 0, 0, 20})

	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
		// Almost every mutation breaks a checksum; repairing them lets
		// the fuzzer reach the header and option parsing behind them.
		fixed := bytes.Clone(b)
		RefreshChecksums(fixed)
		checkDecode(t, fixed)
	})
}

// checkDecode decodes b and, if that succeeds, checks that the segment
// encodes back into a datagram that decodes to the same segment, up to
// what the encoder normalizes.
func checkDecode(t *testing.T, b []byte) {
	var first Segment
	if err := DecodeSegment(b, &first); err != nil {
		if _, ok := err.(DropReason); !ok {
			t.Fatalf("error %v is not a DropReason", err)
		}
		return
	}
	if len(first.Payload) > packet.Capacity-packet.Headroom-MaxHeaderLen {
		return // valid IPv4, but larger than the stack's buffers
	}
	again := encode(&first, first.Payload)
	var second Segment
	if err := DecodeSegment(again, &second); err != nil {
		t.Fatalf("re-encoded %+v does not decode: %v", first, err)
	}
	want := normalize(first)
	if d := sameSegment(&second, &want); d != "" {
		t.Fatalf("%s:\n got %+v\nwant %+v", d, second, want)
	}
}

func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{
		"",
		"020405b40402080a0000000100000002" + "0103030a",
		"0101080a0000000500000006" + "0101051a" + "000000010000000200000003000000040000000500000006",
		"1e06aabbccdd" + "030302" + "01" + "2202" + "0402",
		"020405b4" + "00" + "02ff",
		"1e01",
		"0509000000010000000200",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Options
		if err := ParseOptions(b, &o); err != nil {
			if err != DropBadOptions {
				t.Fatalf("error %v, want DropBadOptions", err)
			}
			return
		}
		if o.NumSACK < 0 || o.NumSACK > MaxSACKBlocks {
			t.Fatalf("NumSACK %d", o.NumSACK)
		}
		var buf [TCPMaxOptionsLen]byte
		n := o.Encode(buf[:])
		if n%4 != 0 || n > TCPMaxOptionsLen || n != o.EncodedLen() {
			t.Fatalf("%+v encodes to %d bytes, EncodedLen %d", o, n, o.EncodedLen())
		}
		var again Options
		if err := ParseOptions(buf[:n], &again); err != nil {
			t.Fatalf("%+v re-encoded as %x: %v", o, buf[:n], err)
		}
		want := normalize(Segment{Header: Header{Opts: o}}).Opts
		if again != want {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, want)
		}
	})
}
