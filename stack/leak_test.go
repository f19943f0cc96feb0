package stack

// Ten thousand short connections between the same two hosts under 1 %
// loss: open, exchange 4 KiB each way, close. Afterwards, and 2·MSL later,
// nothing may remain: no connection on either host, nothing waiting in the
// listener's accept queue, no packet outside the pool; and the heap in use
// after cycle 10 000 must be what it was after cycle 2 000, so that no
// per-connection state outlives its connection.

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// lossyLink drops each packet with a fixed probability.
type lossyLink struct {
	n    *pairNet
	rng  *rand.Rand
	loss float64
}

func (l *lossyLink) carry(from *Host, p *packet.Packet) {
	if l.rng.Float64() < l.loss {
		l.n.pool.Put(p)
		return
	}
	l.n.deliver(l.n.peer(from), p, l.n.now.Add(l.n.delay), false)
}

// cycleLane runs connections one after another; several lanes run side by
// side on the same hosts.
type cycleLane struct {
	client, server *endpoint
	started        units.Time
}

func TestOpenCloseCyclesLeakNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("10 000 connections take a few seconds")
	}
	const (
		cycles  = 10000
		measure = 2000
		lanes   = 4
		size    = 4 << 10
	)
	cfg := DefaultConfig()
	// Small buffers: 4 MiB rings for each of 20 000 connections would turn
	// the test into a benchmark of the allocator.
	cfg.SndBuf, cfg.RcvBuf = 16<<10, 16<<10
	cfg.MSL = units.Second
	n := newPairNet(t, units.Millisecond, cfg, cfg, 21, 22)
	link := &lossyLink{n: n, rng: rand.New(rand.NewPCG(99, 1)), loss: 0.01}
	n.link = link.carry
	l, err := n.b.Listen(80, 2*lanes, newReno)
	if err != nil {
		t.Fatal(err)
	}
	up, down := randomBytes(size, 1), randomBytes(size, 2)
	buf := make([]byte, 16<<10)
	newSide := func(out, expect []byte, closeFirst bool) *endpoint {
		e := newEndpoint(out, closeFirst)
		e.buf, e.expect = buf, expect
		return e
	}

	var lane [lanes]cycleLane
	byPort := make(map[uint16]*cycleLane)
	started, done := 0, 0
	pause := false
	start := func(k *cycleLane) {
		c, err := n.a.Connect(n.now, 0, addrB, 80, newReno())
		if err != nil {
			t.Fatal(err)
		}
		*k = cycleLane{client: newSide(up, down, true), server: newSide(down, up, false), started: n.now}
		k.client.c = c
		byPort[c.LocalPort()] = k
		started++
	}
	finished := func(k *cycleLane) bool {
		c, s := k.client, k.server
		return c.closed && c.eof && s.c != nil && s.closed && s.eof
	}
	check := func(e *endpoint, what string) {
		if e.mismatch >= 0 || e.read != size || e.c.Err() != nil && e.c.Err() != ErrConnectionReset {
			t.Fatalf("cycle %d: %s read %d bytes (first mismatch at %d), error %v", done, what, e.read, e.mismatch, e.c.Err())
		}
	}
	n.app = func() {
		for c := l.Accept(); c != nil; c = l.Accept() {
			k := byPort[c.RemotePort()]
			if k == nil {
				t.Fatalf("accepted a connection from port %d that no lane opened", c.RemotePort())
			}
			k.server.c = c
		}
		for i := range lane {
			k := &lane[i]
			if k.client == nil {
				if !pause && started < cycles {
					start(k)
				}
				continue
			}
			k.client.step()
			k.server.step()
			if finished(k) {
				check(k.client, "client")
				check(k.server, "server")
				delete(byPort, k.client.c.LocalPort())
				k.client = nil
				done++
				if !pause && started < cycles {
					start(k)
				}
			} else if n.now.Sub(k.started) > 600*units.Second {
				t.Fatalf("cycle stuck since %v: client %v, server %v", k.started, k.client.c.State(), k.server.c)
			}
		}
	}
	// quiesce lets the running cycles finish and every connection's
	// TIME-WAIT end, checks that nothing is left, and returns the heap
	// after a collection.
	quiesce := func() runtime.MemStats {
		pause = true
		n.run(n.now.Add(3600*units.Second), func() bool {
			return len(n.a.Conns()) == 0 && len(n.b.Conns()) == 0 && n.queue.len() == 0
		})
		if a, b := len(n.a.Conns()), len(n.b.Conns()); a+b != 0 {
			t.Fatalf("after cycle %d and 2·MSL: %d connections left on A, %d on B (first: %s)", done, a, b, firstConn(n))
		}
		// A closed connection must not stay reachable from its host, or
		// its buffers outlive it: not even from the spare capacity of the
		// host's list of connections.
		for _, h := range [2]*Host{n.a, n.b} {
			stale, bytes := make(map[*Conn]bool), 0
			for _, c := range h.order[:cap(h.order)] {
				if c != nil && !stale[c] {
					stale[c] = true
					bytes += (c.sndBuf.data.chunks() + c.rcvBuf.data.chunks()) * chunkSize
				}
			}
			if len(stale) > 0 {
				t.Errorf("after cycle %d: host %v has no connections but its connection list (capacity %d) still references %d closed ones, whose %d bytes of buffers cannot be collected",
					done, h.addr, cap(h.order), len(stale), bytes)
			}
		}
		if l.Pending() != 0 || l.HalfOpen() != 0 || len(byPort) != 0 {
			t.Fatalf("after cycle %d: %d connections in the accept queue, %d in the SYN queue, %d lanes open",
				done, l.Pending(), l.HalfOpen(), len(byPort))
		}
		if n.pool.Outstanding != 0 {
			t.Fatalf("after cycle %d: %d packets outside the pool", done, n.pool.Outstanding)
		}
		pause = false
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m
	}

	// Live bytes (HeapAlloc after a collection) and the spans holding them
	// (HeapInuse) may differ by what the tables' peak sizes left behind;
	// 256 KiB over 8000 cycles is 32 bytes a cycle.
	const tolerance = 256 << 10
	var mem [2]runtime.MemStats
	var pooled [2]int
	for i, target := range [2]int{measure, cycles} {
		n.run(units.Time(1<<62), func() bool { return done >= target })
		mem[i] = quiesce()
		pooled[i] = n.pool.Allocated
	}
	inuse := int64(mem[1].HeapInuse) - int64(mem[0].HeapInuse)
	live := int64(mem[1].HeapAlloc) - int64(mem[0].HeapAlloc)
	t.Logf("%d cycles in %v virtual; after cycle %d and %d: heap in use %d B and %d B (%+d B), live %d B and %d B (%+d B); packets allocated %d and %d",
		done, n.now, measure, cycles, mem[0].HeapInuse, mem[1].HeapInuse, inuse, mem[0].HeapAlloc, mem[1].HeapAlloc, live, pooled[0], pooled[1])
	if inuse > tolerance || live > tolerance {
		t.Errorf("the heap grew between cycle %d and cycle %d: %+d B in use, %+d B live", measure, cycles, inuse, live)
	}
	if pooled[1] > pooled[0]+64 {
		t.Errorf("the pool kept allocating: %d packets after cycle %d, %d after %d", pooled[0], measure, pooled[1], cycles)
	}
}

// firstConn describes a leftover connection for a failure message.
func firstConn(n *pairNet) string {
	for _, h := range [2]*Host{n.a, n.b} {
		if len(h.order) > 0 {
			return fmt.Sprintf("host %v: %s", h.addr, describeConn(h.order[0]))
		}
	}
	return "none"
}
