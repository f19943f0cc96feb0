package runner

import (
	"testing"

	"ccbench/units"
)

// TestCoDelKeepsTheStandingQueueShort runs a saturating CUBIC flow through
// a 100 Mbit/s, 40 ms bottleneck with a 10 BDP buffer: drop-tail lets the
// queue fill (hundreds of milliseconds), CoDel holds the packets' sojourn
// near its 5 ms target.
func TestCoDelKeepsTheStandingQueueShort(t *testing.T) {
	p50 := map[string]float64{}
	for _, q := range []string{"droptail", "codel"} {
		sc := dumbbell(100*units.MbitPerSecond, 40*units.Millisecond, 10, 30*units.Second, "cubic")
		sc.Forward.Qdisc = q
		res := runOne(t, sc)
		ls := res.Summary.Link
		p50[q] = ls.QueueDelayP50Ms
		t.Logf("%s: queueing delay p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, utilization %.3f, drops %d",
			q, ls.QueueDelayP50Ms, ls.QueueDelayP95Ms, ls.QueueDelayP99Ms, ls.Utilization, ls.Drops)
	}
	if p50["codel"] >= 10 {
		t.Errorf("CoDel median sojourn %.2f ms, want under 10 ms", p50["codel"])
	}
	if p50["droptail"] <= 100 {
		t.Errorf("drop-tail median sojourn %.2f ms, want above 100 ms", p50["droptail"])
	}
}
