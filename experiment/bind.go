// Where each key goes. A schema key names, beside its kind, default and
// doc, the field of its table's destination it is decoded into and written
// from (at), and the rule its value alone must meet (check). The decoder
// and the resolved file walk the schema with these, so a key is added by
// adding its entry; a rule that involves several keys of a table is
// written once, in that table's rules function.

package experiment

import (
	"math"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/units"
)

// field locates a key's value in the destination of its table (a *Config,
// *Link, *TCP, *FlowGroup, ...), returning a pointer to it.
type field func(dst any) any

// at binds a key to a field of a destination of type S.
func at[S any](f func(*S) any) field {
	return func(dst any) any { return f(dst.(*S)) }
}

// rule says what is wrong with a key's decoded value: the message that
// follows the value in the error, or "" when it is allowed. c is the
// Config decoded so far, dst the table's destination and v the field.
type rule func(c *Config, dst, v any) string

// on is a rule on the destination of type S.
func on[S any](f func(c *Config, s *S) string) rule {
	return func(c *Config, dst, _ any) string { return f(c, dst.(*S)) }
}

// unless is the message of a rule: "" when ok, else that the value is not
// allowed and what is.
func unless(ok bool, allowed string) string {
	if ok {
		return ""
	}
	return "is not allowed: " + allowed
}

// oneOf allows a string one of allowed; what says what the value is not
// ("a supported driver").
func oneOf(allowed []string, what string) rule {
	return func(_ *Config, _, v any) string { return notOneOf(*v.(*string), allowed, what) }
}

// notOneOf is the message for s when it is not one of allowed, or "".
func notOneOf(s string, allowed []string, what string) string {
	for _, a := range allowed {
		if s == a {
			return ""
		}
	}
	list := "none is registered"
	if len(allowed) > 0 {
		list = "allowed: " + strings.Join(allowed, ", ")
	}
	return "is not " + what + "; " + list
}

// nonNegative allows a duration from 0s.
var nonNegative rule = func(_ *Config, _, v any) string {
	return unless(*v.(*units.Duration) >= 0, `must not be negative; "0s" for none`)
}

// between allows a whole number from lo to hi.
func between(lo, hi int, allowed string) rule {
	return func(_ *Config, _, v any) string {
		n := *v.(*int)
		return unless(n >= lo && n <= hi, allowed)
	}
}

// positive allows a number above 0 and at most 1e9 of what.
func positive(what string) rule {
	return func(_ *Config, _, v any) string {
		x := *v.(*float64)
		return unless(x > 0 && x <= 1e9, "must be a number of "+what+" above 0 and at most 1e9, e.g. 20 or 0.5")
	}
}

// derive sets a key's default in dst when the file leaves the key out:
// the default of a key whose def is a derive follows other settings.
type derive func(c *Config, dst any)

// fill decodes the keys of s into dst, in schema order: each given value
// or default is read into its field by the field's type and checked
// against the key's own rule. A key without a default (def nil) that is
// not given keeps what dst holds; the table's rules set it.
func (d *decoder) fill(s scope, c *Config, dst any) {
	for _, k := range s.t.keys {
		raw, given := d.raw(s, k.name)
		if f, ok := k.def.(derive); ok && !given {
			f(c, dst)
		} else if given || k.def != nil {
			d.value(s, k, raw, k.at(dst))
		}
		if k.check != nil && d.err == nil && (given || k.def != nil) {
			if msg := k.check(c, dst, k.at(dst)); msg != "" {
				d.fail(s, k.name, msg)
			}
		}
	}
}

// value reads raw, the value of key k of s, into the field p.
func (d *decoder) value(s scope, k key, raw any, p any) {
	var reason string
	switch p := p.(type) {
	case *string:
		*p, reason = stringValue(raw)
	case *bool:
		*p, reason = boolValue(raw)
	case *int:
		var n int64
		if k.kind == kindSize {
			n, reason = sizeValue(raw)
		} else {
			n, reason = intValue(raw)
		}
		*p = int(n)
	case *uint64:
		var n int64
		n, reason = intValue(raw)
		if reason == "" && n < 0 {
			reason = "must be a whole number from 0"
		}
		*p = uint64(n)
	case *int64:
		*p, reason = sizeValue(raw)
	case *float64:
		switch k.kind {
		case kindLoss:
			*p, reason = lossValue(raw)
		case kindNumber:
			*p = number(raw)
		default:
			var ok bool
			*p, ok = fractionValue(raw)
			if !ok || *p < 0 || *p > 1 {
				reason = `must be a probability from 0 to 1, written 0.01 or "1%"`
			}
		}
	case *units.Duration:
		*p, reason = durationValue(raw)
	case *units.Rate:
		*p, reason = rateValue(raw)
	case *Buffer:
		// A buffer whose default is "off" (a marking threshold) is
		// either off or a limited size.
		switch b, why := bufferValue(raw); {
		case k.def != "off":
			*p, reason = b, why
		case raw == "off":
			*p = Buffer{}
		case why == "" && !b.Limited():
			reason = `must be a queue size ("20pkt", "30KB", "0.2bdp") or "off"`
		default:
			*p, reason = b, why
		}
	case *PortRange:
		*p = d.portRange(s, k.name)
	case *NodePath:
		*p = NodePath(strings.Join(d.nodeList(s, k.name, raw), " "))
	case *[]Change:
		// Parsed by the table's rules, once the settings it starts from
		// are known.
	default:
		panic("experiment: no reader for " + s.t.name + "." + k.name)
	}
	if reason != "" {
		d.reject(s, k.name, reason)
	}
}

// number reads a number written as an integer or a float; anything else
// is NaN, which no rule allows.
func number(raw any) float64 {
	switch x := raw.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// literal is the TOML value of the field p of key k in canonical form.
func literal(k *key, p any) string {
	switch p := p.(type) {
	case *string:
		return tomlString(*p)
	case *bool:
		return strconv.FormatBool(*p)
	case *int:
		if k.kind == kindSize {
			return tomlString(units.FormatSize(int64(*p)))
		}
		return strconv.Itoa(*p)
	case *uint64:
		return strconv.FormatUint(*p, 10)
	case *int64:
		return tomlString(units.FormatSize(*p))
	case *float64:
		if k.kind == kindLoss || k.kind == kindProb {
			return tomlFloat(*p)
		}
		return tomlNumber(*p)
	case *units.Duration:
		return tomlString(p.String())
	case *units.Rate:
		if *p == 0 {
			return tomlString("unlimited")
		}
		return tomlString(p.String())
	case *Buffer:
		if !p.Limited() && k.def == "off" {
			return tomlString("off")
		}
		return tomlString(p.String())
	case *PortRange:
		return tomlString(p.String())
	case *NodePath:
		quoted := make([]string, 0)
		for _, n := range p.Nodes() {
			quoted = append(quoted, tomlString(n))
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	case *[]Change:
		var parts []string
		for _, c := range *p {
			parts = append(parts, c.At.String()+" rate="+c.Rate.String()+" delay="+c.Delay.String()+
				" loss="+strconv.FormatFloat(c.Loss, 'g', -1, 64))
		}
		return tomlString(strings.Join(parts, "; "))
	}
	panic("experiment: no resolved form for " + k.name)
}
