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

// TestHighSpeedTableFromRFC3649 derives the table from the RFC's formulas:
// row k starts at the smallest window where a(w) reaches k+1 and holds
// b(w) there in hundredths; the first row is Low_Window and the last the
// first beyond High_Window.
func TestHighSpeedTableFromRFC3649(t *testing.T) {
	if r := highSpeedTable[0]; r.w != hsLowWindow || r.bPercent != 50 {
		t.Fatalf("first row %+v, want {38 50}: Reno's a = 1, b = 0.5 at Low_Window", r)
	}
	w := hsLowWindow
	for k := 1; k < len(highSpeedTable); k++ {
		for rfc3649A(float64(w)) < float64(k+1) {
			w++
		}
		want := highSpeedRow{w: int32(w), bPercent: int8(math.Round(100 * rfc3649B(float64(w))))}
		if got := highSpeedTable[k]; got != want {
			t.Errorf("row %d (a = %d): %+v, want %+v", k, k+1, got, want)
		}
	}
	if last, before := highSpeedTable[len(highSpeedTable)-1].w, highSpeedTable[len(highSpeedTable)-2].w; last <= hsHighWindow || before > hsHighWindow {
		t.Errorf("the table ends at %d after %d; want the first row beyond High_Window %d", last, before, hsHighWindow)
	}
}

// TestHighSpeedAWBW checks a(w) and b(w) at the RFC's reference windows.
func TestHighSpeedAWBW(t *testing.T) {
	cases := []struct {
		w, a, bPercent int
	}{
		{1, 1, 50},
		{38, 1, 50},
		{115, 1, 50},
		{118, 2, 44},
		{1058, 8, 33},
		{83000, 72, 10},
		{1 << 30, 73, 10},
	}
	for _, c := range cases {
		for _, hint := range []int{0, 30, len(highSpeedTable) - 1} {
			row := highSpeedRowFor(c.w, hint)
			if a, b := row+1, int(highSpeedTable[row].bPercent); a != c.a || b != c.bPercent {
				t.Errorf("w = %d (search from row %d): a = %d, b = 0.%02d; want a = %d, b = 0.%02d", c.w, hint, a, b, c.a, c.bPercent)
			}
		}
	}
}
