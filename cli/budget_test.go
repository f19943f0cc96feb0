package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/runner"
)

// TestRunRefusesWhatCannotFit: 10 000 captured flows (real payload), a 1 000 000 s run and a 1 ns
// sample interval each stop before simulating, within a second, with one
// line that gives the estimate and the limit, and leave no results. The
// first exceeds any machine's memory; the long run fits in memory (its
// samples stream to disk) but would take hours; the 1 ns interval would
// write terabytes.
func TestRunRefusesWhatCannotFit(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"10000 flows", []string{"--set", "flows[0].count=10000", "--pcap"},
			[]string{"10000 flows × 8.38 MiB of socket buffers = 81.9 GiB", "more than this machine's", "MemAvailable", "tcp.rcv_buffer/tcp.snd_buffer"}},
		{"1000000s", []string{"--set", "duration=1000000s"},
			[]string{"duration 1000000s at 100Mbit/s = 1.28e10 segments, about 3h35m of wall time", "more than the 1h a run may take", "MiB of memory", "--budget-time=6h"}},
		{"1ns", []string{"--set", "sample_interval=1ns", "--set", "throughput_window=1us"},
			[]string{"sample_interval 1ns over duration 30s = 3e10 samples", "TiB", "raise sample_interval to at least"}},
	}
	if l := runner.MachineLimits(t.TempDir(), runner.BudgetOptions{}); l.Memory > 150<<30 {
		// A machine that fits 162 GiB would start the run: hold it
		// against the laptop as well.
		cases[0].args = append(cases[0].args, "--budget-memory=7.6GiB")
		cases[0].want[2] = "--budget-memory"
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			start := time.Now()
			code, stdout, stderr := runCLI(t, append([]string{"run", experimentFile, "--out", out}, c.args...)...)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("refusing took %v", took)
			}
			if code == 0 {
				t.Fatalf("exit code 0; stdout %q", stdout)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "ccbench: budget: ") {
				t.Fatalf("stderr is not one budget line:\n%s", stderr)
			}
			for _, w := range append(c.want, "--no-budget") {
				if !strings.Contains(lines[0], w) {
					t.Errorf("%q does not contain %q", lines[0], w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused run created %s", out)
			}
		})
	}
}

// TestRunBudgetOverride: --budget-memory can also lower the limit below a
// run that fits, --no-budget lets it through again, and a bad size is one
// line naming the flag.
func TestRunBudgetOverride(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, "run", experimentFile, "--out", out, "--set", "duration=1s", "--budget-memory=1MiB")
	if code == 0 || !strings.Contains(stderr, "1.00 MiB (--budget-memory)") {
		t.Fatalf("1 MiB: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "run", experimentFile, "--out", out, "--set", "duration=1s", "--budget-memory=1MiB", "--no-budget", "--progress")
	if code != 0 || !strings.Contains(stdout, "results: ") {
		t.Fatalf("--no-budget: exit %d, %q %q", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("a one-second run printed progress: %q", stderr)
	}
	code, _, stderr = runCLI(t, "run", experimentFile, "--out", out, "--budget-memory=lots")
	if code == 0 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--budget-memory") {
		t.Fatalf("bad size: exit %d, %q", code, stderr)
	}
}
