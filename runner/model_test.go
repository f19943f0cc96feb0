package runner

import (
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// Scenario tests for the model-based and ECN algorithms, against what the
// literature reports for them.

func runOne(t *testing.T, sc Scenario) *Result {
	t.Helper()
	for i := range sc.Flows {
		sc.Flows[i].Recovery = stack.RecoveryRACK
	}
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestBBRHoldsUtilizationOnAShallowBuffer(t *testing.T) {
	util := map[string]float64{}
	for _, alg := range []string{"bbr", "bbr3", "cubic"} {
		res := runOne(t, dumbbell(100*units.MbitPerSecond, 40*units.Millisecond, 0.1, 30*units.Second, alg))
		util[alg] = res.Summary.Link.Utilization
		t.Logf("%s: utilization %.3f, %d retransmits", alg, util[alg], res.Summary.Flows[0].Retransmits)
	}
	for _, bbr := range []string{"bbr", "bbr3"} {
		if util[bbr] < 0.90 {
			t.Errorf("%s utilization %.3f on a 0.1 BDP buffer, want at least 0.90", bbr, util[bbr])
		}
		if util["cubic"] > util[bbr]-0.05 {
			t.Errorf("CUBIC utilization %.3f is not clearly below %s's %.3f", util["cubic"], bbr, util[bbr])
		}
	}
}

func TestBBRKeepsRTTLowOnADeepBuffer(t *testing.T) {
	const base = 40.0 // ms
	p50 := map[string]float64{}
	for _, alg := range []string{"bbr", "bbr3", "cubic"} {
		res := runOne(t, dumbbell(100*units.MbitPerSecond, 40*units.Millisecond, 8, 30*units.Second, alg))
		p50[alg] = res.Summary.Flows[0].RTTP50Ms
		t.Logf("%s: median RTT %.1f ms, p95 %.1f ms, utilization %.3f", alg, p50[alg], res.Summary.Flows[0].RTTP95Ms, res.Summary.Link.Utilization)
	}
	for _, bbr := range []string{"bbr", "bbr3"} {
		if p50[bbr] >= 1.5*base {
			t.Errorf("%s median RTT %.1f ms, want below 1.5 × %v ms", bbr, p50[bbr], base)
		}
	}
	if p50["cubic"] <= 3*base {
		t.Errorf("CUBIC median RTT %.1f ms, want above 3 × %v ms (it fills the buffer)", p50["cubic"], base)
	}
}

func TestBBRProbeRTTEveryTenSeconds(t *testing.T) {
	res := runOne(t, dumbbell(100*units.MbitPerSecond, 40*units.Millisecond, 1, 35*units.Second, "bbr"))
	f := res.Recorder.Flows()[0]
	// A dip is a sample in probe_rtt with cwnd at 4 segments.
	var dips []units.Time
	inDip := false
	for _, s := range f.Samples {
		dip := s.Phase == "probe_rtt"
		if dip && !inDip {
			dips = append(dips, s.T)
			if s.Cwnd > 4*1448 {
				t.Errorf("ProbeRTT at %v with cwnd %d, want 4 segments", s.T, s.Cwnd)
			}
		}
		inDip = dip
	}
	t.Logf("ProbeRTT dips at %v", dips)
	if len(dips) < 3 {
		t.Fatalf("%d ProbeRTT dips in 35 s, want one every 10 s", len(dips))
	}
	for i := 1; i < len(dips); i++ {
		if gap := dips[i].Sub(dips[i-1]); gap < 9*units.Second || gap > 11*units.Second {
			t.Errorf("ProbeRTT dips %v apart, want about 10 s", gap)
		}
	}
}

func TestDCTCPHoldsTheQueueNearK(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 10 s at 1 Gbit/s")
	}
	sc := dumbbell(units.GbitPerSecond, units.Millisecond, 4, 10*units.Second, "dctcp")
	sc.TCP.ECN = true
	sc.Forward.QueueBytes = 2 << 20
	sc.Forward.ECNThresholdPackets = 20
	res := runOne(t, sc)
	ls := res.Summary.Link
	t.Logf("dctcp: utilization %.4f, queue p50 %d B p95 %d B max %d B, mean queueing delay %.3f ms, drops %d",
		ls.Utilization, ls.QueueBytesP50, ls.QueueBytesP95, ls.QueueBytesMax, ls.QueueDelayMeanMs, ls.Drops)
	if ls.Utilization < 0.95 {
		t.Errorf("utilization %.4f, want at least 0.95", ls.Utilization)
	}
	// K = 20 packets of 1500 bytes: the queue stays near 30 kB.
	if ls.QueueBytesP50 > 2*20*1500 || ls.QueueBytesP95 > 3*20*1500 || ls.Drops != 0 {
		t.Errorf("queue p50 %d B, p95 %d B, %d drops; want it held near K = 30 kB without drops", ls.QueueBytesP50, ls.QueueBytesP95, ls.Drops)
	}
}

// TestMixedAlgorithmsShareABottleneck runs the shipped mixed experiment:
// four algorithms picked per flow in one file, on one bottleneck.
func TestMixedAlgorithmsShareABottleneck(t *testing.T) {
	cfg, err := experiment.Load(filepath.Join("..", "experiments", "mixed.toml"), []string{"duration=10s"})
	if err != nil {
		t.Fatal(err)
	}
	res := simulateConfig(t, cfg)
	want := []string{"reno", "cubic", "bbr", "vegas"}
	if len(res.Summary.Flows) != len(want) {
		t.Fatalf("%d flows, want %d", len(res.Summary.Flows), len(want))
	}
	for i, f := range res.Summary.Flows {
		if f.CC != want[i] || f.BytesDelivered == 0 {
			t.Errorf("flow %d: cc %s, %d bytes delivered; want %s and some data", i, f.CC, f.BytesDelivered, want[i])
		}
	}
	if u := res.Summary.Link.Utilization; u < 0.9 {
		t.Errorf("utilization %.3f with four flows", u)
	}
}

// BenchmarkPacedSegmentThroughSim is the whole sim path with a BBR flow,
// so every data segment goes through the pacer's release.
func BenchmarkPacedSegmentThroughSim(b *testing.B) {
	w := steadyWorld(b, "flows[0].cc=bbr", "tcp.recovery=rack")
	b.ReportAllocs()
	b.ResetTimer()
	w.stepSegments(b, int64(b.N))
}
