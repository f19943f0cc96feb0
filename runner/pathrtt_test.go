package runner

import (
	"math"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// The path's RTT samples (package pathrtt, the estimator both drivers
// use) agree with the sender's own per-ACK samples on the 30 s bottleneck
// (p50 57.54 against 57.80 ms, p95 and p99 equal, 123 054 samples against
// 123 725), and stay within what the path allows: at least the base RTT
// plus the SYN's serialization, at most the base RTT plus a full buffer, a
// segment's serialization and the receiver's wait for the second segment
// of an ACK. The sender has a few more samples because, where Karn's rule
// leaves an ACK without one, it takes the echoed timestamp's (RFC 7323);
// they fall around loss episodes, with the queue full, so over a 5 s run,
// dominated by slow start's overshoot, the sender's p95 is 73 ms and the
// path's 64 ms, and the test holds the 30 s run.
func TestPathRTTMatchesTheSendersSamples(t *testing.T) {
	sc := scenario(t)
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	// The stack's own samples, from the moment the flow's connection
	// exists (its SYN has not yet been answered).
	var stackRTT metrics.Histogram
	for w.flows[0].conn == nil {
		if done, err := w.step(); err != nil || done {
			t.Fatalf("the flow never started: %v", err)
		}
	}
	w.flows[0].conn.OnRTTSample = stackRTT.Record
	if err := w.run(); err != nil {
		t.Fatal(err)
	}
	path := &w.sampler.flows[0].RTT
	if path.Count() < stackRTT.Count()*9/10 || path.Count() > stackRTT.Count() {
		t.Errorf("%d path samples for the sender's %d: want 90%% to 100%% of them", path.Count(), stackRTT.Count())
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		p, s := path.Quantile(q).Milliseconds(), stackRTT.Quantile(q).Milliseconds()
		if math.Abs(p-s) > 0.01*s {
			t.Errorf("p%g: path %.3f ms, sender %.3f ms; want within 1%%", q*100, p, s)
		}
	}
	rate := float64(sc.Forward.Rate)
	serialize := func(bytes int) units.Duration { return units.Duration(float64(bytes) * 8e9 / rate) }
	base := sc.Forward.Delay + sc.Reverse.Delay
	// The SYN is 40 bytes of headers plus its options (20).
	if lo := base + serialize(60); path.Min() != lo {
		t.Errorf("min %v, want exactly the base RTT plus the SYN's serialization, %v", path.Min(), lo)
	}
	if hi := base + serialize(sc.Forward.QueueBytes+2*1500); path.Max() > hi {
		t.Errorf("max %v above the base RTT, a full buffer and two segments, %v", path.Max(), hi)
	}
}
