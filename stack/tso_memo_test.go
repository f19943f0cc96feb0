package stack

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// tsoVaried is fixedRate with a window and a min_tso_segs the test sets.
type tsoVaried struct {
	fixedRate
	cwnd, least int
}

func (v *tsoVaried) Cwnd() int       { return v.cwnd }
func (v *tsoVaried) MinTSOSegs() int { return v.least }

// TestTSOSegsMemoMatchesPlain changes the pacing rate (the algorithm's own,
// or with none the one Linux derives from cwnd and SRTT), the minimum RTT,
// the MSS and an algorithm's min_tso_segs, one or a few at a time or none,
// and checks that computeTSOSegs gives what tsoSegsAt computes afresh.
func TestTSOSegsMemoMatchesPlain(t *testing.T) {
	var pool packet.Pool
	h, err := NewHost(addrA, DefaultConfig(), &pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, sizer := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, uint64(i)))
		pick := func(vs ...int) int { return vs[rng.IntN(len(vs))] }
		alg := &tsoVaried{cwnd: 10 * 1448, least: 2}
		c := newConn(h, fourTuple{}, 0, alg)
		if !sizer {
			c.ccTSO = nil
		}
		c.sndMSS = 1448
		plain := func() int { return c.tsoSegsAt(c.linuxPacingRate()) }
		for step := 0; step < 100000; step++ {
			for n := pick(0, 1, 1, 1, 2); n > 0; n-- {
				switch rng.IntN(7) {
				case 0:
					alg.rate = units.Rate(pick(0, 0, 1000, 1e6, 1e8, 1.2e8, 1e10))
				case 1:
					c.rtt.minRTT = units.Duration(pick(0, 100, 2000, 5000)) * units.Microsecond
				case 2:
					c.sndMSS = pick(536, 1448, 1460)
				case 3:
					alg.least = pick(1, 2, 8)
				case 4:
					alg.cwnd = pick(2, 10, 100, 1000) * 1448
				case 5:
					c.rtt.srtt = units.Duration(pick(0, 1, 10, 40)) * units.Millisecond
				case 6:
					c.sndNxt = c.sndUna.Add(pick(0, 1448, 1<<20))
				}
			}
			if got, want := c.computeTSOSegs(), plain(); got != want {
				t.Fatalf("sizer %v step %d: %d segments per GSO packet, want %d", sizer, step, got, want)
			}
		}
	}
}
