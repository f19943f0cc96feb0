package runner

import (
	"context"
	"testing"

	"ccbench/metrics"
	"ccbench/stack"
	"ccbench/units"
)

// TestTunStackCubicToKernel runs ccbench's CUBIC on the stack at A against
// a kernel receiver in B: a verified 4 MiB transfer through the 50 Mbit/s,
// 40 ms RTT dumbbell, sampled from the stack's snapshots.
func TestTunStackCubicToKernel(t *testing.T) {
	requireTunDriver(t)
	const size = 4 << 20
	sc := tunDumbbell(3*units.Second, "cubic")
	sc.TCP = stack.DefaultConfig()
	sc.Flows[0].Recovery = stack.RecoveryRACK
	sc.Flows[0].Size = size
	sc.Verify = true
	res, err := SimulateTUN(context.Background(), sc, metrics.RunInfo{Experiment: "tun-stack-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Summary.Flows[0]
	tm := res.Timing
	t.Logf("stack cubic -> kernel: %d bytes, goodput %.2f Mbit/s, %d retransmits, srtt p50 %.1f ms; release error p50 %v p99 %v max %v; relay %+v",
		f.BytesDelivered, f.GoodputBps/1e6, f.Retransmits, f.RTTP50Ms, tm.P50, tm.P99, tm.Max, res.Relay)
	if res.Written[0] != size || res.Read[0] != size || f.CompletionSeconds == nil {
		t.Errorf("wrote %d, read %d of %d bytes, completion %v", res.Written[0], res.Read[0], size, f.CompletionSeconds)
	}
	if !res.Verified {
		t.Error("payload verification failed")
	}
	samples := res.Recorder.Flows()[0].Samples
	var sawWindow bool
	for _, s := range samples {
		if s.Cwnd > 0 && s.SRTT >= 40*units.Millisecond {
			sawWindow = true
		}
	}
	if !sawWindow {
		t.Errorf("no sample carries the stack's window and an srtt of at least 40 ms: %+v", samples[len(samples)-1])
	}
}
