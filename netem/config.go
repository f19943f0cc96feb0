// LinkConfig is what a user states about one direction of a link, checked
// before a Link is built so mistakes in an experiment file surface as
// sentences rather than as odd results.

package netem

import (
	"errors"
	"fmt"

	"github.com/ccbench/ccbench/units"
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
	// Overhead is added to each packet's length when it is serialized:
	// framing below IP (38 bytes for Ethernet), as tc's rate overhead.
	Overhead int

	// Jitter adds a random term to each packet's propagation delay
	// (jitter.go); Jitter.Jitter = 0 turns it off. The base delay is
	// Delay, so Jitter.Delay must be left 0 (or equal Delay). With
	// Jitter.Reorder unset packets keep their order.
	Jitter JitterParams
	// LossModel names the loss model (lossmodels.go): "bernoulli" (also
	// the empty string, the default) loses with LossRate;
	// "gilbert_elliott" and "4state" use GilbertElliott and FourState,
	// and LossRate must then be 0.
	LossModel      string
	GilbertElliott GilbertElliottParams
	FourState      FourStateParams
	// Duplicate and Corrupt are netem's "duplicate P C" and "corrupt P C"
	// (impair.go); a zero Prob turns each off.
	Duplicate Impairment
	Corrupt   Impairment
	// Reorder is netem's "reorder P C gap G": chosen packets skip the
	// propagation delay and overtake those on the medium. It needs a
	// Delay; a Gap of 0 with Prob set means 1, as tc makes it.
	Reorder ReorderParams
	// Policer drops arrivals beyond a token bucket before the queue
	// (policer.go); a zero Rate turns it off.
	Policer PolicerParams
	// Trace, when set, replaces Rate by a Mahimahi delivery trace
	// (trace.go); Rate must then be 0.
	Trace *Trace
	// Schedule, when set, changes the rate, delay and Bernoulli loss rate
	// over time (schedule.go); before its first change the fields above
	// apply.
	Schedule *Schedule
}

// Impairment is the probability, 0 to 1, of an impairment hitting a
// packet, and netem's correlation, 0 to 1, between successive decisions.
type Impairment struct {
	Prob, Correlation float64
}

// ReorderParams configure netem's reordering.
type ReorderParams struct {
	Prob, Correlation float64
	Gap               int
}

// PolicerParams configure the token-bucket policer.
type PolicerParams struct {
	Rate  units.Rate
	Burst int // bytes
}

// The LossModel names LinkConfig accepts.
const (
	LossBernoulli      = "bernoulli"
	LossGilbertElliott = "gilbert_elliott"
	LossFourState      = "4state"
)

// reorders reports whether packets may leave the medium in another order
// than they entered it, which needs the reorderLine.
func (c LinkConfig) reorders() bool {
	return c.Jitter.Reorder && c.Jitter.Jitter > 0 || c.Reorder.Prob > 0
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
	if c.Overhead < 0 || c.Overhead > 1024 {
		errs = append(errs, &ConfigError{"Overhead", fmt.Sprintf("%d bytes", c.Overhead),
			"must be 0 to 1024 bytes of framing per packet"})
	}
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
	errs = append(errs, c.validateStages()...)
	return errors.Join(errs...)
}

// validateStages checks the optional stages: jitter, loss model,
// impairments, policer, trace and schedule.
func (c LinkConfig) validateStages() []error {
	var errs []error
	bad := func(field, value, allowed string) {
		errs = append(errs, &ConfigError{field, value, allowed})
	}
	prob := func(field string, p float64, allowed string) {
		if !(p >= 0 && p <= 1) {
			bad(field, fmt.Sprint(p), allowed)
		}
	}
	j := c.Jitter
	if j.Jitter < 0 {
		bad("Jitter.Jitter", j.Jitter.String(), "must be 0 or more (0 turns jitter off)")
	}
	if j.Delay != 0 && j.Delay != c.Delay {
		bad("Jitter.Delay", j.Delay.String(), "must be 0: the base delay is Delay ("+c.Delay.String()+")")
	}
	prob("Jitter.Correlation", j.Correlation, "must be from 0 to 1")
	if j.Dist > ParetoNormal {
		bad("Jitter.Dist", fmt.Sprint(int(j.Dist)), "must be Uniform, Normal, Pareto or ParetoNormal")
	}
	switch c.LossModel {
	case "", LossBernoulli:
	case LossGilbertElliott:
		g := c.GilbertElliott
		for _, f := range []struct {
			name string
			p    float64
		}{{"P", g.P}, {"R", g.R}, {"LossBad", g.LossBad}, {"LossGood", g.LossGood}} {
			prob("GilbertElliott."+f.name, f.p, "must be a probability from 0 to 1")
		}
	case LossFourState:
		f := c.FourState
		for _, q := range []struct {
			name string
			p    float64
		}{{"P13", f.P13}, {"P31", f.P31}, {"P32", f.P32}, {"P23", f.P23}, {"P14", f.P14}} {
			prob("FourState."+q.name, q.p, "must be a probability from 0 to 1")
		}
		if f.P13+f.P14 > 1 {
			bad("FourState.P13", fmt.Sprint(f.P13), fmt.Sprintf("plus P14 (%v) must not exceed 1", f.P14))
		}
		if f.P31+f.P32 > 1 {
			bad("FourState.P31", fmt.Sprint(f.P31), fmt.Sprintf("plus P32 (%v) must not exceed 1", f.P32))
		}
	default:
		bad("LossModel", fmt.Sprintf("%q", c.LossModel), `must be one of "bernoulli" (the default), "gilbert_elliott", "4state"`)
	}
	if c.LossModel != "" && c.LossModel != LossBernoulli && c.LossRate != 0 {
		bad("LossRate", fmt.Sprint(c.LossRate), "must be 0 with LossModel "+c.LossModel+", whose parameters set the loss")
	}
	prob("Duplicate.Prob", c.Duplicate.Prob, "must be a probability from 0 to 1")
	prob("Duplicate.Correlation", c.Duplicate.Correlation, "must be from 0 to 1")
	prob("Corrupt.Prob", c.Corrupt.Prob, "must be a probability from 0 to 1")
	prob("Corrupt.Correlation", c.Corrupt.Correlation, "must be from 0 to 1")
	prob("Reorder.Prob", c.Reorder.Prob, "must be a probability from 0 to 1")
	prob("Reorder.Correlation", c.Reorder.Correlation, "must be from 0 to 1")
	if c.Reorder.Gap < 0 {
		bad("Reorder.Gap", fmt.Sprint(c.Reorder.Gap), "must be 1 or more, or 0 for 1")
	}
	if c.Reorder.Prob > 0 && c.Delay == 0 && c.Schedule == nil {
		bad("Reorder.Prob", fmt.Sprint(c.Reorder.Prob), "needs a Delay above 0: a packet overtakes others only by skipping the delay")
	}
	if c.Policer.Rate < 0 {
		bad("Policer.Rate", c.Policer.Rate.String(), "must be positive, or 0 for no policer")
	}
	if c.Policer.Rate > 0 && c.Policer.Burst <= 0 {
		bad("Policer.Burst", fmt.Sprint(c.Policer.Burst), "must be positive bytes when Policer.Rate is set, at least one packet")
	}
	if c.Trace != nil && c.Rate != 0 {
		bad("Rate", c.Rate.String(), "must be 0 when Trace is set: the trace gives the capacity")
	}
	if c.Trace != nil && c.Schedule != nil {
		bad("Schedule", "set", "must be nil when Trace is set: a trace's capacity cannot also follow a schedule")
	}
	if c.Schedule != nil && c.LossModel != "" && c.LossModel != LossBernoulli {
		bad("Schedule", "set", "changes the Bernoulli loss rate, so LossModel must be bernoulli")
	}
	return errs
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
