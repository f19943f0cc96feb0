package metrics

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// maxRelErr is the worst relative error of a bucket midpoint: half a bucket
// over the bucket's lower bound.
const maxRelErr = 1.0 / (2 * histSub)

func relErr(got, want units.Duration) float64 {
	return math.Abs(float64(got-want)) / float64(want)
}

// nearestRank is the exact nearest-rank quantile of sorted samples, the
// value Histogram.Quantile approximates.
func nearestRank(sorted []units.Duration, q float64) units.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[rank-1]
}

func TestHistogramBucketErrorBound(t *testing.T) {
	// Every bucket boundary and a geometric sweep from 1 µs to 100 s.
	check := func(v uint64) {
		t.Helper()
		mid := histBucketMid(histIndex(v))
		if e := relErr(mid, units.Duration(v)); e > maxRelErr {
			t.Fatalf("value %d ns reported as %d ns: relative error %.5f > %.5f", v, mid, e, maxRelErr)
		}
	}
	for i := range histBuckets {
		if i < 2*histSub {
			continue
		}
		shift := i/histSub - 1
		low := uint64(i%histSub+histSub) << shift
		check(low)
		check(low + (1 << shift) - 1)
		if got := histIndex(low); got != i {
			t.Fatalf("lower bound %d of bucket %d maps to bucket %d", low, i, got)
		}
	}
	for v := 1e3; v <= 1e11; v *= 1.001 {
		check(uint64(v))
	}
}

// TestHistogramIndexMatchesLayout checks histIndex, which Record computes
// branch-free, against the layout as the package comment states it, at
// every power of two and either side of it, past the top bucket included.
func TestHistogramIndexMatchesLayout(t *testing.T) {
	layout := func(v uint64) int {
		e := bits.Len64(v) - 1
		if e < histSubBits {
			e = histSubBits
		}
		if e >= histTopExp {
			return histBuckets - 1
		}
		shift := e - histSubBits
		return shift*histSub + int(v>>shift)
	}
	check := func(v uint64) {
		t.Helper()
		if got, want := histIndex(v), layout(v); got != want {
			t.Fatalf("histIndex(%d) = %d, want %d", v, got, want)
		}
	}
	for v := range uint64(4 * histSub) {
		check(v)
	}
	for e := range 64 {
		p := uint64(1) << e
		check(p - 1)
		check(p)
		check(p + 1)
		check(p | p>>1)
	}
	check(math.MaxUint64)
}

func TestHistogramExactBelowTwoSub(t *testing.T) {
	var h Histogram
	for v := range units.Duration(2 * histSub) {
		h.Record(v)
	}
	for _, q := range []float64{0.01, 0.25, 0.5, 0.9, 0.999} {
		want := units.Duration(math.Ceil(q*2*histSub)) - 1
		if got := h.Quantile(q); got != want {
			t.Errorf("Quantile(%v) = %d, want %d", q, got, want)
		}
	}
}

func TestHistogramUniformGrid(t *testing.T) {
	// 1 µs, 2 µs, ..., 100 ms: the q-quantile is ceil(q*N) µs exactly.
	const n = 100000
	var h Histogram
	for k := 1; k <= n; k++ {
		h.Record(units.Duration(k) * units.Microsecond)
	}
	if h.Count() != n {
		t.Fatalf("Count = %d, want %d", h.Count(), n)
	}
	if h.Min() != units.Microsecond || h.Max() != n*units.Microsecond {
		t.Fatalf("Min, Max = %v, %v; want 1us, 100ms", h.Min(), h.Max())
	}
	// Mean of 1..n µs is (n+1)/2 µs = 50000.5 µs.
	if got, want := h.Mean(), units.Duration(50000500); got != want {
		t.Errorf("Mean = %d ns, want %d ns", got, want)
	}
	for _, q := range []float64{0.001, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999} {
		want := units.Duration(math.Ceil(q*n)) * units.Microsecond
		if e := relErr(h.Quantile(q), want); e > 0.01 || e > maxRelErr {
			t.Errorf("Quantile(%v) = %v, want %v within %.3f%% (error %.4f%%)", q, h.Quantile(q), want, maxRelErr*100, e*100)
		}
	}
}

func TestHistogramRandomDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() units.Duration{
		// RTTs spread over three decades around 20 ms.
		"lognormal": func() units.Duration {
			return units.Duration(20e6 * math.Exp(rng.NormFloat64()))
		},
		// Queueing delay of an M/M/1 queue with mean 5 ms.
		"exponential": func() units.Duration {
			return units.Duration(5e6*rng.ExpFloat64()) + units.Microsecond
		},
		// A uniform spread from 1 µs to 100 s: every octave in range.
		"log-uniform": func() units.Duration {
			return units.Duration(math.Pow(10, 3+8*rng.Float64()))
		},
	}
	for _, name := range []string{"lognormal", "exponential", "log-uniform"} {
		t.Run(name, func(t *testing.T) {
			var h Histogram
			samples := make([]units.Duration, 50000)
			for i := range samples {
				samples[i] = dists[name]()
				h.Record(samples[i])
			}
			slices.Sort(samples)
			if h.Min() != samples[0] || h.Max() != samples[len(samples)-1] {
				t.Fatalf("Min, Max = %d, %d; want exactly %d, %d", h.Min(), h.Max(), samples[0], samples[len(samples)-1])
			}
			for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1} {
				want := nearestRank(samples, q)
				if e := relErr(h.Quantile(q), want); e > 0.01 || e > maxRelErr {
					t.Errorf("Quantile(%v) = %d, want %d (error %.4f%%)", q, h.Quantile(q), want, e*100)
				}
			}
		})
	}
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Min() != 0 || h.Max() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	h.Record(-5)
	if h.Min() != 0 || h.Quantile(0.5) != 0 {
		t.Errorf("negative sample: Min %d, median %d; want 0, 0", h.Min(), h.Quantile(0.5))
	}
	h.Reset()
	// Beyond the top bucket: counted, and Max is still exact.
	h.Record(200 * units.Second)
	h.Record(300 * units.Second)
	if h.Max() != 300*units.Second || h.Quantile(1) != 300*units.Second || h.Min() != 200*units.Second {
		t.Errorf("over range: Min %v Max %v Quantile(1) %v", h.Min(), h.Max(), h.Quantile(1))
	}
	if q := h.Quantile(0.5); q != 200*units.Second {
		t.Errorf("over range median %v, want it clamped to Min 200s", q)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, both Histogram
	for k := 1; k <= 1000; k++ {
		d := units.Duration(k) * 37 * units.Microsecond
		if k%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
		both.Record(d)
	}
	a.Merge(&b)
	if !histEqual(&a, &both) {
		t.Fatalf("merged histogram differs from one fed every sample: count %d vs %d, min %v vs %v, max %v vs %v",
			a.Count(), both.Count(), a.Min(), both.Min(), a.Max(), both.Max())
	}
	var empty Histogram
	empty.Merge(&both)
	if !histEqual(&empty, &both) {
		t.Fatal("merging into an empty histogram must copy it")
	}
}

func TestHistogramRecordAllocs(t *testing.T) {
	h := new(Histogram)
	d := units.Duration(0)
	allocs := testing.AllocsPerRun(1000, func() {
		d += 12345
		h.Record(d)
	})
	if allocs != 0 {
		t.Fatalf("Record allocates %v times per call, want 0", allocs)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := new(Histogram)
	rng := rand.New(rand.NewPCG(3, 4))
	samples := make([]units.Duration, 4096)
	for i := range samples {
		samples[i] = units.Duration(20e6 * math.Exp(rng.NormFloat64()))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(samples[i&4095])
	}
}

func BenchmarkHistogramQuantile(b *testing.B) {
	h := new(Histogram)
	for k := 1; k <= 100000; k++ {
		h.Record(units.Duration(k) * units.Microsecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Quantile(0.99)
	}
}

// histEqual reports whether a and b hold the same samples: the same totals
// and the same count in every bucket, whichever groups each has made.
func histEqual(a, b *Histogram) bool {
	if a.count != b.count || a.sum != b.sum || a.min != b.min || a.max != b.max {
		return false
	}
	for g := range histGroups {
		for j := range histSub {
			var ca, cb uint64
			if a.groups[g] != nil {
				ca = a.groups[g][j]
			}
			if b.groups[g] != nil {
				cb = b.groups[g][j]
			}
			if ca != cb {
				return false
			}
		}
	}
	return true
}

// TestHistogramHoldsOnlyTheGroupsItUses: RTTs of one flow make two groups,
// not thirty-one, and Reset keeps them, so refilling allocates nothing.
func TestHistogramHoldsOnlyTheGroupsItUses(t *testing.T) {
	var h Histogram
	for k := range 1000 {
		h.Record(40*units.Millisecond + units.Duration(k)*40*units.Microsecond) // 40-80 ms
	}
	made := 0
	for _, g := range h.groups {
		if g != nil {
			made++
		}
	}
	if made != 2 {
		t.Fatalf("40-80 ms made %d groups, want 2 (2^25 and 2^26 ns)", made)
	}
	h.Reset()
	if h.Count() != 0 || h.Quantile(0.5) != 0 {
		t.Fatalf("after Reset: count %d, median %v", h.Count(), h.Quantile(0.5))
	}
	if allocs := testing.AllocsPerRun(10, func() { h.Record(50 * units.Millisecond) }); allocs != 0 {
		t.Fatalf("recording into a kept group allocated %.1f times", allocs)
	}
}
