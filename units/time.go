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
	"strconv"
)

// Time is a point in a run, in nanoseconds since the run started.
type Time int64

// Duration is a span of time in nanoseconds.
type Duration int64

// Never is a Time later than any real deadline; NextDeadline returns it when
// nothing is scheduled.
const Never Time = 1<<63 - 1

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

// String formats d with the largest unit that keeps it readable ("40ms",
// "1.5s", "250us").
func (d Duration) String() string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d == 0:
		s = "0s"
	case d%Second == 0 || d >= 10*Second:
		s = trimFloat(float64(d)/1e9) + "s"
	case d%Millisecond == 0 || d >= Millisecond:
		s = trimFloat(float64(d)/1e6) + "ms"
	case d%Microsecond == 0 || d >= Microsecond:
		s = trimFloat(float64(d)/1e3) + "us"
	default:
		s = strconv.FormatInt(int64(d), 10) + "ns"
	}
	if neg {
		return "-" + s
	}
	return s
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

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

// FromSeconds converts floating-point seconds to a Duration.
func FromSeconds(s float64) Duration { return Duration(s * 1e9) }

var _ fmt.Stringer = Duration(0)
