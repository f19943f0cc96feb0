package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/units"
)

// fakeReason is what the fake real-time run below says of a cubic point.
const fakeReason = "release error p99 1000 µs above the 100 µs limit"

// This package's tests do not link the tun driver (tun/tunrun), so they
// stand a fake real-time run in for it: no devices, a flow delivering
// 1 Mbit/s, and a verdict chosen by the point, cubic invalid.
func init() {
	runner.RegisterRealTime("tun", func(ctx context.Context, sc runner.Scenario, info metrics.RunInfo) (*runner.RealTimeResult, error) {
		rec := runner.NewRecorder(&sc)
		var series []*metrics.FlowSeries
		for i, f := range sc.Flows {
			series = append(series, rec.AddFlow(i, runner.FlowName(i, f.CC), f.CC, units.Time(f.Start)))
		}
		for now := units.Time(0); now <= units.Time(sc.Duration); now += units.Time(sc.SampleInterval) {
			for _, f := range series {
				f.Record(metrics.FlowSample{T: now, Cwnd: 14480, Delivered: int64(now.Seconds() * 125_000)})
			}
			rec.RecordLink(metrics.LinkSample{T: now})
		}
		info.Duration, info.LinkRate, info.Seed = sc.Duration, sc.Forward.Rate, sc.Seed
		r := &runner.Result{Recorder: rec}
		r.Summary = rec.Summary(info)
		res := &runner.RealTimeResult{Result: r}
		r.Summary.Validity = &metrics.Validity{Valid: true}
		res.Timing.P99 = 10 * units.Microsecond
		if sc.Flows[0].CC == "cubic" {
			r.Summary.Validity = &metrics.Validity{Reasons: []string{fakeReason}}
			res.Timing.P99 = units.Millisecond
		}
		return res, nil
	})
}

const realTimeSweep = `
name = "rt"
driver = "tun"
duration = "1s"
sample_interval = "100ms"
[link]
rate = "10Mbit/s"
delay = "10ms"
[[flows]]
cc = "reno"
[sweep]
"flows[0].cc" = ["reno", "cubic", "bbr"]
`

// A sweep of real-time points counts them, names the invalid one with
// its reasons, and so does a resumed sweep that reuses every point; the
// index marks the same point.
func TestSweepReportsInvalidPoints(t *testing.T) {
	sw, err := experiment.LoadSweepBytes("rt.toml", []byte(realTimeSweep), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	check := func(what string, res Result) {
		t.Helper()
		bad := sw.Points[1].Run
		if res.RealTime != 3 || len(res.Invalid) != 1 || !strings.HasPrefix(res.Invalid[0], "run "+bad+": ") {
			t.Fatalf("%s: %d real-time points, invalid %q; want 3 and run %s", what, res.RealTime, res.Invalid, bad)
		}
		// Whatever else the driver's verdict says, the fake's reason is
		// in it.
		if !strings.Contains(res.Invalid[0], "p99 1000") && !strings.Contains(res.Invalid[0], fakeReason) {
			t.Errorf("%s: %q does not give the reason", what, res.Invalid[0])
		}
	}
	res, err := Run(context.Background(), sw, Options{Out: out, NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	check("run", res)
	res, err = Run(context.Background(), sw, Options{Out: out, NoPlots: true, Resume: true})
	if err != nil || res.Skipped != 3 {
		t.Fatalf("resumed: %+v, %v", res, err)
	}
	check("resumed", res)
	idx, err := report.ReadIndex(filepath.Join(out, "rt"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range idx.Runs {
		if r.Validity == nil || r.Validity.Valid != (i != 1) {
			t.Errorf("index.json: run %s has validity %+v", r.Run, r.Validity)
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, "rt", "index.html"))
	if n := strings.Count(string(page), `<tr class="invalid"`); n != 1 {
		t.Errorf("index.html marks %d rows invalid, want 1", n)
	}
}

// A simulated sweep has no real-time points and nothing invalid.
func TestSimulatedSweepHasNoVerdicts(t *testing.T) {
	sw, err := experiment.LoadSweepBytes("sim.toml", []byte(strings.Replace(realTimeSweep, `driver = "tun"`, `driver = "sim"`, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sw, Options{Out: t.TempDir(), NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.RealTime != 0 || res.Invalid != nil {
		t.Fatalf("simulated sweep: %d real-time points, invalid %q", res.RealTime, res.Invalid)
	}
}

// A sweep gathers its points' warnings, each named by its point: here the
// 4 MiB receive buffer, not the 1 Gbit/s link, sets every point's goodput.
func TestSweepGathersWarnings(t *testing.T) {
	const file = `name = "warn"
duration = "1s"
[link]
rate = "1Gbit/s"
delay = "20ms"
[[flows]]
cc = "reno"
[sweep]
"flows[0].cc" = ["reno", "cubic"]
`
	sw, err := experiment.LoadSweepBytes("warn.toml", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sw, Options{Out: t.TempDir(), NoPlots: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 {
		t.Fatalf("warnings %q, want one per point", res.Warnings)
	}
	for i, p := range sw.Points {
		if w := res.Warnings[i]; !strings.HasPrefix(w, "run "+p.Run+": flows[0]: limited by the receive window") {
			t.Errorf("point %s: warning %q", p.Run, w)
		}
	}
}
