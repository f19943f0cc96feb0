package report

// Lines built point by point in bounded memory, for figures of runs of any
// length drawn from their CSV files.
//
// A figure's plot area is about a thousand pixels wide, so a line of more
// points than maxLinePoints is drawn from the lowest and the highest point
// of each of maxLinePoints/2 equal slices of the time axis, in time order:
// every peak and trough of a sawtooth stays in the picture, and a line
// holds at most maxLinePoints points however long the run. A shorter line
// keeps every point.
//
// A line has gaps where its quantity is undefined (ssthresh before the
// first loss, RTT before the first sample); a gap narrower than one slice
// is closed, as no pixel could show it.
//
// Many flows are drawn as a band: for each slice, the lowest and highest
// value any flow took in it and the mean of all their values (bandBuilder).

import (
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
)

// lineBuilder collects one line's points in time order.
type lineBuilder struct {
	// span is the time axis [0, span] the slices divide.
	span float64
	// runs are the points kept while there are few; gap marks that the
	// next point starts a new run.
	runs  []plotter.XYs
	count int
	gap   bool
	// slices, once the points outgrow maxLinePoints, replace runs.
	slices []lineSlice
}

// lineSlice is one slice of the time axis in a decimated line.
type lineSlice struct {
	index    int
	lo, hi   plotter.XY
	newRun   bool
	hiBefore bool // the high point came before the low one
}

func newLineBuilder(span float64) *lineBuilder {
	if !(span > 0) {
		span = 1
	}
	return &lineBuilder{span: span}
}

func (l *lineBuilder) sliceOf(x float64) int {
	n := maxLinePoints / 2
	i := int(x / l.span * float64(n))
	return min(max(i, 0), n-1)
}

// add appends a point at time x, after every point added before.
func (l *lineBuilder) add(x, y float64) {
	if l.slices == nil {
		if len(l.runs) == 0 || l.gap {
			l.runs = append(l.runs, nil)
			l.gap = false
		}
		l.runs[len(l.runs)-1] = append(l.runs[len(l.runs)-1], plotter.XY{X: x, Y: y})
		l.count++
		if l.count > maxLinePoints {
			l.decimate()
		}
		return
	}
	l.addSliced(plotter.XY{X: x, Y: y})
}

// skip marks a gap: the quantity is undefined at the current time.
func (l *lineBuilder) skip() {
	if len(l.runs) > 0 || len(l.slices) > 0 {
		l.gap = true
	}
}

// decimate moves the points kept so far into slices.
func (l *lineBuilder) decimate() {
	runs := l.runs
	l.runs, l.count = nil, 0
	l.slices = make([]lineSlice, 0, maxLinePoints/2)
	for _, run := range runs {
		l.gap = true
		for _, p := range run {
			l.addSliced(p)
		}
	}
	l.gap = false
}

func (l *lineBuilder) addSliced(p plotter.XY) {
	i := l.sliceOf(p.X)
	if n := len(l.slices); n > 0 && l.slices[n-1].index == i {
		s := &l.slices[n-1]
		if p.Y < s.lo.Y {
			s.lo, s.hiBefore = p, true
		}
		if p.Y > s.hi.Y {
			s.hi, s.hiBefore = p, false
		}
		l.gap = false
		return
	}
	l.slices = append(l.slices, lineSlice{index: i, lo: p, hi: p, newRun: l.gap || len(l.slices) == 0})
	l.gap = false
}

// lines returns the line's runs, decimated when long.
func (l *lineBuilder) lines() []plotter.XYs {
	if l.slices == nil {
		return l.runs
	}
	var runs []plotter.XYs
	for _, s := range l.slices {
		if s.newRun || len(runs) == 0 {
			runs = append(runs, nil)
		}
		r := &runs[len(runs)-1]
		first, second := s.lo, s.hi
		if s.hiBefore {
			first, second = s.hi, s.lo
		}
		*r = append(*r, first)
		if second != first {
			*r = append(*r, second)
		}
	}
	return runs
}

// bandBuilder sums up many flows' values of one quantity per slice of the
// time axis: the lowest, the highest, the mean, and a sample of the values
// for the percentiles between.
type bandBuilder struct {
	span     float64
	lo, hi   []float64
	sum      []float64
	n        []int64
	tLo, tHi []float64
	// kept holds every stride-th value a slice was given, in the order
	// given, at most bandKept of them: when one more would overflow, every
	// other one is dropped and the stride doubles. The sample is the same
	// for the same values in the same order, and its memory is bounded
	// whatever the flow count.
	kept   [][]float32
	stride []int64
}

// bandKept bounds the values a band keeps per slice of the time axis for
// its percentiles: enough for a 10th and a 90th percentile within a few
// hundredths of the truth, at most 600 kB a band.
const bandKept = 128

func newBandBuilder(span float64) *bandBuilder {
	if !(span > 0) {
		span = 1
	}
	n := maxLinePoints / 2
	b := &bandBuilder{span: span, lo: make([]float64, n), hi: make([]float64, n),
		sum: make([]float64, n), n: make([]int64, n), tLo: make([]float64, n), tHi: make([]float64, n),
		kept: make([][]float32, n), stride: make([]int64, n)}
	for i := range n {
		b.lo[i], b.hi[i] = math.Inf(1), math.Inf(-1)
		b.tLo[i], b.tHi[i] = math.Inf(1), math.Inf(-1)
	}
	return b
}

func (b *bandBuilder) add(x, y float64) {
	n := len(b.lo)
	i := min(max(int(x/b.span*float64(n)), 0), n-1)
	b.lo[i] = min(b.lo[i], y)
	b.hi[i] = max(b.hi[i], y)
	b.sum[i] += y
	if b.stride[i] == 0 {
		b.stride[i] = 1
	}
	if b.n[i]%b.stride[i] == 0 {
		if len(b.kept[i]) == bandKept {
			for j := range bandKept / 2 {
				b.kept[i][j] = b.kept[i][2*j]
			}
			b.kept[i] = b.kept[i][:bandKept/2]
			b.stride[i] *= 2
		}
		if b.n[i]%b.stride[i] == 0 {
			b.kept[i] = append(b.kept[i], float32(y))
		}
	}
	b.n[i]++
	b.tLo[i] = min(b.tLo[i], x)
	b.tHi[i] = max(b.tHi[i], x)
}

// outline returns the band's polygon (the highest values forward, the
// lowest back) and the mean line, each at the middle of its slice's
// sample times; nil when no value was added.
func (b *bandBuilder) outline() (polygon, mean plotter.XYs) {
	var lows plotter.XYs
	for i := range b.lo {
		if b.n[i] == 0 {
			continue
		}
		x := (b.tLo[i] + b.tHi[i]) / 2
		polygon = append(polygon, plotter.XY{X: x, Y: b.hi[i]})
		lows = append(lows, plotter.XY{X: x, Y: b.lo[i]})
		mean = append(mean, plotter.XY{X: x, Y: b.sum[i] / float64(b.n[i])})
	}
	for i := len(lows) - 1; i >= 0; i-- {
		polygon = append(polygon, lows[i])
	}
	return polygon, mean
}

// percentiles returns the polygon between the loQ and hiQ quantiles of
// each slice's kept values (nearest rank), at the middle of the slice's
// sample times like outline's; nil when no value was added.
func (b *bandBuilder) percentiles(loQ, hiQ float64) plotter.XYs {
	var polygon, lows plotter.XYs
	var sorted []float32
	for i := range b.kept {
		if len(b.kept[i]) == 0 {
			continue
		}
		sorted = append(sorted[:0], b.kept[i]...)
		slices.Sort(sorted)
		rank := func(q float64) float64 {
			k := int(math.Ceil(q*float64(len(sorted)))) - 1
			return float64(sorted[min(max(k, 0), len(sorted)-1)])
		}
		x := (b.tLo[i] + b.tHi[i]) / 2
		polygon = append(polygon, plotter.XY{X: x, Y: rank(hiQ)})
		lows = append(lows, plotter.XY{X: x, Y: rank(loQ)})
	}
	for i := len(lows) - 1; i >= 0; i-- {
		polygon = append(polygon, lows[i])
	}
	return polygon
}
