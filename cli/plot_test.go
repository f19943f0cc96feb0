package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plotSweep is a small sweep with everything ccbench plot redraws: per-run
// time series and cc internals (bbr), a workload of empirical sizes (the
// FCT figures), two [[flows]] entries (per-group fairness) and the index
// page with its sweep figures and overlays.
const plotSweep = `name = "replot"
duration = "2s"
sample_interval = "50ms"
fairness_from = "1s"
repetitions = 2
[link]
rate = "20Mbit/s"
delay = "5ms"
[[flows]]
cc = "reno"
[[flows]]
cc = "reno"
arrivals = "poisson"
load = 0.3
size_distribution = "empirical"
size_cdf = "sizes.csv"
[sweep]
"flows[0].cc" = ["reno", "bbr"]
`

// figureFiles maps every figure and page under dir to its bytes.
func figureFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".png", ".svg", ".html":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = data
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// ccbench plot redraws, byte for byte, every figure and the index page a
// sweep wrote, from the files left once they are deleted.
func TestPlotRedrawsSweepByteIdentical(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "replot.toml")
	if err := os.WriteFile(exp, []byte(plotSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	cdf := "# size_bytes cdf\n1000 0\n10000 0.5\n100000 0.9\n300000 1\n"
	if err := os.WriteFile(filepath.Join(dir, "sizes.csv"), []byte(cdf), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	if code, stdout, stderr := runCLI(t, "run", exp, "--out", out, "--jobs", "2"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	base := filepath.Join(out, "replot")
	want := figureFiles(t, base)
	for _, name := range []string{"index.html", "sweep-fct.png", "sweep-scatter.svg", "overlay-cwnd.png",
		"cc=bbr,rep=0/fct.svg", "cc=bbr,rep=0/cc_btl_bw.png", "cc=reno,rep=1/queue_delay.png"} {
		if _, ok := want[filepath.Join(base, name)]; !ok {
			t.Errorf("the sweep wrote no %s", name)
		}
	}
	for path := range want {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, "plot", base)
	if code != 0 {
		t.Fatalf("plot: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "plotted 4 run(s)") || !strings.Contains(stdout, "index.html") {
		t.Errorf("plot printed %q", stdout)
	}
	got := figureFiles(t, base)
	if len(got) != len(want) {
		t.Errorf("plot wrote %d files, the sweep %d", len(got), len(want))
	}
	for path, data := range want {
		if !bytes.Equal(got[path], data) {
			t.Errorf("%s differs from what the sweep wrote (%d bytes, was %d)", path, len(got[path]), len(data))
		}
	}
	page := string(got[filepath.Join(base, "index.html")])
	if !strings.Contains(page, "sweep-fct.png") || !strings.Contains(page, "1–2 s: ") {
		t.Error("index page lacks the FCT figure or the windowed fairness")
	}

	// One run's folder alone.
	run := filepath.Join(base, "cc=reno,rep=0")
	fct := filepath.Join(run, "fct.png")
	before := got[fct]
	os.Remove(fct)
	if code, _, stderr := runCLI(t, "plot", run); code != 0 {
		t.Fatalf("plot of one run: %s", stderr)
	}
	if data, err := os.ReadFile(fct); err != nil || !bytes.Equal(data, before) {
		t.Errorf("fct.png of one run redrawn differently (%v)", err)
	}
}

func TestPlotRejectsWhatIsNotAResultsFolder(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{{"plot", empty}, {"plot", filepath.Join(empty, "missing")}, {"plot"}} {
		code, _, stderr := runCLI(t, args...)
		lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
		if code == 0 || len(lines) != 1 {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and one line", args, code, stderr)
		}
	}
	_, _, stderr := runCLI(t, "plot", empty)
	if !strings.Contains(stderr, empty+" is not a results folder") || !strings.Contains(stderr, "config.toml, summary.json, link.csv") {
		t.Errorf("error %q does not name the folder and what a results folder holds", stderr)
	}
}

// The lifecycle figures (state census, queues, connect times) are redrawn
// from census.csv and connections.csv like every other figure.
func TestPlotRedrawsLifecycleFigures(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "life.toml")
	body := "name = \"life\"\nduration = \"3s\"\n[tcp]\nmsl = \"1s\"\nrcv_buffer = \"64KiB\"\nsnd_buffer = \"64KiB\"\n" +
		"[server]\nbacklog = 8\n[[clients]]\nrate = 20\n[[flood]]\nrate = 200\nstart = \"1s\"\n"
	if err := os.WriteFile(exp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	if code, stdout, stderr := runCLI(t, "run", exp, "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	run := filepath.Join(out, "life", "seed-1")
	want := figureFiles(t, run)
	var census int
	for path := range want {
		if strings.HasPrefix(filepath.Base(path), "census-") {
			census++
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	if census == 0 {
		t.Fatalf("the run drew no census figure; it drew %d files", len(want))
	}
	if code, _, stderr := runCLI(t, "plot", run); code != 0 {
		t.Fatalf("plot: %s", stderr)
	}
	got := figureFiles(t, run)
	if len(got) != len(want) {
		t.Errorf("plot wrote %d files, the run %d", len(got), len(want))
	}
	for path, data := range want {
		if !bytes.Equal(got[path], data) {
			t.Errorf("%s differs from what the run wrote", path)
		}
	}
}

// --no-plots writes the results and no figure, says so with its timing,
// and ccbench plot draws the figures the run would have drawn.
func TestRunNoPlotsThenPlot(t *testing.T) {
	out := t.TempDir()
	args := []string{"run", experimentFile, "--set", "duration=2s", "--run", "x"}
	code, stdout, stderr := runCLI(t, append(args, "--out", filepath.Join(out, "drawn"))...)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "wall time: total ") || !strings.Contains(stdout, ", plots ") {
		t.Errorf("a run's output lacks its wall times: %q", stdout)
	}
	code, stdout, stderr = runCLI(t, append(args, "--out", filepath.Join(out, "bare"), "--no-plots")...)
	if code != 0 {
		t.Fatalf("run --no-plots: exit %d\n%s%s", code, stdout, stderr)
	}
	run := filepath.Join(out, "bare", "bottleneck", "x")
	if !strings.Contains(stdout, "plots not drawn (ccbench plot "+run+" draws them)") {
		t.Errorf("--no-plots output %q", stdout)
	}
	if figures := figureFiles(t, run); len(figures) != 0 {
		t.Fatalf("--no-plots drew %d files", len(figures))
	}
	for _, name := range []string{"flow0.csv", "link.csv", "summary.json", "fingerprint.json"} {
		if _, err := os.Stat(filepath.Join(run, name)); err != nil {
			t.Errorf("--no-plots: %v", err)
		}
	}
	if code, _, stderr := runCLI(t, "plot", run); code != 0 {
		t.Fatalf("plot: %s", stderr)
	}
	want := figureFiles(t, filepath.Join(out, "drawn", "bottleneck", "x"))
	got := figureFiles(t, run)
	if len(got) != len(want) || len(want) < 12 {
		t.Fatalf("plot drew %d files, the run %d", len(got), len(want))
	}
	for path, data := range want {
		if !bytes.Equal(got[filepath.Join(run, filepath.Base(path))], data) {
			t.Errorf("%s differs between the run and ccbench plot", filepath.Base(path))
		}
	}
}
