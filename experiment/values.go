// Reading one raw value, as viper holds it (string, int64, float64, bool,
// table or array), into its typed form. Each reader returns the value, or a
// reason that says what is wrong and what is allowed; the decoder adds the
// key and the value in front.

package experiment

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/units"
)

// Reasons quoted when a value has the wrong form altogether.
const (
	durationAllowed = `must be a duration such as "20ms", "1.5s" or "250us"`
	rateAllowed     = `must be a rate such as "100Mbit/s", "1.5Gbit/s" or "12.5MB/s", or "unlimited"`
	sizeAllowed     = `must be a size such as "4MiB", "64KB" or 1500 (bytes)`
	bufferAllowed   = `must be bytes ("256KiB"), packets ("100pkt"), a multiple of the bandwidth-delay product ("1bdp") or "unlimited"`
	lossAllowed     = `must be a probability 0 <= loss < 1 such as 0.01 or "1%"`
)

// numberText writes a TOML number as text, so that durations, rates and
// sizes written without quotes go through the same parser (and the same
// "add a unit" advice) as quoted ones.
func numberText(raw any) (string, bool) {
	switch v := raw.(type) {
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// textOf returns the text of a string or number value.
func textOf(raw any) (string, bool) {
	if s, ok := raw.(string); ok {
		return s, true
	}
	return numberText(raw)
}

// parseReason extracts the reason from a units parse error.
func parseReason(err error) string {
	var pe *units.ParseError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return err.Error()
}

func stringValue(raw any) (string, string) {
	s, ok := raw.(string)
	if !ok {
		return "", "must be a quoted string"
	}
	return s, ""
}

func intValue(raw any) (int64, string) {
	n, ok := raw.(int64)
	if !ok {
		return 0, "must be a whole number"
	}
	return n, ""
}

func boolValue(raw any) (bool, string) {
	b, ok := raw.(bool)
	if !ok {
		return false, "must be true or false"
	}
	return b, ""
}

func durationValue(raw any) (units.Duration, string) {
	s, ok := textOf(raw)
	if !ok {
		return 0, durationAllowed
	}
	d, err := units.ParseDuration(s)
	if err != nil {
		return 0, parseReason(err)
	}
	return d, ""
}

// rateValue reads a rate; 0 means unlimited and may be written so.
func rateValue(raw any) (units.Rate, string) {
	s, ok := textOf(raw)
	if !ok {
		return 0, rateAllowed
	}
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unlimited") {
		return 0, ""
	}
	if strings.HasPrefix(s, "-") {
		return 0, `must be a positive rate such as "100Mbit/s"`
	}
	r, err := units.ParseRate(s)
	if err != nil {
		return 0, parseReason(err)
	}
	return r, ""
}

func sizeValue(raw any) (int64, string) {
	s, ok := textOf(raw)
	if !ok {
		return 0, sizeAllowed
	}
	n, err := units.ParseSize(s)
	if err != nil {
		return 0, parseReason(err)
	}
	return n, ""
}

// lossValue reads a probability written as a number or a percentage.
func lossValue(raw any) (float64, string) {
	p, ok := fractionValue(raw)
	if !ok || !(p >= 0 && p < 1) {
		return 0, lossAllowed
	}
	return p, ""
}

// fractionValue reads a number, or a percentage written "1%" (exactly, as
// a rational, before the one rounding to float64). It does not check the
// range: loss and probabilities allow different ones.
func fractionValue(raw any) (float64, bool) {
	switch v := raw.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case string:
		s := strings.TrimSpace(v)
		pct := strings.HasSuffix(s, "%")
		r, ok := new(big.Rat).SetString(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if !ok {
			return 0, false
		}
		if pct {
			r.Quo(r, big.NewRat(100, 1))
		}
		p, _ := r.Float64()
		return p, true
	}
	return 0, false
}

// bufferValue reads a buffer limit as written. A BDP multiple is resolved
// to bytes later, once the rate and the base RTT are known; a packet count
// once the MSS is.
func bufferValue(raw any) (Buffer, string) {
	s, ok := textOf(raw)
	if !ok {
		return Buffer{}, bufferAllowed
	}
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	const zero = `must be more than zero; write "unlimited" for no limit`
	if lower == "unlimited" {
		return Buffer{Unit: BufferUnlimited}, ""
	}
	if num, ok := strings.CutSuffix(lower, "bdp"); ok {
		m, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		switch {
		case err != nil || math.IsNaN(m) || math.IsInf(m, 0) || m < 0:
			return Buffer{}, `a multiple of the bandwidth-delay product must be a number such as "1bdp" or "0.5bdp"`
		case m == 0:
			return Buffer{}, zero
		}
		return Buffer{Unit: BufferBDP, Multiple: m}, ""
	}
	for _, suffix := range [...]string{"packets", "packet", "pkts", "pkt"} {
		if num, ok := strings.CutSuffix(lower, suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			switch {
			case err != nil || n < 0:
				return Buffer{}, `a packet count must be a whole number such as "100pkt"`
			case n == 0:
				return Buffer{}, zero
			}
			return Buffer{Unit: BufferPackets, Packets: n}, ""
		}
	}
	n, err := units.ParseSize(s)
	switch {
	case err != nil:
		return Buffer{}, bufferAllowed
	case n == 0:
		return Buffer{}, zero
	}
	return Buffer{Unit: BufferBytes, Bytes: n}, ""
}
