// Reserving scheduler room for running relays.
//
// A relay's goroutine never blocks in the Go scheduler: it spins or sleeps
// in ppoll on its locked thread, so it holds a P (the runtime's right to
// run Go code) for the whole run. With GOMAXPROCS equal to the core count,
// every other goroutine of the process (the endpoints' applications, the
// samplers, the garbage collector's workers) shares the remaining Ps, and
// sysmon's 10 ms preemption of the relay when they queue up delays
// releases by milliseconds. Measured on two cores, raising GOMAXPROCS by
// two while a relay runs took the p99 release error of a 50 Mbit/s kernel
// transfer from 1.6 ms to 12 µs: the kernel, not the Go scheduler, then
// shares the cores among threads.
//
// The extra Ps do not stop sysmon from preempting the relay: the runtime
// preempts any goroutine that has run 10 ms without passing through the
// scheduler (forcePreemptNS), whether or not others wait, and the relay
// never passes through it. A locked goroutine, once preempted, parks its
// thread and resumes only when another thread has run the scheduler and
// handed its P back. Measured with a runtime trace of the paced 1 Gbit/s
// benchmark: 81–102 preemptions in a 1.3 s run, each resumed after 190–230
// µs on average and up to 4.5–5.4 ms at a load of 1–11, among the
// relay's longest stalls. With the benchmark's sender and receiver made
// SCHED_FIFO on the other core, the p99 release error rose to 40–77 ms:
// no ordinary thread could run to hand the relay back. Two ways around it were measured and rejected: holding
// the P with runtime.procPin only moves the preemption to the end of the
// next sleep (sysmon asks again every tick until it is honoured, and a
// pinned relay must let it through somewhere or a stop of the world never
// ends: 128 of 129 preemptions then came right after a sleep); and an
// unlocked relay goroutine, which a preemption could hand back to its own
// thread at once, stalled longer (maximum stalls of 27–40 ms against 3–15
// ms locked, same load), most likely because the runtime then moves it
// between threads and may start threads from it that inherit its policy
// and core. What remains is to keep those stalls from dropping anything:
// the devices are sized for the link (sizing.go).

package tun

import (
	"runtime"
	"sync"
)

// relayProcs is how many Ps each running relay adds: its own, and one so
// that a preempted relay finds a P free at once.
const relayProcs = 2

var procs struct {
	sync.Mutex
	relays int
}

// reserveProcs raises GOMAXPROCS for one more running relay.
func reserveProcs() {
	procs.Lock()
	defer procs.Unlock()
	procs.relays++
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + relayProcs)
}

// releaseProcs undoes one reserveProcs.
func releaseProcs() {
	procs.Lock()
	defer procs.Unlock()
	procs.relays--
	runtime.GOMAXPROCS(max(1, runtime.GOMAXPROCS(0)-relayProcs))
}
