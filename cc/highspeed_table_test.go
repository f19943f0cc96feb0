package cc

import (
	"math"
	"testing"
)

// RFC 3649 §5's parameters.
const (
	hsLowWindow     = 38
	hsHighWindow    = 83000
	hsLowP          = 1e-3
	hsHighP         = 1e-7
	hsHighDecrease  = 0.1
	hsStandardDecay = 0.5
)

// rfc3649B is b(w) of RFC 3649 §5.
func rfc3649B(w float64) float64 {
	return (hsHighDecrease-hsStandardDecay)*(math.Log(w)-math.Log(hsLowWindow))/
		(math.Log(hsHighWindow)-math.Log(hsLowWindow)) + hsStandardDecay
}

// rfc3649A is a(w) of RFC 3649 §5, with p(w) the HighSpeed response
// function through (Low_Window, Low_P) and (High_Window, High_P).
func rfc3649A(w float64) float64 {
	s := (math.Log(hsHighWindow) - math.Log(hsLowWindow)) / (math.Log(hsHighP) - math.Log(hsLowP))
	p := hsLowP * math.Pow(w/hsLowWindow, 1/s)
	b := rfc3649B(w)
	return w * w * p * 2 * b / (2 - b)
}

// TestHighSpeedTableFromRFC3649 checks the table against the RFC's
// formulas: every row's decrease is b(w) at its window in 256ths, rounded
// down, and a(w) there is the row's increase, k+1 for row k, within the 4%
// by which the RFC's printed table (computed from rounded forms of the
// formulas) departs from the exact ones; the first row is Low_Window with
// Reno's b = 0.5, and the windows rise.
func TestHighSpeedTableFromRFC3649(t *testing.T) {
	if r := highSpeedTable[0]; r.w != hsLowWindow || r.md != 128 {
		t.Fatalf("first row %+v, want {38 128}: Reno's a = 1, b = 0.5 at Low_Window", r)
	}
	for k, r := range highSpeedTable {
		if k > 0 && r.w <= highSpeedTable[k-1].w {
			t.Errorf("row %d: window %d after %d", k, r.w, highSpeedTable[k-1].w)
		}
		if want := uint8(math.Floor(256 * rfc3649B(float64(r.w)))); r.md != want {
			t.Errorf("row %d (w = %d): md %d/256, want ⌊256·b(w)⌋ = %d", k, r.w, r.md, want)
		}
		if a := rfc3649A(float64(r.w)); math.Abs(a-float64(k+1)) > 0.04*float64(k+1) {
			t.Errorf("row %d (w = %d): a(w) = %.3f, want about %d", k, r.w, a, k+1)
		}
	}
	if last := highSpeedTable[len(highSpeedTable)-1].w; last <= hsHighWindow {
		t.Errorf("the table ends at %d, below High_Window %d", last, hsHighWindow)
	}
}

// TestHighSpeedRows checks which row a window takes: the first whose
// window is at least it (Linux's hstcp_cong_avoid), from any hint.
func TestHighSpeedRows(t *testing.T) {
	cases := []struct{ w, row int }{
		{1, 0}, {38, 0}, {39, 1}, {118, 1}, {119, 2}, {500, 5}, {1058, 7},
		{83000, 70}, {89053, 71}, {1 << 30, 71},
	}
	for _, c := range cases {
		for _, hint := range []int{0, 30, len(highSpeedTable) - 1} {
			if row := highSpeedRowFor(c.w, hint); row != c.row {
				t.Errorf("w = %d (search from row %d): row %d, want %d", c.w, hint, row, c.row)
			}
		}
	}
}
