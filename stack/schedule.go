package stack

import (
	"math/bits"
	"slices"

	"github.com/ccbench/ccbench/units"
)

// Host scheduling: which connections Output visits and which OnTimer runs,
// at a cost that follows the connections with something to do rather than
// all of them, as a busy server's kernel pays per active socket (Linux's
// timer wheel and its per-socket transmit queues; ns-3's event-driven
// sockets).
//
// A connection can have something to send only after something happened to
// it: a segment arrived for it, its application wrote, read or closed, one
// of its timers expired, or it was created. Every such call from the host
// or the application touches the connection (Host.touch): it joins the
// ready set and its deadline is marked stale. Output visits only ready
// connections, in the same round-robin order over the host's connection
// list as a visit of every connection would take, and a connection leaves
// the ready set when its output comes back empty. Between touches a
// connection's output depends on the time only through its pacing release,
// which is one of its deadlines: so Output also visits connections whose
// deadline has come, which makes it hand out exactly what a visit of every
// connection would.
//
// Deadlines live in an indexed min-heap. A stale key is refreshed at the
// next NextDeadline or OnTimer; Output reads keys as they are, which is
// exact under a driver that asks for NextDeadline after draining Output, and
// costs at most a visit that finds nothing otherwise.

// readySet is a set of positions in the host's connection list: a bitmap
// with a summary bit per word of it, so that finding the next member costs
// a few word scans whatever the number of connections.
type readySet struct {
	words []uint64 // bit i%64 of words[i/64] is set when position i is a member
	// summary: bit w%64 of summary[w/64] is set when words[w] != 0, for
	// w > 0. Bit 0 means nothing: a search reads the word it starts in
	// directly and the summary only for the words after it (from), so
	// the word of positions 0 to 63, a small host's every connection,
	// is never looked up there, and add and remove leave it alone.
	summary []uint64
}

// grow makes room for positions below size. The bitmap only grows when the
// number of connections does.
func (s *readySet) grow(size int) {
	for len(s.words)*64 < size {
		s.words = append(s.words, 0)
	}
	for len(s.summary)*64 < len(s.words) {
		s.summary = append(s.summary, 0)
	}
}

func (s *readySet) has(i int) bool { return s.words[i>>6]&(1<<(i&63)) != 0 }

// add and remove load and bounds-check the member's word once: they run
// once or twice per segment, add inlined into touch. The set keeps no
// count of its members: its upkeep in add made touch too dear for the
// inliner, and next tells an empty set by searching it. Without it,
// neither asks whether i is a member already: setting a bit that is set,
// or clearing one that is clear, changes nothing.
func (s *readySet) add(i int) {
	w := i >> 6
	s.words[w] |= 1 << (i & 63)
	if w != 0 {
		s.summary[w>>6] |= 1 << (w & 63)
	}
}

func (s *readySet) remove(i int) {
	w := i >> 6
	word := &s.words[w]
	v := *word &^ (1 << (i & 63))
	*word = v
	if v == 0 && w != 0 {
		s.summary[w>>6] &^= 1 << (w & 63)
	}
}

// next returns the first member at or after position i, wrapping round to
// the first member, or -1 if the set is empty.
func (s *readySet) next(i int) int {
	if j := s.from(i); j >= 0 {
		return j
	}
	return s.from(0)
}

// from returns the first member at or after position i, or -1.
func (s *readySet) from(i int) int {
	w := i >> 6
	if w >= len(s.words) {
		return -1
	}
	if m := s.words[w] & (^uint64(0) << (i & 63)); m != 0 {
		return w<<6 + bits.TrailingZeros64(m)
	}
	w++
	for k := w >> 6; k < len(s.summary); k++ {
		m := s.summary[k]
		if k == w>>6 {
			m &= ^uint64(0) << (w & 63)
		}
		if m != 0 {
			ww := k<<6 + bits.TrailingZeros64(m)
			return ww<<6 + bits.TrailingZeros64(s.words[ww])
		}
	}
	return -1
}

// cut takes position i out of the list: the members above it move down by
// one, as the connections behind a removed one do in the host's list.
func (s *readySet) cut(i int) {
	w := i >> 6
	if w >= len(s.words) {
		return
	}
	s.remove(i)
	b := uint(i & 63)
	below := s.words[w] & (1<<b - 1)
	above := (s.words[w] &^ (2<<b - 1)) >> 1
	s.words[w] = below | above
	for k := w; k < len(s.words); k++ {
		if k > w {
			s.words[k] >>= 1
		}
		if k+1 < len(s.words) {
			s.words[k] |= s.words[k+1] << 63
		}
		if s.words[k] != 0 {
			s.summary[k>>6] |= 1 << (k & 63)
		} else {
			s.summary[k>>6] &^= 1 << (k & 63)
		}
	}
}

// deadlineHeap is a min-heap of connections keyed by their deadline, each
// knowing its index in it, so that a connection's key changes in
// O(log n) and the earliest deadline is read in O(1).
//
// Connections with no deadline are not in it, with one exception: the
// heap's only connection keeps its slot when its deadline goes (set with
// Never, popOnly), with key Never, so that its next deadline is written in
// place rather than appended again: a bulk flow's receiver loses and
// regains its delayed-ACK deadline every other segment, a paced sender its
// pacing release every segment. Every reader takes a heap whose least key
// is Never for an empty one (min, readyDue, popDue), and a connection with
// key Never sinks below every other. Since only the only connection is
// kept so, at most one connection is ever in the heap with key Never.
type deadlineHeap struct {
	conns []*Conn
}

// min is the earliest deadline, or Never.
func (hp *deadlineHeap) min() units.Time {
	if len(hp.conns) == 0 {
		return units.Never
	}
	return hp.conns[0].deadline
}

// set gives c the key d, adding or removing it as d is or is not Never.
// The heap's only connection, as at either end of a bulk flow, takes its
// key in place: setAny would store d and sift nothing, whatever d is (a
// Never key keeps the only slot), and the test inlines into its callers.
func (hp *deadlineHeap) set(c *Conn, d units.Time) {
	if c.heapIdx == 0 && len(hp.conns) == 1 {
		c.deadline = d
		return
	}
	hp.setAny(c, d)
}

// setAny is set for any connection and heap.
func (hp *deadlineHeap) setAny(c *Conn, d units.Time) {
	switch {
	case c.heapIdx < 0 && d == units.Never:
	case c.heapIdx < 0:
		c.deadline = d
		c.heapIdx = len(hp.conns)
		hp.conns = append(hp.conns, c)
		if c.heapIdx > 0 {
			hp.up(c.heapIdx)
		}
	case d == units.Never:
		if len(hp.conns) == 1 {
			c.deadline = d // keeps its slot (see deadlineHeap)
		} else {
			hp.delete(c)
		}
	case d != c.deadline:
		c.deadline = d
		if len(hp.conns) > 1 { // one connection is a heap by itself
			hp.up(c.heapIdx)
			hp.down(c.heapIdx)
		}
	}
}

// delete takes c out of the heap if it is in it.
func (hp *deadlineHeap) delete(c *Conn) {
	i := c.heapIdx
	if i < 0 {
		return
	}
	last := len(hp.conns) - 1
	if i != last {
		hp.swap(i, last)
	}
	hp.conns[last] = nil
	hp.conns = hp.conns[:last]
	c.heapIdx, c.deadline = -1, units.Never
	if i != last {
		hp.up(i)
		hp.down(i)
	}
}

// popOnly takes the heap's only connection out, as far as any reader of
// the heap can tell: its key becomes Never, but it keeps its slot (see
// deadlineHeap), for the refresh that follows (OnTimer marks it stale).
//
// c is that connection, which the caller has read from the heap already.
func (hp *deadlineHeap) popOnly(c *Conn) { c.deadline = units.Never }

func (hp *deadlineHeap) swap(i, j int) {
	a := hp.conns
	a[i], a[j] = a[j], a[i]
	a[i].heapIdx, a[j].heapIdx = i, j
}

func (hp *deadlineHeap) up(i int) {
	a := hp.conns
	for i > 0 {
		p := (i - 1) / 2
		if a[p].deadline <= a[i].deadline {
			return
		}
		hp.swap(i, p)
		i = p
	}
}

func (hp *deadlineHeap) down(i int) {
	a := hp.conns
	for {
		l := 2*i + 1
		if l >= len(a) {
			return
		}
		m := l
		if r := l + 1; r < len(a) && a[r].deadline < a[l].deadline {
			m = r
		}
		if a[i].deadline <= a[m].deadline {
			return
		}
		hp.swap(i, m)
		i = m
	}
}

// touch records that something happened to c: it may have something to
// send, and its deadline may have moved. A closed connection is no longer
// the host's and is left alone. (Written as one if, it is just within
// the inliner's budget: Host.input and every application call inline it.)
func (h *Host) touch(c *Conn) {
	if c.pos >= 0 {
		h.ready.add(c.pos)
		h.staleKey(c)
	}
}

// touchLive is touch for a connection that is known to be the host's: one
// looked up in its table (Host.input) or taken from its deadline heap
// (OnTimer), which remove leaves as it sets pos to -1.
func (h *Host) touchLive(c *Conn) {
	h.ready.add(c.pos)
	h.staleKey(c)
}

// staleKey marks c's deadline key for refreshing. The first connection
// marked since the last refresh is kept in staleFirst, the others in
// stale: a host's wake-up usually touches one connection, which then
// costs a store rather than an append, and its refresh no list.
func (h *Host) staleKey(c *Conn) {
	if !c.staleKey {
		c.staleKey = true
		if h.staleFirst == nil {
			h.staleFirst = c
		} else {
			h.stale = append(h.stale, c)
		}
	}
}

// refreshDeadlines brings the heap keys of touched connections up to date.
func (h *Host) refreshDeadlines() {
	c := h.staleFirst
	if c == nil {
		return // nothing is stale: the list fills only after the first
	}
	h.staleFirst = nil
	c.staleKey = false
	if c.pos >= 0 {
		h.timers.set(c, c.nextDeadline())
	}
	if len(h.stale) != 0 {
		h.refreshMore()
	}
}

// refreshMore is refreshDeadlines for the connections after the first.
func (h *Host) refreshMore() {
	stale := h.stale // not reloaded after every call of set
	for i, c := range stale {
		c.staleKey = false
		if c.pos >= 0 {
			h.timers.set(c, c.nextDeadline())
		}
		// Cleared one by one: clear() on a slice of pointers is a
		// runtime call with bulk write barriers, dearer than the one
		// or two stores a host's usual list takes.
		stale[i] = nil
	}
	h.stale = h.stale[:0] // the length alone is written
}

// readyDue adds to the ready set every connection whose deadline key is at
// or before now, walking only the part of the heap at or before now.
func (h *Host) readyDue(now units.Time) {
	a := h.timers.conns
	if len(a) == 0 || a[0].deadline > now {
		return
	}
	walk := append(h.walk[:0], 0)
	for len(walk) > 0 {
		i := walk[len(walk)-1]
		walk = walk[:len(walk)-1]
		if i >= len(a) || a[i].deadline > now {
			continue
		}
		h.ready.add(a[i].pos)
		walk = append(walk, 2*i+1, 2*i+2)
	}
	h.walk = walk
}

// popDue takes out of the heap every connection whose deadline is at or
// before now and returns them in the host's list order, the order in which
// a scan of every connection would run their timers.
func (h *Host) popDue(now units.Time) []*Conn {
	due := h.due[:0]
	for len(h.timers.conns) > 0 && h.timers.conns[0].deadline <= now {
		c := h.timers.conns[0]
		h.timers.delete(c)
		due = append(due, c)
	}
	if len(due) > 1 {
		slices.SortFunc(due, func(a, b *Conn) int { return a.pos - b.pos })
	}
	h.due = due
	return due
}
