package netem

import (
	"math/rand/v2"
	"strings"
	"testing"

	"ccbench/packet"
	"ccbench/units"
)

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
		var sojournsFast, sojournsSlow int
		fast.ObserveSojourn(func(units.Duration) { sojournsFast++ })
		slow.ObserveSojourn(func(units.Duration) { sojournsSlow++ })
		r := rand.New(rand.NewPCG(uint64(delay), 3))
		now := units.Time(0)
		type out struct {
			due  units.Time
			flow int32
			n    int
		}
		var gotFast, gotSlow []out
		drain := func(l *Link, got *[]out, at units.Time) {
			for p := l.Dequeue(at); p != nil; p = l.Dequeue(at) {
				*got = append(*got, out{p.Due, p.Flow, p.Len()})
				pool.Put(p)
			}
		}
		for i := range 5000 {
			now = now.Add(units.Duration(r.IntN(int(2 * ms))))
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
				t.Fatalf("delay %v, packet %d: next deadline %v with the shortcut, %v without", delay, i, fast.NextDeadline(), slow.NextDeadline())
			}
		}
		end := now.Add(delay + 1)
		drain(fast, &gotFast, end)
		drain(slow, &gotSlow, end)
		if len(gotFast) != 5000 || len(gotFast) != len(gotSlow) {
			t.Fatalf("delay %v: %d deliveries with the shortcut, %d without, want 5000", delay, len(gotFast), len(gotSlow))
		}
		for i := range gotFast {
			if gotFast[i] != gotSlow[i] {
				t.Fatalf("delay %v: delivery %d is %+v with the shortcut, %+v without", delay, i, gotFast[i], gotSlow[i])
			}
		}
		fs, ss := fast.Stats(), slow.Stats()
		if fs != ss || sojournsFast != sojournsSlow {
			t.Fatalf("delay %v: counters %+v (%d sojourns) with the shortcut, %+v (%d) without", delay, fs, sojournsFast, ss, sojournsSlow)
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
		r := rand.New(rand.NewPCG(11, 3))
		type out struct {
			due  units.Time
			flow int32
			n    int
		}
		var gotFast, gotSlow []out
		drain := func(l *Link, got *[]out, at units.Time) {
			for p := l.Dequeue(at); p != nil; p = l.Dequeue(at) {
				*got = append(*got, out{p.Due, p.Flow, p.Len()})
				pool.Put(p)
			}
		}
		now := units.Time(0)
		for i := range 5000 {
			if r.IntN(10) == 0 {
				now = now.Add(units.Duration(r.IntN(int(20 * ms))))
			} else {
				now = now.Add(units.Duration(r.IntN(int(ms) / 4)))
			}
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
				t.Fatalf("%+v, packet %d: next deadline %v with the shortcut, %v without", cfg, i, fast.NextDeadline(), slow.NextDeadline())
			}
		}
		end := now.Add(units.Duration(units.Second))
		drain(fast, &gotFast, end)
		drain(slow, &gotSlow, end)
		if len(gotFast) != len(gotSlow) || len(gotFast) < 1000 {
			t.Fatalf("%+v: %d deliveries with the shortcut, %d without", cfg, len(gotFast), len(gotSlow))
		}
		for i := range gotFast {
			if gotFast[i] != gotSlow[i] {
				t.Fatalf("%+v: delivery %d is %+v with the shortcut, %+v without", cfg, i, gotFast[i], gotSlow[i])
			}
		}
		fs, ss := fast.Stats(), slow.Stats()
		if fs != ss {
			t.Fatalf("%+v: counters\n%+v with the shortcut,\n%+v without", cfg, fs, ss)
		}
		if fs.DroppedPackets == 0 || fs.MaxQueuePackets == 0 {
			t.Fatalf("%+v: the arrivals never filled the queue (%d drops, max %d packets)", cfg, fs.DroppedPackets, fs.MaxQueuePackets)
		}
	}
}
