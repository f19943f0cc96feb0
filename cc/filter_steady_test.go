package cc

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The filters' shortcut (windowedFilter.unchanged) leaves them as update
// would: a filter that takes it is compared after every step with one that
// always runs update, over random times that stay, step and jump past the
// window, samples drawn from a few values (so that ties with each of the
// three choices are common), windows that change now and then, and Resets.
func TestWindowedFilterShortcutMatchesUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	windows := []int64{-3, -1, 0, 1, 4, 10, 11, 100}
	for _, isMax := range []bool{true, false} {
		var fast, full windowedFilter[int64]
		now, window := int64(0), int64(10)
		shortcuts := 0
		for i := range 200000 {
			switch r := rng.IntN(100); {
			case r < 70: // the same round
			case r < 95:
				now += int64(1 + rng.IntN(3))
			case r < 98:
				now += int64(rng.IntN(150))
			default:
				window = windows[rng.IntN(len(windows))]
			}
			v := int64(rng.IntN(6))
			if rng.IntN(1000) == 0 {
				fast.reset(now, v)
				full.reset(now, v)
				continue
			}
			var got int64
			if fast.unchanged(now, window, v, isMax) {
				got = fast.s[0].v
				shortcuts++
			} else {
				got = fast.update(now, window, v, isMax)
			}
			want := full.update(now, window, v, isMax)
			if got != want || fast.s != full.s || fast.primed != full.primed {
				t.Fatalf("max %t, step %d (t=%d window=%d v=%d): got %d %v, update gives %d %v",
					isMax, i, now, window, v, got, fast.s, want, full.s)
			}
		}
		if shortcuts < 50000 {
			t.Fatalf("max %t: only %d shortcuts in 200000 steps", isMax, shortcuts)
		}
	}
}

// The public filters take the shortcut and give update's answers.
func TestFiltersTakeShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var maxF MaxFilter[int64]
	var minF MinFilter[int64]
	var maxRef, minRef windowedFilter[int64]
	now := int64(0)
	for i := range 50000 {
		if rng.IntN(10) == 0 {
			now++
		}
		v := int64(rng.IntN(20))
		if got, want := maxF.Update(now, 10, v), maxRef.update(now, 10, v, true); got != want || maxF.f.s != maxRef.s {
			t.Fatalf("step %d: MaxFilter %d %v, update %d %v", i, got, maxF.f.s, want, maxRef.s)
		}
		if got, want := minF.Update(now, 10, v), minRef.update(now, 10, v, false); got != want || minF.f.s != minRef.s {
			t.Fatalf("step %d: MinFilter %d %v, update %d %v", i, got, minF.f.s, want, minRef.s)
		}
	}
}

// unchanged holds for any state with the properties isSteady relies on
// (samples ordered best first and by time, all inside the window), not only
// for those a short random run reaches: filters are built directly from
// random samples and asked about samples around their values.
func TestWindowedFilterShortcutOnOrderedStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 200000 {
		isMax := rng.IntN(2) == 0
		window := int64(rng.IntN(12))
		now := int64(100)
		var ts, vs [3]int64
		for j := range ts {
			ts[j] = now - int64(rng.IntN(int(window)+1))
			vs[j] = int64(rng.IntN(4))
		}
		slices.Sort(ts[:])
		slices.Sort(vs[:])
		if isMax {
			slices.Reverse(vs[:])
		}
		var f windowedFilter[int64]
		for j := range f.s {
			f.s[j] = filterSample[int64]{ts[j], vs[j]}
		}
		f.primed = true
		f.steady, f.steadyAt, f.steadyWindow = f.isSteady(now, window), now, window
		v := int64(rng.IntN(5)) - 1
		ref := f
		ref.update(now, window, v, isMax)
		if f.unchanged(now, window, v, isMax) && ref.s != f.s {
			t.Fatalf("step %d: max %t window %d, %v with (t=%d v=%d): shortcut taken, update gives %v",
				i, isMax, window, f.s, now, v, ref.s)
		}
	}
}
