package metrics

// Histogram of durations in log-linear buckets, after the layout of Gil
// Tene's HdrHistogram: values are grouped by their power of two, and each
// power of two is split into histSub equal sub-buckets. A bucket's width is
// then at most 1/histSub of its lower bound, so reporting the bucket's
// midpoint is off by at most 1/(2*histSub) of the true value: 0.39% with 128
// sub-buckets, inside the 1% that RTT and delay percentiles need.
//
// Values below histSub nanoseconds get one bucket each (exact). The top
// power of two ends at 2^histTopExp ns (about 137 s), which covers the 1 µs
// to 100 s span of RTTs and queueing delays with room to spare; larger values
// are counted in the last bucket, while Max still reports them exactly.
//
// The counts are kept per power of two, in groups of histSub buckets made
// the first time a value falls in them: a flow's RTTs span two or three
// powers of two, so a histogram holds about 3 KiB instead of the 31 KiB of
// every bucket, which is what 10 000 flows' histograms cost (310 MB) before.
// A Histogram is usable as a zero value; Record allocates only the first
// time a sample lands in a new power of two (at most histGroups times), and
// is otherwise a handful of integer instructions. Copying a Histogram shares
// its groups: pass it by pointer.

import (
	"math/bits"

	"github.com/ccbench/ccbench/units"
)

const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// histTopExp is one past the exponent of the highest power of two
	// recorded: the last bucket ends at 2^histTopExp - 1 ns.
	histTopExp = 37
	// histBuckets counts the exact buckets below 2*histSub plus histSub
	// buckets for each power of two from 2^(histSubBits+1) up.
	histBuckets = (histTopExp - histSubBits + 1) * histSub
	// histGroups is the number of groups of histSub buckets.
	histGroups = histBuckets / histSub
)

// Histogram records durations with bounded relative error in fixed memory.
// The zero value is an empty histogram.
type Histogram struct {
	groups   [histGroups]*[histSub]uint64
	count    uint64
	sum      int64
	min, max units.Duration
}

// histIndex maps a value in nanoseconds to its bucket.
func histIndex(v uint64) int {
	g, j := histSlot(v)
	return int(g*histSub + j)
}

// histSlot maps a value in nanoseconds to its bucket as a group and a
// place in it. Values below 2*histSub fall in the first two groups, whose
// buckets are one nanosecond wide, so the same formula serves them with
// the exponent pinned at histSubBits: setting bit histSubBits pins it
// without a branch, and clamping the value to the last bucket's top makes
// larger ones land there. Unsigned, the divisions by histSub are shifts
// with no sign to correct, which Record pays for on every sample.
func histSlot(v uint64) (group, sub uint) {
	v = min(v, 1<<histTopExp-1)
	shift := uint(bits.Len64(v|histSub) - (histSubBits + 1))
	x := uint(v >> shift)
	return shift + x>>histSubBits, x & (histSub - 1)
}

// histBucketMid is the value a bucket reports: the middle of the integers it
// holds.
func histBucketMid(i int) units.Duration {
	if i < 2*histSub {
		return units.Duration(i)
	}
	shift := i/histSub - 1
	low := uint64(i%histSub+histSub) << shift
	width := uint64(1) << shift
	return units.Duration(low + (width-1)/2)
}

// Record adds one sample. Negative durations count as zero.
func (h *Histogram) Record(d units.Duration) {
	d = max(d, 0)
	if h.count == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	gi, j := histSlot(uint64(d))
	g := h.groups[gi]
	if g == nil {
		g = new([histSub]uint64)
		h.groups[gi] = g
	}
	g[j]++
	h.count++
	h.sum += int64(d)
}

// Count is the number of samples recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Min is the smallest sample, exactly, or 0 when empty.
func (h *Histogram) Min() units.Duration { return h.min }

// Max is the largest sample, exactly, or 0 when empty.
func (h *Histogram) Max() units.Duration { return h.max }

// Mean is the arithmetic mean of the samples, exact to the nanosecond
// (rounded down), or 0 when empty.
func (h *Histogram) Mean() units.Duration {
	if h.count == 0 {
		return 0
	}
	return units.Duration(h.sum / int64(h.count))
}

// MeanMilliseconds is the mean in milliseconds without rounding to whole
// nanoseconds first.
func (h *Histogram) MeanMilliseconds() float64 {
	if h.count == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.count) / 1e6
}

// Quantile returns the nearest-rank q-quantile (q in [0, 1]): the smallest
// recorded value such that at least a fraction q of the samples are at or
// below it, reported as its bucket's midpoint and clamped to [Min, Max] so
// Quantile(0) and Quantile(1) are exact. It returns 0 when empty.
func (h *Histogram) Quantile(q float64) units.Duration {
	if h.count == 0 {
		return 0
	}
	if !(q > 0) {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(q * float64(h.count))
	if float64(rank) < q*float64(h.count) {
		rank++
	}
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for gi, g := range h.groups {
		if g == nil {
			continue
		}
		for j, c := range g {
			seen += c
			if seen >= rank {
				return min(max(histBucketMid(gi*histSub+j), h.min), h.max)
			}
		}
	}
	return h.max
}

// Merge adds every sample of o to h, as if each had been recorded in h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for gi, og := range o.groups {
		if og == nil {
			continue
		}
		g := h.groups[gi]
		if g == nil {
			g = new([histSub]uint64)
			h.groups[gi] = g
		}
		for j, c := range og {
			g[j] += c
		}
	}
	h.count += o.count
	h.sum += o.sum
}

// Reset empties the histogram, keeping its groups for reuse.
func (h *Histogram) Reset() {
	for _, g := range h.groups {
		if g != nil {
			clear(g[:])
		}
	}
	h.count, h.sum, h.min, h.max = 0, 0, 0, 0
}
