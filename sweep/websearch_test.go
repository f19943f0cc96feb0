package sweep

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/report"
)

// The shipped web-search sweep, cut to 2 s: its index's
// throughput, from which the throughput–delay figure is drawn, stays at
// or below the 100 Mbit/s link, where the flows' own goodputs, each over
// its own short life, add up to far more.
func TestWebsearchThroughputAtOrBelowLinkRate(t *testing.T) {
	sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", "websearch.toml"), []string{"duration=2s"})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	idx, err := report.ReadIndex(filepath.Join(out, "websearch"))
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Runs) != 9 {
		t.Fatalf("%d runs, want 3 algorithms × 3 seeds", len(idx.Runs))
	}
	for _, r := range idx.Runs {
		got, link := r.Metrics["goodput_mbps"], float64(r.Summary.Link.RateBps)/1e6
		if link != 100 || got <= 0 || got > link {
			t.Errorf("%s: %.2f Mbit/s on a %.0f Mbit/s link, want above 0 and at most the link", r.Run, got, link)
		}
		summed := 0.0
		for _, f := range r.Summary.Flows {
			summed += f.GoodputBps / 1e6
		}
		if summed <= link {
			t.Errorf("%s: flows' goodputs add up to %.0f Mbit/s, no more than the link: the test no longer shows what a sum gets wrong", r.Run, summed)
		}
		t.Logf("%s: %.2f Mbit/s over the run; flows' goodputs summed %.0f Mbit/s", r.Run, got, summed)
	}
}
