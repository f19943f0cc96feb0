package runner

import (
	"testing"

	"github.com/ccbench/ccbench/units"
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

// TestStepChangeOfTheBottleneck drops the bottleneck from 100 to 20 Mbit/s
// at t = 10 s (link.schedule) under one CUBIC flow: the throughput follows.
func TestStepChangeOfTheBottleneck(t *testing.T) {
	cfg := loadBottleneck(t, "duration=20s", "flows[0].cc=cubic", "tcp.recovery=rack",
		`link.schedule="10s rate=20Mbit/s"`)
	sc, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := runOne(t, sc)
	f := res.Recorder.Flows()[0]
	before := float64(deliveredAt(t, f, units.Time(10*units.Second))-deliveredAt(t, f, units.Time(5*units.Second))) * 8 / 5
	after := float64(deliveredAt(t, f, units.Time(20*units.Second))-deliveredAt(t, f, units.Time(12*units.Second))) * 8 / 8
	var at12, at20 int64
	for _, s := range res.Recorder.Link() {
		switch s.T {
		case units.Time(12 * units.Second):
			at12 = s.DeliveredBytes
		case units.Time(20 * units.Second):
			at20 = s.DeliveredBytes
		}
	}
	link := float64(at20-at12) * 8 / 8
	t.Logf("goodput 5-10 s %.1f Mbit/s, 12-20 s %.1f Mbit/s; link 12-20 s %.3f Mbit/s", before/1e6, after/1e6, link/1e6)
	if before < 85e6 || after < 16e6 {
		t.Errorf("goodput %.1f then %.1f Mbit/s; want above 85 before the step and 16 after", before/1e6, after/1e6)
	}
	if link < 19.8e6 || link > 20.2e6 {
		t.Errorf("link carried %.3f Mbit/s after the step, want 20 within 1%%", link/1e6)
	}
}
