package netem

import (
	"math"
	"testing"
)

// draws runs m over n packets and returns the decisions.
func lossDraws(m LossModel, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = m.Lose(0, nil)
	}
	return out
}

func lossFraction(lost []bool) float64 {
	k := 0
	for _, l := range lost {
		if l {
			k++
		}
	}
	return float64(k) / float64(len(lost))
}

// bursts returns the lengths of the runs of consecutive losses.
func lossBursts(lost []bool) []int {
	var out []int
	run := 0
	for _, l := range lost {
		if l {
			run++
		} else if run > 0 {
			out = append(out, run)
			run = 0
		}
	}
	return out
}

func TestBernoulliInsideBinomial99Interval(t *testing.T) {
	// n = 200000 at p = 0.05: the loss count is Binomial(n, p) with mean
	// 10000 and standard deviation sqrt(n p (1-p)) = 97.47; the 99%
	// interval is 10000 ± 2.576 sigma = [9749, 10251].
	const (
		n = 200_000
		p = 0.05
	)
	sd := math.Sqrt(n * p * (1 - p))
	for seed := uint64(1); seed <= 3; seed++ {
		got := lossFraction(lossDraws(NewBernoulli(p, seed), n)) * n
		if math.Abs(got-n*p) > 2.576*sd {
			t.Errorf("seed %d: %.0f losses, want %.0f ± %.0f", seed, got, n*p, 2.576*sd)
		}
	}
}

func TestGilbertMeanLossAndBurstLength(t *testing.T) {
	// Simple Gilbert: every packet in Bad is lost, none in Good. Stationary
	// loss rate p/(p+r) = 0.01/0.26 = 0.038462; bursts are sojourns in Bad,
	// geometric with mean 1/r = 4 and variance (1-r)/r^2 = 12.
	prm := GilbertElliottParams{P: 0.01, R: 0.25, LossBad: 1}
	const n = 1_000_000
	lost := lossDraws(NewGilbertElliott(prm, 7), n)

	piBad := prm.P / (prm.P + prm.R)
	if want := prm.MeanLossRate(); math.Abs(want-piBad) > 1e-15 {
		t.Fatalf("MeanLossRate %v, want %v", want, piBad)
	}
	// The fraction of a two-state chain's time in Bad has asymptotic
	// variance piBad*piGood*(1+lambda)/((1-lambda) n), lambda = 1-p-r the
	// chain's second eigenvalue: sd 5.0e-4 here, and 4 sd is allowed.
	lambda := 1 - prm.P - prm.R
	sdRate := math.Sqrt(piBad * (1 - piBad) * (1 + lambda) / (1 - lambda) / n)
	if got := lossFraction(lost); math.Abs(got-piBad) > 4*sdRate {
		t.Errorf("loss rate %.5f, want %.5f ± %.5f", got, piBad, 4*sdRate)
	}

	b := lossBursts(lost)
	sum := 0
	for _, k := range b {
		sum += k
	}
	mean := float64(sum) / float64(len(b))
	// About n*piBad*r = 9600 bursts; the sample mean's sd is
	// sqrt(12/9600) = 0.035.
	sdBurst := math.Sqrt((1 - prm.R) / (prm.R * prm.R) / float64(len(b)))
	if math.Abs(mean-1/prm.R) > 4*sdBurst {
		t.Errorf("mean burst %.3f packets over %d bursts, want %.3f ± %.3f", mean, len(b), 1/prm.R, 4*sdBurst)
	}
}

func TestGilbertElliottMeanLossWithLossInBothStates(t *testing.T) {
	// p=0.05, r=0.3, 1-h=0.6, 1-k=0.02: mean loss
	// (0.3*0.02 + 0.05*0.6)/0.35 = 0.102857.
	prm := GilbertElliottParams{P: 0.05, R: 0.3, LossBad: 0.6, LossGood: 0.02}
	const n = 1_000_000
	want := (0.3*0.02 + 0.05*0.6) / 0.35
	if got := prm.MeanLossRate(); math.Abs(got-want) > 1e-12 {
		t.Fatalf("MeanLossRate %v, want %v", got, want)
	}
	// Variance of the loss fraction: the state process contributes
	// piB*piG*(LossBad-LossGood)^2*(1+lambda)/(1-lambda), and the
	// conditionally independent draws add E[L(1-L)]; sd 4.6e-4.
	piB := prm.P / (prm.P + prm.R)
	lambda := 1 - prm.P - prm.R
	d := prm.LossBad - prm.LossGood
	v := piB*(1-piB)*d*d*(1+lambda)/(1-lambda) +
		piB*prm.LossBad*(1-prm.LossBad) + (1-piB)*prm.LossGood*(1-prm.LossGood)
	sd := math.Sqrt(v / n)
	if got := lossFraction(lossDraws(NewGilbertElliott(prm, 11), n)); math.Abs(got-want) > 4*sd {
		t.Errorf("loss rate %.5f, want %.5f ± %.5f", got, want, 4*sd)
	}
}

func TestGilbertElliottSeeds(t *testing.T) {
	prm := GilbertElliottParams{P: 0.05, R: 0.3, LossBad: 1}
	a := lossDraws(NewGilbertElliott(prm, 1), 10000)
	b := lossDraws(NewGilbertElliott(prm, 1), 10000)
	c := lossDraws(NewGilbertElliott(prm, 2), 10000)
	differ := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different decision at packet %d", i)
		}
		if a[i] != c[i] {
			differ++
		}
	}
	// Two independent runs at 14% loss disagree on about 24% of packets.
	if differ < 1000 {
		t.Fatalf("seeds 1 and 2 disagree on %d of 10000 packets", differ)
	}
}

// fourStateStationary solves the chain of FourStateParams by iterating
// its transition matrix, and returns the stationary loss rate pi3+pi4.
func fourStateStationary(q FourStateParams) float64 {
	m := [4][4]float64{
		{1 - q.P13 - q.P14, 0, q.P13, q.P14},
		{0, 1 - q.P23, q.P23, 0},
		{q.P31, q.P32, 1 - q.P31 - q.P32, 0},
		{1, 0, 0, 0},
	}
	pi := [4]float64{1, 0, 0, 0}
	for range 100000 {
		var next [4]float64
		for i := range 4 {
			for j := range 4 {
				next[j] += pi[i] * m[i][j]
			}
		}
		pi = next
	}
	return pi[2] + pi[3]
}

func TestFourStateMeanLoss(t *testing.T) {
	q := FourStateParams{P13: 0.01, P31: 0.3, P32: 0.2, P23: 0.1, P14: 0.02}
	want := fourStateStationary(q)
	const (
		n       = 1_000_000
		batches = 100
	)
	lost := lossDraws(NewFourState(q, 5), n)
	// The sampling error of a Markov chain's loss fraction is estimated
	// from 100 batch means of 10000 packets each, much longer than the
	// chain's memory; 4 standard errors are allowed.
	var sum, sumSq float64
	for b := range batches {
		f := lossFraction(lost[b*n/batches : (b+1)*n/batches])
		sum += f
		sumSq += f * f
	}
	mean := sum / batches
	se := math.Sqrt((sumSq/batches - mean*mean) / (batches - 1))
	if math.Abs(mean-want) > 4*se {
		t.Errorf("loss rate %.5f, want %.5f ± %.5f", mean, want, 4*se)
	}
}

func TestFourStateIsolatedLossesOnly(t *testing.T) {
	// Without P13 the chain never enters a burst: every loss is state 4,
	// which always returns to 1, so no two losses are adjacent, and the
	// loss rate is P14/(1+P14).
	q := FourStateParams{P14: 0.2}
	lost := lossDraws(NewFourState(q, 3), 100000)
	for _, k := range lossBursts(lost) {
		if k != 1 {
			t.Fatalf("burst of %d losses from isolated losses only", k)
		}
	}
	// Always lose from state 1: losses alternate exactly.
	for i, l := range lossDraws(NewFourState(FourStateParams{P14: 1}, 3), 10) {
		if l != (i%2 == 0) {
			t.Fatalf("packet %d lost=%v with P14=1, want alternation starting with a loss", i, l)
		}
	}
}

func TestLossPatternRepeats(t *testing.T) {
	m := NewLossPattern([]bool{false, false, true})
	for i, l := range lossDraws(m, 9) {
		if l != (i%3 == 2) {
			t.Fatalf("packet %d lost=%v", i, l)
		}
	}
	for i, l := range lossDraws(NewLossPattern(nil), 5) {
		if l {
			t.Fatalf("empty pattern lost packet %d", i)
		}
	}
}

func TestLossModelsAllocateNothing(t *testing.T) {
	models := []LossModel{
		NewGilbertElliott(GilbertElliottParams{P: 0.1, R: 0.3, LossBad: 1}, 1),
		NewFourState(FourStateParams{P13: 0.1, P31: 0.3, P32: 0.2, P23: 0.1, P14: 0.02}, 1),
		NewLossPattern([]bool{true, false}),
	}
	for _, m := range models {
		if a := testing.AllocsPerRun(1000, func() { m.Lose(0, nil) }); a != 0 {
			t.Errorf("%T.Lose allocates %v per packet", m, a)
		}
	}
}

func BenchmarkGilbertElliottLose(b *testing.B) {
	m := NewGilbertElliott(GilbertElliottParams{P: 0.01, R: 0.25, LossBad: 1}, 1)
	b.ReportAllocs()
	for b.Loop() {
		m.Lose(0, nil)
	}
}

func BenchmarkFourStateLose(b *testing.B) {
	m := NewFourState(FourStateParams{P13: 0.01, P31: 0.3, P32: 0.2, P23: 0.1, P14: 0.02}, 1)
	b.ReportAllocs()
	for b.Loop() {
		m.Lose(0, nil)
	}
}
