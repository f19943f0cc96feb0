// Parsing of the durations, rates and sizes people write in experiment files
// and on the command line ("20ms", "100Mbit/s", "256KiB"), and the size
// formatting that parses back to the same value.
//
// Numbers are read as exact decimals, not floats, so "1.5Gbit/s" is exactly
// 1500000000 bit/s and "12.5MB/s" exactly 100 Mbit/s; a value that does not
// come to a whole nanosecond, bit per second or byte is an error rather than
// a silent rounding. Every error says what is allowed, because its reader is
// a person editing a file.
//
// Rates use decimal prefixes only (k = 10^3, M = 10^6, G = 10^9, T = 10^12),
// as link rates always have. Sizes take both: decimal (kB = 1000) and binary
// (KiB = 1024), after IEC 80000-13.

package units

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError says why a string is not a valid duration, rate or size.
type ParseError struct {
	// Kind is "duration", "rate" or "size".
	Kind string
	// Input is the string as given.
	Input string
	// Reason says what is wrong and what is allowed, without repeating
	// Input, so callers can put it after their own description of the
	// value.
	Reason string
}

func (e *ParseError) Error() string {
	return "invalid " + e.Kind + " " + strconv.Quote(e.Input) + ": " + e.Reason
}

// The unit lists that errors quote.
const (
	durationUnits = `units are ns, us (or µs), ms, s, m, h`
	rateUnits     = `units are bit/s, b/s (bits) or B/s, Bps, byte/s (bytes), with an optional decimal prefix k, M, G or T`
	sizeUnits     = `units are B, kB (or KB), MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)`
)

var durationScale = map[string]int64{
	"ns":      1,
	"us":      int64(Microsecond),
	"\u00b5s": int64(Microsecond), // micro sign
	"\u03bcs": int64(Microsecond), // Greek small letter mu
	"ms":      int64(Millisecond),
	"s":       int64(Second),
	"m":       int64(Minute),
	"h":       int64(60 * Minute),
}

// ParseDuration reads a duration such as "20ms", "1.5s", "250us", "250µs",
// "100ns", "2m" or "1m30s". A bare number is refused unless it is zero: "20"
// could mean milliseconds or seconds, and guessing wrong would silently
// change an experiment by a factor of a thousand.
func ParseDuration(s string) (Duration, error) {
	fail := func(reason string) (Duration, error) {
		return 0, &ParseError{Kind: "duration", Input: s, Reason: reason}
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fail(`empty; write a duration such as "20ms"`)
	}
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if num, rest, ok := scanDecimal(t); ok && rest == "" {
		if num.Sign() == 0 {
			return 0, nil
		}
		return fail(`a bare number is ambiguous; add a unit, e.g. "` + t + `ms"; ` + durationUnits)
	}
	total := new(big.Rat)
	for t != "" {
		num, rest, ok := scanDecimal(t)
		if !ok {
			return fail(`expected a number followed by a unit, e.g. "20ms"; ` + durationUnits)
		}
		rest = strings.TrimLeft(rest, " ")
		unit := rest
		if i := strings.IndexAny(rest, "0123456789."); i >= 0 {
			unit = rest[:i]
		}
		if unit == "" {
			return fail(`missing unit after the number; ` + durationUnits)
		}
		scale, known := durationScale[unit]
		if !known {
			return fail(`unknown unit ` + strconv.Quote(unit) + `; ` + durationUnits)
		}
		total.Add(total, num.Mul(num, new(big.Rat).SetInt64(scale)))
		t = rest[len(unit):]
	}
	if neg {
		total.Neg(total) // before the range check: -2^63 ns is a Duration
	}
	ns, reason := wholeInt64(total, "1ns", durationRange)
	if reason != "" {
		return fail(reason)
	}
	return Duration(ns), nil
}

// ratePrefix maps the decimal prefixes a rate may carry. Both cases are
// accepted: a milli-bit per second is never meant, so "mbit/s" is megabits.
var ratePrefix = map[byte]int64{
	'k': 1e3, 'K': 1e3,
	'm': 1e6, 'M': 1e6,
	'g': 1e9, 'G': 1e9,
	't': 1e12, 'T': 1e12,
}

// rateBase returns the bits per second of one unit of base, the part of a
// rate's unit after its prefix. Case matters only where it carries meaning:
// "b/s" is bits while "B/s" and "Bps" are bytes, as on every network
// datasheet; the spelled-out words are unambiguous in any case. "bps" is
// not here: see ambiguousBps.
func rateBase(base string) (int64, bool) {
	switch base {
	case "b/s":
		return 1, true
	case "B/s", "Bps":
		return 8, true
	}
	switch strings.ToLower(base) {
	case "bit/s", "bits/s":
		return 1, true
	case "byte/s", "bytes/s":
		return 8, true
	}
	return 0, false
}

// rateScale returns the bits per second of one unit written as unit.
func rateScale(unit string) (int64, bool) {
	if bits, ok := rateBase(unit); ok {
		return bits, true
	}
	if len(unit) > 1 {
		if p, ok := ratePrefix[unit[0]]; ok {
			if bits, ok := rateBase(unit[1:]); ok {
				return p * bits, true
			}
		}
	}
	return 0, false
}

// ambiguousBps reports whether unit is "bps" with an optional prefix
// ("mbps", "Mbps", "kbps"), and returns the prefix's factor. Such a rate
// has two readings that differ eightfold: network datasheets mean bits
// ("100Mbps" is 100 Mbit/s), while tc, whose settings ccbench's links
// follow, matches units without regard to case and reads "mbps" as
// megabytes per second ("100mbps" is 800 Mbit/s; its megabits are
// "mbit"). Either choice would silently misread the files written with
// the other in mind, so the rate is refused with both readings and the
// two spellings that cannot be misread. "Bps", bytes in both, stays.
func ambiguousBps(unit string) (int64, bool) {
	switch {
	case unit == "bps":
		return 1, true
	case len(unit) == 4 && unit[1:] == "bps":
		p, ok := ratePrefix[unit[0]]
		return p, ok
	}
	return 0, false
}

// ParseRate reads a bit rate such as "100Mbit/s", "1.5Gbit/s",
// "500kbit/s", "100Mb/s", "12.5MB/s" (bytes per second, so 100 Mbit/s) or
// "1000000bit/s". "0" alone is accepted; any other bare number is refused
// because it could be bits or bytes, and so is "bps" with or without a
// prefix (ambiguousBps). Negative rates are refused.
func ParseRate(s string) (Rate, error) {
	fail := func(reason string) (Rate, error) {
		return 0, &ParseError{Kind: "rate", Input: s, Reason: reason}
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fail(`empty; write a rate such as "100Mbit/s"`)
	}
	if t[0] == '-' {
		return fail(`must be positive`)
	}
	t = strings.TrimPrefix(t, "+")
	num, rest, ok := scanDecimal(t)
	if !ok {
		return fail(`expected a number followed by a unit, e.g. "100Mbit/s"; ` + rateUnits)
	}
	unit := strings.TrimLeft(rest, " ")
	if unit == "" {
		if num.Sign() == 0 {
			return 0, nil
		}
		return fail(`a bare number is ambiguous; add a unit, e.g. "` + t + `Mbit/s" (bits) or "` + t + `MB/s" (bytes)`)
	}
	if p, ok := ambiguousBps(unit); ok {
		return fail(ambiguousReason(t[:len(t)-len(rest)], unit, num, p))
	}
	scale, known := rateScale(unit)
	if !known {
		return fail(`unknown unit ` + strconv.Quote(unit) + `; ` + rateUnits)
	}
	bps, reason := wholeInt64(num.Mul(num, new(big.Rat).SetInt64(scale)), "1bit/s", rateRange)
	if reason != "" {
		return fail(reason)
	}
	return Rate(bps), nil
}

// ambiguousReason says why a rate in the unit "bps" with prefix factor p
// is refused: the two readings, and the spellings of each that cannot be
// misread. number is the number as written.
func ambiguousReason(number, unit string, num *big.Rat, p int64) string {
	prefix := strings.ToUpper(unit[:len(unit)-3])
	if prefix == "K" {
		prefix = "k"
	}
	reading := func(bitsPerUnit int64) string {
		bps, reason := wholeInt64(new(big.Rat).Mul(num, new(big.Rat).SetInt64(p*bitsPerUnit)), "1bit/s", rateRange)
		if reason != "" {
			return ""
		}
		return " (" + Rate(bps).String() + ")"
	}
	number = strings.TrimSpace(number)
	return fmt.Sprintf(`ambiguous: tc reads %q as %sbytes per second%s, network datasheets as %sbits per second%s; write %q or %q`,
		unit, spelledPrefix[prefix], reading(8), spelledPrefix[prefix], reading(1), number+prefix+"B/s", number+prefix+"bit/s")
}

// spelledPrefix names the rate prefixes in words.
var spelledPrefix = map[string]string{"": "", "k": "kilo", "M": "mega", "G": "giga", "T": "tera"}

// sizePrefix maps the prefixes a size may carry: decimal ones (k and K both
// mean 1000, as "64KB" is common) and the binary ones of IEC 80000-13.
var sizePrefix = map[string]int64{
	"":   1,
	"k":  1e3,
	"K":  1e3,
	"M":  1e6,
	"G":  1e9,
	"T":  1e12,
	"Ki": 1 << 10,
	"Mi": 1 << 20,
	"Gi": 1 << 30,
	"Ti": 1 << 40,
}

// sizeScale returns the bytes in one unit written as unit.
func sizeScale(unit string) (int64, bool) {
	for _, base := range [...]string{"B", "bytes", "byte"} {
		if prefix, ok := strings.CutSuffix(unit, base); ok {
			if scale, ok := sizePrefix[prefix]; ok {
				return scale, true
			}
		}
	}
	return 0, false
}

// ParseSize reads a size in bytes such as "256KiB", "1MiB", "64KB" (64000),
// "1500B" or "1500". A bare number is bytes: unlike a duration or a rate, a
// size has only one sensible base unit. Lower-case "b" is refused because
// it conventionally means bits.
func ParseSize(s string) (int64, error) {
	fail := func(reason string) (int64, error) {
		return 0, &ParseError{Kind: "size", Input: s, Reason: reason}
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fail(`empty; write a size such as "256KiB" or "1500B"`)
	}
	if t[0] == '-' {
		return fail(`must not be negative`)
	}
	t = strings.TrimPrefix(t, "+")
	num, rest, ok := scanDecimal(t)
	if !ok {
		return fail(`expected a number with an optional unit, e.g. "256KiB"; ` + sizeUnits)
	}
	unit := strings.TrimLeft(rest, " ")
	scale, known := sizeScale(unit)
	if unit == "" {
		scale, known = 1, true
	}
	if !known {
		return fail(`unknown unit ` + strconv.Quote(unit) + `; ` + sizeUnits)
	}
	n, reason := wholeInt64(num.Mul(num, new(big.Rat).SetInt64(scale)), "1B", sizeRange)
	if reason != "" {
		return fail(reason)
	}
	return n, nil
}

// FormatSize writes n bytes in the largest unit that represents it exactly,
// preferring binary units ("4MiB", "500kB", "1500B"); ParseSize reads the
// result back to n.
func FormatSize(n int64) string {
	if n == 0 {
		return "0B"
	}
	steps := [...]struct {
		scale int64
		name  string
	}{
		{1 << 40, "TiB"}, {1e12, "TB"},
		{1 << 30, "GiB"}, {1e9, "GB"},
		{1 << 20, "MiB"}, {1e6, "MB"},
		{1 << 10, "KiB"}, {1e3, "kB"},
	}
	for _, u := range steps {
		if n%u.scale == 0 {
			return strconv.FormatInt(n/u.scale, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// scanDecimal reads the unsigned decimal number at the start of s ("12",
// "1.5", ".5", "5.") as an exact rational and returns it with the rest of s.
// Exponents, signs and other bases are not part of the syntax.
func scanDecimal(s string) (num *big.Rat, rest string, ok bool) {
	i, digits := 0, 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return nil, s, false
	}
	num, ok = new(big.Rat).SetString(s[:i])
	return num, s[i:], ok
}

// What the parsers' "too large" errors allow: the range of the int64 each
// type is, which every conversion from it is checked against.
const (
	durationRange = "allowed up to 9223372036854775807ns (about 292 years), the longest time the simulator represents"
	rateRange     = "allowed up to 9223372036854775807bit/s (about 9.2 Ebit/s)"
	sizeRange     = "allowed up to 9223372036854775807B (8EiB less one byte)"
)

// wholeInt64 converts a rational to int64, or says why it cannot: a
// fraction of the smallest unit (named by finest) or a value beyond int64,
// whose reason ends with largest, what is allowed.
func wholeInt64(r *big.Rat, finest, largest string) (int64, string) {
	if !r.IsInt() {
		return 0, "finer than " + finest + ", the smallest step"
	}
	if !r.Num().IsInt64() {
		return 0, "too large; " + largest
	}
	return r.Num().Int64(), ""
}

// ExcerptLen bounds how much of a bad line of an input file (a trace, a
// size CDF) an error quotes.
const ExcerptLen = 80

// Excerpt quotes s for an error message: whole when it is short, else its
// first ExcerptLen bytes (cut at a character boundary) and its length, so
// that a garbage line of any size makes a one-line error.
func Excerpt(s string) string {
	if len(s) <= ExcerptLen {
		return strconv.Quote(s)
	}
	cut := ExcerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}
