package wire

import (
	"math/rand/v2"
	"testing"
)

// refSum is RFC 1071 written the obvious way: big-endian 16-bit words, an
// odd last byte padded on the right, end-around carry after every add.
func refSum(b []byte) uint16 {
	var s uint32
	for i := 0; i < len(b); i += 2 {
		w := uint32(b[i]) << 8
		if i+1 < len(b) {
			w |= uint32(b[i+1])
		}
		s += w
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestChecksumMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1071, 1))
	buf := make([]byte, 2000+8)
	for n := 0; n <= 2000; n++ {
		// Alternate uniform bytes with mostly-0xff ones, which drive every
		// add to carry out.
		for i := range buf {
			buf[i] = byte(rng.Uint32())
			if n%2 == 1 && rng.IntN(8) != 0 {
				buf[i] = 0xff
			}
		}
		// Every alignment of the slice in memory.
		off := n % 8
		b := buf[off : off+n]
		// Both sums are 0 only for all-zero data and otherwise in
		// [1, 0xffff], where congruence mod 0xffff means equality.
		want := refSum(b)
		if got := ChecksumFold(ChecksumAdd(0, b)); got != want {
			t.Fatalf("len %d off %d: sum %#04x, want %#04x", n, off, got, want)
		}
		if got := Checksum(b); got != ^want {
			t.Fatalf("len %d: checksum %#04x, want %#04x", n, got, ^want)
		}
	}
}

// TestChecksumPieces checks that a message summed in pieces that start at
// even offsets gives the sum of the whole, as the TCP checksum relies on
// when it adds the pseudo-header, header and payload separately.
func TestChecksumPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(1071, 2))
	b := make([]byte, 1501)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	whole := ChecksumFold(ChecksumAdd(0, b))
	for cut := 0; cut <= len(b); cut += 2 {
		sum := ChecksumAdd(ChecksumAdd(0, b[:cut]), b[cut:])
		if got := ChecksumFold(sum); got != whole {
			t.Fatalf("cut at %d: %#04x, want %#04x", cut, got, whole)
		}
	}
}

func TestChecksumKnownVectors(t *testing.T) {
	// RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
	if got := ChecksumFold(ChecksumAdd(0, []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7})); got != 0xddf2 {
		t.Errorf("RFC 1071 example: sum %#04x, want 0xddf2", got)
	}
	// IPv4 headers captured on real networks, with the checksum field
	// zeroed; the want is the checksum they carried.
	for _, tc := range []struct {
		hdr  string
		want uint16
	}{
		{"450000730000400040110000c0a80001c0a800c7", 0xb861},
		{"45000054cefe0000800100000a0101360a011602", 0x4071},
		{"4500003c288440004006" + "0000" + "0a0900010a090002", 0xfe23},
		{"45000034288540004006" + "0000" + "0a0900010a090002", 0xfe2a},
	} {
		b := mustHex(t, tc.hdr)
		if got := Checksum(b); got != tc.want {
			t.Errorf("%s: checksum %#04x, want %#04x", tc.hdr, got, tc.want)
		}
		if got := IPv4Header(b).ComputeChecksum(); got != tc.want {
			t.Errorf("%s: ComputeChecksum %#04x, want %#04x", tc.hdr, got, tc.want)
		}
	}
	if got := ChecksumFold(ChecksumAdd(0, nil)); got != 0 {
		t.Errorf("empty: sum %#04x, want 0", got)
	}
	// Long runs of 0xff: every 64-bit add carries, and the ones' complement
	// sum of ffff words is ffff.
	ones := make([]byte, 1500)
	for i := range ones {
		ones[i] = 0xff
	}
	if got := ChecksumFold(ChecksumAdd(0, ones)); got != 0xffff {
		t.Errorf("all ones: sum %#04x, want 0xffff", got)
	}
}

func TestPseudoHeaderSum(t *testing.T) {
	src, dst := Addr{10, 9, 0, 1}, Addr{192, 168, 200, 254}
	for _, tcpLen := range []int{20, 33, 1480, 65515} {
		ph := []byte{
			src[0], src[1], src[2], src[3], dst[0], dst[1], dst[2], dst[3],
			0, IPv4ProtocolTCP, byte(tcpLen >> 8), byte(tcpLen),
		}
		if got, want := ChecksumFold(PseudoHeaderSum(src, dst, IPv4ProtocolTCP, tcpLen)), refSum(ph); got != want {
			t.Errorf("tcpLen %d: %#04x, want %#04x", tcpLen, got, want)
		}
	}
}

func TestPseudoHeaderSumUDP(t *testing.T) {
	src, dst := Addr{198, 18, 255, 1}, Addr{198, 19, 255, 1}
	ph := []byte{198, 18, 255, 1, 198, 19, 255, 1, 0, IPv4ProtocolUDP, 0x05, 0xc8}
	if got, want := ChecksumFold(PseudoHeaderSum(src, dst, IPv4ProtocolUDP, 1480)), refSum(ph); got != want {
		t.Errorf("UDP pseudo-header %#04x, want %#04x", got, want)
	}
}

// An incremental update agrees with summing the data again, for every word
// change of random data, including those that make the sum zero.
func TestChecksumUpdateMatchesRecompute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1624, 3))
	b := make([]byte, 20)
	for range 20000 {
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if rng.IntN(8) == 0 {
			clear(b) // the all-zero data whose checksum is 0xffff
		}
		check := Checksum(b)
		i := 2 * rng.IntN(len(b)/2)
		before := uint16(b[i])<<8 | uint16(b[i+1])
		after := uint16(rng.Uint32())
		b[i], b[i+1] = byte(after>>8), byte(after)
		got, want := ChecksumUpdate(check, before, after), Checksum(b)
		// Both forms of zero verify; RFC 1624 eqn. 3 gives the one a
		// full computation gives, except where the data sums to zero,
		// which a full computation reports as 0xffff.
		if got != want && !(got == 0 && want == 0xffff) {
			t.Fatalf("% x: word %d %#04x -> %#04x: update %#04x, recomputed %#04x", b, i, before, after, got, want)
		}
	}
}
