package runner

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

// A shallow buffer at a fast link empties between samples: the 100 ms
// samples see a fraction of it, or nothing. The summary's queue maximum is
// the link's own, taken at every admission, and the queueing delay's
// maximum is exact, so each bounds the other to within one packet.
func TestSummaryQueueMaxIsThePerPacketMaxUnderManyDrops(t *testing.T) {
	const buffer = 6000
	sc := scenario(t, "duration=2s", "link.rate=1Gbit/s", "link.buffer=6000B", "flows[0].count=8", "flows[0].cc=cubic")
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	ls := res.Summary.Link
	sampled := 0
	for _, s := range res.Recorder.Link() {
		sampled = max(sampled, s.QueueBytes)
	}
	t.Logf("drops %d, queue max %d B (%d packets), sampled max %d B, queueing delay %.4f..%.4f ms",
		ls.Drops, ls.QueueBytesMax, ls.QueuePacketsMax, sampled, ls.QueueDelayMinMs, ls.QueueDelayMaxMs)
	if ls.Drops < 50 {
		t.Fatalf("only %d drops: the buffer is not shallow enough for the test", ls.Drops)
	}
	if ls.QueueBytesMax < buffer-1500 || ls.QueueBytesMax > buffer || ls.QueuePacketsMax < (buffer-1500)/1500 {
		t.Errorf("queue max %d B, %d packets; a %d B buffer that drops was at least %d B full", ls.QueueBytesMax, ls.QueuePacketsMax, buffer, buffer-1500)
	}
	if sampled >= ls.QueueBytesMax {
		t.Errorf("sampled max %d B is not below the per-packet max %d B: the test does not tell them apart", sampled, ls.QueueBytesMax)
	}
	// The packet that arrived to the fullest queue waited for the bytes
	// ahead of it; no packet waited for more than the fullest queue and
	// the rest of the one being sent. 1 Gbit/s sends 125 bytes per µs.
	const bytesPerMs = 125_000.0
	lo, hi := float64(ls.QueueBytesMax-1500)/bytesPerMs, float64(ls.QueueBytesMax+1500)/bytesPerMs
	if ls.QueueDelayMaxMs < lo || ls.QueueDelayMaxMs > hi {
		t.Errorf("queueing delay max %.5f ms, want %.5f..%.5f ms from the queue max", ls.QueueDelayMaxMs, lo, hi)
	}
	if ls.QueueDelayMinMs != 0 {
		t.Errorf("queueing delay min %v ms: some packet found the link idle and should not have waited", ls.QueueDelayMinMs)
	}
	for _, f := range res.Summary.Flows {
		if f.RTTMinMs < 40 || f.RTTMinMs > f.RTTP50Ms || f.RTTMaxMs < f.RTTP99Ms {
			t.Errorf("flow %d: RTT min %v p50 %v p99 %v max %v ms, want 40 <= min <= p50, p99 <= max", f.ID, f.RTTMinMs, f.RTTP50Ms, f.RTTP99Ms, f.RTTMaxMs)
		}
	}
}
