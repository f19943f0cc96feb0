package runner

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/experiment"
)

// laptop is a fixed machine for the refusals, so that they do not depend
// on what the test machine has free: 7.6 GiB of memory, 100 GiB of disk.
var laptop = Limits{Memory: 7.6 * (1 << 30), MemoryFrom: "test", Disk: 100 << 30, DiskAt: "/test"}

// checkRefused estimates the bottleneck experiment with sets, with or
// without a capture (which makes the payload real), checks that it is
// refused in one line holding every fragment of want, and that the check
// itself was fast (it must not build the run).
func checkRefused(t *testing.T, pcap bool, want []string, sets ...string) {
	t.Helper()
	start := time.Now()
	e := EstimateScenario(scenario(t, sets...), pcap)
	err := e.Check(laptop, "")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the estimate took %v", took)
	}
	if err == nil {
		t.Fatalf("%v: not refused; estimate %s of memory", sets, budgetSize(e.Memory))
	}
	line := err.Error()
	if strings.Contains(line, "\n") {
		t.Errorf("refusal is more than one line: %q", line)
	}
	for _, w := range append(want, "budget: ", "7.60 GiB", "--no-budget") {
		if !strings.Contains(line, w) {
			t.Errorf("refusal %q does not contain %q", line, w)
		}
	}
	// On this machine too: refused, or within its memory.
	l := MachineLimits(t.TempDir(), BudgetOptions{})
	if err := e.Check(l, ""); err == nil && e.Memory > l.Memory {
		t.Errorf("%v: an estimate of %s passes a machine limit of %s", sets, budgetSize(e.Memory), budgetSize(l.Memory))
	}
}

// TestBudgetRefusesTenThousandFlows: 10 000 flows whose payload is real (a
// capture reads it) may fill 4 MiB send and receive buffers each; with
// virtual payload their buffers take no memory and the same run fits
// (TestBudgetVirtualPayloadFitsTenThousandFlows).
func TestBudgetRefusesTenThousandFlows(t *testing.T) {
	checkRefused(t, true, []string{"10000 flows × 8.38 MiB of socket buffers = 81.9 GiB", "lower flows[].count (or a workload's load) or tcp.rcv_buffer/tcp.snd_buffer"},
		"flows[0].count=10000")
}

// TestBudgetVirtualPayloadFitsTenThousandFlows: without anything reading
// payload, 10 000 flows cost their connections' state and retransmission
// records, under the laptop's 7.6 GiB.
func TestBudgetVirtualPayloadFitsTenThousandFlows(t *testing.T) {
	e := EstimateScenario(scenario(t, "flows[0].count=10000"), false)
	if err := e.Check(laptop, ""); err != nil {
		t.Fatalf("10 000 flows with virtual payload refused: %v", err)
	}
	if real := EstimateScenario(scenario(t, "flows[0].count=10000"), true); real.Memory < 10*e.Memory {
		t.Errorf("real payload estimated at %s, virtual at %s: the buffers' bytes are missing", budgetSize(real.Memory), budgetSize(e.Memory))
	}
}

// TestBudgetMemoryFlatInDuration: the samples stream to the CSVs, so a
// 1 000 000 s run needs the memory of a 30 s one, give or take the counts
// of distinct queue lengths the buffer bounds; what stops it is the wall
// time.
func TestBudgetMemoryFlatInDuration(t *testing.T) {
	short := EstimateScenario(scenario(t), false)
	long := EstimateScenario(scenario(t, "duration=1000000s"), false)
	if long.Memory > short.Memory+32<<20 || long.Memory > 512<<20 {
		t.Fatalf("1000000s needs %s, 30s %s: the memory grows with the duration", budgetSize(long.Memory), budgetSize(short.Memory))
	}
	l := laptop
	l.Wall, l.WallFrom = time.Hour, "without --budget-time"
	if err := long.Check(l, ""); err == nil || strings.Contains(err.Error(), "more than this machine's") {
		t.Fatalf("on a laptop: %v, want a refusal by wall time, not memory", err)
	}
	err := long.Check(MachineLimits(t.TempDir(), BudgetOptions{Memory: 1 << 40}), "")
	want := "budget: duration 1000000s at 100Mbit/s = 1.28e10 segments, about 3h"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "--budget-time=6h") {
		t.Fatalf("with 1 TiB of memory: %v", err)
	}
	l.Wall, l.WallFrom = 6*time.Hour, "--budget-time"
	if err := long.Check(l, ""); err != nil {
		t.Fatalf("on a laptop with --budget-time=6h: %v", err)
	}
}

// TestBudgetRefusesNanosecondSampleInterval: 3e10 samples of a 30 s run are
// refused for what they would write, naming the key, its value and the
// interval from which the run fits; with the disk there, for the wall time
// they would take.
func TestBudgetRefusesNanosecondSampleInterval(t *testing.T) {
	e := EstimateScenario(scenario(t, "sample_interval=1ns", "throughput_window=1us"), false)
	l := laptop
	l.Memory = 1 << 40
	err := e.Check(l, "")
	want := "budget: CSV: sample_interval 1ns over duration 30s = 3e10 samples × (1 flow × 170 B + 60 B) per row = 6.28 TiB, more than the 100 GiB free at /test (90% of its free space); raise sample_interval to at least 65ns or shorten duration"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	l.Disk = 1 << 50
	l.Wall, l.WallFrom = time.Hour, "without --budget-time"
	err = e.Check(l, "")
	want = "budget: sample_interval 1ns over duration 30s = 6e10 samples, about 25h of wall time to take and write, more than the 1h a run may take (without --budget-time); raise sample_interval to at least 26ns or shorten duration"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	// The interval suggested fits.
	e = EstimateScenario(scenario(t, "sample_interval=65ns", "throughput_window=1us"), false)
	l = laptop
	l.Wall = time.Hour
	if err := e.Check(l, ""); err != nil {
		t.Fatalf("65ns on the laptop: %v", err)
	}
}

// TestBudgetRefusesBigCaptureOnDisk: the output is held against the disk.
func TestBudgetRefusesBigCaptureOnDisk(t *testing.T) {
	e := EstimateScenario(scenario(t, "duration=100000s", "sample_interval=10s", "throughput_window=10s"), true)
	l := laptop
	l.Memory = 1 << 40
	err := e.Check(l, "")
	if err == nil || !strings.Contains(err.Error(), "--pcap: ") || !strings.Contains(err.Error(), "free at /test") {
		t.Fatalf("a capture of %s on 100 GiB: %v", budgetSize(e.Output), err)
	}
}

// TestBudgetFitsShippedExperiments: no shipped experiment, nor any point of
// a shipped sweep, is refused on this machine.
func TestBudgetFitsShippedExperiments(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "experiments", "*.toml"))
	more, _ := filepath.Glob(filepath.Join("..", "experiments", "*", "*.toml"))
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found only %d experiment files", len(files))
	}
	out := t.TempDir()
	for _, f := range files {
		sw, err := experiment.LoadSweep(f, nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := CheckSweepBudget(sw, out, BudgetOptions{Jobs: 2}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		// The scale cases are sized for virtual payload: a capture of
		// 10 000 flows makes every buffer real, and is refused.
		if !sw.IsSweep() && !strings.Contains(filepath.ToSlash(f), "/scale/") {
			if err := CheckBudget(sw.Points[0].Config, out, BudgetOptions{Pcap: true}); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}

// TestBudgetEstimateNeverWraps: the extremes the experiment file accepts
// give finite, positive estimates, not a wrapped integer that would pass.
func TestBudgetEstimateNeverWraps(t *testing.T) {
	sc := scenario(t)
	sc.Duration = math.MaxInt64
	sc.SampleInterval = 1
	sc.ThroughputWindow = math.MaxInt64
	sc.TCP.SndBuf, sc.TCP.RcvBuf = math.MaxInt32, math.MaxInt32
	sc.Flows = append(sc.Flows, make([]FlowSpec, 100000)...)
	e := EstimateScenario(sc, true)
	for _, v := range []float64{e.Memory, e.Output, e.Segments} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			t.Fatalf("estimate %+v", e)
		}
	}
	if e.Memory < 1e19 || e.Wall <= 0 {
		t.Errorf("memory %g, wall %v", e.Memory, e.Wall)
	}
	if err := e.Check(MachineLimits(t.TempDir(), BudgetOptions{}), ""); err == nil {
		t.Error("not refused")
	}
}

// TestBudgetSweepJobsTogether: points that fit alone but not --jobs at a
// time are refused with --jobs named.
func TestBudgetSweepJobsTogether(t *testing.T) {
	sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", "sweep-buffers.toml"), []string{"flows[0].count=100"})
	if err != nil {
		t.Fatal(err)
	}
	one := EstimateScenario(mustScenario(t, sw.Points[0].Config), false)
	opt := BudgetOptions{Memory: int64(2.5 * one.Memory), Jobs: 4}
	err = CheckSweepBudget(sw, t.TempDir(), opt)
	if err == nil || !strings.Contains(err.Error(), "lower --jobs") {
		t.Fatalf("4 points of %s at once within %s: %v", budgetSize(one.Memory), budgetSize(float64(opt.Memory)), err)
	}
	opt.Jobs = 1
	if err := CheckSweepBudget(sw, t.TempDir(), opt); err != nil {
		t.Fatalf("one point at a time: %v", err)
	}
}

func mustScenario(t *testing.T, cfg *experiment.Config) Scenario {
	t.Helper()
	sc, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestBudgetNotesLongRuns: a run that fits but takes long says so, with
// its estimate, before it starts.
func TestBudgetNotesLongRuns(t *testing.T) {
	var notes bytes.Buffer
	err := CheckBudget(loadBottleneck(t, "duration=100000s", "sample_interval=10s", "throughput_window=10s"), t.TempDir(),
		BudgetOptions{Memory: 1 << 40, Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notes.String(), "of wall time") || strings.Count(notes.String(), "\n") != 1 {
		t.Errorf("notes %q", notes.String())
	}
}

func TestParseBudgetMemory(t *testing.T) {
	for in, want := range map[string]int64{"8GiB": 8 << 30, "512MiB": 512 << 20, "2000000000": 2e9, "1.5 GB": 1.5e9} {
		if got, err := ParseBudgetMemory(in); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1GiB", "8 furlongs", "1e30", "GiB"} {
		if _, err := ParseBudgetMemory(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestMachineLimits(t *testing.T) {
	l := MachineLimits(filepath.Join(t.TempDir(), "not", "yet"), BudgetOptions{})
	if l.Memory <= 0 || l.Disk <= 0 {
		t.Fatalf("limits %+v", l)
	}
	if l := MachineLimits(t.TempDir(), BudgetOptions{Memory: 123}); l.Memory != 123 || l.MemoryFrom != "--budget-memory" {
		t.Errorf("override: %+v", l)
	}
}
