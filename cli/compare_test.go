package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
)

// weakReno is Reno that sees half of every ACK's newly acknowledged
// bytes, so its window grows half as fast in slow start and in congestion
// avoidance: a deliberate regression for compare to catch.
type weakReno struct{ cc.CongestionControl }

func (weakReno) Name() string { return "reno-weak" }

func (w weakReno) OnAck(a *cc.Ack) {
	half := *a
	half.Acked /= 2
	w.CongestionControl.OnAck(&half)
}

func init() {
	cc.MustRegister("reno-weak", func() cc.CongestionControl {
		r, _ := cc.New("reno")
		return weakReno{r}
	})
}

// runShort runs the bottleneck experiment for 3 s into out under label.
func runShort(t *testing.T, out, label string, sets ...string) string {
	t.Helper()
	args := []string{"run", experimentFile, "--out", out, "--run", label, "--set", "duration=3s"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	return filepath.Join(out, "bottleneck", label)
}

func TestCompareSameCodePasses(t *testing.T) {
	a := runShort(t, t.TempDir(), "seed-1")
	b := runShort(t, t.TempDir(), "seed-1")
	code, stdout, stderr := runCLI(t, "compare", a, b, "--max", "goodput=-3%", "--max", "rtt_p95=+10%")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, m := range []string{"goodput[0]", "rtt_p95", "utilization", "retransmits"} {
		if !strings.Contains(stdout, m) || strings.Contains(stdout, "FAIL") {
			t.Fatalf("table lacks %s or fails:\n%s", m, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "compare", a, b, "--format", "bench")
	line := regexp.MustCompile(`(?m)^BenchmarkCCBench/bottleneck/goodput_g0 1 [0-9.e+]+ bit/s$`)
	if code != 0 || len(line.FindAllString(stdout, -1)) != 2 || !strings.Contains(stdout, "source: current\n") {
		t.Fatalf("bench output:\n%s", stdout)
	}
}

func TestCompareCatchesWeakenedAlgorithm(t *testing.T) {
	out := t.TempDir()
	base := runShort(t, filepath.Join(out, "base"), "x", "link.buffer=0.25bdp")
	cur := runShort(t, filepath.Join(out, "cur"), "x", "link.buffer=0.25bdp", "flows[0].cc=reno-weak")
	limits := []string{"--max", "goodput=-3%", "--max", "rtt_p95=+10%"}

	code, _, stderr := runCLI(t, append([]string{"compare", base, cur}, limits...)...)
	if code == 0 || !strings.Contains(stderr, "run x: no run in CURRENT") {
		t.Fatalf("cc must be part of the pairing key: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, append([]string{"compare", base, cur, "--ignore", "cc"}, limits...)...)
	if code == 0 || !strings.Contains(stderr, "run x: goodput[0] changed -") {
		t.Fatalf("weakened Reno passed: exit %d, %s\n%s", code, stderr, stdout)
	}
	t.Log(stdout)
}

func TestParseLimit(t *testing.T) {
	l, err := parseLimit("goodput=-3%")
	if err != nil || l.metric != "goodput" || l.change != -0.03 || !l.crossed(-0.031) || l.crossed(-0.029) {
		t.Fatalf("%+v %v", l, err)
	}
	l, err = parseLimit("link.utilization=+10%")
	if err != nil || l.metric != "utilization" || !l.crossed(0.11) || l.crossed(-0.5) {
		t.Fatalf("%+v %v", l, err)
	}
	for _, bad := range []string{"goodput=3%", "goodput", "speed=-1%", "rtt_p95=+x%"} {
		if _, err := parseLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// markInvalid copies the run folder src to dst and marks the copy's
// summary invalid for reasons, as a real-time run that went wrong is.
func markInvalid(t *testing.T, src, dst string, reasons ...string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dst, "summary.json")
	s, err := report.ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Validity = &metrics.Validity{Reasons: reasons}
	if err := report.WriteSummaryJSON(path, s); err != nil {
		t.Fatal(err)
	}
}

// compare refuses an invalid run with one line naming its folder and
// reasons and a closing line with the way past; --allow-invalid compares
// it and marks its rows, in the table and in the bench format.
func TestCompareRefusesInvalidRuns(t *testing.T) {
	out := t.TempDir()
	base := runShort(t, filepath.Join(out, "base"), "x")
	cur := filepath.Join(out, "cur", "x")
	markInvalid(t, base, cur, "release error p99 236 µs above the 100 µs limit", "34 datagrams lost outside the emulated link: TUN transmit queue")
	reasons := "release error p99 236 µs above the 100 µs limit; 34 datagrams lost outside the emulated link: TUN transmit queue"

	code, stdout, stderr := runCLI(t, "compare", base, cur)
	want := "ccbench: compare: invalid run " + cur + " (current): " + reasons + "\n" +
		"ccbench: compare: refusing 1 invalid run; --allow-invalid compares invalid runs anyway, marking their rows\n"
	if code == 0 || stderr != want || stdout != "" {
		t.Fatalf("exit %d, stderr:\n%s\nwant:\n%s\nstdout:\n%s", code, stderr, want, stdout)
	}
	// Both sides are checked: the invalid run as the baseline is refused
	// as well, and named as such.
	if code, _, stderr := runCLI(t, "compare", cur, base); code == 0 || !strings.Contains(stderr, "invalid run "+cur+" (baseline): ") {
		t.Fatalf("invalid baseline: exit %d, %s", code, stderr)
	}

	code, stdout, stderr = runCLI(t, "compare", base, cur, "--allow-invalid")
	if code != 0 || stderr != "" {
		t.Fatalf("--allow-invalid: exit %d, %s", code, stderr)
	}
	rows := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		if strings.HasPrefix(line, "x ") {
			rows++
			if !strings.HasSuffix(line, "  INVALID: current 1 of 1") {
				t.Errorf("row not marked: %q", line)
			}
		}
	}
	if rows != 5 || !strings.Contains(stdout, "\n--allow-invalid: invalid run "+cur+" (current): "+reasons+"\n") {
		t.Fatalf("--allow-invalid: %d rows, table:\n%s", rows, stdout)
	}

	code, stdout, stderr = runCLI(t, "compare", base, cur, "--allow-invalid", "--format", "bench")
	if code != 0 || strings.Contains(stdout, "invalid") || stderr != "ccbench: compare: --allow-invalid: invalid run "+cur+" (current): "+reasons+"\n" {
		t.Fatalf("bench: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}
