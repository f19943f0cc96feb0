package metrics

// Jain's fairness index (R. Jain, D. Chiu, W. Hawe, "A Quantitative Measure
// of Fairness and Discrimination for Resource Allocation in Shared Computer
// Systems", DEC-TR-301, 1984):
//
//	J(x) = (Σ xᵢ)² / (n · Σ xᵢ²)
//
// J is 1 when every flow gets the same share and 1/n when one flow gets
// everything; k equal flows and n-k starved ones give k/n.

import (
	"math/bits"
	"sort"
	"strconv"

	"github.com/ccbench/ccbench/units"
)

// JainIndex returns Jain's fairness index of the allocations x (goodputs,
// say). With no flows, or when every allocation is zero, the index is
// undefined and JainIndex returns 0, so a gate such as "fairness >= 0.9"
// fails rather than passes on a run that moved no data.
func JainIndex(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	// Plain loops rather than gonum's floats.Sum and floats.Dot: those use
	// vector assembly on amd64 and pure Go elsewhere, which sum in different
	// orders, and summaries must be identical on every platform. The
	// conversion keeps the compiler from fusing the multiply-add.
	var sum, sumSquares float64
	for _, v := range x {
		sum += v
		sumSquares += float64(v * v)
	}
	if sumSquares == 0 {
		return 0
	}
	return sum * sum / (float64(len(x)) * sumSquares)
}

// Fairness is Jain's index over a window of the run, from the bytes each
// flow delivered in it: over all flows, and over the flows of each
// [[flows]] entry (keyed by the entry's index, "0", "1", ...), so that a
// group of identical flows can be judged apart from the others.
type Fairness struct {
	// WindowSeconds is the window [from, to], in seconds of the run.
	WindowSeconds [2]float64         `json:"window_s"`
	All           float64            `json:"all"`
	Groups        map[string]float64 `json:"groups"`
}

// WindowFairness computes Jain's index over [from, to] from each flow's
// bytes delivered in the window; groups[i] is flow i's [[flows]] entry.
// Bytes rather than mean rates: over one window every flow has the same
// length of time, so the index is the same, and a flow that started late
// in the window counts for what it actually received, as it should when
// fairness is the question. A flow that had not started by to counts as
// starved; choose the window after the last start to leave it out.
func WindowFairness(flows []*FlowSeries, groups []int, from, to units.Time) *Fairness {
	f := &Fairness{WindowSeconds: [2]float64{from.Seconds(), to.Seconds()}, Groups: map[string]float64{}}
	all := make([]float64, len(flows))
	byGroup := map[int][]float64{}
	for i, fl := range flows {
		all[i] = float64(fl.DeliveredAt(to) - fl.DeliveredAt(from))
		g := 0
		if i < len(groups) {
			g = groups[i]
		}
		byGroup[g] = append(byGroup[g], all[i])
	}
	f.All = JainIndex(all)
	for g, x := range byGroup {
		f.Groups[strconv.Itoa(g)] = JainIndex(x)
	}
	return f
}

// DeliveredAt is the flow's delivered-bytes count at t, interpolated
// linearly between the two samples around t and rounded down; 0 before
// the first sample and the last count after the last. When the samples
// stream to a sink, only times the recorder was told to watch
// (Recorder.WatchDelivered) can be answered; any other t panics, as a
// programming error.
func (f *FlowSeries) DeliveredAt(t units.Time) int64 {
	for i := range f.watches {
		if w := &f.watches[i]; w.t == t {
			return deliveredBetween(t, w.before, w.hasBefore, w.after, w.has)
		}
	}
	if f.sink != nil && f.recorded > 0 {
		panic("metrics: DeliveredAt(" + t.String() + ") of a streamed series: the time was not watched")
	}
	s := f.Samples
	i := sort.Search(len(s), func(i int) bool { return s[i].T >= t })
	var before, after throughputPoint
	if i > 0 {
		before = throughputPoint{t: s[i-1].T, bytes: s[i-1].Delivered}
	}
	if i < len(s) {
		after = throughputPoint{t: s[i].T, bytes: s[i].Delivered}
	}
	return deliveredBetween(t, before, i > 0, after, i < len(s))
}

// deliveredBetween interpolates the delivered count at t from the last
// sample before t and the first at or after it, either of which may be
// missing.
func deliveredBetween(t units.Time, a throughputPoint, hasA bool, b throughputPoint, hasB bool) int64 {
	switch {
	case !hasB:
		if !hasA {
			return 0
		}
		return a.bytes
	case b.t == t || !hasA:
		if b.t > t {
			return 0
		}
		return b.bytes
	}
	if b.bytes <= a.bytes {
		return a.bytes
	}
	// Integer arithmetic, so every platform gets the same count; the
	// product fits in 128 bits but not always in 64.
	hi, lo := bits.Mul64(uint64(b.bytes-a.bytes), uint64(t-a.t))
	q, _ := bits.Div64(hi, lo, uint64(b.t-a.t))
	return a.bytes + int64(q)
}
