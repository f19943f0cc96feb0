package stack

import "math/bits"

// slotSet is a set of small integers (the scoreboard's ring slots) that
// finds the smallest member at or above a given one in O(log₆₄ n): a bitmap
// with a summary bitmap above it, one bit per non-empty word below, and so
// on up to a single word.
type slotSet struct {
	// levels[0] has a bit per slot; levels[k+1] a bit per word of
	// levels[k]. The last level is one word.
	levels [][]uint64
}

func newSlotSet(n int) slotSet {
	var s slotSet
	for {
		words := (n + 63) / 64
		s.levels = append(s.levels, make([]uint64, words))
		if words == 1 {
			return s
		}
		n = words
	}
}

func (s *slotSet) add(x int) {
	for _, l := range s.levels {
		w := x / 64
		was := l[w]
		l[w] |= 1 << (x % 64)
		if was != 0 {
			return
		}
		x = w
	}
}

func (s *slotSet) remove(x int) {
	for _, l := range s.levels {
		w := x / 64
		l[w] &^= 1 << (x % 64)
		if l[w] != 0 {
			return
		}
		x = w
	}
}

func (s *slotSet) has(x int) bool { return s.levels[0][x/64]&(1<<(x%64)) != 0 }

// next returns the smallest member at or above x, or -1.
func (s *slotSet) next(x int) int {
	// Climb until a word holds a member at or above the position, then
	// descend along the lowest members.
	k := 0
	for ; k < len(s.levels); k++ {
		l := s.levels[k]
		w := x / 64
		if w >= len(l) {
			return -1
		}
		if m := l[w] >> (x % 64); m != 0 {
			x += bits.TrailingZeros64(m)
			break
		}
		x = w + 1
	}
	if k == len(s.levels) {
		return -1
	}
	for ; k > 0; k-- {
		x = x*64 + bits.TrailingZeros64(s.levels[k-1][x])
	}
	return x
}

func (s *slotSet) clear() {
	for _, l := range s.levels {
		clear(l)
	}
}
