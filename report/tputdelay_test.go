package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/ccbench/ccbench/metrics"
)

// websearchIndex is a sweep like experiments/websearch.toml: on a
// 100 Mbit/s link for 20 s, each run's 1 000 short flows each reach
// 90 Mbit/s while they last, and together deliver 60% of what the link
// could carry.
func websearchIndex() *Index {
	idx := &Index{Title: "websearch", Keys: []string{"flows[0].cc", "seed"}}
	for _, cc := range []string{"reno", "cubic", "bbr"} {
		for seed := range 3 {
			s := &metrics.Summary{SimSeconds: 20, Link: metrics.LinkSummary{RateBps: 100e6}}
			for i := range 1000 {
				// 150 MB over 1 000 flows, a little more for later seeds.
				s.Flows = append(s.Flows, metrics.FlowSummary{ID: i, CC: cc, GoodputBps: 90e6,
					BytesDelivered: 150_000 + int64(seed)*1000 + int64(i%7), RTTP95Ms: 5 + float64(seed)})
			}
			idx.Runs = append(idx.Runs, IndexRun{Run: cc + string(rune('0'+seed)), Values: []string{cc, string(rune('1' + seed))}, Summary: s})
		}
	}
	return idx
}

// The websearch scatter's points are the runs' throughput over the run,
// at or below the link rate, where summing the flows' goodputs gave
// 90 000 Mbit/s.
func TestWebsearchScatterAtOrBelowLinkRate(t *testing.T) {
	idx := websearchIndex()
	panels := tputDelayPanels(idx, indexGroups(idx.Runs))
	if len(panels) != 1 || panels[0].Name != "sweep-scatter" || panels[0].LinkMbps != 100 {
		t.Fatalf("panels %+v, want one sweep-scatter on a 100 Mbit/s link", panels)
	}
	n := 0
	for _, sc := range panels[0].Schemes {
		for _, pt := range sc.Runs {
			n++
			if pt.Y > 100 || pt.Y < 60 {
				t.Errorf("%s: %.3f Mbit/s, want 60 to 100 on a 100 Mbit/s link at 60%% load", sc.Name, pt.Y)
			}
		}
	}
	if n != 9 {
		t.Errorf("%d points, want 9 (3 algorithms × 3 seeds)", n)
	}
	// The first run: 1 000 flows of 150 000 bytes and 0–6 more, in 20 s.
	if got := panels[0].Schemes[0].Runs[0].Y; math.Abs(got-60.0011988) > 1e-6 {
		t.Errorf("reno seed 1: %.7f Mbit/s, want 60.0011988", got)
	}
	if err := WriteIndex(filepath.Join(t.TempDir(), "index.html"), idx); err != nil {
		t.Fatal(err)
	}
}

// bufferIndex is a sweep like experiments/sweep-buffers.toml: three
// algorithms, three buffer sizes, three seeds each.
func bufferIndex() *Index {
	idx := &Index{Title: "sweep-buffers", Keys: []string{"flows[0].cc", "link.buffer", "seed"}, XLabel: "link.buffer (bdp)"}
	for a, cc := range []string{"reno", "cubic", "bbr"} {
		for b, buf := range []string{"0.25bdp", "1bdp", "4bdp"} {
			for seed := range 3 {
				mbps := 80 + 5*float64(b) + float64(seed*seed) + float64(a)
				s := &metrics.Summary{SimSeconds: 10, Link: metrics.LinkSummary{RateBps: 100e6}, Flows: []metrics.FlowSummary{
					{CC: cc, BytesDelivered: int64(mbps * 1e6 * 10 / 8), RTTP95Ms: 40 + 40*float64(b) + float64(seed)},
				}}
				idx.Runs = append(idx.Runs, IndexRun{Run: cc + buf + string(rune('0'+seed)),
					Values: []string{cc, buf, string(rune('1' + seed))}, X: []float64{0.25, 1, 4}[b], Summary: s})
			}
		}
	}
	return idx
}

// The throughput–delay figures: one per buffer size, never one point
// averaged over every buffer; in each, every scheme has its three runs
// and one ellipse; the delay axis runs backwards.
func TestThroughputDelayOnePerSweptValue(t *testing.T) {
	idx := bufferIndex()
	groups := indexGroups(idx.Runs)
	panels := tputDelayPanels(idx, groups)
	wantSettings := []string{"link.buffer=0.25bdp", "link.buffer=1bdp", "link.buffer=4bdp"}
	if len(panels) != len(wantSettings) {
		t.Fatalf("%d panels, want %d", len(panels), len(wantSettings))
	}
	for i, p := range panels {
		if p.Setting != wantSettings[i] || p.Name != "sweep-scatter-"+string(rune('1'+i)) {
			t.Errorf("panel %d: %s %q, want sweep-scatter-%d %q", i, p.Name, p.Setting, i+1, wantSettings[i])
		}
		if len(p.Schemes) != 3 {
			t.Fatalf("panel %d: %d schemes, want 3", i, len(p.Schemes))
		}
		for a, sc := range p.Schemes {
			if sc.Name != groups[a] || len(sc.Runs) != 3 || len(sc.Ellipse) != ellipseSegments+1 {
				t.Errorf("panel %d: %s with %d runs and a %d-point ellipse, want %s with 3 and %d",
					i, sc.Name, len(sc.Runs), len(sc.Ellipse), groups[a], ellipseSegments+1)
			}
			// Every run at this buffer size, none from another.
			for _, pt := range sc.Runs {
				if pt.X < 40+40*float64(i) || pt.X > 42+40*float64(i) {
					t.Errorf("panel %d: %s has a run at %.0f ms, from another buffer size", i, sc.Name, pt.X)
				}
			}
		}
		fig, err := tputDelayFigure(idx.Title, &panels[i], groups)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := fig.X.Scale.(plot.InvertedScale); !ok {
			t.Errorf("panel %d: delay axis scale %T, want plot.InvertedScale", i, fig.X.Scale)
		}
		if got := fig.X.Scale.Normalize(0, 100, 10); got != 0.9 {
			t.Errorf("panel %d: 10 ms of 0–100 ms at %.2f of the axis, want 0.9 (low delay to the right)", i, got)
		}
		if fig.Title.Text != "sweep-buffers at "+wantSettings[i]+": throughput and delay" {
			t.Errorf("panel %d: title %q", i, fig.Title.Text)
		}
	}
	dir := t.TempDir()
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sweep-scatter-1.png", "sweep-scatter-2.svg", "sweep-scatter-3.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// The ellipse is the 1-sigma one of the points' covariance: for points
// spread along a 45° line, its long axis lies on that line, as long as
// the standard deviation along it, and its short axis is as long as the
// spread across it.
func TestCovarianceEllipse(t *testing.T) {
	pts := plotterXYs(0, 0, 2, 2, 1, 1+1e-9, 1, 1-1e-9)
	mean, out := covarianceEllipse(pts)
	if mean.X != 1 || mean.Y != 1 {
		t.Errorf("mean %v, want (1, 1)", mean)
	}
	// Variance along the diagonal: distances ±√2, 0, 0 → 4/3.
	want := math.Sqrt(4.0 / 3)
	far := 0.0
	for _, p := range out {
		far = max(far, math.Hypot(p.X-1, p.Y-1))
	}
	if math.Abs(far-want) > 1e-6 {
		t.Errorf("longest radius %.6f, want %.6f", far, want)
	}
	if p := out[0]; math.Abs(p.X-p.Y) > 1e-6 {
		t.Errorf("long axis ends at %v, want on the diagonal", p)
	}
	if _, out := covarianceEllipse(plotterXYs(3, 4)); out != nil {
		t.Errorf("one point has an ellipse %v, want none", out)
	}
	if _, out := covarianceEllipse(plotterXYs(3, 4, 3, 4)); out != nil {
		t.Errorf("equal points have an ellipse, want none")
	}
}

// plotterXYs pairs up xy as points.
func plotterXYs(xy ...float64) plotter.XYs {
	pts := make(plotter.XYs, len(xy)/2)
	for i := range pts {
		pts[i] = plotter.XY{X: xy[2*i], Y: xy[2*i+1]}
	}
	return pts
}

// A sweep whose runs deliver nothing (a SYN flood's) draws no goodput or
// throughput–delay figure, and its page says which were left out and why.
func TestAllZeroFiguresNotDrawn(t *testing.T) {
	idx := sweepIndex()
	for i := range idx.Runs {
		idx.Runs[i].Summary.Flows[0].BytesDelivered = 0
	}
	dir := t.TempDir()
	if err := WriteIndex(filepath.Join(dir, "index.html"), idx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sweep-goodput.png", "sweep-scatter.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s drawn with no data", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sweep-rtt.png")); err != nil {
		t.Error(err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, want := range []string{
		"<p>Not drawn, nothing to show: sweep-goodput: every run&#39;s goodput is 0.</p>",
		"<p>Not drawn, nothing to show: sweep-scatter: every run&#39;s throughput is 0.</p>",
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}

// index.json carries each run's metrics, and the page sorts its table
// with a script of its own, linking nothing outside the folder.
func TestIndexMetricsAndSortableTable(t *testing.T) {
	dir := t.TempDir()
	if err := WriteIndex(filepath.Join(dir, "index.html"), sweepIndex()); err != nil {
		t.Fatal(err)
	}
	back, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx Index
	if err := json.Unmarshal(back, &idx); err != nil {
		t.Fatal(err)
	}
	// The last run: 2bdp, rep 1: 21 Mbit/s, RTT p50 60 ms, p95 50 ms.
	m := idx.Runs[len(idx.Runs)-1].Metrics
	if m["goodput_mbps"] != 21 || m["rtt_p50_ms"] != 60 || m["rtt_p95_ms"] != 50 || len(m) != 8 {
		t.Errorf("metrics %v, want 8 with goodput_mbps 21, rtt_p50_ms 60, rtt_p95_ms 50", m)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, want := range []string{`<table id="runs">`, "<script>", `heads[c].onclick`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script src"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("index.html links outside its folder: %s", bad)
		}
	}
}
