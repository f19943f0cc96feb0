package stack

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// floodSYN writes into p a SYN to addrB:80 from a random address in
// 198.18.0.0/15 (RFC 2544's benchmarking range) other than A's and B's,
// from a random port, with a random ISN and a Linux client's options.
func floodSYN(rng *rand.Rand, p *packet.Packet, s *wire.Segment) {
	src := addrA
	for src == addrA || src == addrB {
		v := rng.Uint32()
		src = wire.Addr{198, 18 + byte(v>>16&1), byte(v >> 8), byte(v)}
	}
	*s = wire.Segment{
		Header: wire.Header{
			Src:     src,
			Dst:     addrB,
			SrcPort: uint16(1024 + rng.IntN(64512)),
			DstPort: 80,
			Seq:     Seq(rng.Uint32()),
			Flags:   FlagSYN,
			Window:  64240,
			Opts:    linuxSYNOptions(rng.Uint32()),
		},
	}
	wire.ReservePayload(p, 0)
	wire.EncodeSegment(p, s)
}

// TestSYNFloodListenerStaysBounded sends 100 000 spoofed SYNs, one every
// 10 µs, to a listener with backlog 128 while a real client connects from
// A halfway through. The client must get in, through a SYN cookie, and the
// listener must hold no more than 128 half-open connections and cost a
// bounded amount of memory however many SYNs arrive.
func TestSYNFloodListenerStaysBounded(t *testing.T) {
	const (
		floodSYNs = 100_000
		spacing   = 10 * us
		backlog   = 128
		delay     = 10 * ms
		connectAt = units.Time(500 * ms)
		end       = units.Time(2 * units.Second)
	)
	cfg := DefaultConfig()
	// Small buffers, so that the real connection's do not hide the
	// listener's own cost in the heap figures.
	cfg.SndBuf, cfg.RcvBuf = 64<<10, 64<<10
	var pool packet.Pool
	a, err := NewHost(addrA, cfg, &pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewHost(addrB, cfg, &pool, 2)
	l, _ := b.Listen(80, backlog, newReno)
	rng := rand.New(rand.NewPCG(7, 8))

	type flying struct {
		at units.Time
		to *Host
		p  *packet.Packet
	}
	flight := make([]flying, 0, 64)
	var (
		now            units.Time
		next           int // next flood SYN
		client, server *Conn
		spoofReplies   int
		seg            wire.Segment
		msg            = []byte("hello through the flood")
	)
	drain := func() {
		for p := a.Output(now); p != nil; p = a.Output(now) {
			flight = append(flight, flying{now.Add(delay), b, p})
		}
		for p := b.Output(now); p != nil; p = b.Output(now) {
			if wire.IPv4Header(p.Bytes()).Dst() == addrA {
				flight = append(flight, flying{now.Add(delay), a, p})
			} else {
				spoofReplies++
				pool.Put(p)
			}
		}
	}

	runtime.GC()
	var before, full, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for {
		t0 := min(a.NextDeadline(), b.NextDeadline())
		if next < floodSYNs {
			t0 = min(t0, units.Time(next)*units.Time(spacing))
		}
		if client == nil {
			t0 = min(t0, connectAt)
		}
		for _, f := range flight {
			t0 = min(t0, f.at)
		}
		if t0 > end {
			break
		}
		now = max(now, t0)
		for i := 0; i < len(flight); {
			if f := flight[i]; f.at <= now {
				flight = append(flight[:i], flight[i+1:]...)
				f.to.Input(now, f.p)
				continue
			}
			i++
		}
		a.OnTimer(now)
		b.OnTimer(now)
		if client == nil && now >= connectAt {
			if client, err = a.Connect(now, 0, addrB, 80, newReno()); err != nil {
				t.Fatal(err)
			}
		}
		if next < floodSYNs && units.Time(next)*units.Time(spacing) <= now {
			p := pool.Get()
			floodSYN(rng, p, &seg)
			b.Input(now, p)
			next++
			if next == backlog {
				// The SYN queue has just filled: what it costs is what a
				// flood can ever make the listener hold.
				drain()
				runtime.GC()
				runtime.ReadMemStats(&full)
			}
		}
		if client != nil && client.State() == Established && client.stats.BytesSent == 0 {
			client.Write(msg)
		}
		drain()
		if server == nil {
			server = l.Accept()
		}
		if l.HalfOpen() > backlog {
			t.Fatalf("at %v: %d half-open connections, backlog %d", now, l.HalfOpen(), backlog)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)

	st := l.Stats()
	if server == nil || server.id.remoteAddr != addrA || server.id.remotePort != client.LocalPort() || client.State() != Established {
		t.Fatalf("the real client did not get in: server %v, client %v, stats %+v", server, client.State(), st)
	}
	buf := make([]byte, 64)
	if n, _ := server.Read(buf); string(buf[:n]) != string(msg) {
		t.Fatalf("server read %q", buf[:n])
	}
	if st.PeakHalfOpen != backlog || st.CookiesSent != floodSYNs+1-backlog || st.CookiesAccepted != 1 || st.Accepted != 1 {
		t.Fatalf("stats %+v; want the SYN queue full at %d and every other SYN answered with a cookie", st, backlog)
	}
	// Every SYN's answer went out: a SYN-ACK each, and the half-open
	// entries' retransmissions at 1 s.
	if spoofReplies != floodSYNs+backlog {
		t.Errorf("%d SYN-ACKs to spoofed addresses, want %d", spoofReplies, floodSYNs+backlog)
	}
	if hs := b.Stats(); hs.RepliesDropped != 0 {
		t.Errorf("host dropped %d replies", hs.RepliesDropped)
	}
	perEntry := (int64(full.HeapAlloc) - int64(before.HeapAlloc)) / backlog
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d spoofed SYNs: heap grew %d B (%.2f B/SYN), %d B allocated in all (%.2f B/SYN); %d half-open at most, %d B each",
		floodSYNs, heap, float64(heap)/floodSYNs, allocated, float64(allocated)/floodSYNs, st.PeakHalfOpen, perEntry)
	if perEntry > 4<<10 {
		t.Errorf("a half-open connection costs %d B, want at most 4 KiB", perEntry)
	}
	// The bound: 128 half-open connections of a few kilobytes each, the
	// two ends of the real connection with their 64 KiB buffers, and
	// packets in flight. Without lazy buffers the half-open connections
	// alone would take 128 × 8 MiB.
	if heap > 2<<20 || allocated > 4<<20 {
		t.Errorf("memory grew by %d B (heap) and %d B (allocated), over the bound", heap, allocated)
	}
}
