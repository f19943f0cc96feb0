package units

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Rate is a bit rate in bits per second.
type Rate int64

const (
	BitPerSecond  Rate = 1
	KbitPerSecond      = 1000 * BitPerSecond
	MbitPerSecond      = 1000 * KbitPerSecond
	GbitPerSecond      = 1000 * MbitPerSecond
	TbitPerSecond      = 1000 * GbitPerSecond

	// MaxRate is the highest rate a Rate holds, about 9.2 Ebit/s.
	MaxRate Rate = math.MaxInt64
)

// MaxBytes is the largest byte count the simulator represents: sizes,
// buffers and bandwidth-delay products are int64.
const MaxBytes int64 = math.MaxInt64

// bitNanosPerByte is 8 bits × 10^9 ns/s: bytes × bitNanosPerByte / rate is
// nanoseconds, rate × ns / bitNanosPerByte is bytes.
const bitNanosPerByte = 8 * uint64(Second)

// TxTime is how long a link of rate r takes to serialize n bytes, rounded up
// to the next nanosecond so a busy link is never modelled as faster than r.
// It is exact for every n: a span beyond MaxDuration (n of gigabytes at a
// few bit/s) is MaxDuration, later than any run can reach; CheckedTxTime
// says so instead. A rate or size of 0 or less takes no time.
//
// Every packet through a link or the pacer costs one call: it is inlined
// and allocates nothing, and its 128-bit arithmetic replaced a 64-bit form
// that wrapped above about 1.15 GB at no measurable cost.
func (r Rate) TxTime(n int) Duration {
	if r <= 0 || n <= 0 {
		return 0
	}
	d, _ := txTime(r, uint64(n))
	return d
}

// txTime is ⌈n × 8e9 / r⌉ = ⌊(n × 8e9 + r - 1) / r⌋ in 128 bits and
// whether it fits a Duration (MaxDuration when not); r is above 0. On
// amd64 it is one MULQ and one DIVQ, as the 64-bit form was one IMULQ and
// one IDIVQ, itself a 128-by-64-bit division.
func txTime(r Rate, n uint64) (Duration, bool) {
	hi, lo := bits.Mul64(n, bitNanosPerByte)
	lo, carry := bits.Add64(lo, uint64(r)-1, 0)
	hi += carry
	if hi >= uint64(r) {
		return MaxDuration, false // the quotient needs more than 64 bits
	}
	q, _ := bits.Div64(hi, lo, uint64(r))
	return Duration(min(q, math.MaxInt64)), q <= math.MaxInt64
}

// TxTimeMemo is TxTime with its last answer kept, for a caller that asks
// again and again at one rate for one size: a link's full-sized packets, a
// pacer's full segments. A division costs more time than the rest of
// TxTime, and it is the one per packet that such a caller cannot avoid
// otherwise. The zero value is ready to use.
type TxTimeMemo struct {
	r Rate
	n int
	d Duration
}

// TxTime is r.TxTime(n). It inlines; the division stays out of line.
func (m *TxTimeMemo) TxTime(r Rate, n int) Duration {
	if r != m.r || n != m.n {
		m.set(r, n)
	}
	return m.d
}

func (m *TxTimeMemo) set(r Rate, n int) { m.r, m.n, m.d = r, n, r.TxTime(n) }

// CheckedTxTime is TxTime for a byte count that a person wrote (a policer's
// burst, a flow's size): the exact serialization time, rounded up, or an
// error when it exceeds MaxDuration. A negative n is an error; a rate of
// 0 or less, which is unlimited, takes no time.
func (r Rate) CheckedTxTime(n int64) (Duration, error) {
	if n < 0 {
		return 0, &RangeError{Value: strconv.FormatInt(n, 10) + " bytes", Problem: "is negative", Allowed: "0 bytes or more"}
	}
	if r <= 0 || n == 0 {
		return 0, nil
	}
	d, ok := txTime(r, uint64(n))
	if !ok {
		exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(n), new(big.Int).SetUint64(bitNanosPerByte)), big.NewInt(int64(r)))
		return 0, &RangeError{
			Value:   strconv.FormatInt(n, 10) + " bytes at " + r.String(),
			Problem: "take " + approxSeconds(exact) + " to send",
			Allowed: "up to " + MaxDuration.String() + " (about 292 years), the longest time the simulator represents",
		}
	}
	return d, nil
}

// BytesIn is how many whole bytes a link of rate r carries in d: r × d / 8,
// rounded down. It is exact over the whole range of both types; a product
// beyond MaxBytes is MaxBytes, which CheckedBytesIn reports as an error. A
// rate or a span of 0 or less carries nothing.
func (r Rate) BytesIn(d Duration) int64 {
	n, ok := bytesIn(r, d)
	if !ok {
		return MaxBytes
	}
	return n
}

// bytesIn is ⌊r × d / 8e9⌋ in 128 bits, and whether it fits in int64.
func bytesIn(r Rate, d Duration) (int64, bool) {
	if r <= 0 || d <= 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(r), uint64(d))
	if hi == 0 {
		// The common case, divided by a constant: the compiler turns
		// it into a multiplication. The quotient is below 2^31.
		return int64(lo / bitNanosPerByte), true
	}
	if hi >= bitNanosPerByte {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, bitNanosPerByte)
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// CheckedBytesIn is BytesIn for settings a person wrote, such as a buffer
// of one bandwidth-delay product: the exact byte count, or an error when it
// exceeds MaxBytes.
func (r Rate) CheckedBytesIn(d Duration) (int64, error) {
	n, ok := bytesIn(r, d)
	if !ok {
		exact := new(big.Int).Mul(big.NewInt(int64(r)), big.NewInt(int64(d)))
		exact.Quo(exact, new(big.Int).SetUint64(bitNanosPerByte))
		return 0, &RangeError{
			Value:   r.String() + " × " + d.String() + " / 8",
			Problem: "comes to " + exact.String() + " bytes",
			Allowed: "up to " + strconv.FormatInt(MaxBytes, 10) + " bytes, the largest size the simulator represents",
		}
	}
	return n, nil
}

// Mbps returns r in floating-point megabits per second.
func (r Rate) Mbps() float64 { return float64(r) / 1e6 }

// String writes r exactly, in the largest unit that keeps it readable
// ("100Mbit/s", "1.5Gbit/s", "1000Gbit/s"); ParseRate reads it back to r over
// the whole range of Rate.
func (r Rate) String() string {
	switch {
	case r >= GbitPerSecond && r%GbitPerSecond == 0:
		return strconv.FormatInt(int64(r/GbitPerSecond), 10) + "Gbit/s"
	case r >= MbitPerSecond:
		return exactDecimal(uint64(r), 6) + "Mbit/s"
	case r >= KbitPerSecond:
		return exactDecimal(uint64(r), 3) + "kbit/s"
	default:
		return strconv.FormatInt(int64(r), 10) + "bit/s"
	}
}

// exactDecimal writes n / 10^scale as a decimal with no trailing zeros
// after the point: exactDecimal(1500000, 6) = "1.5".
func exactDecimal(n uint64, scale int) string {
	pow := uint64(1)
	for range scale {
		pow *= 10
	}
	whole, frac := n/pow, n%pow
	s := strconv.FormatUint(whole, 10)
	if frac == 0 {
		return s
	}
	f := strconv.FormatUint(frac, 10)
	for len(f) < scale {
		f = "0" + f
	}
	for f[len(f)-1] == '0' {
		f = f[:len(f)-1]
	}
	return s + "." + f
}
