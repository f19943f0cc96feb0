package report

// The links of a network: a run whose scenario gives its own links writes
// each queued link's samples to link-<name>.csv (the columns of link.csv)
// and names the file in summary.json's links, and its figures add, per
// such link,
//
//	link-<name>_throughput  what the link delivered per sample interval
//	                        (Mbit/s), with its rate
//	link-<name>_queue       queue occupancy (kB), with the buffer size
//	link-<name>_queue_delay mean queueing delay per sample interval (ms)
//	link-<name>_drops       packets dropped by the queue, lost to the
//	                        loss model and marked CE, cumulative
//
// drawn from the CSV row by row like the bottleneck's. A dumbbell run has
// no links in its summary and none of these.

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// LinkFiles names the CSV of each link in names: "link-" and the name
// with every run of characters other than letters, digits, '.' and '_'
// made one '-' ("r0->r1" is link-r0-r1.csv), and "-2", "-3", ... added to
// a name already taken, ignoring case, so that no two links share a file
// on any file system.
func LinkFiles(names []string) []string {
	files := make([]string, len(names))
	taken := make(map[string]bool, len(names))
	for i, name := range names {
		stem := sanitizeLinkName(name)
		file := "link-" + stem
		for k := 2; taken[strings.ToLower(file)]; k++ {
			file = "link-" + stem + "-" + strconv.Itoa(k)
		}
		taken[strings.ToLower(file)] = true
		files[i] = file + ".csv"
	}
	return files
}

func sanitizeLinkName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
		if !ok {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(c)
	}
	if b.Len() == 0 || strings.Trim(b.String(), ".") == "" {
		return "unnamed"
	}
	return b.String()
}

// linkPlot collects one network link's figures sample by sample.
type linkPlot struct {
	heading string
	link    metrics.NetworkLinkSummary
	stem    string
	throughput, queue, delay,
	drops, lost, marked *lineBuilder
	prev    metrics.LinkSample
	hasPrev bool
	tMax    units.Time
}

func newLinkPlot(title string, l metrics.NetworkLinkSummary, span float64) *linkPlot {
	return &linkPlot{
		heading: title + ": link " + l.Name, link: l,
		stem:       strings.TrimSuffix(l.CSV, filepath.Ext(l.CSV)),
		throughput: newLineBuilder(span), queue: newLineBuilder(span), delay: newLineBuilder(span),
		drops: newLineBuilder(span), lost: newLineBuilder(span), marked: newLineBuilder(span),
	}
}

// sample adds a row of the link's CSV: the sample and the mean queueing
// delay of the interval it ends (not drawn for the first row, which ends
// none).
func (lp *linkPlot) sample(s *metrics.LinkSample, delay units.Duration, first bool) {
	lp.tMax = max(lp.tMax, s.T)
	x := s.T.Seconds()
	lp.queue.add(x, float64(s.QueueBytes)/1e3)
	lp.drops.add(x, float64(s.Drops))
	lp.lost.add(x, float64(s.Lost))
	lp.marked.add(x, float64(s.Marked))
	if !first {
		lp.delay.add(x, delay.Milliseconds())
		if lp.hasPrev && s.T > lp.prev.T {
			bits := float64(s.DeliveredBytes-lp.prev.DeliveredBytes) * 8
			lp.throughput.add(x, bits/s.T.Sub(lp.prev.T).Seconds()/1e6)
		}
	}
	lp.prev, lp.hasPrev = *s, true
}

// figures are the link's figures; packetBytes converts a buffer given in
// packets to bytes for the queue figure's reference line.
func (lp *linkPlot) figures(packetBytes int) []figure {
	tMax := lp.tMax.Seconds()
	return []figure{
		{lp.stem + "_throughput", func() (*plot.Plot, error) {
			p := newFigure(lp.heading+": throughput", "Time (s)", "Throughput (Mbit/s)")
			entries := 1
			if err := addLine(p, "delivered per interval", solid(flowColor(0)), lp.throughput.lines()); err != nil {
				return nil, err
			}
			if r := units.Rate(lp.link.RateBps); r > 0 {
				if err := addReference(p, "link rate "+r.String(), r.Mbps(), tMax); err != nil {
					return nil, err
				}
				entries++
			}
			fitAxes(p, entries)
			return p, nil
		}},
		{lp.stem + "_queue", func() (*plot.Plot, error) {
			p := newFigure(lp.heading+": queue", "Time (s)", "Queue (kB)")
			entries := 1
			if err := addLine(p, "queue", solid(flowColor(0)), lp.queue.lines()); err != nil {
				return nil, err
			}
			buf := lp.link.BufferBytes
			if lp.link.BufferPackets > 0 && packetBytes > 0 {
				if b := lp.link.BufferPackets * packetBytes; buf == 0 || b < buf {
					buf = b
				}
			}
			if buf > 0 {
				if err := addReference(p, "buffer "+formatKB(buf), float64(buf)/1e3, tMax); err != nil {
					return nil, err
				}
				entries++
			}
			fitAxes(p, entries)
			return p, nil
		}},
		{lp.stem + "_queue_delay", func() (*plot.Plot, error) {
			p := newFigure(lp.heading+": queueing delay", "Time (s)", "Delay (ms)")
			if err := addLine(p, "mean per interval", solid(flowColor(0)), lp.delay.lines()); err != nil {
				return nil, err
			}
			fitAxes(p, 1)
			return p, nil
		}},
		{lp.stem + "_drops", func() (*plot.Plot, error) {
			p := newFigure(lp.heading+": drops", "Time (s)", "Packets (cumulative)")
			for i, l := range []struct {
				label string
				line  *lineBuilder
			}{{"dropped by the queue", lp.drops}, {"lost (loss model)", lp.lost}, {"marked CE", lp.marked}} {
				style := solid(flowColor(i))
				if i > 0 {
					// Dashed, so that lines lying on each other (no
					// loss, no marks) all show.
					style = dashed(flowColor(i))
				}
				if err := addLine(p, l.label, style, l.line.lines()); err != nil {
					return nil, err
				}
			}
			fitAxes(p, 3)
			return p, nil
		}},
	}
}

// NetworkLinkPlots draws the figures of every link of s with a CSV in
// dir (link-<name>_*.png and .svg), one link at a time, so that memory
// does not grow with the links; packetBytes converts buffers given in
// packets to bytes.
func NetworkLinkPlots(dir, title string, s *metrics.Summary, packetBytes int) error {
	for _, l := range s.Links {
		if l.CSV == "" {
			continue
		}
		if l.CSV != filepath.Base(l.CSV) || !strings.HasPrefix(l.CSV, "link-") || !strings.HasSuffix(l.CSV, ".csv") {
			return fmt.Errorf("summary.json: link %q names %q as its CSV, not a link-<name>.csv of the run's folder", l.Name, l.CSV)
		}
		lp := newLinkPlot(title, l, s.SimSeconds)
		if err := readLinkCSV(filepath.Join(dir, l.CSV), lp.sample); err != nil {
			return err
		}
		if err := saveFigures(dir, lp.figures(packetBytes)); err != nil {
			return err
		}
	}
	return nil
}
