package report

// The figures of a connection-lifecycle run, drawn from census.csv and
// connections.csv:
//
//	census-<host>  the host's connections by state, stacked, against time
//	               (the server, and each client host; beyond
//	               maxCensusClients client hosts, one figure sums them all)
//	queues         the server listener's SYN-queue and accept-queue
//	               occupancy, with the backlog that bounds both
//	connect        each attempt's connect time and completion time against
//	               its start, failed attempts marked by reason

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
)

// maxCensusClients is the number of client hosts up to which each gets its
// own census figure.
const maxCensusClients = 4

// stateColors give each state one colour in every census figure: the
// Okabe–Ito palette, then greys for the rarely seen states.
var stateColors = [metrics.NumCensusStates]color.Color{
	color.RGBA{0x99, 0x99, 0x99, 0xFF}, // LISTEN
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // SYN-SENT
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // SYN-RECEIVED
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // ESTABLISHED
	color.RGBA{0xF0, 0xE4, 0x42, 0xFF}, // FIN-WAIT-1
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // FIN-WAIT-2
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // CLOSE-WAIT
	color.RGBA{0x44, 0x44, 0x44, 0xFF}, // CLOSING
	color.RGBA{0x88, 0x44, 0x00, 0xFF}, // LAST-ACK
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // TIME-WAIT
}

// LifecycleFigures lists the figures LifecyclePlots draws for a run whose
// census has hosts.
func LifecycleFigures(hosts []string) []string {
	var names []string
	for _, g := range censusGroups(hosts) {
		names = append(names, "census-"+g.name)
	}
	return append(names, "queues", "connect")
}

// LifecyclePlots draws the lifecycle figures of the run folder dir from
// its census.csv and connections.csv. title names the experiment; backlog
// is the server's, drawn on the queue figure.
func LifecyclePlots(dir, title string, backlog int) error {
	c, err := ReadCensusCSV(filepath.Join(dir, CensusFile))
	if err != nil {
		return err
	}
	conns, err := ReadConnectionsCSV(filepath.Join(dir, ConnectionsFile))
	if err != nil {
		return err
	}
	for _, g := range censusGroups(c.Hosts) {
		p, err := censusFigure(title, g, c)
		if err != nil {
			return fmt.Errorf("plotting census-%s: %w", g.name, err)
		}
		if err := saveFigure(p, dir, "census-"+g.name); err != nil {
			return err
		}
	}
	p, err := queuesFigure(title, c, backlog)
	if err != nil {
		return fmt.Errorf("plotting queues: %w", err)
	}
	if err := saveFigure(p, dir, "queues"); err != nil {
		return err
	}
	if p, err = connectFigure(title, conns); err != nil {
		return fmt.Errorf("plotting connect: %w", err)
	}
	return saveFigure(p, dir, "connect")
}

// censusGroup is the hosts one census figure sums.
type censusGroup struct {
	name  string
	hosts []int
}

// censusGroups is the server and each client, or the server and all the
// clients together when there are many.
func censusGroups(hosts []string) []censusGroup {
	if len(hosts) == 0 {
		return nil
	}
	groups := []censusGroup{{hosts[0], []int{0}}}
	if len(hosts)-1 <= maxCensusClients {
		for h := 1; h < len(hosts); h++ {
			groups = append(groups, censusGroup{hosts[h], []int{h}})
		}
		return groups
	}
	all := censusGroup{name: "clients"}
	for h := 1; h < len(hosts); h++ {
		all.hosts = append(all.hosts, h)
	}
	return append(groups, all)
}

// censusFigure stacks the group's connection counts by state, one filled
// band per state that occurs, in the order of the state diagram.
func censusFigure(title string, g censusGroup, c *metrics.Census) (*plot.Plot, error) {
	p := newFigure(title+": "+g.name+" connections by state", "Time (s)", "Connections")
	below := make([]float64, len(c.Times))
	entries := 0
	for s := range metrics.NumCensusStates {
		counts := make([]float64, len(c.Times))
		seen := false
		for k := range c.Times {
			for _, h := range g.hosts {
				counts[k] += float64(c.Row(k, h).States[s])
			}
			seen = seen || counts[k] > 0
		}
		if !seen {
			continue
		}
		band := make(plotter.XYs, 0, 2*len(c.Times))
		for k, t := range c.Times {
			band = append(band, plotter.XY{X: t.Seconds(), Y: below[k] + counts[k]})
		}
		for k := len(c.Times) - 1; k >= 0; k-- {
			band = append(band, plotter.XY{X: c.Times[k].Seconds(), Y: below[k]})
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color = stateColors[s]
		poly.LineStyle = draw.LineStyle{Color: stateColors[s], Width: vg.Points(0.3)}
		p.Add(poly)
		p.Legend.Add(metrics.CensusStates[s], poly)
		entries++
		for k := range below {
			below[k] += counts[k]
		}
	}
	fitAxes(p, entries)
	return p, nil
}

// queuesFigure draws the server's SYN queue and accept queue against time.
func queuesFigure(title string, c *metrics.Census, backlog int) (*plot.Plot, error) {
	p := newFigure(title+": server listen queues", "Time (s)", "Connections")
	syn := make(plotter.XYs, len(c.Times))
	acc := make(plotter.XYs, len(c.Times))
	for k, t := range c.Times {
		r := c.Row(k, 0)
		syn[k] = plotter.XY{X: t.Seconds(), Y: float64(r.SYNQueue)}
		acc[k] = plotter.XY{X: t.Seconds(), Y: float64(r.AcceptQueue)}
	}
	if err := addLine(p, "SYN queue (half-open)", solid(flowColor(1)), []plotter.XYs{syn}); err != nil {
		return nil, err
	}
	if err := addLine(p, "accept queue", solid(flowColor(0)), []plotter.XYs{acc}); err != nil {
		return nil, err
	}
	entries := 2
	if backlog > 0 && len(c.Times) > 0 {
		if err := addReference(p, fmt.Sprintf("backlog %d", backlog), float64(backlog), c.Times[len(c.Times)-1].Seconds()); err != nil {
			return nil, err
		}
		entries++
	}
	fitAxes(p, entries)
	return p, nil
}

// failureGlyphs mark failed attempts on the connect figure, by outcome.
var failureGlyphs = []struct {
	outcome string
	shape   draw.GlyphDrawer
	color   color.Color
}{
	{"no_port", draw.CrossGlyph{}, color.RGBA{0xCC, 0x00, 0x00, 0xFF}},
	{"timeout", draw.TriangleGlyph{}, color.RGBA{0xCC, 0x00, 0x00, 0xFF}},
	{"refused", draw.SquareGlyph{}, color.RGBA{0xCC, 0x00, 0x00, 0xFF}},
	{"reset", draw.PlusGlyph{}, color.RGBA{0xCC, 0x00, 0x00, 0xFF}},
}

// connectFigure plots every attempt's connect time and completion time
// against its start; failed attempts sit on the x axis, one mark per
// reason.
func connectFigure(title string, conns []Connection) (*plot.Plot, error) {
	p := newFigure(title+": connect time and completion time", "Connection start (s)", "Time (ms)")
	var connect, fct plotter.XYs
	failed := make([]plotter.XYs, len(failureGlyphs))
	for _, c := range conns {
		if !math.IsNaN(c.ConnectMs) {
			connect = append(connect, plotter.XY{X: c.Start, Y: c.ConnectMs})
		}
		if !math.IsNaN(c.FCTMs) {
			fct = append(fct, plotter.XY{X: c.Start, Y: c.FCTMs})
		}
		for i, g := range failureGlyphs {
			if c.Outcome == g.outcome {
				failed[i] = append(failed[i], plotter.XY{X: c.Start, Y: 0})
			}
		}
	}
	entries := 0
	add := func(label string, xys plotter.XYs, style draw.GlyphStyle) error {
		if len(xys) == 0 {
			return nil
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.GlyphStyle = style
		p.Add(s)
		p.Legend.Add(label, s)
		entries++
		return nil
	}
	if err := add("completion (FCT)", fct, draw.GlyphStyle{Color: flowColor(1), Radius: vg.Points(1.5), Shape: draw.RingGlyph{}}); err != nil {
		return nil, err
	}
	if err := add("connect", connect, draw.GlyphStyle{Color: flowColor(0), Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}); err != nil {
		return nil, err
	}
	for i, g := range failureGlyphs {
		if err := add("failed: "+g.outcome, failed[i], draw.GlyphStyle{Color: g.color, Radius: vg.Points(2.5), Shape: g.shape}); err != nil {
			return nil, err
		}
	}
	fitAxes(p, entries)
	return p, nil
}
