package metrics

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// countingSink counts what it is handed and keeps the last of each.
type countingSink struct {
	flows, links int
	lastFlow     FlowSample
	lastLink     LinkSample
}

func (c *countingSink) FlowSample(_ *FlowSeries, s *FlowSample) { c.flows++; c.lastFlow = *s }
func (c *countingSink) LinkSample(s *LinkSample)                { c.links++; c.lastLink = *s }

func TestStreamingRecorderKeepsNoSamples(t *testing.T) {
	const duration, interval = 10 * units.Second, 10 * units.Millisecond
	rec := NewRecorder(interval, 100*units.Millisecond)
	sink := new(countingSink)
	rec.StreamTo(sink)
	f := rec.AddFlow(0, "bulk", "reno", 0)
	n := 0
	for now := units.Time(0); now <= units.Time(duration); now += units.Time(interval) {
		f.Record(FlowSample{T: now, Delivered: int64(n) * 1000})
		rec.RecordLink(LinkSample{T: now, DeliveredBytes: int64(n) * 1000})
		n++
	}
	if n != 1001 || sink.flows != n || sink.links != n {
		t.Fatalf("took %d samples, the sink saw %d flow and %d link samples", n, sink.flows, sink.links)
	}
	if len(f.Samples) != 0 || len(rec.Link()) != 0 {
		t.Fatalf("a streaming recorder kept %d flow and %d link samples", len(f.Samples), len(rec.Link()))
	}
	if f.Last().Delivered != 1_000_000 || sink.lastFlow.ThroughputBps != 8e5 || f.Count() != 1001 {
		t.Fatalf("last sample %+v (count %d); the sink's %+v", f.Last(), f.Count(), sink.lastFlow)
	}
}

func TestRecorderSamplingAllocs(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		rec := NewRecorder(10*units.Millisecond, 0)
		if streaming {
			rec.StreamTo(new(countingSink))
		}
		rec.WatchDelivered(units.Time(units.Second), units.Time(5*units.Second))
		f := rec.AddFlow(0, "", "cubic", 0)
		if !streaming {
			f.Samples = make([]FlowSample, 0, 2000)
			rec.link = make([]LinkSample, 0, 2000)
		}
		now := units.Time(0)
		rec.RecordLink(LinkSample{T: now})
		allocs := testing.AllocsPerRun(1000, func() {
			f.Record(FlowSample{T: now, Delivered: int64(now) / 8000, State: "ESTABLISHED", Phase: "slow_start"})
			rec.RecordLink(LinkSample{T: now, QueueBytes: 1500 * int(now/units.Time(units.Second)%4)})
			f.RTT.Record(units.Duration(now) + units.Millisecond)
			now += units.Time(10 * units.Millisecond)
		})
		if allocs != 0 {
			t.Fatalf("streaming %v: sampling allocates %v times per interval, want 0", streaming, allocs)
		}
	}
}

// A streaming recorder gives the same summary, fairness and slow-start
// peak as one that keeps every sample.
func TestStreamingSummaryMatchesKeptSamples(t *testing.T) {
	from, to := units.Time(2*units.Second), units.Time(7500*units.Millisecond)
	recs := []*Recorder{NewRecorder(100*units.Millisecond, 300*units.Millisecond), NewRecorder(100*units.Millisecond, 300*units.Millisecond)}
	recs[1].StreamTo(new(countingSink))
	rng := rand.New(rand.NewPCG(3, 9))
	var flows [2][]*FlowSeries
	for r, rec := range recs {
		rec.WatchDelivered(from, to)
		for i := range 3 {
			flows[r] = append(flows[r], rec.AddFlow(i, "", "reno", units.Time(i)*units.Time(units.Second)))
		}
	}
	var delivered [3]int64
	cwnd := [3]int{14480, 14480, 14480}
	for k := 0; k <= 100; k++ {
		now := units.Time(k) * units.Time(100*units.Millisecond)
		q := rng.IntN(40) * 1500
		for i := range 3 {
			delivered[i] += int64(rng.IntN(100_000))
			cwnd[i] += rng.IntN(3000)
			ssthresh, retx := 1<<31, int64(0)
			if k > 30+10*i {
				ssthresh, retx = cwnd[i]/2, 1
			}
			rtt := units.Duration(20+rng.IntN(30)) * units.Millisecond
			for r := range recs {
				flows[r][i].Record(FlowSample{T: now, Delivered: delivered[i], Cwnd: cwnd[i], Ssthresh: ssthresh, Retransmits: retx})
				flows[r][i].RTT.Record(rtt)
			}
		}
		for _, rec := range recs {
			rec.RecordLink(LinkSample{T: now, QueueBytes: q, QueuePackets: q / 1500, DeliveredBytes: int64(k) * 99_000, Served: int64(k), Sojourn: units.Duration(k) * units.Millisecond})
		}
	}
	info := RunInfo{Duration: 10 * units.Second, LinkRate: 100 * units.MbitPerSecond}
	kept, streamed := recs[0].Summary(info), recs[1].Summary(info)
	kept.Fairness = WindowFairness(recs[0].Flows(), []int{0, 0, 1}, from, to)
	streamed.Fairness = WindowFairness(recs[1].Flows(), []int{0, 0, 1}, from, to)
	a, _ := json.Marshal(kept)
	b, _ := json.Marshal(streamed)
	if string(a) != string(b) {
		t.Fatalf("summaries differ:\n kept     %s\n streamed %s", a, b)
	}
	if kept.Flows[0].SlowStartPeakCwndBytes == 0 || kept.Link.QueueBytesP50 == 0 {
		t.Fatalf("the test's run has no slow-start peak or queue: %s", a)
	}
	// The kept series answer for any time; the streamed ones for the
	// watched times, which they answer the same.
	for i := range 3 {
		for _, at := range []units.Time{from, to} {
			if x, y := flows[0][i].DeliveredAt(at), flows[1][i].DeliveredAt(at); x != y {
				t.Errorf("flow %d: DeliveredAt(%v) %d kept, %d streamed", i, at, x, y)
			}
		}
	}
}

func TestFlowSeriesRecordComputesThroughput(t *testing.T) {
	rec := NewRecorder(100*units.Millisecond, 200*units.Millisecond)
	f := rec.AddFlow(3, "short", "reno", units.Time(100*units.Millisecond))
	f.Record(FlowSample{T: units.Time(100 * units.Millisecond), Delivered: 0, ThroughputBps: 42})
	f.Record(FlowSample{T: units.Time(200 * units.Millisecond), Delivered: 12500})
	f.Record(FlowSample{T: units.Time(300 * units.Millisecond), Delivered: 25000})
	f.Record(FlowSample{T: units.Time(400 * units.Millisecond), Delivered: 25000})
	// 100 kbit over 0.1 s, then 200 kbit over 0.2 s, then 100 kbit over the
	// 0.2 s window.
	want := []float64{0, 1e6, 1e6, 5e5}
	for i, s := range f.Samples {
		if s.ThroughputBps != want[i] {
			t.Errorf("sample %d: throughput %v, want %v", i, s.ThroughputBps, want[i])
		}
	}
	if f.Completed() {
		t.Fatal("a new flow must not be completed")
	}
	f.Complete(units.Time(350 * units.Millisecond))
	f.Complete(units.Time(900 * units.Millisecond))
	if f.Finish != units.Time(350*units.Millisecond) {
		t.Fatalf("Finish = %v, want the first completion 350ms", f.Finish)
	}
	if got := f.Last().Delivered; got != 25000 {
		t.Fatalf("Last().Delivered = %d, want 25000", got)
	}
}

func BenchmarkFlowSeriesRecord(b *testing.B) {
	rec := NewRecorder(units.Millisecond, 100*units.Millisecond)
	rec.StreamTo(new(countingSink))
	f := rec.AddFlow(0, "", "reno", 0)
	s := FlowSample{Cwnd: 14480, Ssthresh: 1 << 31, SRTT: 20 * units.Millisecond, State: "ESTABLISHED", Phase: "congestion_avoidance"}
	b.ReportAllocs()
	for b.Loop() {
		s.T += units.Time(units.Millisecond)
		s.Delivered += 1448
		f.Record(s)
	}
}
