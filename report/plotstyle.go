package report

// The look shared by every figure, and how a figure reaches the disk.
//
// Figures are 8×4 inches: wide enough for tens of seconds of sawtooth, short
// enough to stack several on a page. PNGs are rendered at 150 dpi (1200×600
// pixels), sharp on a laptop screen without being heavy. Text is Liberation
// Sans, which gonum/plot bundles, so rendering does not depend on the fonts
// installed on the machine; SVGs name the font rather than embed it, which
// keeps them small. Flow colours follow the Okabe–Ito palette, which stays
// distinguishable under the common forms of colour blindness.
//
// Long runs give millions of samples; a figure is 1200 pixels wide, so each
// line is reduced to the minimum and maximum of each of 1 200 slices of
// time as it is built (lines.go), which keeps every peak and trough of a
// sawtooth while keeping the SVG small and the memory bounded.
//
// PNGs are compressed at zlib's fastest level: a figure is mostly flat
// colour, which the fastest level packs nearly as tightly, and the default
// level's encoding was a fifth of a short run's whole time.

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"sync"

	"git.sr.ht/~sbinet/gg"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

const (
	figureWidth  = 8 * vg.Inch
	figureHeight = 4 * vg.Inch
	pngDPI       = 150
	// maxLinePoints bounds the points drawn per line (lines.go).
	maxLinePoints = 2400
	// strokePoints is the most points stroked at once (addLine).
	strokePoints = 64
	// maxLegendFlows is the number of flows up to which each flow gets a
	// legend entry; beyond it the legend would hide the data.
	maxLegendFlows = 8
)

var (
	plotFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

	flowColors = []color.Color{
		color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
		color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
		color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
		color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
		color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
		color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
		color.RGBA{0x00, 0x00, 0x00, 0xFF}, // black
	}
	referenceColor = color.RGBA{0x55, 0x55, 0x55, 0xFF}
	gridColor      = color.RGBA{0xDD, 0xDD, 0xDD, 0xFF}
)

// rasterPool holds the figures' 1200×600 rasters between figures.
var rasterPool = sync.Pool{New: func() any {
	w, h := float64(figureWidth/vg.Inch*pngDPI), float64(figureHeight/vg.Inch*pngDPI)
	return image.NewRGBA(image.Rect(0, 0, int(w+0.5), int(h+0.5)))
}}

// pngEncoder is shared by every figure; png.Encoder is safe for concurrent
// use without a BufferPool.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed}

func flowColor(i int) color.Color { return flowColors[i%len(flowColors)] }

func solid(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2)}
}

func dashed(c color.Color) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

// thin draws raw samples under a smoothed estimate: narrower and paler than
// the estimate so it reads as background.
func thin(c color.Color) draw.LineStyle {
	r, g, b, _ := c.RGBA()
	pale := color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x80}
	return draw.LineStyle{Color: pale, Width: vg.Points(0.6)}
}

func reference() draw.LineStyle {
	return draw.LineStyle{Color: referenceColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(6), vg.Points(4)}}
}

// newFigure returns an empty plot with the house style: title, axis labels
// with units, light grid, legend in the top right corner.
func newFigure(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(plotFont, 14)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(plotFont, 12)
		ax.Tick.Label.Font = font.From(plotFont, 10)
		ax.Min = 0
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = roundTicks{target: 10}
	p.Y.Tick.Marker = roundTicks{target: 6}
	p.Legend.TextStyle.Font = font.From(plotFont, 10)
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(8)
	p.Legend.YOffs = -vg.Points(4)
	p.Legend.ThumbnailWidth = vg.Points(24)
	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	grid.Horizontal = grid.Vertical
	p.Add(grid)
	return p
}

// addLine draws runs (pieces of one series separated by gaps in the data,
// decimated by a lineBuilder) in one style, with one legend entry if label
// is not empty. An opaque line of many points is stroked in pieces of
// strokePoints that share their end points: the rasterizer's cost grows
// with the square of a stroke's crossings per pixel row, which a
// decimated sawtooth (a full-height zigzag per pixel column) makes large
// (a 1 000 000-sample run's figures took minutes). Where two pieces meet,
// only the antialiased edge of the seam differs from one stroke. A
// translucent line is stroked whole, so that no darker seam shows.
func addLine(p *plot.Plot, label string, style draw.LineStyle, runs []plotter.XYs) error {
	return addSteppedLine(p, label, style, runs, plotter.NoStep)
}

// addSteppedLine is addLine with the pieces drawn as steps of kind step: a
// value held until the next sample, for states rather than quantities.
func addSteppedLine(p *plot.Plot, label string, style draw.LineStyle, runs []plotter.XYs, step plotter.StepKind) error {
	_, _, _, alpha := style.Color.RGBA()
	first := true
	for _, run := range runs {
		pieces := []plotter.XYs{run}
		if alpha == 0xffff && len(run) > strokePoints {
			pieces = nil
			for i := 0; i < len(run)-1; i += strokePoints - 1 {
				pieces = append(pieces, run[i:min(i+strokePoints, len(run))])
			}
		}
		for _, piece := range pieces {
			l, err := plotter.NewLine(piece)
			if err != nil {
				return err
			}
			l.LineStyle = style
			l.StepStyle = step
			p.Add(l)
			if first && label != "" {
				p.Legend.Add(label, l)
			}
			first = false
		}
	}
	return nil
}

// addReference draws a labelled horizontal line at y across [0, xMax].
func addReference(p *plot.Plot, label string, y, xMax float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: xMax, Y: y}})
	if err != nil {
		return err
	}
	l.LineStyle = reference()
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// fitAxes pins both axes at zero and leaves room above the data for the
// legend, which gonum/plot draws inside the plot area: a fixed margin plus
// one line of text per entry.
func fitAxes(p *plot.Plot, legendEntries int) {
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min + 1
	}
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1
	}
	p.Y.Max *= 1.08 + 0.07*float64(legendEntries)
}

// saveFigure writes p as dir/name.png and dir/name.svg.
func saveFigure(p *plot.Plot, dir, name string) error {
	// The raster comes from a pool, with a context made for it: vgimg's
	// own would allocate the image, copy it into a second one for its
	// context and fill both. vgimg paints it white, so the plot's own
	// white background, a rectangle the rasterizer would fill pixel by
	// pixel, is left out of the PNG (the SVG keeps it).
	rgba := rasterPool.Get().(*image.RGBA)
	defer rasterPool.Put(rgba)
	ctx := gg.NewContextForRGBA(rgba)
	ctx.SetLineCapButt()
	ctx.InvertY()
	img := vgimg.NewWith(vgimg.UseImageWithContext(rgba, ctx), vgimg.UseDPI(pngDPI))
	background := p.BackgroundColor
	p.BackgroundColor = nil
	p.Draw(draw.New(img))
	p.BackgroundColor = background
	err := WriteFileAtomic(filepath.Join(dir, name+".png"), func(w io.Writer) error {
		return pngEncoder.Encode(w, img.Image())
	})
	if err != nil {
		return err
	}
	svg := vgsvg.New(figureWidth, figureHeight)
	p.Draw(draw.New(svg))
	return WriteFileAtomic(filepath.Join(dir, name+".svg"), func(w io.Writer) error {
		_, err := svg.WriteTo(w)
		return err
	})
}
