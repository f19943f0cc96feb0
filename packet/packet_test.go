package packet

import (
	"testing"
	"unsafe"
)

// Prefetch is a hint: on nil, on a fresh packet and on one returned to
// its pool it neither faults nor changes the packet.
func TestPrefetchIsOnlyAHint(t *testing.T) {
	Prefetch(nil)
	var pl Pool
	p := pl.Get()
	copy(p.Tail(), "hello")
	p.SetLen(5)
	Prefetch(p)
	if string(p.Bytes()) != "hello" || p.Len() != 5 {
		t.Fatalf("packet changed by Prefetch: %q", p.Bytes())
	}
	pl.Put(p)
	Prefetch(p)
	if allocs := testing.AllocsPerRun(100, func() { Prefetch(p) }); allocs != 0 {
		t.Fatalf("Prefetch allocates %v times", allocs)
	}
}

// A pool that has made more packets than heapPackets takes them from
// slabs (on Linux): every packet distinct, whole and writable, each
// starting on a 128-byte boundary like a heap one, and the pool counts
// them all.
func TestPoolBeyondTheHeapPackets(t *testing.T) {
	var pl Pool
	const n = heapPackets + 5000
	seen := map[*Packet]bool{}
	var held []*Packet
	for i := range n {
		p := pl.Get()
		if seen[p] {
			t.Fatalf("packet %d handed out twice", i)
		}
		seen[p] = true
		if addr := uintptr(unsafe.Pointer(p)); i >= heapPackets && addr%128 != 0 {
			t.Fatalf("packet %d at %#x, not on a 128-byte boundary", i, addr)
		}
		tail := p.Tail()
		tail[0], tail[len(tail)-1] = byte(i), byte(i>>8)
		p.SetLen(len(tail))
		held = append(held, p)
	}
	for i, p := range held {
		b := p.Bytes()
		if b[0] != byte(i) || b[len(b)-1] != byte(i>>8) {
			t.Fatalf("packet %d overwritten by another", i)
		}
		pl.Put(p)
	}
	if pl.Allocated != n || pl.Outstanding != 0 {
		t.Fatalf("allocated %d, outstanding %d; want %d and 0", pl.Allocated, pl.Outstanding, n)
	}
	if allocs := testing.AllocsPerRun(1000, func() { pl.Put(pl.Get()) }); allocs != 0 {
		t.Fatalf("a warm pool allocates %v times per packet", allocs)
	}
}
