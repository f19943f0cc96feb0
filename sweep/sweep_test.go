package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/report"
)

// smallSweep is 2 algorithms × 2 buffers × 2 seeds of a short lossy run,
// so that seeds give different results.
const smallSweep = `
name = "small"
duration = "2s"
sample_interval = "100ms"
repetitions = 2
[link]
rate = "10Mbit/s"
delay = "10ms"
loss = 0.005
[[flows]]
cc = "reno"
[sweep]
"flows[0].cc" = ["reno", "cubic"]
"link.buffer" = ["0.5bdp", "2bdp"]
`

func loadSmallSweep(t *testing.T) *experiment.Sweep {
	t.Helper()
	sw, err := experiment.LoadSweepBytes("small.toml", []byte(smallSweep), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 8 {
		t.Fatalf("%d points, want 8", len(sw.Points))
	}
	return sw
}

// TestSweepResumeGivesIdenticalResults runs a sweep in one go into A, and
// into B with half its points deleted and resumed: every summary (without
// the wall clock) and every CSV must be byte for byte the same.
func TestSweepResumeGivesIdenticalResults(t *testing.T) {
	sw := loadSmallSweep(t)
	a, b := t.TempDir(), t.TempDir()
	if res, err := Run(context.Background(), sw, Options{Out: a, Jobs: 2}); err != nil || res.Ran != 8 {
		t.Fatalf("sweep into A: %+v, %v", res, err)
	}
	if _, err := Run(context.Background(), sw, Options{Out: b, Jobs: 3}); err != nil {
		t.Fatal(err)
	}
	for i, p := range sw.Points {
		if i%2 == 0 {
			if err := os.RemoveAll(filepath.Join(b, "small", p.Run)); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := Run(context.Background(), sw, Options{Out: b, Jobs: 2, Resume: true})
	if err != nil || res.Ran != 4 || res.Skipped != 4 {
		t.Fatalf("resumed sweep: %+v, %v; want 4 run, 4 skipped", res, err)
	}
	if res.Index != filepath.Join(b, "small", "index.html") {
		t.Errorf("index %q", res.Index)
	}
	seeds := map[uint64]bool{}
	goodputs := map[float64]bool{}
	for _, p := range sw.Points {
		da, db := filepath.Join(a, "small", p.Run), filepath.Join(b, "small", p.Run)
		sa, err := report.ReadSummary(filepath.Join(da, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		sb, err := report.ReadSummary(filepath.Join(db, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		ja, jb := sa.WithoutWallClock(), sb.WithoutWallClock()
		if !summariesEqual(&ja, &jb) {
			t.Errorf("%s: summaries differ:\n%+v\n%+v", p.Run, ja, jb)
		}
		if sa.Run != p.Run || sa.Experiment != "small" {
			t.Errorf("%s: summary names run %q of %q", p.Run, sa.Run, sa.Experiment)
		}
		seeds[sa.Seed] = true
		goodputs[sa.Flows[0].GoodputBps] = true
		csvs, _ := filepath.Glob(filepath.Join(da, "*.csv"))
		if len(csvs) != 2 {
			t.Errorf("%s: %d CSV files, want flow0.csv and link.csv", p.Run, len(csvs))
		}
		for _, f := range csvs {
			x, _ := os.ReadFile(f)
			y, err := os.ReadFile(filepath.Join(db, filepath.Base(f)))
			if err != nil || !bytes.Equal(x, y) {
				t.Errorf("%s/%s differs after resume (%v)", p.Run, filepath.Base(f), err)
			}
		}
	}
	if len(seeds) != 2 || !seeds[1] || !seeds[2] {
		t.Errorf("seeds %v, want 1 and 2 (seed + repetition)", seeds)
	}
	if len(goodputs) < 5 {
		t.Errorf("only %d distinct goodputs over 8 points: the sweep did not vary the runs", len(goodputs))
	}
}

func summariesEqual(a, b any) bool {
	x, errx := json.Marshal(a)
	y, erry := json.Marshal(b)
	return errx == nil && erry == nil && bytes.Equal(x, y)
}

// TestSweepCancelledLeavesNoPartialPoints cancels a sweep before it
// starts: it must fail, write nothing that looks finished and no index.
func TestSweepCancelledLeavesNoPartialPoints(t *testing.T) {
	sw := loadSmallSweep(t)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, sw, Options{Out: out, Jobs: 1})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("err %v, want a cancellation that mentions --resume", err)
	}
	if res.Index != "" {
		t.Error("index written for an interrupted sweep")
	}
	entries, _ := os.ReadDir(filepath.Join(out, "small"))
	for _, e := range entries {
		if !finished(filepath.Join(out, "small", e.Name())) {
			t.Errorf("unfinished entry %s left behind", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(out, "small", "index.html")); err == nil {
		t.Error("index.html exists after an interrupted sweep")
	}
}

func TestLeadingNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		v    float64
		unit string
		ok   bool
	}{{"0.25bdp", 0.25, "bdp", true}, {"100Mbit/s", 100, "Mbit/s", true}, {"4", 4, "", true}, {"reno", 0, "", false}, {"1e3pkt", 1000, "pkt", true}} {
		v, u, ok := leadingNumber(c.in)
		if v != c.v || u != c.unit || ok != c.ok {
			t.Errorf("leadingNumber(%q) = %v, %q, %v", c.in, v, u, ok)
		}
	}
}

// The shipped sweep is the issue's: reno, cubic and bbr × 0.25, 1 and 4 BDP
// × 3 seeds, and it writes an index page with its sweep figures. The
// duration is cut to 2 s here so the test stays short; the full file runs
// with `ccbench run experiments/sweep-buffers.toml`.
func TestSweepBuffersFile(t *testing.T) {
	sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", "sweep-buffers.toml"), []string{"duration=2s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 27 {
		t.Fatalf("%d points, want 3 algorithms × 3 buffers × 3 seeds = 27", len(sw.Points))
	}
	seen := map[string]int{}
	for _, p := range sw.Points {
		seen[p.Config.Flows[0].CC+" "+p.Config.Link.Buffer.String()]++
	}
	for _, cc := range []string{"reno", "cubic", "bbr"} {
		for _, b := range []string{"0.25bdp", "1bdp", "4bdp"} {
			if seen[cc+" "+b] != 3 {
				t.Errorf("%s at %s: %d seeds, want 3", cc, b, seen[cc+" "+b])
			}
		}
	}
	out := t.TempDir()
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2})
	if err != nil || res.Ran != 27 {
		t.Fatalf("%+v, %v", res, err)
	}
	for _, f := range []string{"index.html", "sweep-goodput.png", "sweep-scatter-1.png", "sweep-scatter-3.png"} {
		if _, err := os.Stat(filepath.Join(out, "sweep-buffers", f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSweepNoPlotsThenResumeDrawsThem: --no-plots writes every point's
// results and an index page that says its figures were not drawn; a
// resumed sweep reuses every point and draws the figures they lack.
func TestSweepNoPlotsThenResumeDrawsThem(t *testing.T) {
	sw := loadSmallSweep(t)
	out := t.TempDir()
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, NoPlots: true})
	if err != nil || res.Ran != 8 {
		t.Fatalf("sweep with NoPlots: %+v, %v", res, err)
	}
	base := filepath.Join(out, "small")
	for _, p := range sw.Points {
		dir := filepath.Join(base, p.Run)
		if missing := report.MissingFigures(dir); len(missing) != 6 {
			t.Fatalf("%s: missing %v, want every figure missing", p.Run, missing)
		}
		if !finished(dir) {
			t.Fatalf("%s has no summary", p.Run)
		}
	}
	page, err := os.ReadFile(filepath.Join(base, "index.html"))
	if err != nil || !strings.Contains(string(page), "figures were not drawn") || strings.Contains(string(page), "<img") {
		t.Fatalf("index page of a sweep without plots: %v\n%s", err, page)
	}
	res, err = Run(context.Background(), sw, Options{Out: out, Jobs: 2, Resume: true})
	if err != nil || res.Ran != 0 || res.Skipped != 8 {
		t.Fatalf("resumed: %+v, %v; want every point reused", res, err)
	}
	for _, p := range sw.Points {
		if missing := report.MissingFigures(filepath.Join(base, p.Run)); len(missing) != 0 {
			t.Errorf("%s: still missing %v after the resume", p.Run, missing)
		}
	}
	page, _ = os.ReadFile(filepath.Join(base, "index.html"))
	if strings.Contains(string(page), "not drawn") || !strings.Contains(string(page), "<img") {
		t.Errorf("index page after the figures were drawn:\n%s", page)
	}
}

// TestSweepIntoABusyFolderFailsBeforeRunning: a sweep whose experiment
// folder another sweep holds stops before running a point.
func TestSweepIntoABusyFolderFailsBeforeRunning(t *testing.T) {
	sw := loadSmallSweep(t)
	out := t.TempDir()
	l, err := outdir.Lock(filepath.Join(out, "small"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2})
	if !errors.Is(err, outdir.ErrBusy) || res.Ran != 0 {
		t.Fatalf("%+v, %v; want outdir.ErrBusy before any point", res, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, "small")); len(entries) != 0 {
		t.Errorf("the refused sweep wrote %d entries", len(entries))
	}
}
