package netem

import (
	"encoding/binary"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Two unresponsive flows each sending 1500-byte packets at the full
// 10 Mbit/s (20 Mbit/s offered in all) and a sparse flow sending one
// 100-byte packet every 10 ms, for 10 s. Under FQ-CoDel the sparse flow's
// packets always find their queue empty, join the new-flow list and wait
// at most for the packet on the wire: every one of its 900 packets from
// 1 s on waits under 10 ms (measured median 0.6 ms, max 1.16 ms, one
// 1500-byte transmission time being 1.2 ms). Under drop-tail with the same
// 1000-packet buffer they wait behind the whole queue (measured median
// 1.14 s; asserted over 1 s).
func TestFQCoDelSparseFlowKeepsLowDelayBesideBulkFlows(t *testing.T) {
	run := func(qdisc string) (median, maximum units.Duration, n int) {
		cfg := LinkConfig{Rate: 10 * units.MbitPerSecond, QueuePackets: 1000, Qdisc: qdisc, Seed: 3}
		bulk1 := &source{port: 1001, size: 1500, gap: tx1500 * 10}
		bulk2 := &source{port: 1002, size: 1500, gap: tx1500 * 10}
		sparse := &source{port: 2001, size: 100, gap: 10 * ms, next: units.Time(5 * ms)}
		s, _ := runSources(t, cfg, units.Time(10*units.Second), bulk1, bulk2, sparse)
		return medianDelay(s, sparse.port, units.Time(units.Second))
	}
	med, maximum, n := run(QdiscFQCoDel)
	t.Logf("fq_codel: sparse flow median %v, max %v over %d packets", med, maximum, n)
	if n < 890 || maximum >= 10*ms {
		t.Errorf("fq_codel: sparse flow max delay %v over %d packets, want under 10 ms over 900", maximum, n)
	}
	med, _, n = run(QdiscDropTail)
	t.Logf("droptail: sparse flow median %v over %d packets", med, n)
	if med < units.Second {
		t.Errorf("drop-tail: sparse flow median %v, want over 1 s", med)
	}
}

// The scenario above relies on the three flows hashing apart.
func TestFQCoDelClassifiesBy5Tuple(t *testing.T) {
	pool := &packet.Pool{}
	q := NewFQCoDel(FQCoDelParams{}, 0, 0, 3, QdiscHooks{})
	seen := map[int32]uint16{}
	for _, port := range []uint16{1001, 1002, 2001} {
		i := q.classify(tcpPacket(pool, 100, port, 0))
		if other, ok := seen[i]; ok {
			t.Fatalf("ports %d and %d share flow queue %d", other, port, i)
		}
		seen[i] = port
	}
	a, b := tcpPacket(pool, 100, 1001, 0), tcpPacket(pool, 1500, 1001, wire.ECNECT0)
	if q.classify(a) != q.classify(b) {
		t.Fatal("same 5-tuple, different length and ECN: different flow queues")
	}
	// Destination ports are in the hash: of 64 of them, about 64/1024
	// share port 5201's queue by chance, not all.
	hits := 0
	for port := range uint16(64) {
		binary.BigEndian.PutUint16(b.Bytes()[22:], port)
		if q.classify(a) == q.classify(b) {
			hits++
		}
	}
	if hits > 2 {
		t.Fatalf("%d of 64 destination ports hash with port 5201", hits)
	}
}

// On overflow the head of the fattest flow is dropped, not the arrival:
// with a limit of 10 packets, 9 from flow A and one from flow B, an 11th
// packet from B pushes out A's oldest.
func TestFQCoDelDropsFromFattestFlow(t *testing.T) {
	pool := &packet.Pool{}
	var dropped []*packet.Packet
	q := NewFQCoDel(FQCoDelParams{}, 10, 0, 3, QdiscHooks{Drop: func(e Queued) { dropped = append(dropped, e.Packet) }})
	var first *packet.Packet
	for i := range 9 {
		p := tcpPacket(pool, 1500, 1001, 0)
		if i == 0 {
			first = p
		}
		q.Enqueue(queued(0, p))
	}
	q.Enqueue(queued(0, tcpPacket(pool, 1500, 2001, 0)))
	if len(dropped) != 0 {
		t.Fatalf("%d dropped at the limit, want none", len(dropped))
	}
	q.Enqueue(queued(0, tcpPacket(pool, 1500, 2001, 0)))
	if len(dropped) != 1 || dropped[0] != first || q.Len() != 10 || q.Drops() != 1 {
		t.Fatalf("dropped %d (first of flow A: %v), Len %d, Drops %d; want A's first, 10, 1",
			len(dropped), len(dropped) == 1 && dropped[0] == first, q.Len(), q.Drops())
	}
}

// Deficit round robin shares bytes, not packets: with flow A sending
// 1500-byte packets and flow B 300-byte ones, both backlogged, their bytes
// served over 60 dequeues differ by no more than DRR's bound, a quantum
// plus the largest packet (a flow keeps sending while its deficit is
// positive, so it may overdraw by one packet).
func TestFQCoDelSharesBytesByQuantum(t *testing.T) {
	pool := &packet.Pool{}
	q := NewFQCoDel(FQCoDelParams{}, 0, 0, 3, QdiscHooks{})
	for range 100 {
		q.Enqueue(queued(0, tcpPacket(pool, 1500, 1001, 0)))
		for range 5 {
			q.Enqueue(queued(0, tcpPacket(pool, 300, 2001, 0)))
		}
	}
	bytes := map[uint16]int{}
	for range 60 {
		e := q.Dequeue(0)
		bytes[binary.BigEndian.Uint16(e.Packet.Bytes()[20:])] += e.Len
	}
	if d := bytes[1001] - bytes[2001]; max(d, -d) > DefaultFQCoDelQuantum+1500 {
		t.Fatalf("bytes served %v: differ by more than a quantum and a packet", bytes)
	}
}

func TestFQCoDelAllocatesNothing(t *testing.T) {
	pool := &packet.Pool{}
	var drops int
	qdiscAllocs(t, NewFQCoDel(FQCoDelParams{}, 1000, 0, 1, drainTo(pool, &drops)), pool)
}

func BenchmarkFQCoDelEnqueueDequeue(b *testing.B) {
	pool := &packet.Pool{}
	var drops int
	qdiscBench(b, NewFQCoDel(FQCoDelParams{}, 1000, 0, 1, drainTo(pool, &drops)), pool)
}
