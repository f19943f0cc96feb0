package runner

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ccbench/metrics"
	"ccbench/netem"
	"ccbench/tun"
	"ccbench/units"
)

// tunDumbbell is a 50 Mbit/s bottleneck, 20 ms each way, with a one-BDP
// buffer, carrying one flow per entry of ccs.
func tunDumbbell(d units.Duration, ccs ...string) Scenario {
	rate := 50 * units.MbitPerSecond
	rtt := 40 * units.Millisecond
	bdp := int(rate.BytesIn(rtt))
	sc := Scenario{
		Duration:         d,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward:          netem.LinkConfig{Rate: rate, Delay: rtt / 2, QueueBytes: bdp},
		Reverse:          netem.LinkConfig{Delay: rtt / 2},
		Seed:             1,
	}
	for _, c := range ccs {
		sc.Flows = append(sc.Flows, FlowSpec{CC: c})
	}
	return sc
}

// requireTunDriver skips t, in one line, when the tun driver cannot run.
func requireTunDriver(t *testing.T) {
	t.Helper()
	if err := tun.Available(); err != nil {
		t.Skip(err.Error())
	}
}

// checkNoNamespacesLeft fails t if any namespace this process created
// still exists. Other processes' runs may be going on at the same time, so
// only names carrying this pid count.
func checkNoNamespacesLeft(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	own := "ccb-" + strconv.Itoa(os.Getpid()) + "-"
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), own) {
			t.Errorf("namespace %s is left after the run", e.Name())
		}
	}
}

// TestTunKernelCubicAndRenoShareTheLink runs kernel CUBIC and kernel Reno,
// both bulk, for 10 s through the relay, with a short verified Reno
// transfer of 2 MiB from 1 s. The sized flow is a third one because a
// sized flow that ends early leaves a CUBIC that lost in slow start alone
// on the link, growing slowly, and the link's utilization then measures
// CUBIC's recovery, not the driver.
func TestTunKernelCubicAndRenoShareTheLink(t *testing.T) {
	requireTunDriver(t)
	const size = 2 << 20
	sc := tunDumbbell(10*units.Second, "linux:cubic", "linux:reno", "linux:reno")
	sc.Flows[2].Size = size
	sc.Flows[2].Start = units.Second
	sc.Verify = true
	res, err := SimulateTUN(context.Background(), sc, metrics.RunInfo{Experiment: "tun-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	var sumBps float64
	for i, f := range s.Flows {
		t.Logf("flow %d %s: goodput %.2f Mbit/s, %d bytes, %d retransmits, srtt p50 %.1f ms",
			i, f.CC, f.GoodputBps/1e6, f.BytesDelivered, f.Retransmits, f.RTTP50Ms)
		if f.BytesDelivered == 0 {
			t.Errorf("flow %d (%s) delivered nothing", i, f.CC)
		}
		sumBps += float64(f.BytesDelivered) * 8 / sc.Duration.Seconds()
	}
	tm := res.Timing
	t.Logf("link utilization %.3f, drops %d; release error over %d packets: p50 %v p99 %v p99.9 %v max %v; relay %+v",
		s.Link.Utilization, s.Link.Drops, tm.Packets, tm.P50, tm.P99, tm.P999, tm.Max, res.Relay)
	if link := float64(sc.Forward.Rate); sumBps < 0.8*link || sumBps > 1.02*link {
		t.Errorf("flows delivered %.2f Mbit/s together, want 80-102%% of the %.0f Mbit/s link", sumBps/1e6, link/1e6)
	}
	if res.Read[2] != size || s.Flows[2].CompletionSeconds == nil {
		t.Errorf("sized reno flow read %d of %d bytes, completion %v", res.Read[2], size, s.Flows[2].CompletionSeconds)
	}
	if !res.Verified {
		t.Error("payload verification failed: a receiver read bytes its sender did not write")
	}
	if tm.Packets == 0 || tm.P50 >= 50*units.Microsecond {
		t.Errorf("median release error %v over %d packets, want under 50 µs", tm.P50, tm.Packets)
	}
	samples := res.Recorder.Flows()[0].Samples
	if n := len(samples); n != 101 {
		t.Errorf("cubic flow has %d samples, want 101 (0 through 10 s every 100 ms)", n)
	}
	last := samples[len(samples)-1]
	if last.Phase != "cubic" || last.State != "ESTABLISHED" || last.Cwnd == 0 || last.SRTT < 40*units.Millisecond {
		t.Errorf("last cubic sample %+v: want phase cubic, ESTABLISHED, a window and srtt >= 40 ms", last)
	}
}

// TestTunCancelTearsDown cancels a run shortly after it starts: it must
// return the context's error and leave no namespace behind.
func TestTunCancelTearsDown(t *testing.T) {
	requireTunDriver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := SimulateTUN(ctx, tunDumbbell(10*units.Second, "linux:cubic"), metrics.RunInfo{})
	checkNoNamespacesLeft(t)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled run returned %v, want the context's deadline error", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled run took %v to return", took)
	}
}

// TestTunRejectsStackFlows needs no privilege: a flow on ccbench's own
// stack is refused by name before anything is built.
func TestTunRejectsStackFlows(t *testing.T) {
	_, err := SimulateTUN(context.Background(), tunDumbbell(units.Second, "linux:cubic", "reno"), metrics.RunInfo{})
	if err == nil || !strings.Contains(err.Error(), "flows[1].cc") || !strings.Contains(err.Error(), "not available over TUN") {
		t.Errorf("got %v, want an error naming flows[1].cc and saying the stack is not available over TUN", err)
	}
}
