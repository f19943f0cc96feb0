package netem

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// saturate drives a link built from cfg the way the simulator does, keeping
// at least four size-byte packets waiting at every event until until, and
// hands each delivered packet to arrived before returning it to the pool.
func saturate(tb testing.TB, cfg LinkConfig, size int, until units.Time, arrived func(p *packet.Packet)) *Link {
	tb.Helper()
	pool := &packet.Pool{}
	l, err := NewLink(cfg, pool)
	if err != nil {
		tb.Fatal(err)
	}
	// The link wakes when a packet arrives, not when a transmission ends
	// (NextDeadline), so the source keeps enough queued to cover one
	// propagation delay of transmissions between wake-ups.
	backlog := 4
	if cfg.Rate > 0 {
		backlog += int(cfg.Delay / cfg.Rate.TxTime(size))
	}
	var id int32
	for now := units.Time(0); now <= until; now = l.NextDeadline() {
		for l.Stats().QueuePackets < backlog {
			p := pool.Get()
			p.SetLen(size)
			p.Flow = id
			id++
			l.Enqueue(now, p)
		}
		for p := l.Dequeue(now); p != nil; p = l.Dequeue(now) {
			arrived(p)
			pool.Put(p)
		}
	}
	return l
}

// TestSaturatedRateIsConfiguredRate: a saturated link delivers its rate,
// measured over 10000 packet times from the first arrival, within 0.5%
// (the model gives it exactly, 1500-byte transmission times being whole
// nanoseconds at all four rates).
func TestSaturatedRateIsConfiguredRate(t *testing.T) {
	for _, rate := range []units.Rate{units.MbitPerSecond, 100 * units.MbitPerSecond,
		1000 * units.MbitPerSecond, 10000 * units.MbitPerSecond} {
		t.Run(rate.String(), func(t *testing.T) {
			window := 10000 * rate.TxTime(1500)
			first := units.Never
			var bytes int64
			saturate(t, LinkConfig{Rate: rate, Delay: 5 * ms}, 1500, units.Time(5*ms+window+window/10), func(p *packet.Packet) {
				first = min(first, p.Due)
				if p.Due > first && p.Due <= first.Add(window) {
					bytes += int64(p.Len())
				}
			})
			got := float64(bytes*8) / window.Seconds()
			t.Logf("delivered %.0f bit/s over %v", got, window)
			if dev := math.Abs(got-float64(rate)) / float64(rate); dev > 0.005 {
				t.Errorf("delivered %.0f bit/s, configured %d: off by %.3f%%", got, int64(rate), 100*dev)
			}
		})
	}
}

// TestDelayIsPropagationPlusSerializationPlusQueueing checks every packet
// of a random arrival process against the FIFO model computed here:
// start = max(arrival, previous finish), due = start + tx + delay.
func TestDelayIsPropagationPlusSerializationPlusQueueing(t *testing.T) {
	const delay = 7 * ms
	tl := newTestLink(t, LinkConfig{Rate: mbps100, Delay: delay})
	want := map[int32]units.Time{}
	var finish, now units.Time
	for i := range 2000 {
		now = now.Add(units.Duration(i*7919%200) * us)
		n := 64 + i*131%1437
		id := tl.send(now, n)
		start := max(now, finish)
		finish = start.Add(mbps100.TxTime(n))
		want[id] = finish.Add(delay)
		for _, a := range tl.collect(now) {
			if a.due != want[a.id] {
				t.Fatalf("packet %d due %v, want %v", a.id, a.due, want[a.id])
			}
			delete(want, a.id)
		}
	}
	for _, a := range tl.runUntil(now.Add(10 * units.Second)) {
		if a.due != want[a.id] {
			t.Fatalf("packet %d due %v, want %v", a.id, a.due, want[a.id])
		}
		delete(want, a.id)
	}
	if len(want) != 0 {
		t.Fatalf("%d packets never arrived", len(want))
	}
}

// TestLinkJitterKeepsOrderUnlessReorder: 5 ms of normal jitter on a 1 ms
// spacing would reorder most packets; without the switch none is, and
// the delays still spread; with it, some are.
func TestLinkJitterKeepsOrderUnlessReorder(t *testing.T) {
	for _, reorder := range []bool{false, true} {
		cfg := LinkConfig{Rate: 12 * units.MbitPerSecond, Delay: 20 * ms, Seed: 3,
			Jitter: JitterParams{Jitter: 5 * ms, Dist: Normal, Reorder: reorder}}
		last, inversions := int32(-1), 0
		minDue, maxDue := units.Never, units.Time(0)
		l := saturate(t, cfg, 1500, units.Time(units.Second), func(p *packet.Packet) {
			if p.Flow < last {
				inversions++
			}
			last = max(last, p.Flow)
			delay := p.Due.Sub(p.Enqueued)
			minDue, maxDue = min(minDue, units.Time(delay)), max(maxDue, units.Time(delay))
		})
		if got := l.Stats().DeliveredPackets; got < 900 {
			t.Fatalf("reorder=%v: only %d packets delivered", reorder, got)
		}
		if maxDue.Sub(minDue) < 5*ms {
			t.Errorf("reorder=%v: delays span only %v", reorder, maxDue.Sub(minDue))
		}
		if !reorder && inversions != 0 {
			t.Errorf("reorder off: %d packets overtaken", inversions)
		}
		if reorder && inversions == 0 {
			t.Errorf("reorder on: no packet overtaken")
		}
	}
}

// TestTraceLinkDeliversTraceBytesPerSecond: under saturation a trace link
// delivers exactly 1500 bytes per opportunity in every second, here 1000,
// 250 and 3000 opportunities in the three seconds of the trace's period.
func TestTraceLinkDeliversTraceBytesPerSecond(t *testing.T) {
	var b strings.Builder
	for ms := 1; ms <= 3000; ms++ {
		per := [3]int{1, 0, 3}[(ms-1)/1000]
		if ms%4 == 0 && per == 0 {
			per = 1
		}
		for range per {
			fmt.Fprintln(&b, ms)
		}
	}
	tr, err := ParseTrace(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	perSecond := make([]int64, 7)
	saturate(t, LinkConfig{Trace: tr}, 1500, units.Time(6*units.Second), func(p *packet.Packet) {
		if s := int((p.Due - 1) / units.Time(units.Second)); s < len(perSecond) {
			perSecond[s] += int64(p.Len())
		}
	})
	for s := range 6 {
		from, to := units.Time(s)*units.Time(units.Second), units.Time(s+1)*units.Time(units.Second)
		if want := tr.CapacityBytes(from, to); perSecond[s] != want {
			t.Errorf("second %d: delivered %d bytes, the trace gives %d", s, perSecond[s], want)
		}
	}
	if perSecond[0] != 1000*1500 || perSecond[1] != 250*1500 || perSecond[2] != 3000*1500 {
		t.Errorf("per-second bytes %v, want 1.5e6, 3.75e5, 4.5e6 repeating", perSecond[:3])
	}
}

// TestScheduleStepChangesRate: 100 Mbit/s until 10 s, then 20 Mbit/s; the
// second before the step carries 100 Mbit/s and the one after 20, each
// within 0.5%.
func TestScheduleStepChangesRate(t *testing.T) {
	sched, err := NewSchedule([]Change{{At: units.Time(10 * units.Second), Rate: 20 * units.MbitPerSecond}})
	if err != nil {
		t.Fatal(err)
	}
	var before, after int64
	sec := units.Time(units.Second)
	saturate(t, LinkConfig{Rate: mbps100, Schedule: sched}, 1500, 11*sec+sec/10, func(p *packet.Packet) {
		switch {
		case p.Due > 9*sec && p.Due <= 10*sec:
			before += int64(p.Len())
		case p.Due > 10*sec && p.Due <= 11*sec:
			after += int64(p.Len())
		}
	})
	for _, c := range []struct {
		name  string
		bytes int64
		want  float64
	}{{"9-10 s", before, 100e6}, {"10-11 s", after, 20e6}} {
		t.Logf("%s: %d bit/s", c.name, c.bytes*8)
		if got := float64(c.bytes * 8); math.Abs(got-c.want)/c.want > 0.005 {
			t.Errorf("%s: %.0f bit/s, want %.0f", c.name, got, c.want)
		}
	}
}

// TestScheduleWakesIdleLink: NextDeadline names the next change even when
// the link holds nothing.
func TestScheduleWakesIdleLink(t *testing.T) {
	sched, _ := NewSchedule([]Change{{At: units.Time(2 * units.Second), Rate: mbps100}})
	tl := newTestLink(t, LinkConfig{Schedule: sched})
	if got := tl.link.NextDeadline(); got != units.Time(2*units.Second) {
		t.Fatalf("NextDeadline = %v, want 2s", got)
	}
}

// ipv4 makes p a 100-byte IPv4 datagram, which the corrupter needs.
func ipv4(p *packet.Packet) {
	p.SetLen(100)
	p.Bytes()[0] = 0x45
}

func TestImpairmentCountsThroughLink(t *testing.T) {
	cfg := LinkConfig{Rate: mbps100, Delay: ms, Duplicate: Impairment{Prob: 1}, Corrupt: Impairment{Prob: 1}}
	tl := newTestLink(t, cfg)
	for i := range 50 {
		p := tl.pool.Get()
		ipv4(p)
		tl.link.Enqueue(units.Time(i)*units.Time(ms), p)
	}
	got := len(tl.runUntil(units.Time(units.Second)))
	s := tl.link.Stats()
	if got != 100 || s.DuplicatedPackets != 50 || s.CorruptedPackets != 100 || s.DeliveredPackets != 100 {
		t.Errorf("delivered %d, stats %+v; want 100 delivered, 50 duplicated, 100 corrupted", got, s)
	}
	tl.checkBalanceStages()
}

// TestPolicerThroughLink: a 1 Mbit/s policer with a 3000-byte bucket
// passes two of a burst of ten 1500-byte packets, and one more 12 ms
// (one packet's worth of tokens) later.
func TestPolicerThroughLink(t *testing.T) {
	tl := newTestLink(t, LinkConfig{Policer: PolicerParams{Rate: units.MbitPerSecond, Burst: 3000}})
	tl.burst(0, 10, 1500)
	tl.send(units.Time(12*ms), 1500)
	tl.send(units.Time(12*ms), 1500)
	tl.collect(units.Time(20 * ms))
	s := tl.link.Stats()
	if s.PolicedPackets != 9 || s.DeliveredPackets != 3 {
		t.Errorf("policed %d, delivered %d; want 9 and 3", s.PolicedPackets, s.DeliveredPackets)
	}
	tl.checkBalanceStages()
}

// TestReorderSendsSomeImmediately: netem's "reorder 25% gap 1" sends about
// a quarter of packets without the delay, so they overtake.
func TestReorderSendsSomeImmediately(t *testing.T) {
	cfg := LinkConfig{Rate: mbps100, Delay: 10 * ms, Reorder: ReorderParams{Prob: 0.25}, Seed: 9}
	immediate := 0
	l := saturate(t, cfg, 1500, units.Time(units.Second), func(p *packet.Packet) {
		if p.Due.Sub(p.Enqueued) < 10*ms {
			immediate++
		}
	})
	s := l.Stats()
	if frac := float64(s.ReorderedPackets) / float64(s.DeliveredPackets); math.Abs(frac-0.25) > 0.02 {
		t.Errorf("reordered fraction %.3f, want 0.25±0.02", frac)
	}
	if immediate == 0 {
		t.Error("no packet skipped the delay")
	}
}

// checkBalanceStages checks the balance with the stages' counters.
func (tl *testLink) checkBalanceStages() {
	tl.t.Helper()
	s := tl.link.Stats()
	in := s.EnqueuedPackets + s.DuplicatedPackets
	out := s.DeliveredPackets + s.DroppedPackets + s.LostPackets + s.PolicedPackets + int64(s.InSystemPackets)
	if in != out {
		tl.t.Errorf("packets in %d, accounted for %d: %+v", in, out, s)
	}
}

func TestStageConfigErrorsNameField(t *testing.T) {
	tr, _ := ParseTrace(strings.NewReader("1\n"))
	for _, c := range []struct {
		cfg   LinkConfig
		field string
	}{
		{LinkConfig{LossModel: "markov"}, "LossModel"},
		{LinkConfig{LossModel: LossGilbertElliott, GilbertElliott: GilbertElliottParams{P: 2}}, "GilbertElliott.P"},
		{LinkConfig{LossModel: LossGilbertElliott, LossRate: 0.1}, "LossRate"},
		{LinkConfig{Jitter: JitterParams{Jitter: -1}}, "Jitter.Jitter"},
		{LinkConfig{Duplicate: Impairment{Prob: 1.5}}, "Duplicate.Prob"},
		{LinkConfig{Reorder: ReorderParams{Prob: 0.1}}, "Reorder.Prob"},
		{LinkConfig{Policer: PolicerParams{Rate: mbps100}}, "Policer.Burst"},
		{LinkConfig{Rate: mbps100, Trace: tr}, "Rate"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), "link "+c.field+" = ") {
			t.Errorf("%+v: error %v, want one naming %s", c.cfg, err, c.field)
		}
	}
}

// stagedLink is a saturated link with jitter, Gilbert-Elliott loss or a
// trace, for the allocation test and benchmarks.
func stagedLink(tb testing.TB, stage string) LinkConfig {
	cfg := LinkConfig{Rate: mbps100, Delay: 10 * ms, QueuePackets: 100, Seed: 1}
	switch stage {
	case "jitter":
		cfg.Jitter = JitterParams{Jitter: ms, Dist: Normal}
	case "jitter-reorder":
		cfg.Jitter = JitterParams{Jitter: ms, Dist: Normal, Reorder: true}
	case "gilbert":
		cfg.LossModel = LossGilbertElliott
		cfg.GilbertElliott = GilbertElliottParams{P: 0.01, R: 0.3, LossBad: 1}
	case "trace":
		tr, err := ParseTrace(strings.NewReader("1\n1\n2\n3\n3\n3\n4\n"))
		if err != nil {
			tb.Fatal(err)
		}
		cfg.Rate, cfg.Trace = 0, tr
	}
	return cfg
}

var stages = []string{"jitter", "jitter-reorder", "gilbert", "trace"}

// stepStaged offers one packet at now and dequeues what has arrived, then
// returns the next event time.
func stepStaged(l *Link, pool *packet.Pool, now units.Time) units.Time {
	p := pool.Get()
	p.SetLen(1500)
	l.Enqueue(now, p)
	for q := l.Dequeue(now); q != nil; q = l.Dequeue(now) {
		pool.Put(q)
	}
	return max(now+1, l.NextDeadline())
}

func TestStagedLinkSteadyStateAllocatesNothing(t *testing.T) {
	for _, stage := range stages {
		pool := &packet.Pool{}
		l, err := NewLink(stagedLink(t, stage), pool)
		if err != nil {
			t.Fatal(err)
		}
		now := units.Time(0)
		for range 20000 {
			now = stepStaged(l, pool, now)
		}
		if a := testing.AllocsPerRun(1000, func() { now = stepStaged(l, pool, now) }); a != 0 {
			t.Errorf("%s: %v allocations per packet, want 0", stage, a)
		}
	}
}

func BenchmarkStagedLink(b *testing.B) {
	for _, stage := range stages {
		b.Run(stage, func(b *testing.B) {
			pool := &packet.Pool{}
			l, err := NewLink(stagedLink(b, stage), pool)
			if err != nil {
				b.Fatal(err)
			}
			now := units.Time(0)
			for range 20000 {
				now = stepStaged(l, pool, now)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				now = stepStaged(l, pool, now)
			}
		})
	}
}
