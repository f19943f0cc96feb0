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
	// Seed seeds the Link's random stages (the loss model), so one seed
	// gives the same losses on every run.
	Seed uint64
}

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
