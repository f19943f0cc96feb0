package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"ccbench/metrics"
	"ccbench/tun"
	"ccbench/units"
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
	want := `driver = "tun": no run is registered for this driver in this program (import ccbench/tun/tunrun for its side effect)`
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
