package runner

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// RTT fairness: loss-based AIMD grows its window by one segment per round
// trip, so of two Reno flows sharing a drop-tail bottleneck the one with
// the shorter RTT grows faster and takes more of the link, roughly in
// inverse proportion to the RTT or worse (Floyd and Jacobson 1991; Lakshman
// and Madhow 1997). The second flow's longer RTT comes from its own access
// link, FlowSpec.ExtraDelay.

// rttPair is two Reno flows through a 50 Mbit/s bottleneck whose own base
// RTT is 10 ms, the second with extra one-way delay added before it.
func rttPair(extra0, extra1 units.Duration, d units.Duration) Scenario {
	sc := dumbbell(50*units.MbitPerSecond, 10*units.Millisecond, 1, d, "reno", "reno")
	// One BDP at the mean of the two RTTs, so neither flow's sawtooth
	// empties the link on its own.
	mean := 10*units.Millisecond + (extra0+extra1)/2
	sc.Forward.QueueBytes = int(sc.Forward.Rate.BytesIn(mean))
	sc.Flows[0].ExtraDelay = extra0
	sc.Flows[1].ExtraDelay = extra1
	sc.Flows[1].Start = 500 * units.Millisecond
	return sc
}

// shareOverLastTwoThirds returns each flow's delivered bytes from a third
// of the run to its end.
func shareOverLastTwoThirds(t *testing.T, res *Result, d units.Duration) []float64 {
	var rates []float64
	for _, f := range res.Recorder.Flows() {
		rates = append(rates, float64(deliveredAt(t, f, units.Time(d))-deliveredAt(t, f, units.Time(d/3))))
	}
	return rates
}

func TestShortRTTRenoTakesMoreOfTheLink(t *testing.T) {
	const d = 60 * units.Second
	res, err := Simulate(rttPair(0, 90*units.Millisecond, d), metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	r := shareOverLastTwoThirds(t, res, d)
	short, long := res.Summary.Flows[0], res.Summary.Flows[1]
	t.Logf("10 ms flow %.2f Mbit/s (RTT p50 %.1f ms), 100 ms flow %.2f Mbit/s (RTT p50 %.1f ms), ratio %.2f",
		r[0]*8/40e6, short.RTTP50Ms, r[1]*8/40e6, long.RTTP50Ms, r[0]/r[1])
	if r[0] < 2*r[1] {
		t.Errorf("10 ms flow delivered %.0f bytes, 100 ms flow %.0f: want the short-RTT flow above twice the long one", r[0], r[1])
	}
	// The extra delay is propagation: the long flow's RTT exceeds the short
	// one's by the 90 ms of its access link (both see the same queue).
	if diff := long.RTTP50Ms - short.RTTP50Ms; diff < 85 || diff > 95 {
		t.Errorf("median RTTs %.1f and %.1f ms differ by %.1f, want about 90 ms", short.RTTP50Ms, long.RTTP50Ms, diff)
	}
	if u := res.Summary.Link.Utilization; u < 0.9 {
		t.Errorf("utilization %.3f, want the pair to keep the link busy", u)
	}
}

func TestEqualRTTRenoThroughAccessLinksIsFair(t *testing.T) {
	const d = 60 * units.Second
	res, err := Simulate(rttPair(20*units.Millisecond, 20*units.Millisecond, d), metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	r := shareOverLastTwoThirds(t, res, d)
	j := metrics.JainIndex(r)
	t.Logf("equal 50 ms RTTs: %.2f and %.2f Mbit/s, Jain %.4f", r[0]*8/40e6, r[1]*8/40e6, j)
	if j < 0.95 {
		t.Errorf("Jain's index %.4f over the last two thirds, want >= 0.95", j)
	}
}

// TestExtraDelayIsPureDelay checks the access link on an idle path: a
// single flow's smallest RTT is the path's 10 ms plus the extra one-way
// delay, plus the serialization of a small segment at 50 Mbit/s.
func TestExtraDelayIsPureDelay(t *testing.T) {
	sc := rttPair(30*units.Millisecond, 0, 2*units.Second)
	sc.Flows = sc.Flows[:1]
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	min := res.Recorder.Flows()[0].RTT.Quantile(0)
	// 10 ms path + 30 ms access; the handshake's 60-byte SYN takes under
	// 10 µs at 50 Mbit/s.
	lo, hi := 40*units.Millisecond, 40*units.Millisecond+20*units.Microsecond
	if min < lo || min > hi {
		t.Errorf("smallest RTT %v, want between %v and %v", min, lo, hi)
	}
}

func TestAccessLinkPathAllocatesNothing(t *testing.T) {
	sc := rttPair(0, 90*units.Millisecond, 1e6*units.Second)
	sc.SampleInterval = 1e5 * units.Second
	sc.ThroughputWindow = sc.SampleInterval
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	for w.now < units.Time(3*units.Second) {
		if done, err := w.step(); done || err != nil {
			t.Fatal("run ended during warm-up", err)
		}
	}
	if allocs := testing.AllocsPerRun(20, func() { w.stepSegments(t, 500) }); allocs != 0 {
		t.Fatalf("%.1f allocations per 500 segments through an access link, want 0", allocs)
	}
}

// BenchmarkSegmentThroughAccessLink is BenchmarkSegmentThroughSim with one
// of two flows behind a 90 ms access link.
func BenchmarkSegmentThroughAccessLink(b *testing.B) {
	sc := rttPair(0, 90*units.Millisecond, 1e6*units.Second)
	sc.SampleInterval = 1e5 * units.Second
	sc.ThroughputWindow = sc.SampleInterval
	w, err := newWorld(sc)
	if err != nil {
		b.Fatal(err)
	}
	for w.now < units.Time(3*units.Second) {
		if done, err := w.step(); done || err != nil {
			b.Fatal("run ended during warm-up", err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	w.stepSegments(b, int64(b.N))
}
