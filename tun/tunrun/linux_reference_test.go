package tunrun

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/runner"
)

// TestLinuxReference measures ccbench's reno, cubic and bbr against the
// kernel's own (linux:reno, linux:cubic, linux:bbr) through the shipped
// tun-reference bottleneck (50 Mbit/s, 40 ms RTT) at 0.25, 1 and 4 BDP of
// buffer, one flow per run, in real time over TUN, and prints the table:
// goodput, retransmissions and slow-start peak cwnd of each side. It then
// checks what the stack promises for cubic and bbr at 1 BDP: goodput within
// 2% of the kernel's, retransmissions within a factor of two, and the
// slow-start peak within 20%.
//
// Eighteen runs of 30 s take ten minutes, so it runs only when
// CCBENCH_LINUX_REFERENCE=1 (`make linux-reference`); the figures mean
// something only on a quiet machine, and each run's release error is
// checked like any tun run's. CCBENCH_LINUX_REFERENCE_DURATION shortens
// the runs.
func TestLinuxReference(t *testing.T) {
	if os.Getenv("CCBENCH_LINUX_REFERENCE") != "1" {
		t.Skip("takes ten minutes of real time: set CCBENCH_LINUX_REFERENCE=1 (make linux-reference)")
	}
	requireTunDriver(t)
	duration := os.Getenv("CCBENCH_LINUX_REFERENCE_DURATION")
	if duration == "" {
		duration = "30s"
	}
	type side struct {
		goodput        float64
		retransmits    int64
		peak           int
		releaseP99Us   float64
		releaseInvalid bool
	}
	run := func(cc, buffer string) side {
		t.Helper()
		// The runs' own validity is reported; a failed self-check does
		// not stop the comparison.
		sets := []string{"link.buffer=" + buffer, "duration=" + duration, "sample_interval=10ms", "self_check=warn"}
		sw, err := experiment.LoadSweep("../../experiments/tun-reference.toml", sets)
		if err != nil {
			t.Fatal(err)
		}
		var cfg *experiment.Config
		for _, p := range sw.Points {
			if p.Config.Flows[0].CC == cc {
				cfg = p.Config
			}
		}
		if cfg == nil {
			t.Fatalf("experiments/tun-reference.toml sweeps no flows[0].cc = %q", cc)
		}
		sc, err := runner.FromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "linux-reference"})
		checkNoNamespacesLeft(t)
		if err != nil {
			t.Fatalf("%s at %s: %v", cc, buffer, err)
		}
		f := res.Summary.Flows[0]
		re := res.ReleaseError(cfg.MaxReleaseP99)
		return side{goodput: f.GoodputBps, retransmits: f.Retransmits, peak: f.SlowStartPeakCwndBytes,
			releaseP99Us: re.P99Us, releaseInvalid: !re.Valid}
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-6s %-6s | %9s %9s %6s | %7s %7s | %9s %9s %6s\n",
		"cc", "buffer", "goodput", "linux", "gap", "rtx", "linux", "ss peak", "linux", "ratio")
	for _, alg := range []string{"reno", "cubic", "bbr"} {
		for _, buffer := range []string{"0.25bdp", "1bdp", "4bdp"} {
			st, kn := run(alg, buffer), run("linux:"+alg, buffer)
			gap := (st.goodput - kn.goodput) / kn.goodput
			ratio := float64(st.peak) / float64(kn.peak)
			fmt.Fprintf(&table, "%-6s %-6s | %9.2f %9.2f %+5.1f%% | %7d %7d | %9d %9d %6.2f\n",
				alg, buffer, st.goodput/1e6, kn.goodput/1e6, 100*gap, st.retransmits, kn.retransmits, st.peak, kn.peak, ratio)
			if st.releaseInvalid || kn.releaseInvalid {
				t.Errorf("%s at %s: the relay's release error was too large (p99 %.0f and %.0f us): the machine is not quiet enough for this comparison",
					alg, buffer, st.releaseP99Us, kn.releaseP99Us)
				continue
			}
			if buffer != "1bdp" || alg == "reno" {
				continue
			}
			if math.Abs(gap) > 0.02 {
				t.Errorf("%s at %s: goodput %.2f Mbit/s is %+.1f%% from the kernel's %.2f, want within 2%%", alg, buffer, st.goodput/1e6, 100*gap, kn.goodput/1e6)
			}
			if !withinFactor(st.retransmits, kn.retransmits, 2) {
				t.Errorf("%s at %s: %d retransmissions against the kernel's %d, want within a factor of 2", alg, buffer, st.retransmits, kn.retransmits)
			}
			if math.Abs(ratio-1) > 0.2 {
				t.Errorf("%s at %s: slow-start peak cwnd %d B against the kernel's %d B, want within 20%%", alg, buffer, st.peak, kn.peak)
			}
		}
	}
	t.Logf("ccbench's stack against the kernel over TUN, 50 Mbit/s, 40 ms, %s each, goodput in Mbit/s, peaks in bytes:\n%s", duration, table.String())
}

// withinFactor reports whether a and b differ by at most factor f; two
// small counts (up to f each) always are, since one retransmission more or
// less is not a difference in behaviour.
func withinFactor(a, b int64, f float64) bool {
	if a <= int64(f) && b <= int64(f) {
		return true
	}
	return float64(a) <= f*float64(b) && float64(b) <= f*float64(a)
}
