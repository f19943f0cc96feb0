package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

func TestLinkFiles(t *testing.T) {
	got := LinkFiles([]string{"r0->r1", "r0 -> r1", "R0->R1", "f3 access", "", "->", "..", "up", "up", "up-2", "a/b\\c", "né"})
	want := []string{"link-r0-r1.csv", "link-r0-r1-2.csv", "link-R0-R1-3.csv", "link-f3-access.csv",
		"link-unnamed.csv", "link-unnamed-2.csv", "link-unnamed-3.csv", "link-up.csv", "link-up-2.csv", "link-up-2-2.csv",
		"link-a-b-c.csv", "link-n.csv"}
	if !slices.Equal(got, want) {
		t.Errorf("LinkFiles:\n got %q\nwant %q", got, want)
	}
}

// TestNetworkLinkStream: each network link streams to its own file the
// bytes WriteLinkCSV writes of the same samples, with its own previous
// sample for the interval's queueing delay; a link without a file writes
// nothing; and the files' buffers stay bounded however many samples.
func TestNetworkLinkStream(t *testing.T) {
	dir := t.TempDir()
	kept := metrics.NewRecorder(10*units.Millisecond, 0)
	streamed := metrics.NewRecorder(10*units.Millisecond, 0)
	files := NewSeriesFiles(dir, 0)
	streamed.StreamTo(files)
	names := []string{"a->b", "b->c", "c->a"}
	csv := []string{"link-a-b.csv", "", "link-c-a.csv"}
	for i, n := range names {
		kept.AddLink(n, csv[i], units.MbitPerSecond, 0, 0)
		streamed.AddLink(n, csv[i], units.MbitPerSecond, 0, 0)
	}
	const samples = 20000
	for k := range samples {
		now := units.Time(k) * units.Time(10*units.Millisecond)
		for i := range names {
			s := metrics.LinkSample{T: now, QueueBytes: 1500 * ((k + i) % 5), Drops: int64(k / 100 * i),
				DeliveredBytes: int64(k * 1250 * (i + 1)), Served: int64(k * (i + 1)), Sojourn: units.Duration(k*k*(i+1)) * units.Microsecond}
			kept.NetworkLinks()[i].Record(s)
			streamed.NetworkLinks()[i].Record(s)
		}
	}
	for _, nl := range files.netLinks {
		if nl != nil && cap(nl.file.buf) > maxSeriesBuffer {
			t.Errorf("%s: a buffer of %d bytes", nl.file.path, cap(nl.file.buf))
		}
	}
	if err := files.Close(); err != nil {
		t.Fatal(err)
	}
	for i, l := range kept.NetworkLinks() {
		if len(streamed.NetworkLinks()[i].Samples) != 0 {
			t.Errorf("%s: the streaming recorder kept samples", l.Name)
		}
		if l.File == "" {
			if len(l.Samples) != 0 {
				t.Errorf("%s has no file yet kept %d samples", l.Name, len(l.Samples))
			}
			continue
		}
		want := filepath.Join(t.TempDir(), "want.csv")
		if err := WriteLinkCSV(want, l.Samples); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(want)
		b, err := os.ReadFile(filepath.Join(dir, l.File))
		if err != nil || !bytes.Equal(a, b) || len(l.Samples) != samples {
			t.Errorf("%s: streamed %d bytes, kept %d samples giving %d bytes (%v)", l.File, len(b), len(l.Samples), len(a), err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the folder holds %d files, want the two links' CSVs", len(entries))
	}
}

// TestNetworkLinkPlotsReadTheCSV draws a link's figures from its CSV, and
// refuses a summary whose CSV is not a link file of the folder.
func TestNetworkLinkPlotsReadTheCSV(t *testing.T) {
	dir := t.TempDir()
	var samples []metrics.LinkSample
	for k := range 50 {
		samples = append(samples, metrics.LinkSample{T: units.Time(k) * units.Time(100*units.Millisecond),
			QueueBytes: 1500 * (k % 9), DeliveredBytes: int64(k) * 125_000, Drops: int64(k / 10), Served: int64(k), Sojourn: units.Duration(k) * units.Millisecond})
	}
	if err := WriteLinkCSV(filepath.Join(dir, "link-x.csv"), samples); err != nil {
		t.Fatal(err)
	}
	s := &metrics.Summary{SimSeconds: 4.9, Links: []metrics.NetworkLinkSummary{
		{Name: "x", CSV: "link-x.csv", RateBps: 10e6, BufferPackets: 10}, {Name: "delay only"}}}
	lp := newLinkPlot("t", s.Links[0], s.SimSeconds)
	if err := readLinkCSV(filepath.Join(dir, "link-x.csv"), lp.sample); err != nil {
		t.Fatal(err)
	}
	// 125 kB per 100 ms is 10 Mbit/s in every interval.
	for _, run := range lp.throughput.lines() {
		for _, p := range run {
			if p.Y < 9.999 || p.Y > 10.001 {
				t.Fatalf("throughput %v at %v s, want 10 Mbit/s", p.Y, p.X)
			}
		}
	}
	if lp.prev.Drops != 4 || lp.prev.DeliveredBytes != 49*125_000 {
		t.Errorf("last row read back as %+v", lp.prev)
	}
	if err := NetworkLinkPlots(dir, "t", s, 1500); err != nil {
		t.Fatal(err)
	}
	for _, fig := range []string{"_throughput", "_queue", "_queue_delay", "_drops"} {
		if _, err := os.Stat(filepath.Join(dir, "link-x"+fig+".png")); err != nil {
			t.Error(err)
		}
	}
	s.Links[0].CSV = "../link-x.csv"
	if err := NetworkLinkPlots(dir, "t", s, 1500); err == nil {
		t.Error("drew a CSV outside the run's folder")
	}
}
