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
//
// While the relay runs it also holds the machine's CPU wake-up latency
// limit at zero (the PM QoS request behind /dev/cpu_dma_latency, which is
// what cyclictest and other real-time tools hold), so that an idle core
// polls instead of halting. On bare metal that only skips a deep C-state's
// exit latency (tens to hundreds of microseconds). In a virtual machine it
// matters far more: a halted virtual CPU is a host thread that has gone to
// sleep, and the relay's next timer wakes it only when the host schedules
// that thread again. On the 2-core Firecracker guest this project is
// developed on, with the machine otherwise idle, traces of sched_switch
// and softirq events showed the relay going to sleep in ppoll and the
// next event on its core (the timer) arriving 1.5-4 ms later, with no
// other thread on the core and no steal time counted; with the limit held
// at zero the release error's p99 fell from 53-89 us to 9-15 us and the
// stalls from 23-60 to 4-12 per 30 s run of linux:bbr at 100 Mbit/s.
// The cost is that every core spins while the relay runs. The request is
// dropped when the file is closed, by the relay or by the kernel when the
// process dies, so nothing outlives the run. Without the device (or
// without permission to write it) the relay runs anyway and its
// Scheduling note says so.

package tun

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/units"
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
	// IdlePoll is set when the CPU wake-up latency limit was held at
	// zero while the relay ran, so idle cores polled instead of halting.
	IdlePoll bool `json:"idle_poll"`
	// Steal is the time the machine's hypervisor ran something else on
	// the relay's core (or, unpinned, on all cores together) while the
	// relay ran: /proc/stat's steal column, in 10 ms ticks. A virtual
	// machine's stall that no setting inside it can prevent shows here.
	Steal units.Duration `json:"steal_ns"`
	// Note says why real-time scheduling, pinning or idle polling was not
	// applied.
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
		s.addNote(fmt.Sprintf("SCHED_FIFO not permitted (%v): the relay shares its core with ordinary threads and its release error grows with the machine's load", err))
		return s
	}
	s.RealTime, s.Priority = true, relayPriority
	return s
}

// wakeLatencyDevice is the PM QoS device whose open descriptors hold the
// CPU wake-up latency limit (Documentation/power/pm_qos_interface.rst).
const wakeLatencyDevice = "/dev/cpu_dma_latency"

// holdIdlePolling asks for a CPU wake-up latency of zero, which leaves the
// idle loop only its polling state, until the returned file is closed.
func holdIdlePolling() (*os.File, error) {
	f, err := os.OpenFile(wakeLatencyDevice, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	var zero [4]byte // a binary s32, the limit in microseconds
	if _, err := f.Write(zero[:]); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// addNote appends note to s's Note.
func (s *Scheduling) addNote(note string) {
	if s.Note != "" {
		note = s.Note + "; " + note
	}
	s.Note = note
}

// userHZ is the unit of /proc/stat's times, USER_HZ, 100 on every
// architecture Linux runs this project on.
const userHZ = 100

// cpuSteal reads the steal time /proc/stat reports for cpu, or for all
// cores together when cpu is negative; ok is false where it cannot be read
// (no /proc, a kernel without the column).
func cpuSteal(cpu int) (steal units.Duration, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	return stealIn(string(data), cpu)
}

// stealIn is cpuSteal on the text of /proc/stat.
func stealIn(stat string, cpu int) (steal units.Duration, ok bool) {
	name := "cpu"
	if cpu >= 0 {
		name += strconv.Itoa(cpu)
	}
	for _, line := range strings.Split(stat, "\n") {
		f := strings.Fields(line)
		// cpuN user nice system idle iowait irq softirq steal ...
		if len(f) < 9 || f[0] != name {
			continue
		}
		ticks, err := strconv.ParseInt(f[8], 10, 64)
		if err != nil {
			return 0, false
		}
		return units.Duration(ticks) * units.Second / userHZ, true
	}
	return 0, false
}
