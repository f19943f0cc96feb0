package stack

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// pattern is a stream whose byte at offset i is recognisable.
func pattern(off, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		x := uint32(off + i)
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	return p
}

// TestSendBufferChunks writes, reads back and acknowledges a stream in
// random pieces across many chunk boundaries and checks every byte, that
// the buffer holds no more chunks than its bytes need, and that a drained
// buffer gives every chunk back.
func TestSendBufferChunks(t *testing.T) {
	pool := &ChunkPool{}
	b := newSendBuffer(5*chunkSize+123, pool, false)
	b.start = 1000
	rng := rand.New(rand.NewPCG(1, 2))
	written, acked := 0, 0
	for round := range 2000 {
		if n := rng.IntN(3 * chunkSize); round%7 != 6 {
			written += b.write(pattern(written, n))
		} else {
			written += b.writeZeros(0) // a no-op write
		}
		if b.n != written-acked || b.n > b.limit {
			t.Fatalf("round %d: holds %d, want %d within %d", round, b.n, written-acked, b.limit)
		}
		// Read a random range of what is held, as a retransmission would.
		if b.n > 0 {
			off := rng.IntN(b.n)
			dst := make([]byte, rng.IntN(3000)+1)
			n := b.read(b.start.Add(off), dst)
			if want := pattern(acked+off, min(len(dst), b.n-off)); !bytes.Equal(dst[:n], want) {
				t.Fatalf("round %d: read at stream offset %d gave other bytes", round, acked+off)
			}
		}
		ack := rng.IntN(b.n + 1)
		if round%50 == 0 {
			ack = b.n // drain
		}
		b.ackTo(b.start.Add(ack))
		acked += ack
		if k := b.data.chunks(); k > (b.data.off+b.n+chunkSize-1)/chunkSize || b.n == 0 && k != 0 {
			t.Fatalf("round %d: %d chunks for %d bytes from offset %d", round, k, b.n, b.data.off)
		}
		if pool.InUse != b.data.chunks() {
			t.Fatalf("round %d: pool counts %d in use, buffer holds %d", round, pool.InUse, b.data.chunks())
		}
	}
	if pool.Allocated > 7 {
		t.Fatalf("%d chunks allocated for a buffer of at most 6: drained chunks were not reused", pool.Allocated)
	}
	z := newSendBuffer(3*chunkSize, pool, false)
	if n := z.writeZeros(2*chunkSize + 5); n != 2*chunkSize+5 {
		t.Fatalf("writeZeros took %d", n)
	}
	got := make([]byte, 2*chunkSize+5)
	for i := range got {
		got[i] = 1
	}
	z.read(z.start, got)
	if !bytes.Equal(got, make([]byte, len(got))) {
		t.Fatal("writeZeros left bytes that are not zero in reused chunks")
	}
}

// TestRecvBufferChunksOutOfOrder places segments in random order, some
// duplicated, over a window that spans many chunks, reads them back in
// order, and checks that only chunks of ranges touched are held and that
// all come back once the buffer is empty.
func TestRecvBufferChunksOutOfOrder(t *testing.T) {
	pool := &ChunkPool{}
	const seg = 1448
	b := newRecvBuffer(40*seg, pool, false)
	b.nxt = 7
	rng := rand.New(rand.NewPCG(3, 4))
	read := 0 // stream offset of the first unread byte
	// place writes the segment at stream offset off, trimmed to RCV.NXT
	// as receiveData trims it.
	place := func(off int) {
		p := pattern(off, seg)
		if d := b.nxt.Sub(7) - off; d > 0 {
			if d >= len(p) {
				return
			}
			p, off = p[d:], off+d
		}
		b.write(Seq(7).Add(off), p)
	}
	out := make([]byte, 64<<10)
	for round := range 300 {
		base := b.nxt.Sub(7) // stream offset of RCV.NXT
		// A window of segments beyond base, some missing, in random order.
		win := b.window() / seg
		order := rng.Perm(win)
		for _, i := range order {
			if rng.IntN(4) == 0 {
				continue
			}
			place(base + i*seg)
		}
		// Only chunks that hold received bytes may be held.
		held := 0
		if b.unread > 0 {
			held = b.unread
		}
		for i := range b.nooo {
			held = max(held, b.unread+b.ooo[i].end.Sub(b.nxt))
		}
		if k := b.data.chunks(); k > (b.data.off+held+chunkSize-1)/chunkSize {
			t.Fatalf("round %d: %d chunks held for %d bytes", round, k, held)
		}
		// Fill the first hole, then read a random amount.
		place(b.nxt.Sub(7))
		n := b.read(out[:rng.IntN(len(out))])
		if !bytes.Equal(out[:n], pattern(read, n)) {
			t.Fatalf("round %d: read at stream offset %d gave other bytes", round, read)
		}
		read += n
		if round%20 == 0 {
			// Drain: read everything and forget what lies beyond.
			b.truncateAbove(b.nxt)
			for n := b.read(out); n > 0; n = b.read(out) {
				if !bytes.Equal(out[:n], pattern(read, n)) {
					t.Fatalf("round %d: drained bytes differ", round)
				}
				read += n
			}
			if pool.InUse != 0 || b.data.chunks() != 0 {
				t.Fatalf("round %d: empty buffer holds %d chunks (%d in use)", round, b.data.chunks(), pool.InUse)
			}
		}
	}
	if pool.Allocated > (40*seg)/chunkSize+3 {
		t.Fatalf("%d chunks allocated for a window of %d bytes", pool.Allocated, 40*seg)
	}
}

// TestPeekSpansChunks: Peek returns the first unread bytes in at most two
// pieces, and peeking and discarding until it returns nothing yields the
// whole stream.
func TestPeekSpansChunks(t *testing.T) {
	b := newRecvBuffer(4*chunkSize, &ChunkPool{}, false)
	want := pattern(0, 3*chunkSize+77)
	b.write(0, want[:100])
	b.discard(60) // the stream now starts inside the first chunk
	b.write(100, want[100:])
	var got []byte
	for first, second := b.peek(); len(first)+len(second) > 0; first, second = b.peek() {
		got = append(append(got, first...), second...)
		b.discard(len(first) + len(second))
	}
	if !bytes.Equal(got, want[60:]) {
		t.Fatalf("peeked %d bytes, want %d equal to the stream", len(got), len(want)-60)
	}
}

// TestVirtualBuffersHoldNoChunks: with virtual payload the buffers keep
// the same counts and sequence numbers and take no memory.
func TestVirtualBuffersHoldNoChunks(t *testing.T) {
	pool := &ChunkPool{}
	s := newSendBuffer(1<<20, pool, true)
	r := newRecvBuffer(1<<20, pool, true)
	p := make([]byte, 60000)
	held := 0
	for range 100 {
		n := s.write(p)
		held += n - n/2
		if m := s.read(s.start, make([]byte, 1448)); m != min(1448, s.n) {
			t.Fatalf("virtual read of %d", m)
		}
		s.ackTo(s.start.Add(n / 2))
		r.write(r.nxt.Add(3000), p[:1448]) // out of order
		r.write(r.nxt, p[:3000])
		if a, b := r.peek(); a != nil || b != nil {
			t.Fatal("virtual Peek returned bytes")
		}
		r.discard(2000)
	}
	if pool.Allocated != 0 {
		t.Fatalf("virtual buffers took %d chunks", pool.Allocated)
	}
	if r.unread != 100*(4448-2000) || s.n != held {
		t.Fatalf("virtual counts: unread %d, held %d", r.unread, s.n)
	}
}

// streamCycle writes 64 KiB to a send buffer, reads it back in segments
// as output would, places each segment in a receive buffer, which the
// application then drains, and acknowledges it all: one round of a bulk
// transfer through both buffers.
func streamCycle(s *sendBuffer, r *recvBuffer, app, seg []byte) {
	s.write(app)
	for seq := s.start; seq != s.end(); {
		n := s.read(seq, seg)
		r.write(r.nxt, seg[:n])
		seq = seq.Add(n)
	}
	r.discard(r.unread)
	s.ackTo(s.end())
}

func TestChunkedStreamAllocatesNothing(t *testing.T) {
	pool := &ChunkPool{}
	s := newSendBuffer(4<<20, pool, false)
	r := newRecvBuffer(4<<20, pool, false)
	app, seg := pattern(0, 64<<10), make([]byte, 1448)
	streamCycle(&s, &r, app, seg)
	if a := testing.AllocsPerRun(50, func() { streamCycle(&s, &r, app, seg) }); a != 0 {
		t.Fatalf("%.1f allocations per 64 KiB through the buffers", a)
	}
}

// BenchmarkChunkedStream is the cost of moving bytes through a send and a
// receive buffer (write, segment reads, placement, drain, ACK), per 64
// KiB, with real bytes and with virtual payload.
func BenchmarkChunkedStream(b *testing.B) {
	for _, virtual := range []bool{false, true} {
		name := "real"
		if virtual {
			name = "virtual"
		}
		b.Run(name, func(b *testing.B) {
			pool := &ChunkPool{}
			s := newSendBuffer(4<<20, pool, virtual)
			r := newRecvBuffer(4<<20, pool, virtual)
			app, seg := pattern(0, 64<<10), make([]byte, 1448)
			streamCycle(&s, &r, app, seg)
			b.SetBytes(int64(len(app)))
			b.ReportAllocs()
			for b.Loop() {
				streamCycle(&s, &r, app, seg)
			}
		})
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// idleConnBytes is the heap an established idle connection costs, both
// ends counted separately, with the default 4 MiB buffers.
func idleConnBytes(tb testing.TB, n int) float64 {
	before := heapInUse()
	m := newIdleConns(tb, n)
	after := heapInUse()
	runtime.KeepAlive(m)
	return float64(after-before) / float64(2*n)
}

func newIdleConns(tb testing.TB, n int) *manyConns {
	tb.Helper()
	m := &manyConns{}
	m.connect(tb, DefaultConfig(), n)
	if len(m.a.order) != n || len(m.b.order) != n {
		tb.Fatalf("%d and %d connections, want %d", len(m.a.order), len(m.b.order), n)
	}
	return m
}

// heldBytesPerMiB is the heap a send and a receive buffer take per MiB
// of stream they span: the send buffer full of unacknowledged data, the
// receive buffer of segments beyond a hole, every other one missing.
func heldBytesPerMiB() (send, recv float64) {
	const size = 8 << 20
	pool := &ChunkPool{}
	before := heapInUse()
	s := newSendBuffer(size, pool, false)
	app := make([]byte, 64<<10)
	for s.free() > 0 {
		s.write(app)
	}
	mid := heapInUse()
	r := newRecvBuffer(size, pool, false)
	seg := app[:1448]
	for off := 1448; off+1448 <= size; off += 2 * 1448 {
		r.write(r.nxt.Add(off), seg)
	}
	after := heapInUse()
	runtime.KeepAlive(&s)
	runtime.KeepAlive(&r)
	return float64(mid-before-uint64(len(app))) / 8, float64(after-mid) / 8
}

// TestBufferMemoryGrowsWithData: an idle connection costs kilobytes, not
// its configured buffers, and buffers cost little more than the bytes
// span, even with holes.
func TestBufferMemoryGrowsWithData(t *testing.T) {
	if idle := idleConnBytes(t, 500); idle > 6<<10 {
		t.Errorf("an idle connection costs %.0f bytes, want at most 6 KiB", idle)
	}
	send, recv := heldBytesPerMiB()
	if send > 1.05*(1<<20) || recv > 1.05*(1<<20) {
		t.Errorf("buffers cost %.0f (send) and %.0f (receive) bytes per MiB held, want at most 1.05 MiB", send, recv)
	}
}

// BenchmarkBufferMemory reports what buffers cost: bytes per idle
// established connection (default 4 MiB buffers), and bytes of heap per
// MiB a send buffer and a receive buffer (with holes) hold.
func BenchmarkBufferMemory(b *testing.B) {
	var idle, send, recv float64
	for b.Loop() {
		idle = idleConnBytes(b, 1000)
		send, recv = heldBytesPerMiB()
	}
	b.ReportMetric(idle, "B/idle-conn")
	b.ReportMetric(send, "B/send-MiB")
	b.ReportMetric(recv, "B/recv-MiB")
}

// TestChunksReturnAfterTransferAndReset: a connection's chunks go back to
// its host's pool when its data is acknowledged and read, and when it is
// reset with data unacknowledged; bytes still unread stay readable.
func TestChunksReturnAfterTransferAndReset(t *testing.T) {
	m := newIdleConns(t, 1)
	c, peer := m.a.order[0], m.b.order[0]
	data := pattern(0, 300<<10)
	step := func() {
		m.now = m.now.Add(units.Millisecond)
		m.pump(m.a, m.b)
		m.pump(m.b, m.a)
	}
	if n, _ := c.Write(data); n != len(data) {
		t.Fatalf("wrote %d", n)
	}
	got := make([]byte, 0, len(data))
	buf := make([]byte, 5000)
	for range 5000 {
		step()
		n, _ := peer.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) == len(data) && c.Buffered() == 0 {
			break
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes of %d, or other bytes", len(got), len(data))
	}
	if m.a.chunks.InUse != 0 || m.b.chunks.InUse != 0 {
		t.Fatalf("after the transfer: %d and %d chunks still held", m.a.chunks.InUse, m.b.chunks.InUse)
	}
	// Again, but the receiver does not read and the sender resets with
	// data in flight.
	c.Write(pattern(0, c.WriteSpace()))
	for range 3 { // a few round trips: far from 4 MiB
		step()
	}
	if m.a.chunks.InUse == 0 || m.b.chunks.InUse == 0 {
		t.Fatalf("%d and %d chunks held mid-transfer", m.a.chunks.InUse, m.b.chunks.InUse)
	}
	unread := peer.Readable()
	c.Abort()
	if m.a.chunks.InUse != 0 {
		t.Fatalf("the reset connection still holds %d chunks", m.a.chunks.InUse)
	}
	step()
	if peer.State() != Closed || peer.Readable() != unread {
		t.Fatalf("peer %v with %d bytes readable, want closed with %d", peer.State(), peer.Readable(), unread)
	}
	for n, _ := peer.Read(buf); n > 0; n, _ = peer.Read(buf) {
	}
	if m.b.chunks.InUse != 0 {
		t.Fatalf("the peer read everything but holds %d chunks", m.b.chunks.InUse)
	}
}

// TestRecvBufferTruncateReleasesChunks: data taken out of order beyond a
// FIN that arrives later is forgotten, and the chunks that held only that
// data go back to the pool, also when the last range left ends below the
// FIN (the fuzzer's case: a forged segment far beyond, then the FIN).
func TestRecvBufferTruncateReleasesChunks(t *testing.T) {
	b := newRecvBuffer(4*chunkSize, &ChunkPool{}, false)
	start := b.nxt
	b.write(start.Add(100), make([]byte, 100))
	b.write(start.Add(2*chunkSize+10), make([]byte, 100))
	if got := b.data.chunks(); got != 2 {
		t.Fatalf("%d chunks after two out-of-order writes a chunk apart, want 2", got)
	}
	b.truncateAbove(start.Add(chunkSize))
	if got := b.data.chunks(); got != 1 || b.nooo != 1 {
		t.Fatalf("after the FIN below the second range: %d chunks, %d ranges, want 1 and 1", got, b.nooo)
	}
	b.truncateAbove(start.Add(50))
	if got := b.data.chunks(); got != 0 || b.nooo != 0 {
		t.Fatalf("after the FIN below every range: %d chunks, %d ranges, want 0 and 0", got, b.nooo)
	}
}
