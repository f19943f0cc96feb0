// Keeping the relay's thread on a core: real-time scheduling and CPU
// affinity (sched(7), sched_setattr(2), sched_setaffinity(2)).
//
// Under the default policy (SCHED_OTHER) the kernel shares a core among
// every runnable thread, so on a busy two-core machine the relay waits
// behind a compiler or the benchmark's own sender for a slice of a few
// milliseconds, and every datagram due meanwhile is released that late.
// Under SCHED_FIFO the relay preempts every ordinary thread the moment it
// is runnable (a ppoll timeout or a descriptor turning readable), and
// nothing but interrupts and higher-priority real-time threads can take its
// core while it runs.
//
// The relay is also pinned to one core, the last one the process may use,
// so that its cache stays warm and other threads of the process (the
// endpoints, whose callers may pin them to the other cores) know where it
// is. A relay that never sleeps (a saturated link) starves the ordinary
// threads bound to its core; the kernel's fair server still gives them a
// slice of each second, which shows up as a stall in the profile.
//
// Without CAP_SYS_NICE (or with RLIMIT_RTPRIO at 0) the policy cannot be
// set; the relay then runs as an ordinary thread and says so in its
// Scheduling note.

package tun

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// relayPriority is the relay's SCHED_FIFO priority: above ordinary threads
// and the lowest real-time ones, below the kernel's threaded interrupt
// handlers (priority 50), which must run for the relay's own I/O to make
// progress.
const relayPriority = 10

// Scheduling is how the relay's thread ended up being scheduled.
type Scheduling struct {
	// RealTime is set when the thread runs under SCHED_FIFO.
	RealTime bool `json:"real_time"`
	// Priority is its SCHED_FIFO priority when RealTime is set.
	Priority int `json:"priority,omitempty"`
	// CPU is the core the thread is pinned to, or -1.
	CPU int `json:"cpu"`
	// Note says why real-time scheduling or pinning was not applied.
	Note string `json:"note,omitempty"`
}

// RelayCPU is the core a relay pins its thread to: the highest-numbered
// one this process may use, or -1 when it may use only one, since pinning
// then gains nothing. Callers that want their own threads out of the
// relay's way keep them off this core.
func RelayCPU() int { return relayCPU }

// relayCPU is read once, when the package is initialised: later, the
// thread that asks may be one that its goroutine has pinned narrower, and
// the runtime keeps a pinned main thread rather than discard it.
var relayCPU = func() int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil || set.Count() < 2 {
		return -1
	}
	for cpu := len(set)*64 - 1; cpu >= 0; cpu-- {
		if set.IsSet(cpu) {
			return cpu
		}
	}
	return -1
}()

// scheduleRelayThread pins the calling (locked) thread to cpu, unless it is
// negative, and gives it SCHED_FIFO when realTime is set. Neither failure
// stops the relay: it reports what was applied.
func scheduleRelayThread(cpu int, realTime bool) Scheduling {
	s := Scheduling{CPU: -1}
	if cpu >= 0 {
		var set unix.CPUSet
		set.Set(cpu)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			s.Note = fmt.Sprintf("not pinned to CPU %d: %v", cpu, err)
		} else {
			s.CPU = cpu
		}
	}
	if !realTime {
		return s
	}
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: relayPriority}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		note := fmt.Sprintf("SCHED_FIFO not permitted (%v): the relay shares its core with ordinary threads and its release error grows with the machine's load", err)
		if s.Note != "" {
			note = s.Note + "; " + note
		}
		s.Note = note
		return s
	}
	s.RealTime, s.Priority = true, relayPriority
	return s
}
