package stack

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// TestPacingTimerMatchesOnTimer sets a connection's timers at random,
// around now and at Never, and calls onPacingTimer: where it reports
// false it must have changed nothing, and where it reports true the
// connection must be as onTimer leaves it from the same state. Every
// timer that onTimer runs is set to Never or moved, so a timer that
// onPacingTimer failed to test shows as a difference.
func TestPacingTimerMatchesOnTimer(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const now = units.Time(1000)
	pick := func() units.Time {
		switch rng.IntN(5) {
		case 0:
			return units.Never
		case 1:
			return now
		case 2:
			return now - 1 - units.Time(rng.IntN(100))
		}
		return now + 1 + units.Time(rng.IntN(100))
	}
	taken, declined := 0, 0
	for range 20000 {
		c := &Conn{state: Established}
		c.timeWait, c.ackAt, c.reorderAt, c.keepaliveAt, c.rtxAt = pick(), pick(), pick(), pick(), pick()
		c.nextSendAt, c.pacingWait = pick(), rng.IntN(2) == 0
		c.tsoValid, c.tsoDeferred = rng.IntN(2) == 0, rng.IntN(2) == 0
		before := *c
		if !c.onPacingTimer(now) {
			declined++
			if !reflect.DeepEqual(*c, before) {
				t.Fatalf("onPacingTimer declined but changed the connection")
			}
			continue
		}
		taken++
		fast := *c
		*c = before
		c.onTimer(now)
		if !reflect.DeepEqual(*c, fast) {
			t.Fatalf("from timers %v %v %v %v %v (pacing %v at %v): onPacingTimer and onTimer differ",
				before.timeWait, before.ackAt, before.reorderAt, before.keepaliveAt, before.rtxAt, before.pacingWait, before.nextSendAt)
		}
	}
	if taken < 1000 || declined < 1000 {
		t.Fatalf("taken %d times, declined %d: too few to test both", taken, declined)
	}
}
