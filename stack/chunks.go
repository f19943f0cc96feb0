package stack

// Buffer memory that grows with the data, as Linux's socket buffers do: a
// send or receive buffer is a window onto a byte stream, stored in
// fixed-size chunks taken from a pool when bytes arrive and given back as
// soon as every byte in them has been consumed. A connection whose buffers
// are empty holds no chunk, so an idle connection costs its bookkeeping
// (a few hundred bytes), not the megabytes its configured sizes allow;
// one moving a window of W bytes holds about W plus a chunk.
//
// The configured sizes (Config.SndBuf, Config.RcvBuf) still bound what a
// buffer accepts and what the receiver advertises: chunking changes where
// bytes live, never how many are allowed, so it cannot change a result.
//
// With virtual payload (Config.VirtualPayload) no chunk is ever taken: the
// buffers keep only counts and sequence numbers.

// chunkSize is the size of every buffer chunk. Measured on the 100 Mbit/s
// bottleneck run (BenchmarkChunkedStream, BenchmarkBottleneckRun): 16 KiB
// costs no more per byte than larger chunks, and keeps what a connection
// holds beyond its data, at most one partly used chunk at each end, small.
const chunkSize = 16 << 10

type chunk [chunkSize]byte

// ChunkPool is a free list of buffer chunks. Every host of one run shares
// one (Host.SetChunkPool), so a chunk a drained connection gives back is
// the next one another connection takes. Like packet.Pool it is not safe
// for concurrent use: a run, which owns its hosts and their pool, is one
// goroutine; concurrent runs have a pool each.
type ChunkPool struct {
	free []*chunk
	// Allocated counts chunks ever made; it stops growing once the pool
	// holds the run's peak, which is what allocation tests check.
	Allocated int
	// InUse counts chunks held by buffers now.
	InUse int
}

// ChunkSize is the size of the chunks a ChunkPool hands out.
const ChunkSize = chunkSize

func (p *ChunkPool) get() *chunk {
	p.InUse++
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return c
	}
	p.Allocated++
	return new(chunk)
}

func (p *ChunkPool) put(c *chunk) {
	p.InUse--
	p.free = append(p.free, c)
}

// chunkStream stores the bytes of a stream window at positions 0, 1, ...
// counted from the first byte it holds; the first chunk holds position 0
// at offset off. Chunks are taken for the positions written and may be
// missing (nil) between them, where a receiver has holes. It is the
// storage under sendBuffer and recvBuffer, which keep the sequence
// numbers.
type chunkStream struct {
	pool *ChunkPool
	// ring holds the chunks in stream order from index head; its length
	// is zero or a power of two and grows by doubling, once, to the most
	// chunks the buffer has needed.
	ring    []*chunk
	head, n int
	off     int
}

func (s *chunkStream) at(i int) **chunk { return &s.ring[(s.head+i)&(len(s.ring)-1)] }

// chunkFor returns the chunk holding position pos, taking one from the
// pool if none holds it yet.
func (s *chunkStream) chunkFor(pos int) *chunk {
	i := (s.off + pos) / chunkSize
	if i >= s.n {
		if i >= len(s.ring) {
			s.grow(i + 1)
		}
		for s.n <= i {
			*s.at(s.n) = nil
			s.n++
		}
	}
	c := s.at(i)
	if *c == nil {
		*c = s.pool.get()
	}
	return *c
}

func (s *chunkStream) grow(need int) {
	size := max(len(s.ring), 4)
	for size < need {
		size <<= 1
	}
	ring := make([]*chunk, size)
	for i := range s.n {
		ring[i] = *s.at(i)
	}
	s.ring, s.head = ring, 0
}

// writeAt copies p to positions pos onward.
func (s *chunkStream) writeAt(pos int, p []byte) {
	for len(p) > 0 {
		c := s.chunkFor(pos)
		k := copy(c[(s.off+pos)%chunkSize:], p)
		p = p[k:]
		pos += k
	}
}

// fillAt sets positions pos to pos+n-1 to zero.
func (s *chunkStream) fillAt(pos, n int) {
	for n > 0 {
		c := s.chunkFor(pos)
		b := c[(s.off+pos)%chunkSize:]
		b = b[:min(len(b), n)]
		clear(b)
		n -= len(b)
		pos += len(b)
	}
}

// readAt copies the bytes at positions pos onward into dst, which they
// must fill; those positions must have been written.
func (s *chunkStream) readAt(pos int, dst []byte) {
	for len(dst) > 0 {
		k := copy(dst, s.view(pos))
		dst = dst[k:]
		pos += k
	}
}

// view returns the bytes from position pos to the end of its chunk.
func (s *chunkStream) view(pos int) []byte {
	q := s.off + pos
	return (*s.at(q / chunkSize))[q%chunkSize:]
}

// consume drops positions below d, renumbering the rest from 0, and gives
// back the chunks that held only those.
func (s *chunkStream) consume(d int) {
	s.off += d
	for s.off >= chunkSize && s.n > 0 {
		c := s.at(0)
		if *c != nil {
			s.pool.put(*c)
			*c = nil
		}
		s.head = (s.head + 1) & (len(s.ring) - 1)
		s.n--
		s.off -= chunkSize
	}
	if s.n == 0 {
		s.off %= chunkSize
	}
}

// trimTo gives back the chunks that hold only positions n and beyond: the
// stream no longer holds anything there.
func (s *chunkStream) trimTo(n int) {
	keep := (s.off + n + chunkSize - 1) / chunkSize
	for s.n > keep {
		s.n--
		if c := s.at(s.n); *c != nil {
			s.pool.put(*c)
			*c = nil
		}
	}
}

// release gives back every chunk: the buffer holds no byte any more.
func (s *chunkStream) release() {
	for i := range s.n {
		if c := s.at(i); *c != nil {
			s.pool.put(*c)
			*c = nil
		}
	}
	s.head, s.n, s.off = 0, 0, 0
}

// chunks is how many chunks the stream holds.
func (s *chunkStream) chunks() int {
	k := 0
	for i := range s.n {
		if *s.at(i) != nil {
			k++
		}
	}
	return k
}
