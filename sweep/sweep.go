// Package sweep owns sweeps: running every point of an expanded
// experiment (experiment.Sweep) through runner.ExecuteWith, in parallel,
// into results/<experiment>/<run>/; resuming one by fingerprint; the
// experiment's index page; and cutting a sweep into shards and merging
// them back. Building and running one point is package runner's; the
// results folders' names, locks and commits are package outdir's.
//
// Each point is a whole, independent simulation with its own seed, so
// points run on as many workers as there are CPUs and the results do not
// depend on the order in which they finish. A point's folder appears only
// when all of its files are written (runner.ExecuteWith renames it into
// place at the end), which is what makes resuming safe. A resumed sweep
// reuses a point only when its folder's fingerprint is the one the point
// would have now (same settings, same referenced files, same ccbench) and
// its files are all there and parse; anything else is run again, and the
// sweep says how many points it reran and why (resume.go).
package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// Options says how to run a sweep.
type Options struct {
	// Out is the folder results go under: Out/<experiment>/<run>/.
	Out string
	// Jobs is how many points run at once; 0 means runtime.NumCPU().
	Jobs int
	// Resume reuses points whose folder holds complete results with the
	// fingerprint the point has now, and runs the others.
	Resume bool
	// Verify checks every flow's payload end to end (see runner.Execute).
	Verify bool
	// Progress, when not nil, receives a progress bar.
	Progress io.Writer
	// Shard, when set, runs only its slice of the points and writes the
	// shard's manifest instead of the index page (see Merge).
	Shard Shard
	// NoPlots leaves the figures out: the points' and the index page's
	// (which then says so); ccbench plot draws them later.
	NoPlots bool
	// SharedAxes draws every point's figures again, once all have run, on
	// the same axes figure by figure (report.SharedAxes), so that the runs
	// compare by eye.
	SharedAxes bool
}

// Result counts what a sweep did.
type Result struct {
	// Ran and Skipped count points run now and points reused (--resume).
	Ran, Skipped int
	// Resumed is set when the sweep was resumed; Rerun then counts, by
	// reason (rerunSettings, ...; rerunNew for points with no folder), the
	// points it chose to run.
	Resumed bool
	Rerun   map[string]int
	// Index is the path of the index page, empty when it was not written
	// because the sweep did not finish or is a shard.
	Index string
	// Manifest is the path of a shard's manifest.
	Manifest string
	// VerifyProblems names, one per line, every flow of a point run now
	// whose payload --verify found wrong or, for a sized flow, incomplete
	// ("run <point>: flow <id> (<cc>): <problem>"), in point order. The
	// points' results are written all the same.
	VerifyProblems []string
	// RealTime counts the points (run now or reused) whose summary
	// carries a verdict on itself, the real-time ones, and Invalid names,
	// one per line, those of them that judged themselves invalid ("run
	// <point>: <reasons>"), in point order. The index marks the same.
	RealTime int
	Invalid  []string
	// Warnings lists, point by point, each point's warnings: where the
	// run rather than the network set a result ("run POINT: LINE").
	Warnings []string
}

// Run runs every point of sw. Cancelling ctx stops new points from
// starting; simulated points already running finish and keep their
// results, a real-time one stops at once and writes nothing (its results
// would be cut short), and Run returns ctx's error. The first point that fails also stops the
// sweep, and its error is returned. When every point has finished, the
// index page Out/<experiment>/index.html is written, or, for a shard, its
// manifest.
func Run(ctx context.Context, sw *experiment.Sweep, opt Options) (Result, error) {
	res := Result{Resumed: opt.Resume}
	if err := CheckFiles(sw); err != nil {
		return res, err
	}
	// The index records the sweep's provenance as of its start.
	provenance := runner.NewProvenance(time.Now())
	verifyProblems := map[int][]string{} // by point, under mu
	// Each point's validity, by point: from the summary of a point run
	// now, under mu, and read back for a reused one.
	validity := make([]*metrics.Validity, len(sw.Points))
	// Each point's warnings (metrics.Summary.Warnings), kept the same way.
	warnings := make([][]string, len(sw.Points))
	base := filepath.Join(opt.Out, sw.Name)
	// The shards of one sweep write disjoint points and share the lock;
	// a whole sweep has the experiment's folder to itself.
	lock, err := outdir.Lock(base, opt.Shard.Sharded())
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	if _, err := outdir.RemoveStale(base); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	var todo, unplotted []int
	fps := make([]*runner.Fingerprint, len(sw.Points))
	total := 0
	for i, p := range sw.Points {
		if !opt.Shard.Has(i) {
			continue
		}
		total++
		fp, err := runner.FingerprintOf(p.Config, runner.ExecOptions{Verify: opt.Verify})
		if err != nil {
			return res, fmt.Errorf("run %s: %w", p.Run, err)
		}
		fps[i] = &fp
		if opt.Resume {
			why := reuseCheck(filepath.Join(base, p.Run), &fp)
			if why == "" {
				res.Skipped++
				// reuseCheck has parsed the summary: it reads.
				s, err := report.ReadSummary(filepath.Join(base, p.Run, "summary.json"))
				if err != nil {
					return res, fmt.Errorf("run %s: %w", p.Run, err)
				}
				validity[i] = report.ValidityOf(s)
				warnings[i] = s.Warnings
				// A point whose run was stopped while its figures were
				// drawn has its results but not all its figures.
				if !opt.NoPlots && !plotted(filepath.Join(base, p.Run)) {
					unplotted = append(unplotted, i)
				}
				continue
			}
			if res.Rerun == nil {
				res.Rerun = map[string]int{}
			}
			res.Rerun[why]++
		}
		todo = append(todo, i)
	}
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	if len(sw.Points) > 0 && sw.Points[0].Config.Driver == "tun" {
		// Real-time runs take the machine's cores for their endpoints and
		// relay: two at once would distort each other's timing.
		jobs = 1
	}
	var bar *progressbar.ProgressBar
	if opt.Progress != nil {
		bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(opt.Progress),
			progressbar.OptionSetDescription(sw.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		bar.Set(res.Skipped)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	next := make(chan int)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			stop()
		}
		mu.Unlock()
	}
	// A point's figures are drawn by the plotters, up to jobs at once,
	// after its results are in place: a worker goes on to its next point
	// at once rather than draw them.
	plots := make(chan func() error, len(todo)+len(unplotted))
	var plotters sync.WaitGroup
	for range min(jobs, max(len(todo)+len(unplotted), 1)) {
		plotters.Go(func() {
			for draw := range plots {
				if err := draw(); err != nil {
					fail(err)
				}
			}
		})
	}
	for _, i := range unplotted {
		p := &sw.Points[i]
		plots <- func() error {
			dir := filepath.Join(base, p.Run)
			if err := report.PlotRun(dir, p.Config); err != nil {
				return fmt.Errorf("run %s: %w", p.Run, err)
			}
			return nil
		}
	}
	mode := runner.PlotLater
	if opt.NoPlots {
		mode = runner.PlotNone
	}
	for range min(jobs, max(len(todo), 1)) {
		wg.Go(func() {
			for i := range next {
				p := &sw.Points[i]
				r, err := runner.ExecuteWith(p.Config, filepath.Join(base, p.Run), p.Run,
					runner.ExecOptions{Verify: opt.Verify, Fingerprint: fps[i], Plots: mode, Context: ctx})
				if err != nil {
					fail(fmt.Errorf("run %s: %w", p.Run, err))
					continue
				}
				var problems []string
				for _, f := range r.Summary.Flows {
					if f.Verify != nil && f.Verify.Problem() != "" {
						problems = append(problems, fmt.Sprintf("run %s: flow %d (%s): %s", p.Run, f.ID, f.CC, f.Verify.Problem()))
					}
				}
				if r.Plot != nil {
					plot := r.Plot
					plots <- func() error {
						if err := plot(); err != nil {
							return fmt.Errorf("run %s: %w", p.Run, err)
						}
						return nil
					}
				}
				mu.Lock()
				res.Ran++
				validity[i] = report.ValidityOf(&r.Summary)
				warnings[i] = r.Summary.Warnings
				if len(problems) > 0 {
					verifyProblems[i] = problems
				}
				if bar != nil {
					bar.Add(1)
				}
				mu.Unlock()
			}
		})
	}
schedule:
	for _, i := range todo {
		select {
		case next <- i:
		case <-runCtx.Done():
			break schedule
		}
	}
	close(next)
	wg.Wait()
	close(plots)
	plotters.Wait()
	for i := range sw.Points {
		res.VerifyProblems = append(res.VerifyProblems, verifyProblems[i]...)
		for _, w := range warnings[i] {
			res.Warnings = append(res.Warnings, "run "+sw.Points[i].Run+": "+w)
		}
		if v := validity[i]; v != nil {
			res.RealTime++
			if !v.Valid {
				res.Invalid = append(res.Invalid, "run "+sw.Points[i].Run+": "+reasonsLine(v))
			}
		}
	}
	if bar != nil {
		bar.Exit()
	}
	if firstErr != nil {
		return res, firstErr
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted after %d of %d points; points already running finished, and --resume runs the rest: %w",
			res.Ran+res.Skipped, total, err)
	}
	if opt.Shard.Sharded() {
		manifest, err := writeManifest(base, sw, opt.Shard)
		res.Manifest = manifest
		return res, err
	}
	if opt.SharedAxes && !opt.NoPlots {
		dirs := make([]string, len(sw.Points))
		cfgs := make([]*experiment.Config, len(sw.Points))
		for i, p := range sw.Points {
			dirs[i], cfgs[i] = filepath.Join(base, p.Run), p.Config
		}
		if _, err := report.SharedAxes(dirs, cfgs); err != nil {
			return res, fmt.Errorf("drawing on shared axes: %w", err)
		}
	}
	network, err := networkText(sw)
	if err != nil {
		return res, err
	}
	index, err := writeIndexWith(base, sw, opt.NoPlots, network, provenance)
	if err != nil {
		return res, err
	}
	res.Index = index
	return res, nil
}

// reasonsLine is an invalid run's reasons on one line.
func reasonsLine(v *metrics.Validity) string {
	if len(v.Reasons) == 0 {
		return "no reason recorded"
	}
	return strings.Join(v.Reasons, "; ")
}

// finished reports whether dir holds a finished run.
func finished(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "summary.json"))
	return err == nil && st.Mode().IsRegular()
}

// rerunOrder is the order in which Describe lists the reasons.
var rerunOrder = []string{rerunSettings, rerunInputs, rerunVersion, rerunIncomplete, rerunNoFingerprint}

// Describe says what the sweep did in a few words: "27 run", or for a
// resumed sweep "3 rerun: 2 settings changed, 1 incomplete; 24 reused"
// (with "; 4 new" for points that had no folder).
func (r Result) Describe() string {
	if !r.Resumed {
		return strconv.Itoa(r.Ran) + " run"
	}
	var reasons []string
	rerun := 0
	for _, why := range rerunOrder {
		if n := r.Rerun[why]; n > 0 {
			reasons = append(reasons, strconv.Itoa(n)+" "+why)
			rerun += n
		}
	}
	var parts []string
	if rerun > 0 {
		parts = append(parts, strconv.Itoa(rerun)+" rerun: "+strings.Join(reasons, ", "))
	}
	if n := r.Rerun[rerunNew]; n > 0 {
		parts = append(parts, strconv.Itoa(n)+" new")
	}
	parts = append(parts, strconv.Itoa(r.Skipped)+" reused")
	return strings.Join(parts, "; ")
}

// plotted reports whether a run's folder holds the figures every run has.
func plotted(dir string) bool { return len(report.MissingFigures(dir)) == 0 }

// networkText is the network a sweep runs on, as ccbench show writes it,
// for the index page; "" for the dumbbell. When the points' networks
// differ (a swept topology or placement key), it is the first point's,
// and says so.
func networkText(sw *experiment.Sweep) (string, error) {
	render := func(cfg *experiment.Config) (string, error) {
		if cfg == nil || cfg.Topology.Preset == "dumbbell" {
			return "", nil
		}
		net, err := cfg.Network()
		if err != nil {
			return "", err
		}
		return net.Render(cfg.FlowList()), nil
	}
	first, err := render(sw.Points[0].Config)
	if err != nil {
		return "", err
	}
	for _, p := range sw.Points[1:] {
		other, err := render(p.Config)
		if err != nil {
			return "", err
		}
		if other != first {
			return "point " + sw.Points[0].Run + "'s network; the points' networks differ (ccbench show --point NAME shows each)\n" + first, nil
		}
	}
	return first, nil
}

// writeIndex reads every point's summary back from its folder (points run
// earlier and resumed included) and writes the experiment's index page,
// showing network (networkText) when it is not "" and the provenance of
// the process writing it.
func writeIndex(base string, sw *experiment.Sweep, network string, provenance *metrics.Provenance) (string, error) {
	return writeIndexWith(base, sw, false, network, provenance)
}

// writeIndexWith is writeIndex, leaving out the index's figures when
// noPlots.
func writeIndexWith(base string, sw *experiment.Sweep, noPlots bool, network string, provenance *metrics.Provenance) (string, error) {
	xKey, xUnit := sweptAxis(sw)
	idx := report.Index{Title: sw.Name, Keys: sw.Keys, NoFigures: noPlots, Network: network, Provenance: provenance}
	if xKey >= 0 {
		idx.XLabel = sw.Keys[xKey]
		if xUnit != "" {
			idx.XLabel += " (" + xUnit + ")"
		}
	}
	for _, p := range sw.Points {
		s, err := report.ReadSummary(filepath.Join(base, p.Run, "summary.json"))
		if err != nil {
			return "", err
		}
		r := report.IndexRun{Run: p.Run, Values: p.Values, Summary: s,
			Fingerprint: pointFingerprint(filepath.Join(base, p.Run))}
		if xKey >= 0 {
			r.X, _, _ = leadingNumber(p.Values[xKey])
		}
		idx.Runs = append(idx.Runs, r)
	}
	path := filepath.Join(base, "index.html")
	return path, report.WriteIndex(path, &idx)
}

// sweptAxis picks the setting the sweep plots run along: the first swept
// key other than the seed whose values are all numbers with one common unit
// ("0.25bdp", "1bdp", "4bdp"). It returns -1 when there is none.
func sweptAxis(sw *experiment.Sweep) (int, string) {
	for k, key := range sw.Keys {
		if key == "seed" {
			continue
		}
		unit, ok := "", true
		for i, p := range sw.Points {
			_, u, numeric := leadingNumber(p.Values[k])
			if !numeric || (i > 0 && u != unit) {
				ok = false
				break
			}
			unit = u
		}
		if ok && len(sw.Points) > 0 {
			return k, unit
		}
	}
	return -1, ""
}

// leadingNumber splits "0.25bdp" into 0.25 and "bdp".
func leadingNumber(s string) (float64, string, bool) {
	end := 0
	for end < len(s) && strings.IndexByte("0123456789.+-eE", s[end]) >= 0 {
		end++
	}
	for ; end > 0; end-- {
		if v, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return v, s[end:], true
		}
	}
	return 0, "", false
}
