package metrics

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// series is a flow that delivers rate bytes per second from its first
// sample on, sampled every second from 0 to 10 s, starting at start.
func series(rate int64, start units.Time) *FlowSeries {
	f := &FlowSeries{Finish: units.Never}
	for s := int64(0); s <= 10; s++ {
		t := units.Time(s) * units.Time(units.Second)
		var d int64
		if t > start {
			d = rate * int64(t-start) / int64(units.Second)
		}
		f.Samples = append(f.Samples, FlowSample{T: t, Delivered: d})
	}
	return f
}

// Three flows in two groups over the window [2.5 s, 8 s]: group 0 holds
// flows delivering 1000 and 3000 B/s, group 1 a single flow of 2000 B/s
// that starts at 4 s. In the window they deliver 5500, 16500 and 8000
// bytes (the window's edges fall between samples and are interpolated):
//
//	group 0: (5500+16500)² / (2 × (5500² + 16500²)) = 484e6 / 605e6 = 0.8
//	group 1: a single flow, 1
//	all:     30000² / (3 × (5500² + 16500² + 8000²)) = 9e8 / 1.0995e9
func TestWindowFairnessExact(t *testing.T) {
	flows := []*FlowSeries{series(1000, 0), series(3000, 0), series(2000, 4*units.Time(units.Second))}
	from, to := units.Time(2500*units.Millisecond), units.Time(8*units.Second)
	for i, want := range []int64{5500, 16500, 8000} {
		if got := flows[i].DeliveredAt(to) - flows[i].DeliveredAt(from); got != want {
			t.Errorf("flow %d delivered %d in the window, want %d", i, got, want)
		}
	}
	f := WindowFairness(flows, []int{0, 0, 1}, from, to)
	if f.WindowSeconds != [2]float64{2.5, 8} {
		t.Errorf("window %v, want [2.5 8]", f.WindowSeconds)
	}
	if want := 30000.0 * 30000 / (3 * (5500.0*5500 + 16500*16500 + 8000*8000)); f.All != want {
		t.Errorf("all %v, want %v", f.All, want)
	}
	if f.Groups["0"] != 0.8 || f.Groups["1"] != 1 || len(f.Groups) != 2 {
		t.Errorf("groups %v, want 0: 0.8, 1: 1", f.Groups)
	}
}

func TestDeliveredAtEdges(t *testing.T) {
	f := series(1000, 0)
	for _, tc := range []struct {
		t    units.Time
		want int64
	}{
		{-1, 0}, {0, 0}, {units.Time(units.Second), 1000}, {units.Time(1500 * units.Millisecond), 1500},
		{units.Time(10 * units.Second), 10000}, {units.Time(20 * units.Second), 10000},
	} {
		if got := f.DeliveredAt(tc.t); got != tc.want {
			t.Errorf("DeliveredAt(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	if got := new(FlowSeries).DeliveredAt(5); got != 0 {
		t.Errorf("no samples: %d, want 0", got)
	}
}
