package netem

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// plannedConfigs are links that NewLink plans: a rate or none, a delay or
// none, a drop-tail buffer in packets, bytes, both or neither, framing
// overhead.
var plannedConfigs = []LinkConfig{
	{Rate: 10 * units.MbitPerSecond, Delay: 5 * ms, QueueBytes: 20000},
	{Rate: 100 * units.MbitPerSecond, Delay: 40 * ms, QueuePackets: 30, Overhead: 38},
	{Rate: 7 * units.MbitPerSecond, Delay: 3 * ms, QueuePackets: 6, QueueBytes: 5000},
	{Rate: 25 * units.MbitPerSecond, QueueBytes: 3000},
	{Rate: 50 * units.MbitPerSecond, Delay: ms},                     // no limit
	{Rate: 10 * units.MbitPerSecond, Delay: ms, QueueBytes: 1000},   // refuses a long packet into an empty queue
	{Delay: 2 * ms, QueuePackets: 3},                                // no rate, a limit: not pure delay
	{Rate: 3 * units.MbitPerSecond, Delay: 9 * ms, QueuePackets: 1}, // a packet in service and one waiting
}

// TestPlannedLinkMatchesTheStages drives each planned link and the same
// link made to go through its stages with the same random traffic (bursts
// that overflow the buffer, gaps that drain it, lengths from 40 to 1500
// bytes), draining both as the simulator does (DequeueTagged while
// MayHaveArrived) at random instants, and requires after every call the
// same answers (what EnqueueTagged says of the deadline, the deliveries
// with their tags, NextDeadline), the same counters (Stats, with and
// without Sync first) and in the end the same sojourn histogram.
func TestPlannedLinkMatchesTheStages(t *testing.T) {
	for ci, cfg := range plannedConfigs {
		var pool packet.Pool
		fast, err := NewLink(cfg, &pool)
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := NewLink(cfg, &pool)
		if !fast.planned {
			t.Fatalf("config %d (%+v) is not planned", ci, cfg)
		}
		slow.planned = false
		var hFast, hSlow metrics.Histogram
		fast.ObserveSojourn(&hFast)
		slow.ObserveSojourn(&hSlow)
		r := rand.New(rand.NewPCG(uint64(ci), 17))
		now := units.Time(0)
		step := 0
		check := func(what string) {
			t.Helper()
			if a, b := fast.NextDeadline(), slow.NextDeadline(); a != b {
				t.Fatalf("config %d, step %d, %s: next deadline %v planned, %v by stages", ci, step, what, a, b)
			}
			if a, b := fast.Stats(), slow.Stats(); a != b {
				t.Fatalf("config %d, step %d, %s: counters\n%+v planned,\n%+v by stages", ci, step, what, a, b)
			}
		}
		drain := func(at units.Time) {
			for {
				pf, nf, tf := fast.DequeueTagged(at)
				ps, ns, ts := slow.DequeueTagged(at)
				if (pf == nil) != (ps == nil) || nf != ns || tf != ts || (pf != nil && pf.Flow != ps.Flow) {
					t.Fatalf("config %d, step %d: delivered %v (%d bytes, tag %d) planned, %v (%d bytes, tag %d) by stages", ci, step, pf, nf, tf, ps, ns, ts)
				}
				if pf == nil {
					return
				}
				pool.Put(pf)
				pool.Put(ps)
				// MayHaveArrived may say true when nothing comes, but
				// never false when something would.
				if !fast.MayHaveArrived(at) {
					if p, _, _ := slow.DequeueTagged(at); p != nil {
						t.Fatalf("config %d, step %d: planned link says nothing has arrived by %v, the stages deliver %d", ci, step, at, p.Flow)
					}
					if p, _, _ := fast.DequeueTagged(at); p != nil {
						t.Fatalf("config %d, step %d: planned link says nothing has arrived by %v, and delivers %d", ci, step, at, p.Flow)
					}
					return
				}
			}
		}
		var id int32
		for step = range 20000 {
			switch k := r.IntN(20); {
			case k < 12:
				// Arrivals: mostly close together, sometimes a burst
				// at one instant.
				if r.IntN(4) != 0 {
					now = now.Add(units.Duration(r.IntN(int(ms) / 3)))
				}
				count := 1
				if r.IntN(8) == 0 {
					count = 1 + r.IntN(12)
				}
				for range count {
					n := 40 + r.IntN(1461)
					if r.IntN(3) == 0 {
						n = 1500
					}
					var sooner [2]bool
					for j, l := range []*Link{fast, slow} {
						p := pool.Get()
						p.SetLen(n)
						p.Flow = id
						sooner[j] = l.EnqueueTagged(now, p, n, uint64(id))
					}
					id++
					if sooner[0] != sooner[1] {
						t.Fatalf("config %d, step %d: EnqueueTagged says sooner %v planned, %v by stages", ci, step, sooner[0], sooner[1])
					}
					check("enqueue")
				}
			case k < 16:
				// The driver wakes at the link's deadline or at once.
				if d := fast.NextDeadline(); d != units.Never && r.IntN(2) == 0 {
					now = max(now, d)
				}
				drain(now)
				check("drain")
			case k < 17:
				// A long gap: the link empties.
				now = now.Add(units.Duration(r.IntN(int(30 * ms))))
			case k < 19:
				// A sample: Sync at an instant of its own, or not.
				if r.IntN(2) == 0 {
					now = now.Add(units.Duration(r.IntN(int(ms))))
				}
				fast.Sync(now)
				slow.Sync(now)
				check("sync")
			default:
				check("stats")
			}
		}
		drain(now.Add(units.Duration(units.Second)))
		check("end")
		if !reflect.DeepEqual(hFast, hSlow) {
			t.Fatalf("config %d: sojourn histograms differ: %d samples, mean %v, max %v planned; %d, %v, %v by stages",
				ci, hFast.Count(), hFast.Mean(), hFast.Max(), hSlow.Count(), hSlow.Mean(), hSlow.Max())
		}
		st := fast.Stats()
		// Without a rate no queue forms.
		queues := cfg.Rate > 0
		if st.DeliveredPackets < 1000 || queues && (cfg.QueueBytes+cfg.QueuePackets > 0 && st.DroppedPackets == 0 || st.MaxQueuePackets == 0) {
			t.Fatalf("config %d: %d deliveries, %d drops, a queue of at most %d packets: the traffic did not exercise the queue", ci, st.DeliveredPackets, st.DroppedPackets, st.MaxQueuePackets)
		}
	}
}

// TestPlannedOnlyWhereTimesAreKnown: NewLink plans a link only when nothing
// but the queue's length and the transmitter decide a packet's times.
func TestPlannedOnlyWhereTimesAreKnown(t *testing.T) {
	base := LinkConfig{Rate: 10 * units.MbitPerSecond, Delay: 5 * ms, QueueBytes: 20000}
	for _, c := range []struct {
		name   string
		change func(*LinkConfig)
	}{
		{"loss", func(c *LinkConfig) { c.LossRate = 0.01 }},
		{"ECN", func(c *LinkConfig) { c.ECNThresholdBytes = 3000 }},
		{"drop-head", func(c *LinkConfig) { c.Qdisc = QdiscDropHead }},
		{"CoDel", func(c *LinkConfig) { c.Qdisc = QdiscCoDel }},
		{"duplication", func(c *LinkConfig) { c.Duplicate.Prob = 0.1 }},
		{"jitter", func(c *LinkConfig) { c.Jitter.Jitter = ms }},
		{"pure delay", func(c *LinkConfig) { c.Rate, c.QueueBytes = 0, 0 }},
	} {
		cfg := base
		c.change(&cfg)
		l, err := NewLink(cfg, &packet.Pool{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if l.planned {
			t.Errorf("a link with %s is planned", c.name)
		}
	}
}
