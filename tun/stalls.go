// Relay stalls: the intervals in which the relay did not run when it
// should have, which a run's links did not emulate.
//
// Two things show a stall, and the profile (relay_profile.go) reports
// both here:
//
//   - a release at least ReleaseStallThreshold late: the link's deadline
//     passed and the datagram waited in the relay, an interval from its
//     deadline to its write;
//   - a step of the loop other than a sleep (a read, a write, a poll of
//     empty ports) that lasted at least ReleaseStallThreshold: the thread
//     was not running, and any datagram that arrived at a device meanwhile
//     was read, and so entered the link, late by up to that long, which no
//     release error shows.
//
// Overlapping intervals are one stall: a pause of 50 ms makes every
// datagram due during it late, by less and less, and all of them together
// are one stall of 50 ms from the first deadline missed. The log keeps
// the longest maxStallsListed stalls in a fixed array, plus the count, the
// total and the longest of all of them, so recording allocates nothing.

package tun

import (
	"slices"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/units"
)

// ReleaseStallThreshold is how late a release (or how long a step of the
// relay's loop) must be to count as a stall. A relay on a real-time
// thread releases within tens of microseconds (the default
// max_release_p99 is 100 µs); a millisecond is ten times that limit and a
// whole scheduler tick at HZ=1000, so a release that late means the thread
// lost its core for a slice (another real-time thread, the fair server's
// share for ordinary threads, a stop of the Go runtime), not per-packet
// jitter. It is also the smallest delay a TCP sender's RTT samples resolve
// (Linux's srtt is kept in microseconds but HyStart and BBR act on
// milliseconds).
const ReleaseStallThreshold = units.Millisecond

// maxStallsListed bounds the stalls a run lists one by one; a run with
// more lists its longest and reports the rest in its count and total.
const maxStallsListed = 64

// Stall is one interval [Start, End) on the run's clock in which the relay
// did not run.
type Stall struct {
	Start, End units.Time
}

// Length is how long the stall lasted.
func (s Stall) Length() units.Duration { return s.End.Sub(s.Start) }

// StallLog is a run's stalls.
type StallLog struct {
	// open is the stall being extended, if any (End > 0).
	open Stall
	list [maxStallsListed]Stall
	n    int
	// count, total and longest cover every closed stall, listed or not.
	count   int64
	total   units.Duration
	longest Stall
}

// add records the interval [start, end) in which the relay did not run,
// merging it into the open stall when they overlap.
func (l *StallLog) add(start, end units.Time) {
	if end <= start {
		return
	}
	o := &l.open
	if o.End > 0 && start <= o.End && end >= o.Start {
		o.Start = units.MinTime(o.Start, start)
		o.End = max(o.End, end)
		return
	}
	l.close()
	l.open = Stall{Start: start, End: end}
}

// close moves the open stall, if any, into the log.
func (l *StallLog) close() {
	o := l.open
	if o.End == 0 {
		return
	}
	l.open = Stall{}
	if l.n < maxStallsListed {
		l.list[l.n] = o
		l.n++
	} else {
		// The list keeps the longest: a stall replaces the shortest
		// listed one if it is longer. Stalls are at least a millisecond
		// apart, so the scan costs nothing that matters.
		shortest := 0
		for i := range l.list {
			if l.list[i].Length() < l.list[shortest].Length() {
				shortest = i
			}
		}
		if o.Length() > l.list[shortest].Length() {
			l.list[shortest] = o
		}
	}
	l.count++
	l.total += o.Length()
	if o.Length() > l.longest.Length() {
		l.longest = o
	}
}

// StallSummary is what a run reports of its stalls.
type StallSummary struct {
	// Count and Total cover every stall; Longest is the longest of them.
	Count   int64
	Total   units.Duration
	Longest Stall
	// Listed are the longest stalls, at most maxStallsListed, in time
	// order.
	Listed []Stall
}

// Summary closes the open stall and sums the log up; call it after the
// relay has stopped. It allocates the list, once.
func (l *StallLog) Summary() StallSummary {
	l.close()
	listed := append([]Stall(nil), l.list[:l.n]...)
	slices.SortFunc(listed, func(a, b Stall) int { return int(a.Start - b.Start) })
	return StallSummary{Count: l.count, Total: l.total, Longest: l.longest, Listed: listed}
}

// testPause stops the relay's thread once, for tests that inject a stall.
type testPause struct {
	at     units.Time
	length units.Duration
	done   bool
	// began is when the pause began, on the relay's clock.
	began units.Time
}

// SetTestPause makes the relay's thread sleep for length, once, at the
// first turn of its loop at or after at on its clock, as a thread that lost
// its core would; call it before Start. It exists for tests of stall
// detection: a relay without it pays one predictable branch per turn.
func (r *Relay) SetTestPause(at units.Time, length units.Duration) {
	r.pause = &testPause{at: at, length: length}
}

// TestPauseBegan is when the pause SetTestPause asked for began on the
// relay's clock, or -1 if it never did; call it after Stop.
func (r *Relay) TestPauseBegan() units.Time {
	if r.pause == nil || !r.pause.done {
		return -1
	}
	return r.pause.began
}

// maybe sleeps if the pause is due at now and has not happened yet.
func (p *testPause) maybe(now units.Time) {
	if p.done || now < p.at {
		return
	}
	p.done, p.began = true, now
	ts := unix.NsecToTimespec(int64(p.length))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
