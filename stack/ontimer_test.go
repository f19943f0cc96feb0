package stack

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// TestDeadlineHeapReadsAsItsKeys drives a deadline heap with random keys,
// removals and OnTimer's popOnly beside a plain map of the keys it should
// hold, where a Never key and popOnly are removals. Whatever it reads, the
// heap must answer as the map: its earliest key, and for each connection
// in it the key the map holds; a connection kept with key Never (set with
// Never, or popOnly, while it was the only one) must be the only such one.
func TestDeadlineHeapReadsAsItsKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kept := 0
	for round := range 200 {
		var hp deadlineHeap
		conns := make([]*Conn, 1+rng.IntN(5))
		for i := range conns {
			conns[i] = &Conn{heapIdx: -1, deadline: units.Never, pos: i}
		}
		want := map[*Conn]units.Time{}
		for step := range 2000 {
			c := conns[rng.IntN(len(conns))]
			switch op := rng.IntN(10); {
			case op < 5:
				d := units.Time(rng.IntN(50))
				if rng.IntN(4) == 0 {
					d = units.Never
				}
				hp.set(c, d)
				if d == units.Never {
					delete(want, c)
				} else {
					want[c] = d
				}
			case op < 6:
				hp.delete(c)
				delete(want, c)
			default:
				// OnTimer's one-entry case: the only connection, if due.
				now := units.Time(rng.IntN(50))
				if len(hp.conns) == 1 && hp.conns[0].deadline <= now {
					delete(want, hp.conns[0])
					hp.popOnly(hp.conns[0])
				}
			}
			least := units.Never
			for _, d := range want {
				least = min(least, d)
			}
			if got := hp.min(); got != least {
				t.Fatalf("round %d step %d: min %v, want %v", round, step, got, least)
			}
			never := 0
			for i, x := range hp.conns {
				if x.heapIdx != i {
					t.Fatalf("round %d step %d: conn at %d thinks it is at %d", round, step, i, x.heapIdx)
				}
				if p := (i - 1) / 2; i > 0 && hp.conns[p].deadline > x.deadline {
					t.Fatalf("round %d step %d: heap order broken at %d", round, step, i)
				}
				d, ok := want[x]
				switch {
				case x.deadline == units.Never && !ok:
					never++
				case !ok || d != x.deadline:
					t.Fatalf("round %d step %d: conn keyed %v, want %v (held %v)", round, step, x.deadline, d, ok)
				}
			}
			if never > 1 || len(hp.conns)-never != len(want) {
				t.Fatalf("round %d step %d: %d in the heap, %d of them kept with key Never, want %d", round, step, len(hp.conns), never, len(want))
			}
			kept += never
		}
	}
	if kept < 1000 {
		t.Fatalf("a connection was kept with key Never %d times: too few to test it", kept)
	}
}

// TestDeadlineHeapSetMatchesSetAny drives two deadline heaps side by side
// with the same random keys, removals and popOnly, one through set (with
// its in-place case for the only connection) and one through setAny
// alone: after every step both must hold the same connections, in the
// same slots, with the same keys.
func TestDeadlineHeapSetMatchesSetAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	inPlace := 0
	for round := range 300 {
		n := 1 + rng.IntN(4)
		var fast, plain deadlineHeap
		fc, pc := make([]*Conn, n), make([]*Conn, n)
		for i := range n {
			fc[i] = &Conn{heapIdx: -1, deadline: units.Never, pos: i}
			pc[i] = &Conn{heapIdx: -1, deadline: units.Never, pos: i}
		}
		for step := range 1000 {
			i := rng.IntN(n)
			switch op := rng.IntN(10); {
			case op < 7:
				d := units.Time(rng.IntN(40))
				if rng.IntN(4) == 0 {
					d = units.Never
				}
				if fc[i].heapIdx == 0 && len(fast.conns) == 1 {
					inPlace++
				}
				fast.set(fc[i], d)
				plain.setAny(pc[i], d)
			case op < 8:
				fast.delete(fc[i])
				plain.delete(pc[i])
			default:
				now := units.Time(rng.IntN(40))
				if len(fast.conns) == 1 && fast.conns[0].deadline <= now {
					fast.popOnly(fast.conns[0])
				}
				if len(plain.conns) == 1 && plain.conns[0].deadline <= now {
					plain.popOnly(plain.conns[0])
				}
			}
			if len(fast.conns) != len(plain.conns) {
				t.Fatalf("round %d step %d: %d in the heap, plain %d", round, step, len(fast.conns), len(plain.conns))
			}
			for k := range n {
				f, p := fc[k], pc[k]
				if f.heapIdx != p.heapIdx || f.deadline != p.deadline {
					t.Fatalf("round %d step %d: conn %d at %d key %v, plain at %d key %v", round, step, k, f.heapIdx, f.deadline, p.heapIdx, p.deadline)
				}
			}
			for j := range fast.conns {
				if fast.conns[j].pos != plain.conns[j].pos {
					t.Fatalf("round %d step %d: slot %d holds conn %d, plain %d", round, step, j, fast.conns[j].pos, plain.conns[j].pos)
				}
			}
		}
	}
	if inPlace < 1000 {
		t.Fatalf("only %d sets took the only connection's key in place", inPlace)
	}
}
