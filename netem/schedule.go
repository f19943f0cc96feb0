// A time-varying link: a list of changes to the link's rate, delay and
// loss rate, each taking effect at a given time, like a script of
// "tc qdisc change" commands run during an experiment (a capacity drop
// mid-flow, a route change that adds delay, a burst of loss). Each change
// gives all three values, so the link's state at any time is simply the
// last change at or before it, with no history to replay.
//
// Wiring into the Link: the Link keeps the Schedule and asks At(t) for
// the state in force at each decision's own time, which is what makes a
// change exact whatever the driver's call pattern:
//
//   - loss: at Enqueue, the loss rate of At(now) applies to the arrival
//     (the Bernoulli model needs a method to change its probability while
//     keeping its generator, so the draws stay those of the seed);
//   - rate: when the transmitter starts a packet at at (Enqueue or
//     advance), serializer.rate = At(at).Rate, so the packet on the wire
//     keeps the rate it started with, as with tc;
//   - delay: when a packet leaves the transmitter at at, it is due at
//     at + At(at).Delay; after a decrease, a later packet could be due
//     before an earlier one, so the due time is clamped to the previous
//     packet's, as Jitter.Due does, to keep the FIFO delay line valid;
//   - NextDeadline: include After(now), so a driver wakes at a change even
//     when the link is idle (a change to an idle link needs no work, but
//     a driver that samples the link's state expects to see it).

package netem

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ccbench/ccbench/units"
)

// Change is one step of a Schedule: from At on, the link has this Rate
// (0: unlimited), one-way Delay and LossRate (0 to 1).
type Change struct {
	At       units.Time
	Rate     units.Rate
	Delay    units.Duration
	LossRate float64
}

// Schedule is a validated list of changes in time order. Its methods only
// read it, so one Schedule may serve several links.
type Schedule struct {
	changes []Change
}

// NewSchedule checks changes and returns a schedule holding a copy. Times
// must be 0 or later and must not decrease (two changes at one time are
// allowed; the later in the list wins); every value must be one a
// LinkConfig would accept.
func NewSchedule(changes []Change) (*Schedule, error) {
	var errs []error
	for i, c := range changes {
		bad := func(field, value, allowed string) {
			errs = append(errs, fmt.Errorf("netem: schedule change %d: %s = %s is not allowed: %s", i, field, value, allowed))
		}
		if c.At < 0 {
			bad("At", c.At.String(), "must be 0 or later")
		}
		if i > 0 && c.At < changes[i-1].At {
			bad("At", c.At.String(), "must not be earlier than the change before it ("+changes[i-1].At.String()+")")
		}
		if c.Rate < 0 {
			bad("Rate", c.Rate.String(), "must be positive, or 0 for an unlimited rate")
		}
		if c.Delay < 0 {
			bad("Delay", c.Delay.String(), "must be 0 or more")
		}
		if !(c.LossRate >= 0 && c.LossRate <= 1) {
			bad("LossRate", fmt.Sprint(c.LossRate), "must be a probability between 0 and 1")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Schedule{changes: slices.Clone(changes)}, nil
}

// At returns the change in force at t, the last one whose At is at or
// before t, and false if t precedes every change (the link then has its
// LinkConfig values).
func (s *Schedule) At(t units.Time) (Change, bool) {
	// The number of changes at or before t.
	n, _ := slices.BinarySearchFunc(s.changes, t, func(c Change, t units.Time) int {
		if c.At <= t {
			return -1
		}
		return 1
	})
	if n == 0 {
		return Change{}, false
	}
	return s.changes[n-1], true
}

// After returns the time of the first change strictly after t, or
// units.Never if there is none.
func (s *Schedule) After(t units.Time) units.Time {
	n, _ := slices.BinarySearchFunc(s.changes, t, func(c Change, t units.Time) int {
		if c.At <= t {
			return -1
		}
		return 1
	})
	if n == len(s.changes) {
		return units.Never
	}
	return s.changes[n].At
}
