// LinkConfig is what a user states about one direction of a link, checked
// before a Link is built so mistakes in an experiment file surface as
// sentences rather than as odd results.

package netem

import (
	"errors"
	"fmt"

	"ccbench/units"
)

// LinkConfig describes one direction of an emulated link.
type LinkConfig struct {
	// Rate is the bottleneck rate; 0 means unlimited, in which case packets
	// take no time to serialize and never queue.
	Rate units.Rate
	// Delay is the one-way propagation delay added after serialization.
	Delay units.Duration
	// LossRate is the probability, from 0 to 1, that a packet is lost on
	// arrival, independently of every other packet (Bernoulli), as Linux
	// netem's "loss random" applies it at enqueue.
	LossRate float64
	// QueueBytes limits the bytes waiting for the transmitter; 0 means no
	// byte limit. The packet being serialized does not count.
	QueueBytes int
	// QueuePackets limits the packets waiting for the transmitter; 0 means
	// no packet limit. The packet being serialized does not count.
	QueuePackets int
	// ECNThresholdPackets is K of DCTCP's step marking (see ecnmark.go):
	// an ECN-capable packet that arrives to find K or more packets waiting
	// is marked CE. 0 turns packet-count marking off.
	ECNThresholdPackets int
	// ECNThresholdBytes is K in bytes waiting; 0 turns it off. With both
	// thresholds set, reaching either marks.
	ECNThresholdBytes int
	// Qdisc names the queue discipline, as tc names it: "droptail" (also
	// the empty string, the default), "drophead", "red", "codel",
	// "fq_codel" or "pie". QueuePackets and QueueBytes are its limit
	// whichever it is.
	Qdisc string
	// QdiscParams holds the tunables of the chosen discipline; zero fields
	// take the RFC's and Linux's defaults.
	QdiscParams QdiscParams
	// Seed seeds the Link's random stages (the loss model, RED's and
	// PIE's drop decisions, FQ-CoDel's flow hash), so one seed gives the
	// same losses on every run.
	Seed uint64
}

// QdiscParams gathers each discipline's tunables; only the chosen
// discipline's are read.
type QdiscParams struct {
	RED     REDParams
	CoDel   CoDelParams
	FQCoDel FQCoDelParams
	PIE     PIEParams
}

// The Qdisc names LinkConfig accepts.
const (
	QdiscDropTail = "droptail"
	QdiscDropHead = "drophead"
	QdiscRED      = "red"
	QdiscCoDel    = "codel"
	QdiscFQCoDel  = "fq_codel"
	QdiscPIE      = "pie"
)

// ConfigError says which LinkConfig field is wrong, what it was set to and
// what is allowed. Validate may return several, joined; errors.As finds
// each, so a caller that knows the field by another name (an experiment
// file's key) can say it in the user's words.
type ConfigError struct {
	Field   string // LinkConfig field name, "LossRate"
	Value   string // the offending value as the user would write it
	Allowed string // what would have been accepted
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("netem: link %s = %s is not allowed: %s", e.Field, e.Value, e.Allowed)
}

// Validate reports every field of c that is out of range, or nil.
func (c LinkConfig) Validate() error {
	var errs []error
	if c.Rate < 0 {
		errs = append(errs, &ConfigError{"Rate", fmt.Sprintf("%dbit/s", int64(c.Rate)),
			"must be positive, or 0 for an unlimited rate"})
	}
	if c.Delay < 0 {
		errs = append(errs, &ConfigError{"Delay", c.Delay.String(),
			"must be 0 or more"})
	}
	// Written so that NaN fails too.
	if !(c.LossRate >= 0 && c.LossRate <= 1) {
		errs = append(errs, &ConfigError{"LossRate", fmt.Sprint(c.LossRate),
			"must be a probability between 0 and 1 (0.01 is 1% loss)"})
	}
	if c.QueueBytes < 0 {
		errs = append(errs, &ConfigError{"QueueBytes", fmt.Sprint(c.QueueBytes),
			"must be positive, or 0 for no byte limit"})
	}
	if c.QueuePackets < 0 {
		errs = append(errs, &ConfigError{"QueuePackets", fmt.Sprint(c.QueuePackets),
			"must be positive, or 0 for no packet limit"})
	}
	errs = append(errs, c.validateECN()...)
	errs = append(errs, c.validateQdisc()...)
	return errors.Join(errs...)
}

// validateECN checks the marking thresholds. One at or above the matching
// queue limit is refused rather than accepted as a no-op: an arrival that
// finds the queue that full is dropped, so nothing would ever be marked.
func (c LinkConfig) validateECN() []error {
	var errs []error
	if c.ECNThresholdPackets < 0 {
		errs = append(errs, &ConfigError{"ECNThresholdPackets", fmt.Sprint(c.ECNThresholdPackets),
			"must be positive, or 0 for no marking by packets waiting"})
	} else if c.ECNThresholdPackets > 0 && c.QueuePackets > 0 && c.ECNThresholdPackets >= c.QueuePackets {
		errs = append(errs, &ConfigError{"ECNThresholdPackets", fmt.Sprint(c.ECNThresholdPackets),
			fmt.Sprintf("must be below QueuePackets (%d): an arrival that finds the queue full is dropped, so none would be marked", c.QueuePackets)})
	}
	if c.ECNThresholdBytes < 0 {
		errs = append(errs, &ConfigError{"ECNThresholdBytes", fmt.Sprint(c.ECNThresholdBytes),
			"must be positive, or 0 for no marking by bytes waiting"})
	} else if c.ECNThresholdBytes > 0 && c.QueueBytes > 0 && c.ECNThresholdBytes >= c.QueueBytes {
		errs = append(errs, &ConfigError{"ECNThresholdBytes", fmt.Sprint(c.ECNThresholdBytes),
			fmt.Sprintf("must be below QueueBytes (%d): an arrival that finds that many bytes waiting does not fit, so none would be marked", c.QueueBytes)})
	}
	return errs
}

// validateQdisc checks the discipline's name and the parameters of the
// one chosen.
func (c LinkConfig) validateQdisc() []error {
	var errs []error
	bad := func(field, value, allowed string) {
		errs = append(errs, &ConfigError{field, value, allowed})
	}
	nonNegative := func(field string, d units.Duration) {
		if d < 0 {
			bad(field, d.String(), "must be positive, or 0 for the default")
		}
	}
	switch c.Qdisc {
	case "", QdiscDropTail, QdiscDropHead:
	case QdiscRED:
		r := c.QdiscParams.RED
		if r.MinTh < 0 {
			bad("QdiscParams.RED.MinTh", fmt.Sprint(r.MinTh), "must be positive bytes, or 0 for a third of MaxTh")
		}
		if r.MaxTh < 0 || r.MaxTh == 0 && c.QueueBytes == 0 {
			bad("QdiscParams.RED.MaxTh", fmt.Sprint(r.MaxTh), "must be positive bytes, or 0 for a quarter of QueueBytes when QueueBytes is set")
		} else if d := r.withDefaults(c.QueueBytes); r.MinTh >= 0 && d.MinTh >= d.MaxTh {
			bad("QdiscParams.RED.MinTh", fmt.Sprint(d.MinTh), fmt.Sprintf("must be below MaxTh (%d)", d.MaxTh))
		}
		if !(r.MaxP >= 0 && r.MaxP <= 1) {
			bad("QdiscParams.RED.MaxP", fmt.Sprint(r.MaxP), "must be a probability above 0 and at most 1, or 0 for 0.02")
		}
		if !(r.Wq >= 0 && r.Wq <= 1) {
			bad("QdiscParams.RED.Wq", fmt.Sprint(r.Wq), "must be a weight above 0 and at most 1, or 0 for 0.002")
		}
	case QdiscCoDel:
		nonNegative("QdiscParams.CoDel.Target", c.QdiscParams.CoDel.Target)
		nonNegative("QdiscParams.CoDel.Interval", c.QdiscParams.CoDel.Interval)
	case QdiscFQCoDel:
		f := c.QdiscParams.FQCoDel
		nonNegative("QdiscParams.FQCoDel.Target", f.Target)
		nonNegative("QdiscParams.FQCoDel.Interval", f.Interval)
		if f.Quantum < 0 {
			bad("QdiscParams.FQCoDel.Quantum", fmt.Sprint(f.Quantum), "must be positive bytes, or 0 for 1514")
		}
		if f.Flows < 0 || f.Flows > 65536 {
			bad("QdiscParams.FQCoDel.Flows", fmt.Sprint(f.Flows), "must be from 1 to 65536, or 0 for 1024")
		}
	case QdiscPIE:
		p := c.QdiscParams.PIE
		nonNegative("QdiscParams.PIE.Target", p.Target)
		nonNegative("QdiscParams.PIE.TUpdate", p.TUpdate)
		nonNegative("QdiscParams.PIE.MaxBurst", p.MaxBurst)
		if !(p.Alpha >= 0) {
			bad("QdiscParams.PIE.Alpha", fmt.Sprint(p.Alpha), "must be positive (per second), or 0 for 0.125")
		}
		if !(p.Beta >= 0) {
			bad("QdiscParams.PIE.Beta", fmt.Sprint(p.Beta), "must be positive (per second), or 0 for 1.25")
		}
	default:
		bad("Qdisc", fmt.Sprintf("%q", c.Qdisc), `must be one of "droptail" (the default), "drophead", "red", "codel", "fq_codel", "pie"`)
	}
	return errs
}
