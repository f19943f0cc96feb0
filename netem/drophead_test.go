package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
)

// A drop-head queue of three packets given five keeps the newest three and
// hands the two oldest to the drop hook, in order.
func TestDropHeadKeepsNewest(t *testing.T) {
	pool := &packet.Pool{}
	var dropped []int32
	q := NewDropHead(3, 0, QdiscHooks{Drop: func(e Queued) { dropped = append(dropped, e.Packet.Flow); pool.Put(e.Packet) }})
	for i := range int32(5) {
		p := pool.Get()
		p.SetLen(1000)
		p.Flow = i
		if !q.Enqueue(queued(0, p)) {
			t.Fatalf("packet %d refused", i)
		}
	}
	if len(dropped) != 2 || dropped[0] != 0 || dropped[1] != 1 || q.Drops() != 2 {
		t.Fatalf("dropped %v (Drops %d), want [0 1]", dropped, q.Drops())
	}
	for want := int32(2); want < 5; want++ {
		if e := q.Dequeue(0); e.Packet == nil || e.Packet.Flow != want {
			t.Fatalf("Dequeue = %+v, want packet %d", e, want)
		}
	}
}

// With a byte limit, as many head packets go as the arrival needs: a
// 2400-byte limit holding two 1000-byte packets takes a 1500-byte one by
// dropping both; a packet larger than the limit is refused outright.
func TestDropHeadByteLimit(t *testing.T) {
	pool := &packet.Pool{}
	drops := 0
	q := NewDropHead(0, 2400, drainTo(pool, &drops))
	for _, n := range []int{1000, 1000, 1500} {
		p := pool.Get()
		p.SetLen(n)
		q.Enqueue(queued(0, p))
	}
	if drops != 2 || q.Len() != 1 || q.Bytes() != 1500 {
		t.Fatalf("drops %d, Len %d, Bytes %d; want 2, 1, 1500", drops, q.Len(), q.Bytes())
	}
	small := NewDropHead(0, 1000, drainTo(pool, &drops))
	p := pool.Get()
	p.SetLen(500)
	small.Enqueue(queued(0, p))
	p = pool.Get()
	p.SetLen(1500)
	if small.Enqueue(queued(0, p)) || small.Len() != 1 {
		t.Fatal("a packet larger than the byte limit was admitted or emptied the queue")
	}
}

func TestDropHeadAllocatesNothing(t *testing.T) {
	pool := &packet.Pool{}
	var drops int
	qdiscAllocs(t, NewDropHead(100, 0, drainTo(pool, &drops)), pool)
}

func BenchmarkDropHeadEnqueueDequeue(b *testing.B) {
	pool := &packet.Pool{}
	var drops int
	qdiscBench(b, NewDropHead(100, 0, drainTo(pool, &drops)), pool)
}
