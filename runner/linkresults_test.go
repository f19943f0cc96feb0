package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/units"
)

// threeHopScenario is a bulk Reno flow over three forward hops at 100, 50
// and 20 Mbit/s (a 40 ms base RTT split evenly, ACKs over three hops of
// pure delay), joined after a second by a 2 MB flow with its own access
// link at 1 Gbit/s. Every forward hop queues at some point: the sender's
// windows arrive at the first hop back to back, and each hop hands on
// faster than the next one serves. Only the last holds a standing queue
// and drops.
func threeHopScenario(t testing.TB) Scenario {
	sc := scenario(t)
	sc.Duration = 10 * units.Second
	hop := func(rate units.Rate, buffer int) netem.LinkConfig {
		return netem.LinkConfig{Rate: rate, Delay: 20 * units.Millisecond / 3, QueueBytes: buffer}
	}
	back := netem.LinkConfig{Delay: 20 * units.Millisecond / 3}
	sc.Links = []LinkSpec{
		{Name: "h0->h1", Config: hop(100*units.MbitPerSecond, 500_000)},
		{Name: "h1->h2", Config: hop(50*units.MbitPerSecond, 500_000)},
		{Name: "h2->h3", Config: hop(20*units.MbitPerSecond, 100_000)},
		{Name: "h3->h2", Config: back},
		{Name: "h2->h1", Config: back},
		{Name: "h1->h0", Config: back},
	}
	sc.Forward, sc.Reverse = sc.Links[0].Config, sc.Links[3].Config
	bulk := sc.Flows[0]
	bulk.Data, bulk.Ack = []int{0, 1, 2}, []int{3, 4, 5}
	short := bulk
	short.Start, short.Size = units.Second, 2_000_000
	short.ExtraDelay, short.AccessRate = 5*units.Millisecond, units.GbitPerSecond
	sc.Flows = []FlowSpec{bulk, short}
	return sc
}

// runStreaming runs sc as ExecuteWith does, its samples streamed to dir,
// and writes its summary there.
func runStreaming(t *testing.T, sc Scenario, dir string) *Result {
	t.Helper()
	series := report.NewSeriesFiles(dir, len(sc.Flows))
	res, err := simulate(sc, metrics.RunInfo{Experiment: "hops"}, func(rec *metrics.Recorder) {
		streamSeries(rec, series, sc.Flows)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := series.Close(); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteSummaryJSON(filepath.Join(dir, "summary.json"), &res.Summary); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestThreeHopLinkResults(t *testing.T) {
	sc := threeHopScenario(t)
	dir := t.TempDir()
	res := runStreaming(t, sc, dir)
	s := res.Summary

	wantNames := []string{"h0->h1", "h1->h2", "h2->h3", "h3->h2", "h2->h1", "h1->h0", "f1 access"}
	wantCSV := []string{"link-h0-h1.csv", "link-h1-h2.csv", "link-h2-h3.csv", "", "", "", "link-f1-access.csv"}
	if len(s.Links) != len(wantNames) {
		t.Fatalf("summary has %d links, want %d: %+v", len(s.Links), len(wantNames), s.Links)
	}
	rows := int(sc.Duration/sc.SampleInterval) + 1
	for i, l := range s.Links {
		if l.Name != wantNames[i] || l.CSV != wantCSV[i] {
			t.Errorf("links[%d] is %q in %q, want %q in %q", i, l.Name, l.CSV, wantNames[i], wantCSV[i])
		}
		if l.CSV == "" {
			if l.RateBps != 0 || l.Utilization != 0 || l.QueueBytesMax != 0 {
				t.Errorf("links[%d] %s has no rate, yet %+v", i, l.Name, l)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, l.CSV))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if lines[0]+"\n" != report.LinkCSVHeader || len(lines)-1 != rows {
			t.Errorf("%s: header %q and %d rows, want %d rows", l.CSV, lines[0], len(lines)-1, rows)
		}
	}
	// The queued hops each held a queue, the slowest a standing one.
	for i := range 3 {
		if s.Links[i].QueueBytesMax == 0 {
			t.Errorf("%s never queued", s.Links[i].Name)
		}
	}
	slow := s.Links[2]
	if slow.QueueBytesP50 == 0 || slow.Drops == 0 || slow.QueueDelayMeanMs <= 0 {
		t.Errorf("the 20 Mbit/s hop: median queue %d B, %d drops, mean delay %.2f ms; want a standing queue that overflows",
			slow.QueueBytesP50, slow.Drops, slow.QueueDelayMeanMs)
	}
	if s.Links[0].Drops != 0 || s.Links[1].Drops != 0 {
		t.Errorf("the faster hops dropped %d and %d packets; they hand on faster than the next serves", s.Links[0].Drops, s.Links[1].Drops)
	}
	// The slowest hop is busy nearly all the run (slow start takes a few
	// round trips); the faster hops carry the same bytes, less what the
	// slowest dropped and what was in flight at the end, so their
	// utilization is the slowest's scaled by the rates.
	if slow.Utilization < 0.9 || slow.Utilization > 1.0 {
		t.Errorf("utilization of the 20 Mbit/s hop %.3f, want 0.9 to 1", slow.Utilization)
	}
	for i, rate := range []float64{100, 50} {
		want := slow.Utilization * 20 / rate
		if u := s.Links[i].Utilization; u < want || u > want*1.05 {
			t.Errorf("utilization of the %.0f Mbit/s hop %.3f, want %.3f to 5%% more", rate, u, want)
		}
	}
	// Link 0 is still the bottleneck of summary.link and link.csv.
	if s.Link.DeliveredBytes != s.Links[0].DeliveredBytes || s.Link.RateBps != s.Links[0].RateBps {
		t.Errorf("summary.link %+v is not link 0 %+v", s.Link, s.Links[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "link.csv")); err != nil {
		t.Error(err)
	}

	wantPaths := []metrics.FlowPath{
		{Data: []string{"h0->h1", "h1->h2", "h2->h3"}, Ack: []string{"h3->h2", "h2->h1", "h1->h0"}, DataLinks: []int{0, 1, 2}, AckLinks: []int{3, 4, 5}},
		{Data: []string{"f1 access", "h0->h1", "h1->h2", "h2->h3"}, Ack: []string{"h3->h2", "h2->h1", "h1->h0"}, DataLinks: []int{6, 0, 1, 2}, AckLinks: []int{3, 4, 5}},
	}
	for i, f := range s.Flows {
		if f.Path == nil {
			t.Fatalf("flow %d has no path", i)
		}
		w := wantPaths[i]
		if !slices.Equal(f.Path.Data, w.Data) || !slices.Equal(f.Path.Ack, w.Ack) ||
			!slices.Equal(f.Path.DataLinks, w.DataLinks) || !slices.Equal(f.Path.AckLinks, w.AckLinks) {
			t.Errorf("flow %d path %+v, want %+v", i, *f.Path, w)
		}
	}
	// The access link carried the short flow's 2 MB and its headers.
	if a := s.Links[6]; a.DeliveredBytes < 2_000_000 || a.DeliveredBytes > 2_200_000 {
		t.Errorf("the access link delivered %d bytes, want the short flow's 2 MB and headers", a.DeliveredBytes)
	}

	// summary.json carries them, and ccbench plot draws each queued
	// link's figures from its CSV.
	back, err := report.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Links) != len(s.Links) || back.Flows[1].Path == nil || back.Links[2] != s.Links[2] {
		t.Fatalf("summary.json read back: %+v", back.Links)
	}
	if err := loadBottleneck(t).WriteResolved(filepath.Join(dir, "config.toml")); err != nil {
		t.Fatal(err)
	}
	if err := report.Replot(dir); err != nil {
		t.Fatal(err)
	}
	for _, stem := range []string{"link-h0-h1", "link-h1-h2", "link-h2-h3", "link-f1-access"} {
		for _, fig := range []string{"_throughput", "_queue", "_queue_delay", "_drops"} {
			for _, ext := range []string{".png", ".svg"} {
				if st, err := os.Stat(filepath.Join(dir, stem+fig+ext)); err != nil || st.Size() == 0 {
					t.Errorf("no figure %s%s%s: %v", stem, fig, ext, err)
				}
			}
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "link-h3*")); len(m) != 0 {
		t.Errorf("links of pure delay got files: %v", m)
	}
}

// TestLinkCSVsStreamedAsKept: the streamed per-link CSVs hold the bytes
// the samples kept in memory give (the tun driver's and Simulate's way).
func TestLinkCSVsStreamedAsKept(t *testing.T) {
	sc := threeHopScenario(t)
	sc.Duration = 2 * units.Second
	dir := t.TempDir()
	runStreaming(t, sc, dir)
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range res.Recorder.NetworkLinks() {
		if l.File == "" {
			if len(l.Samples) != 0 {
				t.Errorf("%s has no file but kept %d samples", l.Name, len(l.Samples))
			}
			continue
		}
		n++
		kept := filepath.Join(t.TempDir(), l.File)
		if err := report.WriteLinkCSV(kept, l.Samples); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(kept)
		b, err := os.ReadFile(filepath.Join(dir, l.File))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: streamed file differs from the kept samples (%v)", l.File, err)
		}
	}
	if n != 4 {
		t.Errorf("%d links with files, want 4", n)
	}
}

// TestDumbbellHasNoLinkResults: the dumbbell, with or without access
// links, gets no links, no paths and no link files.
func TestDumbbellHasNoLinkResults(t *testing.T) {
	sc := scenario(t)
	sc.Duration = units.Second
	sc.Flows = append(sc.Flows, FlowSpec{CC: "reno", ExtraDelay: 10 * units.Millisecond, AccessRate: units.GbitPerSecond})
	dir := t.TempDir()
	res := runStreaming(t, sc, dir)
	if res.Summary.Links != nil || len(res.Recorder.NetworkLinks()) != 0 {
		t.Errorf("the dumbbell has links %+v", res.Summary.Links)
	}
	for _, f := range res.Summary.Flows {
		if f.Path != nil {
			t.Errorf("flow %d has a path", f.ID)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "link-*")); len(m) != 0 {
		t.Errorf("the dumbbell wrote %v", m)
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"links"`)) || bytes.Contains(data, []byte(`"path"`)) {
		t.Error("the dumbbell's summary.json has links or paths")
	}
}

// TestLinkSamplingAllocatesNothing: sampling a network's links in the
// steady state allocates nothing, streamed or not.
func TestLinkSamplingAllocatesNothing(t *testing.T) {
	sc := threeHopScenario(t)
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	w.sampler.rec.StreamTo(report.NewSeriesFiles(t.TempDir(), len(sc.Flows)))
	for range 3 {
		w.sampler.sampleLinks(w.now) // the files' buffers and queue lengths
	}
	if a := testing.AllocsPerRun(100, func() { w.sampler.sampleLinks(w.now) }); a != 0 {
		t.Errorf("sampling the links allocates %.1f times", a)
	}
}

// TestFingerprintListsLinkFiles: a network run's fingerprint lists its
// link CSVs with their sizes, which --resume checks (package sweep).
func TestFingerprintListsLinkFiles(t *testing.T) {
	sc := threeHopScenario(t)
	sc.Duration = units.Second
	dir := t.TempDir()
	runStreaming(t, sc, dir)
	if err := writeFingerprint(dir, Fingerprint{Format: fingerprintFormat, Sum: "x"}); err != nil {
		t.Fatal(err)
	}
	fp, err := ReadFingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"link.csv", "link-h0-h1.csv", "link-h1-h2.csv", "link-h2-h3.csv", "link-f1-access.csv"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if size, ok := fp.Files[f]; !ok || size != st.Size() {
			t.Errorf("the fingerprint lists %s as %d bytes (%v), it has %d", f, size, ok, st.Size())
		}
	}
}
