package wire

// The Internet checksum (RFC 1071), the IPv4 pseudo-header of TCP and UDP
// (RFC 9293 §3.1, RFC 768), and the incremental update of RFC 1624.
//
// The checksum is the ones' complement of the ones' complement sum of the
// data taken as 16-bit words. Two properties of that sum let it run eight
// bytes at a time (RFC 1071 §2):
//
//   - It can be accumulated in any wider ones' complement register and folded
//     down at the end, because 2^16-1 divides 2^64-1: a 64-bit sum with
//     end-around carry is congruent to the 16-bit one.
//   - It is byte-order independent: summing byte-swapped words gives the
//     byte-swapped sum. So words are loaded little-endian, which is a plain
//     load on the machines this runs on, and the folded result is swapped
//     once.
//
// A running sum (the uint64 that ChecksumAdd takes and returns) is therefore
// kept in the little-endian domain; only ChecksumFold converts it to the
// network-order value that goes on the wire.

import (
	"encoding/binary"
	"math/bits"
)

// ChecksumAdd adds b to the running sum. b is taken to start at an even
// offset of the checksummed data, so only the last piece of a message may
// have odd length; its last byte is padded with a zero on the right, as RFC
// 1071 §4.1 does.
func ChecksumAdd(sum uint64, b []byte) uint64 {
	// Two independent add-with-carry chains of four words each per 64-byte
	// round: a single chain is bound by the one-cycle latency of each add,
	// two let the core overlap them. A chain's carry is added back at the
	// end of its round rather than carried into the next, so the loop test
	// need not preserve the flag; that add cannot overflow, because an add
	// that carries out leaves at most 2^64-2.
	var sum2, c0, c1 uint64
	for len(b) >= 64 {
		sum, c0 = bits.Add64(sum, binary.LittleEndian.Uint64(b[0:8]), 0)
		sum, c0 = bits.Add64(sum, binary.LittleEndian.Uint64(b[8:16]), c0)
		sum, c0 = bits.Add64(sum, binary.LittleEndian.Uint64(b[16:24]), c0)
		sum, c0 = bits.Add64(sum, binary.LittleEndian.Uint64(b[24:32]), c0)
		sum += c0
		sum2, c1 = bits.Add64(sum2, binary.LittleEndian.Uint64(b[32:40]), 0)
		sum2, c1 = bits.Add64(sum2, binary.LittleEndian.Uint64(b[40:48]), c1)
		sum2, c1 = bits.Add64(sum2, binary.LittleEndian.Uint64(b[48:56]), c1)
		sum2, c1 = bits.Add64(sum2, binary.LittleEndian.Uint64(b[56:64]), c1)
		sum2 += c1
		b = b[64:]
	}
	sum, c0 = bits.Add64(sum, sum2, 0)
	sum += c0
	var carry uint64
	for len(b) >= 8 {
		sum, carry = bits.Add64(sum, binary.LittleEndian.Uint64(b), 0)
		sum += carry
		b = b[8:]
	}
	// The tail starts at an offset that is a multiple of 8, so each of these
	// pieces is word-aligned in the message and, read little-endian, is
	// congruent to the sum of its 16-bit words.
	var tail uint64
	if len(b) >= 4 {
		tail = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		tail += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		tail += uint64(b[0])
	}
	sum, carry = bits.Add64(sum, tail, 0)
	return sum + carry
}

// ChecksumCombine adds two running sums.
func ChecksumCombine(a, b uint64) uint64 {
	sum, carry := bits.Add64(a, b, 0)
	return sum + carry
}

// ChecksumFold folds a running sum to 16 bits and returns it in network
// order, not yet complemented.
func ChecksumFold(sum uint64) uint16 {
	// 64 -> 33 -> 32 bits, then 32 -> 17 -> 16 bits, each with end-around
	// carry.
	s32, carry := bits.Add32(uint32(sum), uint32(sum>>32), 0)
	s32 += uint32(carry)
	s16 := (s32 & 0xffff) + (s32 >> 16)
	s16 = (s16 & 0xffff) + (s16 >> 16)
	return bits.ReverseBytes16(uint16(s16))
}

// Checksum returns the Internet checksum of b: the value to store in a
// checksum field that was zero while b was summed.
func Checksum(b []byte) uint16 {
	return ^ChecksumFold(ChecksumAdd(0, b))
}

// PseudoHeaderSum is the running sum of the IPv4 pseudo-header that the
// TCP and UDP checksums cover (RFC 9293 §3.1, RFC 768): source and
// destination address, a zero byte, the protocol number and the length of
// the transport header plus data.
func PseudoHeaderSum(src, dst Addr, protocol uint8, length int) uint64 {
	sum := uint64(binary.LittleEndian.Uint32(src[:]))
	sum += uint64(binary.LittleEndian.Uint32(dst[:]))
	// The words {0, protocol} and the length, swapped into the
	// little-endian domain. Three terms below 2^32 cannot overflow.
	sum += uint64(bits.ReverseBytes16(uint16(protocol)))
	sum += uint64(bits.ReverseBytes16(uint16(length)))
	return sum
}

// ChecksumUpdate returns the checksum field that replaces check when one
// 16-bit word of the data it covers changes from before to after, both in
// network order, without summing the data again: RFC 1624 eqn. 3,
// HC' = ~(~HC + ~m + m'). Unlike RFC 1141's eqn. 2 it never turns a valid
// checksum into the negative zero.
func ChecksumUpdate(check, before, after uint16) uint16 {
	sum := uint32(^check) + uint32(^before) + uint32(after)
	sum = sum&0xffff + sum>>16
	sum = sum&0xffff + sum>>16
	return ^uint16(sum)
}
