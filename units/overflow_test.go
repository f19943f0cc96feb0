package units

// Property tests over the whole range of every unit type: each conversion
// is compared with the same arithmetic done in math/big, and must either
// give exactly that value or report that it cannot, never a wrapped one.

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// edgeInt64s are the values where int64 arithmetic goes wrong: 0, ±1, the
// extremes, every power of two and its neighbours, and powers of ten.
func edgeInt64s() []int64 {
	v := []int64{0, 1, -1, 2, 7, 8, 9, 999, 1000, 1001, math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1,
		1152921504, 1152921505, 8e9, 8e9 - 1, 8e9 + 1, 1152921504606846976}
	for i := range 63 {
		p := int64(1) << i
		v = append(v, p, p-1, p+1, -p)
	}
	for p := int64(1); p <= 1e18; p *= 10 {
		v = append(v, p, p-1, p+1, 3*p, 5*p, 8*p)
	}
	return v
}

// sweepInt64s adds n seeded random values to the edges, half with a
// uniformly random bit length so that every magnitude is reached, half
// uniform over all of int64.
func sweepInt64s(seed uint64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 0x756e697473)) // "units"
	v := edgeInt64s()
	for i := range n {
		x := int64(r.Uint64())
		if i%2 == 0 {
			x >>= r.IntN(64)
		}
		v = append(v, x)
	}
	return v
}

var (
	bigBitNanos = big.NewInt(8e9)
	bigMaxInt64 = big.NewInt(math.MaxInt64)
)

// checkRangeError checks that err is a one-line *RangeError.
func checkRangeError(t *testing.T, what string, err error) {
	t.Helper()
	var re *RangeError
	if !errors.As(err, &re) {
		t.Fatalf("%s: error %v, want a *RangeError", what, err)
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("%s: message %q must be one line saying what is allowed", what, err)
	}
}

// The figures: 1 Tbit/s × 40 ms (experiments/bottleneck.toml's
// base RTT, 20 ms each way) is 5 000 000 000 bytes, and 12 Gbit/s × 800 ms
// is 1 200 000 000, where the old product wrapped to 388 313 981 and to a
// negative count.
func TestBytesInHighRates(t *testing.T) {
	for _, tc := range []struct {
		r    Rate
		d    Duration
		want int64
	}{
		{1000 * GbitPerSecond, 40 * Millisecond, 5_000_000_000},
		{12 * GbitPerSecond, 800 * Millisecond, 1_200_000_000},
		{100 * MbitPerSecond, 40 * Millisecond, 500_000},
		{MaxRate, Second, math.MaxInt64 / 8},
		{MaxRate, 8 * Second, math.MaxInt64},
		{1, MaxDuration, math.MaxInt64 / 8_000_000_000},
	} {
		if got := tc.r.BytesIn(tc.d); got != tc.want {
			t.Errorf("%v.BytesIn(%v) = %d, want %d", tc.r, tc.d, got, tc.want)
		}
		if got, err := tc.r.CheckedBytesIn(tc.d); got != tc.want || err != nil {
			t.Errorf("%v.CheckedBytesIn(%v) = %d, %v; want %d", tc.r, tc.d, got, err, tc.want)
		}
	}
	_, err := MaxRate.CheckedBytesIn(9 * Second)
	checkRangeError(t, "MaxRate × 9s", err)
	if got := MaxRate.BytesIn(9 * Second); got != MaxBytes {
		t.Errorf("MaxRate.BytesIn(9s) = %d, want the saturated %d", got, MaxBytes)
	}
}

// BytesIn and CheckedBytesIn over the whole range of Rate × Duration.
func TestBytesInProperty(t *testing.T) {
	rates, spans := sweepInt64s(1, 600), sweepInt64s(2, 600)
	for _, rv := range rates {
		for _, dv := range spans {
			r, d := Rate(rv), Duration(dv)
			got, err := r.CheckedBytesIn(d)
			sat := r.BytesIn(d)
			if rv <= 0 || dv <= 0 {
				if got != 0 || err != nil || sat != 0 {
					t.Fatalf("%d bit/s × %d ns: got %d, %v, %d; want 0 for a rate or span of 0 or less", rv, dv, got, err, sat)
				}
				continue
			}
			exact := new(big.Int).Mul(big.NewInt(rv), big.NewInt(dv))
			exact.Quo(exact, bigBitNanos)
			if exact.IsInt64() {
				if err != nil || got != exact.Int64() || sat != got {
					t.Fatalf("%d bit/s × %d ns: got %d, %v, saturating %d; want exactly %s", rv, dv, got, err, sat, exact)
				}
				continue
			}
			checkRangeError(t, r.String()+" × "+d.String(), err)
			if sat != MaxBytes {
				t.Fatalf("%d bit/s × %d ns: BytesIn = %d, want MaxBytes for %s", rv, dv, sat, exact)
			}
		}
	}
}

// TxTime and CheckedTxTime over the whole range of Rate × byte counts:
// ⌈n × 8e9 / r⌉ exactly, or MaxDuration and an error.
func TestTxTimeProperty(t *testing.T) {
	rates, sizes := sweepInt64s(3, 600), sweepInt64s(4, 600)
	for _, rv := range rates {
		for _, n := range sizes {
			r := Rate(rv)
			got, err := r.CheckedTxTime(n)
			fast := r.TxTime(int(n))
			switch {
			case n < 0:
				checkRangeError(t, "negative size", err)
				if fast != 0 {
					t.Fatalf("%d bit/s, %d bytes: TxTime = %d, want 0", rv, n, fast)
				}
				continue
			case rv <= 0 || n == 0:
				if got != 0 || err != nil || fast != 0 {
					t.Fatalf("%d bit/s, %d bytes: got %d, %v, %d; want 0", rv, n, got, err, fast)
				}
				continue
			}
			num := new(big.Int).Mul(big.NewInt(n), bigBitNanos)
			q, m := new(big.Int).QuoRem(num, big.NewInt(rv), new(big.Int))
			if m.Sign() != 0 {
				q.Add(q, big.NewInt(1))
			}
			if q.Cmp(bigMaxInt64) <= 0 {
				if err != nil || got != Duration(q.Int64()) || fast != got {
					t.Fatalf("%d bit/s, %d bytes: got %d, %v, TxTime %d; want exactly %s", rv, n, got, err, fast, q)
				}
				continue
			}
			checkRangeError(t, r.String()+" for "+FormatSize(n), err)
			if fast != MaxDuration {
				t.Fatalf("%d bit/s, %d bytes: TxTime = %d, want MaxDuration for %s", rv, n, fast, q)
			}
		}
	}
}

// edgeFloats are the floats where a conversion to int64 goes wrong.
func edgeFloats() []float64 {
	v := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-9, 0.5e-9, 1.5e-9, -0.5e-9, 2.5e-9, 0.3, 0.1, 1e-10,
		1e300, -1e300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1), 9.223372036854775807e9, 9.223372036854775e9, 9.223372036854776e9,
		-9.223372036854775808e9, -9.223372036854776e9, 1e10, math.Nextafter(9.223372036854775808e9, 0)}
	for e := -40; e <= 40; e++ {
		v = append(v, math.Ldexp(1, e), -math.Ldexp(1, e), math.Ldexp(3, e))
	}
	return v
}

// exactNanos is s × 10^9 rounded to the nearest integer, halves away from
// zero, in math/big.
func exactNanos(s float64) *big.Int {
	x := new(big.Rat).SetFloat64(s)
	x.Mul(x, big.NewRat(1e9, 1))
	abs := new(big.Rat).Abs(x)
	q, m := new(big.Int).QuoRem(abs.Num(), abs.Denom(), new(big.Int))
	if new(big.Int).Lsh(m, 1).Cmp(abs.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// FromSeconds over every float64: random bit patterns reach every exponent,
// a second sweep stays near the range of a Duration.
func TestFromSecondsProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 0x756e697473))
	vals := edgeFloats()
	for range 20000 {
		vals = append(vals, math.Float64frombits(r.Uint64()), (r.Float64()*2-1)*math.Ldexp(1, r.IntN(36)))
	}
	for _, s := range vals {
		got, err := FromSeconds(s)
		if math.IsNaN(s) || math.IsInf(s, 0) {
			checkRangeError(t, "FromSeconds(NaN or Inf)", err)
			continue
		}
		want := exactNanos(s)
		if !want.IsInt64() {
			checkRangeError(t, "FromSeconds beyond a Duration", err)
			continue
		}
		if err != nil || int64(got) != want.Int64() {
			t.Fatalf("FromSeconds(%g) = %d, %v; want exactly %s", s, got, err, want)
		}
	}
}

// AddDurations over the whole range, against math/big.
func TestAddDurationsProperty(t *testing.T) {
	vals := sweepInt64s(6, 400)
	for _, a := range vals {
		for _, b := range vals {
			got, ok := AddDurations(Duration(a), Duration(b))
			sum := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
			if ok != sum.IsInt64() || ok && int64(got) != sum.Int64() {
				t.Fatalf("AddDurations(%d, %d) = %d, %v; want %s", a, b, got, ok, sum)
			}
		}
	}
}

// The String methods and FormatSize write what the parsers read back to the
// same value over the whole range of each type, where floating-point
// formatting once lost the low digits of anything above 2^53.
func TestRoundTripWholeRange(t *testing.T) {
	for _, v := range sweepInt64s(7, 20000) {
		d := Duration(v)
		if got, err := ParseDuration(d.String()); err != nil || got != d {
			t.Fatalf("ParseDuration(%q) = %d, %v; want %d", d.String(), got, err, d)
		}
		if tm := Time(v); tm != Never {
			if got, err := ParseDuration(tm.String()); err != nil || Time(got) != tm {
				t.Fatalf("ParseDuration(Time %q) = %d, %v; want %d", tm.String(), got, err, tm)
			}
		}
		if v < 0 {
			continue
		}
		r := Rate(v)
		if got, err := ParseRate(r.String()); err != nil || got != r {
			t.Fatalf("ParseRate(%q) = %d, %v; want %d", r.String(), got, err, r)
		}
		if got, err := ParseSize(FormatSize(v)); err != nil || got != v {
			t.Fatalf("ParseSize(%q) = %d, %v; want %d", FormatSize(v), got, err, v)
		}
	}
}

// Parsing is exact up to the last representable value and an error one
// step beyond it, however the value is written; tiny values are refused as
// finer than the smallest step rather than rounded to 0.
func TestParseExtremes(t *testing.T) {
	durations := map[string]Duration{
		"9223372036854775807ns":    MaxDuration,
		"9223372036.854775807s":    MaxDuration,
		"-9223372036.854775808s":   math.MinInt64,
		"153722867m16.854775807s":  MaxDuration,
		"2562047h47m16.854775807s": MaxDuration,
		"0.000000001s":             1,
		"0.000000000000000000000s": 0,
	}
	for in, want := range durations {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"9223372036.854775808s", "-9223372036.854775809s", "2562048h", "1" + strings.Repeat("0", 400) + "s"} {
		_, err := ParseDuration(in)
		checkParseError(t, "duration", in, "too large; allowed up to 9223372036854775807ns", err)
	}
	for _, in := range []string{"0.0000000005s", "0." + strings.Repeat("0", 300) + "1s"} {
		_, err := ParseDuration(in)
		checkParseError(t, "duration", in, "finer than 1ns", err)
	}

	rates := map[string]Rate{
		"9223372036854775807bit/s":   MaxRate,
		"9223372.036854775807Tbit/s": MaxRate,
		"1152921504606846975.875B/s": MaxRate,
		"1Tbit/s":                    1000 * GbitPerSecond,
	}
	for in, want := range rates {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"9223372036854775808bit/s", "1152921504606846976B/s", "1e300Tbit/s"} {
		_, err := ParseRate(in)
		if in == "1e300Tbit/s" {
			checkParseError(t, "rate", in, `unknown unit "e300Tbit/s"`, err)
			continue
		}
		checkParseError(t, "rate", in, "too large; allowed up to 9223372036854775807bit/s", err)
	}

	if got, err := ParseSize("9223372036854775807B"); err != nil || got != MaxBytes {
		t.Errorf("ParseSize(max) = %d, %v", got, err)
	}
	for _, in := range []string{"9223372036854775808", "8388608TiB", "9223372.036854775808TB"} {
		_, err := ParseSize(in)
		checkParseError(t, "size", in, "too large; allowed up to 9223372036854775807B", err)
	}
}
