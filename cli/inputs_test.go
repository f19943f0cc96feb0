package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/runner"
)

// TestRunRefusesBadInputsExactly pins, for each input a run refuses before
// it starts, the whole line it prints: an empty file, a key in the wrong
// case (file and --set), --jobs below 1, a duration or flow count that
// cannot fit, a sweep point naming a missing trace, a rate in "mbps". Each
// exits non-zero, prints that one line and leaves nothing in the folder
// the results would have gone under, hidden temporary folders included.
func TestRunRefusesBadInputsExactly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	empty := write("empty.toml", "")
	comments := write("comments.toml", "# nothing here yet\n\n")
	upper := write("upper.toml", "Duration = \"10s\"\n")
	write("a.trace", "0\n1\n")
	write("b.trace", "0\n2\n")
	sw := write("sweep.toml", "duration = \"1s\"\n[link]\ndelay = \"5ms\"\nbuffer = \"50KB\"\n[sweep]\n\"link.trace\" = [\"a.trace\", \"b.trace\", \"missing.trace\"]\n")
	const nothing = `: the file sets nothing (it is empty or holds only comments), so it would run every default; write the settings to run, e.g. duration = "30s", or start from experiments/bottleneck.toml`
	const jobs = ` is not allowed: must be a whole number from 1, the points a sweep runs at once (default: one per CPU)`
	const caseHint = `unknown key; keys are case-sensitive, as in TOML: did you mean `
	missing := "ccbench: run link.trace=missing.trace,rep=0 (point 3 of 3): link.trace: open " +
		filepath.Join(dir, "missing.trace") + ": no such file or directory; no point was run"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"empty", []string{empty}, "ccbench: " + empty + nothing},
		{"only comments", []string{comments, "--set", "duration=1s"}, "ccbench: " + comments + nothing},
		{"Duration", []string{upper}, "ccbench: " + upper + `: Duration: ` + caseHint + `"duration"?`},
		{"flows[0].CC", []string{experimentFile, "--set", "flows[0].CC=reno"}, `ccbench: --set flows[0].CC: ` + caseHint + `"flows[0].cc"?`},
		{"jobs 0", []string{experimentFile, "--jobs", "0"}, "ccbench: --jobs 0" + jobs},
		{"jobs -3", []string{sw, "--jobs", "-3"}, "ccbench: --jobs -3" + jobs},
		{"1000h", []string{experimentFile, "--set", "duration=1000h", "--budget-memory=8GiB"},
			"ccbench: budget: duration 3600000s at 100Mbit/s = 4.62e10 segments, about 13h of wall time at 1M segments per second, more than the 1h a run may take (without --budget-time); it needs 96.6 MiB of memory and writes 7.71 GiB; shorten duration, or pass --budget-time=20h or --no-budget"},
		{"100000 flows", []string{experimentFile, "--set", "flows[0].count=100000", "--budget-memory=8GiB"},
			"ccbench: budget: 100000 flows × 392 KiB of socket buffers = 37.4 GiB of the 57.4 GiB a run needs, more than this machine's 8.00 GiB (--budget-memory); lower flows[].count (or a workload's load) or tcp.rcv_buffer/tcp.snd_buffer, or pass --budget-memory=SIZE or --no-budget"},
		{"missing trace", []string{sw}, missing},
		{"missing trace, no budget", []string{sw, "--no-budget"}, missing},
		{"100mbps", []string{experimentFile, "--set", "link.rate=100mbps"},
			`ccbench: --set link.rate: "100mbps" is not allowed: ambiguous: tc reads "mbps" as megabytes per second (800Mbit/s), network datasheets as megabits per second (100Mbit/s); write "100MB/s" or "100Mbit/s"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			if c.name == "1000h" {
				// 7.71 GiB of results must fit for the line to be about
				// time; a smaller disk is refused for its space first.
				if l := runner.MachineLimits(parent, runner.BudgetOptions{}); l.Disk > 0 && l.Disk < 9<<30 {
					t.Skipf("%s has %.0f bytes free, under the 9 GiB that keep the 1000h refusal about time", parent, l.Disk)
				}
			}
			code, stdout, stderr := runCLI(t, append([]string{"run", "--out", filepath.Join(parent, "out")}, c.args...)...)
			if code == 0 || stdout != "" {
				t.Errorf("exit %d, stdout %q", code, stdout)
			}
			if stderr != c.want+"\n" {
				t.Errorf("stderr\n got %q\nwant %q", stderr, c.want+"\n")
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("a refused run left %v in %s", left, parent)
			}
		})
	}
}
