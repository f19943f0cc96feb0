package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const experimentFile = "../experiments/bottleneck.toml"

// runCLI runs the command and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestRunRejectsBadInputWithOneLine covers the three error classes a user
// meets first; each must exit non-zero with exactly one line naming the
// key, the value and what is allowed, and must write no results.
func TestRunRejectsBadInputWithOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "misspelled.toml")
	if err := os.WriteFile(bad, []byte("[link]\nrat = \"100Mbit/s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want []string // fragments the line must contain
	}{
		{"unknown algorithm", []string{"run", experimentFile, "--set", "flows[0].cc=renoo"},
			[]string{"flows[0].cc", `"renoo"`, "allowed: ", "reno"}},
		{"negative rate", []string{"run", experimentFile, "--set", "link.rate=-5Mbit/s"},
			[]string{"link.rate", `"-5Mbit/s"`, "must be a positive rate"}},
		{"misspelled key", []string{"run", bad},
			[]string{"link.rat", `did you mean "link.rate"`, "allowed keys in [link]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-"))
			code, stdout, stderr := runCLI(t, append(c.args, "--out", out)...)
			if code == 0 {
				t.Fatalf("exit code 0; stdout %q", stdout)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1:\n%s", len(lines), stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("error %q does not contain %q", lines[0], w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a rejected run created %s", out)
			}
		})
	}
}

func TestRunWritesResultsAndReportsSpeed(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", experimentFile, "--out", out, "--set", "duration=3s", "--run", "quick", "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	dir := filepath.Join(out, "bottleneck", "quick")
	for _, f := range []string{"config.toml", "flow0.csv", "link.csv", "summary.json",
		"throughput.png", "throughput.svg", "cwnd.png", "cwnd.svg", "rto.png", "rto.svg",
		"rtt.png", "rtt.svg", "queue.png", "queue.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
	for _, w := range []string{"results: " + dir, "x real time", "M segments/s", "payload verified"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
	summary, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	for _, k := range []string{`"sim_seconds"`, `"wall_seconds"`, `"sim_speed"`, `"segments_per_wall_second"`,
		`"utilization"`, `"goodput_bps"`, `"retransmits"`, `"rtt_p50_ms"`, `"rtt_p95_ms"`, `"cc": "reno"`} {
		if !bytes.Contains(summary, []byte(k)) {
			t.Errorf("summary.json lacks %s", k)
		}
	}
}

// TestRunPrintsWarnings: a run the receive window held back says so after
// its figures, in the words summary.json records, and a run the network
// held says nothing.
func TestRunPrintsWarnings(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", experimentFile, "--out", out, "--no-plots", "--set", "duration=2s", "--set", "link.rate=1Gbit/s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "warning: flows[0]: limited by the receive window 81% of its active time (tcp.rcv_buffer = 4MiB holds 33.6 ms at 1 Gbit/s, under the path's 40 ms RTT plus queue): the window, not the network, set its goodput; raise tcp.rcv_buffer\n"
	if !strings.Contains(stdout, want) || strings.Count(stdout, "warning:") != 1 {
		t.Fatalf("output lacks the one warning %q:\n%s", want, stdout)
	}
	code, stdout, stderr = runCLI(t, "run", experimentFile, "--out", out, "--no-plots", "--set", "duration=2s")
	if code != 0 || strings.Contains(stdout, "warning:") {
		t.Fatalf("exit %d, %s: the shipped bottleneck warns:\n%s", code, stderr, stdout)
	}
}

func TestList(t *testing.T) {
	code, stdout, _ := runCLI(t, "list")
	if code != 0 || !strings.Contains(stdout, "reno ") || !strings.Contains(stdout, "RFC 5681") {
		t.Fatalf("list: exit %d, %q", code, stdout)
	}
}
