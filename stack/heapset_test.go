package stack

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

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
					fast.popOnly()
				}
				if len(plain.conns) == 1 && plain.conns[0].deadline <= now {
					plain.popOnly()
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
