package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/runner"
)

func TestSpreadOf(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want spread
		text string
	}{
		{nil, spread{}, "-"},
		{[]float64{7}, spread{1, 7, 7, 7}, "7.0"},
		{[]float64{9, 1, 4}, spread{3, 4, 1, 9}, "4.0 (1.0–9.0)"},
		{[]float64{4, 1, 9, 2}, spread{4, 3, 1, 9}, "3.0 (1.0–9.0)"},
	} {
		got := spreadOf(c.v)
		if got != c.want || got.format("%.1f") != c.text {
			t.Errorf("spreadOf(%v) = %+v %q, want %+v %q", c.v, got, got.format("%.1f"), c.want, c.text)
		}
	}
}

// base is a small experiment in the shape of experiments/fidelity.toml.
const base = `
name = "fid"
driver = "tun"
duration = "10s"
seed = 1
[link]
rate = "50Mbit/s"
delay = "20ms"
buffer = "1bdp"
[[flows]]
cc = "cubic"
[sweep]
"flows[0].cc" = ["cubic", "linux:cubic"]
`

// fake is one point's synthetic summary: flow 0's goodput (Mbit/s),
// retransmits, RTT p50, p95 and p99, the verdict ("" for none, "ok", or
// the reason a real-time run is invalid), and the text of its flow0.csv
// ("" for none).
type fake struct {
	goodput       float64
	retransmits   int64
	p50, p95, p99 float64
	verdict       string
	csv           string
}

// writePoints writes, for each point of h, the summary fakes[point.Run]
// and the fingerprint the point's settings have.
func writePoints(t *testing.T, h half, fakes map[string]fake) {
	t.Helper()
	for _, pt := range h.sweep.Points {
		f, ok := fakes[pt.Run]
		if !ok {
			t.Fatalf("no fake for point %s", pt.Run)
		}
		dir := filepath.Join(filepath.Dir(h.file), h.sweep.Name, pt.Run)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := metrics.Summary{SimSeconds: pt.Config.Duration.Seconds(), Flows: []metrics.FlowSummary{{CC: pt.Config.Flows[0].CC,
			GoodputBps: f.goodput * 1e6, Retransmits: f.retransmits, RTTP50Ms: f.p50, RTTP95Ms: f.p95, RTTP99Ms: f.p99}}}
		switch f.verdict {
		case "":
		case "ok":
			s.Validity = &metrics.Validity{Valid: true}
		default:
			s.Validity = &metrics.Validity{Valid: false, Reasons: []string{f.verdict}}
		}
		fp, err := runner.FingerprintOf(pt.Config, runner.ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if f.csv != "" {
			if err := os.WriteFile(filepath.Join(dir, "flow0.csv"), []byte(f.csv), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for name, v := range map[string]any{"summary.json": s, runner.FingerprintFile: fp} {
			data, _ := json.Marshal(v)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestTableFromSyntheticSummaries writes both halves' sweep files, gives
// every point a made-up summary, and checks the table to the character:
// medians and spreads over the trusted repeats only, the invalid count,
// a cell with no trusted repeat marked and computed over all of them, a
// real-time summary without a verdict taken as untrusted, goodput
// against the kernel's (in brackets, since none of its repeats can be
// trusted), and one line per untrusted repeat with its reasons.
func TestTableFromSyntheticSummaries(t *testing.T) {
	out := t.TempDir()
	m := modes["fidelity"]
	p := plan{Mode: "fidelity", Algorithms: []string{"cubic"}, Buffers: []string{"1bdp"}, Reps: 3, Duration: "2s", Ways: m.ways, Reference: m.reference}
	sim, err := p.half("fid.toml", []byte(base), "sim", out)
	if err != nil {
		t.Fatal(err)
	}
	tun, err := p.half("fid.toml", []byte(base), "tun", out)
	if err != nil {
		t.Fatal(err)
	}
	if sim.sweep.Points[0].Config.Driver != "sim" || len(sim.sweep.Points) != 3 || len(tun.sweep.Points) != 6 {
		t.Fatalf("halves: sim %d points (driver %s), tun %d; want 3 and 6", len(sim.sweep.Points), sim.sweep.Points[0].Config.Driver, len(tun.sweep.Points))
	}
	writePoints(t, sim, map[string]fake{
		"cc=cubic,link.buffer=1bdp,rep=0": {41, 20, 60, 75, 80, "", ""},
		"cc=cubic,link.buffer=1bdp,rep=1": {43.25, 18, 58, 74, 79, "", ""},
		"cc=cubic,link.buffer=1bdp,rep=2": {42, 25, 61, 79, 84, "", ""},
	})
	writePoints(t, tun, map[string]fake{
		// Rep 1 is invalid: its 10 Mbit/s must not drag the median down.
		"cc=cubic,link.buffer=1bdp,rep=0":       {40, 30, 55, 70, 75, "ok", ""},
		"cc=cubic,link.buffer=1bdp,rep=1":       {10, 300, 90, 140, 145, "relay stalled 2 times for 103 ms", ""},
		"cc=cubic,link.buffer=1bdp,rep=2":       {38, 34, 52, 71, 76, "ok", ""},
		"cc=linux_cubic,link.buffer=1bdp,rep=0": {43, 16, 59, 77, 82, "p99 release error 858 µs above the 100 µs limit", ""},
		"cc=linux_cubic,link.buffer=1bdp,rep=1": {44, 15, 60, 78, 83, "", ""},
		"cc=linux_cubic,link.buffer=1bdp,rep=2": {42, 17, 61, 76, 81, "2335 packets dropped outside the emulated link", ""},
	})
	cells, err := p.collect([]half{sim, tun})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p.printTable(&b, cells)
	want := `cc     buffer   way          n invalid  goodput Mbit/s         retransmits      rtt p50 ms             rtt p95 ms             rtt p99 ms               vs ref
cubic  1bdp     sim          3     0/3  42.0 (41.0–43.2)       20 (18–25)       60.0 (58.0–61.0)       75.0 (74.0–79.0)       80.0 (79.0–84.0)        (-2.3%)
cubic  1bdp     tun ccbench  2     1/3  39.0 (38.0–40.0)       32 (30–34)       53.5 (52.0–55.0)       70.5 (70.0–71.0)       75.5 (75.0–76.0)        (-9.3%)
cubic  1bdp     tun kernel   3     3/3  43.0 (42.0–44.0)       16 (15–17)       60.0 (59.0–61.0)       77.0 (76.0–78.0)       82.0 (81.0–83.0)            ref *
figures: median (min–max) over the trusted repeats; n counts them
vs ref: median goodput against tun kernel's (ref); in brackets when no repeat of tun kernel can be trusted
* no repeat of the cell can be trusted: its figures are over all of them, invalid ones included
invalid repeats:
  cubic 1bdp tun ccbench, cc=cubic,link.buffer=1bdp,rep=1: relay stalled 2 times for 103 ms
  cubic 1bdp tun kernel, cc=linux_cubic,link.buffer=1bdp,rep=0: p99 release error 858 µs above the 100 µs limit
  cubic 1bdp tun kernel, cc=linux_cubic,link.buffer=1bdp,rep=1: the summary has no validity verdict (written by a ccbench that did not record one)
  cubic 1bdp tun kernel, cc=linux_cubic,link.buffer=1bdp,rep=2: 2335 packets dropped outside the emulated link
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}

	// A point run with other settings (here, another duration) is
	// refused, not read as if it were this table's.
	p.Duration = "3s"
	if sim, err = p.half("fid.toml", []byte(base), "sim", out); err != nil {
		t.Fatal(err)
	}
	if _, err := p.collect([]half{sim}); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("a point of another duration: %v; want it refused", err)
	}
}
