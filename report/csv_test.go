package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

func TestWriteFlowCSVGolden(t *testing.T) {
	f := &metrics.FlowSeries{ID: 0, CC: "reno", Samples: []metrics.FlowSample{
		{T: 0, Cwnd: 14480, Ssthresh: 1<<31 - 1, RTO: units.Second, State: "SYN-SENT", Phase: "slow_start"},
		{T: units.Time(10 * units.Millisecond), ThroughputBps: 11_584_000, Cwnd: 28960, Ssthresh: 1 << 30,
			SRTT: 20_500 * units.Microsecond, RTTVar: 10_250 * units.Microsecond, RTO: 1_000_000_001, LastRTT: 20_499_600,
			Inflight: 28960, Delivered: 14480, State: "ESTABLISHED", Phase: "slow_start"},
		{T: 1_234_567_891, ThroughputBps: 9_999_999.5, Cwnd: 43440, Ssthresh: 43439,
			SRTT: 21 * units.Millisecond, RTTVar: 3 * units.Millisecond, RTO: 200 * units.Millisecond, LastRTT: 22 * units.Millisecond,
			Inflight: 0, Retransmits: 3, Delivered: 1 << 40, State: "FIN-WAIT-1", Phase: `odd,"name"`,
			PacingBps: 12_345_678, CC: internals("alpha", 0.0625, "btl_bw", 96.5e6)},
	}}
	path := filepath.Join(t.TempDir(), "flow0.csv")
	if err := WriteFlowCSV(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := FlowCSVHeader[:len(FlowCSVHeader)-1] + ",cc_alpha,cc_btl_bw\n" +
		"0.000000,0.000000,14480,,0.000,0.000,1000.000,0.000,0,0,0,SYN-SENT,slow_start,0.000000,,\n" +
		"0.010000,11.584000,28960,,20.500,10.250,1000.000,20.500,28960,0,14480,ESTABLISHED,slow_start,0.000000,,\n" +
		"1.234568,9.999999,43440,43439,21.000,3.000,200.000,22.000,0,3,1099511627776,FIN-WAIT-1,\"odd,\"\"name\"\"\",12.345678,0.0625,96500000\n"
	if string(got) != want {
		t.Fatalf("flow CSV\n got:\n%s\nwant:\n%s", got, want)
	}
}

func internals(kv ...any) cc.Internals {
	var in cc.Internals
	for i := 0; i < len(kv); i += 2 {
		in.Add(kv[i].(string), kv[i+1].(float64))
	}
	return in
}

func TestWriteLinkCSVGolden(t *testing.T) {
	samples := []metrics.LinkSample{
		{T: 0},
		{T: units.Time(100 * units.Millisecond), QueueBytes: 15000, QueuePackets: 10, DeliveredBytes: 123_000,
			Served: 4, Sojourn: 10 * units.Millisecond},
		{T: units.Time(2500 * units.Millisecond), QueueBytes: 1500, QueuePackets: 1, Drops: 12, Lost: 2, DeliveredBytes: 3_000_000,
			Marked: 7, Served: 6, Sojourn: 13 * units.Millisecond},
	}
	path := filepath.Join(t.TempDir(), "link.csv")
	if err := WriteLinkCSV(path, samples); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := LinkCSVHeader +
		"0.000000,0,0,0,0,0,0,0.000\n" +
		"0.100000,15000,10,0,0,123000,0,2.500\n" +
		"2.500000,1500,1,12,2,3000000,7,1.500\n"
	if string(got) != want {
		t.Fatalf("link CSV\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteSummaryJSON(t *testing.T) {
	s := &metrics.Summary{Experiment: "a<b & c", Run: "r0", Seed: 3, Flows: []metrics.FlowSummary{}}
	path := filepath.Join(t.TempDir(), "summary.json")
	if err := WriteSummaryJSON(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "experiment": "a<b & c",
  "run": "r0",
  "seed": 3,
  "sim_seconds": 0,
  "wall_seconds": 0,
  "sim_speed": 0,
  "segments": 0,
  "segments_per_wall_second": 0,
  "link": {
    "rate_bps": 0,
    "utilization": 0,
    "delivered_bytes": 0,
    "drops": 0,
    "lost": 0,
    "queue_bytes_p50": 0,
    "queue_bytes_p95": 0,
    "queue_bytes_max": 0,
    "queue_packets_max": 0,
    "queue_delay_mean_ms": 0,
    "queue_delay_p50_ms": 0,
    "queue_delay_p95_ms": 0,
    "queue_delay_p99_ms": 0,
    "queue_delay_min_ms": 0,
    "queue_delay_max_ms": 0
  },
  "flows": [],
  "jain_fairness": 0
}
`
	if string(got) != want {
		t.Fatalf("summary JSON\n got:\n%s\nwant:\n%s", got, want)
	}
}
