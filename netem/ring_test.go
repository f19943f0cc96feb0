package netem

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

func TestRingIsFIFOAcrossWrapAndGrowth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	pkts := make([]packet.Packet, 5000)
	var r ring
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
		if n := len(r.buf); n&(n-1) != 0 {
			t.Fatalf("step %d: size %d is not a power of two", step, n)
		}
	}
}

func TestRingPopClearsSlot(t *testing.T) {
	var r ring
	var p packet.Packet
	r.Push(Queued{Packet: &p, Len: 1})
	r.Pop()
	for i, q := range r.buf {
		if q.Packet != nil {
			t.Fatalf("slot %d still references a popped packet", i)
		}
	}
	var f byteFIFO
	if e := f.pop(); e.Packet != nil || f.bytes != 0 {
		t.Fatal("empty FIFO returned a packet")
	}
}

func TestDelayLineReleasesInOrderAndClearsSlots(t *testing.T) {
	pkts := make([]packet.Packet, 100)
	var d delayLine
	for i := range pkts {
		d.push(units.Time(i), &pkts[i], i, 0)
	}
	if d.Len() != 100 || d.bytes != 99*100/2 || d.deadline() != 0 {
		t.Fatalf("Len %d bytes %d deadline %v", d.Len(), d.bytes, d.deadline())
	}
	for i := range pkts {
		if a := d.arrivedBy(units.Time(i) - 1); a.p != nil {
			t.Fatalf("packet %d released before it is due", i)
		}
		a := d.arrivedBy(units.Time(i))
		if a.p != &pkts[i] || a.n != i || a.due != units.Time(i) {
			t.Fatalf("released %+v, want packet %d", a, i)
		}
	}
	if d.Len() != 0 || d.bytes != 0 || d.deadline() != units.Never {
		t.Fatalf("empty line: Len %d bytes %d deadline %v", d.Len(), d.bytes, d.deadline())
	}
	for i, a := range d.flight {
		if a.p != nil {
			t.Fatalf("slot %d still references a released packet", i)
		}
	}
}
