package runner

import (
	"testing"

	"ccbench/metrics"
	"ccbench/netem"
	"ccbench/stack"
	"ccbench/units"
)

// bottleneck is the shipped experiment's scenario: one Reno flow, 100
// Mbit/s, 40 ms base RTT, a 1 BDP drop-tail buffer.
func bottleneck(d units.Duration) Scenario {
	return Scenario{
		Duration:         d,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward: netem.LinkConfig{
			Rate:       100 * units.MbitPerSecond,
			Delay:      20 * units.Millisecond,
			QueueBytes: 500000,
		},
		Reverse: netem.LinkConfig{Delay: 20 * units.Millisecond},
		TCP:     stack.DefaultConfig(),
		Flows:   []FlowSpec{{CC: "reno"}},
		Seed:    1,
	}
}

func TestBottleneckRenoQuick(t *testing.T) {
	r, err := Simulate(bottleneck(30*units.Second), metrics.RunInfo{Experiment: "t"})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	t.Logf("goodput %.2f Mbit/s util %.3f retrans %d wall %.3fs segs/s %.0f drops %d", s.Flows[0].GoodputBps/1e6, s.Link.Utilization, s.Flows[0].Retransmits, s.WallSeconds, s.SegmentsPerWallSecond, s.Link.Drops)
}
