package netem

import (
	"math"
	"testing"
)

func TestBernoulliLossFractionWithinFourSigma(t *testing.T) {
	const (
		p = 0.01
		n = 1_000_000
	)
	// The number of losses is Binomial(n, p); its fraction has standard
	// deviation sqrt(p(1-p)/n) = 9.95e-5, so 4 sigma is 3.98e-4: the
	// fraction must lie in [0.009602, 0.010398]. A correct generator falls
	// outside with probability 6e-5, and the seed is fixed, so this either
	// always passes or always fails.
	bound := 4 * math.Sqrt(p*(1-p)/n)
	b := NewBernoulli(p, 1)
	lost := 0
	for range n {
		if b.Lose(0, nil) {
			lost++
		}
	}
	if frac := float64(lost) / n; math.Abs(frac-p) > bound {
		t.Fatalf("loss fraction %.6f, want %.2f ± %.6f", frac, p, bound)
	}
}

func lossPattern(p float64, seed uint64, n int) []bool {
	b := NewBernoulli(p, seed)
	out := make([]bool, n)
	for i := range out {
		out[i] = b.Lose(0, nil)
	}
	return out
}

func TestBernoulliSeeds(t *testing.T) {
	a, b, c := lossPattern(0.1, 42, 10000), lossPattern(0.1, 42, 10000), lossPattern(0.1, 43, 10000)
	differ := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different decision at packet %d", i)
		}
		if a[i] != c[i] {
			differ++
		}
	}
	// Two independent patterns at p=0.1 disagree on 2p(1-p) = 18% of
	// packets; requiring 10% rules out a seed that is ignored.
	if differ < 1000 {
		t.Fatalf("seeds 42 and 43 disagree on %d of 10000 packets, want at least 1000", differ)
	}
}

func TestBernoulliHigherRateLosesSuperset(t *testing.T) {
	low, high := lossPattern(0.05, 9, 10000), lossPattern(0.2, 9, 10000)
	for i := range low {
		if low[i] && !high[i] {
			t.Fatalf("packet %d lost at 5%% but not at 20%% with the same seed", i)
		}
	}
}

func TestBernoulliExtremes(t *testing.T) {
	for i, lost := range lossPattern(0, 1, 10000) {
		if lost {
			t.Fatalf("packet %d lost at rate 0", i)
		}
	}
	for i, lost := range lossPattern(1, 1, 10000) {
		if !lost {
			t.Fatalf("packet %d delivered at rate 1", i)
		}
	}
}
