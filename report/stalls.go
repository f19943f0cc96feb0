package report

// Shading a real-time run's relay stalls on its time-series figures. A
// stall is an interval in which the relay released nothing it should have
// (metrics.Stall): what the flows did across it is the machine's doing,
// not the algorithm's or the emulated link's, and a figure that drew it
// unmarked would pass a stall off as congestion. Every figure of the run
// against time shades each stall from when its late release fell due to
// when it went out, over the plot's full height and under the data, with
// one legend entry giving the count and total length from the summary.
// A simulated run has no stalls and its figures are drawn as before.

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
)

// stallColor is light and translucent, so lines stay readable across it.
var stallColor = color.NRGBA{0xE0, 0x30, 0x30, 0x40}

// minStallWidth is the narrowest a shaded stall is drawn: a 1 ms stall on
// a 30 s axis is a twentieth of a pixel, which would not show. A shade
// narrower than its interval's true width is never drawn; one that is
// widened keeps its left edge, the stall's start, exact.
const minStallWidth = vg.Length(1.5)

// stallShade is a plotter of the stalled intervals, in seconds on the x
// axis. It has no data range, so the axes are those of the data.
type stallShade struct {
	intervals [][2]float64
	label     string
}

// newStallShade returns the shade of r's stalls, or nil when it has none.
func newStallShade(r *metrics.ReleaseError) *stallShade {
	if r == nil || len(r.Stalls) == 0 {
		return nil
	}
	s := &stallShade{intervals: make([][2]float64, len(r.Stalls))}
	for i, st := range r.Stalls {
		s.intervals[i] = [2]float64{st.AtS, st.AtS + st.LengthMs/1e3}
	}
	n := max(r.StallCount, int64(len(r.Stalls)))
	stalls := "stalls"
	if n == 1 {
		stalls = "stall"
	}
	s.label = fmt.Sprintf("relay stalled: %d %s, %s ms in all", n, stalls, trimFloat(r.StalledMs))
	if int64(len(r.Stalls)) < n {
		s.label += fmt.Sprintf(" (%d recorded and shaded)", len(r.Stalls))
	}
	return s
}

// trimFloat writes v with at most one decimal: "154", "3.5".
func trimFloat(v float64) string {
	text := fmt.Sprintf("%.1f", v)
	if len(text) > 2 && text[len(text)-2:] == ".0" {
		return text[:len(text)-2]
	}
	return text
}

// Plot shades each interval, clipped to the plot area.
func (s *stallShade) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	for _, iv := range s.intervals {
		x0, x1 := trX(iv[0]), trX(iv[1])
		x1 = max(x1, x0+minStallWidth)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(stallColor, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// Thumbnail draws the legend's swatch.
func (s *stallShade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(stallColor, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// newTimeFigure starts one of the run's figures against time, with the
// run's stalls shaded under everything drawn on it later.
func (rf *runPlot) newTimeFigure(title, yLabel string) *plot.Plot {
	p := newFigure(title, "Time (s)", yLabel)
	if rf.stalls != nil {
		p.Add(rf.stalls)
		p.Legend.Add(rf.stalls.label, rf.stalls)
	}
	return p
}

// fitAxes is fitAxes with room for the stalls' legend entry.
func (rf *runPlot) fitAxes(p *plot.Plot, legendEntries int) {
	if rf.stalls != nil {
		legendEntries++
	}
	fitAxes(p, legendEntries)
}
