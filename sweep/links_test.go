package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// TestResumeAcceptsLinkFiles: the folder of a run over a network, with its
// link-<name>.csv files, is complete for --resume; with one of them
// missing, emptied, or named by the summary but not listed by the
// fingerprint, it is not.
func TestResumeAcceptsLinkFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"config.toml":    "name = \"n\"\n",
		"flow0.csv":      report.FlowCSVHeader,
		"link.csv":       report.LinkCSVHeader + "0.000000,0,0,0,0,0,0,0.000\n",
		"link-a-b.csv":   report.LinkCSVHeader + "0.000000,0,0,0,0,0,0,0.000\n",
		"link-b-c.csv":   report.LinkCSVHeader + "0.000000,1500,1,0,0,0,0,0.000\n",
		"link-extra.csv": report.LinkCSVHeader,
	}
	fp := &runner.Fingerprint{Files: map[string]int64{}}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		fp.Files[name] = int64(len(text))
	}
	s := metrics.Summary{Links: []metrics.NetworkLinkSummary{{Name: "a->b", CSV: "link-a-b.csv"}, {Name: "b->c", CSV: "link-b-c.csv"}, {Name: "wire"}}}
	if err := report.WriteSummaryJSON(filepath.Join(dir, "summary.json"), &s); err != nil {
		t.Fatal(err)
	}
	if !complete(dir, fp) {
		t.Fatal("a complete network run is incomplete")
	}
	unlisted := &runner.Fingerprint{Files: map[string]int64{}}
	for k, v := range fp.Files {
		if k != "link-b-c.csv" {
			unlisted.Files[k] = v
		}
	}
	if complete(dir, unlisted) {
		t.Error("complete with link-b-c.csv named by the summary but not listed")
	}
	path := filepath.Join(dir, "link-b-c.csv")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if complete(dir, fp) {
		t.Error("complete with link-b-c.csv emptied")
	}
	os.Remove(path)
	if complete(dir, fp) {
		t.Error("complete without link-b-c.csv")
	}
}

// A sweep whose points run on different networks says, in its index's
// network section, that the one shown is the first point's.
func TestNetworkTextSaysWhenPointsDiffer(t *testing.T) {
	base := "duration = \"1s\"\n[topology]\npreset = \"parking_lot\"\n[[flows]]\ncc = \"reno\"\n"
	for _, c := range []struct {
		sweep   string
		differs bool
	}{
		{"[sweep]\n\"flows[0].cc\" = [\"reno\", \"cubic\"]\n", false},
		{"[sweep]\n\"topology.hops\" = [2, 3]\n", true},
	} {
		sw, err := experiment.LoadSweepBytes("net.toml", []byte(base+c.sweep), nil)
		if err != nil {
			t.Fatal(err)
		}
		text, err := networkText(sw)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(text, "the points' networks differ"); got != c.differs || !strings.Contains(text, "r0 -> r1") {
			t.Errorf("%q: network text\n%s\nwant it to say the networks differ: %v", c.sweep, text, c.differs)
		}
	}
}
