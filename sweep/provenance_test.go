package sweep

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
)

// withoutProvenance is an index file without what says which build,
// machine, minute and command wrote it: index.json without its
// "provenance" object, index.html without its provenance line. Other
// files are returned as they are. Like the wall clock, provenance is left
// out wherever two runs are compared byte for byte.
func withoutProvenance(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	switch name {
	case report.IndexFile:
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := v["provenance"]; !ok {
			t.Fatalf("%s has no provenance", name)
		}
		delete(v, "provenance")
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case "index.html":
		lines := strings.Split(string(data), "\n")
		kept := slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, `<p class="provenance">`) })
		if len(kept) != len(lines)-1 {
			t.Fatalf("%s: %d provenance lines, want 1", name, len(lines)-len(kept))
		}
		return []byte(strings.Join(kept, "\n"))
	}
	return data
}

// checkProvenance fails unless p describes this process started between
// from and to: every field filled in, the commit explicit even when the
// test binary has none.
func checkProvenance(t *testing.T, what string, p *metrics.Provenance, from, to time.Time) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: no provenance", what)
	}
	for name, v := range map[string]string{"ccbench_version": p.Version, "commit": p.Commit, "build": p.Build,
		"go_version": p.GoVersion, "os_arch": p.OSArch, "cpu_model": p.CPUModel, "hostname": p.Hostname} {
		if v == "" {
			t.Errorf("%s: provenance %s is empty", what, name)
		}
	}
	start, err := time.Parse(time.RFC3339, p.StartTime)
	if err != nil || !strings.HasSuffix(p.StartTime, "Z") || start.Before(from.Truncate(time.Second)) || start.After(to) {
		t.Errorf("%s: start time %q, want UTC RFC 3339 between %s and %s (%v)", what, p.StartTime, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	if !slices.Equal(p.CommandLine, os.Args) {
		t.Errorf("%s: command line %q, want the process's %q", what, p.CommandLine, os.Args)
	}
}

// A sweep's index records the sweep's provenance, in index.json and in
// one line of index.html, and every point's summary its own run's; the
// merged index of a sharded sweep records the merge's.
func TestSweepAndMergeRecordProvenance(t *testing.T) {
	sw := loadSmallSweep(t)
	sw.Points = sw.Points[:2]
	out := t.TempDir()
	began := time.Now()
	if _, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, NoPlots: true}); err != nil {
		t.Fatal(err)
	}
	ended := time.Now()
	base := filepath.Join(out, "small")
	idx, err := report.ReadIndex(base)
	if err != nil {
		t.Fatal(err)
	}
	checkProvenance(t, "index.json", idx.Provenance, began, ended)
	page, err := os.ReadFile(filepath.Join(base, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<p class="provenance">Made by ` + idx.Provenance.Line() + "</p>\n"; !strings.Contains(string(page), want) {
		t.Errorf("index.html lacks the line\n%s", want)
	}
	for _, r := range idx.Runs {
		checkProvenance(t, r.Run+"/summary.json", r.Summary.Provenance, began, ended)
	}

	shard := t.TempDir()
	if _, err := Run(context.Background(), sw, Options{Out: shard, Jobs: 2, NoPlots: true, Shard: Shard{Index: 0, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	merged := t.TempDir()
	merging := time.Now()
	if _, err := Merge(merged, []string{shard}); err != nil {
		t.Fatal(err)
	}
	idx, err = report.ReadIndex(filepath.Join(merged, "small"))
	if err != nil {
		t.Fatal(err)
	}
	checkProvenance(t, "merged index.json", idx.Provenance, merging, time.Now())
}
