package stack

import (
	"math/rand/v2"
	"testing"
)

// TestReadySetMatchesPlainSet drives a ready set with random adds,
// removals and cuts beside a plain slice of booleans, over sizes of one
// word to several summary words: next and from must answer, from every
// position, as a scan of the slice would. (The summary's bit for word 0
// is never kept up to date; a search that read it would go wrong here.)
func TestReadySetMatchesPlainSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for round := range 60 {
		size := 1 + rng.IntN([]int{64, 200, 9000}[round%3])
		var s readySet
		s.grow(size)
		plain := make([]bool, size)
		scan := func(i int) int {
			for j := i; j < size; j++ {
				if plain[j] {
					return j
				}
			}
			return -1
		}
		for step := range 400 {
			i := rng.IntN(size)
			switch op := rng.IntN(10); {
			case op < 5:
				s.add(i)
				plain[i] = true
			case op < 9:
				s.remove(i)
				plain[i] = false
			default:
				s.cut(i)
				copy(plain[i:], plain[i+1:])
				plain[size-1] = false
			}
			for _, from := range []int{0, i, min(i+1, size-1), rng.IntN(size)} {
				want := scan(from)
				if got := s.from(from); got != want {
					t.Fatalf("round %d step %d: from(%d) = %d, want %d", round, step, from, got, want)
				}
				if want < 0 {
					want = scan(0)
				}
				if got := s.next(from); got != want {
					t.Fatalf("round %d step %d: next(%d) = %d, want %d", round, step, from, got, want)
				}
			}
		}
	}
}
