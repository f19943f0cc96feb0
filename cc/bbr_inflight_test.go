package cc

import (
	"math/rand/v2"
	"testing"
)

// inflight's two memo slots answer as the computation they skip, whatever
// changes between calls, when the calls alternate between the cwnd gain
// and other gains as an ACK's do (setCwnd, then isNextCyclePhase or
// checkDrain), and when the cwnd gain itself changes with the mode, which
// moves an answer from one slot's gain to the other's.
func TestBBRInflightMemoSlotsMatchComputation(t *testing.T) {
	b := &bbr1{}
	b.Init(0, 1448, 10*1448)
	rng := rand.New(rand.NewPCG(7, 8))
	gains := []float64{1, 0.75, 1.25, bbr1CwndGain, bbr1HighGain, bbr1DrainGain}
	bw := memoBws[2]
	hits := [2]int{}
	for i := 0; i < 100000; i++ {
		changeMemoInput(rng, b, &bw, &b.cwndGain, gains)
		// An ACK's calls: the cwnd target, and often another gain.
		asks := []float64{b.cwndGain}
		if rng.IntN(2) == 0 {
			asks = append(asks, gains[rng.IntN(len(gains))])
		}
		for _, gain := range asks {
			slot := 0
			if gain != b.cwndGain {
				slot = 1
			}
			before := b.memo[slot]
			want := b.quantizationBudget(b.bdp(bw, gain))
			if got := b.inflight(bw, gain); got != want {
				t.Fatalf("step %d: inflight(%v, %v) = %d, computed %d (cwnd gain %v, rtprop %v, pacing %v, mode %d, phase %d)",
					i, bw, gain, got, want, b.cwndGain, b.rtprop, b.pacingRate, b.mode, b.cycleIndex)
			}
			if before == b.memo[slot] {
				hits[slot]++
			}
		}
	}
	// Both slots must have answered from memory often, or the test
	// proves nothing about them.
	if hits[0] < 1000 || hits[1] < 1000 {
		t.Fatalf("memo hits %v: too few to test the slots", hits)
	}
}
