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
	gains := []float64{1, 0.75, 1.25, 2, 2.885}
	bw, gain := memoBws[0], gains[0]
	for i := 0; i < 50000; i++ {
		changeMemoInput(rng, b, &bw, &gain, gains)
		want := b.quantizationBudget(b.bdp(bw, gain))
		if got := b.inflight(bw, gain); got != want {
			t.Fatalf("step %d: inflight(%v, %v) = %d, computed %d (rtprop %v, pacing %v, mode %d, phase %d)",
				i, bw, gain, got, want, b.rtprop, b.pacingRate, b.mode, b.cycleIndex)
		}
	}
}

// changeMemoInput changes one input of inflight's computation at random,
// or none (one draw in four): BtlBw, the gain (through gain, drawn from
// gains), RTprop, the pacing rate, the mode or the gain-cycle phase.
func changeMemoInput(rng *rand.Rand, b *bbr1, bw *units.Rate, gain *float64, gains []float64) {
	switch rng.IntN(8) {
	case 0:
		*bw = memoBws[rng.IntN(len(memoBws))]
	case 1:
		*gain = gains[rng.IntN(len(gains))]
	case 2:
		b.rtprop = memoRTTs[rng.IntN(len(memoRTTs))]
	case 3:
		b.pacingRate = memoRates[rng.IntN(len(memoRates))]
	case 4:
		b.mode = bbr1Mode(rng.IntN(4))
	case 5:
		b.cycleIndex = rng.IntN(8)
	}
}
