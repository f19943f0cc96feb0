package report

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// sawRun is a run of one reno flow over seconds, its window rising to
// peakKB.
func sawRun(seconds, peakKB int) *runPlot {
	rf := newRunPlot("shared", []plotFlow{{ID: 0, CC: "reno"}}, float64(seconds))
	for k := range 10*seconds + 1 {
		now := units.Time(k) * units.Time(100*units.Millisecond)
		rf.flowSample(0, &metrics.FlowSample{T: now, Cwnd: peakKB * 1000 * k / (10 * seconds), Ssthresh: 1 << 31, Delivered: int64(k * 1000)})
	}
	return rf
}

// With shared axes, a short, small run's figures reach as far and as high
// as a long, large one's; without, each stretches its own.
func TestSharedAxesOverRuns(t *testing.T) {
	small, large := sawRun(5, 10), sawRun(10, 100)
	limits := AxisLimits{}
	for _, rf := range []*runPlot{small, large} {
		if err := rf.measure(0, 0, limits); err != nil {
			t.Fatal(err)
		}
	}
	build := func(rf *runPlot, name string) (x, y float64) {
		for _, f := range rf.limited(rf.figures(0, 0)) {
			if f.name == name {
				p, err := f.build()
				if err != nil {
					t.Fatal(err)
				}
				return p.X.Max, p.Y.Max
			}
		}
		t.Fatalf("no %s figure", name)
		return 0, 0
	}
	ownX, ownY := build(small, "cwnd")
	largeX, largeY := build(large, "cwnd")
	if ownX >= largeX || ownY >= largeY {
		t.Fatalf("own axes: small run %.1f s × %.1f kB, large %.1f s × %.1f kB; want the small run's smaller", ownX, ownY, largeX, largeY)
	}
	small.limits, large.limits = limits, limits
	for _, name := range []string{"cwnd", "throughput", "rtt"} {
		sx, sy := build(small, name)
		lx, ly := build(large, name)
		if sx != lx || sy != ly || sx != limits[name].X || sy != limits[name].Y {
			t.Errorf("%s: small run %v × %v, large %v × %v, want both %v", name, sx, sy, lx, ly, limits[name])
		}
	}
}
