package stack

// Byte-exact delivery across a grid of hostile links: random loss of 0, 1, 5
// and 20 %, with and without reordering, duplication and single-bit
// corruption, data in both directions, several seeds. In every cell each
// application must read exactly the bytes the other wrote (SHA-256), every
// corrupted packet must be dropped by a checksum and counted, and the
// connection must close cleanly: the active closer through TIME-WAIT for
// exactly 2·MSL (RFC 9293 §3.6), the passive closer straight to CLOSED,
// neither with an error, nothing left on either host.

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// gridLink is a link with independent random loss, reordering (a packet
// held back by a few milliseconds, so later ones overtake it),
// duplication and single-bit corruption.
type gridLink struct {
	n                        *pairNet
	rng                      *rand.Rand
	loss, reorder, dup, flip float64
	corrupted                int64
}

func (g *gridLink) carry(from *Host, p *packet.Packet) {
	n := g.n
	to := n.peer(from)
	if g.rng.Float64() < g.loss {
		n.pool.Put(p)
		return
	}
	if g.rng.Float64() < g.dup {
		n.deliver(to, n.clone(p), n.now.Add(n.delay), false)
	}
	arrive := n.now.Add(n.delay)
	if g.rng.Float64() < g.reorder {
		arrive = arrive.Add(units.Duration(1+g.rng.IntN(8)) * units.Millisecond)
	}
	damaged := false
	if g.rng.Float64() < g.flip {
		b := p.Bytes()
		bit := g.rng.IntN(8 * len(b))
		b[bit/8] ^= 1 << (bit % 8)
		damaged = true
	}
	n.deliver(to, p, arrive, damaged)
}

// gridCell is one point of the grid.
type gridCell struct {
	loss         float64
	reorder      bool
	dup, corrupt bool
	size         int
	seed         uint64
}

func (g gridCell) String() string {
	return fmt.Sprintf("loss=%g%%/reorder=%v/dup=%v/corrupt=%v/seed=%d", 100*g.loss, g.reorder, g.dup, g.corrupt, g.seed)
}

func TestLossGridByteExact(t *testing.T) {
	if testing.Short() {
		t.Skip("the grid takes a few seconds")
	}
	start := time.Now()
	for _, loss := range []float64{0, 0.01, 0.05, 0.20} {
		for _, reorder := range []bool{false, true} {
			for _, dup := range []bool{false, true} {
				for _, corrupt := range []bool{false, true} {
					for seed := uint64(1); seed <= 3; seed++ {
						cell := gridCell{loss: loss, reorder: reorder, dup: dup, corrupt: corrupt, size: 256 << 10, seed: seed}
						t.Run(cell.String(), func(t *testing.T) { runGridCell(t, cell) })
					}
				}
			}
		}
	}
	t.Logf("grid: %v", time.Since(start))
}

func runGridCell(t *testing.T, cell gridCell) {
	began := time.Now()
	cfg := DefaultConfig()
	// TIME-WAIT restarts on every retransmitted FIN, so it must outlast
	// several FIN losses in a row at the longest retransmission timeout
	// (MaxRTO, 120 s), or a lost last ACK ends in a RST from a host that
	// has forgotten the connection instead of a clean close: RFC 9293 §3.6
	// relies on 2·MSL covering the peer's retransmissions. At 20 % loss
	// the RTO does reach its cap (one RFC 7323 timestamp sample of a
	// retransmission whose original was delivered spans the whole outage),
	// so 2·MSL is five MaxRTOs. Virtual time costs the test nothing.
	cfg.MSL = 5 * cfg.MaxRTO / 2
	// The test times TIME-WAIT, which Linux (tcp_rfc1337 = 0) ends early
	// when the server, having closed, answers a duplicated or late segment
	// with a RST; RFC 1337's TIME-WAIT ignores it.
	cfg.RFC1337 = true
	n := newPairNet(t, 5*units.Millisecond, cfg, cfg, 2*cell.seed+11, 2*cell.seed+12)
	link := &gridLink{n: n, rng: rand.New(rand.NewPCG(cell.seed, uint64(1000*cell.loss)))}
	link.loss = cell.loss
	if cell.reorder {
		link.reorder = 0.05
	}
	if cell.dup {
		link.dup = 0.01
	}
	if cell.corrupt {
		link.flip = 0.01
	}
	n.link = link.carry

	l, err := n.b.Listen(80, 4, newReno)
	if err != nil {
		t.Fatal(err)
	}
	up, down := randomBytes(cell.size, cell.seed), randomBytes(cell.size, ^cell.seed)
	client, server := newEndpoint(up, true), newEndpoint(down, false)
	if client.c, err = n.a.Connect(0, 0, addrB, 80, newReno()); err != nil {
		t.Fatal(err)
	}
	n.app = func() {
		if server.c == nil {
			server.c = l.Accept()
		}
		client.step()
		server.step()
	}
	// The client enters TIME-WAIT (or restarts it, on a retransmitted
	// FIN) at some point; track the latest deadline it set.
	var twEnd units.Time = units.Never
	app := n.app
	n.app = func() {
		app()
		if client.c.state == TimeWait {
			twEnd = client.c.timeWait
		}
	}
	limit := units.Time(3600 * units.Second)
	if !n.run(limit, func() bool { return server.c != nil && server.c.State() == Closed && client.c.State() == TimeWait }) {
		srv := "never accepted"
		if server.c != nil {
			srv = fmt.Sprintf("%v (%v, read %d/%d)", server.c.State(), server.c.Err(), server.read, cell.size)
		}
		t.Fatalf("not closed by %v: client %v (%v, read %d/%d), server %s",
			limit, client.c.State(), client.c.Err(), client.read, cell.size, srv)
	}
	if err := server.c.Err(); err != nil {
		t.Fatalf("server closed with %v", err)
	}
	// TIME-WAIT lasts exactly 2·MSL from the last FIN: the client is still
	// there 1 ns before, and gone, without error, at the deadline.
	n.run(twEnd-1, func() bool { return client.c.State() != TimeWait })
	if client.c.State() != TimeWait {
		t.Fatalf("client left TIME-WAIT at %v, before its deadline %v", n.now, twEnd)
	}
	n.run(twEnd, func() bool { return client.c.State() == Closed })
	if client.c.State() != Closed || client.c.Err() != nil || n.now != twEnd {
		t.Fatalf("at %v (TIME-WAIT deadline %v) client is %v with %v", n.now, twEnd, client.c.State(), client.c.Err())
	}
	// Let whatever is still on the link arrive.
	n.run(limit, func() bool {
		return n.queue.len() == 0 && n.a.NextDeadline() == units.Never && n.b.NextDeadline() == units.Never
	})

	for _, side := range []struct {
		name string
		e    *endpoint
		want []byte
	}{{"client", client, down}, {"server", server, up}} {
		w := sha256.Sum256(side.want)
		if side.e.read != len(side.want) || !bytes.Equal(side.e.sum(), w[:]) || !side.e.eof {
			t.Errorf("%s read %d bytes (EOF %v), want %d; SHA-256 equal: %v",
				side.name, side.e.read, side.e.eof, len(side.want), bytes.Equal(side.e.sum(), w[:]))
		}
	}
	if len(n.a.Conns())+len(n.b.Conns()) != 0 {
		t.Errorf("connections left: A %d, B %d", len(n.a.Conns()), len(n.b.Conns()))
	}
	if got := malformed(n.a) + malformed(n.b); got != n.damaged {
		t.Errorf("%d corrupted packets arrived, the hosts counted %d malformed (A %v, B %v)",
			n.damaged, got, n.a.Stats().Malformed, n.b.Stats().Malformed)
	}
	if cell.corrupt && n.damaged == 0 {
		t.Errorf("no packet was corrupted: the cell tests nothing")
	}
	if n.pool.Outstanding != 0 {
		t.Errorf("%d packets not returned to the pool", n.pool.Outstanding)
	}
	cp, sp := client.c.Probe(), server.c.Probe()
	t.Logf("%v virtual, %v wall; retransmits %d/%d, timeouts %d/%d, corrupted %d",
		n.now, time.Since(began).Round(time.Millisecond), cp.Retransmits, sp.Retransmits, cp.Timeouts, sp.Timeouts, n.damaged)
}
