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
					hp.popOnly()
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
