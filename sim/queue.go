// Package sim is the virtual-time engine: a priority queue of events, each
// a plain value due at a units.Time (this file), and on it a network of
// links, precomputed routes and agents (network.go) that moves packets and
// wakes whoever asked, knowing nothing of flows, workloads or TCP.
//
// Determinism. Every Push stamps its entry with the next value of a counter
// that only ever increases, and the heap orders entries by (time, sequence).
// No two entries share a sequence number, so this is a total order: which
// entry pops next depends only on the times and the order of the pushes, never
// on the heap's shape, the slice's capacity, or anything outside the queue.
// Events due at the same instant pop in the order they were scheduled (FIFO),
// which is the causal order a reader of a trace expects. A run that pushes
// the same events in the same order therefore pops them in the same order,
// and one seed gives byte-identical results.
//
// Shape. The heap is 4-ary and stored as values in one slice. A simulation
// pops about as often as it pushes; a 4-ary heap is half as deep as a binary
// one, so a push climbs half as many levels, and a pop's sift-down does half
// as many levels of slightly wider comparisons whose four children share a
// cache line or two. Entries are values rather than pointers or closures, so
// the heap is one contiguous block the garbage collector scans once and that
// never allocates after it has grown to the run's peak population.
package sim

import "ccbench/units"

// arity is the heap's branching factor; see the package comment.
const arity = 4

// entry is one scheduled event.
type entry[T any] struct {
	at  units.Time
	seq uint64
	v   T
}

// Queue is a priority queue of events of type T, ordered by time and, for
// equal times, by the order they were pushed. The zero value is an empty
// queue ready to use. A Queue is not safe for concurrent use.
type Queue[T any] struct {
	heap []entry[T]
	// seq is the sequence number given to the most recent Push.
	seq uint64
}

// before reports whether a pops before b.
func before[T any](a, b *entry[T]) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// Push schedules v at time at.
func (q *Queue[T]) Push(at units.Time, v T) {
	q.seq++
	q.heap = append(q.heap, entry[T]{at: at, seq: q.seq, v: v})
	q.siftUp(len(q.heap) - 1)
}

// Pop removes and returns the earliest event. When the queue is empty it
// returns units.Never, the zero T and false.
func (q *Queue[T]) Pop() (at units.Time, v T, ok bool) {
	n := len(q.heap)
	if n == 0 {
		return units.Never, v, false
	}
	top := q.heap[0]
	n--
	q.heap[0] = q.heap[n]
	// Clear the vacated slot so a T holding pointers does not keep their
	// targets alive from the spare capacity.
	q.heap[n] = entry[T]{}
	q.heap = q.heap[:n]
	if n > 1 {
		q.siftDown(0)
	}
	return top.at, top.v, true
}

// PeekTime returns the time of the earliest event, or units.Never when the
// queue is empty.
func (q *Queue[T]) PeekTime() units.Time {
	if len(q.heap) == 0 {
		return units.Never
	}
	return q.heap[0].at
}

// Len returns the number of scheduled events.
func (q *Queue[T]) Len() int { return len(q.heap) }

// Reset drops every event and restarts the sequence, keeping the storage so
// a queue reused for the next run does not grow again.
func (q *Queue[T]) Reset() {
	clear(q.heap)
	q.heap = q.heap[:0]
	q.seq = 0
}

// siftUp moves the entry at i towards the root until its parent pops before
// it. It carries the entry in a local and writes it once, instead of
// swapping at every level.
func (q *Queue[T]) siftUp(i int) {
	h := q.heap
	e := h[i]
	for i > 0 {
		parent := (i - 1) / arity
		if !before(&e, &h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
}

// siftDown moves the entry at i towards the leaves until it pops before all
// of its children.
func (q *Queue[T]) siftDown(i int) {
	h := q.heap
	n := len(h)
	e := h[i]
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		last := min(first+arity, n)
		m := first
		for c := first + 1; c < last; c++ {
			if before(&h[c], &h[m]) {
				m = c
			}
		}
		if !before(&h[m], &e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}
