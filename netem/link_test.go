package netem

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

const (
	mbps100 = 100 * units.MbitPerSecond
	// tx1500 is a 1500-byte packet's serialization time at 100 Mbit/s:
	// 1500*8 bits / 1e8 bit/s = 120 µs, exactly.
	tx1500 = 120 * units.Microsecond
	ms     = units.Millisecond
	us     = units.Microsecond
)

// arrival is a packet that came out of a link: its id (carried in Flow),
// when the driver dequeued it and its Due.
type arrival struct {
	id       int32
	at, due  units.Time
	lenBytes int
}

// testLink wraps a Link with the verbs the tests are written in.
type testLink struct {
	t    *testing.T
	pool *packet.Pool
	link *Link
	next int32 // id of the next packet sent
}

func newTestLink(t *testing.T, cfg LinkConfig) *testLink {
	t.Helper()
	pool := &packet.Pool{}
	l, err := NewLink(cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	return &testLink{t: t, pool: pool, link: l}
}

// send enqueues one packet of n bytes at now and returns its id.
func (tl *testLink) send(now units.Time, n int) int32 {
	p := tl.pool.Get()
	p.SetLen(n)
	p.Flow = tl.next
	tl.next++
	tl.link.Enqueue(now, p)
	return p.Flow
}

// burst sends count packets of n bytes at now.
func (tl *testLink) burst(now units.Time, count, n int) {
	for range count {
		tl.send(now, n)
	}
}

// collect dequeues everything that has arrived by now.
func (tl *testLink) collect(now units.Time) []arrival {
	var out []arrival
	for p := tl.link.Dequeue(now); p != nil; p = tl.link.Dequeue(now) {
		out = append(out, arrival{id: p.Flow, at: now, due: p.Due, lenBytes: p.Len()})
		tl.pool.Put(p)
	}
	return out
}

// runUntil drives the link the way the simulator does, calling Dequeue at
// each NextDeadline up to and including until.
func (tl *testLink) runUntil(until units.Time) []arrival {
	tl.t.Helper()
	var out []arrival
	for t := tl.link.NextDeadline(); t <= until; {
		out = append(out, tl.collect(t)...)
		// Everything due at t has been handled, so the next deadline
		// must be later; otherwise a driver would spin.
		next := tl.link.NextDeadline()
		if next <= t {
			tl.t.Fatalf("NextDeadline is %v after dequeuing everything due at %v", next, t)
		}
		t = next
	}
	return out
}

// checkBalance asserts that every packet offered is accounted for.
func (tl *testLink) checkBalance() {
	tl.t.Helper()
	s := tl.link.Stats()
	if got := s.DeliveredPackets + s.DroppedPackets + s.LostPackets + int64(s.InSystemPackets); got != s.EnqueuedPackets {
		tl.t.Fatalf("packets: delivered %d + dropped %d + lost %d + in system %d = %d, enqueued %d",
			s.DeliveredPackets, s.DroppedPackets, s.LostPackets, s.InSystemPackets, got, s.EnqueuedPackets)
	}
	if got := s.DeliveredBytes + s.DroppedBytes + s.LostBytes + int64(s.InSystemBytes); got != s.EnqueuedBytes {
		tl.t.Fatalf("bytes: delivered %d + dropped %d + lost %d + in system %d = %d, enqueued %d",
			s.DeliveredBytes, s.DroppedBytes, s.LostBytes, s.InSystemBytes, got, s.EnqueuedBytes)
	}
	// The pool sees the same thing from the outside: whatever the link
	// has not handed back or delivered is still inside it.
	if tl.pool.Outstanding != s.InSystemPackets {
		tl.t.Fatalf("pool has %d packets outstanding, link holds %d", tl.pool.Outstanding, s.InSystemPackets)
	}
}

func TestSerializationTimeAt100Mbps(t *testing.T) {
	if got := mbps100.TxTime(1500); got != tx1500 {
		t.Fatalf("TxTime(1500) at 100 Mbit/s = %v, want 120us", got)
	}
	tl := newTestLink(t, LinkConfig{Rate: mbps100})
	tl.send(0, 1500)
	if d := tl.link.NextDeadline(); d != units.Time(tx1500) {
		t.Fatalf("NextDeadline = %v, want 120us", d)
	}
	if got := tl.collect(units.Time(tx1500 - 1)); len(got) != 0 {
		t.Fatalf("packet out at 119.999us, before its last bit left")
	}
	got := tl.collect(units.Time(tx1500))
	if len(got) != 1 || got[0].due != units.Time(tx1500) {
		t.Fatalf("at 120us got %+v, want the packet due at 120us", got)
	}
	if s := tl.link.Stats(); s.BusyTime != tx1500 {
		t.Fatalf("BusyTime = %v, want 120us", s.BusyTime)
	}
}

func TestBackToBackPacketsArriveOneTxTimeApart(t *testing.T) {
	const n = 50
	delay := 10 * ms
	tl := newTestLink(t, LinkConfig{Rate: mbps100, Delay: delay})
	tl.burst(0, n, 1500)
	got := tl.runUntil(units.Never - 1)
	if len(got) != n {
		t.Fatalf("delivered %d packets, want %d", len(got), n)
	}
	for k, a := range got {
		// The k-th packet (from 1) has its last bit out at k*120µs.
		want := units.Time(0).Add(delay + units.Duration(k+1)*tx1500)
		if a.id != int32(k) || a.due != want || a.at != want {
			t.Fatalf("packet %d: id %d due %v dequeued %v, want id %d at %v", k, a.id, a.due, a.at, k, want)
		}
	}
	s := tl.link.Stats()
	if s.BusyTime != n*tx1500 || s.DeliveredBytes != n*1500 {
		t.Fatalf("BusyTime %v DeliveredBytes %d, want %v and %d", s.BusyTime, s.DeliveredBytes, n*tx1500, n*1500)
	}
	if tl.link.NextDeadline() != units.Never {
		t.Fatalf("NextDeadline = %v on an empty link, want never", tl.link.NextDeadline())
	}
	tl.checkBalance()
}

func TestTimingDoesNotDependOnWhenDequeueIsCalled(t *testing.T) {
	delay := 5 * ms
	tl := newTestLink(t, LinkConfig{Rate: mbps100, Delay: delay})
	tl.burst(0, 3, 1500)
	// Arrives while packet 0 is on the wire: waits, starts at 360µs when
	// packet 2 is done.
	tl.send(units.Time(50*us), 1500)
	// Arrives after the link went idle at 480µs: starts on arrival.
	tl.send(units.Time(1000*us), 1500)
	// Nobody looked until long after everything arrived.
	got := tl.collect(units.Time(units.Second))
	wantDue := []units.Duration{120 * us, 240 * us, 360 * us, 480 * us, 1120 * us}
	if len(got) != len(wantDue) {
		t.Fatalf("delivered %d packets, want %d", len(got), len(wantDue))
	}
	for k, a := range got {
		if want := units.Time(0).Add(delay + wantDue[k]); a.id != int32(k) || a.due != want {
			t.Fatalf("packet %d: id %d due %v, want id %d due %v", k, a.id, a.due, k, want)
		}
	}
	if s := tl.link.Stats(); s.BusyTime != 5*tx1500 {
		t.Fatalf("BusyTime = %v, want %v", s.BusyTime, 5*tx1500)
	}
}

func TestQueueOfTenDropsEleventhWaitingPacket(t *testing.T) {
	delay := 10 * ms
	tl := newTestLink(t, LinkConfig{Rate: mbps100, Delay: delay, QueuePackets: 10})
	tl.burst(0, 20, 1500)
	s := tl.link.Stats()
	// Packet 0 is on the wire and does not count; 1..10 fill the queue;
	// 11..19 are the 11th and later waiting packets and are dropped.
	if s.QueuePackets != 10 || s.QueueBytes != 15000 || s.DroppedPackets != 9 || s.DroppedBytes != 9*1500 {
		t.Fatalf("queue %d pkts %d B, dropped %d pkts %d B; want 10, 15000, 9, 13500",
			s.QueuePackets, s.QueueBytes, s.DroppedPackets, s.DroppedBytes)
	}
	if s.MaxQueuePackets != 10 || s.MaxQueueBytes != 15000 {
		t.Fatalf("max queue %d pkts %d B, want 10, 15000", s.MaxQueuePackets, s.MaxQueueBytes)
	}
	tl.checkBalance()
	got := tl.runUntil(units.Never - 1)
	if len(got) != 11 {
		t.Fatalf("delivered %d packets, want 11", len(got))
	}
	for k, a := range got {
		if want := units.Time(0).Add(delay + units.Duration(k+1)*tx1500); a.id != int32(k) || a.due != want {
			t.Fatalf("packet %d: id %d due %v, want id %d due %v", k, a.id, a.due, k, want)
		}
	}
	tl.checkBalance()
	if tl.pool.Outstanding != 0 {
		t.Fatalf("%d packets never returned to the pool", tl.pool.Outstanding)
	}
}

func TestEnqueueSeesQueueAsOfNow(t *testing.T) {
	// With room for one waiting packet, a third packet arriving exactly
	// when the first finishes is admitted, because the second has just
	// moved onto the wire, even though the driver never called Dequeue.
	tl := newTestLink(t, LinkConfig{Rate: mbps100, QueuePackets: 1})
	tl.burst(0, 2, 1500)
	tl.send(units.Time(tx1500-1), 1500)
	tl.send(units.Time(tx1500), 1500)
	s := tl.link.Stats()
	if s.DroppedPackets != 1 || s.QueuePackets != 1 {
		t.Fatalf("dropped %d, queued %d; want 1 and 1", s.DroppedPackets, s.QueuePackets)
	}
	got := tl.runUntil(units.Never - 1)
	if len(got) != 3 || got[2].id != 3 || got[2].due != units.Time(3*tx1500) {
		t.Fatalf("got %+v, want ids 0, 1, 3 with 3 due at 360us", got)
	}
}

func TestByteLimit(t *testing.T) {
	tl := newTestLink(t, LinkConfig{Rate: mbps100, QueueBytes: 4000})
	// 1500 goes on the wire; 1500+1500 wait (3000); 1500 would make 4500;
	// 1000 makes exactly 4000; 100 would make 4100.
	for _, n := range []int{1500, 1500, 1500, 1500, 1000, 100} {
		tl.send(0, n)
	}
	s := tl.link.Stats()
	if s.QueueBytes != 4000 || s.QueuePackets != 3 || s.DroppedPackets != 2 || s.DroppedBytes != 1600 {
		t.Fatalf("queue %d B %d pkts, dropped %d pkts %d B; want 4000, 3, 2, 1600",
			s.QueueBytes, s.QueuePackets, s.DroppedPackets, s.DroppedBytes)
	}
	got := tl.runUntil(units.Never - 1)
	wantIDs := []int32{0, 1, 2, 4}
	// 1000 bytes take 80µs at 100 Mbit/s.
	wantDue := []units.Duration{120 * us, 240 * us, 360 * us, 440 * us}
	for k := range wantIDs {
		if got[k].id != wantIDs[k] || got[k].due != units.Time(wantDue[k]) {
			t.Fatalf("packet %d: id %d due %v, want id %d due %v", k, got[k].id, got[k].due, wantIDs[k], wantDue[k])
		}
	}
	tl.checkBalance()
}

func TestUnlimitedRateIsPureDelay(t *testing.T) {
	delay := 20 * ms
	// A one-packet queue drops nothing: at an unlimited rate nothing waits.
	tl := newTestLink(t, LinkConfig{Delay: delay, QueuePackets: 1})
	tl.burst(0, 100, 1500)
	tl.burst(units.Time(5*us), 3, 40)
	s := tl.link.Stats()
	if s.DroppedPackets != 0 || s.QueuePackets != 0 || s.BusyTime != 0 {
		t.Fatalf("dropped %d, queued %d, busy %v; want nothing", s.DroppedPackets, s.QueuePackets, s.BusyTime)
	}
	if d := tl.link.NextDeadline(); d != units.Time(delay) {
		t.Fatalf("NextDeadline = %v, want %v", d, delay)
	}
	got := tl.runUntil(units.Never - 1)
	if len(got) != 103 {
		t.Fatalf("delivered %d, want 103", len(got))
	}
	for k, a := range got {
		want := units.Time(delay)
		if k >= 100 {
			want = want.Add(5 * us)
		}
		if a.id != int32(k) || a.due != want || a.at != want {
			t.Fatalf("packet %d: id %d due %v at %v, want id %d at %v", k, a.id, a.due, a.at, k, want)
		}
	}
}

func TestLossFractionThroughLink(t *testing.T) {
	const (
		p = 0.01
		n = 1_000_000
	)
	// Losses are Binomial(n, p): the fraction has standard deviation
	// sqrt(p(1-p)/n) = 9.95e-5, so within 4 sigma means in
	// [0.009602, 0.010398]. A correct generator lands outside with
	// probability about 6e-5; the seed is fixed, so the outcome is too.
	tl := newTestLink(t, LinkConfig{LossRate: p, Seed: 1})
	for i := range n {
		tl.send(units.Time(i), 100)
		tl.collect(units.Time(i))
	}
	s := tl.link.Stats()
	bound := 4 * math.Sqrt(p*(1-p)/n)
	if frac := float64(s.LostPackets) / n; math.Abs(frac-p) > bound {
		t.Fatalf("loss fraction %.6f, want %.2f ± %.6f", frac, p, bound)
	}
	if s.DeliveredPackets+s.LostPackets != n {
		t.Fatalf("delivered %d + lost %d != %d", s.DeliveredPackets, s.LostPackets, n)
	}
	tl.checkBalance()
}

// lossIDs returns which of n packets a link with the given seed loses.
func lossIDs(t *testing.T, seed uint64, n int) []bool {
	tl := newTestLink(t, LinkConfig{LossRate: 0.1, Seed: seed})
	lost := make([]bool, n)
	for i := range lost {
		lost[i] = true
	}
	for i := range n {
		tl.send(units.Time(i), 100)
		for _, a := range tl.collect(units.Time(i)) {
			lost[a.id] = false
		}
	}
	return lost
}

func TestLossPatternFollowsSeed(t *testing.T) {
	a, b, c := lossIDs(t, 5, 10000), lossIDs(t, 5, 10000), lossIDs(t, 6, 10000)
	differ := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 5 twice: packet %d lost in one run only", i)
		}
		if a[i] != c[i] {
			differ++
		}
	}
	// Independent patterns at p=0.1 disagree on 2p(1-p) = 18% of packets.
	if differ < 1000 {
		t.Fatalf("seeds 5 and 6 disagree on %d of 10000 packets, want at least 1000", differ)
	}
}

// reference is an independent model of the same link, in the style of a
// next-free-time emulator: a packet starts at max(arrival, previous finish),
// and the packets waiting at time t are those admitted with a start after t.
type reference struct {
	cfg    LinkConfig
	loss   *Bernoulli
	starts []units.Time // start of each admitted packet
	sizes  []int
	free   units.Time // when the transmitter finishes its last packet
	// maxPkts and maxBytes are the most packets and bytes ever waiting.
	maxPkts, maxBytes int
}

// offer returns the packet's arrival time at the far end, or false if it
// is lost or dropped.
func (r *reference) offer(now units.Time, n int) (units.Time, bool) {
	if r.loss.Lose(now, nil) {
		return 0, false
	}
	waitingPkts, waitingBytes := 0, 0
	for i := len(r.starts) - 1; i >= 0 && r.starts[i] > now; i-- {
		waitingPkts++
		waitingBytes += r.sizes[i]
	}
	if r.cfg.QueuePackets > 0 && waitingPkts+1 > r.cfg.QueuePackets ||
		r.cfg.QueueBytes > 0 && waitingBytes+n > r.cfg.QueueBytes {
		return 0, false
	}
	start := units.MaxTime(now, r.free)
	r.free = start.Add(r.cfg.Rate.TxTime(n))
	r.starts = append(r.starts, start)
	r.sizes = append(r.sizes, n)
	if start > now {
		r.maxPkts = max(r.maxPkts, waitingPkts+1)
		r.maxBytes = max(r.maxBytes, waitingBytes+n)
	}
	return r.free.Add(r.cfg.Delay), true
}

func TestLinkMatchesReferenceOnRandomTraffic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		cfg := LinkConfig{
			Rate:         units.Rate(1+rng.IntN(100)) * units.MbitPerSecond,
			Delay:        units.Duration(rng.IntN(20_000)) * us,
			LossRate:     0.02,
			QueuePackets: 5 + rng.IntN(30),
			QueueBytes:   20_000 + rng.IntN(40_000),
			Seed:         seed,
		}
		ref := &reference{cfg: cfg, loss: NewBernoulli(cfg.LossRate, cfg.Seed)}
		tl := newTestLink(t, cfg)
		want := map[int32]units.Time{}
		var got []arrival
		now := units.Time(0)
		for range 5000 {
			// Bursty arrivals: often several at one instant, sometimes
			// long gaps, so the queue fills, overflows and drains.
			if rng.IntN(4) == 0 {
				now = now.Add(units.Duration(rng.ExpFloat64() * float64(300*us)))
			}
			// Deliver everything due before this arrival, on time.
			got = append(got, tl.runUntil(now)...)
			n := 40 + rng.IntN(1461)
			due, ok := ref.offer(now, n)
			id := tl.send(now, n)
			if ok {
				want[id] = due
			}
			tl.checkBalance()
		}
		got = append(got, tl.runUntil(units.Never-1)...)
		if len(got) != len(want) {
			t.Fatalf("seed %d: delivered %d packets, reference %d", seed, len(got), len(want))
		}
		prev := int32(-1)
		for _, a := range got {
			if a.id <= prev {
				t.Fatalf("seed %d: packet %d delivered after %d", seed, a.id, prev)
			}
			prev = a.id
			if w, ok := want[a.id]; !ok || a.due != w || a.at != w {
				t.Fatalf("seed %d: packet %d due %v dequeued %v, reference %v (delivered %v)", seed, a.id, a.due, a.at, w, ok)
			}
		}
		s := tl.link.Stats()
		if s.DroppedPackets == 0 || s.LostPackets == 0 {
			t.Fatalf("seed %d: traffic too gentle (dropped %d, lost %d)", seed, s.DroppedPackets, s.LostPackets)
		}
		// The queue's maxima are exact: those of the reference, which
		// sees the waiting packets at every arrival.
		if s.MaxQueuePackets != ref.maxPkts || s.MaxQueueBytes != ref.maxBytes {
			t.Fatalf("seed %d: max queue %d pkts %d B, reference %d pkts %d B", seed, s.MaxQueuePackets, s.MaxQueueBytes, ref.maxPkts, ref.maxBytes)
		}
		tl.checkBalance()
	}
}

// A link that is never congested has no queue: a packet that finds the
// transmitter idle does not wait, and the maximum says so.
func TestMaxQueueCountsOnlyWaitingPackets(t *testing.T) {
	tl := newTestLink(t, LinkConfig{Rate: mbps100, Delay: ms, QueuePackets: 10})
	for i := range 5 {
		tl.send(units.Time(0).Add(units.Duration(i)*2*tx1500), 1500)
	}
	if s := tl.link.Stats(); s.MaxQueuePackets != 0 || s.MaxQueueBytes != 0 {
		t.Fatalf("spaced packets: max queue %d pkts %d B, want 0", s.MaxQueuePackets, s.MaxQueueBytes)
	}
	tl.burst(units.Time(0).Add(20*tx1500), 3, 1000)
	if s := tl.link.Stats(); s.MaxQueuePackets != 2 || s.MaxQueueBytes != 2000 {
		t.Fatalf("a burst of 3: max queue %d pkts %d B, want 2 and 2000", s.MaxQueuePackets, s.MaxQueueBytes)
	}
}

// steadyLink returns a 100 Mbit/s, 10 ms link with 100 packets standing in
// its queue, and the time one transmission time after the burst.
func steadyLink(tb testing.TB) (*Link, *packet.Pool, units.Time) {
	pool := &packet.Pool{}
	l, err := NewLink(LinkConfig{Rate: mbps100, Delay: 10 * ms, QueuePackets: 1000}, pool)
	if err != nil {
		tb.Fatal(err)
	}
	for range 100 {
		p := pool.Get()
		p.SetLen(1500)
		l.Enqueue(0, p)
	}
	return l, pool, 0
}

// step is one packet in and, once the pipe is full, one packet out: the
// arrival rate equals the service rate, so the queue stays put.
func step(l *Link, pool *packet.Pool, now units.Time) {
	p := pool.Get()
	p.SetLen(1500)
	l.Enqueue(now, p)
	for q := l.Dequeue(now); q != nil; q = l.Dequeue(now) {
		pool.Put(q)
	}
}

func TestLinkSteadyStateAllocatesNothing(t *testing.T) {
	l, pool, now := steadyLink(t)
	// Warm up: fill the delay line so its ring reaches its final size.
	for range 1000 {
		now = now.Add(tx1500)
		step(l, pool, now)
	}
	allocs := testing.AllocsPerRun(10000, func() {
		now = now.Add(tx1500)
		step(l, pool, now)
	})
	if allocs != 0 {
		t.Fatalf("Enqueue+Dequeue allocates %v times per packet, want 0", allocs)
	}
	if s := l.Stats(); s.QueuePackets < 90 {
		t.Fatalf("queue drained to %d; the benchmark's steady state is not what it claims", s.QueuePackets)
	}
}

func BenchmarkLinkEnqueueDequeue(b *testing.B) {
	l, pool, now := steadyLink(b)
	for range 1000 {
		now = now.Add(tx1500)
		step(l, pool, now)
	}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(tx1500)
		step(l, pool, now)
	}
}
