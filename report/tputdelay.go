package report

// The throughput–delay figures of a sweep's index, in the form Pantheon
// (Yan et al., USENIX ATC 2018) made the field's habit: each run is a
// point of its mean throughput against its 95th-percentile delay, the
// delay axis runs backwards so that better is up and to the right, and
// each scheme's runs over seeds are summed up by their mean and a
// 1-sigma covariance ellipse. One figure is drawn per value of the swept
// settings other than the algorithm and the seed, so that runs at
// different buffer sizes (say) are never averaged into one point.
//
// Throughput is the run's, not a flow's: every byte the receiving
// applications read over the run's length (linkGoodputMbps). Summing the
// flows' own goodputs, each over its own active time, counts a link's
// capacity once per overlapping flow, which put a 100 Mbit/s web-search
// run at 3 000 Mbit/s.

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// tputDelayPanel is one throughput–delay figure: the runs that share the
// values of every swept setting but the algorithm and the seed.
type tputDelayPanel struct {
	// Name is the figure's file name without extension; Setting names
	// the shared values ("link.buffer=1bdp"), "" when nothing else is
	// swept.
	Name, Setting string
	Schemes       []tputDelayScheme
	// LinkMbps is the bottleneck rate every run of the panel shares, drawn
	// as a reference; 0 when they differ or have none (a network).
	LinkMbps float64
}

// tputDelayScheme is one scheme's runs in a panel.
type tputDelayScheme struct {
	Name string
	// Runs are X = p95 RTT in ms, Y = throughput in Mbit/s, one per run;
	// Invalid are those of real-time runs not to be trusted.
	Runs, Invalid plotter.XYs
	// Mean is the centre of Runs; Ellipse the outline of their 1-sigma
	// covariance ellipse, nil with fewer than two distinct runs.
	Mean    plotter.XY
	Ellipse plotter.XYs
}

// linkGoodputMbps is the run's throughput: the bytes every flow's
// receiving application read, in bits, over the run's simulated length.
// It cannot exceed what the links carried, however the flows overlap.
func (r *IndexRun) linkGoodputMbps() float64 {
	s := r.Summary
	if s.SimSeconds <= 0 {
		return 0
	}
	var bytes int64
	for _, f := range s.Flows {
		bytes += f.BytesDelivered
	}
	return float64(bytes) * 8 / s.SimSeconds / 1e6
}

// p95RTTMs is the run's 95th-percentile RTT: its worst flow's, the value
// the index's table shows.
func (r *IndexRun) p95RTTMs() float64 {
	worst := 0.0
	for _, f := range r.Summary.Flows {
		worst = max(worst, f.RTTP95Ms)
	}
	return worst
}

// schemeKey reports whether a swept key chooses the algorithm or the seed,
// which the runs of one throughput–delay figure differ in.
func schemeKey(key string) bool {
	return key == "seed" || key == "cc" || strings.HasSuffix(key, ".cc")
}

// tputDelayPanels splits the index's runs into throughput–delay figures,
// in order of first appearance.
func tputDelayPanels(idx *Index, groups []string) []tputDelayPanel {
	var settings []string
	bySetting := map[string][]int{}
	for i := range idx.Runs {
		var parts []string
		for k, key := range idx.Keys {
			if !schemeKey(key) {
				parts = append(parts, key+"="+idx.Runs[i].Values[k])
			}
		}
		s := strings.Join(parts, ", ")
		if _, ok := bySetting[s]; !ok {
			settings = append(settings, s)
		}
		bySetting[s] = append(bySetting[s], i)
	}
	panels := make([]tputDelayPanel, 0, len(settings))
	for n, setting := range settings {
		p := tputDelayPanel{Name: "sweep-scatter", Setting: setting}
		if len(settings) > 1 {
			p.Name = fmt.Sprintf("sweep-scatter-%d", n+1)
		}
		runs := bySetting[setting]
		p.LinkMbps = float64(idx.Runs[runs[0]].Summary.Link.RateBps) / 1e6
		for _, i := range runs {
			if float64(idx.Runs[i].Summary.Link.RateBps)/1e6 != p.LinkMbps || len(idx.Runs[i].Summary.Links) > 0 {
				p.LinkMbps = 0
			}
		}
		for _, g := range groups {
			sc := tputDelayScheme{Name: g}
			for _, i := range runs {
				r := &idx.Runs[i]
				if r.group() != g {
					continue
				}
				xy := plotter.XY{X: r.p95RTTMs(), Y: r.linkGoodputMbps()}
				sc.Runs = append(sc.Runs, xy)
				if ok, _ := trusted(r.Summary); !ok {
					sc.Invalid = append(sc.Invalid, xy)
				}
			}
			if len(sc.Runs) == 0 {
				continue
			}
			sc.Mean, sc.Ellipse = covarianceEllipse(sc.Runs)
			p.Schemes = append(p.Schemes, sc)
		}
		panels = append(panels, p)
	}
	return panels
}

// ellipseSegments is how many straight pieces outline an ellipse: smooth
// at the figures' size.
const ellipseSegments = 64

// covarianceEllipse returns the mean of pts and the outline of their
// 1-sigma ellipse: centred on the mean, its axes along the eigenvectors of
// the sample covariance matrix, each as long as the square root of its
// eigenvalue. It returns no outline for fewer than two points or points
// that do not differ.
func covarianceEllipse(pts plotter.XYs) (plotter.XY, plotter.XYs) {
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p.X, p.Y
	}
	mean := plotter.XY{X: stat.Mean(xs, nil), Y: stat.Mean(ys, nil)}
	if len(pts) < 2 {
		return mean, nil
	}
	a, c := stat.Variance(xs, nil), stat.Variance(ys, nil)
	b := stat.Covariance(xs, ys, nil)
	// The eigenvalues of [[a b] [b c]], largest first, and the angle of
	// the first one's eigenvector.
	mid, half := (a+c)/2, math.Hypot((a-c)/2, b)
	l1, l2 := mid+half, max(mid-half, 0)
	if l1 <= 0 {
		return mean, nil
	}
	theta := math.Atan2(2*b, a-c) / 2
	r1, r2 := math.Sqrt(l1), math.Sqrt(l2)
	cos, sin := math.Cos(theta), math.Sin(theta)
	out := make(plotter.XYs, ellipseSegments+1)
	for i := range out {
		t := 2 * math.Pi * float64(i) / ellipseSegments
		u, v := r1*math.Cos(t), r2*math.Sin(t)
		out[i] = plotter.XY{X: mean.X + u*cos - v*sin, Y: mean.Y + u*sin + v*cos}
	}
	return mean, out
}

// tputDelayFigure draws panel: each scheme's runs as small rings, its
// mean as a filled mark and its ellipse as a line in its colour, on a
// delay axis that runs from right (low) to left (high).
func tputDelayFigure(title string, panel *tputDelayPanel, groups []string) (*plot.Plot, error) {
	if panel.Setting != "" {
		title += " at " + panel.Setting
	}
	p := newFigure(title+": throughput and delay", "p95 RTT (ms, worst flow; better →)", "Throughput (Mbit/s, all flows)")
	p.X.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	entries := 0
	var anyInvalid *plotter.Scatter
	for _, sc := range panel.Schemes {
		c := flowColor(slices.Index(groups, sc.Name))
		each, err := plotter.NewScatter(sc.Runs)
		if err != nil {
			return nil, err
		}
		each.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}
		mean, err := plotter.NewScatter(plotter.XYs{sc.Mean})
		if err != nil {
			return nil, err
		}
		mean.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		p.Add(each, mean)
		thumbs := []plot.Thumbnailer{each, mean}
		label := sc.Name + " (runs, mean)"
		if sc.Ellipse != nil {
			l, err := plotter.NewLine(sc.Ellipse)
			if err != nil {
				return nil, err
			}
			l.LineStyle = solid(c)
			p.Add(l)
			thumbs = append(thumbs, l)
			label = sc.Name + " (runs, mean, 1σ)"
		}
		p.Legend.Add(label, thumbs...)
		entries++
		if len(sc.Invalid) > 0 {
			cross, err := plotter.NewScatter(sc.Invalid)
			if err != nil {
				return nil, err
			}
			cross.GlyphStyle = invalidGlyph
			p.Add(cross)
			anyInvalid = cross
		}
	}
	if anyInvalid != nil {
		p.Legend.Add(invalidLegend, anyInvalid)
		entries++
	}
	if panel.LinkMbps > 0 {
		if err := addReference(p, "link rate", panel.LinkMbps, p.X.Max*1.05); err != nil {
			return nil, err
		}
		entries++
	}
	fitAxes(p, entries)
	// Room beyond the highest delay, so its marks are not cut.
	p.X.Max *= 1.05
	return p, nil
}
