// Exact a·b/c for window arithmetic whose intermediate product overflows
// 64 bits: a window in bytes (up to 2^31) times a duration in nanoseconds
// (10 s is 10^10) is already past 2^63. Integer arithmetic rather than
// float64 keeps results identical on every platform (no fused multiply-add,
// no rounding-mode differences) and exact where a model gives exact
// numbers.

package cc

import "math/bits"

// MulDiv returns ⌊a·b/c⌋ for non-negative a and b and positive c, computed
// with a 128-bit intermediate product. The quotient must fit in 63 bits;
// callers guarantee it by having b <= c, so the result is at most a, or by
// keeping it to a window in bytes.
func MulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
