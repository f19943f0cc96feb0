package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

func fctSummary(flows ...[2]float64) *metrics.Summary {
	s := &metrics.Summary{}
	for i, f := range flows {
		sd := f[1]
		fct := 0.1
		s.Flows = append(s.Flows, metrics.FlowSummary{ID: i, CC: "reno", BytesDelivered: int64(f[0]), CompletionSeconds: &fct, Slowdown: &sd})
	}
	// A bulk flow has no slowdown and stays out.
	s.Flows = append(s.Flows, metrics.FlowSummary{ID: len(flows), CC: "reno", BytesDelivered: 5e6})
	return s
}

// Buckets: 1 KB and 5 KB below 10 KB; 50 KB alone; nothing in 100 KB–1
// MB; 2 MB and 4 MB above. Medians and 99th percentiles are nearest-rank
// (stat.Empirical): of two values, the lower is the median and the higher
// the 99th percentile.
func TestFCTBuckets(t *testing.T) {
	s := fctSummary([2]float64{1e3, 2}, [2]float64{5e3, 4}, [2]float64{50e3, 3}, [2]float64{2e6, 1.5}, [2]float64{4e6, 1.2})
	got := fctBuckets(fctPoints(s))
	want := []fctBucket{{size: 1e3, median: 2, p99: 4}, {size: 50e3, median: 3, p99: 3}, {size: 2e6, median: 1.2, p99: 1.5}}
	if len(got) != len(want) {
		t.Fatalf("buckets %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A size exactly on a bound belongs to the bucket below it.
	if b := fctBuckets([]fctPoint{{size: 10e3, slowdown: 1}}); len(b) != 1 || b[0].size != 10e3 {
		t.Errorf("10 KB: %+v", b)
	}
}

func TestRunFCTFigure(t *testing.T) {
	dir := t.TempDir()
	if err := runFCTFigure(dir, "wl", fctSummary([2]float64{1e3, 2}, [2]float64{3e6, 1.1})); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"fct.png", "fct.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Without completed sized flows there is no figure.
	empty := t.TempDir()
	if err := runFCTFigure(empty, "bulk", fctSummary()); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a run without sized flows got %d files", len(entries))
	}
}

func TestDecadeTicks(t *testing.T) {
	ticks := decadeTicks{unit: "B"}.Ticks(1e3, 1e7)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"1 kB", "10 kB", "100 kB", "1 MB", "10 MB"}
	if len(labels) != len(want) {
		t.Fatalf("labels %v, want %v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("label %d: %q, want %q", i, labels[i], want[i])
		}
	}
	if n := len(ticks); n != 4*9+1 {
		t.Errorf("%d ticks, want 37 (nine per decade and the last)", n)
	}
}
