package netem

import (
	"math/rand/v2"
	"testing"

	"ccbench/packet"
)

func TestRingIsFIFOAcrossWrapAndGrowth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	pkts := make([]packet.Packet, 5000)
	var r ring
	var model []*packet.Packet
	next := 0
	for step := range 20000 {
		// Push a little more often than pop so the ring wraps many times
		// at each size before it grows.
		if rng.IntN(100) < 52 && next < len(pkts) {
			r.Push(&pkts[next])
			model = append(model, &pkts[next])
			next++
		} else {
			got := r.Pop()
			var want *packet.Packet
			if len(model) > 0 {
				want, model = model[0], model[1:]
			}
			if got != want {
				t.Fatalf("step %d: Pop returned the wrong packet", step)
			}
		}
		if r.Len() != len(model) {
			t.Fatalf("step %d: Len = %d, want %d", step, r.Len(), len(model))
		}
		if len(model) > 0 && r.Peek() != model[0] {
			t.Fatalf("step %d: Peek is not the oldest packet", step)
		}
		if n := len(r.buf); n&(n-1) != 0 {
			t.Fatalf("step %d: size %d is not a power of two", step, n)
		}
	}
}

func TestRingPopClearsSlot(t *testing.T) {
	var r ring
	var p packet.Packet
	r.Push(&p)
	r.Pop()
	for i, q := range r.buf {
		if q != nil {
			t.Fatalf("slot %d still references a popped packet", i)
		}
	}
	if r.Pop() != nil || r.Peek() != nil {
		t.Fatal("empty ring returned a packet")
	}
}
