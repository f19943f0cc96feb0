package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

func sweepIndex() *Index {
	idx := &Index{Title: "grid", Keys: []string{"flows[0].cc", "link.buffer"}, XLabel: "link.buffer (bdp)"}
	for _, cc := range []string{"reno", "cubic"} {
		for _, buf := range []float64{0.5, 2} {
			for rep := range 2 {
				goodput := 1e6 * (buf*10 + float64(rep))
				s := &metrics.Summary{Experiment: "grid", Seed: uint64(rep), SimSeconds: 10, Flows: []metrics.FlowSummary{
					{CC: cc, GoodputBps: goodput, BytesDelivered: int64(goodput * 10 / 8), RTTP50Ms: 40 + 10*buf, RTTP95Ms: 50},
				}}
				run := "cc=" + cc + ",link.buffer=" + map[float64]string{0.5: "0.5bdp", 2: "2bdp"}[buf] + ",rep=" + string(rune('0'+rep))
				idx.Runs = append(idx.Runs, IndexRun{Run: run, Values: []string{cc, "x"}, X: buf, Summary: s})
			}
		}
	}
	return idx
}

func TestIndexPageAndFigures(t *testing.T) {
	dir := t.TempDir()
	if err := WriteIndex(filepath.Join(dir, "index.html"), sweepIndex()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "index.json", "sweep-goodput.png", "sweep-goodput.svg", "sweep-rtt.png", "sweep-rtt.svg", "sweep-scatter.png", "sweep-scatter.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, want := range []string{
		`<a href="cc=cubic,link.buffer=2bdp,rep=1/">cc=cubic,link.buffer=2bdp,rep=1</a>`,
		`<a href="cc=reno,link.buffer=0.5bdp,rep=0/queue.png">queue</a>`,
		`<img src="sweep-goodput.png"`,
		`<th>flows[0].cc</th><th>link.buffer</th>`,
		`<td class="n">21.00</td>`, // 2bdp, rep 1: 20 + 1 Mbit/s
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if n := strings.Count(string(html), "<tr><td>"); n != 8 {
		t.Errorf("%d rows, want 8", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 8 {
		t.Errorf("%d files, want 8 (no temporaries)", len(entries))
	}
}

// A page without figures (--no-plots) says so, and so does a row whose
// run folder holds results but no figures; it links to none.
func TestIndexWithoutFigures(t *testing.T) {
	dir := t.TempDir()
	idx := sweepIndex()
	idx.NoFigures = true
	drawn := idx.Runs[1].Run
	for _, r := range idx.Runs[:2] {
		if err := os.MkdirAll(filepath.Join(dir, r.Run), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryJSON(filepath.Join(dir, r.Run, "summary.json"), r.Summary); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range baseFigures {
		for _, ext := range []string{".png", ".svg"} {
			if err := os.WriteFile(filepath.Join(dir, drawn, name+ext), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := MissingFigures(filepath.Join(dir, idx.Runs[0].Run)); len(got) != len(baseFigures) {
		t.Fatalf("missing %v, want every figure", got)
	}
	if got := MissingFigures(filepath.Join(dir, drawn)); len(got) != 0 {
		t.Fatalf("missing %v in a drawn run", got)
	}
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sweep-scatter.png")); err == nil {
		t.Error("the index drew its figures with NoFigures")
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	page := string(html)
	for _, want := range []string{
		"Some figures were not drawn",
		"ccbench plot grid",
		`<td>not drawn <a href="` + idx.Runs[0].Run + `/summary.json">`,
		`<a href="` + drawn + `/queue.png">queue</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if strings.Contains(page, "<img") {
		t.Error("index.html shows figures it did not draw")
	}
}

func TestIndexByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := WriteIndex(filepath.Join(d, "index.html"), sweepIndex()); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"index.html", "sweep-goodput.svg", "sweep-scatter.png"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between identical writes", f)
		}
	}
}

func TestIndexWithoutAxisHasOnlyScatter(t *testing.T) {
	idx := sweepIndex()
	idx.XLabel = ""
	dir := t.TempDir()
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sweep-goodput.png")); err == nil {
		t.Error("goodput figure drawn without a swept axis")
	}
}

func TestMeanStd(t *testing.T) {
	if m, s := meanStd([]float64{1, 3}); m != 2 || s != 1.4142135623730951 {
		t.Errorf("meanStd(1, 3) = %v, %v; want 2, √2 (sample deviation)", m, s)
	}
	if m, s := meanStd([]float64{5}); m != 5 || s != 0 {
		t.Errorf("meanStd(5) = %v, %v", m, s)
	}
}

// index.json keeps what the page needs beyond the runs' own files, the
// sweep's provenance included, and reading it back with the summaries
// gives the same page.
func TestIndexReadBack(t *testing.T) {
	dir := t.TempDir()
	idx := sweepIndex()
	idx.Provenance = &metrics.Provenance{Version: "(devel)", Commit: "abc123", Build: "ccbench@(devel) go1.26.8 rev abc123",
		GoVersion: "go1.26.8", OSArch: "linux/amd64", CPUModel: "AMD EPYC", Hostname: "node1",
		StartTime: "2026-12-06T02:00:00Z", CommandLine: []string{"ccbench", "run", "grid.toml"}}
	for i := range idx.Runs {
		r := &idx.Runs[i]
		if err := os.MkdirAll(filepath.Join(dir, r.Run), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryJSON(filepath.Join(dir, r.Run, "summary.json"), r.Summary); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	back, err := ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Title != "grid" || back.XLabel != idx.XLabel || len(back.Runs) != 8 || back.Runs[3].X != 2 || back.Runs[3].Values[0] != "reno" {
		t.Errorf("read back %+v", back)
	}
	const line = `<p class="provenance">Made by ccbench (devel), commit abc123, go1.26.8 linux/amd64, CPU AMD EPYC, host node1, started 2026-12-06T02:00:00Z: ccbench run grid.toml</p>` + "\n"
	if back.Provenance == nil || back.Provenance.Line() != idx.Provenance.Line() || strings.Count(string(first), line) != 1 {
		t.Errorf("provenance read back %+v; page has the line %q %d times, want once", back.Provenance, line, strings.Count(string(first), line))
	}
	if err := WriteIndex(filepath.Join(dir, "index.html"), back); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "index.html")); !bytes.Equal(first, again) {
		t.Error("the page drawn from index.json differs")
	}
}

func TestWindowJainCell(t *testing.T) {
	f := &metrics.Fairness{WindowSeconds: [2]float64{10, 30}, All: 0.9, Groups: map[string]float64{"0": 1, "10": 0.5, "2": 0.75}}
	if got, want := windowJain(f), "10–30 s: 0.900 (0: 1.000, 2: 0.750, 10: 0.500)"; got != want {
		t.Errorf("cell %q, want %q", got, want)
	}
	if got := windowJain(nil); got != "" {
		t.Errorf("no fairness: %q", got)
	}
}

// A network run's row links to each queued link's queue figure; the
// dumbbell's rows do not change.
func TestIndexLinksNetworkLinkFigures(t *testing.T) {
	dir := t.TempDir()
	idx := sweepIndex()
	idx.NoFigures = true
	idx.Runs[1].Summary.Links = []metrics.NetworkLinkSummary{{Name: "r0->r1", CSV: "link-r0-r1.csv"}, {Name: "wire"}, {Name: "f1 access", CSV: "link-f1-access.csv"}}
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	run := idx.Runs[1].Run
	for _, want := range []string{
		`<a href="` + run + `/link-r0-r1_queue.png">link-r0-r1_queue</a> <a href="` + run + `/link-f1-access_queue.png">link-f1-access_queue</a>`,
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if n := strings.Count(string(html), "_queue.png"); n != 2 {
		t.Errorf("%d link figures on the page, want the 2 of one run", n)
	}
}

// A network's index page shows the network, as ccbench show writes it; a
// dumbbell's has no such section.
func TestIndexShowsTheNetwork(t *testing.T) {
	for _, network := range []string{"", "nodes:\n  r0  router\nlinks:\n    0  r0->r1  100Mbit/s\n"} {
		dir := t.TempDir()
		idx := sweepIndex()
		idx.NoFigures = true
		idx.Network = network
		if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
			t.Fatal(err)
		}
		html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
		has := strings.Contains(string(html), "<h2>Network</h2>\n<pre>nodes:\n  r0  router\nlinks:\n    0  r0-&gt;r1  100Mbit/s\n</pre>")
		if has != (network != "") || (network == "" && strings.Contains(string(html), "<h2>Network")) {
			t.Errorf("network %q: the page's network section is %v:\n%s", network, has, html)
		}
	}
}
