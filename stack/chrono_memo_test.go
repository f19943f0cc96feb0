package stack

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// TestChronoBlockedShortcutMatchesFull puts the sender in many mixed
// states (data waiting or not, the peer's window, the congestion window,
// the send buffer, a FIN queued, each chrono state) and checks that
// chronoBlocked leaves the chrono as chronoBlockedState, which works the
// state out in full, does.
func TestChronoBlockedShortcutMatchesFull(t *testing.T) {
	var pool packet.Pool
	h, err := NewHost(addrA, DefaultConfig(), &pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 1))
	pick := func(vs ...int) int { return vs[rng.IntN(len(vs))] }
	alg := &tsoVaried{cwnd: 10 * 1448}
	c := newConn(h, fourTuple{}, 1000, alg)
	c.sndMSS = 1448
	c.sndBuf.limit = 1 << 20
	now := units.Time(0)
	for step := 0; step < 200000; step++ {
		for n := pick(1, 1, 2, 3); n > 0; n-- {
			switch rng.IntN(8) {
			case 0:
				c.sndBuf.n = pick(0, 0, 1, 1000, 1448, 3000, 100000)
			case 1:
				c.sndNxt = c.sndBuf.start.Add(pick(-1, 0, 0, 1, 1448, 2896))
			case 2:
				c.sndUna = c.sndNxt.Add(-pick(0, 0, 1, 1448, 14480))
			case 3:
				c.sndWnd = pick(0, 1, 1000, 1448, 2896, 65535, 1<<20)
			case 4:
				alg.cwnd = pick(0, 1448, 10*1448, 1000*1448)
			case 5:
				c.finQueued = !c.finQueued
				c.finSeq = c.sndBuf.end()
			case 6:
				c.chrono.state = chronoState(rng.IntN(int(chronoStates)))
			case 7:
				c.sndBuf.limit = pick(1000, 1<<20)
			}
		}
		now += units.Time(pick(0, 1, 1000))
		allow := pick(allowUnknown, -1, 0, 1, 1000, 1448, 1<<20)
		d := *c
		c.chronoBlocked(now, allow)
		d.chronoBlockedState(now, allow)
		if c.chrono != d.chrono {
			t.Fatalf("step %d: chrono %+v, want %+v", step, c.chrono, d.chrono)
		}
	}
}
