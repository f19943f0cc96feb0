package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exampleModule is the outside-algorithm example: its own module, which
// `go test ./...` from the repository's root does not enter, so this test
// builds and runs it.
const exampleModule = "../examples/outside-algorithm"

// The example module builds a ccbench of its own from cli.Main and an
// algorithm registered in its own package; that binary lists the algorithm,
// runs the example's sweep with it, and compares two of the sweep's runs.
// The example's own tests (exact windows through cctest) run too.
func TestOutsideAlgorithmExampleBuildsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example module (seconds with a warm build cache); skipped in -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH: cannot build the example module")
	}
	dir, err := filepath.Abs(exampleModule)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "ccbench")
	gocmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			hint := ""
			if strings.Contains(string(out), "go mod tidy") {
				// The example requires what the root requires: a change to
				// the root's go.mod must be carried into its own.
				hint = "\n(the root's requirements changed: run go mod tidy in examples/outside-algorithm and commit its go.mod and go.sum)"
			}
			t.Fatalf("go %s in %s: %v\n%s%s", strings.Join(args, " "), exampleModule, err, out, hint)
		}
	}
	gocmd("build", "-o", bin, ".")
	gocmd("test", "./...")

	ccbench := func(wantCode int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = t.TempDir()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("ccbench %s: %v", strings.Join(args, " "), err)
		}
		if code != wantCode {
			t.Fatalf("ccbench %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, out, stderr.String())
		}
		return string(out) + stderr.String()
	}

	list := ccbench(0, "list")
	if !regexp.MustCompile(`(?m)^aimd-example +TCP-friendly AIMD`).MatchString(list) {
		t.Errorf("ccbench list lacks aimd-example:\n%s", list)
	}
	if !regexp.MustCompile(`(?m)^reno +`).MatchString(list) {
		t.Errorf("ccbench list lacks the built-in reno beside it:\n%s", list)
	}

	out := t.TempDir()
	file := filepath.Join(dir, "experiments", "aimd-vs-reno.toml")
	sweep := ccbench(0, "run", file, "--out", out, "--no-plots", "--set", "duration=2s")
	if !strings.Contains(sweep, "sweep aimd-vs-reno: 3 points, 3 run") {
		t.Errorf("the sweep did not run its three points:\n%s", sweep)
	}
	runDir := func(buffer string) string {
		return filepath.Join(out, "aimd-vs-reno", "link.buffer="+buffer+",rep=0")
	}
	data, err := os.ReadFile(filepath.Join(runDir("1bdp"), "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Flows []struct {
			CC      string  `json:"cc"`
			Goodput float64 `json:"goodput_bps"`
		} `json:"flows"`
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.Flows) != 2 || summary.Flows[0].CC != "aimd-example" || summary.Flows[0].Goodput <= 0 || summary.Flows[1].CC != "reno" {
		t.Errorf("summary.json's flows: %+v, want aimd-example with goodput, then reno", summary.Flows)
	}

	// Runs of two buffer sizes pair only when the buffer is ignored.
	refused := ccbench(1, "compare", runDir("0.5bdp"), runDir("2bdp"))
	if !strings.Contains(refused, "FAIL run link.buffer=0.5bdp: no run in CURRENT has its config") {
		t.Errorf("compare without --ignore paired runs of different buffers:\n%s", refused)
	}
	table := ccbench(0, "compare", runDir("0.5bdp"), runDir("2bdp"), "--ignore", "link.buffer")
	for _, metric := range []string{"goodput[0]", "goodput[1]", "utilization"} {
		if !regexp.MustCompile(`(?m)^link\.buffer=0\.5bdp +` + regexp.QuoteMeta(metric) + ` `).MatchString(table) {
			t.Errorf("compare's table lacks %s:\n%s", metric, table)
		}
	}
}
