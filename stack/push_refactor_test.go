package stack

import (
	"math/rand/v2"
	"testing"
)

// dataPushSpelledOut is dataPush as its rules read: the packet restarts
// when cut short, and a segment that ends it carries PSH if the packet
// holds more than one, or keeps Minshall's record if it is a lone small one.
func dataPushSpelledOut(c *Conn, seq Seq, n int, last bool, tso int) bool {
	end := seq.Add(n)
	atPush := c.pushValid && end == c.pushSeq
	if c.gsoSegs > 0 && seq != c.gsoNext {
		c.gsoSegs = 0
	}
	c.gsoSegs++
	last = last || atPush || c.gsoSegs >= tso
	psh := atPush
	if last {
		if c.gsoSegs > 1 {
			psh = true
		} else if n < c.sndMSS {
			c.sndSml = end
		}
		c.gsoSegs = 0
	} else {
		c.gsoNext = end
	}
	return psh
}

// TestDataPushMatchesSpelledOut runs dataPush and the spelled-out rules
// side by side over random segments, push points and GSO sizes, and
// compares the answer and the state they leave.
func TestDataPushMatchesSpelledOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	pick := func(vs ...int) int { return vs[rng.IntN(len(vs))] }
	var a, b Conn
	a.sndMSS, b.sndMSS = 1448, 1448
	seq := Seq(1)
	for step := 0; step < 200000; step++ {
		n := pick(1, 100, 1448, 1448, 1448)
		if rng.IntN(8) == 0 {
			seq = seq.Add(pick(-1448, 1, 1448)) // a gap or an overlap
		}
		if rng.IntN(4) == 0 {
			a.pushValid = rng.IntN(2) == 0
			a.pushSeq = seq.Add(pick(n, n, 1, 2*n))
			b.pushValid, b.pushSeq = a.pushValid, a.pushSeq
		}
		last, tso := rng.IntN(5) == 0, pick(1, 2, 3, 16)
		got := a.dataPush(seq, seq.Add(n), n, last, tso)
		want := dataPushSpelledOut(&b, seq, n, last, tso)
		if got != want || a.gsoSegs != b.gsoSegs || a.gsoNext != b.gsoNext || a.sndSml != b.sndSml {
			t.Fatalf("step %d: psh %v gsoSegs %d gsoNext %d sndSml %d, want %v %d %d %d",
				step, got, a.gsoSegs, a.gsoNext, a.sndSml, want, b.gsoSegs, b.gsoNext, b.sndSml)
		}
		seq = seq.Add(n)
	}
}
