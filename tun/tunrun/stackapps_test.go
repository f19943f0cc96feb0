package tunrun

import (
	"context"
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
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
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-stack-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Summary.Flows[0]
	tm := res.Timing
	t.Logf("stack cubic -> kernel: %d bytes, goodput %.2f Mbit/s, %d retransmits, srtt p50 %.1f ms; release error p50 %v p99 %v max %v; relay %+v",
		f.BytesDelivered, f.GoodputBps/1e6, f.Retransmits, f.RTTP50Ms, tm.P50, tm.P99, tm.Max, res.Relay)
	logRelayProfile(t, res.Profile)
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

// TestTunStackAndKernelShareTheLink runs ccbench's CUBIC on the stack and
// the kernel's CUBIC, both bulk and verified, from A to B through one 30
// Mbit/s, 20 ms RTT, 1 BDP bottleneck for 4 s: both deliver, and together
// they keep the link at least 90% busy. Jain's index between the two is
// reported, not checked, since they are different implementations.
func TestTunStackAndKernelShareTheLink(t *testing.T) {
	requireTunDriver(t)
	rate := 30 * units.MbitPerSecond
	rtt := 20 * units.Millisecond
	sc := runner.Scenario{
		Duration:         4 * units.Second,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward:          netem.LinkConfig{Rate: rate, Delay: rtt / 2, QueueBytes: int(rate.BytesIn(rtt))},
		Reverse:          netem.LinkConfig{Delay: rtt / 2},
		Seed:             1,
		TCP:              stack.DefaultConfig(),
		Flows:            []runner.FlowSpec{{CC: "cubic", Recovery: stack.RecoveryRACK}, {CC: "linux:cubic"}},
		Verify:           true,
	}
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-mixed-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	var sumBps float64
	for i, f := range s.Flows {
		t.Logf("flow %d %s: goodput %.2f Mbit/s, %d bytes, %d retransmits, srtt p50 %.1f ms",
			i, f.CC, f.GoodputBps/1e6, f.BytesDelivered, f.Retransmits, f.RTTP50Ms)
		if f.BytesDelivered == 0 || res.Read[i] == 0 {
			t.Errorf("flow %d (%s) delivered nothing", i, f.CC)
		}
		sumBps += f.GoodputBps
	}
	tm := res.Timing
	t.Logf("Jain's index %.4f; link utilization %.3f, drops %d; release error over %d packets: p50 %v p99 %v max %v; relay %+v; scheduling %+v",
		s.JainFairness, s.Link.Utilization, s.Link.Drops, tm.Packets, tm.P50, tm.P99, tm.Max, res.Relay, res.Scheduling)
	logRelayProfile(t, res.Profile)
	if sumBps < 0.9*float64(rate) {
		t.Errorf("goodputs sum to %.2f Mbit/s, want at least 90%% of the %.0f Mbit/s link", sumBps/1e6, float64(rate)/1e6)
	}
	if !res.Verified {
		t.Errorf("payload verification failed: read %v of written %v", res.Read, res.Written)
	}
	if s.JainFairness <= 0 || s.JainFairness > 1 {
		t.Errorf("Jain's index %v is outside (0, 1]", s.JainFairness)
	}
}

// logRelayProfile logs where the relay's time and late releases went.
func logRelayProfile(t *testing.T, p *tun.RelayProfile) {
	q := func(h *metrics.Histogram) string {
		return fmt.Sprintf("%d (p50 %v, p99 %v, max %v)", h.Count(), h.Quantile(0.5), h.Quantile(0.99), h.Max())
	}
	t.Logf("relay turns %s; sleep overshoot %s; stalls %s; switches %d involuntary, %d voluntary",
		q(&p.Turn), q(&p.Overshoot), q(&p.Stall), p.InvoluntarySwitches, p.VoluntarySwitches)
	for a := range tun.Activity(5) {
		if p.Late[a].Count() > 0 {
			t.Logf("late behind %s: %s", a, q(&p.Late[a]))
		}
	}
}
