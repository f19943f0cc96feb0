// Sharding a sweep across machines, and merging the shards back.
//
// A sweep too large for one machine is cut into N shards: point k of the
// expansion belongs to shard k mod N. Dealing the points round-robin
// rather than in blocks spreads every swept value over all shards, so a
// grid whose cost grows along one axis (longer durations, deeper buffers)
// still gives shards of about equal work. Every shard expands the same
// file in the same order, so N independent processes agree on the cut
// without talking to each other.
//
// A shard writes its points' folders exactly as an unsharded run does,
// and in place of the index page (it has not seen the other points) a
// manifest, <experiment>/shard-<i>-of-<N>.json, listing the whole sweep.
// Merge reads the manifests of any number of result trees, checks that
// every point is there once (or several times with the same summary),
// copies the folders into one tree and writes the index page that an
// unsharded run would have written.

package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// Shard selects a deterministic slice of a sweep: the points whose
// expansion index k satisfies k mod Count == Index. The zero Shard is the
// whole sweep, run unsharded.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/N" as given to --shard: N shards, numbered from 0.
func ParseShard(s string) (Shard, error) {
	bad := func() (Shard, error) {
		return Shard{}, fmt.Errorf("--shard: %q is not allowed: must be i/N, shard i of N counted from 0, with N at least 1 and 0 <= i < N (e.g. 0/4 ... 3/4)", s)
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return bad()
	}
	i, erri := strconv.Atoi(is)
	n, errn := strconv.Atoi(ns)
	if erri != nil || errn != nil || n < 1 || n > maxShards || i < 0 || i >= n {
		return bad()
	}
	return Shard{Index: i, Count: n}, nil
}

// maxShards bounds N: more shards than a sweep can have points is a typo.
const maxShards = 100000

// Sharded reports whether s cuts the sweep, as opposed to the zero Shard.
func (s Shard) Sharded() bool { return s.Count > 0 }

// Has reports whether point k of the expansion belongs to s.
func (s Shard) Has(k int) bool { return !s.Sharded() || k%s.Count == s.Index }

// String is s as written to --shard.
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// manifestName is the file a shard leaves beside its point folders.
func (s Shard) manifestName() string {
	return "shard-" + strconv.Itoa(s.Index) + "-of-" + strconv.Itoa(s.Count) + ".json"
}

// manifest records a shard and the sweep it was cut from: enough for
// Merge to know which points to expect and to build the index page.
type manifest struct {
	Experiment string          `json:"experiment"`
	Keys       []string        `json:"keys"`
	Shard      int             `json:"shard"`
	Shards     int             `json:"shards"`
	Points     []manifestPoint `json:"points"`
	// Network is the sweep's network for the merged index page
	// (networkText); absent for the dumbbell.
	Network string `json:"network,omitempty"`
}

type manifestPoint struct {
	Run    string   `json:"run"`
	Values []string `json:"values"`
}

// writeManifest writes the manifest of shard s of sw into base.
func writeManifest(base string, sw *experiment.Sweep, s Shard) (string, error) {
	m := manifest{Experiment: sw.Name, Keys: sw.Keys, Shard: s.Index, Shards: s.Count}
	var err error
	if m.Network, err = networkText(sw); err != nil {
		return "", err
	}
	for _, p := range sw.Points {
		m.Points = append(m.Points, manifestPoint{Run: p.Run, Values: p.Values})
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(base, s.manifestName())
	return path, report.WriteFileAtomic(path, func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(&m)
	})
}

// sweep rebuilds the part of the sweep the index page needs.
func (m *manifest) sweep() *experiment.Sweep {
	sw := &experiment.Sweep{Name: m.Experiment, Keys: m.Keys}
	for _, p := range m.Points {
		sw.Points = append(sw.Points, experiment.Point{Run: p.Run, Values: p.Values})
	}
	return sw
}

// sameSweep reports whether two manifests were cut from the same sweep
// into the same number of shards.
func (m *manifest) sameSweep(o *manifest) bool {
	if m.Experiment != o.Experiment || m.Shards != o.Shards || !slices.Equal(m.Keys, o.Keys) || len(m.Points) != len(o.Points) {
		return false
	}
	for i := range m.Points {
		if m.Points[i].Run != o.Points[i].Run || !slices.Equal(m.Points[i].Values, o.Points[i].Values) {
			return false
		}
	}
	return true
}

// MergeResult says what Merge did, per experiment.
type MergeResult struct {
	// Experiment is the merged experiment's name.
	Experiment string
	// Points is how many points the merged sweep has.
	Points int
	// Copied counts point folders copied into the output tree; the rest
	// were already there.
	Copied int
	// Index is the path of the merged index page.
	Index string
}

// Merge joins the shards found under the result trees dirs (each holding
// <experiment>/shard-<i>-of-<N>.json and point folders) into out, one
// experiment folder per sweep, and writes each experiment's index page.
// A point found in several trees must have the same summary in all of
// them, wall clock aside; a point found in none is an error, naming the
// shard that should have run it. out may be one of dirs.
func Merge(out string, dirs []string) ([]MergeResult, error) {
	// The merged index records the merge's provenance; each point's
	// summary keeps that of the shard that ran it.
	provenance := runner.NewProvenance(time.Now())
	byExperiment := map[string]*manifest{}
	var names []string
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*", "shard-*-of-*.json"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("%s: no shard manifests (<experiment>/shard-<i>-of-<N>.json); is it the --out folder of ccbench run --shard?", dir)
		}
		for _, path := range paths {
			m, err := readManifest(path)
			if err != nil {
				return nil, err
			}
			first, seen := byExperiment[m.Experiment]
			if !seen {
				byExperiment[m.Experiment] = m
				names = append(names, m.Experiment)
			} else if !first.sameSweep(m) {
				return nil, fmt.Errorf("%s: shard %d/%d is of a different sweep of %q than shard %d/%d (other points or shard count); merge only shards of one expansion",
					path, m.Shard, m.Shards, m.Experiment, first.Shard, first.Shards)
			}
		}
	}
	slices.Sort(names)
	var results []MergeResult
	for _, name := range names {
		r, err := mergeExperiment(out, dirs, byExperiment[name], provenance)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

func readManifest(path string) (*manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := new(manifest)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Experiment == "" || m.Shards < 1 || m.Shard < 0 || m.Shard >= m.Shards || filepath.Base(m.Experiment) != m.Experiment {
		return nil, fmt.Errorf("%s: not a ccbench shard manifest", path)
	}
	return m, nil
}

// mergeExperiment gathers every point of m's sweep from dirs into
// out/<experiment>/ and writes the index page.
func mergeExperiment(out string, dirs []string, m *manifest, provenance *metrics.Provenance) (MergeResult, error) {
	res := MergeResult{Experiment: m.Experiment, Points: len(m.Points)}
	base := filepath.Join(out, m.Experiment)
	lock, err := outdir.Lock(base, false)
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	if err := os.MkdirAll(base, 0o755); err != nil {
		return res, err
	}
	for k, p := range m.Points {
		dst := filepath.Join(base, p.Run)
		var src, wantFP string
		var want []byte
		for _, dir := range append([]string{out}, dirs...) {
			dir := filepath.Join(dir, m.Experiment, p.Run)
			if !finished(dir) {
				continue
			}
			got, err := comparableSummary(dir)
			if err != nil {
				return res, err
			}
			fp := pointFingerprint(dir)
			if want == nil {
				src, want, wantFP = dir, got, fp
			} else if !bytes.Equal(got, want) {
				return res, fmt.Errorf("point %s is in %s and %s with different summaries; the runs are not of the same build or file, so merging would mix them", p.Run, src, dir)
			} else if fp != "" && wantFP != "" && fp != wantFP {
				return res, fmt.Errorf("point %s is in %s and %s with different fingerprints (fingerprint.json); the runs are not of the same build, settings or input files, so merging would mix them", p.Run, src, dir)
			}
		}
		if src == "" {
			shard := Shard{Index: k % m.Shards, Count: m.Shards}
			return res, fmt.Errorf("point %s is missing from every folder given; run shard %s again (with --resume) and merge its --out folder too", p.Run, shard)
		}
		if same, err := samePath(src, dst); err != nil {
			return res, err
		} else if same {
			continue
		}
		if err := copyRun(src, dst); err != nil {
			return res, err
		}
		res.Copied++
	}
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, m.Experiment, "shard-*-of-*.json"))
		for _, path := range paths {
			if err := copyFile(path, filepath.Join(base, filepath.Base(path))); err != nil {
				return res, err
			}
		}
	}
	index, err := writeIndex(base, m.sweep(), m.Network, provenance)
	res.Index = index
	return res, err
}

// comparableSummary is a run's summary without the wall clock, as JSON.
func comparableSummary(dir string) ([]byte, error) {
	s, err := report.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, err
	}
	c := s.WithoutWallClock()
	return json.Marshal(&c)
}

func samePath(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// copyRun copies the run folder src to dst through a temporary folder
// beside dst, under dst's lock, so that dst appears whole or not at all,
// as runner.Execute does.
func copyRun(src, dst string) error {
	lock, err := outdir.Lock(dst, false)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	outdir.RemoveOwnStale(dst)
	tmp, err := outdir.NewTemp(dst)
	if err != nil {
		return err
	}
	defer outdir.DropTemp(tmp)
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if d.IsDir() {
			return os.Mkdir(filepath.Join(tmp, rel), 0o755)
		}
		return copyFile(path, filepath.Join(tmp, rel))
	})
	if err != nil {
		return err
	}
	return outdir.Commit(tmp, dst)
}

func copyFile(src, dst string) error {
	if same, err := samePath(src, dst); err != nil || same {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return report.WriteFileAtomic(dst, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
