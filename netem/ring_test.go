package netem

import (
	"math/rand/v2"
	"testing"

	"ccbench/packet"
)

func TestRingIsFIFOAcrossWrapAndGrowth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	pkts := make([]packet.Packet, 5000)
	var r ring[Queued]
	var model []Queued
	next := 0
	for step := range 20000 {
		// Push a little more often than pop so the ring wraps many times
		// at each size before it grows.
		if rng.IntN(100) < 52 && next < len(pkts) {
			e := Queued{Packet: &pkts[next], Enqueued: 0, Len: next}
			r.Push(e)
			model = append(model, e)
			next++
		} else if len(model) > 0 {
			got := r.Pop()
			want := model[0]
			model = model[1:]
			if got != want {
				t.Fatalf("step %d: Pop returned %+v, want %+v", step, got, want)
			}
		}
		if r.Len() != len(model) {
			t.Fatalf("step %d: Len = %d, want %d", step, r.Len(), len(model))
		}
		if len(model) > 0 && *r.Peek() != model[0] {
			t.Fatalf("step %d: Peek is not the oldest entry", step)
		}
		if n := len(r.buf); n&(n-1) != 0 {
			t.Fatalf("step %d: size %d is not a power of two", step, n)
		}
	}
}

func TestRingPopClearsSlot(t *testing.T) {
	var r ring[Queued]
	var p packet.Packet
	r.Push(Queued{Packet: &p, Len: 1})
	r.Pop()
	for i, q := range r.buf {
		if q != (Queued{}) {
			t.Fatalf("slot %d still holds a popped entry", i)
		}
	}
	var f byteFIFO
	if e := f.pop(); e.Packet != nil || f.bytes != 0 {
		t.Fatal("empty FIFO returned a packet")
	}
}
