package stack

// sendBuffer holds the application's bytes from SND.UNA onward: bytes sent
// and not yet acknowledged, then bytes not yet sent. The bytes live in
// pooled chunks taken as the application writes and given back as ACKs
// consume them (chunks.go); with virtual payload only the count is kept.
type sendBuffer struct {
	data    chunkStream
	virtual bool
	limit   int // the configured size; Write accepts no more than this
	start   Seq // sequence number of the oldest byte held
	n       int // bytes held
}

func newSendBuffer(size int, pool *ChunkPool, virtual bool) sendBuffer {
	return sendBuffer{data: chunkStream{pool: pool}, virtual: virtual, limit: size}
}

// ready reports whether the connection has been given its buffers
// (allocateBuffers); a half-open connection has not.
func (b *sendBuffer) ready() bool { return b.limit > 0 }

// free is how many more bytes Write accepts.
func (b *sendBuffer) free() int { return b.limit - b.n }

// end is the sequence number just after the last byte held.
func (b *sendBuffer) end() Seq { return b.start.Add(b.n) }

// write appends as much of p as fits and returns how much that was.
func (b *sendBuffer) write(p []byte) int {
	n := min(len(p), b.free())
	if !b.virtual {
		b.data.writeAt(b.n, p[:n])
	}
	b.n += n
	return n
}

// writeZeros appends up to n zero bytes, as many as fit, and returns how
// many that was. With virtual payload it only counts them.
func (b *sendBuffer) writeZeros(n int) int {
	n = max(min(n, b.free()), 0)
	if !b.virtual {
		b.data.fillAt(b.n, n)
	}
	b.n += n
	return n
}

// read copies the bytes starting at seq into dst and returns how many it
// copied; seq must lie inside the buffer. With virtual payload it copies
// nothing and returns how many it would have.
func (b *sendBuffer) read(seq Seq, dst []byte) int {
	off := seq.Sub(b.start)
	n := min(len(dst), b.n-off)
	if off < 0 || n <= 0 {
		return 0
	}
	if !b.virtual {
		b.data.readAt(off, dst[:n])
	}
	return n
}

// ackTo drops every byte before seq, and gives back the chunks that held
// only those.
func (b *sendBuffer) ackTo(seq Seq) {
	d := seq.Sub(b.start)
	if d <= 0 {
		return
	}
	d = min(d, b.n)
	b.start = b.start.Add(d)
	b.n -= d
	if b.virtual {
		return
	}
	if b.n == 0 {
		b.data.release()
		return
	}
	b.data.consume(d)
}

// dropChunks gives back the memory of a buffer that will not be read
// again, of a connection that has closed; the counts stay.
func (b *sendBuffer) dropChunks() {
	if !b.virtual {
		b.data.release()
	}
}

func ceilPow2(n int) int {
	c := 1
	for c < n {
		c <<= 1
	}
	return c
}
