// The real-time drivers' registry. A real-time run (driver = "tun") lives
// beside its driver's parts (package tun/tunrun), which imports this
// package for the scenario, the flows' applications and the recorder; it
// cannot be imported back, so it registers its run here from its init, as
// database/sql's drivers do, and a program that runs such experiments
// imports it for that side effect (cmd/ccbench does).

package runner

import (
	"context"
	"fmt"
	"sync"

	"ccbench/metrics"
	"ccbench/tun"
	"ccbench/units"
)

// RealTimeResult is a real-time run's result: what the sim driver reports,
// and the relay's own measurements, which only a real-time run has.
type RealTimeResult struct {
	*Result
	// Timing is how late the relay released datagrams relative to the
	// links' deadlines, over every datagram of the run.
	Timing tun.TimingError
	// Relay counts what the relay read, wrote and dropped at the devices.
	Relay tun.RelayCounters
	// Scheduling is how the relay's thread was scheduled: real-time and
	// pinned, or why not.
	Scheduling tun.Scheduling
	// Profile is the relay loop's account of its turns, sleeps, stalls
	// and late releases.
	Profile *tun.RelayProfile
	// Endpoints names each flow's sender and receiver, "kernel→stack" and
	// the like, in flow order.
	Endpoints []string
}

// ReleaseError is what summary.json says of the run's relay: its release
// timing, whether the run stayed within limit at the 99th percentile, and
// how its thread was scheduled.
func (r *RealTimeResult) ReleaseError(limit units.Duration) *metrics.ReleaseError {
	t, sched := r.Timing, r.Scheduling
	return &metrics.ReleaseError{
		Packets: int64(t.Packets),
		P50Us:   float64(t.P50) / 1e3, P99Us: float64(t.P99) / 1e3,
		P999Us: float64(t.P999) / 1e3, MaxUs: float64(t.Max) / 1e3,
		LimitUs: float64(limit) / 1e3,
		Valid:   t.P99 <= limit,
		Scheduling: &metrics.RelayScheduling{
			RealTime: sched.RealTime, Priority: sched.Priority,
			CPU: sched.CPU, Note: sched.Note,
		},
	}
}

// RealTimeRun runs a scenario in real time. info names the run in its
// summary; the run fills in its timing fields. Cancelling ctx ends the
// run early, with ctx's error.
type RealTimeRun func(ctx context.Context, sc Scenario, info metrics.RunInfo) (*RealTimeResult, error)

var realTime struct {
	sync.RWMutex
	runs map[string]RealTimeRun
}

// RegisterRealTime makes run the run of every experiment whose driver is
// driver. It panics if run is nil or driver already has one, since either
// is a mistake in the program, not in an experiment.
func RegisterRealTime(driver string, run RealTimeRun) {
	realTime.Lock()
	defer realTime.Unlock()
	if run == nil {
		panic("runner: RegisterRealTime of a nil run for driver " + driver)
	}
	if _, dup := realTime.runs[driver]; dup {
		panic("runner: RegisterRealTime called twice for driver " + driver)
	}
	if realTime.runs == nil {
		realTime.runs = make(map[string]RealTimeRun)
	}
	realTime.runs[driver] = run
}

// realTimeRun is the run registered for driver, or an error naming the
// driver when this program has none.
func realTimeRun(driver string) (RealTimeRun, error) {
	realTime.RLock()
	defer realTime.RUnlock()
	run := realTime.runs[driver]
	if run == nil {
		return nil, fmt.Errorf("driver = %q: no run is registered for this driver in this program (import ccbench/tun/tunrun for its side effect)", driver)
	}
	return run, nil
}
