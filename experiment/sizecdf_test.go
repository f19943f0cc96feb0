package experiment

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParseCDF(t *testing.T, text string) *SizeCDF {
	t.Helper()
	c, err := ParseSizeCDF("test.csv", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The mean of a piecewise-linear CDF, worked by hand: a point mass of 0.2
// at 100 bytes, then 0.3 spread uniformly over 100..300 (midpoint 200) and
// 0.5 over 300..1300 (midpoint 800): 20 + 60 + 400 = 480.
func TestSizeCDFMeanAndQuantiles(t *testing.T) {
	c := mustParseCDF(t, "# size cdf\n100 0.2\n300 0.5 # comment\n\n1300 1\n")
	if got := c.Mean(); got != 480 {
		t.Errorf("mean %v, want 480", got)
	}
	for _, q := range []struct{ u, want float64 }{
		{0, 100}, {0.1, 100}, {0.2, 100}, {0.35, 200}, {0.5, 300}, {0.75, 800}, {0.999, 1298},
	} {
		if got := c.Quantile(q.u); math.Abs(got-q.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", q.u, got, q.want)
		}
	}
	// A flat stretch of the CDF (300..400 holds no flows) gives no sizes.
	flat := mustParseCDF(t, "0 0\n300 0.5\n400 0.5\n500 1\n")
	if got := flat.Quantile(0.5); got != 400 {
		t.Errorf("Quantile(0.5) across a flat stretch = %v, want 400", got)
	}
}

// The shipped workloads: 200,000 draws average within 2% of the analytic
// mean, each CDF point is hit at its own quantile, and the empirical
// fraction below every point matches its cdf.
func TestShippedWorkloads(t *testing.T) {
	for _, tc := range []struct {
		file  string
		mean  float64
		draws int
	}{
		// Σ Δcdf × midpoint over the published points. Data mining's
		// mean is mostly its 2% of flows from 100 MB to 1 GB: the
		// standard error of 200,000 draws would be 1.5% of the mean,
		// so it gets ten times as many.
		{"websearch.csv", 1_711_250, 200_000},
		{"datamining.csv", 12_658_198.6, 2_000_000},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c, err := LoadSizeCDF(filepath.Join("..", "experiments", "workloads", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Mean(); math.Abs(got-tc.mean) > 1e-6*tc.mean {
				t.Errorf("mean %.1f, want %.1f", got, tc.mean)
			}
			for i := range c.Sizes {
				if c.Probs[i] == 1 || i > 0 && c.Probs[i] == c.Probs[i-1] {
					continue
				}
				if got := c.Quantile(c.Probs[i]); got != c.Sizes[i] && !(i+1 < len(c.Sizes) && c.Probs[i+1] == c.Probs[i]) {
					t.Errorf("Quantile(%v) = %v, want the point's size %v", c.Probs[i], got, c.Sizes[i])
				}
			}
			r := rand.New(rand.NewPCG(1, 2))
			n := tc.draws
			var sum float64
			below := make([]int, len(c.Sizes))
			for range n {
				s := c.Quantile(r.Float64())
				sum += s
				for i, size := range c.Sizes {
					if s <= size {
						below[i]++
					}
				}
			}
			if mean := sum / float64(n); math.Abs(mean-c.Mean()) > 0.02*c.Mean() {
				t.Errorf("sample mean %.0f is more than 2%% from %.0f", mean, c.Mean())
			}
			for i, size := range c.Sizes {
				// The binomial standard deviation at 200,000 draws
				// is at most 0.0011; five of them.
				if got := float64(below[i]) / float64(n); math.Abs(got-c.Probs[i]) > 0.0056 {
					t.Errorf("fraction at or below %v is %.4f, want %v", size, got, c.Probs[i])
				}
			}
		})
	}
}

// One seed always draws the same sizes.
func TestSizeCDFDeterministic(t *testing.T) {
	c := mustParseCDF(t, "0 0\n10000 0.5\n1000000 1\n")
	draw := func(seed uint64) []float64 {
		r := rand.New(rand.NewPCG(seed, 7))
		out := make([]float64, 100)
		for i := range out {
			out[i] = c.Quantile(r.Float64())
		}
		return out
	}
	a, b, other := draw(3), draw(3), draw(4)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v then %v from the same seed", i, a[i], b[i])
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == other[i]
	}
	if same {
		t.Error("seeds 3 and 4 drew the same sizes")
	}
}

func TestSizeCDFErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"", "test.csv: no points"},
		{"# only a comment\n", "test.csv: no points"},
		{"100\n", `test.csv:1: "100" has 1 fields`},
		{"100 0.5 7\n", `test.csv:1: "100 0.5 7" has 3 fields`},
		{"abc 0.5\n", `test.csv:1: size "abc" is not a number of bytes from 0`},
		{"-5 0.5\n", `test.csv:1: size "-5" is not a number`},
		{"100 1.5\n", `test.csv:1: cdf "1.5" is not a probability from 0 to 1`},
		{"100 0.5\n50 1\n", "test.csv:2: size 50 is below the previous line's 100; sizes must not decrease"},
		{"# header\n100 0.5\n200 0.4\n", "test.csv:3: cdf 0.4 is below the previous line's 0.5; a CDF must not decrease"},
		{"100 0.5\n200 0.9\n", "test.csv:2: the last cdf is 0.9; it must be exactly 1"},
		{"0 1\n", "test.csv:1: the largest size is 0"},
	} {
		_, err := ParseSizeCDF("test.csv", strings.NewReader(tc.text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to start with %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is more than one line: %q", tc.text, err)
		}
	}
}

func TestEmpiricalWorkloadDecode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wl.toml")
	base := "[[flows]]\narrivals = \"poisson\"\nsize_distribution = \"empirical\"\n"
	write := func(extra string) {
		if err := os.WriteFile(path, []byte(base+extra), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("size_cdf = \"workloads/websearch.csv\"\n")
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := c.Flows[0]
	if want := filepath.Join(dir, "workloads", "websearch.csv"); g.SizeCDF != want || g.MeanSize != 0 {
		t.Errorf("size_cdf %q, mean_size %d; want %q and 0", g.SizeCDF, g.MeanSize, want)
	}
	// The resolved file loads back to the same workload.
	out := filepath.Join(t.TempDir(), "config.toml")
	if err := c.WriteResolved(out); err != nil {
		t.Fatal(err)
	}
	if back, err := Load(out, nil); err != nil || back.Flows[0].SizeDistribution != "empirical" || back.Flows[0].MeanSize != 0 {
		t.Errorf("resolved file loads back as %+v, %v", back.Flows[0], err)
	}

	write("size_cdf = \"workloads/websearch.csv\"\nmean_size = \"1MB\"\n")
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "flows[0].mean_size") || !strings.Contains(err.Error(), "size_cdf gives the mean") {
		t.Errorf("mean_size beside an empirical CDF: error %v", err)
	}
	write("")
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "flows[0].size_cdf") {
		t.Errorf("empirical without size_cdf: error %v", err)
	}
}

func TestFairnessWindowDecode(t *testing.T) {
	c, err := LoadBytes("f.toml", []byte("duration = \"20s\"\nfairness_from = \"5s\"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if from, to := c.FairnessWindow(); from != 5e9 || to != 20e9 {
		t.Errorf("window %v..%v, want 5s..20s (the duration)", from, to)
	}
	for _, doc := range []string{
		"duration = \"20s\"\nfairness_from = \"20s\"\n",
		"duration = \"20s\"\nfairness_from = \"5s\"\nfairness_to = \"5s\"\n",
		"duration = \"20s\"\nfairness_to = \"30s\"\n",
	} {
		if _, err := LoadBytes("f.toml", []byte(doc), nil); err == nil || !strings.Contains(err.Error(), "fairness_") {
			t.Errorf("%q: error %v, want one naming the fairness window", doc, err)
		}
	}
}

// Drawing a size costs a binary search over the points and allocates
// nothing.
func BenchmarkSizeCDFQuantile(b *testing.B) {
	c, err := LoadSizeCDF(filepath.Join("..", "experiments", "workloads", "websearch.csv"))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += c.Quantile(r.Float64())
	}
	_ = sink
}

func TestSizeCDFQuantileAllocatesNothing(t *testing.T) {
	c := mustParseCDF(t, "0 0\n10000 0.5\n1000000 1\n")
	r := rand.New(rand.NewPCG(1, 2))
	if n := testing.AllocsPerRun(1000, func() { c.Quantile(r.Float64()) }); n != 0 {
		t.Errorf("%v allocations per draw, want 0", n)
	}
}

// A garbage line in a CDF file is quoted in part: the file, the line and
// the start of its text, in one short line.
func TestSizeCDFQuotesOnlyAnExcerptOfAGarbageLine(t *testing.T) {
	garbage := strings.Repeat("z", 60<<10)
	for _, text := range []string{
		"0 0\n" + garbage + " 1\n",
		"0 0\n100 " + garbage + "\n",
		"0 0\n" + garbage + "\n",
	} {
		_, err := ParseSizeCDF("w.csv", strings.NewReader(text))
		if err == nil || !strings.HasPrefix(err.Error(), "w.csv:2: ") || !strings.Contains(err.Error(), `"zzzz`) ||
			!strings.Contains(err.Error(), "… (61440 bytes)") || len(err.Error()) > 250 {
			t.Errorf("error %.300v, want one short line naming w.csv:2 with an excerpt and the length", err)
		}
	}
	_, err := ParseSizeCDF("w.csv", strings.NewReader("0 0\n1 0.5\n"+strings.Repeat("9", 100<<10)+"\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "w.csv:3: longer than") {
		t.Errorf("a 100 KiB line: %.300v, want an error naming w.csv:3", err)
	}
}

// A size beyond int64 is refused on its line, however it is written, and
// the largest allowed one is read.
func TestSizeCDFSizesBeyondInt64(t *testing.T) {
	for _, tc := range []struct{ size, want string }{
		{"1e300", "x.csv:2: size 1e+300 is above the largest flow size; allowed from 0 to 9223372036854774784 bytes"},
		{"9223372036854775808", "x.csv:2: size 9.223372036854776e+18 is above the largest flow size; allowed from 0 to 9223372036854774784 bytes"},
		// Beyond float64 altogether: quoted as an excerpt, not whole.
		{"1" + strings.Repeat("0", 5000), `x.csv:2: size "1` + strings.Repeat("0", 79) + `"… (5001 bytes) is not a number of bytes from 0`},
	} {
		_, err := ParseSizeCDF("x.csv", strings.NewReader("0 0\n"+tc.size+" 1\n"))
		if err == nil || err.Error() != tc.want {
			t.Errorf("size %.20s: error %v\nwant %s", tc.size, err, tc.want)
		}
	}
	c, err := ParseSizeCDF("x.csv", strings.NewReader("0 0\n9223372036854774784 1\n"))
	if err != nil || c.Sizes[1] != 0x1p63-1024 {
		t.Errorf("largest size: %v, %v", c, err)
	}
}
