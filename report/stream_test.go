package report

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// seriesRun records flows and a link into a recorder that keeps its
// samples and into one that streams them to SeriesFiles in dir. Flow i's
// connection opens at opens[i] samples; from then on, flows with internals
// carry two named values.
func seriesRun(t *testing.T, dir string, samples int, opens []int, internals []bool, declare bool) []*metrics.FlowSeries {
	t.Helper()
	kept := metrics.NewRecorder(10*units.Millisecond, 50*units.Millisecond)
	streamed := metrics.NewRecorder(10*units.Millisecond, 50*units.Millisecond)
	files := NewSeriesFiles(dir, len(opens))
	streamed.StreamTo(files)
	for i := range opens {
		kept.AddFlow(i, "", "bbr", 0)
		streamed.AddFlow(i, "", "bbr", 0)
		if declare && !internals[i] {
			files.DeclareInternals(i, nil)
		}
	}
	for k := range samples {
		now := units.Time(k) * units.Time(10*units.Millisecond)
		for i, open := range opens {
			s := metrics.FlowSample{T: now, State: "CLOSED"}
			if k >= open {
				s = metrics.FlowSample{T: now, Cwnd: 14480 + k, Ssthresh: 1 << 31, SRTT: units.Duration(k) * units.Microsecond,
					Delivered: int64(k * 1000), State: "ESTABLISHED", Phase: "startup", PacingBps: 1e6}
				if internals[i] {
					s.CC.Add("btl_bw", float64(k)*1.5)
					s.CC.Add("phase", float64(k%3))
				}
			}
			kept.Flows()[i].Record(s)
			streamed.Flows()[i].Record(s)
		}
		l := metrics.LinkSample{T: now, QueueBytes: 1500 * (k % 7), Served: int64(k * 3), Sojourn: units.Duration(k*k) * units.Microsecond}
		kept.RecordLink(l)
		streamed.RecordLink(l)
	}
	if err := files.Close(); err != nil {
		t.Fatal(err)
	}
	want := t.TempDir()
	for _, f := range kept.Flows() {
		if err := WriteFlowCSV(filepath.Join(want, "flow"+strconv.Itoa(f.ID)+".csv"), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteLinkCSV(filepath.Join(want, "link.csv"), kept.Link()); err != nil {
		t.Fatal(err)
	}
	names := []string{"link.csv"}
	for i := range opens {
		names = append(names, "flow"+strconv.Itoa(i)+".csv")
	}
	for _, name := range names {
		a, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: streamed %d bytes differ from the %d written whole", name, len(b), len(a))
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(names) {
		t.Errorf("%d files in the folder, want %d (no pending files left)", len(entries), len(names))
	}
	return kept.Flows()
}

// Streamed CSVs are byte for byte those written from the whole series:
// flows whose internals show late (their rows wait, in memory and, past a
// buffer, in a pending file), flows without any, flows declared without.
func TestSeriesFilesMatchWholeFiles(t *testing.T) {
	// 4000 samples of rows waiting for a header overflow the buffer.
	seriesRun(t, t.TempDir(), 6000, []int{0, 4000, 10, 3000, 7000}, []bool{true, true, false, false, true}, false)
	seriesRun(t, t.TempDir(), 300, []int{0, 100}, []bool{false, true}, true)
}

// More flows than stay open at once: the rest are opened for each write.
func TestSeriesFilesManyFlows(t *testing.T) {
	n := maxOpenSeries + 40
	opens := make([]int, n)
	internals := make([]bool, n)
	for i := range opens {
		opens[i] = i % 50
		internals[i] = i%3 == 0
	}
	seriesRun(t, t.TempDir(), 200, opens, internals, true)
}

func TestSeriesFilesReportWriteErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	files := NewSeriesFiles(dir, 1)
	rec := metrics.NewRecorder(units.Millisecond, 0)
	rec.StreamTo(files)
	f := rec.AddFlow(0, "", "reno", 0)
	files.DeclareInternals(0, nil)
	for k := range 100_000 {
		f.Record(metrics.FlowSample{T: units.Time(k)})
	}
	if err := files.Close(); err == nil {
		t.Fatal("writing into a folder that does not exist did not fail")
	}
}

func BenchmarkSeriesFilesSample(b *testing.B) {
	files := NewSeriesFiles(b.TempDir(), 1)
	rec := metrics.NewRecorder(units.Millisecond, 100*units.Millisecond)
	rec.StreamTo(files)
	f := rec.AddFlow(0, "", "bbr", 0)
	s := metrics.FlowSample{Cwnd: 14480, Ssthresh: 1 << 31, SRTT: 20 * units.Millisecond, RTO: 220 * units.Millisecond,
		State: "ESTABLISHED", Phase: "probe_bw", PacingBps: 9.6e7}
	s.CC.Add("btl_bw", 12e6)
	s.CC.Add("min_rtt", 40)
	l := metrics.LinkSample{QueueBytes: 150_000, QueuePackets: 100}
	b.ReportAllocs()
	for b.Loop() {
		s.T += units.Time(units.Millisecond)
		s.Delivered += 12_500
		f.Record(s)
		l.T = s.T
		l.Served += 8
		rec.RecordLink(l)
	}
	b.StopTimer()
	if err := files.Close(); err != nil {
		b.Fatal(err)
	}
}

// parseDecimal reads what the CSVs hold exactly as strconv.ParseFloat
// does, and leaves to it what it cannot.
func TestParseDecimalMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for range 200_000 {
		v := math.Ldexp(rng.Float64(), rng.IntN(80)-30)
		if rng.IntN(4) == 0 {
			v = -v
		}
		inputs = append(inputs, strconv.FormatFloat(v, 'f', rng.IntN(10), 64), strconv.FormatFloat(v, 'g', 10, 64),
			strconv.FormatInt(rng.Int64N(1<<50), 10))
	}
	inputs = append(inputs, "0", "-0", "0.000000", "-0.000000", "1500", "12.", ".5", "-", "1e5", "1.2.3", "abc", "1234567890123456789", "0.1234567890123456789")
	for _, in := range inputs {
		want, err := strconv.ParseFloat(in, 64)
		got, ok := parseDecimal([]byte(in))
		if ok && (err != nil || math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("parseDecimal(%q) = %v, strconv gives %v (%v)", in, got, want, err)
		}
	}
	for _, in := range []string{"95.812345", "-3.000001", "499500", "0.000001"} {
		if _, ok := parseDecimal([]byte(in)); !ok {
			t.Errorf("parseDecimal(%q) left a plain decimal to strconv", in)
		}
	}
}
