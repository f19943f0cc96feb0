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
// Shape. The heap is 4-ary and stored as 16-byte values in one slice: the
// time, and one word holding the push's sequence number (high 40 bits) and
// the event (low 24: which kind, which link or agent), so that a node's
// four children fill one 64-byte cache line and comparing two entries is
// two integer comparisons. A simulation pops about as often as it pushes; a
// 4-ary heap is half as deep as a binary one, so a push climbs half as many
// levels, and a pop's sift-down does half as many levels of slightly wider
// comparisons. Entries are values without pointers, so the heap is one
// block the garbage collector does not scan and that never allocates after
// it has grown to the run's peak population. Against 24-byte entries this
// made a segment through the bottleneck run about 4% cheaper, through a
// 3-hop path about 7%. Up to sortedMax entries the same slice is kept
// sorted instead (see eventQueue): a pop is one read, and a push moves
// only the few entries due after it.
package sim

import "github.com/ccbench/ccbench/units"

// arity is the heap's branching factor; see the package comment.
const arity = 4

// eventQueue is the network's priority queue of events, ordered by time
// and, for equal times, by the order they were pushed (see the package
// comment). The zero value is empty and ready to use.
type eventQueue struct {
	// heap holds the entries. While sorted, heap[head:] is in pop order;
	// otherwise heap is a 4-ary heap and head is 0.
	heap   []qentry
	head   int
	seq    uint64
	sorted bool
}

// A queue of a few entries is kept sorted rather than as a heap: a pop is
// then one read, and a push moves back only the entries due after it,
// where a heap of nine entries pops through two levels of four children.
// A network's pending events are about one per busy link and one per
// agent, so a path of a few hops keeps a dozen or fewer, and a new link
// event is due before the far timers of the agents. A push that takes the
// queue above sortedMax makes it a heap (a sorted array already is one);
// a pop that leaves sortedMin or fewer sorts them again. Which entry pops
// is the same in both forms: the least by (time, sequence), a total
// order.
const (
	sortedMax = 16
	sortedMin = 8
)

type qentry struct {
	at  units.Time
	key uint64 // seq<<eventBits | event
}

const (
	// eventBits is the low part of a key, the event: its kind in the top
	// bit, its link or agent in the bits below, up to maxIndex.
	eventBits = 24
	maxIndex  = 1<<(eventBits-1) - 1
	// seqLimitDefault is where sequence numbers, in the 40 bits above the
	// event, run out; the pending events are then renumbered from 1 in
	// their order (renumber), which a run reaches after 10^12 pushes.
	seqLimitDefault = 1 << (64 - eventBits)
)

// seqLimit is seqLimitDefault; tests lower it to exercise renumbering.
var seqLimit uint64 = seqLimitDefault

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
func (q *eventQueue) push(at units.Time, e netEvent) {
	if q.seq+1 >= seqLimit {
		q.renumber()
	}
	q.seq++
	x := qentry{at: at, key: q.seq<<eventBits | packEvent(e)}
	if q.sorted || len(q.heap) == q.head {
		q.pushSorted(x)
		return
	}
	q.heap = append(q.heap, x)
	h := q.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / arity
		if !x.before(&h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = x
}

// pop removes and returns the earliest event; on an empty queue it
// returns units.Never and false.
func (q *eventQueue) pop() (units.Time, netEvent, bool) {
	n := len(q.heap)
	if q.sorted {
		if q.head == n {
			return units.Never, netEvent{}, false
		}
		top := q.heap[q.head]
		q.head++
		if q.head == n {
			q.heap, q.head = q.heap[:0], 0
		}
		return top.at, unpackEvent(top.key), true
	}
	if n == 0 {
		return units.Never, netEvent{}, false
	}
	top := q.heap[0]
	n--
	q.heap[0] = q.heap[n]
	q.heap = q.heap[:n]
	if n > 1 {
		h := q.heap
		i := 0
		x := h[0]
		for {
			first := arity*i + 1
			if first >= n {
				break
			}
			last := min(first+arity, n)
			m := first
			for c := first + 1; c < last; c++ {
				if h[c].before(&h[m]) {
					m = c
				}
			}
			if !h[m].before(&x) {
				break
			}
			h[i] = h[m]
			i = m
		}
		h[i] = x
	}
	if n <= sortedMin {
		q.sortSmall()
	}
	return top.at, unpackEvent(top.key), true
}

// pushSorted inserts x into the sorted form, which an empty queue is in.
// The array's free space at its end is reused by moving the entries down
// when it runs out, so a steady population never allocates.
func (q *eventQueue) pushSorted(x qentry) {
	q.sorted = true
	if q.head == len(q.heap) || len(q.heap) == cap(q.heap) {
		q.compact()
	}
	head := q.head
	h := append(q.heap, x)
	i := len(h) - 1
	for i > head && x.before(&h[i-1]) {
		h[i] = h[i-1]
		i--
	}
	h[i] = x
	q.heap = h
	if len(h)-head > sortedMax {
		// In order, the entries are already a heap.
		n := copy(h, h[head:])
		q.heap, q.head, q.sorted = h[:n], 0, false
	}
}

// compact moves the sorted entries to the front of the array, so that
// the space popped entries left is used again.
func (q *eventQueue) compact() {
	n := copy(q.heap, q.heap[q.head:])
	q.heap, q.head = q.heap[:n], 0
}

// sortSmall turns the (small) heap into the sorted form by insertion.
func (q *eventQueue) sortSmall() {
	h := q.heap
	for i := 1; i < len(h); i++ {
		x := h[i]
		j := i
		for j > 0 && x.before(&h[j-1]) {
			h[j] = h[j-1]
			j--
		}
		h[j] = x
	}
	q.sorted = true
}

// renumber gives the pending events new sequence numbers from 1 in the
// order they will pop, so that pushes can go on numbering after them
// without the order of any two events changing.
func (q *eventQueue) renumber() {
	pending := make([]qentry, 0, len(q.heap))
	for {
		at, e, ok := q.pop()
		if !ok {
			break
		}
		pending = append(pending, qentry{at: at, key: packEvent(e)})
	}
	q.seq = 0
	for _, p := range pending {
		q.seq++
		q.heap = append(q.heap, qentry{at: p.at, key: q.seq<<eventBits | p.key})
	}
	// In order, the entries are sorted and a heap alike.
	q.sorted = len(q.heap) <= sortedMax
}

// len is the number of scheduled events.
func (q *eventQueue) len() int { return len(q.heap) - q.head }
