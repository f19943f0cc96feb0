package report

// Flow completion time against flow size, the figure of FCT studies
// (pFabric, Alizadeh et al., SIGCOMM 2013; HPCC, Li et al., SIGCOMM 2019):
// each completed sized flow's slowdown (its completion time over the ideal
// one, see runner.idealCompletion) against its size on a log axis, with the
// median and 99th percentile of the slowdowns in each size bucket.
//
// Buckets are the decades those papers report: below 10 KB, where a flow
// is done in its first window and slowdown is latency; 10–100 KB and
// 100 KB–1 MB, a few windows; above 1 MB, where throughput dominates. A
// bucket's point sits at the median size of its flows.
//
// A run writes fct.png/svg; the index page adds sweep-fct, the flows of
// every run of each algorithm pooled, one line per algorithm. Sizes come
// from summary.json: a completed flow delivered exactly its size.

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
)

// fctBucketBounds are the upper bounds of the size buckets, in bytes.
var fctBucketBounds = []float64{10e3, 100e3, 1e6}

// maxFCTScatter bounds the flows drawn as points: beyond it every k-th
// flow is drawn, which keeps the SVG small; the bucket statistics use all.
const maxFCTScatter = 4000

// fctPoint is one completed flow.
type fctPoint struct{ size, slowdown float64 }

// fctPoints lists the run's completed sized flows.
func fctPoints(s *metrics.Summary) []fctPoint {
	var pts []fctPoint
	for _, f := range s.Flows {
		if f.Slowdown != nil && f.BytesDelivered > 0 {
			pts = append(pts, fctPoint{size: float64(f.BytesDelivered), slowdown: *f.Slowdown})
		}
	}
	return pts
}

// fctBucket is the statistics of one size bucket.
type fctBucket struct {
	size, median, p99 float64
}

// fctBuckets computes each non-empty bucket's median size and median and
// 99th-percentile slowdown.
func fctBuckets(pts []fctPoint) []fctBucket {
	sizes := make([][]float64, len(fctBucketBounds)+1)
	slows := make([][]float64, len(fctBucketBounds)+1)
	for _, p := range pts {
		b, _ := slices.BinarySearch(fctBucketBounds, p.size)
		sizes[b] = append(sizes[b], p.size)
		slows[b] = append(slows[b], p.slowdown)
	}
	var out []fctBucket
	for b := range sizes {
		if len(sizes[b]) == 0 {
			continue
		}
		slices.Sort(sizes[b])
		slices.Sort(slows[b])
		out = append(out, fctBucket{
			size:   stat.Quantile(0.5, stat.Empirical, sizes[b], nil),
			median: stat.Quantile(0.5, stat.Empirical, slows[b], nil),
			p99:    stat.Quantile(0.99, stat.Empirical, slows[b], nil),
		})
	}
	return out
}

// newFCTFigure is a figure with log axes for size and slowdown.
func newFCTFigure(title string) *plot.Plot {
	p := newFigure(title, "Flow size (bytes)", "FCT slowdown")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = decadeTicks{unit: "B"}
	p.Y.Tick.Marker = decadeTicks{}
	return p
}

// addFCTLines draws one group's median (solid, with marks) and p99
// (dashed) slowdown per bucket.
func addFCTLines(p *plot.Plot, label string, c int, buckets []fctBucket) error {
	med := make(plotter.XYs, len(buckets))
	tail := make(plotter.XYs, len(buckets))
	for i, b := range buckets {
		med[i] = plotter.XY{X: b.size, Y: b.median}
		tail[i] = plotter.XY{X: b.size, Y: b.p99}
	}
	line, marks, err := plotter.NewLinePoints(med)
	if err != nil {
		return err
	}
	line.LineStyle = solid(flowColor(c))
	marks.GlyphStyle = draw.GlyphStyle{Color: flowColor(c), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	p99, p99Marks, err := plotter.NewLinePoints(tail)
	if err != nil {
		return err
	}
	p99.LineStyle = dashed(flowColor(c))
	p99Marks.GlyphStyle = draw.GlyphStyle{Color: flowColor(c), Radius: vg.Points(3), Shape: draw.TriangleGlyph{}}
	p.Add(line, marks, p99, p99Marks)
	p.Legend.Add(label+" median", line, marks)
	p.Legend.Add(label+" p99", p99, p99Marks)
	return nil
}

// fitLogAxes sets both log axes to whole decades around the data, with
// room above for legend entries.
func fitLogAxes(p *plot.Plot, pts []fctPoint, legendEntries int) {
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, q := range pts {
		xlo, xhi = min(xlo, q.size), max(xhi, q.size)
		ylo, yhi = min(ylo, q.slowdown), max(yhi, q.slowdown)
	}
	decade := func(v float64, round func(float64) float64) float64 { return math.Pow(10, round(math.Log10(v))) }
	p.X.Min, p.X.Max = decade(max(xlo, 1), math.Floor), decade(max(xhi, 1)*1.001, math.Ceil)
	p.Y.Min = decade(max(min(ylo, 1), 1e-3), math.Floor)
	// Each legend line takes about a twelfth of the plot's height; on a
	// log axis that is a factor, not an addend.
	span := math.Log10(max(yhi, 1)*1.001) - math.Log10(p.Y.Min)
	p.Y.Max = decade(math.Pow(10, math.Log10(max(yhi, 1)*1.001)+span*(0.05+0.06*float64(legendEntries))), math.Ceil)
}

// scatterFCT draws the flows as small rings, at most maxFCTScatter of them.
func scatterFCT(p *plot.Plot, pts []fctPoint, c int) error {
	step := (len(pts) + maxFCTScatter - 1) / maxFCTScatter
	xys := make(plotter.XYs, 0, len(pts)/max(step, 1)+1)
	for i := 0; i < len(pts); i += max(step, 1) {
		xys = append(xys, plotter.XY{X: pts[i].size, Y: pts[i].slowdown})
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: thin(flowColor(c)).Color, Radius: vg.Points(1.5), Shape: draw.RingGlyph{}}
	p.Add(sc)
	return nil
}

// runFCTFigure writes fct.png/svg into dir when the run has completed
// sized flows.
func runFCTFigure(dir, title string, s *metrics.Summary) error {
	pts := fctPoints(s)
	if len(pts) == 0 {
		return nil
	}
	p := newFCTFigure(title + ": FCT slowdown against size (" + strconv.Itoa(len(pts)) + " completed flows)")
	if err := scatterFCT(p, pts, 0); err != nil {
		return err
	}
	if err := addFCTLines(p, "bucket", 1, fctBuckets(pts)); err != nil {
		return err
	}
	fitLogAxes(p, pts, 2)
	return saveFigure(p, dir, "fct")
}

// indexFCTFigure plots each algorithm group's pooled bucket statistics,
// or returns nil when no run has completed sized flows.
func indexFCTFigure(idx *Index, groups []string) (*plot.Plot, error) {
	p := newFCTFigure(idx.Title + ": FCT slowdown against size, all runs")
	var all []fctPoint
	entries := 0
	for gi, g := range groups {
		var pts []fctPoint
		for i := range idx.Runs {
			if r := &idx.Runs[i]; r.group() == g {
				pts = append(pts, fctPoints(r.Summary)...)
			}
		}
		if len(pts) == 0 {
			continue
		}
		if err := addFCTLines(p, g, gi, fctBuckets(pts)); err != nil {
			return nil, err
		}
		all = append(all, pts...)
		entries += 2
	}
	if len(all) == 0 {
		return nil, nil
	}
	// The axes span the flows, not only the bucket statistics, so that
	// every sweep's figure of the same workload has the same frame.
	fitLogAxes(p, all, entries)
	return p, nil
}

// decadeTicks labels the powers of ten of a log axis ("1 kB", "10 MB" with
// unit "B"; "1", "10", "100" without), with minor ticks at 2..9 times each.
type decadeTicks struct{ unit string }

var _ plot.Ticker = decadeTicks{}

// Ticks implements plot.Ticker.
func (d decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	if !(lo > 0) || !(hi > lo) {
		return ticks
	}
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := base * float64(m)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = d.label(e)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// label writes 10^e in the axis' unit with an SI prefix.
func (d decadeTicks) label(e int) string {
	if d.unit == "" {
		return strconv.FormatFloat(math.Pow(10, float64(e)), 'f', -1, 64)
	}
	prefixes := []string{"", "k", "M", "G", "T"}
	if e < 0 || e/3 >= len(prefixes) {
		return strconv.FormatFloat(math.Pow(10, float64(e)), 'g', -1, 64) + " " + d.unit
	}
	return strconv.Itoa(int(math.Pow10(e%3))) + " " + prefixes[e/3] + d.unit
}
