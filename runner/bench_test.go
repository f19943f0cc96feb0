package runner

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// steadyWorld builds the bottleneck scenario with a run length no
// benchmark reaches and warms it up for two simulated seconds, past slow
// start, so every buffer has grown to its working size.
func steadyWorld(tb testing.TB, sets ...string) *world {
	tb.Helper()
	return steadyWorldOf(tb, scenario(tb, sets...))
}

// steadyWorldOf is steadyWorld for a scenario built by the caller.
func steadyWorldOf(tb testing.TB, sc Scenario) *world {
	tb.Helper()
	sc.Duration = 1e6 * units.Second
	sc.SampleInterval = 1e5 * units.Second
	sc.ThroughputWindow = sc.SampleInterval
	w, err := newWorld(sc)
	if err != nil {
		tb.Fatal(err)
	}
	// Five seconds take every algorithm past its start-up (BBR's Startup
	// and Drain included).
	for w.now < units.Time(5*units.Second) {
		if done, err := w.step(); done || err != nil {
			tb.Fatal("run ended during warm-up", err)
		}
	}
	return w
}

// stepSegments advances the world until n more segments have left the
// hosts.
func (w *world) stepSegments(tb testing.TB, n int64) {
	target := w.segments + n
	for w.segments < target {
		if done, err := w.step(); done || err != nil {
			tb.Fatal("run ended", err)
		}
	}
}

// BenchmarkSegmentThroughSim is the cost of one segment (data or ACK)
// through the whole sim path: sender stack, forward netem link, event
// queue, receiver stack, the ACK back over the reverse link, congestion
// control and the applications, in the steady state of the bottleneck
// experiment.
func BenchmarkSegmentThroughSim(b *testing.B) {
	benchSteadySegments(b, steadyWorld(b))
}

// benchSteadySegments times b.N segments through w and reports segments
// per wall second.
func benchSteadySegments(b *testing.B, w *world) {
	b.ReportAllocs()
	b.ResetTimer()
	w.stepSegments(b, int64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msegments/s")
}

// BenchmarkDataSegmentRoundTrip is the cost of one data segment's full
// round trip: sent, serialized and delayed by netem, received, its share
// of a delayed ACK returned and processed by Reno.
func BenchmarkDataSegmentRoundTrip(b *testing.B) {
	w := steadyWorld(b)
	c := w.flows[0].conn
	b.ReportAllocs()
	b.ResetTimer()
	start := c.Probe().BytesAcked
	target := start + int64(b.N)*1448
	for c.Probe().BytesAcked < target {
		if done, err := w.step(); done || err != nil {
			b.Fatal("run ended", err)
		}
	}
}

// BenchmarkBottleneckRun runs the whole shipped experiment (30 simulated
// seconds) and reports simulated seconds and segments per wall second.
func BenchmarkBottleneckRun(b *testing.B) {
	benchRuns(b, scenario(b), nil)
}

// benchRuns runs sc from start to end once per iteration, calls after (when
// not nil) with each finished world, reports segments and simulated seconds
// per wall second, and returns the segments of all runs.
func benchRuns(b *testing.B, sc Scenario, after func(*world)) int64 {
	b.Helper()
	b.ReportAllocs()
	var segs int64
	for b.Loop() {
		w, err := newWorld(sc)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.run(); err != nil {
			b.Fatal(err)
		}
		segs += w.segments
		if after != nil {
			after(w)
		}
	}
	b.ReportMetric(float64(segs)/b.Elapsed().Seconds()/1e6, "Msegments/s")
	b.ReportMetric(float64(b.N)*sc.Duration.Seconds()/b.Elapsed().Seconds(), "sim-s/wall-s")
	return segs
}

// TestSteadyStateSimPathAllocatesNothing fails if a segment through the
// sim path allocates once the run is in its steady state.
func TestSteadyStateSimPathAllocatesNothing(t *testing.T) {
	w := steadyWorld(t)
	allocs := testing.AllocsPerRun(20, func() { w.stepSegments(t, 500) })
	if allocs != 0 {
		t.Fatalf("%.1f allocations per 500 segments in steady state, want 0", allocs)
	}
}

// TestPacedBBRPathAllocatesNothing is the same check with BBR: delivery-
// rate samples and the pacer on every segment.
func TestPacedBBRPathAllocatesNothing(t *testing.T) {
	w := steadyWorld(t, "flows[0].cc=bbr", "tcp.recovery=rack")
	if allocs := testing.AllocsPerRun(20, func() { w.stepSegments(t, 500) }); allocs != 0 {
		t.Fatalf("%.1f allocations per 500 paced segments, want 0", allocs)
	}
}
