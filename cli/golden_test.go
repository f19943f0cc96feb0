package cli

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// goldenFile holds one line per result file of every shipped simulator
// experiment: "experiment/relative/path sha256". Regenerate it only for a
// change of behaviour that is intended and named in the commit, with
//
//	CCBENCH_UPDATE_GOLDEN=1 go test ./cli -run TestShippedExperimentsMatchGolden
const goldenFile = "testdata/golden.txt"

// goldenExperiments are the shipped experiment files the simulator runs
// (the tun ones need root and real time, and give no repeatable bytes).
var goldenExperiments = []string{
	"bottleneck", "mixed", "sweep-buffers", "websearch",
	"lifecycle/closewait", "lifecycle/fastopen", "lifecycle/synflood", "lifecycle/timewait",
	// Networks (issue 16), recorded when they were added: every scenario
	// file but the two incast sweeps, whose 16 points add little the
	// scenario tests do not hold.
	"scenarios/rtt-unfairness", "scenarios/parking-lot", "scenarios/reverse-path", "scenarios/cellular",
}

// wallClockKeys are the summary and index fields measured on the wall
// clock, the only part of a simulator's results that differs between two
// runs of the same build, and that speed work is meant to change; and
// the build's own identity.
var wallClockKeys = map[string]bool{
	"wall_seconds": true, "sim_speed": true, "segments_per_wall_second": true,
	"sim_wall_seconds": true, "total_wall_seconds": true, "plot_wall_seconds": true,
	// A run's fingerprint names the build that made it (its commit, or the
	// executable's hash when there is none), so it changes with any code.
	"fingerprint": true,
	// A summary's and an index's provenance names the build, machine,
	// start time and command line: all of it changes with every commit,
	// machine and minute.
	"provenance": true,
}

// TestShippedExperimentsMatchGolden runs every shipped simulator experiment
// and checks each result file (CSVs, summaries and indexes without their
// wall-clock fields, resolved configs) against the hashes recorded from the
// build before the speed and memory work of issue 15 (the network
// scenarios' from the build that added them). It is what holds
// "faster, and the same bytes".
func TestShippedExperimentsMatchGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every shipped experiment (about a minute and a half); skipped in -short")
	}
	got := map[string]string{}
	// config.toml records a trace or size-CDF file by the path the run's
	// working directory reaches it by, and the hashes were taken two
	// folders below the root (the CLI's old home, cmd/ccbench): the runs
	// start from testdata, also two below, so the paths stay the same.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir("testdata"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	for _, name := range goldenExperiments {
		out := t.TempDir()
		code, _, stderr := runCLI(t, "run", "../../experiments/"+name+".toml", "--out", out, "--no-budget")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		if err := hashResults(out, name, got); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CCBENCH_UPDATE_GOLDEN") != "" {
		writeGolden(t, got)
		return
	}
	want := readGolden(t)
	var diffs []string
	for k, h := range want {
		switch g, ok := got[k]; {
		case !ok:
			diffs = append(diffs, "missing: "+k)
		case g != h:
			diffs = append(diffs, "changed: "+k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "new: "+k)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		if len(diffs) > 20 {
			diffs = append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
		}
		t.Fatalf("%d result files differ from %s:\n%s", len(diffs), goldenFile, strings.Join(diffs, "\n"))
	}
	t.Logf("%d result files of %d experiments match", len(got), len(goldenExperiments))
}

// hashResults hashes every comparable result file under root into got,
// keyed by experiment name and path relative to root.
func hashResults(root, name string, got map[string]string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := d.Name()
		ext := filepath.Ext(base)
		if ext != ".csv" && ext != ".json" && ext != ".toml" || base == "fingerprint.json" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if ext == ".json" {
			if b, err = withoutWallClock(b); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
		}
		rel, _ := filepath.Rel(root, path)
		sum := sha256.Sum256(b)
		got[name+"/"+filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
}

// withoutWallClock re-encodes a JSON document without its wall-clock
// fields, with sorted keys, so that only simulated results are compared.
func withoutWallClock(b []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(stripWall(v))
}

func stripWall(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if wallClockKeys[k] {
				delete(x, k)
				continue
			}
			x[k] = stripWall(e)
		}
	case []any:
		for i, e := range x {
			x[i] = stripWall(e)
		}
	}
	return v
}

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (create it with CCBENCH_UPDATE_GOLDEN=1)", err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("%s: malformed line %q", goldenFile, line)
		}
		want[line[:i]] = line[i+1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}

func writeGolden(t *testing.T, got map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString("# sha256 of every result file of the shipped simulator experiments;\n")
	sb.WriteString("# see golden_test.go for what is compared and how to regenerate.\n")
	for _, k := range keys {
		sb.WriteString(k + " " + got[k] + "\n")
	}
	if err := os.WriteFile(goldenFile, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d hashes to %s", len(keys), goldenFile)
}
