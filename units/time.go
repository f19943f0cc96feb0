// Package units holds the value types every other package shares: virtual
// time, durations, bit rates and byte sizes, with the parsing people expect
// ("20ms", "100Mbit/s", "256KiB").
//
// Time is a value. Nothing below the drivers reads a clock: every function
// that needs the time takes a Time argument. That is what makes the simulator
// deterministic and the TCP stack testable with exact timelines.
package units

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Time is a point in a run, in nanoseconds since the run started.
type Time int64

// Duration is a span of time in nanoseconds.
type Duration int64

// Never is a Time later than any real deadline; NextDeadline returns it when
// nothing is scheduled.
const Never Time = 1<<63 - 1

// MaxDuration is the longest Duration, about 292 years: the longest span
// the simulator represents. Durations and times computed from settings are
// checked against it rather than left to wrap.
const MaxDuration Duration = math.MaxInt64

const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
)

// Add returns t+d.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool { return t < u }

// Seconds returns t as floating-point seconds since the start of the run.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

func (t Time) String() string {
	if t == Never {
		return "never"
	}
	return Duration(t).String()
}

// Seconds returns d in floating-point seconds.
func (d Duration) Seconds() float64 { return float64(d) / 1e9 }

// Milliseconds returns d in floating-point milliseconds.
func (d Duration) Milliseconds() float64 { return float64(d) / 1e6 }

// String formats d exactly, with the largest unit that keeps it readable
// ("40ms", "1.5s", "250us"); ParseDuration reads it back to d over the
// whole range of Duration.
func (d Duration) String() string {
	neg := d < 0
	u := uint64(d)
	if neg {
		u = -u // also right for the most negative Duration
	}
	var s string
	switch {
	case u == 0:
		s = "0s"
	case u%uint64(Second) == 0 || u >= uint64(10*Second):
		s = exactDecimal(u, 9) + "s"
	case u%uint64(Millisecond) == 0 || u >= uint64(Millisecond):
		s = exactDecimal(u, 6) + "ms"
	case u%uint64(Microsecond) == 0 || u >= uint64(Microsecond):
		s = exactDecimal(u, 3) + "us"
	default:
		s = strconv.FormatUint(u, 10) + "ns"
	}
	if neg {
		return "-" + s
	}
	return s
}

// MinTime returns the earlier of a and b.
func MinTime(a, b Time) Time {
	if a < b {
		return a
	}
	return b
}

// MaxTime returns the later of a and b.
func MaxTime(a, b Time) Time {
	if a > b {
		return a
	}
	return b
}

// FromSeconds converts floating-point seconds to the nearest nanosecond,
// halves away from zero, computing s × 10^9 exactly rather than in
// float64 so that no value is off by a rounding step. NaN, the infinities
// and anything beyond ±MaxDuration are an error, never a wrapped value.
// It allocates; per-event code that keeps times in floats must compare
// against its bound before converting instead.
func FromSeconds(s float64) (Duration, error) {
	value := strconv.FormatFloat(s, 'g', -1, 64) + "s"
	const allowed = "from -9223372036.854775808s to 9223372036.854775807s (about ±292 years), the span of a Duration"
	if math.IsNaN(s) {
		return 0, &RangeError{Value: value, Problem: "is not a number", Allowed: allowed}
	}
	if math.IsInf(s, 0) || math.Abs(s) >= 1e10 {
		return 0, &RangeError{Value: value, Problem: "is beyond the longest duration", Allowed: allowed}
	}
	// 53 bits of s times the 30 bits of 10^9 fit in 128 bits exactly, and
	// so does the fraction left after taking the whole nanoseconds.
	x := new(big.Float).SetPrec(128).SetFloat64(s)
	x.Mul(x, new(big.Float).SetPrec(128).SetInt64(int64(Second)))
	whole, _ := x.Int(nil) // towards zero
	frac := new(big.Float).SetPrec(128).Sub(x, new(big.Float).SetPrec(128).SetInt(whole))
	if frac.Abs(frac).Cmp(big.NewFloat(0.5)) >= 0 {
		whole.Add(whole, big.NewInt(int64(x.Sign())))
	}
	if !whole.IsInt64() {
		return 0, &RangeError{Value: value, Problem: "is beyond the longest duration", Allowed: allowed}
	}
	return Duration(whole.Int64()), nil
}

// AddDurations returns d + e, or false when the sum is beyond the range of
// a Duration.
func AddDurations(d, e Duration) (Duration, bool) {
	if e > 0 && d > math.MaxInt64-e || e < 0 && d < math.MinInt64-e {
		return 0, false
	}
	return d + e, true
}

// RangeError is a value computed from settings (a byte count from a rate
// and a time, a time from seconds) that the simulator's int64 units cannot
// represent. Its message is one line: the value, the problem and what is
// allowed, for a caller to put after the key it came from.
type RangeError struct {
	// Value is the computation as a person reads it: "2000000000 bytes
	// at 1bit/s", "1e+300s".
	Value string
	// Problem says what is wrong: "take 1.6e+10s to send".
	Problem string
	// Allowed says what the simulator represents.
	Allowed string
}

func (e *RangeError) Error() string {
	return e.Value + " " + e.Problem + "; allowed " + e.Allowed
}

// approxSeconds writes a count of nanoseconds in seconds, to four
// significant digits, for messages about spans too long to hold.
func approxSeconds(ns *big.Rat) string {
	f, _ := ns.Float64()
	return strconv.FormatFloat(f/1e9, 'g', 4, 64) + "s"
}

var _ fmt.Stringer = Duration(0)
