package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/experiment"
)

// TestSweepChecksFilesBeforeFirstPoint: a sweep whose 3rd point names a
// missing trace, or a malformed one, or whose 2nd names a missing size
// CDF, fails before any point runs, in one line naming the point, its
// place, the setting and the file, and writes nothing.
func TestSweepChecksFilesBeforeFirstPoint(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"a.trace": "0\n1\n", "b.trace": "0\n2\n", "bad.trace": "0\n5\nx\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const traces = "name = \"s\"\nduration = \"1s\"\n[link]\ndelay = \"5ms\"\nbuffer = \"50KB\"\n[sweep]\n\"link.trace\" = [\"a.trace\", \"b.trace\", \"%s\"]\n"
	const cdf = "name = \"s\"\nduration = \"1s\"\n[[flows]]\narrivals = \"poisson\"\nload = 0.5\nsize_distribution = \"empirical\"\nsize_cdf = %[1]q\n[sweep]\n\"flows[0].size_cdf\" = [%[1]q, \"missing.csv\"]\n"
	web, err := filepath.Abs("../experiments/workloads/websearch.csv")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		doc, want string
	}{
		{sprintf(traces, "missing.trace"), "run link.trace=missing.trace,rep=0 (point 3 of 3): link.trace: open " +
			filepath.Join(dir, "missing.trace") + ": no such file or directory; no point was run"},
		{sprintf(traces, "bad.trace"), "run link.trace=bad.trace,rep=0 (point 3 of 3): link.trace: " +
			filepath.Join(dir, "bad.trace") + `: netem: trace line 3: "x" is not a timestamp: want a whole number of milliseconds, 0 or more; no point was run`},
		{sprintf(cdf, web), "run size_cdf=missing.csv,rep=0 (point 2 of 2): flows[0].size_cdf: open " +
			filepath.Join(dir, "missing.csv") + ": no such file or directory; no point was run"},
	}
	for _, tc := range cases {
		sw, err := experiment.LoadSweepBytes(filepath.Join(dir, "s.toml"), []byte(tc.doc), nil)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		_, err = Run(context.Background(), sw, Options{Out: out, Jobs: 1, NoPlots: true})
		if err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a sweep refused for its files created %s", out)
		}
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
