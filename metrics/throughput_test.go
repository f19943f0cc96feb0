package metrics

import (
	"math"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// bytesAt is the cumulative delivery of a flow that runs at 1 Mbit/s for its
// first second and at 3 Mbit/s afterwards.
func bytesAt(t units.Time) int64 {
	const switchAt = units.Time(units.Second)
	if t <= switchAt {
		return units.Rate(1 * units.MbitPerSecond).BytesIn(units.Duration(t))
	}
	return 125000 + units.Rate(3*units.MbitPerSecond).BytesIn(t.Sub(switchAt))
}

func TestThroughputConstantRate(t *testing.T) {
	const interval = 10 * units.Millisecond
	tp := NewThroughput(100*units.Millisecond, interval)
	if got := tp.Add(0, 0); got != 0 {
		t.Fatalf("first sample rate = %v, want 0", got)
	}
	rate := units.Rate(10 * units.MbitPerSecond)
	// Before a whole window has passed the rate is over the span so far;
	// after, over the window. Either way a constant 10 Mbit/s reads exactly.
	for k := 1; k <= 50; k++ {
		now := units.Time(k) * units.Time(interval)
		got := tp.Add(now, rate.BytesIn(units.Duration(now)))
		if got != 10e6 {
			t.Fatalf("t=%v: rate %v, want exactly 1e7", now, got)
		}
	}
	if tp.Rate() != 10e6 {
		t.Fatalf("Rate() = %v, want the last Add's 1e7", tp.Rate())
	}
}

func TestThroughputWindowNotMultipleOfInterval(t *testing.T) {
	// A 25 ms window over 10 ms samples: the window's start falls between
	// samples and is interpolated, which is exact on a piecewise-linear
	// delivery curve whose break is on a sample.
	const interval = 10 * units.Millisecond
	tp := NewThroughput(25*units.Millisecond, interval)
	var got float64
	for now := units.Time(0); now <= units.Time(1020*units.Millisecond); now += units.Time(interval) {
		got = tp.Add(now, bytesAt(now))
		if now == units.Time(500*units.Millisecond) && math.Abs(got-1e6) > 1e-6 {
			t.Errorf("t=500ms: rate %v, want 1e6", got)
		}
	}
	// Window (995ms, 1020ms]: 5 ms at 1 Mbit/s and 20 ms at 3 Mbit/s.
	want := (1e6*0.005 + 3e6*0.020) / 0.025
	if math.Abs(got-want) > 1e-6 {
		t.Fatalf("t=1020ms: rate %v, want %v", got, want)
	}
}

func TestThroughputIrregularSamplesGrowRing(t *testing.T) {
	// The ring is sized for 100 ms samples, but they come every 1 ms.
	tp := NewThroughput(100*units.Millisecond, 100*units.Millisecond)
	var got float64
	for now := units.Time(0); now <= units.Time(1500*units.Millisecond); now += units.Time(units.Millisecond) {
		got = tp.Add(now, bytesAt(now))
	}
	if math.Abs(got-3e6) > 1e-6 {
		t.Fatalf("rate %v after the switch, want 3e6", got)
	}
	if tp.n > 102 {
		t.Fatalf("ring retains %d points, want at most the 101 in the window plus one", tp.n)
	}
}

func TestThroughputZeroValueUsable(t *testing.T) {
	var tp Throughput
	tp.Add(0, 0)
	if got := tp.Add(units.Time(units.Second), 1000); got != 8000 {
		t.Fatalf("zero-value Throughput: rate %v, want 8000", got)
	}
}

func TestThroughputAddAllocs(t *testing.T) {
	const interval = units.Millisecond
	tp := NewThroughput(40*units.Millisecond, interval)
	now := units.Time(0)
	allocs := testing.AllocsPerRun(1000, func() {
		now += units.Time(interval)
		tp.Add(now, int64(now)/1000)
	})
	if allocs != 0 {
		t.Fatalf("Add allocates %v times per call, want 0", allocs)
	}
}

func BenchmarkThroughputAdd(b *testing.B) {
	const interval = units.Millisecond
	tp := NewThroughput(100*units.Millisecond, interval)
	now := units.Time(0)
	b.ReportAllocs()
	for b.Loop() {
		now += units.Time(interval)
		tp.Add(now, int64(now)/1000)
	}
}
