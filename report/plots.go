package report

// The figures of one run, each against simulated time:
//
//	throughput  goodput per flow (Mbit/s), with the bottleneck rate
//	cwnd        congestion window and slow-start threshold per flow (kB)
//	rto         retransmission timeout and smoothed RTT per flow (ms)
//	rtt         smoothed RTT and the latest RTT sample per flow (ms)
//	queue       bottleneck queue occupancy (kB), with the buffer size
//
// Plots runs once per run, after the simulation; nothing here is on the
// per-packet path.

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"ccbench/metrics"
	"ccbench/units"
)

// Plots renders every figure of a run into dir as PNG and SVG. title names
// the experiment; each figure's title adds the flows' algorithms and what
// the figure shows. bufferBytes is the bottleneck buffer, 0 if unbounded;
// linkRate 0 leaves out the rate line.
func Plots(dir string, title string, flows []*metrics.FlowSeries, link []metrics.LinkSample, linkRate units.Rate, bufferBytes int) error {
	heading := title
	if algs := algorithms(flows); algs != "" {
		heading += " (" + algs + ")"
	}
	tMax := lastTime(flows, link)
	figures := []struct {
		name  string
		build func() (*plot.Plot, error)
	}{
		{"throughput", func() (*plot.Plot, error) { return throughputFigure(heading, flows, linkRate, tMax) }},
		{"cwnd", func() (*plot.Plot, error) { return cwndFigure(heading, flows) }},
		{"rto", func() (*plot.Plot, error) { return rtoFigure(heading, flows) }},
		{"rtt", func() (*plot.Plot, error) { return rttFigure(heading, flows) }},
		{"queue", func() (*plot.Plot, error) { return queueFigure(heading, link, bufferBytes, tMax) }},
		{"queue_delay", func() (*plot.Plot, error) { return queueDelayFigure(heading, link) }},
	}
	for _, f := range figures {
		p, err := f.build()
		if err != nil {
			return fmt.Errorf("plotting %s: %w", f.name, err)
		}
		if err := saveFigure(p, dir, f.name); err != nil {
			return err
		}
	}
	return ccFigures(dir, heading, flows)
}

func throughputFigure(heading string, flows []*metrics.FlowSeries, linkRate units.Rate, tMax float64) (*plot.Plot, error) {
	p := newFigure(heading+": throughput", "Time (s)", "Throughput (Mbit/s)")
	entries := flowEntries(flows, 1)
	for i, f := range flows {
		runs := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.ThroughputBps / 1e6, true })
		if err := addLine(p, legendLabel(flows, i, ""), solid(flowColor(i)), runs); err != nil {
			return nil, err
		}
	}
	if linkRate > 0 {
		if err := addReference(p, "link rate "+linkRate.String(), linkRate.Mbps(), tMax); err != nil {
			return nil, err
		}
		entries++
	}
	fitAxes(p, entries)
	return p, nil
}

func cwndFigure(heading string, flows []*metrics.FlowSeries) (*plot.Plot, error) {
	p := newFigure(heading+": congestion window", "Time (s)", "Window (kB)")
	entries := flowEntries(flows, 2)
	for i, f := range flows {
		cwnd := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return float64(s.Cwnd) / 1e3, true })
		ssthresh := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) {
			return float64(s.Ssthresh) / 1e3, s.Ssthresh < InfiniteSsthresh
		})
		if err := addLine(p, legendLabel(flows, i, "cwnd"), solid(flowColor(i)), cwnd); err != nil {
			return nil, err
		}
		if err := addLine(p, legendLabel(flows, i, "ssthresh"), dashed(flowColor(i)), ssthresh); err != nil {
			return nil, err
		}
	}
	fitAxes(p, entries)
	return p, nil
}

func rtoFigure(heading string, flows []*metrics.FlowSeries) (*plot.Plot, error) {
	p := newFigure(heading+": retransmission timeout", "Time (s)", "Time (ms)")
	entries := flowEntries(flows, 2)
	for i, f := range flows {
		rto := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.RTO.Milliseconds(), s.RTO > 0 })
		srtt := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.SRTT.Milliseconds(), s.SRTT > 0 })
		if err := addLine(p, legendLabel(flows, i, "RTO"), solid(flowColor(i)), rto); err != nil {
			return nil, err
		}
		if err := addLine(p, legendLabel(flows, i, "SRTT"), dashed(flowColor(i)), srtt); err != nil {
			return nil, err
		}
	}
	fitAxes(p, entries)
	return p, nil
}

func rttFigure(heading string, flows []*metrics.FlowSeries) (*plot.Plot, error) {
	p := newFigure(heading+": round-trip time", "Time (s)", "RTT (ms)")
	entries := flowEntries(flows, 2)
	for i, f := range flows {
		sample := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.LastRTT.Milliseconds(), s.LastRTT > 0 })
		srtt := flowRuns(f, func(s *metrics.FlowSample) (float64, bool) { return s.SRTT.Milliseconds(), s.SRTT > 0 })
		if err := addLine(p, legendLabel(flows, i, "RTT sample"), thin(flowColor(i)), sample); err != nil {
			return nil, err
		}
		if err := addLine(p, legendLabel(flows, i, "SRTT"), solid(flowColor(i)), srtt); err != nil {
			return nil, err
		}
	}
	fitAxes(p, entries)
	return p, nil
}

func queueFigure(heading string, link []metrics.LinkSample, bufferBytes int, tMax float64) (*plot.Plot, error) {
	p := newFigure(heading+": bottleneck queue", "Time (s)", "Queue (kB)")
	queue := make(plotter.XYs, len(link))
	for i, s := range link {
		queue[i] = plotter.XY{X: s.T.Seconds(), Y: float64(s.QueueBytes) / 1e3}
	}
	entries := 1
	var runs []plotter.XYs
	if len(queue) > 0 {
		runs = []plotter.XYs{queue}
	}
	if err := addLine(p, "queue", solid(flowColor(0)), runs); err != nil {
		return nil, err
	}
	if bufferBytes > 0 {
		label := "buffer " + formatKB(bufferBytes)
		if err := addReference(p, label, float64(bufferBytes)/1e3, tMax); err != nil {
			return nil, err
		}
		entries++
	}
	fitAxes(p, entries)
	return p, nil
}

// flowRuns extracts one quantity of a flow as (seconds, value) points,
// split into separate runs wherever value reports the quantity undefined
// (ssthresh before the first loss, RTT before the first sample), so a line
// never bridges a gap.
func flowRuns(f *metrics.FlowSeries, value func(*metrics.FlowSample) (float64, bool)) []plotter.XYs {
	var runs []plotter.XYs
	var run plotter.XYs
	for i := range f.Samples {
		s := &f.Samples[i]
		v, ok := value(s)
		if !ok {
			if len(run) > 0 {
				runs = append(runs, run)
				run = nil
			}
			continue
		}
		run = append(run, plotter.XY{X: s.T.Seconds(), Y: v})
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// legendLabel names flow i's line ("flow 0 (reno) cwnd"), or returns "" when
// there are too many flows to label.
func legendLabel(flows []*metrics.FlowSeries, i int, quantity string) string {
	if !labelled(flows) {
		return ""
	}
	f := flows[i]
	name := f.Name
	if name == "" {
		name = fmt.Sprintf("flow %d", f.ID)
	}
	label := name + " (" + f.CC + ")"
	if quantity != "" {
		label += " " + quantity
	}
	return label
}

// labelled reports whether flows are few enough to each get legend entries.
func labelled(flows []*metrics.FlowSeries) bool { return len(flows) <= maxLegendFlows }

// flowEntries is the number of legend entries for perFlow lines per flow.
func flowEntries(flows []*metrics.FlowSeries, perFlow int) int {
	if !labelled(flows) {
		return 0
	}
	return perFlow * len(flows)
}

// algorithms lists the flows' congestion controls in order of first
// appearance: "reno" or "reno, cubic".
func algorithms(flows []*metrics.FlowSeries) string {
	var names []string
	for _, f := range flows {
		if f.CC != "" && !slices.Contains(names, f.CC) {
			names = append(names, f.CC)
		}
	}
	return strings.Join(names, ", ")
}

// lastTime is the latest sample time in seconds, where reference lines end.
func lastTime(flows []*metrics.FlowSeries, link []metrics.LinkSample) float64 {
	var t units.Time
	for _, f := range flows {
		if n := len(f.Samples); n > 0 {
			t = max(t, f.Samples[n-1].T)
		}
	}
	if n := len(link); n > 0 {
		t = max(t, link[n-1].T)
	}
	return t.Seconds()
}

// formatKB writes a byte count in kB with at most one decimal: "150 kB".
func formatKB(n int) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e3), ".0") + " kB"
}

// queueDelayFigure plots the mean queueing delay of the packets served in
// each sample interval, and the CE marks per interval when there are any.
func queueDelayFigure(heading string, link []metrics.LinkSample) (*plot.Plot, error) {
	p := newFigure(heading+": queueing delay", "Time (s)", "Delay (ms)")
	delay := make(plotter.XYs, 0, len(link))
	for i, s := range link {
		if i == 0 {
			continue
		}
		delay = append(delay, plotter.XY{X: s.T.Seconds(), Y: intervalQueueDelay(link, i).Milliseconds()})
	}
	var runs []plotter.XYs
	if len(delay) > 0 {
		runs = []plotter.XYs{delay}
	}
	if err := addLine(p, "mean per interval", solid(flowColor(0)), runs); err != nil {
		return nil, err
	}
	fitAxes(p, 1)
	return p, nil
}
