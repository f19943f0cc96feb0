package metrics

// Throughput over a sliding window, from cumulative byte counts.
//
// The runner reads a flow's delivered-bytes counter at each sample time; the
// rate at time t is the bytes delivered in (t-W, t] divided by W. The counter
// at t-W is rarely sampled exactly (the window need not be a multiple of the
// sample interval, and samples may be irregular), so it is interpolated
// linearly between the two samples that bracket t-W. Until a whole window
// has passed, the rate is taken over the span since the first sample.
//
// The samples live in a ring sized from the window and the sample interval,
// so Add allocates nothing once the ring is large enough; if samples arrive
// more often than the interval promised, the ring grows by doubling.

import "github.com/ccbench/ccbench/units"

type throughputPoint struct {
	t     units.Time
	bytes int64
}

// Throughput computes a windowed rate from cumulative byte counts. The zero
// value has no window and reports the rate since the previous sample.
type Throughput struct {
	window units.Duration
	ring   []throughputPoint
	// head indexes the oldest retained point; n points are retained.
	head, n int
	rateBps float64
}

// NewThroughput returns a Throughput over window for samples taken every
// interval. A window of 0 or less means one interval.
func NewThroughput(window, interval units.Duration) *Throughput {
	tp := new(Throughput)
	tp.Init(window, interval)
	return tp
}

// Init resets tp for a window and sample interval, sizing its ring so that
// regularly spaced samples never make it grow.
func (tp *Throughput) Init(window, interval units.Duration) {
	if interval <= 0 {
		interval = window
	}
	if window <= 0 {
		window = interval
	}
	// Points strictly inside the window, one at or before its start to
	// interpolate from, and the new point appended before pruning.
	size := 3
	if interval > 0 {
		size += int((window + interval - 1) / interval)
	}
	tp.window = window
	tp.ring = make([]throughputPoint, size)
	tp.head, tp.n = 0, 0
	tp.rateBps = 0
}

func (tp *Throughput) at(i int) throughputPoint {
	return tp.ring[(tp.head+i)%len(tp.ring)]
}

func (tp *Throughput) push(p throughputPoint) {
	if tp.n == len(tp.ring) {
		grown := make([]throughputPoint, max(4, 2*len(tp.ring)))
		for i := range tp.n {
			grown[i] = tp.at(i)
		}
		tp.ring, tp.head = grown, 0
	}
	tp.ring[(tp.head+tp.n)%len(tp.ring)] = p
	tp.n++
}

// Add records that delivered bytes had been delivered by time t and returns
// the rate over the window ending at t, in bits per second. Times must not
// go backwards.
func (tp *Throughput) Add(t units.Time, delivered int64) float64 {
	tp.push(throughputPoint{t: t, bytes: delivered})
	start := t.Add(-tp.window)
	if tp.window <= 0 {
		// A zero-value Throughput has no window: rate since the previous
		// sample.
		start = tp.at(max(tp.n-2, 0)).t
	}
	// Keep exactly one point at or before the window's start.
	for tp.n >= 2 && tp.at(1).t <= start {
		tp.head = (tp.head + 1) % len(tp.ring)
		tp.n--
	}
	oldest := tp.at(0)
	baseT, baseBytes := oldest.t, float64(oldest.bytes)
	if oldest.t < start && tp.n >= 2 {
		next := tp.at(1)
		frac := float64(start-oldest.t) / float64(next.t-oldest.t)
		// The explicit conversion keeps the compiler from fusing the
		// multiply and add, so results match on every platform.
		baseBytes += float64(float64(next.bytes-oldest.bytes) * frac)
		baseT = start
	}
	span := t.Sub(baseT)
	if span <= 0 {
		tp.rateBps = 0
		return 0
	}
	tp.rateBps = (float64(delivered) - baseBytes) * 8e9 / float64(span)
	return tp.rateBps
}

// Rate is the value the last Add returned.
func (tp *Throughput) Rate() float64 { return tp.rateBps }
