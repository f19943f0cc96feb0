// Package sim is the virtual-time engine: a priority queue of events, each
// a plain value due at a units.Time (this file), and on it a network of
// links, precomputed routes and agents (network.go) that moves packets and
// wakes whoever asked, knowing nothing of flows, workloads or TCP.
//
// Determinism. Every push stamps its entry with the next value of a counter
// that only ever increases (renumbered, order kept, if it ever runs out),
// and the heap orders entries by (time, sequence). No two pending entries
// share a sequence number, so this is a total order: which
// entry pops next depends only on the times and the order of the pushes, never
// on the heap's shape, the slice's capacity, or anything outside the queue.
// Events due at the same instant pop in the order they were scheduled (FIFO),
// which is the causal order a reader of a trace expects. A run that pushes
// the same events in the same order therefore pops them in the same order,
// and one seed gives byte-identical results.
//
// Shape. The heap is binary and stored as 16-byte values in one slice:
// the time, and one word holding the push's sequence number (high 40
// bits) and the event (low 24: which kind, which link or agent), so that
// comparing two entries is two integer comparisons. Entries are values
// without pointers, so the heap is one block the garbage collector does
// not scan and that never allocates after it has grown to the run's peak
// population. Against 24-byte entries this made a segment through the
// bottleneck run about 4% cheaper, through a 3-hop path about 7%. Up to
// sortedMax entries the same slice is kept sorted instead, latest first
// (see eventQueue): a pop is one read, and a push moves only the few
// entries due before it. The heap was 4-ary while a pop sifted the last
// entry down from the root, a far timer that sinks to the bottom, where
// half the levels paid; since events are handled in place (below), most
// sifts start with an entry due soon that stops at the first level or
// the second, where two children to compare cost less than four: 64 CUBIC
// flows at 1 Gbit/s took 2.4% fewer instructions per segment, 10 000
// flows 1.2% (and 0.93× the CPU time, median of 4 interleaved pairs).
//
// Handling in place. The network does not pop an event before handling
// it: it peeks, and the entry stays at the root, live, while the link or
// agent it wakes does its work. The first push meanwhile, usually that
// link's next arrival or that agent's next timer, takes the root's slot
// and sifts down; done takes the entry out if nothing did. This is the
// order of popping first, since every push's sequence number is greater
// than the live entry's, and it replaces a pop's sift-down of the heap's
// last entry (an agent's far timer, which sinks to the bottom) and a
// push's climb with one sift-down of an entry that is usually due soon
// and stops near the top. With 64 flows (130 pending events, most of
// them hosts' timers) that made a segment 6% cheaper; in the sorted form
// it changes nothing.
package sim

import (
	"slices"
	"unsafe"

	"github.com/ccbench/ccbench/units"
)

// eventQueue is the network's priority queue of events, ordered by time
// and, for equal times, by the order they were pushed (see the package
// comment). The zero value is empty and ready to use.
type eventQueue struct {
	// heap holds the entries. While sorted, it is in reverse pop order:
	// the next to pop is last. Otherwise it is a binary heap.
	heap []qentry
	// last is the key part of the last push's sequence number,
	// seq<<eventBits: a push adds one in that place, and the sum
	// wraps to 0 when the numbers have run out.
	last   uint64
	sorted bool
	// live is set while the next entry is being handled (peek): it is
	// gone as far as any order is concerned, and the next push or done
	// takes it out. In the heap form the push takes its place at the
	// root and sifts down: one pass instead of a pop's and a push's.
	live bool
}

// A queue of a few entries is kept sorted rather than as a heap: a pop is
// then one read, where a heap of nine entries pops through two levels of
// four children. A network's pending events are about one per busy link
// and one per agent, so a path of a few hops keeps a dozen or fewer. The
// array is kept latest first and a pop takes its last entry, so a push
// moves the entries due before it: the links' arrivals that are sooner,
// where ascending order moved the agents' far timers after it. On the
// bottleneck and on a 3-hop path that made a segment 1.3% cheaper (about
// 60 instructions); a push still moves two or three entries on average.
// A push that takes the queue above sortedMax makes it
// a heap (the array reversed, which in ascending order is one); a pop
// that leaves sortedMin or fewer sorts them again. Which entry pops is
// the same in both forms: the least by (time, sequence), a total order.
const (
	sortedMax = 16
	sortedMin = 8
)

type qentry struct {
	at  units.Time
	key uint64 // seq<<eventBits | event
}

// qentrySize is an entry's size, a step of push's walk.
const qentrySize = int(unsafe.Sizeof(qentry{}))

const (
	// eventBits is the low part of a key, the event: its kind in the top
	// bit, its link or agent in the bits below, up to maxIndex.
	eventBits = 24
	maxIndex  = 1<<(eventBits-1) - 1
	// seqCount is how many sequence numbers the 40 bits above the
	// event hold; when they run out, the pending events are renumbered
	// from 1 in their order (renumber), which a run reaches after 10^12
	// pushes.
	seqCount = 1 << (64 - eventBits)
	seqOne   = 1 << eventBits // a sequence number of one, in a key
)

// renumberFrom is 0: renumber numbers the pending events after it. Tests
// raise it to near seqCount, so that the numbers run out every few pushes.
var renumberFrom uint64

func packEvent(e netEvent) uint64 {
	return uint64(e.kind)<<(eventBits-1) | uint64(uint32(e.idx))
}

func unpackEvent(key uint64) netEvent {
	v := key & (1<<eventBits - 1)
	return netEvent{kind: eventKind(v >> (eventBits - 1)), idx: int32(v & maxIndex)}
}

// before reports whether a pops before b.
func (a *qentry) before(b *qentry) bool {
	return a.at < b.at || (a.at == b.at && a.key < b.key)
}

// push schedules e at at.
//
// The new entry has the greatest sequence number of any pending one, so
// it pops after every entry due at the same time or earlier and before
// every entry due later: where the queue compares it, time alone decides.
func (q *eventQueue) push(at units.Time, e netEvent) {
	k := q.last + seqOne
	if k == 0 {
		q.renumber()
		k = q.last + seqOne
	}
	q.last = k
	x := qentry{at: at, key: k | packEvent(e)}
	if q.live && q.sorted {
		// The common case, written apart so that it does no more than
		// it needs: the entry handled is last in the sorted form, this
		// one takes its slot (the slice keeps its length) and moves
		// back past the entries due before it.
		q.live = false
		// The walk is by pointer, from the last slot down to the
		// first and never past it, so it stays inside the slice's
		// array: a 16-byte entry's index takes a shift to address
		// and a pointer does not, which makes a step 8 instructions
		// instead of 13: 0.5% of a bottleneck run.
		h := q.heap
		first, slot := &h[0], &h[len(h)-1]
		for slot != first {
			prev := (*qentry)(unsafe.Add(unsafe.Pointer(slot), -qentrySize))
			if prev.at > at {
				break
			}
			*slot = *prev
			slot = prev
		}
		*slot = x
		return
	}
	q.pushOther(x)
}

// pushOther is push in the other cases: a live root in the heap form, or
// no live entry.
func (q *eventQueue) pushOther(x qentry) {
	h := q.heap
	if q.live {
		// The root is the entry handled: this one takes its place, the
		// same order as taking it out first.
		q.live = false
		q.siftDown(x)
		return
	}
	h = append(h, x)
	q.heap = h
	i := len(h) - 1
	if q.sorted || i == 0 {
		// Past the entries due before it, from the end.
		for i > 0 && h[i-1].at <= x.at {
			h[i] = h[i-1]
			i--
		}
		h[i] = x
		q.sorted = true
		if len(h) > sortedMax {
			// Reversed, the entries are in order, which is a heap.
			slices.Reverse(h)
			q.sorted = false
		}
		return
	}
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].at <= x.at {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = x
}

// peek returns the next event and makes it live: the caller handles it
// and ends with done, and a push meanwhile takes its place (see live). On
// an empty queue it returns units.Never and false.
func (q *eventQueue) peek() (units.Time, netEvent, bool) {
	n := len(q.heap)
	if n == 0 {
		return units.Never, netEvent{}, false
	}
	top := &q.heap[0]
	if q.sorted {
		top = &q.heap[n-1]
	}
	q.live = true
	return top.at, unpackEvent(top.key), true
}

// done takes the live entry out, unless a push already took its place,
// which is the common case: that test inlines into the caller.
func (q *eventQueue) done() {
	if q.live {
		q.takeLive()
	}
}

func (q *eventQueue) takeLive() {
	q.live = false
	n := len(q.heap) - 1
	if q.sorted {
		q.heap = q.heap[:n]
		return
	}
	x := q.heap[n]
	q.heap = q.heap[:n]
	if n > 0 {
		q.siftDown(x)
	}
	if n <= sortedMin {
		q.sortSmall()
	}
}

// pop removes and returns the earliest event; on an empty queue it
// returns units.Never and false.
func (q *eventQueue) pop() (units.Time, netEvent, bool) {
	at, e, ok := q.peek()
	q.done()
	return at, e, ok
}

// siftDown puts x in the heap's root, which it overwrites, and moves it
// down past every child that pops before it.
func (q *eventQueue) siftDown(x qentry) {
	h := q.heap
	n := len(h)
	i := 0
	for {
		m := 2*i + 1
		if m >= n {
			break
		}
		if r := m + 1; r < n && h[r].before(&h[m]) {
			m = r
		}
		if !h[m].before(&x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
}

// sortSmall turns the (small) heap into the sorted form by insertion,
// latest first.
func (q *eventQueue) sortSmall() {
	h := q.heap
	for i := 1; i < len(h); i++ {
		x := h[i]
		j := i
		for j > 0 && h[j-1].before(&x) {
			h[j] = h[j-1]
			j--
		}
		h[j] = x
	}
	q.sorted = true
}

// renumber gives the pending events new sequence numbers from
// renumberFrom+1 in the order they will pop, so that pushes can go on numbering after them
// without the order of any two events changing.
func (q *eventQueue) renumber() {
	q.done() // the push that called this would take the live entry out
	pending := make([]qentry, 0, len(q.heap))
	for {
		at, e, ok := q.pop()
		if !ok {
			break
		}
		pending = append(pending, qentry{at: at, key: packEvent(e)})
	}
	// At least one number is left after them, for the push that called
	// this (renumberFrom is only raised by tests).
	q.last = min(renumberFrom, seqCount-2-uint64(len(pending))) << eventBits
	for _, p := range pending {
		q.last += seqOne
		q.heap = append(q.heap, qentry{at: p.at, key: q.last | p.key})
	}
	// In order, the entries are a heap; reversed, the sorted form.
	q.sorted = len(q.heap) <= sortedMax
	if q.sorted {
		slices.Reverse(q.heap)
	}
}

// len is the number of scheduled events.
func (q *eventQueue) len() int { return len(q.heap) }
