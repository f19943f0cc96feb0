package stack

import (
	"math/rand/v2"
	"testing"
)

// TestNothingFollowsMatchesPlanData sets the sender's state at random,
// mostly near the edges of the windows and of the data, and checks
// sendData's look-ahead (nothingFollows, from the room sendData works out)
// against planData asked at the next segment, as sendData asked it before
// the shortcut: a segment with data could follow unless planData holds it
// or gives it no data.
func TestNothingFollowsMatchesPlanData(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(vs ...int) int { return vs[rng.IntN(len(vs))] }
	var asked, short, full, none int
	for step := 0; step < 400000; step++ {
		c := &Conn{cfg: &Config{NoDelay: rng.IntN(4) == 0}}
		mss := pick(536, 1000, 1448)
		c.sndMSS = mss
		c.iss = Seq(rng.Uint32())
		c.sndUna = c.iss.Add(pick(0, 1, 1, 1, 1+rng.IntN(5*mss)))
		c.sndNxt = c.sndUna.Add(pick(0, 0, mss, 2*mss, rng.IntN(4*mss)))
		c.sndMax = c.sndNxt.Add(pick(0, 0, 0, mss))
		c.sndBuf.start = c.sndUna
		if c.sndUna == c.iss {
			c.sndBuf.start = c.iss.Add(1)
		}
		c.sndBuf.n = max(c.sndNxt.Sub(c.sndBuf.start), 0) + pick(0, 1, mss-1, mss, mss+1, 2*mss-1, 2*mss, 2*mss+1, rng.IntN(5*mss))
		c.sndWnd = c.sndNxt.Sub(c.sndUna) + pick(-1, 0, 1, mss-1, mss, mss+1, 2*mss-1, 2*mss, 2*mss+1, rng.IntN(5*mss))
		c.maxSndWnd = max(c.sndWnd, pick(0, mss, 4*mss, 64*mss))
		c.finQueued = rng.IntN(3) == 0
		c.finSeq = c.sndBuf.end()
		if rng.IntN(4) == 0 {
			c.finSeq = c.finSeq.Add(-pick(1, mss))
		}
		c.sndSml = c.sndUna.Add(pick(-1, 0, 1, mss))
		c.cork = rng.IntN(6) == 0
		c.moreHeld = rng.IntN(6) == 0
		c.nagleOff = rng.IntN(6) == 0
		c.pushQueued = rng.IntN(6) == 0
		c.swsOverride = rng.IntN(4) == 0
		allow := pick(-mss, 0, 1, mss-1, mss, mss+1, 2*mss-1, 2*mss, 2*mss+1, 3*mss, rng.IntN(5*mss))
		n, fin, hold := c.planData(c.sndNxt, allow, rng.IntN(2) == 0)
		if hold != holdNone || n == 0 || fin {
			continue // sendData does not ask
		}
		// sendData's own avail and rwnd, and the room it works out.
		avail := c.Unsent()
		rwnd := c.sndUna.Add(c.sndWnd).Sub(c.sndNxt)
		room := followRoom(n, avail, allow, rwnd)
		end := c.sndNxt.Add(n)
		inPacket := rng.IntN(2) == 0
		next, _, nextHold := c.planData(end, allow-n, inPacket)
		want := nextHold != holdNone || next == 0
		if got := c.nothingFollows(room, end, allow-n, inPacket); got != want {
			t.Fatalf("step %d: nothingFollows(%d, ...) = %v, planData at the next segment gives %d bytes, hold %d (mss %d, n %d, allow %d, avail %d, rwnd %d)",
				step, room, got, next, nextHold, mss, n, allow, avail, rwnd)
		}
		asked++
		switch {
		case room <= 0:
			none++
		case room >= mss:
			full++
		default:
			short++
		}
	}
	if none < 1000 || full < 1000 || short < 1000 {
		t.Fatalf("too few cases: %d asked, %d without room, %d with a full segment's, %d short", asked, none, full, short)
	}
}
