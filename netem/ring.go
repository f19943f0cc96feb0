// A FIFO in a ring buffer: the storage behind every queue discipline. It
// grows by doubling only when full, so once a run has reached its peak
// occupancy it never allocates again; a power-of-two size turns the
// wrap-around into a mask.
//
// A slot holds a Queued, not just a pointer: the packet together with what
// the queue reads about it, its length and when it arrived. A packet
// waiting deep in a queue has long left the caches, and its 2 KiB buffer
// with it; reading its length from the buffer when it reaches the head is
// a cache miss per packet, while the slots are a dense array read in
// order. The delay line (delayline.go) keeps its packets the same way.

package netem

// minRing is the first allocation; small enough for an idle reverse path,
// large enough that a busy link reaches its steady size in a few doublings.
const minRing = 16

type ring struct {
	buf  []Queued // len is zero or a power of two
	head int      // index of the oldest entry
	n    int      // number of entries held
}

// Len returns the number of entries held.
func (r *ring) Len() int { return r.n }

// Push appends q at the tail.
func (r *ring) Push(q Queued) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = q
	r.n++
}

// Pop removes and returns the oldest entry; the ring must not be empty.
func (r *ring) Pop() Queued {
	q := r.buf[r.head]
	// Drop the reference: a packet back in the pool must not also be
	// reachable from here.
	r.buf[r.head].Packet = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return q
}

// grow doubles the buffer, unwrapping the contents to start at index 0.
func (r *ring) grow() {
	size := max(minRing, 2*len(r.buf))
	buf := make([]Queued, size)
	// The held entries are buf[head:] followed by buf[:head] when full.
	k := copy(buf, r.buf[r.head:])
	copy(buf[k:], r.buf[:r.head])
	r.buf = buf
	r.head = 0
}
