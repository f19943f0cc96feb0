package runner

import (
	"slices"
	"testing"
	"time"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// hopsScenario is the bottleneck experiment with its path split into hops
// links in each direction, the propagation delay divided evenly among
// them: the same flow and base RTT, with the data crossing hops links at
// link.rate (the first holds the queue) and the ACKs hops links of pure
// delay. With hops = 1 it is the dumbbell given as a list of links.
func hopsScenario(tb testing.TB, hops int) Scenario {
	sc := scenario(tb)
	fwd, rev := sc.Forward, sc.Reverse
	fwd.Delay /= units.Duration(hops)
	rev.Delay /= units.Duration(hops)
	var data, ack []int
	links := make([]LinkSpec, 2*hops)
	for i := range hops {
		links[i] = LinkSpec{Name: "fwd", Config: fwd}
		links[hops+i] = LinkSpec{Name: "rev", Config: rev}
		data = append(data, i)
		ack = append(ack, hops+i)
	}
	sc.Links = links
	for i := range sc.Flows {
		sc.Flows[i].Data, sc.Flows[i].Ack = data, ack
	}
	return sc
}

// TestHopsKeepTheFlowsBehaviour runs the bottleneck as one hop given as
// links and as three hops: the same base RTT, one queue, so a researcher
// splitting a path into hops must see the same goodput within 1%, and the
// RTT samples shifted only by the two extra serializations of a data
// segment (2 × 120 µs).
func TestHopsKeepTheFlowsBehaviour(t *testing.T) {
	run := func(hops int) (goodput float64, p50 units.Duration) {
		sc := hopsScenario(t, hops)
		sc.Duration = 10 * units.Second
		res, err := Simulate(sc, metrics.RunInfo{})
		if err != nil {
			t.Fatal(err)
		}
		f := res.Summary.Flows[0]
		return f.GoodputBps / 1e6, units.Duration(f.RTTP50Ms * 1e6)
	}
	g1, r1 := run(1)
	g3, r3 := run(3)
	if g1 < 90 || g3 < 0.99*g1 || g3 > 1.01*g1 {
		t.Errorf("goodput %.2f Mbit/s over 1 hop, %.2f over 3; want equal within 1%%", g1, g3)
	}
	if d := r3 - r1; d < 0 || d > 2*units.Millisecond {
		t.Errorf("median RTT %v over 1 hop, %v over 3", r1, r3)
	}
}

// BenchmarkSegmentOneHop and BenchmarkSegmentThreeHops are the cost of a
// segment (data or ACK) through the whole sim path in the steady state of
// the bottleneck run, over one link each way and over three.
func BenchmarkSegmentOneHop(b *testing.B) {
	benchSteadySegments(b, steadyWorldOf(b, hopsScenario(b, 1)))
}

func BenchmarkSegmentThreeHops(b *testing.B) {
	benchSteadySegments(b, steadyWorldOf(b, hopsScenario(b, 3)))
}

// TestThreeHopPathAllocatesNothing: in the steady state a segment through
// a 3-hop path each way (six links, forwarding by route) allocates
// nothing.
func TestThreeHopPathAllocatesNothing(t *testing.T) {
	w := steadyWorldOf(t, hopsScenario(t, 3))
	if allocs := testing.AllocsPerRun(20, func() { w.stepSegments(t, 500) }); allocs != 0 {
		t.Fatalf("%v allocations per 500 segments over 3 hops, want 0", allocs)
	}
}

// BenchmarkSegmentHopRatio measures issue 16's bound in one process: it
// steps a 1-hop and a 3-hop world in alternating chunks of hopChunk
// segments, timing each chunk, so that load that comes and goes on a
// shared machine falls on both sides alike. Each iteration is one pair of
// chunks; it reports the median of the pairs' ratios (3-hop over 1-hop
// time per segment) and each side's median cost per segment.
func BenchmarkSegmentHopRatio(b *testing.B) {
	const hopChunk = 20000
	one := steadyWorldOf(b, hopsScenario(b, 1))
	three := steadyWorldOf(b, hopsScenario(b, 3))
	timeChunk := func(w *world) float64 {
		start := time.Now()
		w.stepSegments(b, hopChunk)
		return float64(time.Since(start).Nanoseconds()) / hopChunk
	}
	r, a, c := make([]float64, 0, 4096), make([]float64, 0, 4096), make([]float64, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var t1, t3 float64
		if i%2 == 0 {
			t1, t3 = timeChunk(one), timeChunk(three)
		} else {
			t3, t1 = timeChunk(three), timeChunk(one)
		}
		r, a, c = append(r, t3/t1), append(a, t1), append(c, t3)
	}
	b.ReportMetric(medianOf(r), "ratio")
	b.ReportMetric(medianOf(a), "ns/segment-1hop")
	b.ReportMetric(medianOf(c), "ns/segment-3hops")
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
