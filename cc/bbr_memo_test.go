package cc

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The values the inflight memo tests draw BtlBw, RTprop and the pacing
// rate from: zero and unmeasured, neighbours one unit apart, and the
// ends of the range.
var (
	memoBws   = []units.Rate{0, 1 * units.MbitPerSecond, 100 * units.MbitPerSecond, 100*units.MbitPerSecond + 1, 10 * units.GbitPerSecond}
	memoRTTs  = []units.Duration{bbr1NoRTprop, 100 * units.Microsecond, 40 * units.Millisecond, 40*units.Millisecond + 1}
	memoRates = []units.Rate{0, 1 * units.MbitPerSecond, 20 * units.MbitPerSecond, 99 * units.MbitPerSecond, 3 * units.GbitPerSecond}
)

// inflight's memo answers as the computation it skips, whatever changes
// between calls among the state that computation reads in operation:
// BtlBw and the gain it is asked with, RTprop (measured or not), the
// pacing rate behind the send quantum, and the mode and gain-cycle phase.
// mss and the initial window are set only by Init, which clears the memo
// with the rest of the state.
func TestBBRInflightMemoMatchesComputation(t *testing.T) {
	b := &bbr1{}
	b.Init(0, 1448, 10*1448)
	rng := rand.New(rand.NewPCG(1, 2))
	bws, rtts, rates := memoBws, memoRTTs, memoRates
	gains := []float64{1, 0.75, 1.25, 2, 2.885}
	bw, gain := bws[0], gains[0]
	for i := 0; i < 50000; i++ {
		switch rng.IntN(6) {
		case 0:
			bw = bws[rng.IntN(len(bws))]
		case 1:
			gain = gains[rng.IntN(len(gains))]
		case 2:
			b.rtprop = rtts[rng.IntN(len(rtts))]
		case 3:
			b.pacingRate = rates[rng.IntN(len(rates))]
		case 4:
			b.mode = bbr1Mode(rng.IntN(4))
		case 5:
			b.cycleIndex = rng.IntN(8)
		}
		want := b.quantizationBudget(b.bdp(bw, gain))
		if got := b.inflight(bw, gain); got != want {
			t.Fatalf("step %d: inflight(%v, %v) = %d, computed %d (rtprop %v, pacing %v, mode %d, phase %d)",
				i, bw, gain, got, want, b.rtprop, b.pacingRate, b.mode, b.cycleIndex)
		}
	}
}
