package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"ccbench/units"
)

// event stands in for a driver's event: small, a value, with a pointer so
// the tests also cover clearing vacated slots.
type event struct {
	kind uint8
	flow int32
	id   int
	ref  *int
}

// refEntry is one scheduled event in the reference model.
type refEntry struct {
	at units.Time
	id int
}

// refQueue is the obviously-correct model the heap is checked against: a
// list kept sorted by time, where a new entry goes after every entry with
// the same or an earlier time, so ties stay in insertion order.
type refQueue struct{ list []refEntry }

func (r *refQueue) push(at units.Time, id int) {
	i, _ := slices.BinarySearchFunc(r.list, at, func(e refEntry, t units.Time) int {
		if e.at <= t {
			return -1
		}
		return 1
	})
	r.list = slices.Insert(r.list, i, refEntry{at, id})
}

func (r *refQueue) pop() refEntry {
	e := r.list[0]
	r.list = r.list[1:]
	return e
}

func TestQueueMatchesSortedReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 1000} {
		rng := rand.New(rand.NewPCG(seed, 0))
		var q Queue[event]
		var ref refQueue
		id := 0
		for step := 0; step < 20000; step++ {
			// Pushes slightly outnumber pops so the population wanders
			// between empty and a few hundred; a narrow time range makes
			// ties common.
			if rng.IntN(100) < 55 {
				at := units.Time(rng.IntN(64))
				q.Push(at, event{id: id})
				ref.push(at, id)
				id++
			} else {
				at, v, ok := q.Pop()
				if len(ref.list) == 0 {
					if ok || at != units.Never {
						t.Fatalf("seed %d step %d: Pop on empty queue = (%v, %v, %v)", seed, step, at, v, ok)
					}
					continue
				}
				want := ref.pop()
				if !ok || at != want.at || v.id != want.id {
					t.Fatalf("seed %d step %d: Pop = (%v, id %d, %v), want (%v, id %d)", seed, step, at, v.id, ok, want.at, want.id)
				}
			}
			if q.Len() != len(ref.list) {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, q.Len(), len(ref.list))
			}
			wantPeek := units.Never
			if len(ref.list) > 0 {
				wantPeek = ref.list[0].at
			}
			if got := q.PeekTime(); got != wantPeek {
				t.Fatalf("seed %d step %d: PeekTime = %v, want %v", seed, step, got, wantPeek)
			}
		}
		for len(ref.list) > 0 {
			want := ref.pop()
			at, v, ok := q.Pop()
			if !ok || at != want.at || v.id != want.id {
				t.Fatalf("seed %d drain: Pop = (%v, id %d, %v), want (%v, id %d)", seed, at, v.id, ok, want.at, want.id)
			}
		}
	}
}

func TestQueueTiesPopInInsertionOrder(t *testing.T) {
	var q Queue[int]
	// Interleave two instants so ties are not simply adjacent pushes.
	for i := range 100 {
		q.Push(units.Time(10+10*(i%2)), i)
	}
	q.Push(5, -1)
	if _, v, _ := q.Pop(); v != -1 {
		t.Fatalf("first Pop = %d, want -1 (earliest time)", v)
	}
	for _, at := range []units.Time{10, 20} {
		for i := 0; i < 100; i += 2 {
			want := i
			if at == 20 {
				want = i + 1
			}
			gotAt, v, ok := q.Pop()
			if !ok || gotAt != at || v != want {
				t.Fatalf("Pop = (%v, %d, %v), want (%v, %d)", gotAt, v, ok, at, want)
			}
		}
	}
	if q.Len() != 0 {
		t.Fatalf("Len = %d after draining", q.Len())
	}
}

func TestQueueInterleavedPushPop(t *testing.T) {
	// A hold model, as a simulation runs: pop the earliest event at t and
	// schedule a follow-up no earlier than t. Popped times must never go
	// backwards and the population must stay constant.
	rng := rand.New(rand.NewPCG(7, 0))
	var q Queue[int]
	for i := range 500 {
		q.Push(units.Time(rng.IntN(1000)), i)
	}
	last := units.Time(-1)
	for step := range 100000 {
		at, v, ok := q.Pop()
		if !ok {
			t.Fatalf("step %d: queue unexpectedly empty", step)
		}
		if at < last {
			t.Fatalf("step %d: popped %v after %v", step, at, last)
		}
		last = at
		q.Push(at.Add(units.Duration(rng.IntN(1000))), v)
		if q.Len() != 500 {
			t.Fatalf("step %d: Len = %d, want 500", step, q.Len())
		}
	}
}

func TestQueueReset(t *testing.T) {
	var q Queue[event]
	x := 1
	for i := range 100 {
		q.Push(units.Time(i), event{id: i, ref: &x})
	}
	q.Reset()
	if q.Len() != 0 || q.PeekTime() != units.Never {
		t.Fatalf("after Reset: Len = %d, PeekTime = %v", q.Len(), q.PeekTime())
	}
	for _, e := range q.heap[:cap(q.heap)] {
		if e.v.ref != nil {
			t.Fatal("Reset left a reference in spare capacity")
		}
	}
	q.Push(3, event{id: 1})
	q.Push(3, event{id: 2})
	if _, v, _ := q.Pop(); v.id != 1 {
		t.Fatalf("after Reset ties pop id %d first, want 1", v.id)
	}
}

func TestQueuePopClearsVacatedSlot(t *testing.T) {
	var q Queue[event]
	x := 1
	for i := range 10 {
		q.Push(units.Time(i), event{ref: &x})
	}
	for range 10 {
		q.Pop()
	}
	for _, e := range q.heap[:cap(q.heap)] {
		if e.v.ref != nil {
			t.Fatal("Pop left a reference in spare capacity")
		}
	}
}

func TestQueueSteadyStateAllocatesNothing(t *testing.T) {
	var q Queue[event]
	for i := range 1024 {
		q.Push(units.Time(i), event{id: i})
	}
	allocs := testing.AllocsPerRun(10000, func() {
		at, v, _ := q.Pop()
		q.Push(at+1024, v)
	})
	if allocs != 0 {
		t.Fatalf("Push+Pop allocates %v times per run, want 0", allocs)
	}
}

func BenchmarkQueuePushPop(b *testing.B) {
	for _, population := range []int{16, 1024} {
		b.Run(strconv.Itoa(population), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 0))
			// Precomputed delays keep the generator out of the loop; a
			// power-of-two table makes indexing a mask.
			delays := make([]units.Duration, 4096)
			for i := range delays {
				delays[i] = units.Duration(rng.IntN(100_000))
			}
			var q Queue[event]
			for i := range population {
				q.Push(units.Time(delays[i]), event{id: i})
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at, v, _ := q.Pop()
				q.Push(at.Add(delays[i&(len(delays)-1)]), v)
			}
		})
	}
}
