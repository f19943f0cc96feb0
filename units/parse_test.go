package units

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Duration
	}{
		{"20ms", 20 * Millisecond},
		{"1.5s", 1500 * Millisecond},
		{"250us", 250 * Microsecond},
		{"250µs", 250 * Microsecond},
		{"250μs", 250 * Microsecond},
		{"100ns", 100},
		{"2m", 2 * Minute},
		{"1h", 60 * Minute},
		{"1m30s", 90 * Second},
		{"1s500ms", 1500 * Millisecond},
		{"0", 0},
		{"0.0", 0},
		{"-0", 0},
		{"0s", 0},
		{"0ms", 0},
		{".5s", 500 * Millisecond},
		{"5.s", 5 * Second},
		{"0.000000001s", 1},
		{"1.000000001s", Second + 1},
		{"  20ms ", 20 * Millisecond},
		{"20 ms", 20 * Millisecond},
		{"-5ms", -5 * Millisecond},
		{"+5ms", 5 * Millisecond},
		{"9223372036854775807ns", 1<<63 - 1},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{"20", `a bare number is ambiguous; add a unit, e.g. "20ms"; units are ns, us (or µs), ms, s, m, h`},
		{"1.5", `a bare number is ambiguous; add a unit, e.g. "1.5ms"`},
		{"", `empty; write a duration such as "20ms"`},
		{"   ", `empty`},
		{"ms", `expected a number followed by a unit`},
		{"20sec", `unknown unit "sec"; units are ns`},
		{"20MS", `unknown unit "MS"`},
		{"20d", `unknown unit "d"`},
		{"1m30", `missing unit after the number`},
		{"1.5.5s", `missing unit after the number`},
		{"0.5ns", `finer than 1ns, the smallest step`},
		{"1.0000000001s", `finer than 1ns`},
		{"9223372036854775808ns", `too large`},
		{"3000000h", `too large`},
		{"1e3ms", `unknown unit "e"`},
		{"--5ms", `expected a number followed by a unit`},
	} {
		_, err := ParseDuration(tc.in)
		checkParseError(t, "duration", tc.in, tc.reason, err)
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
	}{
		{"100Mbit/s", 100 * MbitPerSecond},
		{"100MBit/s", 100 * MbitPerSecond},
		{"100MBIT/S", 100 * MbitPerSecond},
		{"100Mb/s", 100 * MbitPerSecond},
		{"100Mbits/s", 100 * MbitPerSecond},
		{"1Gbit/s", GbitPerSecond},
		{"1.5Gbit/s", 1500 * MbitPerSecond},
		{"100MBps", 800 * MbitPerSecond},
		{"100mBps", 800 * MbitPerSecond},
		{"100MByte/s", 800 * MbitPerSecond},
		{"1b/s", 1},
		{"500kbit/s", 500 * KbitPerSecond},
		{"500Kbit/s", 500 * KbitPerSecond},
		{"12.5MB/s", 100 * MbitPerSecond},
		{"12.5MBps", 100 * MbitPerSecond},
		{"12.5Mbyte/s", 100 * MbitPerSecond},
		{"12.5MBytes/s", 100 * MbitPerSecond},
		{"1kB/s", 8000},
		{"1B/s", 8},
		{"1000000bit/s", MbitPerSecond},
		{"2Tbit/s", 2000 * GbitPerSecond},
		{"0", 0},
		{"0.0", 0},
		{"0Mbit/s", 0},
		{" 100 Mbit/s ", 100 * MbitPerSecond},
		{"+1Mbit/s", MbitPerSecond},
		{"0.001Mbit/s", 1000},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRateErrors(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{"-5Mbit/s", `must be positive`},
		{"-0", `must be positive`},
		{"100", `a bare number is ambiguous; add a unit, e.g. "100Mbit/s" (bits) or "100MB/s" (bytes)`},
		{"", `empty; write a rate such as "100Mbit/s"`},
		{"fast", `expected a number followed by a unit`},
		{"100Mbs", `unknown unit "Mbs"; units are bit/s, b/s (bits) or B/s, Bps, byte/s (bytes)`},
		// "bps" is bits on datasheets and bytes to tc (ambiguousBps).
		{"100mbps", `ambiguous: tc reads "mbps" as megabytes per second (800Mbit/s), network datasheets as megabits per second (100Mbit/s); write "100MB/s" or "100Mbit/s"`},
		{"100Mbps", `ambiguous: tc reads "Mbps" as megabytes per second (800Mbit/s), network datasheets as megabits per second (100Mbit/s); write "100MB/s" or "100Mbit/s"`},
		{"1.5Gbps", `ambiguous: tc reads "Gbps" as gigabytes per second (12Gbit/s), network datasheets as gigabits per second (1500Mbit/s); write "1.5GB/s" or "1.5Gbit/s"`},
		{"64kbps", `ambiguous: tc reads "kbps" as kilobytes per second (512kbit/s), network datasheets as kilobits per second (64kbit/s); write "64kB/s" or "64kbit/s"`},
		{"1bps", `ambiguous: tc reads "bps" as bytes per second (8bit/s), network datasheets as bits per second (1bit/s); write "1B/s" or "1bit/s"`},
		{"100MBPS", `unknown unit "MBPS"`},
		{"100Mibit/s", `unknown unit "Mibit/s"`},
		{"100M", `unknown unit "M"`},
		{"100Mbit", `unknown unit "Mbit"`},
		{"100xbit/s", `unknown unit "xbit/s"`},
		{"1.5bit/s", `finer than 1bit/s, the smallest step`},
		{"0.0001kbit/s", `finer than 1bit/s`},
		{"10000000Tbit/s", `too large`},
	} {
		_, err := ParseRate(tc.in)
		checkParseError(t, "rate", tc.in, tc.reason, err)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"256KiB", 256 << 10},
		{"1MiB", 1 << 20},
		{"4MiB", 4 << 20},
		{"1GiB", 1 << 30},
		{"1TiB", 1 << 40},
		{"64KB", 64000},
		{"64kB", 64000},
		{"1MB", 1e6},
		{"1GB", 1e9},
		{"1TB", 1e12},
		{"1500B", 1500},
		{"1500", 1500},
		{"1500bytes", 1500},
		{"1byte", 1},
		{"1.5KiB", 1536},
		{"0.5MB", 500000},
		{"0", 0},
		{"0B", 0},
		{" 64 KiB ", 64 << 10},
		{"+1B", 1},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{"-1KiB", `must not be negative`},
		{"", `empty; write a size such as "256KiB" or "1500B"`},
		{"KiB", `expected a number with an optional unit`},
		{"64kb", `unknown unit "kb"; units are B, kB (or KB), MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)`},
		{"1500b", `unknown unit "b"`},
		{"1mB", `unknown unit "mB"`},
		{"1KIB", `unknown unit "KIB"`},
		{"1Ki", `unknown unit "Ki"`},
		{"0.5B", `finer than 1B, the smallest step`},
		{"1.0001KiB", `finer than 1B`},
		{"10000000TiB", `too large`},
	} {
		_, err := ParseSize(tc.in)
		checkParseError(t, "size", tc.in, tc.reason, err)
	}
}

// checkParseError checks that err is a *ParseError of the given kind for in
// whose reason starts with reason, and that its message is one line.
func checkParseError(t *testing.T, kind, in, reason string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("parse %s %q: error %v, want a *ParseError", kind, in, err)
		return
	}
	if pe.Kind != kind || pe.Input != in || !strings.HasPrefix(pe.Reason, reason) {
		t.Errorf("parse %s %q: got %+v, want reason starting %q", kind, in, *pe, reason)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("parse %s %q: message spans lines: %q", kind, in, err)
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := ParseRate("-5Mbit/s")
	if got, want := err.Error(), `invalid rate "-5Mbit/s": must be positive`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{1500, "1500B"},
		{1000, "1kB"},
		{1024, "1KiB"},
		{256 << 10, "256KiB"},
		{4 << 20, "4MiB"},
		{500000, "500kB"},
		{1e6, "1MB"},
		{1536, "1536B"},
		{3 << 30, "3GiB"},
		{2e12, "2TB"},
		{5 << 40, "5TiB"},
	} {
		if got := FormatSize(tc.in); got != tc.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The String methods and FormatSize write what the parsers read back to the
// same value, over every scale the types are used at.
func TestRoundTrip(t *testing.T) {
	durations := []Duration{0, 1, 999, Microsecond, 250 * Microsecond, 1500, 1234567,
		Millisecond, 20 * Millisecond, 1234567891, Second, 1500 * Millisecond,
		9999999999, 10 * Second, 12345678901234, Minute, 7 * 24 * 60 * Minute, -40 * Millisecond}
	for i := Duration(1); i < 1<<50; i = i*7 + 3 {
		durations = append(durations, i)
	}
	for _, d := range durations {
		got, err := ParseDuration(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", d.String(), got, err, d)
		}
	}

	rates := []Rate{0, 1, 999, KbitPerSecond, 64 * KbitPerSecond, 1500000, MbitPerSecond,
		100 * MbitPerSecond, 123456789, GbitPerSecond, 1500 * MbitPerSecond, 40 * GbitPerSecond}
	for i := Rate(1); i < 1<<45; i = i*5 + 1 {
		rates = append(rates, i)
	}
	for _, r := range rates {
		got, err := ParseRate(r.String())
		if err != nil || got != r {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", r.String(), got, err, r)
		}
	}

	for i := int64(0); i < 1<<50; i = i*3 + 1 {
		for _, n := range []int64{i, i << 10, i * 1000} {
			got, err := ParseSize(FormatSize(n))
			if err != nil || got != n {
				t.Errorf("ParseSize(%q) = %d, %v; want %d", FormatSize(n), got, err, n)
			}
		}
	}
}
