package sweep

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// fpSweep is 2 size distributions × 2 reverse-path traces of 1 s: the
// empirical points read size_cdf, the exponential ones do not (their
// size_cdf resolves to ""), and each trace is read by half the points.
// (A workload needs the forward link's rate, so the traces shape the
// ACKs' path.)
const fpSweep = `
name = "fp"
duration = "1s"
sample_interval = "100ms"
[link]
rate = "10Mbit/s"
delay = "5ms"
buffer = "30KB"
[[flows]]
cc = "cubic"
arrivals = "poisson"
load = 0.5
size_cdf = "%CDF%"
[sweep]
"flows[0].size_distribution" = ["exponential", "empirical"]
"reverse.trace" = ["a.trace", "b.trace"]
`

// writeTrace writes a Mahimahi trace of perMs deliveries every
// millisecond for 100 ms (it repeats).
func writeTrace(t *testing.T, path string, perMs int) {
	t.Helper()
	var b strings.Builder
	for ms := 1; ms <= 100; ms++ {
		for range perMs {
			b.WriteString(strconv.Itoa(ms) + "\n")
		}
	}
	writeFile(t, path, b.String())
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadFile(t *testing.T, path string, sets ...string) *experiment.Sweep {
	t.Helper()
	sw, err := experiment.LoadSweep(path, sets)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// pointDirs returns each point folder's identity, to tell a reused folder
// (the same one) from one written again (swapped in anew).
func pointDirs(t *testing.T, base string, sw *experiment.Sweep) map[string]os.FileInfo {
	t.Helper()
	m := map[string]os.FileInfo{}
	for _, p := range sw.Points {
		st, err := os.Stat(filepath.Join(base, p.Run))
		if err != nil {
			t.Fatal(err)
		}
		m[p.Run] = st
	}
	return m
}

// TestResumeRerunsExactlyTheChangedPoints runs a sweep, then changes a
// setting (size_cdf, which only the empirical points use) and the
// contents of a referenced file (b.trace, used by the b points) and
// resumes: the three points whose settings or inputs changed run again,
// the fourth is reused, and the index (index.json, index.html and the
// sweep figures) is byte for byte that of a fresh run of the changed
// sweep, provenance aside (which process wrote it, and when). The index
// holds no wall-clock field (the summaries' wall_seconds is not shown);
// the point folders are compared on their summaries without the wall
// clock and provenance, and their CSVs and fingerprint.json whole.
func TestResumeRerunsExactlyTheChangedPoints(t *testing.T) {
	dir := t.TempDir()
	writeTrace(t, filepath.Join(dir, "a.trace"), 1)
	writeTrace(t, filepath.Join(dir, "b.trace"), 1)
	writeFile(t, filepath.Join(dir, "small.cdf"), "0 0\n2000 0.5\n20000 1\n")
	writeFile(t, filepath.Join(dir, "large.cdf"), "0 0\n10000 0.5\n60000 1\n")
	file := filepath.Join(dir, "fp.toml")
	writeFile(t, file, strings.Replace(fpSweep, "%CDF%", "small.cdf", 1))

	out := t.TempDir()
	sw := loadFile(t, file)
	if res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2}); err != nil || res.Ran != 4 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	base := filepath.Join(out, "fp")
	before := pointDirs(t, base, sw)

	// A resume with nothing changed reuses everything.
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, Resume: true})
	if err != nil || res.Ran != 0 || res.Skipped != 4 || res.Describe() != "4 reused" {
		t.Fatalf("unchanged resume: %+v (%q), %v; want 4 reused", res, res.Describe(), err)
	}

	writeTrace(t, filepath.Join(dir, "b.trace"), 2)
	writeFile(t, file, strings.Replace(fpSweep, "%CDF%", "large.cdf", 1))
	sw = loadFile(t, file)
	res, err = Run(context.Background(), sw, Options{Out: out, Jobs: 2, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := "3 rerun: 2 settings changed, 1 input file changed; 1 reused"; res.Describe() != want || res.Ran != 3 {
		t.Errorf("resume says %q (%d ran), want %q", res.Describe(), res.Ran, want)
	}
	after := pointDirs(t, base, sw)
	for _, p := range sw.Points {
		unchanged := p.Config.Flows[0].SizeDistribution == "exponential" && filepath.Base(p.Config.Reverse.Trace) == "a.trace"
		if reused := os.SameFile(before[p.Run], after[p.Run]); reused != unchanged {
			t.Errorf("%s: reused %v, want %v", p.Run, reused, unchanged)
		}
	}

	fresh := t.TempDir()
	if res, err := Run(context.Background(), sw, Options{Out: fresh, Jobs: 2}); err != nil || res.Ran != 4 {
		t.Fatalf("fresh run: %+v, %v", res, err)
	}
	freshBase := filepath.Join(fresh, "fp")
	indexFiles, _ := filepath.Glob(filepath.Join(freshBase, "*.*"))
	if len(indexFiles) < 4 {
		t.Fatalf("fresh index: only %v", indexFiles)
	}
	for _, f := range indexFiles {
		if st, err := os.Stat(f); err != nil || !st.Mode().IsRegular() {
			continue
		}
		name := filepath.Base(f)
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(base, name))
		if err != nil || !bytes.Equal(withoutProvenance(t, name, got), withoutProvenance(t, name, want)) {
			t.Errorf("%s differs between the resumed and a fresh run (%v)", name, err)
		}
	}
	idx, err := report.ReadIndex(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range idx.Runs {
		if len(r.Fingerprint) != 64 || r.Fingerprint != pointFingerprint(filepath.Join(base, r.Run)) {
			t.Errorf("%s: index fingerprint %q", r.Run, r.Fingerprint)
		}
	}
	for _, p := range sw.Points {
		a, b := filepath.Join(base, p.Run), filepath.Join(freshBase, p.Run)
		sa, err := report.ReadSummary(filepath.Join(a, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		sb, err := report.ReadSummary(filepath.Join(b, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		ja, jb := sa.WithoutWallClock(), sb.WithoutWallClock()
		if !summariesEqual(&ja, &jb) {
			t.Errorf("%s: summary differs from a fresh run's", p.Run)
		}
		files, _ := filepath.Glob(filepath.Join(b, "*.csv"))
		for _, f := range append(files, filepath.Join(b, runner.FingerprintFile)) {
			x, _ := os.ReadFile(f)
			y, err := os.ReadFile(filepath.Join(a, filepath.Base(f)))
			if err != nil || !bytes.Equal(x, y) {
				t.Errorf("%s/%s differs from a fresh run's (%v)", p.Run, filepath.Base(f), err)
			}
		}
	}
}

// incSweep is 3 algorithms × 2 seeds of a 1 s bulk flow.
const incSweep = `
name = "inc"
duration = "1s"
sample_interval = "100ms"
repetitions = 2
[link]
rate = "5Mbit/s"
delay = "5ms"
[[flows]]
cc = "reno"
[sweep]
"flows[0].cc" = ["reno", "cubic", "bbr"]
`

// TestResumeRerunsIncompletePoints damages finished points in the ways a
// crash, a full disk or a careless hand can: an empty summary.json, a
// deleted CSV, an emptied CSV, no fingerprint. Each is run again, for the
// reason given; the untouched points are reused.
func TestResumeRerunsIncompletePoints(t *testing.T) {
	sw, err := experiment.LoadSweepBytes("inc.toml", []byte(incSweep), nil)
	if err != nil || len(sw.Points) != 6 {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(out, "inc")
	p := func(i int, name string) string { return filepath.Join(base, sw.Points[i].Run, name) }
	writeFile(t, p(0, "summary.json"), "")
	os.Remove(p(1, "link.csv"))
	writeFile(t, p(2, "flow0.csv"), "")
	os.Remove(p(3, runner.FingerprintFile))
	res, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := "4 rerun: 3 incomplete, 1 no fingerprint; 2 reused"; res.Describe() != want {
		t.Errorf("resume says %q, want %q", res.Describe(), want)
	}
	again, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, Resume: true})
	if err != nil || again.Describe() != "6 reused" {
		t.Errorf("second resume: %q, %v; want all reused", again.Describe(), err)
	}
}
