package kernelcc

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/cc"
)

// cubicRootExport is appended, in memory, to Linux's tcp_cubic.c: it
// exports the file's static cubic_root so the test can call it. The file
// on disk is not touched.
const cubicRootExport = `
__attribute__((export_name("t_cubic_root"))) u32 t_cubic_root(u64 a) { return cubic_root(a); }
`

// TestCubicRootMatchesLinux compares cc.CubicRoot with the cubic_root of
// the kernel's own tcp_cubic.c, compiled for wasm32, on every a below 2¹⁸,
// on both ends and the middle of every range of inputs that reads one
// entry of the table at one shift, and on 200 000 inputs spread evenly
// over bit lengths 1 to 64.
func TestCubicRootMatchesLinux(t *testing.T) {
	dir, err := Source()
	if errors.Is(err, ErrToolsMissing) {
		t.Skipf("kernel modules cannot be built here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "tcp_cubic.c"))
	if err != nil {
		t.Fatal(err)
	}
	in := buildInstance(t, "cubicroot", unit{id: "cubic", name: "tcp_cubic.c", text: append(text, cubicRootExport...)})
	var inputs []uint64
	for a := uint64(0); a < 1<<18; a++ {
		inputs = append(inputs, a)
	}
	// An input of bit length n reads entry a >> 3b, b = (84n >> 8) − 1.
	for n := uint(7); n <= 64; n++ {
		b := (84*n)>>8 - 1
		for i := uint64(8); i < 64; i++ {
			lo := i << (3 * b)
			hi := lo + 1<<(3*b) - 1
			if bits.Len64(lo) != int(n) || bits.Len64(hi) != int(n) {
				continue
			}
			inputs = append(inputs, lo, lo+(hi-lo)/2, hi)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		n := 1 + rng.IntN(64)
		inputs = append(inputs, 1<<(n-1)|rng.Uint64()&(1<<(n-1)-1))
	}
	wrong := map[uint64]int{} // table entry → inputs that differ
	shown := 0
	for _, a := range inputs {
		want := uint32(call(t, in, "t_cubic_root", a))
		if got := cc.CubicRoot(a); got != want {
			entry := a
			if n := uint(bits.Len64(a)); n >= 7 {
				entry = a >> (3 * ((84*n)>>8 - 1))
			}
			wrong[entry]++
			if shown < 20 {
				shown++
				t.Errorf("CubicRoot(%d) = %d, Linux's cubic_root %d (table entry %d)", a, got, want, entry)
			}
		}
	}
	if len(wrong) > 0 {
		t.Errorf("inputs that differ, by table entry: %v", wrong)
	}
	t.Logf("%d inputs compared", len(inputs))
}
