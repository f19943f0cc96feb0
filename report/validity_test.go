package report

import (
	"encoding/json"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// invalidReasons are what a real-time run that went wrong says of itself.
var invalidReasons = []string{
	"release error p99 236 µs above the 100 µs limit",
	"2335 datagrams lost outside the emulated link: sender's TUN transmit queue",
}

// realTimeIndex is sweepIndex with every run a real-time one: run 1
// invalid with invalidReasons, the others valid.
func realTimeIndex() *Index {
	idx := sweepIndex()
	for i := range idx.Runs {
		v := &metrics.Validity{Valid: true}
		if i == 1 {
			v = &metrics.Validity{Reasons: invalidReasons}
		}
		idx.Runs[i].Summary.Validity = v
	}
	return idx
}

// An index of real-time runs marks the invalid row, gives its reasons in
// a column and on hover, warns above the table, draws the run as a cross
// on the scatter, and keeps each run's validity in index.json; an index
// of simulated runs carries no validity anywhere.
func TestIndexMarksInvalidRuns(t *testing.T) {
	dir := t.TempDir()
	idx := realTimeIndex()
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	page := string(data)
	bad := idx.Runs[1].Run
	joined := strings.Join(invalidReasons, "; ")
	escaped := html.EscapeString(joined)
	for _, want := range []string{
		"<th>run</th><th>validity</th><th>flows[0].cc</th>",
		`<tr class="invalid" title="invalid: ` + escaped + `"><td><a href="` + bad + `/">` + bad + `</a></td><td><strong>invalid</strong>: ` + escaped + `</td>`,
		"<p><strong>1 of 8 runs are invalid: the emulated network did not run as configured",
		"tr.invalid td {",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if n := strings.Count(page, "</a></td><td>valid</td>"); n != 7 {
		t.Errorf("%d rows say valid, want 7", n)
	}
	if n := strings.Count(page, `class="invalid"`); n != 1 {
		t.Errorf("%d rows marked invalid, want 1", n)
	}
	var back struct {
		Runs []struct {
			Run      string
			Validity *metrics.Validity
		}
	}
	data, _ = os.ReadFile(filepath.Join(dir, IndexFile))
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for i, r := range back.Runs {
		switch {
		case r.Validity == nil:
			t.Errorf("index.json: run %s has no validity", r.Run)
		case i == 1 && (r.Validity.Valid || strings.Join(r.Validity.Reasons, "; ") != joined):
			t.Errorf("index.json: invalid run %s reads %+v", r.Run, r.Validity)
		case i != 1 && (!r.Validity.Valid || len(r.Validity.Reasons) != 0):
			t.Errorf("index.json: valid run %s reads %+v", r.Run, r.Validity)
		}
	}
	for _, f := range []string{"sweep-scatter.svg", "sweep-goodput.svg", "sweep-rtt.svg"} {
		svg, _ := os.ReadFile(filepath.Join(dir, f))
		if n := strings.Count(string(svg), "invalid run (real-time run not as configured)"); n != 1 {
			t.Errorf("%s has %d legend entries for the invalid run, want 1", f, n)
		}
	}
	if *plotDir != "" {
		if err := WriteIndex(filepath.Join(*plotDir, "index.html"), realTimeIndex()); err != nil {
			t.Fatal(err)
		}
	}

	sim := t.TempDir()
	if err := WriteIndex(filepath.Join(sim, "index.html"), sweepIndex()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", IndexFile, "sweep-scatter.svg"} {
		data, _ := os.ReadFile(filepath.Join(sim, f))
		if strings.Contains(strings.ToLower(string(data)), "valid") {
			t.Errorf("a simulated sweep's %s mentions validity", f)
		}
	}
}

// The validity in index.json is the summaries': an index.json edited to
// call an invalid run valid is corrected when the page is drawn again.
func TestIndexValidityComesFromTheSummaries(t *testing.T) {
	dir := t.TempDir()
	idx := realTimeIndex()
	for i := range idx.Runs {
		r := &idx.Runs[i]
		if err := os.MkdirAll(filepath.Join(dir, r.Run), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryJSON(filepath.Join(dir, r.Run, "summary.json"), r.Summary); err != nil {
			t.Fatal(err)
		}
	}
	idx.NoFigures = true
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, IndexFile)
	data, _ := os.ReadFile(path)
	forged := strings.Replace(string(data), `"valid": false`, `"valid": true`, 1)
	if forged == string(data) {
		t.Fatal(`index.json has no "valid": false`)
	}
	if err := os.WriteFile(path, []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	back.NoFigures = true
	if err := WriteIndex(filepath.Join(dir, "index.html"), back); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Errorf("index.json drawn again:\n%s\nwant:\n%s", again, data)
	}
}

// writeRunFolder writes a run's results folder as PlotRun reads it: each
// flow's throughput as given, sampled every 10 ms for span seconds, an
// empty link, summary s and a minimal config.
func writeRunFolder(t *testing.T, dir string, s *metrics.Summary, span float64, throughput func(flow int, t float64) float64) *experiment.Config {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var link []metrics.LinkSample
	for i, fs := range s.Flows {
		f := &metrics.FlowSeries{ID: fs.ID, CC: fs.CC}
		for ms := 0; ms <= int(span*1000); ms += 10 {
			x := float64(ms) / 1000
			f.Samples = append(f.Samples, metrics.FlowSample{T: units.Time(ms) * units.Time(units.Millisecond),
				ThroughputBps: throughput(i, x) * 1e6, Cwnd: 10 * 1448, Ssthresh: InfiniteSsthresh,
				SRTT: 40 * units.Millisecond, RTO: 200 * units.Millisecond, LastRTT: 40 * units.Millisecond})
			if i == 0 {
				link = append(link, metrics.LinkSample{T: units.Time(ms) * units.Time(units.Millisecond)})
			}
		}
		if err := WriteFlowCSV(filepath.Join(dir, "flow"+strconv.Itoa(fs.ID)+".csv"), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteLinkCSV(filepath.Join(dir, "link.csv"), link); err != nil {
		t.Fatal(err)
	}
	s.SimSeconds = span
	if err := WriteSummaryJSON(filepath.Join(dir, "summary.json"), s); err != nil {
		t.Fatal(err)
	}
	const config = "name = \"stalls\"\n[link]\nrate = \"10Mbit/s\"\n[[flows]]\ncc = \"cubic\"\n"
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.LoadBytes("config.toml", []byte(config), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// stallPixel is the stall shade over the white background, and linePixel
// flow 0's blue line, each within antialiasing's reach.
func stallPixel(r, g, b uint32) bool {
	return r > 0xF0 && g > 0xC0 && g < 0xD8 && b > 0xC0 && b < 0xD8
}
func linePixel(r, g, b uint32) bool { return b > 0x90 && r < 0x40 }

// A real-time run's figures shade each stall where it happened: in a run
// whose throughput falls to 0 exactly over its two stalls (2–3 s and
// 6–6.5 s), the shade's edges in throughput.png are the line's falls and
// rises, to the width of the line, and nothing else is shaded; a run
// without stalls has no shade at all.
func TestStallsShadedWhereTheyHappened(t *testing.T) {
	stalls := []metrics.Stall{{AtS: 2, LengthMs: 1000}, {AtS: 6, LengthMs: 500}}
	stalled := func(_ int, x float64) float64 {
		for _, s := range stalls {
			if x >= s.AtS && x < s.AtS+s.LengthMs/1e3 {
				return 0
			}
		}
		return 10
	}
	dir := filepath.Join(t.TempDir(), "run")
	if *plotDir != "" {
		dir = filepath.Join(*plotDir, "stalls")
	}
	s := &metrics.Summary{Experiment: "stalls", Flows: []metrics.FlowSummary{{ID: 0, CC: "cubic", Endpoints: "stack→kernel"}},
		ReleaseError: &metrics.ReleaseError{StallCount: 2, StalledMs: 1500, Stalls: stalls}, Validity: &metrics.Validity{Reasons: []string{"2 stalls"}}}
	cfg := writeRunFolder(t, dir, s, 10, stalled)
	if err := PlotRun(dir, cfg); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, filepath.Join(dir, "throughput.png"))
	// A row through the middle of the plot, where the line's falls and
	// rises are vertical, below the legend.
	y := img.Bounds().Dy() * 3 / 5
	var shaded [][2]int // runs of shaded columns
	var lines []int     // columns of the line's vertical strokes
	for x := range img.Bounds().Dx() {
		r, g, b, _ := img.At(x, y).RGBA()
		r, g, b = r>>8, g>>8, b>>8
		if stallPixel(r, g, b) {
			if n := len(shaded); n > 0 && shaded[n-1][1] >= x-4 {
				shaded[n-1][1] = x
			} else {
				shaded = append(shaded, [2]int{x, x})
			}
		}
		if linePixel(r, g, b) {
			if n := len(lines); n == 0 || x-lines[n-1] > 4 {
				lines = append(lines, x)
			}
		}
	}
	if len(shaded) != 2 || len(lines) != 4 {
		t.Fatalf("row %d: shaded column runs %v and line strokes at %v; want 2 runs and 4 strokes (a fall and a rise per stall)", y, shaded, lines)
	}
	// Each stroke is about 2.5 pixels wide (1.2 pt at 150 dpi) and covers
	// the shade's edge; the shade reaches it from the inside.
	for i, run := range shaded {
		fall, rise := lines[2*i], lines[2*i+1]
		if run[0] < fall || run[0] > fall+4 || run[1] > rise+1 || run[1] < rise-4 {
			t.Errorf("stall %d shaded over columns %d–%d; the line falls at %d and rises at %d", i, run[0], run[1], fall, rise)
		}
	}
	// The axis is linear: the first stall is twice the second's length,
	// and starts 4 s, four times its own length, before it.
	w1, w2 := float64(lines[1]-lines[0]), float64(lines[3]-lines[2])
	if gap := float64(lines[2] - lines[0]); w1 < 1.9*w2 || w1 > 2.1*w2 || gap < 3.9*w1 || gap > 4.1*w1 {
		t.Errorf("strokes at %v: stall widths %v and %v, gap %v", lines, w1, w2, gap)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "cwnd.svg"))
	for _, want := range []string{"relay stalled: 2 stalls, 1500 ms in all", "flow 0 cubic (stack→kernel) cwnd"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("cwnd.svg lacks %q", want)
		}
	}

	plain := filepath.Join(t.TempDir(), "run")
	s.ReleaseError, s.Validity = nil, nil
	s.Flows[0].Endpoints = ""
	cfg = writeRunFolder(t, plain, s, 10, stalled)
	if err := PlotRun(plain, cfg); err != nil {
		t.Fatal(err)
	}
	img = readPNG(t, filepath.Join(plain, "throughput.png"))
	for x := range img.Bounds().Dx() {
		if r, g, b, _ := img.At(x, y).RGBA(); stallPixel(r>>8, g>>8, b>>8) {
			t.Fatalf("a run without stalls is shaded at column %d", x)
		}
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestStallLegend(t *testing.T) {
	for _, c := range []struct {
		r    metrics.ReleaseError
		want string
	}{
		{metrics.ReleaseError{StallCount: 1, StalledMs: 52.25, Stalls: []metrics.Stall{{AtS: 5.4, LengthMs: 52.25}}}, "relay stalled: 1 stall, 52.2 ms in all"},
		{metrics.ReleaseError{StallCount: 3, StalledMs: 154, Stalls: []metrics.Stall{{AtS: 1, LengthMs: 100}}}, "relay stalled: 3 stalls, 154 ms in all (1 recorded and shaded)"},
	} {
		if got := newStallShade(&c.r).label; got != c.want {
			t.Errorf("legend %q, want %q", got, c.want)
		}
	}
	if newStallShade(&metrics.ReleaseError{}) != nil || newStallShade(nil) != nil {
		t.Error("a run without stalls has a shade")
	}
}

// The overlays draw every flow of each run, labelled with its run and
// endpoints, when the lines fit; runs of single simulated flows keep their
// run names as labels.
func TestOverlayDrawsEveryFlow(t *testing.T) {
	dir := t.TempDir()
	var runs []IndexRun
	for _, cc := range []string{"cubic", "linux:cubic"} {
		run := "flows[0].cc=" + cc
		s := &metrics.Summary{Experiment: "mix", Flows: []metrics.FlowSummary{
			{ID: 0, CC: cc, Endpoints: "kernel→kernel"}, {ID: 1, CC: "cubic", Endpoints: "stack→kernel"}}}
		writeRunFolder(t, filepath.Join(dir, run), s, 2, func(flow int, x float64) float64 { return float64(5 + flow) })
		runs = append(runs, IndexRun{Run: run, Summary: s})
	}
	names, err := overlayFigures(dir, "mix", runs)
	if err != nil || len(names) != 2 {
		t.Fatalf("overlays %v, %v", names, err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "overlay-throughput.svg"))
	for _, want := range []string{
		"mix: throughput, every flow of each run",
		"flows[0].cc=cubic: flow 0 cubic (kernel→kernel)",
		"flows[0].cc=cubic: flow 1 cubic (stack→kernel)",
		"flows[0].cc=linux:cubic: flow 0 linux:cubic (kernel→kernel)",
		"flows[0].cc=linux:cubic: flow 1 cubic (stack→kernel)",
	} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("overlay-throughput.svg lacks %q", want)
		}
	}

	lines, which := overlayLines(dir, []IndexRun{
		{Run: "a", Summary: &metrics.Summary{Flows: []metrics.FlowSummary{{ID: 0, CC: "reno"}}}},
		{Run: "b", Summary: &metrics.Summary{Flows: []metrics.FlowSummary{{ID: 0, CC: "cubic"}}}},
	})
	if which != "first flow of each run" || len(lines) != 2 || lines[0].label != "a" || lines[1].label != "b" {
		t.Errorf("single simulated flows: %q, %+v", which, lines)
	}
	many := make([]metrics.FlowSummary, 10)
	for i := range many {
		many[i] = metrics.FlowSummary{ID: i, CC: "reno"}
	}
	lines, which = overlayLines(dir, []IndexRun{{Run: "a", Summary: &metrics.Summary{Flows: many}}, {Run: "b", Summary: &metrics.Summary{Flows: many}}})
	if len(lines) != 2 || lines[1].label != "b: flow 0 reno" || !strings.Contains(which, "first flow of each run (20 flows in all") {
		t.Errorf("20 flows: %q, %+v", which, lines)
	}
}

// A real-time summary written before runs kept a verdict is judged by its
// release error's check, the one it had; a simulated one has no verdict.
func TestValidityOfOlderSummaries(t *testing.T) {
	old := &metrics.Summary{ReleaseError: &metrics.ReleaseError{P99Us: 236.4, LimitUs: 100, Valid: false}}
	v := ValidityOf(old)
	if v == nil || v.Valid || len(v.Reasons) != 1 || !strings.HasPrefix(v.Reasons[0], "release error p99 236.4 µs above the 100 µs limit (a summary written before") {
		t.Errorf("older invalid run: %+v", v)
	}
	old.ReleaseError.Valid = true
	if v := ValidityOf(old); v == nil || !v.Valid || len(v.Reasons) != 0 {
		t.Errorf("older valid run: %+v", v)
	}
	// The run's own verdict wins over its release error's.
	old.Validity = &metrics.Validity{Reasons: []string{"2 stalls"}}
	if v := ValidityOf(old); v != old.Validity {
		t.Errorf("run with a verdict: %+v", v)
	}
	if v := ValidityOf(&metrics.Summary{}); v != nil {
		t.Errorf("simulated run: %+v", v)
	}
}

// A run without a summary beside runs of several flows is drawn by its
// first flow, labelled with its name.
func TestOverlayRunWithoutSummary(t *testing.T) {
	two := &metrics.Summary{Flows: []metrics.FlowSummary{{ID: 0, CC: "reno"}, {ID: 1, CC: "cubic"}}}
	lines, which := overlayLines("d", []IndexRun{{Run: "a", Summary: two}, {Run: "b"}})
	if which != "every flow of each run" || len(lines) != 3 || lines[2].label != "b" || lines[2].path != filepath.Join("d", "b", "flow0.csv") {
		t.Errorf("%q, %+v", which, lines)
	}
}
