package netem

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// delivery is one packet a link handed out, as the shortcut tests compare
// them.
type delivery struct {
	due  units.Time
	flow int32
	n    int
}

// sameWithAndWithout drives fast (a link taking a shortcut) and slow (the
// same link made to go through every stage) through 5000 arrivals drawn by
// gap and the same lengths, draining both at random instants, and fails
// at the first difference in next deadline, in what was delivered (order,
// times, lengths) or in the counters. It returns what was delivered and
// the counters.
func sameWithAndWithout(t *testing.T, name string, fast, slow *Link, pool *packet.Pool, seed uint64, gap func(*rand.Rand) units.Duration) ([]delivery, LinkStats) {
	t.Helper()
	var gotFast, gotSlow []delivery
	drain := func(l *Link, got *[]delivery, at units.Time) {
		for p := l.Dequeue(at); p != nil; p = l.Dequeue(at) {
			*got = append(*got, delivery{p.Due, p.Flow, p.Len()})
			pool.Put(p)
		}
	}
	r := rand.New(rand.NewPCG(seed, 3))
	now := units.Time(0)
	for i := range 5000 {
		now = now.Add(gap(r))
		n := 40 + r.IntN(1460)
		for _, l := range []*Link{fast, slow} {
			p := pool.Get()
			p.SetLen(n)
			p.Flow = int32(i)
			l.Enqueue(now, p)
		}
		if r.IntN(3) == 0 {
			drain(fast, &gotFast, now)
			drain(slow, &gotSlow, now)
		}
		if fast.NextDeadline() != slow.NextDeadline() {
			t.Fatalf("%s, packet %d: next deadline %v with the shortcut, %v without", name, i, fast.NextDeadline(), slow.NextDeadline())
		}
	}
	end := now.Add(units.Duration(units.Second))
	drain(fast, &gotFast, end)
	drain(slow, &gotSlow, end)
	if len(gotFast) != len(gotSlow) {
		t.Fatalf("%s: %d deliveries with the shortcut, %d without", name, len(gotFast), len(gotSlow))
	}
	for i := range gotFast {
		if gotFast[i] != gotSlow[i] {
			t.Fatalf("%s: delivery %d is %+v with the shortcut, %+v without", name, i, gotFast[i], gotSlow[i])
		}
	}
	fs, ss := fast.Stats(), slow.Stats()
	if fs != ss {
		t.Fatalf("%s: counters\n%+v with the shortcut,\n%+v without", name, fs, ss)
	}
	return gotFast, fs
}

// TestPureDelayShortcutMatchesTheStages drives a link of pure delay with
// and without its Enqueue shortcut through the same random arrivals and
// requires the same deliveries (order, times) and the same counters.
func TestPureDelayShortcutMatchesTheStages(t *testing.T) {
	for _, delay := range []units.Duration{0, 7 * ms, 40 * ms} {
		var pool packet.Pool
		fast, err := NewLink(LinkConfig{Delay: delay}, &pool)
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := NewLink(LinkConfig{Delay: delay}, &pool)
		if !fast.pureDelay {
			t.Fatal("a link of delay only does not take the shortcut")
		}
		slow.pureDelay = false
		var sojournsFast, sojournsSlow metrics.Histogram
		fast.ObserveSojourn(&sojournsFast)
		slow.ObserveSojourn(&sojournsSlow)
		got, _ := sameWithAndWithout(t, "delay "+delay.String(), fast, slow, &pool, uint64(delay),
			func(r *rand.Rand) units.Duration { return units.Duration(r.IntN(int(2 * ms))) })
		if len(got) != 5000 || sojournsFast.Count() != sojournsSlow.Count() {
			t.Fatalf("delay %v: %d deliveries, want 5000; %d sojourns with the shortcut, %d without", delay, len(got), sojournsFast.Count(), sojournsSlow.Count())
		}
	}
}

// TestIdleTransmitterShortcutMatchesTheQueue drives a drop-tail and a
// drop-head link, of a rate or of a trace, with and without the shortcut
// that puts a packet finding an empty queue and an idle transmitter
// straight on the wire, through the same random arrivals (bursts that
// overflow the buffer, gaps that drain it) and requires the same
// deliveries, deadlines and counters.
func TestIdleTransmitterShortcutMatchesTheQueue(t *testing.T) {
	tr, err := ParseTrace(strings.NewReader("1\n2\n2\n5\n8\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []LinkConfig{
		{Rate: 10 * units.MbitPerSecond, Delay: 5 * ms, QueueBytes: 20000},
		{Rate: 10 * units.MbitPerSecond, Delay: 5 * ms, QueuePackets: 8, Qdisc: QdiscDropHead},
		{Rate: 100 * units.MbitPerSecond, QueueBytes: 3000, ECNThresholdBytes: 1000},
		{Trace: tr, Delay: 3 * ms, QueueBytes: 30000},
		{Rate: 10 * units.MbitPerSecond, Delay: ms, QueueBytes: 1000}, // refuses a long packet into an empty queue
	} {
		var pool packet.Pool
		fast, err := NewLink(cfg, &pool)
		if err != nil {
			t.Fatal(err)
		}
		slow, _ := NewLink(cfg, &pool)
		if !fast.simpleQueue {
			t.Fatalf("%+v: no shortcut", cfg)
		}
		slow.simpleQueue = false
		// The shortcut under test is the link of stages' own.
		fast.planned, slow.planned = false, false
		name := cfg.Rate.String() + " " + string(cfg.Qdisc)
		got, st := sameWithAndWithout(t, name, fast, slow, &pool, 11, func(r *rand.Rand) units.Duration {
			if r.IntN(10) == 0 {
				return units.Duration(r.IntN(int(20 * ms)))
			}
			return units.Duration(r.IntN(int(ms) / 4))
		})
		if len(got) < 1000 || st.DroppedPackets == 0 || st.MaxQueuePackets == 0 {
			t.Fatalf("%s: %d deliveries, %d drops, a queue of at most %d packets: the arrivals did not exercise the queue", name, len(got), st.DroppedPackets, st.MaxQueuePackets)
		}
	}
}
