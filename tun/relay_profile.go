// Where the relay's release error comes from: a profile of the loop kept
// alongside the timing histogram, cheap enough to stay on in every run.
//
// The loop announces each step it takes (a read, a write, a sleep, a poll
// of empty ports) with the time it began, into a ring of the most recent
// steps. A datagram released late is charged to the step that was under way
// when its deadline passed: late behind a read batch, behind earlier
// writes, after a sleep that overshot, or in a stall. A step that lasted
// longer than stallThreshold is a stall whatever it was doing, since no
// read, write or empty poll takes that long unless the thread lost its core
// (to another thread, to softirq work, to the Go runtime's preemption).
// The thread's context switches, read with getrusage(RUSAGE_THREAD) at the
// start and end of the run, say how often it lost its core involuntarily.

package tun

import (
	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// Activity is what the relay's loop was doing.
type Activity uint8

const (
	// Polling is a turn that found the ports empty (the spin).
	Polling Activity = iota
	// Reading is a read from a port and the datagram's enqueue.
	Reading
	// Writing is the release of a datagram to a port.
	Writing
	// Sleeping is a wait in ppoll for the next deadline or input.
	Sleeping
	// Stalled is a step other than a sleep that took longer than
	// stallThreshold: the thread was not running.
	Stalled
	activities
)

var activityNames = [activities]string{"polling", "reading", "writing", "sleeping", "stalled"}

func (a Activity) String() string { return activityNames[a] }

const (
	// stallThreshold separates a slow step from a lost core: a TUN read
	// or write costs a few microseconds including the receiving stack's
	// softirq work, so a step of 30 µs or more was interrupted.
	stallThreshold = 30 * units.Microsecond
	// lateThreshold is the error below which a release is on time and
	// not charged to any step.
	lateThreshold = 10 * units.Microsecond
	// stepRing holds enough steps to cover two full read batches and
	// their writes, the furthest back a late deadline can lie while the
	// loop keeps up.
	stepRing = 512
)

type step struct {
	start units.Time
	what  Activity
}

// RelayProfile is the loop's account of its own time.
type RelayProfile struct {
	// Turn is the length of each turn that moved at least one datagram,
	// from its first read to its last write.
	Turn metrics.Histogram
	// Overshoot is how long after the requested time a timed-out sleep
	// returned.
	Overshoot metrics.Histogram
	// Stall is the length of every stalled step.
	Stall metrics.Histogram
	// Late holds, for each activity, the release errors of the datagrams
	// whose deadline passed while the loop was at it, for releases later
	// than lateThreshold.
	Late [activities]metrics.Histogram
	// InvoluntarySwitches and VoluntarySwitches are the relay thread's
	// context switches during the run (getrusage ru_nivcsw, ru_nvcsw).
	InvoluntarySwitches, VoluntarySwitches int64
	// Stalls are the intervals in which the relay did not run when it
	// should have (stalls.go).
	Stalls StallLog

	ring [stepRing]step
	head int
}

// begin records that the loop starts what at t, closing the previous step
// (as a stall, if it lasted too long).
func (p *RelayProfile) begin(t units.Time, what Activity) {
	prev := &p.ring[p.head]
	if d := t.Sub(prev.start); d >= stallThreshold && prev.what != Sleeping && prev.start != 0 {
		prev.what = Stalled
		p.Stall.Record(d)
		if d >= ReleaseStallThreshold {
			p.Stalls.add(prev.start, t)
		}
	}
	p.head = (p.head + 1) % stepRing
	p.ring[p.head] = step{start: t, what: what}
}

// charge records a release error, late ones under the step that was under
// way at the datagram's deadline.
func (p *RelayProfile) charge(due units.Time, late units.Duration) {
	if late < lateThreshold {
		return
	}
	if late >= ReleaseStallThreshold {
		p.Stalls.add(due, due.Add(late))
	}
	i := p.head
	for range stepRing - 1 {
		if p.ring[i].start <= due {
			break
		}
		i = (i + stepRing - 1) % stepRing
	}
	p.Late[p.ring[i].what].Record(late)
}

// threadSwitches reads the calling thread's context switch counts.
func threadSwitches() (involuntary, voluntary int64) {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0, 0
	}
	return ru.Nivcsw, ru.Nvcsw
}
