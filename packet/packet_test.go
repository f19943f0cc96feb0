package packet

import "testing"

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
