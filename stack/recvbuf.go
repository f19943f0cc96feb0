package stack

import "github.com/ccbench/ccbench/wire"

// recvBuffer holds received bytes until the application reads them. In-order
// bytes sit at the front; segments that arrive beyond a hole are written
// straight to their final place further along the stream and remembered as
// ranges, so filling the hole costs no copying of what came early. The
// bytes live in pooled chunks (chunks.go), taken for the ranges segments
// touch and given back as the application consumes them; with virtual
// payload only the sequence numbers and counts are kept.
//
// The advertised window never exceeds the free space, so every in-window
// byte has a place within limit bytes of the first unread one.
type recvBuffer struct {
	data    chunkStream // position 0 is the first unread byte
	virtual bool
	limit   int // the configured size, which bounds the window
	unread  int
	nxt     Seq // RCV.NXT: the next in-order sequence number expected

	// ooo holds the out-of-order ranges above nxt, sorted and disjoint. It
	// grows as holes appear (at most one range per two segments of window)
	// and keeps its capacity, so a connection allocates only in its first
	// loss episodes.
	ooo  []seqRange
	nooo int
}

type seqRange struct{ start, end Seq }

func newRecvBuffer(size int, pool *ChunkPool, virtual bool) recvBuffer {
	return recvBuffer{data: chunkStream{pool: pool}, virtual: virtual, limit: size}
}

// window is how many bytes beyond RCV.NXT may be accepted.
func (b *recvBuffer) window() int { return b.limit - b.unread }

// write places payload p, whose first byte has sequence number seq, and
// reports whether it advanced RCV.NXT and whether it was out of order. The
// caller has trimmed p to the window. With virtual payload p's bytes are
// not looked at, only its length.
func (b *recvBuffer) write(seq Seq, p []byte) (advanced, outOfOrder bool) {
	if len(p) == 0 {
		return false, false
	}
	off := seq.Sub(b.nxt)
	if !b.virtual {
		b.data.writeAt(b.unread+off, p)
	}
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
		end = wire.MaxSeq(end, b.ooo[0].end)
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
		start = wire.MinSeq(start, b.ooo[j].start)
		end = wire.MaxSeq(end, b.ooo[j].end)
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

// peek returns the first unread in-order bytes as up to two slices of
// the buffer, without copying: all of them when they span at most two
// chunks, otherwise a prefix. With virtual payload there are no bytes to
// return.
func (b *recvBuffer) peek() (first, second []byte) {
	if b.unread == 0 || b.virtual {
		return nil, nil
	}
	first = b.data.view(0)
	first = first[:min(len(first), b.unread)]
	if rest := b.unread - len(first); rest > 0 {
		second = b.data.view(len(first))
		second = second[:min(len(second), rest)]
	}
	return first, second
}

// discard drops the first n unread bytes.
func (b *recvBuffer) discard(n int) {
	n = min(n, b.unread)
	b.unread -= n
	b.consumed(n)
}

// read copies unread in-order bytes into dst; with virtual payload it
// only counts them.
func (b *recvBuffer) read(dst []byte) int {
	n := min(len(dst), b.unread)
	if !b.virtual {
		b.data.readAt(0, dst[:n])
	}
	b.unread -= n
	b.consumed(n)
	return n
}

// consumed renumbers the stored bytes after the application took n, and
// gives back the chunks nothing is left in: all of them once the buffer
// holds nothing, in order or not.
func (b *recvBuffer) consumed(n int) {
	if !b.virtual {
		// (With virtual payload nothing is stored to renumber: a
		// test that inlines into every read.)
		b.consumedBytes(n)
	}
}

// consumedBytes is consumed for a buffer that stores bytes.
func (b *recvBuffer) consumedBytes(n int) {
	if n == 0 {
		return
	}
	if b.unread == 0 && b.nooo == 0 {
		b.data.release()
		return
	}
	b.data.consume(n)
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
			break
		}
		if r.start.GEQ(seq) {
			b.nooo--
			continue
		}
		r.end = seq
		break
	}
	if b.virtual {
		return
	}
	// The chunks that held only what was forgotten go back to the pool.
	held := b.unread
	if b.nooo > 0 {
		held += b.ooo[b.nooo-1].end.Sub(b.nxt)
	}
	if held == 0 {
		b.data.release()
	} else {
		b.data.trimTo(held)
	}
}
