package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
)

func sized(n int) *packet.Packet {
	p := new(packet.Packet)
	p.Reset()
	p.SetLen(n)
	return p
}

func TestDropTailPacketLimit(t *testing.T) {
	q := NewDropTail(3, 0)
	for i := range 3 {
		if !q.Enqueue(queued(0, sized(1500))) {
			t.Fatalf("packet %d refused below the limit", i)
		}
	}
	if q.Enqueue(queued(0, sized(1))) {
		t.Fatal("4th packet admitted with a limit of 3")
	}
	if q.Len() != 3 || q.Bytes() != 4500 {
		t.Fatalf("Len, Bytes = %d, %d; want 3, 4500", q.Len(), q.Bytes())
	}
	q.Dequeue(0)
	if !q.Enqueue(queued(0, sized(1))) {
		t.Fatal("packet refused after one left")
	}
}

func TestDropTailByteLimit(t *testing.T) {
	q := NewDropTail(0, 4000)
	for i, tc := range []struct {
		size  int
		admit bool
	}{
		{1500, true}, {1500, true}, // 3000
		{1500, false}, // would be 4500
		{1000, true},  // exactly 4000
		{1, false},
	} {
		if got := q.Enqueue(queued(0, sized(tc.size))); got != tc.admit {
			t.Fatalf("packet %d (%d bytes): admitted = %v, want %v", i, tc.size, got, tc.admit)
		}
	}
	if q.Bytes() != 4000 || q.Len() != 3 {
		t.Fatalf("Len, Bytes = %d, %d; want 3, 4000", q.Len(), q.Bytes())
	}
	for _, want := range []int{1500, 1500, 1000} {
		if e := q.Dequeue(0); e.Packet == nil || e.Len != want || e.Packet.Len() != want {
			t.Fatalf("Dequeue = %+v, want a %d-byte packet", e, want)
		}
	}
	if q.Dequeue(0).Packet != nil || q.Bytes() != 0 {
		t.Fatal("queue not empty after dequeuing everything")
	}
}

func TestDropTailOversizedPacketNeverFits(t *testing.T) {
	if NewDropTail(0, 1000).Enqueue(queued(0, sized(1500))) {
		t.Fatal("1500-byte packet admitted to an empty 1000-byte queue")
	}
}
