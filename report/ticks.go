package report

// Axis ticks at round values. gonum/plot's default ticker labels as few as
// three values on an 8-inch axis; a reader estimating a window or a delay
// from a figure wants about one labelled tick per inch, at steps of 1, 2 or
// 5 times a power of ten, with unlabelled minor ticks between them.

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// roundTicks places about target labelled ticks across an axis.
type roundTicks struct{ target int }

var _ plot.Ticker = roundTicks{}

// Ticks implements plot.Ticker.
func (r roundTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 6, 64)}}
	}
	step, minorPerStep, decimals := roundStep((hi - lo) / float64(max(r.target, 1)))
	minor := step / float64(minorPerStep)
	var ticks []plot.Tick
	// Index ticks by integer count from zero so that the labelled values
	// are exact multiples of the step rather than accumulated sums.
	first := math.Ceil(lo / minor)
	last := math.Floor(hi / minor)
	for k := first; k <= last; k++ {
		v := k * minor
		t := plot.Tick{Value: v}
		if math.Mod(k, float64(minorPerStep)) == 0 {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// roundStep returns the smallest step of 1, 2 or 5 times a power of ten that
// is at least raw, how many minor ticks divide it, and how many decimals its
// multiples need. The power of ten is found by repeated multiplication
// rather than a logarithm, whose rounding near exact powers differs between
// platforms.
func roundStep(raw float64) (step float64, minorPerStep, decimals int) {
	mag := 1.0
	for mag*10 <= raw {
		mag *= 10
	}
	for mag > raw {
		mag /= 10
		decimals++
	}
	switch {
	case raw <= mag:
		return mag, 5, decimals
	case raw <= 2*mag:
		return 2 * mag, 4, decimals
	case raw <= 5*mag:
		return 5 * mag, 5, decimals
	default:
		return 10 * mag, 5, max(decimals-1, 0)
	}
}
