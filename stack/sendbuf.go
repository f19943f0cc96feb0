package stack

// sendBuffer holds the application's bytes from SND.UNA onward: bytes sent
// and not yet acknowledged, then bytes not yet sent. It is a ring whose
// capacity is a power of two so positions wrap with a mask.
type sendBuffer struct {
	buf   []byte
	mask  int
	limit int // the configured size; Write accepts no more than this
	start Seq // sequence number of the oldest byte held
	head  int // ring position of that byte
	n     int // bytes held
}

func newSendBuffer(size int) sendBuffer {
	c := ceilPow2(size)
	return sendBuffer{buf: make([]byte, c), mask: c - 1, limit: size}
}

func ceilPow2(n int) int {
	c := 1
	for c < n {
		c <<= 1
	}
	return c
}

// free is how many more bytes Write accepts.
func (b *sendBuffer) free() int { return b.limit - b.n }

// end is the sequence number just after the last byte held.
func (b *sendBuffer) end() Seq { return b.start.Add(b.n) }

// write appends as much of p as fits and returns how much that was.
func (b *sendBuffer) write(p []byte) int {
	n := min(len(p), b.free())
	pos := (b.head + b.n) & b.mask
	c := copy(b.buf[pos:], p[:n])
	copy(b.buf, p[c:n])
	b.n += n
	return n
}

// read copies the bytes starting at seq into dst and returns how many it
// copied; seq must lie inside the buffer.
func (b *sendBuffer) read(seq Seq, dst []byte) int {
	off := seq.Sub(b.start)
	n := min(len(dst), b.n-off)
	if off < 0 || n <= 0 {
		return 0
	}
	pos := (b.head + off) & b.mask
	c := copy(dst[:n], b.buf[pos:])
	copy(dst[c:n], b.buf)
	return n
}

// ackTo drops every byte before seq.
func (b *sendBuffer) ackTo(seq Seq) {
	d := seq.Sub(b.start)
	if d <= 0 {
		return
	}
	d = min(d, b.n)
	b.start = b.start.Add(d)
	b.head = (b.head + d) & b.mask
	b.n -= d
}
