package stack

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// TestDeadlineHeapPopOnlyReadsAsDelete drives a deadline heap with random
// keys, removals and OnTimer's popOnly beside a plain map of the keys it
// should hold, where popOnly is a removal. Whatever it reads, the heap
// must answer as the map: the earliest key, which connections are due
// (readyDue's and popDue's walk from the root), and after every refresh of
// a popped connection (set, as refreshDeadlines calls it) the same again.
func TestDeadlineHeapPopOnlyReadsAsDelete(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var hp deadlineHeap
		conns := make([]*Conn, 1+rng.IntN(5))
		for i := range conns {
			conns[i] = &Conn{heapIdx: -1, deadline: units.Never, pos: i}
		}
		want := map[*Conn]units.Time{}
		var popped *Conn // popOnly'd and not yet given a key again
		for step := range 2000 {
			c := conns[rng.IntN(len(conns))]
			switch op := rng.IntN(10); {
			case op < 5:
				d := units.Time(rng.IntN(50))
				if rng.IntN(8) == 0 {
					d = units.Never
				}
				hp.set(c, d)
				if d == units.Never {
					delete(want, c)
				} else {
					want[c] = d
				}
				if c == popped {
					popped = nil
				}
			case op < 6:
				hp.delete(c)
				delete(want, c)
				if c == popped {
					popped = nil
				}
			default:
				// OnTimer's one-entry case: the only connection, if due.
				now := units.Time(rng.IntN(50))
				if len(want) != 1 || popped != nil {
					continue
				}
				if top := hp.conns[0]; top.deadline <= now {
					hp.popOnly()
					delete(want, top)
					popped = top
				}
			}
			least := units.Never
			for _, d := range want {
				least = min(least, d)
			}
			if got := hp.min(); got != least {
				t.Fatalf("round %d step %d: min %v, want %v", round, step, got, least)
			}
			for i, x := range hp.conns {
				if x.heapIdx != i {
					t.Fatalf("round %d step %d: conn at %d thinks it is at %d", round, step, i, x.heapIdx)
				}
				if p := (i - 1) / 2; i > 0 && hp.conns[p].deadline > x.deadline {
					t.Fatalf("round %d step %d: heap order broken at %d", round, step, i)
				}
				if d, ok := want[x]; ok != (x.deadline != units.Never) || ok && d != x.deadline {
					t.Fatalf("round %d step %d: conn keyed %v, want %v (held %v)", round, step, x.deadline, d, ok)
				}
			}
			if len(hp.conns) != len(want)+btoi(popped != nil) {
				t.Fatalf("round %d step %d: %d in the heap, want %d", round, step, len(hp.conns), len(want))
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
