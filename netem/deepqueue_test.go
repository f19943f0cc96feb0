package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// A deep queue: ten thousand 1500-byte packets wait in front of a
// 10 Gbit/s transmitter, 23 MB of packet buffers, more than the caches
// hold. Each step adds one arrival per service time and takes out what
// reached the far end, so the queue stays deep, and the packet at its
// head was written ten thousand packets ago: whatever the link reads of
// it there is a cache miss unless the queue keeps it beside the pointer.
const (
	deepQueuePackets = 10000
	gbps10           = 10 * units.GbitPerSecond
	// deepTx is a 1500-byte packet's serialization time at 10 Gbit/s.
	deepTx = 1200 * units.Nanosecond
)

// deepQueue is one discipline's deep-queue scenario.
type deepQueue struct {
	name string
	cfg  LinkConfig
	// perStep is the arrivals per service time: 2 keeps a drop-head queue
	// at its limit, pushing one packet out of the head every step.
	perStep int
}

func deepQueues() []deepQueue {
	base := LinkConfig{Rate: gbps10, Delay: units.Millisecond, QueuePackets: deepQueuePackets}
	// CoDel's target is set beyond the queue's 12 ms sojourn so that it
	// reads every head's enqueue time and drops nothing: the queue stays
	// deep and the cost measured is the reading.
	codel := base
	codel.Qdisc = QdiscCoDel
	codel.QdiscParams.CoDel = CoDelParams{Target: units.Second, Interval: units.Second}
	fq := base
	fq.Qdisc = QdiscFQCoDel
	fq.QdiscParams.FQCoDel = FQCoDelParams{Target: units.Second, Interval: units.Second}
	head := base
	head.Qdisc = QdiscDropHead
	return []deepQueue{
		{"droptail", base, 1},
		{"drophead", head, 2},
		{"codel", codel, 1},
		{"fqcodel", fq, 1},
	}
}

// newDeepLink builds the link of dq with its queue full and the medium
// in its steady state.
func newDeepLink(tb testing.TB, dq deepQueue) (*Link, *packet.Pool, units.Time) {
	tb.Helper()
	pool := &packet.Pool{}
	l, err := NewLink(dq.cfg, pool)
	if err != nil {
		tb.Fatal(err)
	}
	for range deepQueuePackets + 1 {
		p := pool.Get()
		p.SetLen(len(payload))
		copy(p.Bytes(), payload[:])
		l.Enqueue(0, p)
	}
	var now units.Time
	// Two delays' worth of steps fill the medium and grow every ring to
	// its final size.
	for range 2 * int(units.Millisecond/deepTx) {
		now = now.Add(deepTx)
		deepStep(l, pool, now, dq.perStep)
	}
	return l, pool, now
}

// payload is what every arrival carries. A sender writes each byte of the
// packets it sends, so the queue's packets are as far out of cache as in a
// run; arrivals of untouched buffers would leave only their metadata in
// the caches, which then hold all ten thousand.
var payload [1500]byte

// deepStep is perStep arrivals at now and every packet that has reached
// the far end by now taken out.
func deepStep(l *Link, pool *packet.Pool, now units.Time, perStep int) {
	for range perStep {
		p := pool.Get()
		p.SetLen(len(payload))
		copy(p.Bytes(), payload[:])
		l.Enqueue(now, p)
	}
	for q := l.Dequeue(now); q != nil; q = l.Dequeue(now) {
		pool.Put(q)
	}
}

// checkDeep fails unless the queue is still deep and the link delivers.
func checkDeep(tb testing.TB, l *Link) {
	tb.Helper()
	s := l.Stats()
	if s.QueuePackets < deepQueuePackets-1 {
		tb.Fatalf("queue drained to %d packets; the scenario is not a deep queue", s.QueuePackets)
	}
	if s.DeliveredPackets == 0 || s.InSystemPackets <= s.QueuePackets {
		tb.Fatalf("nothing in flight or delivered: %+v", s)
	}
}

func TestDeepQueueAllocatesNothing(t *testing.T) {
	for _, dq := range deepQueues() {
		t.Run(dq.name, func(t *testing.T) {
			l, pool, now := newDeepLink(t, dq)
			allocs := testing.AllocsPerRun(5000, func() {
				now = now.Add(deepTx)
				deepStep(l, pool, now, dq.perStep)
			})
			if allocs != 0 {
				t.Fatalf("a deep-queue step allocates %v times, want 0", allocs)
			}
			checkDeep(t, l)
		})
	}
}

// TestDeepQueueKeepsOrderAndBytes checks the scenario the benchmark
// measures: drop-tail delivers every packet in order and its byte count
// matches the packets it holds.
func TestDeepQueueKeepsOrderAndBytes(t *testing.T) {
	l, pool, now := newDeepLink(t, deepQueues()[0])
	s := l.Stats()
	if s.QueueBytes != 1500*s.QueuePackets {
		t.Fatalf("queue holds %d packets but %d bytes", s.QueuePackets, s.QueueBytes)
	}
	// Tag new arrivals; they come out in the order they went in, after
	// the queue ahead of them.
	var next, want int32
	for range 3 * deepQueuePackets {
		now = now.Add(deepTx)
		p := pool.Get()
		p.SetLen(1500)
		p.Flow = next
		next++
		l.Enqueue(now, p)
		for q := l.Dequeue(now); q != nil; q = l.Dequeue(now) {
			if q.Flow >= 0 {
				if q.Flow != want {
					t.Fatalf("packet %d delivered when %d was due", q.Flow, want)
				}
				want++
			}
			pool.Put(q)
		}
	}
	if want == 0 {
		t.Fatal("no tagged packet came through")
	}
	checkDeep(t, l)
}

// BenchmarkLinkDeepQueue is one service time of a link whose queue holds
// ten thousand packets: the arrivals' Enqueue and the Dequeue of what has
// arrived, with the transmitter taking the head of a queue long out of
// cache.
func BenchmarkLinkDeepQueue(b *testing.B) {
	for _, dq := range deepQueues() {
		b.Run(dq.name, func(b *testing.B) {
			l, pool, now := newDeepLink(b, dq)
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(deepTx)
				deepStep(l, pool, now, dq.perStep)
			}
			b.StopTimer()
			checkDeep(b, l)
		})
	}
}
