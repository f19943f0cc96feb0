package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

func readVerifiedSummary(t *testing.T, dir string) metrics.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("results not kept: %v", err)
	}
	var s metrics.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// 5 MB cannot cross 2 Mbit/s in 2 s: --verify must fail, naming the flow
// and its byte counts on one line, and keep the results it wrote.
func TestVerifyFailsWhenASizedFlowDoesNotComplete(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", experimentFile, "--out", out, "--run", "slow", "--verify",
		"--set", "duration=2s", "--set", "link.rate=2Mbit/s", "--set", "flows[0].size=5MB")
	if code == 0 {
		t.Fatalf("exit 0 for a 5 MB flow over 2 Mbit/s in 2 s:\n%s", stdout)
	}
	dir := filepath.Join(out, "bottleneck", "slow")
	s := readVerifiedSummary(t, dir)
	v := s.Flows[0].Verify
	if v == nil || v.Complete || v.SizeBytes != 5000000 || v.DeliveredBytes <= 0 || v.DeliveredBytes >= 5000000 ||
		v.VerifiedBytes != v.DeliveredBytes || v.WrittenBytes < v.DeliveredBytes {
		t.Fatalf("summary's verify = %+v, want 5000000 B sized, part of it delivered and verified, not complete", v)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	want := "ccbench: verify: flow 0 (reno, size 5000000 B) wrote " + strconv.FormatInt(v.WrittenBytes, 10) + " B, delivered " +
		strconv.FormatInt(v.DeliveredBytes, 10) + " B, verified " + strconv.FormatInt(v.VerifiedBytes, 10) + " B: did not complete"
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], dir) {
		t.Fatalf("stderr:\n%s\nwant one line starting %q and naming %s", stderr, want, dir)
	}
	if strings.Contains(stdout, "payload verified") || !strings.Contains(stdout, "did not complete") {
		t.Fatalf("stdout claims or omits the verdict:\n%s", stdout)
	}
}

// A sized flow that finishes passes, and says it completed; a bulk flow
// passes for what it delivered without a claim of completion.
func TestVerifyPassesACompletedRun(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", experimentFile, "--out", out, "--run", "done", "--verify",
		"--set", "duration=2s", "--set", "flows[0].size=1MB")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"verify: flow 0 (reno, size 1000000 B) wrote 1000000 B, delivered 1000000 B, verified 1000000 B, SHA-256 of all of it matches: complete",
		"payload verified: every byte delivered equals the byte written at its offset; 1 of 1 sized flows complete"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	if v := readVerifiedSummary(t, filepath.Join(out, "bottleneck", "done")).Flows[0].Verify; v == nil || !v.Complete {
		t.Errorf("summary's verify = %+v, want complete", v)
	}

	code, stdout, stderr = runCLI(t, "run", experimentFile, "--out", out, "--run", "bulk", "--verify", "--set", "duration=1s")
	if code != 0 {
		t.Fatalf("bulk: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "(reno, bulk)") || !strings.Contains(stdout, "no completion is claimed") ||
		strings.Contains(stdout, "complete:") || strings.Contains(stdout, "sized flows complete") {
		t.Errorf("bulk flow's verification:\n%s", stdout)
	}
	if v := readVerifiedSummary(t, filepath.Join(out, "bottleneck", "bulk")).Flows[0].Verify; v == nil || v.Complete || v.SizeBytes != 0 || v.VerifiedBytes != v.DeliveredBytes || v.DeliveredBytes == 0 {
		t.Errorf("bulk summary's verify = %+v", v)
	}
}

// TestSweepVerifyFailsWhenAPointsSizedFlowDoesNotComplete: in a sweep, a
// point whose sized flow did not complete makes the command exit non-zero
// with one line naming the point and the flow, after every point and the
// index are written; the point whose flow completed is not named.
func TestSweepVerifyFailsWhenAPointsSizedFlowDoesNotComplete(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "sized.toml")
	body := `name = "sized"
duration = "2s"
[link]
rate = "100Mbit/s"
delay = "20ms"
buffer = "1bdp"
[reverse]
rate = "unlimited"
delay = "20ms"
[[flows]]
cc = "reno"
size = "5MB"
[sweep]
"link.rate" = ["2Mbit/s", "100Mbit/s"]
`
	if err := os.WriteFile(exp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "run", exp, "--out", out, "--verify", "--no-plots")
	if code == 0 {
		t.Fatalf("exit 0 for a sweep with a 5 MB flow over 2 Mbit/s in 2 s:\n%s", stdout)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "verify: run link.rate=2Mbit_s,rep=0: flow 0 (reno): did not complete") ||
		!strings.Contains(lines[0], "verify failed for 1 flow in the sweep's 2 points") {
		t.Fatalf("stderr:\n%s\nwant one line naming the 2 Mbit/s point's flow, then the count", stderr)
	}
	if strings.Contains(stderr, "100Mbit_s") {
		t.Errorf("the point whose flow completed is named:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "sized", "index.json")); err != nil {
		t.Errorf("the index was not written: %v", err)
	}
}
