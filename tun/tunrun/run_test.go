package tunrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
)

// tunDumbbell is a 50 Mbit/s bottleneck, 20 ms each way, with a one-BDP
// buffer, carrying one flow per entry of ccs.
func tunDumbbell(d units.Duration, ccs ...string) runner.Scenario {
	rate := 50 * units.MbitPerSecond
	rtt := 40 * units.Millisecond
	bdp := int(rate.BytesIn(rtt))
	sc := runner.Scenario{
		Duration:         d,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward:          netem.LinkConfig{Rate: rate, Delay: rtt / 2, QueueBytes: bdp},
		Reverse:          netem.LinkConfig{Delay: rtt / 2},
		Seed:             1,
	}
	for _, c := range ccs {
		sc.Flows = append(sc.Flows, runner.FlowSpec{CC: c})
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
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	var sumBps float64
	for i, f := range s.Flows {
		t.Logf("flow %d %s: goodput %.2f Mbit/s, %d bytes, %d retransmits, path rtt p50 %.1f ms",
			i, f.CC, f.GoodputBps/1e6, f.BytesDelivered, f.Retransmits, f.RTTP50Ms)
		if f.BytesDelivered == 0 {
			t.Errorf("flow %d (%s) delivered nothing", i, f.CC)
		}
		sumBps += float64(f.BytesDelivered) * 8 / sc.Duration.Seconds()
	}
	tm := res.Timing
	t.Logf("link utilization %.3f, drops %d; release error over %d packets: p50 %v p99 %v p99.9 %v max %v; relay %+v",
		s.Link.Utilization, s.Link.Drops, tm.Packets, tm.P50, tm.P99, tm.P999, tm.Max, res.Relay)
	logRelayProfile(t, res.Profile)
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
	_, err := Run(ctx, tunDumbbell(10*units.Second, "linux:cubic"), metrics.RunInfo{})
	checkNoNamespacesLeft(t)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled run returned %v, want the context's deadline error", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled run took %v to return", took)
	}
}

// TestTunRejectsUnknownAlgorithms needs no privilege: a flow whose cc is
// neither the kernel's nor registered is refused by name before anything
// is built.
func TestTunRejectsUnknownAlgorithms(t *testing.T) {
	_, err := Run(context.Background(), tunDumbbell(units.Second, "linux:cubic", "no-such-cc"), metrics.RunInfo{})
	if err == nil || !strings.Contains(err.Error(), "flows[1].cc") || !strings.Contains(err.Error(), "no-such-cc") {
		t.Errorf("got %v, want an error naming flows[1].cc and its value", err)
	}
}

// TestTunRejectsStackFlowsWithDifferentRecovery needs no privilege: the
// flows on ccbench's stack share one host, and with it one loss recovery,
// whatever kernel flows run beside them.
func TestTunRejectsStackFlowsWithDifferentRecovery(t *testing.T) {
	sc := tunDumbbell(units.Second, "linux:cubic", "cubic", "reno")
	sc.Flows[2].Recovery = stack.RecoveryRACK
	_, err := Run(context.Background(), sc, metrics.RunInfo{})
	if err == nil || !strings.Contains(err.Error(), "flows[2].recovery") || !strings.Contains(err.Error(), "flows[1]'s") {
		t.Errorf("got %v, want an error naming flows[2].recovery against flows[1]'s", err)
	}
}

// TestTunLinkSeriesIsLive runs one kernel CUBIC flow for 3 s through the
// 1 BDP dumbbell and writes the bottleneck's series as link.csv: one row
// per 100 ms sample, taken while the run goes on, with the queue standing
// in most rows once the flow has filled the pipe, and counters that only
// grow up to the run's totals.
func TestTunLinkSeriesIsLive(t *testing.T) {
	requireTunDriver(t)
	sc := tunDumbbell(3*units.Second, "linux:cubic")
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-link-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "link.csv")
	if err := report.WriteLinkCSV(path, res.Recorder.Link()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(raw)), "\n")[1:]
	if len(rows) != 31 {
		t.Fatalf("link.csv has %d rows, want 31 (0 through 3 s every 100 ms)", len(rows))
	}
	link := res.Recorder.Link()
	bdp := int(sc.Forward.Rate.BytesIn(40 * units.Millisecond))
	queued := 0
	for i, l := range link {
		// The sampler wakes on Go's timer, a millisecond late at most on
		// an idle machine; 20 ms leaves room for a busy one.
		if want := units.Time(i) * units.Time(sc.SampleInterval); l.T < want || l.T > want.Add(20*units.Millisecond) {
			t.Errorf("row %d taken at %v, want at %v", i, l.T, want)
		}
		if i > 0 && (l.DeliveredBytes < link[i-1].DeliveredBytes || l.Drops < link[i-1].Drops || l.Served < link[i-1].Served) {
			t.Errorf("row %d: counters went back: %+v after %+v", i, l, link[i-1])
		}
		if l.QueueBytes > bdp {
			t.Errorf("row %d: queue %d bytes exceeds the %d-byte buffer", i, l.QueueBytes, bdp)
		}
		if l.QueueBytes > 0 {
			queued++
		}
		t.Logf("%s", rows[i])
	}
	// After the first second, CUBIC keeps the 1 BDP buffer occupied but
	// for the instants after a loss.
	if queued < 15 {
		t.Errorf("the queue stood in %d of 31 rows, want at least 15", queued)
	}
	s := res.Summary
	last := link[len(link)-1]
	if last.DeliveredBytes < res.Read[0] {
		t.Errorf("link delivered %d bytes by the last row, the receiver read %d", last.DeliveredBytes, res.Read[0])
	}
	if s.Link.Utilization < 0.85 || s.Link.QueueBytesMax == 0 || s.Link.QueueDelayP50Ms == 0 {
		t.Errorf("link summary %+v: want utilization >= 0.85, a queue, and queueing delays", s.Link)
	}
	t.Logf("utilization %.3f, queue p50 %d p95 %d max %d bytes, queue delay p50 %.2f ms p99 %.2f ms, drops %d; scheduling %+v",
		s.Link.Utilization, s.Link.QueueBytesP50, s.Link.QueueBytesP95, s.Link.QueueBytesMax, s.Link.QueueDelayP50Ms, s.Link.QueueDelayP99Ms, s.Link.Drops, res.Scheduling)
}

// TestRegisteredForTun runs a tun experiment through runner.ExecuteWith,
// which finds this package's Run registered for driver = "tun": cancelled
// before it starts, the run builds and removes its namespaces and fails
// with the context's error (or, without root, with the reason the driver
// cannot run), never for want of a registered run.
func TestRegisteredForTun(t *testing.T) {
	cfg, err := experiment.Load("../../experiments/bottleneck.toml", []string{"flows[0].cc=linux:cubic", "driver=tun"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = runner.ExecuteWith(cfg, filepath.Join(t.TempDir(), "out"), "", runner.ExecOptions{Context: ctx, Plots: runner.PlotNone})
	checkNoNamespacesLeft(t)
	if avail := tun.Available(); avail != nil {
		if err == nil || err.Error() != avail.Error() {
			t.Fatalf("got %v, want the driver's reason: %v", err, avail)
		}
		return
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context's error", err)
	}
}
