package stack

// recvBuffer holds received bytes until the application reads them. In-order
// bytes sit at the front; segments that arrive beyond a hole are written
// straight to their final place further along the ring and remembered as
// ranges, so filling the hole costs no copying of what came early.
//
// The advertised window never exceeds the free space, so every in-window
// byte has a place in the ring.
type recvBuffer struct {
	buf    []byte
	mask   int
	limit  int // the configured size, which bounds the window
	head   int // ring position of the first unread byte
	unread int
	nxt    Seq // RCV.NXT: the next in-order sequence number expected

	// ooo holds the out-of-order ranges above nxt, sorted and disjoint. It
	// grows as holes appear (at most one range per two segments of window)
	// and keeps its capacity, so a connection allocates only in its first
	// loss episodes.
	ooo  []seqRange
	nooo int
}

type seqRange struct{ start, end Seq }

func newRecvBuffer(size int) recvBuffer {
	c := ceilPow2(size)
	return recvBuffer{buf: make([]byte, c), mask: c - 1, limit: size}
}

// window is how many bytes beyond RCV.NXT may be accepted.
func (b *recvBuffer) window() int { return b.limit - b.unread }

// write places payload p, whose first byte has sequence number seq, and
// reports whether it advanced RCV.NXT and whether it was out of order. The
// caller has trimmed p to the window.
func (b *recvBuffer) write(seq Seq, p []byte) (advanced, outOfOrder bool) {
	if len(p) == 0 {
		return false, false
	}
	off := seq.Sub(b.nxt)
	pos := (b.head + b.unread + off) & b.mask
	c := copy(b.buf[pos:], p)
	copy(b.buf, p[c:])
	end := seq.Add(len(p))
	if off > 0 {
		b.addRange(seq, end)
		return false, true
	}
	b.advance(end)
	return true, false
}

// advance moves RCV.NXT to end and then over any out-of-order ranges that
// now touch it.
func (b *recvBuffer) advance(end Seq) {
	for {
		b.unread += end.Sub(b.nxt)
		b.nxt = end
		if b.nooo == 0 || b.ooo[0].start.GT(b.nxt) {
			return
		}
		end = MaxSeq(end, b.ooo[0].end)
		copy(b.ooo, b.ooo[1:b.nooo])
		b.nooo--
	}
}

// addRange records [start, end) as received out of order, merging with
// neighbours.
func (b *recvBuffer) addRange(start, end Seq) {
	i := 0
	for i < b.nooo && b.ooo[i].end.LT(start) {
		i++
	}
	j := i
	for j < b.nooo && b.ooo[j].start.LEQ(end) {
		start = MinSeq(start, b.ooo[j].start)
		end = MaxSeq(end, b.ooo[j].end)
		j++
	}
	if i == j {
		if b.nooo == len(b.ooo) {
			b.ooo = append(b.ooo, seqRange{})
			b.ooo = b.ooo[:cap(b.ooo)]
		}
		copy(b.ooo[i+1:b.nooo+1], b.ooo[i:b.nooo])
		b.nooo++
	} else if j > i+1 {
		copy(b.ooo[i+1:], b.ooo[j:b.nooo])
		b.nooo -= j - i - 1
	}
	b.ooo[i] = seqRange{start, end}
}

// peek returns the unread in-order bytes as up to two slices of the ring,
// without copying.
func (b *recvBuffer) peek() (first, second []byte) {
	end := b.head + b.unread
	if end <= len(b.buf) {
		return b.buf[b.head:end], nil
	}
	return b.buf[b.head:], b.buf[:end-len(b.buf)]
}

// discard drops the first n unread bytes.
func (b *recvBuffer) discard(n int) {
	n = min(n, b.unread)
	b.head = (b.head + n) & b.mask
	b.unread -= n
}

// read copies unread in-order bytes into dst.
func (b *recvBuffer) read(dst []byte) int {
	n := min(len(dst), b.unread)
	c := copy(dst[:n], b.buf[b.head:])
	copy(dst[c:n], b.buf)
	b.head = (b.head + n) & b.mask
	b.unread -= n
	return n
}

// rangeContaining returns the out-of-order range holding seq, if any.
func (b *recvBuffer) rangeContaining(seq Seq) (seqRange, bool) {
	// The ranges are sorted and disjoint: binary search for the first
	// that ends after seq.
	lo, hi := 0, b.nooo
	for lo < hi {
		m := (lo + hi) / 2
		if b.ooo[m].end.LEQ(seq) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < b.nooo && seq.GEQ(b.ooo[lo].start) {
		return b.ooo[lo], true
	}
	return seqRange{}, false
}

// holds reports whether [start, end) was already received out of order.
func (b *recvBuffer) holds(start, end Seq) bool {
	r, ok := b.rangeContaining(start)
	return ok && end.LEQ(r.end)
}

// truncateAbove forgets out-of-order data at or beyond seq.
func (b *recvBuffer) truncateAbove(seq Seq) {
	for b.nooo > 0 {
		r := &b.ooo[b.nooo-1]
		if r.end.LEQ(seq) {
			return
		}
		if r.start.GEQ(seq) {
			b.nooo--
			continue
		}
		r.end = seq
		return
	}
}
