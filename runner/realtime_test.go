package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
)

// A real-time run whose relay's p99 release error passes max_release_p99
// is marked invalid; one at or under it is valid.
func TestReleaseErrorValidity(t *testing.T) {
	res := &RealTimeResult{
		Scheduling: tun.Scheduling{RealTime: true, Priority: 10, CPU: 1},
		Timing:     tun.TimingError{Packets: 1000, P50: 800, P99: 40 * units.Microsecond, P999: 90 * units.Microsecond, Max: units.Millisecond},
	}
	r := res.ReleaseError(50 * units.Microsecond)
	if !r.Valid || r.LimitUs != 50 || r.P99Us != 40 || r.P50Us != 0.8 || r.Packets != 1000 || !r.Scheduling.RealTime || r.Scheduling.CPU != 1 {
		t.Errorf("within the limit: %+v %+v", r, r.Scheduling)
	}
	if r := res.ReleaseError(40 * units.Microsecond); !r.Valid {
		t.Error("p99 equal to the limit marked invalid")
	}
	if r := res.ReleaseError(39 * units.Microsecond); r.Valid {
		t.Error("p99 above the limit marked valid")
	}
}

// A tun experiment in a program that registered no run for the driver
// (this package's tests do not link tun/tunrun) fails naming the driver,
// before its results folder is made.
func TestExecuteWithoutRealTimeRun(t *testing.T) {
	cfg := loadBottleneck(t, "flows[0].cc=linux:cubic", "driver=tun")
	dir := filepath.Join(t.TempDir(), "out")
	_, err := ExecuteWith(cfg, dir, "", ExecOptions{Plots: PlotNone})
	want := `driver = "tun": no run is registered for this driver in this program (import github.com/ccbench/ccbench/tun/tunrun for its side effect)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("results folder after the failed run: %v", err)
	}
}

// ExecuteWith runs a tun experiment with the run registered for "tun",
// and registering a second one, or a nil one, panics.
func TestRegisterRealTime(t *testing.T) {
	errRan := errors.New("the registered run ran")
	var got Scenario
	RegisterRealTime("tun", func(_ context.Context, sc Scenario, _ metrics.RunInfo) (*RealTimeResult, error) {
		got = sc
		return nil, errRan
	})
	t.Cleanup(func() {
		realTime.Lock()
		delete(realTime.runs, "tun")
		realTime.Unlock()
	})
	cfg := loadBottleneck(t, "flows[0].cc=linux:cubic", "driver=tun")
	if _, err := ExecuteWith(cfg, filepath.Join(t.TempDir(), "out"), "", ExecOptions{Plots: PlotNone}); !errors.Is(err, errRan) {
		t.Fatalf("got %v, want the registered run's error", err)
	}
	if len(got.Flows) != 1 || got.Flows[0].CC != "linux:cubic" {
		t.Errorf("the registered run got flows %+v, want the experiment's linux:cubic", got.Flows)
	}
	for name, run := range map[string]RealTimeRun{"twice": func(context.Context, Scenario, metrics.RunInfo) (*RealTimeResult, error) { return nil, nil }, "nil": nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %s did not panic", name)
				}
			}()
			RegisterRealTime("tun", run)
		}()
	}
}

// A real-time run is invalid, with one line per reason, when its p99
// passed the limit, when anything was lost outside the links (the relay's
// own losses first, then the kernel's by place), when a stall was longer
// than the path allows, or when it stalled too long in all; its path loss
// sums the places.
func TestRealTimeValidity(t *testing.T) {
	ms := units.Millisecond
	res := &RealTimeResult{
		Timing:      tun.TimingError{Packets: 1000, P99: 236 * units.Microsecond},
		Relay:       tun.RelayCounters{ReadPackets: 5000, WrittenPackets: 4900, WriteDrops: 2, ShortReads: 1},
		LinkDropped: 40,
		DeviceLosses: []metrics.LossPlace{
			{Where: "TUN device A transmit queue (tx_dropped)", Packets: 2335},
		},
		Stalls: tun.StallSummary{Count: 3, Total: 150 * ms,
			Longest: tun.Stall{Start: units.Time(5400 * ms), End: units.Time(5450 * ms)},
			Listed:  []tun.Stall{{Start: units.Time(5400 * ms), End: units.Time(5450 * ms)}}},
		BaseRTT:  40 * ms,
		Duration: 10 * units.Second,
	}
	pl := res.PathLoss()
	want := metrics.PathLoss{Read: 5001, Released: 4900, LinkDropped: 40, Outside: 2338, Places: []metrics.LossPlace{
		{Where: tun.PlaceRelayShortRead, Packets: 1},
		{Where: tun.PlaceRelayWrite, Packets: 2},
		{Where: "TUN device A transmit queue (tx_dropped)", Packets: 2335},
	}}
	if !reflect.DeepEqual(*pl, want) {
		t.Errorf("path loss %+v\nwant %+v", *pl, want)
	}
	v := res.Validity(100 * units.Microsecond)
	reasons := []string{
		"relay release error p99 236.0 µs is above max_release_p99 = 100 µs: the links did not run as configured",
		"1 packets lost outside the emulated links at " + tun.PlaceRelayShortRead,
		"2 packets lost outside the emulated links at " + tun.PlaceRelayWrite,
		"2335 packets lost outside the emulated links at TUN device A transmit queue (tx_dropped)",
		"relay stalled for 50.0 ms at 5.400 s, longer than the 5 ms a stall may last on this path (base RTT 40ms / 8, within 4–16 ms)",
		"relay stalled for 150.0 ms in all (3 stalls), more than 1% of the run's 10s",
	}
	if v.Valid || !reflect.DeepEqual(v.Reasons, reasons) {
		t.Errorf("validity %v\n%s\nwant\n%s", v.Valid, strings.Join(v.Reasons, "\n"), strings.Join(reasons, "\n"))
	}
	// On a virtual machine whose hypervisor took the relay's core, the
	// first stall reason says for how long, once.
	res.Scheduling.Steal = 120 * ms
	v = res.Validity(100 * units.Microsecond)
	if got, want := v.Reasons[4], reasons[4]+"; the hypervisor ran other work on the relay's core for 120 ms of the run (steal time)"; got != want {
		t.Errorf("stall with steal time: %q\nwant %q", got, want)
	}
	if v.Reasons[5] != reasons[5] {
		t.Errorf("second stall reason %q, want %q without the steal time again", v.Reasons[5], reasons[5])
	}
	r := res.ReleaseError(100 * units.Microsecond)
	if r.Scheduling.StealMs != 120 {
		t.Errorf("release error steal %v ms, want 120", r.Scheduling.StealMs)
	}
	if r.StallThresholdUs != 1000 || r.StallCount != 3 || r.StalledMs != 150 || !reflect.DeepEqual(r.Stalls, []metrics.Stall{{AtS: 5.4, LengthMs: 50}}) {
		t.Errorf("release error stalls: %+v", r)
	}

	// The same run with nothing wrong is valid, with no reasons; a short
	// stall within both limits does not count against it.
	clean := &RealTimeResult{Timing: tun.TimingError{P99: 50 * units.Microsecond}, BaseRTT: 40 * ms, Duration: 10 * units.Second,
		Stalls: tun.StallSummary{Count: 1, Total: 2 * ms, Longest: tun.Stall{Start: 0, End: units.Time(2 * ms)}}}
	if v := clean.Validity(100 * units.Microsecond); !v.Valid || v.Reasons != nil {
		t.Errorf("clean run: %+v", v)
	}
	if pl := clean.PathLoss(); pl.Outside != 0 || pl.Places != nil {
		t.Errorf("clean run's path loss: %+v", pl)
	}
	clean.AccountingError = "tun: netlink in ccb-1-a: permission denied"
	if v := clean.Validity(100 * units.Microsecond); v.Valid || len(v.Reasons) != 1 ||
		v.Reasons[0] != "losses outside the emulated links could not be read, so they are unaccounted for: tun: netlink in ccb-1-a: permission denied" {
		t.Errorf("unreadable counters: %+v", v)
	}
}

// The longest stall a path allows is an eighth of its base RTT, within
// 4–16 ms.
func TestStallLimit(t *testing.T) {
	ms := units.Millisecond
	for rtt, want := range map[units.Duration]units.Duration{0: 4 * ms, 20 * ms: 4 * ms, 40 * ms: 5 * ms, 100 * ms: 12500 * units.Microsecond, 400 * ms: 16 * ms} {
		if got := StallLimit(rtt); got != want {
			t.Errorf("StallLimit(%v) = %v, want %v", rtt, got, want)
		}
	}
}
