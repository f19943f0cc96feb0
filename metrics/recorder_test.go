package metrics

import (
	"testing"

	"ccbench/units"
)

func TestRecorderPreallocatesWholeRun(t *testing.T) {
	const duration, interval = 10 * units.Second, 10 * units.Millisecond
	rec := NewRecorder(duration, interval, 100*units.Millisecond)
	f := rec.AddFlow(0, "bulk", "reno", 0)
	samples0, link0 := &f.Samples[:1][0], &rec.link[:1][0]
	// Samples at t = 0, 10ms, ..., 10s, and one more at the very end.
	n := 0
	for now := units.Time(0); now <= units.Time(duration); now += units.Time(interval) {
		f.Record(FlowSample{T: now, Delivered: int64(n) * 1000})
		rec.RecordLink(LinkSample{T: now, DeliveredBytes: int64(n) * 1000})
		n++
	}
	f.Record(FlowSample{T: units.Time(duration), Delivered: int64(n) * 1000})
	rec.RecordLink(LinkSample{T: units.Time(duration)})
	if n != 1001 {
		t.Fatalf("took %d periodic samples, want 1001", n)
	}
	if &f.Samples[0] != samples0 || &rec.link[0] != link0 {
		t.Fatal("sampling a whole run reallocated a series")
	}
}

func TestRecorderSamplingAllocs(t *testing.T) {
	rec := NewRecorder(10*units.Second, 10*units.Millisecond, 0)
	f := rec.AddFlow(0, "", "cubic", 0)
	now := units.Time(0)
	// 1001 calls (AllocsPerRun warms up once) fit the 1002 preallocated.
	allocs := testing.AllocsPerRun(1000, func() {
		f.Record(FlowSample{T: now, Delivered: int64(now) / 8000, State: "ESTABLISHED", Phase: "slow_start"})
		rec.RecordLink(LinkSample{T: now})
		f.RTT.Record(units.Duration(now) + units.Millisecond)
		now += units.Time(10 * units.Millisecond)
	})
	if allocs != 0 {
		t.Fatalf("sampling allocates %v times per interval, want 0", allocs)
	}
}

func TestFlowSeriesRecordComputesThroughput(t *testing.T) {
	rec := NewRecorder(units.Second, 100*units.Millisecond, 200*units.Millisecond)
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
	rec := NewRecorder(units.Second, units.Millisecond, 100*units.Millisecond)
	f := rec.AddFlow(0, "", "reno", 0)
	s := FlowSample{Cwnd: 14480, Ssthresh: 1 << 31, SRTT: 20 * units.Millisecond, State: "ESTABLISHED", Phase: "congestion_avoidance"}
	b.ReportAllocs()
	for b.Loop() {
		if len(f.Samples) == cap(f.Samples) {
			f.Samples = f.Samples[:0]
		}
		s.T += units.Time(units.Millisecond)
		s.Delivered += 1448
		f.Record(s)
	}
}
