package cc

import (
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

const testMSS = 1460

func TestSlowStart(t *testing.T) {
	const l = ABCLimitSegments * testMSS
	cases := []struct {
		name                  string
		cwnd, ssthresh, acked int
		wantCwnd, wantLeft    int
	}{
		{"one segment", 10 * testMSS, InfiniteSsthresh, testMSS, 11 * testMSS, 0},
		{"delayed ack counts in full", 10 * testMSS, InfiniteSsthresh, 2 * testMSS, 12 * testMSS, 0},
		{"stretch ack capped at L", 10 * testMSS, InfiniteSsthresh, 5 * testMSS, 12 * testMSS, 0},
		{"partial segment", 10 * testMSS, InfiniteSsthresh, 100, 10*testMSS + 100, 0},
		{"nothing acked", 10 * testMSS, InfiniteSsthresh, 0, 10 * testMSS, 0},
		{"just below ssthresh", 10 * testMSS, 12*testMSS + 1, 2 * testMSS, 12 * testMSS, 0},
		{"reaches ssthresh exactly", 10 * testMSS, 12 * testMSS, 2 * testMSS, 12 * testMSS, 0},
		{"crosses: rest is leftover", 10 * testMSS, 11 * testMSS, 2 * testMSS, 11 * testMSS, testMSS},
		{"crosses with stretch ack: all the rest is leftover", 10 * testMSS, 11 * testMSS, 5 * testMSS, 11 * testMSS, 4 * testMSS},
		{"at ssthresh: all leftover", 10 * testMSS, 10 * testMSS, 3 * testMSS, 10 * testMSS, 3 * testMSS},
		{"above ssthresh: all leftover", 12 * testMSS, 10 * testMSS, testMSS, 12 * testMSS, testMSS},
	}
	for _, c := range cases {
		cwnd, left := SlowStart(c.cwnd, c.ssthresh, c.acked, l)
		if cwnd != c.wantCwnd || left != c.wantLeft {
			t.Errorf("%s: SlowStart(%d, %d, %d, %d) = (%d, %d), want (%d, %d)",
				c.name, c.cwnd, c.ssthresh, c.acked, l, cwnd, left, c.wantCwnd, c.wantLeft)
		}
	}
}

// TestSlowStartWithoutLimit is Linux's tcp_slow_start, the stack's
// default (limit 0): a stretch ACK counts in full, up to ssthresh.
func TestSlowStartWithoutLimit(t *testing.T) {
	cases := []struct {
		name                  string
		cwnd, ssthresh, acked int
		wantCwnd, wantLeft    int
	}{
		{"one segment", 10 * testMSS, InfiniteSsthresh, testMSS, 11 * testMSS, 0},
		{"stretch ack counts in full", 10 * testMSS, InfiniteSsthresh, 5 * testMSS, 15 * testMSS, 0},
		{"a window's worth doubles", 10 * testMSS, InfiniteSsthresh, 10 * testMSS, 20 * testMSS, 0},
		{"crosses: rest is leftover", 10 * testMSS, 13 * testMSS, 5 * testMSS, 13 * testMSS, 2 * testMSS},
		{"at ssthresh: all leftover", 10 * testMSS, 10 * testMSS, 3 * testMSS, 10 * testMSS, 3 * testMSS},
	}
	for _, c := range cases {
		cwnd, left := SlowStart(c.cwnd, c.ssthresh, c.acked, 0)
		if cwnd != c.wantCwnd || left != c.wantLeft {
			t.Errorf("%s: SlowStart(%d, %d, %d, 0) = (%d, %d), want (%d, %d)",
				c.name, c.cwnd, c.ssthresh, c.acked, cwnd, left, c.wantCwnd, c.wantLeft)
		}
	}
}

func TestLossSsthresh(t *testing.T) {
	cases := []struct{ flight, want int }{
		{20 * testMSS, 10 * testMSS},
		{20*testMSS + 1, 10 * testMSS},
		{5 * testMSS, 3650},
		{4 * testMSS, 2 * testMSS},
		{3 * testMSS, 2 * testMSS},
		{testMSS, 2 * testMSS},
		{0, 2 * testMSS},
	}
	for _, c := range cases {
		if got := LossSsthresh(c.flight, testMSS); got != c.want {
			t.Errorf("LossSsthresh(%d, %d) = %d, want %d", c.flight, testMSS, got, c.want)
		}
	}
}

func TestByteCounterOneSegmentPerWindow(t *testing.T) {
	var c ByteCounter
	const window = 4 * testMSS
	for i := 1; i <= 3; i++ {
		if n := c.Count(testMSS, window); n != 0 {
			t.Fatalf("ACK %d: grew by %d segments before a window was acknowledged", i, n)
		}
	}
	if n := c.Count(testMSS, window); n != 1 {
		t.Fatalf("a full window acknowledged: grew by %d segments, want 1", n)
	}
	if c.Bytes() != 0 {
		t.Fatalf("credit after an exact window = %d, want 0", c.Bytes())
	}

	// Overshoot carries over.
	c.Count(3*testMSS, window)
	if n := c.Count(2*testMSS, window); n != 1 || c.Bytes() != testMSS {
		t.Fatalf("overshoot: grew %d, credit %d; want 1 and %d", n, c.Bytes(), testMSS)
	}

	// A stretch ACK of two and a half windows earns two segments.
	c.Reset()
	if n := c.Count(10*testMSS, window); n != 2 || c.Bytes() != 2*testMSS {
		t.Fatalf("stretch ACK: grew %d, credit %d; want 2 and %d", n, c.Bytes(), 2*testMSS)
	}
}

func TestByteCounterStaleCreditEarnsOneSegment(t *testing.T) {
	var c ByteCounter
	c.Count(9*testMSS, 10*testMSS)
	// The window shrank to 3 MSS: 9 MSS of credit pays one segment and is
	// dropped; this ACK's own bytes start the new count.
	if n := c.Count(testMSS, 3*testMSS); n != 1 || c.Bytes() != testMSS {
		t.Fatalf("stale credit: grew %d, credit %d; want 1 and %d", n, c.Bytes(), testMSS)
	}
}

func TestMaxFilterScript(t *testing.T) {
	const win = 10
	var f MaxFilter[units.Rate]
	if f.Best() != 0 {
		t.Fatalf("empty filter: Best = %v, want 0", f.Best())
	}
	steps := []struct {
		t    int64
		v    units.Rate
		want units.Rate
	}{
		{0, 100, 100},  // the first sample fills all three choices
		{1, 50, 100},   // within the first quarter window: not kept
		{5, 40, 100},   // past a quarter window: the second and third choice
		{6, 60, 100},   // better than the second choice: replaces it
		{11, 30, 60},   // 100 (t=0) left the window; the second choice takes over
		{12, 20, 60},   // no second choice since the best (t=6): 20 displaces 30
		{17, 10, 20},   // 60 left: 20, though 30 (t=11) is the true window max
		{17, 200, 200}, // a new best replaces everything
		{40, 5, 5},     // nothing left in the window: start over
	}
	for i, s := range steps {
		if got := f.Update(s.t, win, s.v); got != s.want || f.Best() != s.want {
			t.Fatalf("step %d: Update(t=%d, %v) = %v (Best %v), want %v", i, s.t, s.v, got, f.Best(), s.want)
		}
	}
}

func TestMinFilterScript(t *testing.T) {
	const win = int64(10 * units.Second)
	ms := func(n int64) units.Duration { return units.Duration(n) * units.Millisecond }
	var f MinFilter[units.Duration]
	// The zero value is empty, not a minimum of zero.
	if got := f.Update(0, win, ms(50)); got != ms(50) {
		t.Fatalf("first sample: %v, want 50ms", got)
	}
	if got := f.Update(int64(2*units.Second), win, ms(40)); got != ms(40) {
		t.Fatalf("lower sample: %v, want 40ms", got)
	}
	if got := f.Update(int64(5*units.Second), win, ms(45)); got != ms(40) {
		t.Fatalf("higher sample: %v, want 40ms", got)
	}
	// 40ms (t=2s) ages out at t=12s+; the 45ms sample from t=5s remains.
	if got := f.Update(int64(12*units.Second)+1, win, ms(60)); got != ms(45) {
		t.Fatalf("after the minimum aged out: %v, want 45ms", got)
	}
	f.Reset(0, ms(70))
	if f.Best() != ms(70) {
		t.Fatalf("after Reset: %v, want 70ms", f.Best())
	}
}

// TestMaxFilterSubWindowFallbacks checks the sub-window rules: while the
// best sample is never improved on, the second choice is taken from the
// second quarter of the window and the third from its second half, so
// fallbacks are ready when the best ages out.
func TestMaxFilterSubWindowFallbacks(t *testing.T) {
	const win = 100
	var f MaxFilter[int64]
	f.Update(0, win, 1000)
	f.Update(10, win, 500) // first quarter: not kept
	f.Update(30, win, 400) // second quarter: second choice
	f.Update(60, win, 300) // second half: third choice
	if got := f.Update(101, win, 100); got != 400 {
		t.Fatalf("best aged out: %v, want the second choice 400", got)
	}
	if got := f.Update(131, win, 100); got != 300 {
		t.Fatalf("second choice aged out: %v, want the third choice 300", got)
	}
}

// TestWindowedFilterBounds checks, against a brute-force window over
// seeded random samples, the filter's guarantees: the estimate is a value
// measured within the window, at least the newest sample, and never better
// than the true windowed best.
func TestWindowedFilterBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type sample struct{ t, v int64 }
	const win = 50
	var hist []sample
	var maxF MaxFilter[int64]
	var minF MinFilter[int64]
	now := int64(0)
	for i := range 20000 {
		now += int64(rng.IntN(8))
		v := int64(rng.IntN(1000))
		hist = append(hist, sample{now, v})
		gotMax := maxF.Update(now, win, v)
		gotMin := minF.Update(now, win, v)

		trueMax, trueMin := v, v
		seenMax, seenMin := false, false
		for j := len(hist) - 1; j >= 0 && now-hist[j].t <= win; j-- {
			s := hist[j]
			trueMax, trueMin = max(trueMax, s.v), min(trueMin, s.v)
			seenMax = seenMax || s.v == gotMax
			seenMin = seenMin || s.v == gotMin
		}
		if !seenMax || gotMax < v || gotMax > trueMax {
			t.Fatalf("sample %d (t=%d v=%d): max estimate %d, window max %d, measured in window: %t", i, now, v, gotMax, trueMax, seenMax)
		}
		if !seenMin || gotMin > v || gotMin < trueMin {
			t.Fatalf("sample %d (t=%d v=%d): min estimate %d, window min %d, measured in window: %t", i, now, v, gotMin, trueMin, seenMin)
		}
	}
}
