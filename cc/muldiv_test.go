package cc

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestMulDiv(t *testing.T) {
	cases := []struct{ a, b, c, want int64 }{
		{0, 5, 7, 0},
		{10, 3, 4, 7},
		{21 * 1460, 5, 105, 1460},
		// A 2 GB window times 10 s in nanoseconds overflows 64 bits; the
		// quotient does not.
		{1 << 31, 10_000_000_000, 10_000_000_000, 1 << 31},
		{1 << 31, 9_999_999_999, 10_000_000_000, 2147483647},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64},
	}
	for _, c := range cases {
		if got := MulDiv(c.a, c.b, c.c); got != c.want {
			t.Errorf("MulDiv(%d, %d, %d) = %d, want %d", c.a, c.b, c.c, got, c.want)
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		a, c := rng.Int64N(1<<40), 1+rng.Int64N(1<<40)
		b := rng.Int64N(c + 1)
		want := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		want.Quo(want, big.NewInt(c))
		if got := MulDiv(a, b, c); got != want.Int64() {
			t.Fatalf("MulDiv(%d, %d, %d) = %d, want %s", a, b, c, got, want)
		}
	}
}
