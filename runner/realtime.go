// The real-time drivers' registry. A real-time run (driver = "tun") lives
// beside its driver's parts (package tun/tunrun), which imports this
// package for the scenario, the flows' applications and the recorder; it
// cannot be imported back, so it registers its run here from its init, as
// database/sql's drivers do, and a program that runs such experiments
// imports it for that side effect (the CLI, package cli, does).

package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
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
	// LinkDropped is what the emulated links dropped, lost or policed as
	// configured, both directions.
	LinkDropped int64
	// DeviceLosses are the losses the kernel counted outside the links,
	// on both namespaces' devices and stacks, by place
	// (tun.LossCounters.LossesSince); the relay's own are in Relay.
	DeviceLosses []metrics.LossPlace
	// AccountingError, when set, says why the kernel's loss counters could
	// not be read, which leaves the run's losses unaccounted for.
	AccountingError string
	// Sizing is how the run sized its devices and buffers (tun.SizeFor).
	Sizing tun.Sizing
	// Stalls are the relay's stalls (tun/stalls.go).
	Stalls tun.StallSummary
	// BaseRTT is the path's round-trip propagation delay, which sets the
	// longest stall a run tolerates (StallLimit).
	BaseRTT units.Duration
	// Duration is the run's length, which sets the stalled time it
	// tolerates.
	Duration units.Duration
}

// Stall limits. A stall holds every datagram due in it, which the
// endpoints see as a rise of the RTT by up to the stall's length and, for
// datagrams that arrived meanwhile, a queue that the link never had.
const (
	// minStallLimit and maxStallLimit bound the longest single stall a
	// valid run may have: an eighth of the path's base RTT, clamped to 4–16
	// ms. That is Linux CUBIC's HyStart delay threshold
	// (HYSTART_DELAY_MIN/MAX, min RTT / 8), the smallest RTT rise that
	// makes a kernel sender leave slow start, so a longer stall changes
	// what the algorithm under test does.
	minStallLimit = 4 * units.Millisecond
	maxStallLimit = 16 * units.Millisecond
	// maxStalledShare is the stalled time a valid run may have in all, as
	// a share of its length: 1%, beyond which throughput and delay figures
	// are off by more than the precision they are reported with.
	maxStalledShare = 0.01
)

// StallLimit is the longest single stall a valid run on a path of base
// RTT rtt may have.
func StallLimit(rtt units.Duration) units.Duration {
	return min(max(rtt/8, minStallLimit), maxStallLimit)
}

// PathLoss is the run's account of its datagrams: the relay's reads and
// releases, the links' drops, and every loss outside the links by place,
// the relay's own first.
func (r *RealTimeResult) PathLoss() *metrics.PathLoss {
	pl := &metrics.PathLoss{Read: r.Relay.ReadPackets + r.Relay.ShortReads, Released: r.Relay.WrittenPackets, LinkDropped: r.LinkDropped}
	if n := r.Relay.ShortReads; n > 0 {
		pl.Places = append(pl.Places, metrics.LossPlace{Where: tun.PlaceRelayShortRead, Packets: n})
	}
	if n := r.Relay.WriteDrops; n > 0 {
		pl.Places = append(pl.Places, metrics.LossPlace{Where: tun.PlaceRelayWrite, Packets: n})
	}
	pl.Places = append(pl.Places, r.DeviceLosses...)
	for _, p := range pl.Places {
		pl.Outside += p.Packets
	}
	return pl
}

// Validity is the run's verdict on itself: invalid, with one line per
// reason, when its relay's p99 release error passed limit, when anything
// was lost outside the emulated links (or the losses could not be read),
// or when it stalled longer than StallLimit at once or longer than
// maxStalledShare of the run in all.
func (r *RealTimeResult) Validity(limit units.Duration) *metrics.Validity {
	var reasons []string
	if r.Timing.P99 > limit {
		reasons = append(reasons, fmt.Sprintf("relay release error p99 %.1f µs is above max_release_p99 = %.0f µs: the links did not run as configured",
			float64(r.Timing.P99)/1e3, float64(limit)/1e3))
	}
	for _, p := range r.PathLoss().Places {
		reasons = append(reasons, fmt.Sprintf("%d packets lost outside the emulated links at %s", p.Packets, p.Where))
	}
	if r.AccountingError != "" {
		reasons = append(reasons, "losses outside the emulated links could not be read, so they are unaccounted for: "+r.AccountingError)
	}
	st := r.Stalls
	// A stall on a virtual machine whose hypervisor took the relay's core
	// says so: no setting inside the machine prevents that.
	var steal string
	if r.Scheduling.Steal > 0 {
		steal = fmt.Sprintf("; the hypervisor ran other work on the relay's core for %.0f ms of the run (steal time)", r.Scheduling.Steal.Milliseconds())
	}
	if lim := StallLimit(r.BaseRTT); st.Longest.Length() > lim {
		reasons = append(reasons, fmt.Sprintf("relay stalled for %.1f ms at %.3f s, longer than the %.0f ms a stall may last on this path (base RTT %v / 8, within 4–16 ms)%s",
			st.Longest.Length().Milliseconds(), st.Longest.Start.Seconds(), lim.Milliseconds(), r.BaseRTT, steal))
		steal = ""
	}
	if r.Duration > 0 && float64(st.Total) > maxStalledShare*float64(r.Duration) {
		reasons = append(reasons, fmt.Sprintf("relay stalled for %.1f ms in all (%d stalls), more than %.0f%% of the run's %v%s",
			st.Total.Milliseconds(), st.Count, 100*maxStalledShare, r.Duration, steal))
	}
	return &metrics.Validity{Valid: len(reasons) == 0, Reasons: reasons}
}

// ReleaseError is what summary.json says of the run's relay: its release
// timing, whether the run stayed within limit at the 99th percentile, its
// stalls (the first ones listed, all counted), and how its thread was
// scheduled.
func (r *RealTimeResult) ReleaseError(limit units.Duration) *metrics.ReleaseError {
	t, sched := r.Timing, r.Scheduling
	var stalls []metrics.Stall
	for _, st := range r.Stalls.Listed {
		stalls = append(stalls, metrics.Stall{AtS: st.Start.Seconds(), LengthMs: st.Length().Milliseconds()})
	}
	return &metrics.ReleaseError{
		Packets: int64(t.Packets),
		P50Us:   float64(t.P50) / 1e3, P99Us: float64(t.P99) / 1e3,
		P999Us: float64(t.P999) / 1e3, MaxUs: float64(t.Max) / 1e3,
		LimitUs:          float64(limit) / 1e3,
		Valid:            t.P99 <= limit,
		StallThresholdUs: float64(tun.ReleaseStallThreshold) / 1e3,
		StallCount:       r.Stalls.Count,
		StalledMs:        r.Stalls.Total.Milliseconds(),
		Stalls:           stalls,
		Scheduling: &metrics.RelayScheduling{
			RealTime: sched.RealTime, Priority: sched.Priority,
			CPU: sched.CPU, IdlePoll: sched.IdlePoll, StealMs: sched.Steal.Milliseconds(), Note: sched.Note,
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
		return nil, fmt.Errorf("driver = %q: no run is registered for this driver in this program (import github.com/ccbench/ccbench/tun/tunrun for its side effect)", driver)
	}
	return run, nil
}
