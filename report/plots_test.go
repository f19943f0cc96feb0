package report

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

var plotDir = flag.String("plotdir", "", "also write the test figures to this directory, to look at them")

var figureNames = []string{"throughput", "cwnd", "rto", "rtt", "queue", "queue_delay"}

// sawtooth builds a Reno-like run: two flows sharing a 10 Mbit/s bottleneck
// with a 60 kB buffer, each window growing by one segment per RTT and
// halving when the queue overflows, sampled every 10 ms for 6 s.
func sawtooth() ([]*metrics.FlowSeries, []metrics.LinkSample) {
	const (
		mss      = 1448
		interval = 10 * units.Millisecond
		baseRTT  = 40 * units.Millisecond
		duration = 6 * units.Second
		buffer   = 60_000
	)
	rate := units.Rate(10 * units.MbitPerSecond)
	bdp := int(rate.BytesIn(baseRTT))
	rec := metrics.NewRecorder(interval, 100*units.Millisecond)
	flows := []*metrics.FlowSeries{
		rec.AddFlow(0, "", "reno", 0),
		rec.AddFlow(1, "late", "reno", units.Time(500*units.Millisecond)),
	}
	cwnd := []int{10 * mss, 10 * mss}
	ssthresh := []int{1<<31 - 1, 1<<31 - 1}
	var delivered [2]int64
	var retrans [2]int64
	var linkDelivered, drops int64
	for now := units.Time(0); now <= units.Time(duration); now += units.Time(interval) {
		total := 0
		for i, f := range flows {
			if now >= f.Start {
				total += cwnd[i]
			}
		}
		queue := max(total-bdp, 0)
		rtt := baseRTT + rate.TxTime(queue)
		overflow := queue > buffer
		for i, f := range flows {
			if now < f.Start {
				continue
			}
			share := int64(cwnd[i]) * int64(units.Second) / int64(rtt) * int64(interval) / int64(units.Second)
			delivered[i] += share
			linkDelivered += share
			f.RTT.Record(rtt)
			if overflow {
				ssthresh[i] = cwnd[i] / 2
				cwnd[i] = ssthresh[i]
				retrans[i]++
				drops++
			} else if cwnd[i] < ssthresh[i] {
				cwnd[i] *= 2
			} else {
				cwnd[i] += mss * int(interval) / int(rtt)
			}
			phase := "congestion_avoidance"
			if cwnd[i] < ssthresh[i] {
				phase = "slow_start"
			}
			f.Record(metrics.FlowSample{
				T: now, Cwnd: cwnd[i], Ssthresh: ssthresh[i], Inflight: cwnd[i],
				SRTT: rtt, RTTVar: rtt / 8, RTO: max(200*units.Millisecond, rtt+4*rtt/8), LastRTT: rtt + units.Duration(now%7)*units.Millisecond,
				Retransmits: retrans[i], Delivered: delivered[i], State: "ESTABLISHED", Phase: phase,
			})
		}
		rec.RecordLink(metrics.LinkSample{T: now, QueueBytes: min(queue, buffer), QueuePackets: min(queue, buffer) / mss, Drops: drops, DeliveredBytes: linkDelivered})
	}
	return rec.Flows(), rec.Link()
}

func renderPlots(dir string) (map[string][]byte, error) {
	flows, link := sawtooth()
	if err := Plots(dir, "bottleneck", flows, link, 10*units.MbitPerSecond, 60_000); err != nil {
		return nil, err
	}
	files := make(map[string][]byte)
	for _, name := range figureNames {
		for _, ext := range []string{".png", ".svg"} {
			b, err := os.ReadFile(filepath.Join(dir, name+ext))
			if err != nil {
				return nil, err
			}
			files[name+ext] = b
		}
	}
	return files, nil
}

func TestPlotsProduceEveryFigure(t *testing.T) {
	dir := t.TempDir()
	if *plotDir != "" {
		if err := os.MkdirAll(*plotDir, 0o755); err != nil {
			t.Fatal(err)
		}
		dir = *plotDir
	}
	files, err := renderPlots(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range figureNames {
		img, err := png.Decode(bytes.NewReader(files[name+".png"]))
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 600 {
			t.Errorf("%s.png is %dx%d, want 1200x600 (8x4 in at 150 dpi)", name, b.Dx(), b.Dy())
		}
		svg := string(files[name+".svg"])
		if !strings.HasPrefix(svg, "<?xml") || !strings.HasSuffix(svg, "</svg>\n") {
			t.Errorf("%s.svg is not a complete SVG document", name)
		}
		if !strings.Contains(svg, "bottleneck (reno)") {
			t.Errorf("%s.svg title lacks the experiment and algorithm", name)
		}
	}
	for name, want := range map[string]string{
		"throughput.svg": "link rate 10Mbit/s",
		"queue.svg":      "buffer 60 kB",
		"cwnd.svg":       "late reno ssthresh",
		"rtt.svg":        "flow 0 reno RTT sample",
	} {
		if !strings.Contains(string(files[name]), want) {
			t.Errorf("%s lacks the legend entry %q", name, want)
		}
	}
	if entries := dirEntries(t, dir); *plotDir == "" && len(entries) != 2*len(figureNames) {
		t.Errorf("plot directory holds %v, want exactly the %d figures", entries, 2*len(figureNames))
	}
}

func TestPlotsByteIdentical(t *testing.T) {
	// Two renders at once, as parallel sweep workers would, must agree with
	// each other and with a third rendered alone.
	var wg sync.WaitGroup
	results := make([]map[string][]byte, 3)
	errs := make([]error, 3)
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for i := range 2 {
		wg.Go(func() { results[i], errs[i] = renderPlots(dirs[i]) })
	}
	wg.Wait()
	results[2], errs[2] = renderPlots(dirs[2])
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range results[0] {
		for i := 1; i < 3; i++ {
			if !bytes.Equal(results[i][name], want) {
				t.Errorf("%s differs between identical renders (%d vs %d bytes)", name, len(results[i][name]), len(want))
			}
		}
	}
}

func TestPlotsWithoutData(t *testing.T) {
	dir := t.TempDir()
	if err := Plots(dir, "empty", nil, nil, 0, 0); err != nil {
		t.Fatal(err)
	}
	if got := len(dirEntries(t, dir)); got != 2*len(figureNames) {
		t.Fatalf("%d files, want %d", got, 2*len(figureNames))
	}
}

func TestLineBuilderKeepsExtremesInBoundedPoints(t *testing.T) {
	flows, _ := sawtooth()
	// The 6 s sawtooth repeated 1000 times: 601 000 points, far beyond
	// what a figure draws.
	const repeats = 1000
	span := 6.0 * repeats
	l := newLineBuilder(span)
	var lo, hi = math.Inf(1), math.Inf(-1)
	for r := range repeats {
		for _, s := range flows[0].Samples {
			y := float64(s.Cwnd)
			l.add(float64(r)*6+s.T.Seconds(), y)
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	runs := l.lines()
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1: the line has no gap", len(runs))
	}
	small := runs[0]
	if len(small) > maxLinePoints {
		t.Fatalf("decimated to %d points, want at most %d", len(small), maxLinePoints)
	}
	slo, shi := small[0].Y, small[0].Y
	for i, p := range small {
		slo, shi = min(slo, p.Y), max(shi, p.Y)
		if i > 0 && p.X <= small[i-1].X {
			t.Fatalf("decimated points out of time order at %d", i)
		}
	}
	if slo != lo || shi != hi {
		t.Fatalf("decimation lost extremes: [%v, %v], want [%v, %v]", slo, shi, lo, hi)
	}
	// Every slice of the time axis keeps its own lowest and highest
	// point: here each 5 s slice holds one whole period's trough and peak.
	if len(small) < maxLinePoints*9/10 {
		t.Fatalf("decimated to %d points, want nearly %d (two per slice)", len(small), maxLinePoints)
	}
}

func TestLineBuilderKeepsShortLinesAndGaps(t *testing.T) {
	l := newLineBuilder(10)
	l.add(0, 1)
	l.add(1, 2)
	l.skip()
	l.skip()
	l.add(3, 4)
	runs := l.lines()
	if len(runs) != 2 || len(runs[0]) != 2 || len(runs[1]) != 1 || runs[1][0].Y != 4 {
		t.Fatalf("runs %v, want [(0,1) (1,2)] [(3,4)]", runs)
	}
	// A line that starts undefined has no empty first run.
	l = newLineBuilder(10)
	l.skip()
	l.add(2, 5)
	if runs := l.lines(); len(runs) != 1 {
		t.Fatalf("runs %v, want one", runs)
	}
}

func TestManyFlowsAreDrawnAsBand(t *testing.T) {
	const n = 200
	rec := metrics.NewRecorder(100*units.Millisecond, 0)
	var flows []*metrics.FlowSeries
	for i := range n {
		f := rec.AddFlow(i, "", "cubic", 0)
		for k := range 51 {
			now := units.Time(k) * units.Time(100*units.Millisecond)
			f.Record(metrics.FlowSample{T: now, Cwnd: 1000 * (i + 1), Ssthresh: 1 << 31, Delivered: int64(k * 1000 * (i + 1))})
		}
		flows = append(flows, f)
	}
	dir := t.TempDir()
	if err := Plots(dir, "many", flows, nil, 0, 0); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "cwnd.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"flows 0–7 of 200 drawn", "all 200 flows cwnd: lowest to highest", "all 200 flows cwnd: mean", "all 200 flows cwnd: 10th to 90th percentile", "flow 7 cubic cwnd"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("cwnd.svg lacks %q", want)
		}
	}
	if strings.Contains(string(svg), "flow 8 cubic") {
		t.Error("cwnd.svg labels flow 8; only the first 8 flows are drawn one by one")
	}
	for flows, want := range map[int]bool{16: false, 17: true} {
		if got := newRunPlot("some", make([]plotFlow, flows), 5).aggregated; got != want {
			t.Errorf("%d flows: drawn as bands %v, want %v", flows, got, want)
		}
	}
	rp := newRunPlot("many", make([]plotFlow, n), 5)
	if rp.drawn != maxLegendFlows || !rp.aggregated || len(rp.lines) != maxLegendFlows {
		t.Fatalf("%d flows: %d drawn (aggregated %v), want %d and a band", n, rp.drawn, rp.aggregated, maxLegendFlows)
	}
	for i, f := range flows {
		for j := range f.Samples {
			rp.flowSample(i, &f.Samples[j])
		}
	}
	poly, mean := rp.bands[qCwnd].outline()
	// At every time the flows' windows run from 1 kB to 200 kB, mean 100.5.
	if len(mean) != 51 || mean[10].Y != 100.5 || poly[0].Y != 200 || poly[len(poly)-1].Y != 1 {
		t.Fatalf("band: %d means, mean %v, top %v, bottom %v; want 51, 100.5, 200, 1", len(mean), mean[10].Y, poly[0].Y, poly[len(poly)-1].Y)
	}
	// 200 values a slice overflow the 128 kept: every other one stays,
	// flows 0, 2, …, 198 with windows 1, 3, …, 199 kB; of those 100, the
	// 10th is 19 kB and the 90th 179 kB.
	mid := rp.bands[qCwnd].percentiles(0.1, 0.9)
	if len(mid) != 102 || mid[10].Y != 179 || mid[len(mid)-11].Y != 19 {
		t.Fatalf("10th–90th percentile band: %d points, top %v, bottom %v; want 102, 179, 19", len(mid), mid[10].Y, mid[len(mid)-11].Y)
	}
}

// BBR's phase is drawn as named steps: the value axis reads the states'
// names, not numbers, and the line holds each state until the next sample.
func TestPhaseDrawnAsNamedSteps(t *testing.T) {
	rec := metrics.NewRecorder(100*units.Millisecond, 0)
	f := rec.AddFlow(0, "", "bbr", 0)
	phases := []float64{0, 0, 1, 2, 2, 2, 3, 2}
	for k, ph := range phases {
		now := units.Time(k) * units.Time(100*units.Millisecond)
		f.Record(metrics.FlowSample{T: now, Cwnd: 1000, Ssthresh: 1 << 31, Delivered: int64(k * 1000), CC: internals("phase", ph)})
	}
	dir := t.TempDir()
	if err := Plots(dir, "phase", []*metrics.FlowSeries{f}, nil, 0, 0); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "cc_phase.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">startup<", ">drain<", ">probe_bw<", ">probe_rtt<"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("cc_phase.svg lacks the state label %s", want)
		}
	}
	rp := newRunPlot("phase", []plotFlow{{CC: "bbr"}}, 1)
	if got := valueNames(rp.flows, "phase"); len(got) != 4 || got[2] != "probe_bw" {
		t.Fatalf("bbr's phase names %q", got)
	}
	if got := valueNames([]plotFlow{{CC: "cubic"}}, "phase"); got != nil {
		t.Fatalf("cubic names a phase: %q", got)
	}
}
