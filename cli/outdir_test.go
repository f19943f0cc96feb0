package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccbench/ccbench/report"
)

// tinyRun is a run of a few milliseconds of CPU: 1 s of one flow.
const tinyRun = `
name = "same"
duration = "1s"
sample_interval = "100ms"
[link]
rate = "5Mbit/s"
delay = "5ms"
[[flows]]
cc = "reno"
`

// longRun keeps a process busy simulating for a second or more of wall
// time (2 s of a 2 Gbit/s link), long enough to be signalled mid-run.
const longRun = `
name = "same"
duration = "2s"
sample_interval = "100ms"
[link]
rate = "2Gbit/s"
delay = "5ms"
[[flows]]
cc = "cubic"
count = 2
`

func writeExperiment(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "same.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// leftovers lists the hidden entries (temporary folders, old folders, lock
// files) in dir.
func leftovers(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var hidden []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			hidden = append(hidden, e.Name())
		}
	}
	return hidden
}

// checkComplete fails unless dir holds a whole run.
func checkComplete(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"summary.json", "link.csv", "flow0.csv", "config.toml", "fingerprint.json", "throughput.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %s missing or empty (%v)", dir, f, err)
		}
	}
	if _, err := report.ReadSummary(filepath.Join(dir, "summary.json")); err != nil {
		t.Error(err)
	}
}

// parallelRounds is how many rounds TestParallelRunsIntoOneFolder runs:
// CCBENCH_PARALLEL_ROUNDS, or 10 by default so that CI on a loaded
// machine stays within seconds; `make race-output` runs the 50.
func parallelRounds(t *testing.T) int {
	if s := os.Getenv("CCBENCH_PARALLEL_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CCBENCH_PARALLEL_ROUNDS=%q: want a number of rounds", s)
		}
		return n
	}
	return 10
}

// TestParallelRunsIntoOneFolder starts 6 runs with the same --run at once,
// round after round. Each must either succeed or fail with the one-line
// lock error, which is returned before simulating; no run may fail
// otherwise (before the lock, 12 of 90 failed after simulating with
// "unlinkat: directory not empty"). After every round the folder holds one
// complete run and nothing hidden is left beside it.
func TestParallelRunsIntoOneFolder(t *testing.T) {
	file := writeExperiment(t, tinyRun)
	out := t.TempDir()
	dir := filepath.Join(out, "same", "same")
	rounds := parallelRounds(t)
	succeeded, busy := 0, 0
	for round := range rounds {
		type outcome struct {
			code   int
			stderr string
		}
		var wg sync.WaitGroup
		results := make([]outcome, 6)
		start := make(chan struct{})
		for i := range results {
			wg.Go(func() {
				<-start
				// Staggered a little, so that some runs start while another
				// swaps its folder in, or just after, and succeed too.
				time.Sleep(time.Duration(i*(round%3)) * 100 * time.Millisecond)
				code, _, stderr := runCLI(t, "run", file, "--out", out, "--run", "same")
				results[i] = outcome{code, stderr}
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, r := range results {
			switch {
			case r.code == 0:
				ok++
			case strings.Contains(r.stderr, "another ccbench run is writing it") && strings.Count(r.stderr, "\n") == 1:
				busy++
			default:
				t.Errorf("round %d: exit %d: %s", round, r.code, r.stderr)
			}
		}
		if ok == 0 {
			t.Errorf("round %d: no run succeeded", round)
		}
		succeeded += ok
		checkComplete(t, dir)
		if h := leftovers(filepath.Dir(dir)); len(h) > 0 {
			t.Errorf("round %d: left %v", round, h)
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d rounds of 6: %d runs succeeded, %d refused before simulating", rounds, succeeded, busy)
}

// TestHelperCLI is not a test: it is the ccbench command, run in a
// subprocess by the tests below so that they can signal it.
func TestHelperCLI(t *testing.T) {
	if os.Getenv("CCBENCH_HELPER_CLI") != "1" {
		t.Skip("runs only as the subprocess of another test")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Run(args, os.Stdout, os.Stderr))
}

// lockedBuffer is a subprocess's stderr, readable while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startCLI starts the ccbench command (this test binary, as TestHelperCLI)
// in a subprocess.
func startCLI(t *testing.T, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperCLI$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "CCBENCH_HELPER_CLI=1")
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, stderr
}

// waitForTemp waits until a temporary folder appears in dir, which means
// the run holds its lock and is simulating.
func waitForTemp(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, h := range leftovers(dir) {
			if strings.Contains(h, ".tmp-") {
				return h
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no temporary folder appeared in %s", dir)
	return ""
}

// TestSignalledRunsLeaveNoTemporaryFolders signals a run of the built
// command mid-run: SIGINT and SIGTERM make it remove its temporary folder
// before exiting with 130 or 143; SIGKILL leaves it, and the next run into
// the same place, or ccbench cleanup, removes it. The finished run that
// was in the folder before survives all of them.
func TestSignalledRunsLeaveNoTemporaryFolders(t *testing.T) {
	long := writeExperiment(t, longRun)
	tiny := writeExperiment(t, tinyRun)
	out := t.TempDir()
	exp := filepath.Join(out, "same")
	dir := filepath.Join(exp, "k")
	if code, _, stderr := runCLI(t, "run", tiny, "--out", out, "--run", "k"); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		sig     syscall.Signal
		code    int
		cleanBy string // what removes a SIGKILL's leftovers: "run" or "cleanup"
	}{
		{syscall.SIGINT, 130, ""},
		{syscall.SIGTERM, 143, ""},
		{syscall.SIGKILL, -1, "run"},
		{syscall.SIGKILL, -1, "cleanup"},
	} {
		name := c.sig.String() + c.cleanBy
		cmd, stderr := startCLI(t, "run", long, "--out", out, "--run", "k")
		waitForTemp(t, exp)
		time.Sleep(50 * time.Millisecond)
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("%s: the run finished before the signal (%v); make longRun longer", name, err)
		}
		checkComplete(t, dir)
		h := leftovers(exp)
		if c.sig != syscall.SIGKILL {
			if exit.ExitCode() != c.code || !strings.Contains(stderr.String(), "unfinished results removed") {
				t.Errorf("%s: exit %d, stderr %q; want %d and a line saying so", name, exit.ExitCode(), stderr, c.code)
			}
			if len(h) > 0 {
				t.Errorf("%s: left %v", name, h)
			}
			continue
		}
		if len(h) == 0 {
			t.Fatalf("%s: nothing left to clean; the test shows nothing", name)
		}
		if c.cleanBy == "run" {
			if code, _, stderr := runCLI(t, "run", tiny, "--out", out, "--run", "k"); code != 0 {
				t.Fatalf("%s: the next run: %s", name, stderr)
			}
		} else {
			code, stdout, stderr := runCLI(t, "cleanup", "--out", out)
			if code != 0 || !strings.Contains(stdout, ".k.tmp-") {
				t.Fatalf("%s: cleanup: exit %d, %s%s", name, code, stdout, stderr)
			}
		}
		if h := leftovers(exp); len(h) > 0 {
			t.Errorf("%s: after the %s, left %v", name, c.cleanBy, h)
		}
		checkComplete(t, dir)
	}
}

// TestCleanupLeavesLiveRunsAlone runs ccbench cleanup while a run is
// going: the run's temporary folder and lock are its own, and stay.
func TestCleanupLeavesLiveRunsAlone(t *testing.T) {
	long := writeExperiment(t, longRun)
	out := t.TempDir()
	exp := filepath.Join(out, "same")
	cmd, stderr := startCLI(t, "run", long, "--out", out, "--run", "live")
	defer cmd.Process.Kill()
	tmp := waitForTemp(t, exp)
	code, stdout, errs := runCLI(t, "cleanup", "--out", out)
	if code != 0 || strings.Contains(stdout, ".live.") {
		t.Errorf("cleanup during a run: exit %d, %s%s", code, stdout, errs)
	}
	// The run may have finished meanwhile; if not, its folder is there.
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the run failed: %v: %s", err, stderr)
	}
	checkComplete(t, filepath.Join(exp, "live"))
	if h := leftovers(exp); len(h) > 0 {
		t.Errorf("left %v (temporary folder was %s)", h, tmp)
	}
}

// tinySweep is 2 points of tinyRun.
const tinySweep = tinyRun + `
[sweep]
"flows[0].cc" = ["reno", "cubic"]
`

// TestResumeSaysWhatItReran is the case: a sweep resumed with
// other settings reruns every point and says why, instead of "0 run, 2
// already done".
func TestResumeSaysWhatItReran(t *testing.T) {
	file := writeExperiment(t, tinySweep)
	out := t.TempDir()
	if code, stdout, stderr := runCLI(t, "run", file, "--out", out); code != 0 || !strings.Contains(stdout, "2 points, 2 run") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr := runCLI(t, "run", file, "--out", out, "--resume", "--set", "link.rate=10Mbit/s")
	if want := "sweep same: 2 points, 2 rerun: 2 settings changed; 0 reused"; code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("exit %d: %s%s; want %q", code, stdout, stderr, want)
	}
	code, stdout, _ = runCLI(t, "run", file, "--out", out, "--resume", "--set", "link.rate=10Mbit/s")
	if want := "2 points, 2 reused"; code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("exit %d: %s; want %q", code, stdout, want)
	}
}

// TestSweepSecondSignalLeavesNoTemporaryFolders interrupts a sweep twice
// while its points run: it ends at once (exit 130) and removes the
// running points' temporary folders and its locks.
func TestSweepSecondSignalLeavesNoTemporaryFolders(t *testing.T) {
	file := writeExperiment(t, longRun+"\n[sweep]\n\"flows[0].cc\" = [\"reno\", \"cubic\"]\n")
	out := t.TempDir()
	exp := filepath.Join(out, "same")
	cmd, stderr := startCLI(t, "run", file, "--out", out, "--jobs", "2")
	waitForTemp(t, exp)
	cmd.Process.Signal(syscall.SIGINT)
	// Two signals sent before the process takes the first are one to the
	// kernel: the second goes once the first is acknowledged.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "again to stop at once"); {
		if time.Now().After(deadline) {
			t.Fatalf("the first SIGINT was not acknowledged: %q", stderr)
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("%v, stderr %q; want exit 130", err, stderr)
	}
	for _, dir := range []string{out, exp} {
		if h := leftovers(dir); len(h) > 0 {
			t.Errorf("%s: left %v", dir, h)
		}
	}
}
