package sweep

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestShardsCoverEveryPointOnce(t *testing.T) {
	const points = 13
	for n := 1; n <= 5; n++ {
		seen := make([]int, points)
		for i := range n {
			s, err := ParseShard(strconv.Itoa(i) + "/" + strconv.Itoa(n))
			if err != nil {
				t.Fatal(err)
			}
			for k := range points {
				if s.Has(k) {
					seen[k]++
				}
			}
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("N=%d: point %d is in %d shards, want 1", n, k, c)
			}
		}
	}
	if !(Shard{}).Has(7) || (Shard{}).Sharded() {
		t.Error("the zero Shard must be the whole sweep")
	}
}

func TestParseShardRejectsWithFlagName(t *testing.T) {
	for _, s := range []string{"", "1", "3/3", "-1/2", "0/0", "a/2", "1/b", "1/2/3", "0/-1"} {
		_, err := ParseShard(s)
		if err == nil || !strings.HasPrefix(err.Error(), "--shard: ") || !strings.Contains(err.Error(), "0 <= i < N") {
			t.Errorf("ParseShard(%q) = %v; want an error naming --shard and what is allowed", s, err)
		}
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{Index: 2, Count: 5}) || s.String() != "2/5" {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}

// TestMergedShardsEqualUnshardedRun runs the small sweep whole into one
// folder and as 3 shards into 3 others, merges the shards, and expects the
// same summaries and the same index page (wall clock and provenance
// aside).
func TestMergedShardsEqualUnshardedRun(t *testing.T) {
	sw := loadSmallSweep(t)
	whole := t.TempDir()
	if _, err := Run(context.Background(), sw, Options{Out: whole, Jobs: 4}); err != nil {
		t.Fatal(err)
	}
	const n = 3
	var dirs []string
	for i := range n {
		dir := t.TempDir()
		res, err := Run(context.Background(), sw, Options{Out: dir, Jobs: 4, Shard: Shard{Index: i, Count: n}})
		if err != nil {
			t.Fatal(err)
		}
		if want := (len(sw.Points) - i + n - 1) / n; res.Ran != want || res.Index != "" {
			t.Errorf("shard %d/%d: ran %d points, index %q; want %d points, no index", i, n, res.Ran, res.Index, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "small", "index.html")); err == nil {
			t.Errorf("shard %d/%d wrote an index page", i, n)
		}
		dirs = append(dirs, dir)
	}

	partial := t.TempDir()
	if _, err := Merge(partial, dirs[:2]); err == nil || !strings.Contains(err.Error(), "run shard 2/3 again") {
		t.Errorf("merging 2 of 3 shards: %v; want the missing point and its shard named", err)
	}

	out := t.TempDir()
	results, err := Merge(out, dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Points != 8 || results[0].Copied != 8 {
		t.Fatalf("merge: %+v", results)
	}
	for _, p := range sw.Points {
		a, err := comparableSummary(filepath.Join(whole, "small", p.Run))
		if err != nil {
			t.Fatal(err)
		}
		b, err := comparableSummary(filepath.Join(out, "small", p.Run))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: merged summary differs from the unsharded one", p.Run)
		}
	}
	for _, f := range []string{"index.html", "sweep-goodput.svg", "sweep-scatter-1.svg", "sweep-scatter-2.svg"} {
		a, erra := os.ReadFile(filepath.Join(whole, "small", f))
		b, errb := os.ReadFile(filepath.Join(out, "small", f))
		if erra != nil || errb != nil || !bytes.Equal(withoutProvenance(t, f, a), withoutProvenance(t, f, b)) {
			t.Errorf("%s differs between merged and unsharded runs (%v, %v)", f, erra, errb)
		}
	}

	// Merging again into the same tree copies nothing; a point whose
	// summary disagrees is refused.
	if again, err := Merge(out, append([]string{out}, dirs...)); err != nil || again[0].Copied != 0 {
		t.Errorf("merging again: %+v, %v; want nothing copied", again, err)
	}
	victim := filepath.Join(dirs[0], "small", sw.Points[0].Run, "summary.json")
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	altered := bytes.Replace(data, []byte(`"seed": 1`), []byte(`"seed": 99`), 1)
	if bytes.Equal(altered, data) {
		t.Fatal("summary.json has no \"seed\": 1 to alter")
	}
	if err := os.WriteFile(victim, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(out, dirs); err == nil || !strings.Contains(err.Error(), "different summaries") {
		t.Errorf("merging a changed point: %v; want it refused", err)
	}
}
