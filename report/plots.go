package report

// The figures of one run, each against simulated time:
//
//	throughput  goodput per flow (Mbit/s), with the bottleneck rate
//	cwnd        congestion window and slow-start threshold per flow (kB)
//	rto         retransmission timeout and smoothed RTT per flow (ms)
//	rtt         smoothed RTT and the latest RTT sample per flow (ms)
//	queue       bottleneck queue occupancy (kB), with the buffer size
//	queue_delay mean queueing delay per sample interval (ms)
//
// and, from ccplots.go, the pacing rate and the algorithms' internals. On
// a real-time run's figures, the relay's stalls are shaded (stalls.go).
//
// The figures are built sample by sample (runPlot), from the CSV files
// row by row (PlotRun) or from series in memory (Plots), and hold bounded
// memory whatever the run's length or flow count: each line is decimated
// to the figure's resolution (lines.go), and a run of more than
// maxDrawnFlows flows draws its first maxLegendFlows flows one by one and
// all of them as bands, lowest to highest and 10th to 90th percentile,
// with their mean, which the title and the legend say. Nothing here is on the per-packet path.

import (
	"fmt"
	"image/color"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// maxDrawnFlows is the number of flows up to which every flow gets its
// own lines; beyond it the lines would be a mass no eye can follow (16
// colours repeat, unlabelled past maxLegendFlows), and their memory would
// grow with the flows.
const maxDrawnFlows = 16

// The per-flow quantities the run's figures draw.
const (
	qThroughput = iota
	qCwnd
	qSsthresh
	qRTO
	qSRTT
	qRTTSample
	qPacing
	quantities
)

// flowValue is quantity q of a sample, and whether it is defined there.
func flowValue(q int, s *metrics.FlowSample) (float64, bool) {
	switch q {
	case qThroughput:
		return s.ThroughputBps / 1e6, true
	case qCwnd:
		return float64(s.Cwnd) / 1e3, true
	case qSsthresh:
		return float64(s.Ssthresh) / 1e3, s.Ssthresh < InfiniteSsthresh
	case qRTO:
		return s.RTO.Milliseconds(), s.RTO > 0
	case qSRTT:
		return s.SRTT.Milliseconds(), s.SRTT > 0
	case qRTTSample:
		return s.LastRTT.Milliseconds(), s.LastRTT > 0
	case qPacing:
		return s.PacingBps / 1e6, s.PacingBps > 0
	}
	return 0, false
}

// plotFlow names a flow in the figures; Endpoints, a real-time flow's
// sender and receiver ("stack→kernel"), joins the algorithm in its legend.
type plotFlow struct {
	ID                  int
	Name, CC, Endpoints string
}

// runPlot collects a run's figures sample by sample.
type runPlot struct {
	title   string
	heading string
	flows   []plotFlow
	// drawn is how many flows get their own lines; aggregated says the
	// rest are drawn as bands.
	drawn      int
	aggregated bool
	span       float64
	lines      [][quantities]*lineBuilder
	bands      [quantities]*bandBuilder
	// The algorithms' internal values, by name in order of first
	// appearance: a line per drawn flow and, when aggregated, a band.
	internals []string
	intIndex  map[string]int
	intLines  [][]*lineBuilder
	intBands  []*bandBuilder
	paced     bool
	queue     *lineBuilder
	delay     *lineBuilder
	linkSeen  bool
	tMax      units.Time
	// stalls shades a real-time run's relay stalls on every figure
	// (stalls.go); nil when it had none.
	stalls *stallShade
	// limits, when not nil, are the least tops of the figures' axes, the
	// same for every run of a sweep (sharedaxes.go).
	limits AxisLimits
}

// newRunPlot starts the figures of a run of flows whose samples lie in
// [0, span] seconds.
func newRunPlot(title string, flows []plotFlow, span float64) *runPlot {
	rf := &runPlot{title: title, heading: title, flows: flows, span: span, intIndex: map[string]int{}}
	if algs := algorithms(flows); algs != "" {
		rf.heading += " (" + algs + ")"
	}
	rf.drawn = len(flows)
	if len(flows) > maxDrawnFlows {
		rf.drawn, rf.aggregated = maxLegendFlows, true
		for q := range rf.bands {
			rf.bands[q] = newBandBuilder(span)
		}
	}
	rf.lines = make([][quantities]*lineBuilder, rf.drawn)
	for i := range rf.lines {
		for q := range rf.lines[i] {
			rf.lines[i][q] = newLineBuilder(span)
		}
	}
	rf.intLines = make([][]*lineBuilder, rf.drawn)
	rf.queue, rf.delay = newLineBuilder(span), newLineBuilder(span)
	return rf
}

// flowSample adds a sample of the i-th flow.
func (rf *runPlot) flowSample(i int, s *metrics.FlowSample) {
	rf.tMax = max(rf.tMax, s.T)
	x := s.T.Seconds()
	for q := range quantities {
		v, ok := flowValue(q, s)
		if q == qPacing && ok {
			rf.paced = true
		}
		if i < rf.drawn {
			if ok {
				rf.lines[i][q].add(x, v)
			} else {
				rf.lines[i][q].skip()
			}
		}
		if rf.aggregated && ok {
			rf.bands[q].add(x, v)
		}
	}
	for j := 0; j < s.CC.N; j++ {
		name := s.CC.Names[j]
		k, ok := rf.intIndex[name]
		if !ok {
			k = len(rf.internals)
			rf.intIndex[name] = k
			rf.internals = append(rf.internals, name)
			if rf.aggregated {
				rf.intBands = append(rf.intBands, newBandBuilder(rf.span))
			}
		}
		if rf.aggregated {
			rf.intBands[k].add(x, s.CC.Values[j])
		}
	}
	if i >= rf.drawn {
		return
	}
	lines := rf.intLines[i]
	for k, name := range rf.internals {
		v, ok := internal(s, name)
		if !ok {
			if k < len(lines) && lines[k] != nil {
				lines[k].skip()
			}
			continue
		}
		for len(lines) <= k {
			lines = append(lines, nil)
		}
		if lines[k] == nil {
			lines[k] = newLineBuilder(rf.span)
		}
		lines[k].add(x, v)
	}
	rf.intLines[i] = lines
}

// linkSample adds a bottleneck sample with the mean queueing delay of the
// interval it ends; first marks the run's first sample, which ends no
// interval.
func (rf *runPlot) linkSample(s *metrics.LinkSample, delay units.Duration, first bool) {
	rf.tMax = max(rf.tMax, s.T)
	rf.linkSeen = true
	x := s.T.Seconds()
	rf.queue.add(x, float64(s.QueueBytes)/1e3)
	if !first {
		rf.delay.add(x, delay.Milliseconds())
	}
}

// Plots renders every figure of a run into dir as PNG and SVG from series
// held in memory. title names the experiment; each figure's title adds the
// flows' algorithms and what the figure shows. bufferBytes is the
// bottleneck buffer, 0 if unbounded; linkRate 0 leaves out the rate line.
func Plots(dir string, title string, flows []*metrics.FlowSeries, link []metrics.LinkSample, linkRate units.Rate, bufferBytes int) error {
	names := make([]plotFlow, len(flows))
	var end units.Time
	for i, f := range flows {
		names[i] = plotFlow{ID: f.ID, Name: f.Name, CC: f.CC}
		if n := len(f.Samples); n > 0 {
			end = max(end, f.Samples[n-1].T)
		}
	}
	if n := len(link); n > 0 {
		end = max(end, link[n-1].T)
	}
	rf := newRunPlot(title, names, end.Seconds())
	for i, f := range flows {
		for j := range f.Samples {
			rf.flowSample(i, &f.Samples[j])
		}
	}
	for i := range link {
		var prev *metrics.LinkSample
		if i > 0 {
			prev = &link[i-1]
		}
		rf.linkSample(&link[i], intervalQueueDelay(&link[i], prev), i == 0)
	}
	return rf.draw(dir, linkRate, bufferBytes)
}

// figure is one figure to build and save.
type figure struct {
	name  string
	build func() (*plot.Plot, error)
}

// draw builds and saves every figure, several at once.
func (rf *runPlot) draw(dir string, linkRate units.Rate, bufferBytes int) error {
	return saveFigures(dir, rf.limited(rf.figures(linkRate, bufferBytes)))
}

// figures are the run's time-series figures, to be built.
func (rf *runPlot) figures(linkRate units.Rate, bufferBytes int) []figure {
	tMax := rf.tMax.Seconds()
	figures := []figure{
		{"throughput", func() (*plot.Plot, error) { return rf.throughputFigure(linkRate, tMax) }},
		{"cwnd", func() (*plot.Plot, error) {
			return rf.flowFigure("congestion window", "Window (kB)", []flowLine{{qCwnd, "cwnd", solid}, {qSsthresh, "ssthresh", dashed}})
		}},
		{"rto", func() (*plot.Plot, error) {
			return rf.flowFigure("retransmission timeout", "Time (ms)", []flowLine{{qRTO, "RTO", solid}, {qSRTT, "SRTT", dashed}})
		}},
		{"rtt", func() (*plot.Plot, error) {
			return rf.flowFigure("round-trip time", "RTT (ms)", []flowLine{{qRTTSample, "RTT sample", thin}, {qSRTT, "SRTT", solid}})
		}},
		{"queue", func() (*plot.Plot, error) { return rf.queueFigure(bufferBytes, tMax) }},
		{"queue_delay", rf.queueDelayFigure},
	}
	return append(figures, rf.ccFigures()...)
}

// saveFigures builds and saves figures on up to GOMAXPROCS goroutines;
// each figure's bytes do not depend on the others.
func saveFigures(dir string, figures []figure) error {
	workers := min(runtime.GOMAXPROCS(0), len(figures))
	errs := make([]error, len(figures))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				p, err := figures[i].build()
				if err != nil {
					errs[i] = fmt.Errorf("plotting %s: %w", figures[i].name, err)
					continue
				}
				errs[i] = saveFigure(p, dir, figures[i].name)
			}
		})
	}
	for i := range figures {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// flowLine is one of a flow's lines in a figure: a quantity, its legend
// word and its style.
type flowLine struct {
	q     int
	what  string
	style func(color.Color) draw.LineStyle
}

// newRunFigure starts a figure of the run, its title saying what it shows
// and, when the flows are aggregated, how.
func (rf *runPlot) newRunFigure(what, yLabel string) *plot.Plot {
	title := rf.heading + ": " + what
	if rf.aggregated {
		title += fmt.Sprintf(" (flows 0–%d of %d drawn; band and mean: all)", rf.drawn-1, len(rf.flows))
	}
	return rf.newTimeFigure(title, yLabel)
}

func (rf *runPlot) throughputFigure(linkRate units.Rate, tMax float64) (*plot.Plot, error) {
	p := rf.newRunFigure("throughput", "Throughput (Mbit/s)")
	entries := rf.flowEntries(1)
	for i := range rf.drawn {
		if err := addLine(p, rf.legendLabel(i, ""), solid(flowColor(i)), rf.lines[i][qThroughput].lines()); err != nil {
			return nil, err
		}
	}
	if err := rf.addBand(p, rf.bands[qThroughput]); err != nil {
		return nil, err
	}
	if linkRate > 0 {
		if err := addReference(p, "link rate "+linkRate.String(), linkRate.Mbps(), tMax); err != nil {
			return nil, err
		}
		entries++
	}
	rf.fitAxes(p, entries)
	return p, nil
}

// flowFigure draws two quantities of every drawn flow, and their bands.
func (rf *runPlot) flowFigure(what, yLabel string, lines []flowLine) (*plot.Plot, error) {
	p := rf.newRunFigure(what, yLabel)
	for i := range rf.drawn {
		for _, l := range lines {
			if err := addLine(p, rf.legendLabel(i, l.what), l.style(flowColor(i)), rf.lines[i][l.q].lines()); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range lines {
		if err := rf.addBand(p, rf.bands[l.q], l.what); err != nil {
			return nil, err
		}
	}
	rf.fitAxes(p, rf.flowEntries(len(lines)))
	return p, nil
}

func (rf *runPlot) queueFigure(bufferBytes int, tMax float64) (*plot.Plot, error) {
	p := rf.newTimeFigure(rf.heading+": bottleneck queue", "Queue (kB)")
	entries := 1
	if err := addLine(p, "queue", solid(flowColor(0)), rf.queue.lines()); err != nil {
		return nil, err
	}
	if bufferBytes > 0 {
		label := "buffer " + formatKB(bufferBytes)
		if err := addReference(p, label, float64(bufferBytes)/1e3, tMax); err != nil {
			return nil, err
		}
		entries++
	}
	rf.fitAxes(p, entries)
	return p, nil
}

// queueDelayFigure plots the mean queueing delay of the packets served in
// each sample interval.
func (rf *runPlot) queueDelayFigure() (*plot.Plot, error) {
	p := rf.newTimeFigure(rf.heading+": queueing delay", "Delay (ms)")
	if err := addLine(p, "mean per interval", solid(flowColor(0)), rf.delay.lines()); err != nil {
		return nil, err
	}
	rf.fitAxes(p, 1)
	return p, nil
}

// bandColor fills the band of all flows: grey, light enough that the
// drawn flows' lines stay readable on it.
var (
	bandColor = color.NRGBA{0x80, 0x80, 0x80, 0x50}
	meanColor = color.RGBA{0x33, 0x33, 0x33, 0xFF}
)

// addBand draws b, when the flows are aggregated, as a shaded band from
// the lowest to the highest value of all flows with their mean as a line,
// with legend entries; what is added to the labels.
func (rf *runPlot) addBand(p *plot.Plot, b *bandBuilder, what ...string) error {
	if b == nil {
		return nil
	}
	poly, mean := b.outline()
	if len(mean) == 0 {
		return nil
	}
	suffix := ""
	if len(what) > 0 && what[0] != "" {
		suffix = " " + what[0]
	}
	band, err := plotter.NewPolygon(poly)
	if err != nil {
		return err
	}
	band.Color = bandColor
	band.LineStyle.Width = 0
	p.Add(band)
	p.Legend.Add(fmt.Sprintf("all %d flows%s: lowest to highest", len(rf.flows), suffix), band)
	// The middle 80%, darker over the full range: what most flows saw,
	// which one starved or one lucky flow does not widen.
	mid, err := plotter.NewPolygon(b.percentiles(0.1, 0.9))
	if err != nil {
		return err
	}
	mid.Color = bandColor
	mid.LineStyle.Width = 0
	p.Add(mid)
	p.Legend.Add(fmt.Sprintf("all %d flows%s: 10th to 90th percentile", len(rf.flows), suffix), mid)
	l, err := plotter.NewLine(mean)
	if err != nil {
		return err
	}
	l.LineStyle = draw.LineStyle{Color: meanColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("all %d flows%s: mean", len(rf.flows), suffix), l)
	return nil
}

// legendLabel names drawn flow i's line ("flow 0 reno cwnd", "flow 1
// cubic (stack→kernel) cwnd"), or returns "" when there are too many flows
// to label. A run names its flows "flow0-reno", which already says the
// algorithm, so such a name is written as "flow 0" and the algorithm
// once; another name is kept as given.
func (rf *runPlot) legendLabel(i int, quantity string) string {
	if !rf.labelled() {
		return ""
	}
	f := rf.flows[i]
	name := f.Name
	if name == "" || name == "flow"+strconv.Itoa(f.ID)+"-"+f.CC {
		name = "flow " + strconv.Itoa(f.ID)
	}
	label := name + " " + f.CC
	if f.Endpoints != "" {
		label += " (" + f.Endpoints + ")"
	}
	if quantity != "" {
		label += " " + quantity
	}
	return label
}

// labelled reports whether the drawn flows each get legend entries.
func (rf *runPlot) labelled() bool {
	return len(rf.flows) <= maxLegendFlows || rf.aggregated
}

// flowEntries is the number of legend entries for perFlow lines per drawn
// flow, and the bands.
func (rf *runPlot) flowEntries(perFlow int) int {
	n := 0
	if rf.labelled() {
		n = perFlow * rf.drawn
	}
	if rf.aggregated {
		n += 3 * perFlow
	}
	return n
}

// algorithms lists the flows' congestion controls in order of first
// appearance: "reno" or "reno, cubic".
func algorithms(flows []plotFlow) string {
	var names []string
	for _, f := range flows {
		if f.CC != "" && !slices.Contains(names, f.CC) {
			names = append(names, f.CC)
		}
	}
	return strings.Join(names, ", ")
}

// formatKB writes a byte count in kB with at most one decimal: "150 kB".
func formatKB(n int) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e3), ".0") + " kB"
}
