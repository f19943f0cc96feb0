// The relay's clock: real time, monotonic, as units.Time since the start of
// the run, so the netem links see the same kind of time as under the sim
// driver.

package tun

import (
	"time"

	"github.com/ccbench/ccbench/units"
)

// Clock reads the monotonic clock as an offset from its origin. This is the
// one place in ccbench that reads the wall clock's monotonic part: the tun
// driver runs in real time, and every time it hands to the links comes from
// here.
type Clock struct {
	origin time.Time
}

// NewClock starts a clock whose zero is now.
func NewClock() Clock { return Clock{origin: time.Now()} }

// Now is the time since the clock's origin. time.Since uses the monotonic
// reading through the vDSO, which costs tens of nanoseconds, cheap enough to
// call on every turn of a spinning loop.
func (c Clock) Now() units.Time { return units.Time(time.Since(c.origin)) }
