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
