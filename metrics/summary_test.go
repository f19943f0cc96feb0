package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

func TestJainIndexExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		want float64
	}{
		{"equal shares", []float64{5e6, 5e6, 5e6, 5e6}, 1},
		{"one takes all", []float64{8e6, 0, 0, 0}, 0.25},
		{"two of four starve", []float64{3e6, 3e6, 0, 0}, 0.5},
		// (1+2+3)² / (3 · (1+4+9)) = 36/42.
		{"1:2:3", []float64{1, 2, 3}, 6.0 / 7.0},
		// (1+3)² / (2 · (1+9)) = 16/20.
		{"1:3", []float64{1e6, 3e6}, 0.8},
		{"single flow", []float64{42}, 1},
		{"no flows", nil, 0},
		{"nothing delivered", []float64{0, 0}, 0},
	} {
		if got := JainIndex(tc.x); got != tc.want {
			t.Errorf("%s: JainIndex(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
		}
	}
}

func TestSummaryLink(t *testing.T) {
	// A 10 Mbit/s link over 2 s that delivered 2 MB: 16 Mbit of 20 Mbit.
	link := make([]LinkSample, 100)
	for i, q := range rand.New(rand.NewPCG(7, 7)).Perm(100) {
		link[i] = LinkSample{T: units.Time(i) * units.Time(20*units.Millisecond), QueueBytes: (q + 1) * 1500}
	}
	link[99].DeliveredBytes, link[99].Drops, link[99].Lost = 2_000_000, 17, 3
	info := RunInfo{Duration: 2 * units.Second, LinkRate: 10 * units.MbitPerSecond}
	ls := Summarize(info, nil, link).Link
	want := LinkSummary{
		RateBps:        10_000_000,
		Utilization:    0.8,
		DeliveredBytes: 2_000_000,
		Drops:          17,
		Lost:           3,
		QueueBytesP50:  50 * 1500,
		QueueBytesP95:  95 * 1500,
		QueueBytesMax:  100 * 1500,
	}
	if ls != want {
		t.Fatalf("link summary\n got %+v\nwant %+v", ls, want)
	}
}

// The queue's maximum is the link's, counted packet by packet, when the
// samples missed it, and the queueing delay's extremes are exact.
func TestSummaryExtremesComeFromEveryPacket(t *testing.T) {
	rec := NewRecorder(100*units.Millisecond, 0)
	for k := 0; k <= 10; k++ {
		// The samples catch the queue nearly empty; the link saw 9000 B
		// and 6 packets (not at one instant: smaller packets queued too).
		rec.RecordLink(LinkSample{T: units.Time(k) * units.Time(100*units.Millisecond), QueueBytes: 60 * (k % 4), QueuePackets: k % 4,
			Drops: int64(1000 * k), MaxQueueBytes: min(900*k, 9000), MaxQueuePackets: min(k, 6)})
	}
	for _, d := range []units.Duration{1234567, 5, 42 * units.Millisecond, 77} {
		rec.QueueDelay.Record(d)
	}
	ls := rec.Summary(RunInfo{Duration: units.Second}).Link
	if ls.QueueBytesMax != 9000 || ls.QueuePacketsMax != 6 || ls.Drops != 10000 {
		t.Errorf("queue max %d B %d packets, drops %d; want the link's 9000 B, 6 packets and 10000 drops", ls.QueueBytesMax, ls.QueuePacketsMax, ls.Drops)
	}
	if ls.QueueDelayMinMs != 5e-6 || ls.QueueDelayMaxMs != 42 {
		t.Errorf("queueing delay min %v max %v ms, want exactly 5e-6 and 42", ls.QueueDelayMinMs, ls.QueueDelayMaxMs)
	}
}

func TestSummaryFlows(t *testing.T) {
	rec := NewRecorder(units.Second, 0)
	// A bulk flow for the whole run and a short flow that starts at 2 s
	// and completes at 4.5 s.
	bulk := rec.AddFlow(0, "bulk", "cubic", 0)
	short := rec.AddFlow(1, "short", "reno", units.Time(2*units.Second))
	for k := 0; k <= 10; k++ {
		now := units.Time(k) * units.Time(units.Second)
		bulk.Record(FlowSample{T: now, Delivered: int64(k) * 1_000_000, Retransmits: int64(k)})
	}
	short.Record(FlowSample{T: units.Time(2 * units.Second)})
	short.Record(FlowSample{T: units.Time(5 * units.Second), Delivered: 250_000, Retransmits: 1})
	short.Complete(units.Time(4500 * units.Millisecond))
	for k := 1; k <= 100; k++ {
		bulk.RTT.Record(units.Duration(k) * units.Millisecond)
	}
	short.RTT.Record(30 * units.Millisecond)

	s := rec.Summary(RunInfo{Duration: 10 * units.Second})
	b, s1 := s.Flows[0], s.Flows[1]
	if b.GoodputBps != 8e6 || b.BytesDelivered != 10_000_000 || b.Retransmits != 10 || b.CompletionSeconds != nil {
		t.Errorf("bulk flow: %+v", b)
	}
	// Percentiles are bucket midpoints; the mean is exact.
	for _, p := range []struct{ got, want float64 }{{b.RTTP50Ms, 50}, {b.RTTP95Ms, 95}, {b.RTTP99Ms, 99}} {
		if math.Abs(p.got-p.want) > p.want*maxRelErr {
			t.Errorf("bulk RTT percentile %v ms, want %v ms within %.2f%%", p.got, p.want, maxRelErr*100)
		}
	}
	if b.RTTMeanMs != 50.5 {
		t.Errorf("bulk RTT mean %v ms, want 50.5", b.RTTMeanMs)
	}
	if b.RTTMinMs != 1 || b.RTTMaxMs != 100 {
		t.Errorf("bulk RTT min %v max %v ms, want exactly 1 and 100", b.RTTMinMs, b.RTTMaxMs)
	}
	// 2 Mbit over the 2.5 s it was active.
	if s1.GoodputBps != 8e5 || s1.CompletionSeconds == nil || *s1.CompletionSeconds != 2.5 {
		t.Errorf("short flow: goodput %v, completion %v; want 8e5, 2.5", s1.GoodputBps, s1.CompletionSeconds)
	}
	if s1.RTTP50Ms != 30 || s1.RTTMeanMs != 30 {
		t.Errorf("short flow RTT p50 %v mean %v, want 30 ms", s1.RTTP50Ms, s1.RTTMeanMs)
	}
	// (8 + 0.8)² / (2 · (64 + 0.64)) in Mbit/s.
	if want := 8.8e6 * 8.8e6 / (2 * (8e6*8e6 + 8e5*8e5)); s.JainFairness != want {
		t.Errorf("fairness %v, want %v", s.JainFairness, want)
	}
}

func TestSummaryJSONShape(t *testing.T) {
	fct := 1.25
	s := Summary{
		Experiment: "bottleneck", Run: "rate=10Mbit/rep0", Seed: 1,
		SimSeconds: 10, WallSeconds: 0.5, SimSpeed: 20, Segments: 1000, SegmentsPerWallSecond: 2000,
		Link: LinkSummary{RateBps: 10_000_000, Utilization: 0.95, DeliveredBytes: 11_875_000, Drops: 4, Lost: 0,
			QueueBytesP50: 3000, QueueBytesP95: 60000, QueueBytesMax: 75000, QueuePacketsMax: 50,
			QueueDelayMinMs: 0.5, QueueDelayMaxMs: 60},
		Flows: []FlowSummary{
			{ID: 0, CC: "reno", GoodputBps: 9.5e6, BytesDelivered: 11_875_000, Retransmits: 4,
				RTTP50Ms: 21.5, RTTP95Ms: 80, RTTP99Ms: 90.25, RTTMeanMs: 35, RTTMinMs: 20, RTTMaxMs: 95.5, RTTSamples: 812,
				SRTTP50Ms: 30, SRTTP95Ms: 60.5, SRTTP99Ms: 70, SRTTMeanMs: 33, SRTTMinMs: 21, SRTTMaxMs: 71},
			{ID: 1, CC: "cubic", CompletionSeconds: &fct},
		},
		JainFairness: 1,
	}
	got, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"experiment":"bottleneck","run":"rate=10Mbit/rep0","seed":1,"sim_seconds":10,"wall_seconds":0.5,` +
		`"sim_speed":20,"segments":1000,"segments_per_wall_second":2000,` +
		`"link":{"rate_bps":10000000,"utilization":0.95,"delivered_bytes":11875000,"drops":4,"lost":0,` +
		`"queue_bytes_p50":3000,"queue_bytes_p95":60000,"queue_bytes_max":75000,"queue_packets_max":50,"queue_delay_mean_ms":0,` +
		`"queue_delay_p50_ms":0,"queue_delay_p95_ms":0,"queue_delay_p99_ms":0,"queue_delay_min_ms":0.5,"queue_delay_max_ms":60},` +
		`"flows":[{"id":0,"cc":"reno","goodput_bps":9500000,"bytes_delivered":11875000,"retransmits":4,"slow_start_peak_cwnd_bytes":0,` +
		`"rtt_p50_ms":21.5,"rtt_p95_ms":80,"rtt_p99_ms":90.25,"rtt_mean_ms":35,"rtt_min_ms":20,"rtt_max_ms":95.5,"rtt_samples":812,` +
		`"srtt_p50_ms":30,"srtt_p95_ms":60.5,"srtt_p99_ms":70,"srtt_mean_ms":33,"srtt_min_ms":21,"srtt_max_ms":71,"completion_seconds":null},` +
		`{"id":1,"cc":"cubic","goodput_bps":0,"bytes_delivered":0,"retransmits":0,"slow_start_peak_cwnd_bytes":0,` +
		`"rtt_p50_ms":0,"rtt_p95_ms":0,"rtt_p99_ms":0,"rtt_mean_ms":0,"rtt_min_ms":0,"rtt_max_ms":0,"rtt_samples":0,` +
		`"srtt_p50_ms":0,"srtt_p95_ms":0,"srtt_p99_ms":0,"srtt_mean_ms":0,"srtt_min_ms":0,"srtt_max_ms":0,"completion_seconds":1.25}],` +
		`"jain_fairness":1}`
	if string(got) != want {
		t.Fatalf("JSON\n got %s\nwant %s", got, want)
	}
}

func TestSummaryWallClockAndEmptyRun(t *testing.T) {
	info := RunInfo{Experiment: "e", Run: "r", Seed: 9, Duration: 30 * units.Second, Wall: 1500 * time.Millisecond, Segments: 3_000_000}
	s := Summarize(info, nil, nil)
	if s.SimSpeed != 20 || s.SegmentsPerWallSecond != 2e6 || s.WallSeconds != 1.5 {
		t.Fatalf("speed %v, segments/s %v, wall %v; want 20, 2e6, 1.5", s.SimSpeed, s.SegmentsPerWallSecond, s.WallSeconds)
	}
	b, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if flows, ok := back["flows"].([]any); !ok || len(flows) != 0 {
		t.Fatalf("flows of an empty run serialise as %v, want []", back["flows"])
	}

	other := info
	other.Wall = 3 * time.Second
	s.Provenance = &Provenance{Commit: "1111", Hostname: "a", StartTime: "2026-01-01T00:00:00Z"}
	a, c := s.WithoutWallClock(), Summarize(other, nil, nil)
	c.Provenance = &Provenance{Commit: "2222", Dirty: true, Hostname: "b", StartTime: "2026-01-02T00:00:00Z"}
	c = c.WithoutWallClock()
	ja, _ := json.Marshal(&a)
	jc, _ := json.Marshal(&c)
	if string(ja) != string(jc) {
		t.Fatalf("runs differing only in wall time and provenance differ without them:\n%s\n%s", ja, jc)
	}
	if s.WallSeconds != 1.5 || s.Provenance == nil {
		t.Fatal("WithoutWallClock modified its receiver")
	}
}

func TestSlowStartPeak(t *testing.T) {
	inf := cc.InfiniteSsthresh
	kernelInf := 0x7fffffff * 1448
	cases := []struct {
		name    string
		samples []FlowSample
		want    int
	}{
		{"no samples", nil, 0},
		{"ends at the first finite ssthresh", []FlowSample{
			{Cwnd: 10, Ssthresh: inf}, {Cwnd: 80, Ssthresh: inf}, {Cwnd: 40, Ssthresh: 40}, {Cwnd: 90, Ssthresh: 40},
		}, 80},
		{"ends at the first retransmission", []FlowSample{
			{Cwnd: 10, Ssthresh: kernelInf}, {Cwnd: 70, Ssthresh: kernelInf}, {Cwnd: 200, Ssthresh: kernelInf, Retransmits: 1},
		}, 70},
		{"before the connection, ssthresh 0", []FlowSample{
			{Cwnd: 0, Ssthresh: 0}, {Cwnd: 20, Ssthresh: inf}, {Cwnd: 30, Ssthresh: inf},
		}, 30},
	}
	for _, c := range cases {
		if got := slowStartPeak(c.samples); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

// The srtt columns come from the snapshots' SRTT while the flow runs: not
// before the sender has one, not after the flow completed, and apart from
// the path's RTT samples.
func TestSummarySRTTFromSnapshots(t *testing.T) {
	rec := NewRecorder(units.Second, 0)
	f := rec.AddFlow(0, "f", "reno", 0)
	ms := func(k int) units.Duration { return units.Duration(k) * units.Millisecond }
	f.Record(FlowSample{T: 0})
	f.Record(FlowSample{T: units.Time(units.Second), SRTT: ms(40)})
	f.Record(FlowSample{T: units.Time(2 * units.Second), SRTT: ms(60)})
	f.Complete(units.Time(2 * units.Second))
	f.Record(FlowSample{T: units.Time(3 * units.Second), SRTT: ms(60)})
	f.Record(FlowSample{T: units.Time(4 * units.Second), SRTT: ms(60)})
	f.RTT.Record(ms(20))
	fs := rec.Summary(RunInfo{Duration: 4 * units.Second}).Flows[0]
	if fs.SRTTMinMs != 40 || fs.SRTTMaxMs != 60 || fs.SRTTMeanMs != 50 || f.SRTT.Count() != 2 {
		t.Errorf("srtt min %v max %v mean %v ms over %d snapshots; want 40, 60, 50 over 2", fs.SRTTMinMs, fs.SRTTMaxMs, fs.SRTTMeanMs, f.SRTT.Count())
	}
	if fs.RTTMinMs != 20 || fs.RTTMaxMs != 20 || fs.RTTSamples != 1 {
		t.Errorf("path rtt min %v max %v ms over %d samples; want 20, 20 over 1", fs.RTTMinMs, fs.RTTMaxMs, fs.RTTSamples)
	}
}

// A provenance line quotes what a shell would not read back as one plain
// word, so it can be pasted to run the same command again.
func TestProvenanceLine(t *testing.T) {
	p := Provenance{Version: "(devel)", Commit: "abc123", Dirty: true, GoVersion: "go1.26.8", OSArch: "linux/amd64",
		CPUModel: "AMD EPYC", Hostname: "node1", StartTime: "2026-12-06T02:00:00Z",
		CommandLine: []string{"ccbench", "run", "x.toml", "--set", "flows[0].cc=reno", "--run", "it's", ""}}
	want := `ccbench (devel), commit abc123 (dirty), go1.26.8 linux/amd64, CPU AMD EPYC, host node1, started 2026-12-06T02:00:00Z: ccbench run x.toml --set 'flows[0].cc=reno' --run 'it'\''s' ''`
	if got := p.Line(); got != want {
		t.Errorf("line\n%s\nwant\n%s", got, want)
	}
}
