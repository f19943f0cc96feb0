package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/ccbench/ccbench/units"
)

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

// idEvent is event id as the queue carries it: both kinds and indices up
// to maxIndex, so the packing is exercised across its range.
func idEvent(id int) netEvent {
	return netEvent{kind: eventKind(id & 1), idx: int32((id * 7919) % (maxIndex + 1))}
}

// checkAgainstReference runs a random mix of pushes and pops on the queue
// and the reference model and requires the same pops.
func checkAgainstReference(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	var q eventQueue
	q.renumber() // numbering from renumberFrom, which tests raise
	var ref refQueue
	id := 0
	for step := 0; step < 20000; step++ {
		// Pushes slightly outnumber pops so the population wanders
		// between empty and a few hundred; a narrow time range makes
		// ties common.
		if rng.IntN(100) < 55 {
			at := units.Time(rng.IntN(64))
			q.push(at, idEvent(id))
			ref.push(at, id)
			id++
		} else {
			at, v, ok := q.pop()
			if len(ref.list) == 0 {
				if ok || at != units.Never {
					t.Fatalf("seed %d step %d: pop on empty queue = (%v, %v, %v)", seed, step, at, v, ok)
				}
				continue
			}
			want := ref.pop()
			if !ok || at != want.at || v != idEvent(want.id) {
				t.Fatalf("seed %d step %d: pop = (%v, %+v, %v), want (%v, %+v)", seed, step, at, v, ok, want.at, idEvent(want.id))
			}
		}
		if q.len() != len(ref.list) {
			t.Fatalf("seed %d step %d: len = %d, want %d", seed, step, q.len(), len(ref.list))
		}
	}
	for len(ref.list) > 0 {
		want := ref.pop()
		at, v, ok := q.pop()
		if !ok || at != want.at || v != idEvent(want.id) {
			t.Fatalf("seed %d drain: pop = (%v, %+v, %v), want (%v, %+v)", seed, at, v, ok, want.at, idEvent(want.id))
		}
	}
}

func TestQueueMatchesSortedReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 1000} {
		checkAgainstReference(t, seed)
	}
}

// TestQueueRenumberingKeepsTheOrder runs the reference comparison with
// sequence numbers that run out every 64 pushes: renumbering the pending
// events must not change the order of any two.
func TestQueueRenumberingKeepsTheOrder(t *testing.T) {
	defer func(l uint64) { renumberFrom = l }(renumberFrom)
	renumberFrom = seqCount - 64
	for _, seed := range []uint64{5, 6, 7} {
		checkAgainstReference(t, seed)
	}
}

func TestQueueTiesPopInInsertionOrder(t *testing.T) {
	var q eventQueue
	// Interleave two instants so ties are not simply adjacent pushes.
	for i := range 100 {
		q.push(units.Time(10+10*(i%2)), netEvent{idx: int32(i)})
	}
	q.push(5, netEvent{kind: agentEvent, idx: maxIndex})
	if _, v, _ := q.pop(); v != (netEvent{kind: agentEvent, idx: maxIndex}) {
		t.Fatalf("first pop = %+v, want the earliest event", v)
	}
	for _, at := range []units.Time{10, 20} {
		for i := 0; i < 100; i += 2 {
			want := i
			if at == 20 {
				want = i + 1
			}
			gotAt, v, ok := q.pop()
			if !ok || gotAt != at || v.idx != int32(want) {
				t.Fatalf("pop = (%v, %d, %v), want (%v, %d)", gotAt, v.idx, ok, at, want)
			}
		}
	}
	if q.len() != 0 {
		t.Fatalf("len = %d after draining", q.len())
	}
}

func TestQueueInterleavedPushPop(t *testing.T) {
	// A hold model, as a simulation runs: pop the earliest event at t and
	// schedule a follow-up no earlier than t. Popped times must never go
	// backwards and the population must stay constant.
	rng := rand.New(rand.NewPCG(7, 0))
	var q eventQueue
	for i := range 500 {
		q.push(units.Time(rng.IntN(1000)), netEvent{idx: int32(i)})
	}
	last := units.Time(-1)
	for step := range 100000 {
		at, v, ok := q.pop()
		if !ok {
			t.Fatalf("step %d: queue unexpectedly empty", step)
		}
		if at < last {
			t.Fatalf("step %d: popped %v after %v", step, at, last)
		}
		last = at
		q.push(at.Add(units.Duration(rng.IntN(1000))), v)
		if q.len() != 500 {
			t.Fatalf("step %d: len = %d, want 500", step, q.len())
		}
	}
}

func TestQueueSteadyStateAllocatesNothing(t *testing.T) {
	var q eventQueue
	for i := range 1024 {
		q.push(units.Time(i), netEvent{idx: int32(i)})
	}
	allocs := testing.AllocsPerRun(10000, func() {
		at, v, _ := q.pop()
		q.push(at+1024, v)
	})
	if allocs != 0 {
		t.Fatalf("push+pop allocates %v times per run, want 0", allocs)
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
			var q eventQueue
			for i := range population {
				q.push(units.Time(delays[i]), netEvent{idx: int32(i)})
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at, v, _ := q.pop()
				q.push(at.Add(delays[i&(len(delays)-1)]), v)
			}
		})
	}
}

// TestQueueCrossesBetweenListAndHeap keeps the population wandering across
// the sizes where the queue turns from its sorted form into a heap and
// back (sortedMin, sortedMax) and requires the reference's pops
// throughout, ties included; it also requires that both forms were used
// and that the queue changed form many times.
func TestQueueCrossesBetweenListAndHeap(t *testing.T) {
	for _, seed := range []uint64{11, 12, 13} {
		rng := rand.New(rand.NewPCG(seed, 0))
		var q eventQueue
		var ref refQueue
		id, flips := 0, 0
		was := q.sorted
		for step := 0; step < 20000; step++ {
			n := len(ref.list)
			push := rng.IntN(100) < 50
			if n < 2 {
				push = true
			} else if n > 2*sortedMax {
				push = false
			}
			if push {
				at := units.Time(rng.IntN(16))
				q.push(at, idEvent(id))
				ref.push(at, id)
				id++
			} else {
				want := ref.pop()
				at, v, ok := q.pop()
				if !ok || at != want.at || v != idEvent(want.id) {
					t.Fatalf("seed %d step %d (population %d, sorted %v): pop = (%v, %+v), want (%v, %+v)",
						seed, step, n, q.sorted, at, v, want.at, idEvent(want.id))
				}
			}
			if q.sorted != was {
				flips++
				was = q.sorted
			}
		}
		if flips < 20 {
			t.Fatalf("seed %d: the queue changed form %d times; the test must cross both ways often", seed, flips)
		}
	}
}

// TestQueueHandlingInPlaceMatchesPopThenPush: handling the next event in
// place (peek, pushes, done) must give the order of taking it out first
// (pop, the same pushes). The reference is told pop, the queue peek, with
// zero, one or several pushes while the event is live, some due before
// it; the population wanders across both of the queue's forms, and ties
// are common.
func TestQueueHandlingInPlaceMatchesPopThenPush(t *testing.T) {
	for _, seed := range []uint64{11, 12, 13} {
		rng := rand.New(rand.NewPCG(seed, 0))
		var q eventQueue
		q.renumber() // numbering from renumberFrom, which tests raise
		var ref refQueue
		id, inHeap, inSorted, replaced := 0, 0, 0, 0
		push := func(at units.Time) {
			q.push(at, idEvent(id))
			ref.push(at, id)
			id++
		}
		for step := 0; step < 40000; step++ {
			// The population is drawn towards a target that
			// alternates between a few and a few dozen, so that it
			// crosses between the two forms again and again.
			n := len(ref.list)
			target := 3 * sortedMax
			if step/500%2 == 0 {
				target = sortedMin / 2
			}
			if n == 0 || n < target && rng.IntN(100) < 50 {
				push(units.Time(rng.IntN(16)))
				continue
			}
			want := ref.pop()
			at, v, ok := q.peek()
			if !ok || at != want.at || v != idEvent(want.id) {
				t.Fatalf("seed %d step %d (population %d, sorted %v): peek = (%v, %+v), want (%v, %+v)",
					seed, step, n, q.sorted, at, v, want.at, idEvent(want.id))
			}
			if q.sorted {
				inSorted++
			} else {
				inHeap++
			}
			// Zero to three pushes, fewer above the target.
			k := rng.IntN(4)
			if n > target {
				k = rng.IntN(2)
			}
			if k > 0 {
				replaced++
			}
			for range k {
				push(at + units.Time(rng.IntN(8)) - 2)
			}
			q.done()
			if q.len() != len(ref.list) {
				t.Fatalf("seed %d step %d: len = %d, want %d", seed, step, q.len(), len(ref.list))
			}
		}
		for len(ref.list) > 0 {
			want := ref.pop()
			if at, v, ok := q.pop(); !ok || at != want.at || v != idEvent(want.id) {
				t.Fatalf("seed %d drain: pop = (%v, %+v), want (%v, %+v)", seed, at, v, want.at, idEvent(want.id))
			}
		}
		if inHeap < 3000 || inSorted < 3000 || replaced < 5000 {
			t.Fatalf("seed %d: %d events handled in the heap form, %d in the sorted form, %d with pushes meanwhile: too few to mean anything",
				seed, inHeap, inSorted, replaced)
		}
	}
}

// TestQueueRenumberingWhileHandling: sequence numbers that run out while
// an event is being handled renumber the others without changing the
// order.
func TestQueueRenumberingWhileHandling(t *testing.T) {
	defer func(l uint64) { renumberFrom = l }(renumberFrom)
	renumberFrom = seqCount - 64
	TestQueueHandlingInPlaceMatchesPopThenPush(t)
}
