package runner

// Workloads and cross traffic whose times or sizes pass the range of int64:
// a clear error or a time beyond the run, never a wrapped negative one.

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/units"
)

// A size CDF with sizes near 1e300 once made every arrival time wrap to a
// negative Duration, so the run reported "0 flows/s would exceed 20000
// flows". It is now refused when read, with one line naming the key, the
// file, the line and what is allowed.
func TestEmpiricalWorkloadNear1e300(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "huge.csv"), []byte("# sizes\n0 0\n1e300 0.5\n2e300 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "[[flows]]\narrivals = \"poisson\"\nsize_distribution = \"empirical\"\nsize_cdf = \"huge.csv\"\n"
	if err := os.WriteFile(filepath.Join(dir, "wl.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.Load(filepath.Join(dir, "wl.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromConfig(cfg)
	want := "flows[0].size_cdf: " + filepath.Join(dir, "huge.csv") + ":3: size 1e+300 is above the largest flow size; allowed from 0 to 9223372036854774784 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
}

// Expand itself, given such a CDF directly, says what is wrong; at the
// largest sizes allowed the arrivals are centuries apart and fall after
// the end of the run rather than before its start.
func TestWorkloadExpandAtExtremeSizes(t *testing.T) {
	huge := &experiment.SizeCDF{Path: "huge.csv", Sizes: []float64{1e300, 2e300}, Probs: []float64{0, 1}}
	wl := Workload{CC: "reno", Load: 0.5, Dist: SizeEmpirical, CDF: huge}
	_, err := wl.Expand(100*units.MbitPerSecond, 30*units.Second, 1)
	if err == nil || strings.Contains(err.Error(), "flows/s") || !strings.Contains(err.Error(), "above the largest flow size, 9223372036854775807 bytes") {
		t.Errorf("1e300-byte CDF: error %v, want one saying the mean is above the largest flow size", err)
	}

	largest := &experiment.SizeCDF{Path: "largest.csv", Sizes: []float64{1, 0x1p63 - 1024}, Probs: []float64{0, 1}}
	for _, wl := range []Workload{
		{CC: "reno", Load: 0.5, Dist: SizeEmpirical, CDF: largest},
		{CC: "reno", Load: 1, Dist: SizeExponential, MeanSize: 1 << 62},
		{CC: "reno", Load: 1, Dist: SizeFixed, MeanSize: 1<<63 - 1},
		{CC: "reno", Load: 1e-300, Dist: SizeFixed, MeanSize: 1},
	} {
		for _, end := range []units.Duration{30 * units.Second, units.MaxDuration / 2} {
			flows, err := wl.Expand(units.BitPerSecond, end, 1)
			if err != nil {
				t.Errorf("%+v over %v: %v", wl, end, err)
			}
			for _, f := range flows {
				if f.Start < 0 || f.Start >= end || f.Size < 1 {
					t.Errorf("%+v over %v: flow %+v outside the run", wl, end, f)
				}
			}
		}
	}
}

// A flow's ideal completion time saturates rather than wrapping when its
// bytes at the bottleneck rate take longer than a Duration holds.
func TestIdealCompletionDoesNotWrap(t *testing.T) {
	if got := idealCompletion(1<<63-1, 40*units.Millisecond, units.BitPerSecond); got != units.MaxDuration {
		t.Errorf("idealCompletion(max bytes at 1bit/s) = %v, want MaxDuration", got)
	}
	if got := idealCompletion(125000, 40*units.Millisecond, units.GbitPerSecond); got != 41*units.Millisecond {
		t.Errorf("idealCompletion(125kB at 1Gbit/s, 40ms) = %v, want 41ms", got)
	}
}

// An on/off source whose silences are centuries long schedules each burst
// exactly (checked in math/big) or at Never when it is beyond any time,
// never at a wrapped time before the run started.
func TestCrossDueBeyondInt64(t *testing.T) {
	for _, off := range []units.Duration{units.MaxDuration - units.Second, units.MaxDuration / 2, 1 << 62} {
		spec := CrossSpec{Rate: units.GbitPerSecond, On: units.Second, Off: off, Start: units.Second, PacketSize: 1500}
		c := &crossSource{spec: spec, stop: units.Never}
		perBurst := uint64(units.GbitPerSecond) / (1500 * 8) // packets in one second of on-time
		for _, k := range []uint64{0, 1, perBurst - 1, perBurst, perBurst + 1, 3 * perBurst, 1 << 40, 1<<64 - 1} {
			// on-time k × 12000 bits / 1 Gbit/s, then whole bursts of on + off.
			on := new(big.Int).Quo(new(big.Int).Mul(new(big.Int).SetUint64(k), big.NewInt(12000*int64(units.Second))), big.NewInt(int64(units.GbitPerSecond)))
			cycles, rem := new(big.Int).QuoRem(on, big.NewInt(int64(units.Second)), new(big.Int))
			exact := new(big.Int).Mul(cycles, new(big.Int).Add(big.NewInt(int64(units.Second)), big.NewInt(int64(off))))
			exact.Add(exact, rem).Add(exact, big.NewInt(int64(units.Second)))
			want := units.Never
			if exact.Cmp(big.NewInt(int64(units.Never))) < 0 {
				want = units.Time(exact.Int64())
			}
			if got := c.due(k); got != want {
				t.Errorf("off %v: packet %d due at %v, want %v", off, k, got, want)
			}
		}
	}
}

// A SYN flood or a client at a rate as small as a float allows (the
// decoder accepts any rate above 0) once had its second arrival at
// 1e9/1e-300 ns = +Inf, which became a negative Time; it is now Never.
func TestTinyArrivalRatesDoNotWrap(t *testing.T) {
	end := units.Time(30 * units.Second)
	for _, rate := range []float64{1e-300, 1e-12, math.SmallestNonzeroFloat64} {
		f, err := newFloodSource(FloodSpec{Rate: rate, Start: units.Second}, 0, end, 1)
		if err != nil {
			t.Fatal(err)
		}
		if at := f.due(0); at != units.Time(units.Second) {
			t.Errorf("flood at %g/s: SYN 0 due at %v, want 1s", rate, at)
		}
		for _, k := range []uint64{1, 2, 1 << 40, 1<<64 - 1} {
			if at := f.due(k); at != units.Never {
				t.Errorf("flood at %g/s: SYN %d due at %v, want Never", rate, k, at)
			}
		}
		for _, poisson := range []bool{false, true} {
			c := &clientApp{spec: ClientSpec{Rate: rate, Poisson: poisson, Start: units.Second},
				stop: end + 1, t: 1, rng: rand.New(rand.NewPCG(1, 2))}
			first := c.nextArrival()
			if !poisson && first != units.Time(units.Second) {
				t.Errorf("client at %g/s: first arrival %v, want 1s", rate, first)
			}
			for i := range 5 {
				if at := c.nextArrival(); at != units.Never && (i > 0 || poisson) {
					t.Errorf("client at %g/s (poisson %v): arrival %d at %v, want Never", rate, poisson, i+1, at)
				}
			}
		}
	}
}
