package runner

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/metrics"
)

// TestProgressShowsFinishTimeAndChangesNothing: with the delay lowered to
// nothing, a run draws its progress and finish time, clears the line at the
// end, and produces the same results as without.
func TestProgressShowsFinishTimeAndChangesNothing(t *testing.T) {
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0
	sc := scenario(t, "duration=5s")
	plain, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc.Progress = &out
	shown, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, w := range []string{"simulated ", "s of 5s", "to go, done at "} {
		if !strings.Contains(s, w) {
			t.Errorf("progress %q does not contain %q", s, w)
		}
	}
	if !strings.HasSuffix(s, "\r") {
		t.Errorf("progress line not cleared at the end: %q", s[max(0, len(s)-80):])
	}
	plain.Summary.WallSeconds, shown.Summary.WallSeconds = 0, 0
	plain.Summary.SimSpeed, shown.Summary.SimSpeed = 0, 0
	plain.Summary.SegmentsPerWallSecond, shown.Summary.SegmentsPerWallSecond = 0, 0
	if !reflect.DeepEqual(plain.Summary, shown.Summary) || !reflect.DeepEqual(plain.Recorder.Flows()[0].Samples, shown.Recorder.Flows()[0].Samples) {
		t.Error("a run with progress differs from one without")
	}
}

// TestProgressQuietForShortRuns: a run shorter than progressAfter prints
// nothing at all.
func TestProgressQuietForShortRuns(t *testing.T) {
	sc := scenario(t, "duration=2s")
	var out bytes.Buffer
	sc.Progress = &out
	if _, err := Simulate(sc, metrics.RunInfo{}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("a short run printed %q", out.String())
	}
}

// TestProgressLoopAllocatesNothing: the loop with progress on allocates no
// more per segment than the plain one (nothing), between redraws.
func TestProgressLoopAllocatesNothing(t *testing.T) {
	w := steadyWorld(t)
	p := simProgress{out: io.Discard, total: w.end, start: time.Now(), last: time.Now()}
	allocs := testing.AllocsPerRun(20, func() {
		for range progressEvery {
			if done, err := w.step(); done || err != nil {
				t.Fatal("run ended", err)
			}
		}
		p.update(w.now) // throttled: inside progressThrottle of the last
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per %d events with progress, want 0", allocs, progressEvery)
	}
}

// BenchmarkBottleneckRunProgress is BenchmarkBottleneckRun through the
// progress loop, drawing to nowhere: compare the two for its cost.
func BenchmarkBottleneckRunProgress(b *testing.B) {
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0
	sc := scenario(b)
	b.ReportAllocs()
	var segs int64
	for b.Loop() {
		w, err := newWorld(sc)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.runWithProgress(io.Discard); err != nil {
			b.Fatal(err)
		}
		segs += w.segments
	}
	b.ReportMetric(float64(segs)/b.Elapsed().Seconds()/1e6, "Msegments/s")
	b.ReportMetric(float64(b.N)*sc.Duration.Seconds()/b.Elapsed().Seconds(), "sim-s/wall-s")
}
