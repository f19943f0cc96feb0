// Package cli is the ccbench command: it runs congestion-control
// experiments (a TCP stack written in Go, pluggable congestion control, and
// an emulated bottleneck, in deterministic virtual time). It is a package
// rather than package main so that a researcher's own module can import its
// algorithms and call Main, and get the whole command with them registered
// (see examples/outside-algorithm and cc/README.md); cmd/ccbench is that
// main for the algorithms in this repository.
//
//	ccbench run experiments/bottleneck.toml [--out DIR] [--set key=value]...
//	ccbench run experiments/sweep-buffers.toml [--jobs N] [--resume]
//	ccbench run experiments/sweep-buffers.toml --shard 0/4 --out shard0
//	ccbench merge results shard0 shard1 shard2 shard3
//	ccbench export slurm|k8s experiments/sweep-buffers.toml --shards 4
//	ccbench list
//	ccbench --version
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/sweep"
	// The tun driver's run, registered with runner for driver = "tun".
	_ "github.com/ccbench/ccbench/tun/tunrun"
	"github.com/ccbench/ccbench/units"
)

// Main runs the command with os.Args and exits with its exit code: the
// whole of a main function that wants ccbench with its own algorithms
// registered (imported for their init) besides the built-in ones.
func Main() {
	os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Run executes the CLI with args (without the program name) and returns
// the process exit code. Errors are printed as one line on stderr.
func Run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			return coded.ExitCode()
		}
		fmt.Fprintln(stderr, "ccbench: "+oneLine(err.Error()))
		return 1
	}
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func newRoot(stdout io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "ccbench",
		Short:         "Congestion-control benchmarks through an emulated bottleneck",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what ccbench version does (version.go).
		Version: versionText(runner.Build()),
	}
	root.SetVersionTemplate("{{.Version}}")
	root.AddCommand(newRunCmd(stdout), newListCmd(stdout))
	for _, c := range subcommands {
		root.AddCommand(c(stdout))
	}
	return root
}

// subcommands lists further commands; each lives in its own file and
// registers itself here from init.
var subcommands []func(stdout io.Writer) *cobra.Command

func newListCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Print the registered congestion-control algorithms, one line each",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			width := 0
			for _, n := range cc.Names() {
				width = max(width, len(n))
			}
			for _, n := range cc.Names() {
				fmt.Fprintf(stdout, "%-*s  %s\n", width, n, cc.Describe(n))
			}
			if cc.Resolvable("kernel:cubic") {
				fmt.Fprintf(stdout, "%-*s  %s\n", width, "kernel:NAME", "Linux's net/ipv4/tcp_NAME.c compiled to wasm and run in the stack (ccbench kernel list)")
			}
			return nil
		},
	}
}

func newRunCmd(stdout io.Writer) *cobra.Command {
	var (
		out     string
		sets    []string
		name    string
		verify  bool
		jobs    int
		resume  bool
		shard   string
		pcap    bool
		noPlots bool
		shared  bool
		budget  budgetFlags
	)
	cmd := &cobra.Command{
		Use:   "run EXPERIMENT.toml",
		Short: "Run an experiment and write its results folder",
		Long: `Run an experiment file in the simulator. Results go to
OUT/<experiment>/<run>/ (OUT defaults to "results"): the resolved config, a
CSV per flow, link.csv, summary.json and PNG/SVG plots. The time series
are written as they are sampled; the plots are drawn from the files once
the results are in place (--no-plots leaves them out; ccbench plot draws
them later).

--set overrides any setting of the file, e.g. --set link.rate=50Mbit/s
--set flows[0].cc=reno; it may be repeated.

A file with a [sweep] table (or repetitions) runs every point of the sweep,
--jobs at a time, into OUT/<experiment>/<point>/, then writes
OUT/<experiment>/index.html. --resume reuses a point only when its folder's
fingerprint (settings, referenced files' contents, ccbench build) is the
point's now and its files are complete, runs the others, and says why.
Ctrl-C stops starting new points; run again with --resume.

A run locks its folder: a second run into the same folder fails at once,
before simulating. Interrupted runs leave no temporary folders; those of
killed runs are removed by the next run into the same place or by
ccbench cleanup. A run that fails or is stopped before its folder is in
place leaves no empty folder either.

SIGINT or SIGTERM stops a tun run at once (and a sweep's running tun
point): its endpoints, relay, TUN devices and network namespaces are torn
down, nothing is written, and ccbench exits with 130 or 143. After a
kill -9, ccbench cleanup removes the namespaces the run left.

--shard i/N runs only the points k with k mod N = i, for spreading a sweep
over machines, and writes OUT/<experiment>/shard-i-of-N.json in place of the
index; ccbench merge joins the shards and writes the index.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("run takes exactly one experiment file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			began := time.Now()
			if err := checkJobs(jobs); err != nil {
				return err
			}
			sw, err := experiment.LoadSweep(args[0], sets)
			if err != nil {
				return err
			}
			var part sweep.Shard
			if cmd.Flags().Changed("shard") {
				if !sw.IsSweep() {
					return fmt.Errorf("--shard: %s has no [sweep] or repetitions, so it is one run; leave --shard out", args[0])
				}
				if part, err = sweep.ParseShard(shard); err != nil {
					return err
				}
			}
			if sw.IsSweep() {
				if name != "" {
					return fmt.Errorf("--run: a sweep names each point's folder itself; leave --run out")
				}
				if pcap {
					return fmt.Errorf("--pcap: captures one run at a time; leave it out of sweeps")
				}
				// Before the budget, which reads the files too but
				// would not name the point.
				if err := sweep.CheckFiles(sw); err != nil {
					return err
				}
				if err := runner.CheckSweepBudget(sw, out, budget.options(cmd, jobs, false)); err != nil {
					return err
				}
				return runSweep(cmd, stdout, sw, sweep.Options{Out: out, Jobs: jobs, Resume: resume, Verify: verify, Shard: part, NoPlots: noPlots, SharedAxes: shared}, began)
			}
			cfg := sw.Points[0].Config
			if name == "" {
				name = outdir.RunName(cfg, sets)
			} else if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
				return fmt.Errorf("--run: %q is not allowed: must be a plain folder name", name)
			}
			dir := filepath.Join(out, cfg.Name, name)
			if err := runner.CheckBudget(cfg, out, budget.options(cmd, 1, pcap)); err != nil {
				return err
			}
			// A tun run stops on the first signal and removes its
			// namespaces; a sim run ends at once (see interruptible).
			ctx, stopSignals := interruptible(cmd.Context(), cmd.ErrOrStderr(), cfg.Driver != "tun",
				"tearing the run's endpoints, relay and network namespaces down")
			defer stopSignals()
			plots := runner.PlotLater
			if noPlots {
				plots = runner.PlotNone
			}
			res, err := runner.ExecuteWith(cfg, dir, name, runner.ExecOptions{Verify: verify, Pcap: pcap, Context: ctx, Progress: budget.progressTo(cmd), Plots: plots})
			if err != nil {
				return stoppedBySignal(ctx, cmd.ErrOrStderr(), err, "the run's network namespaces and devices removed, nothing written")
			}
			// The results are in place: print them, then draw the
			// figures from them.
			printSummary(stdout, dir, &res.Summary, verify && res.Verified)
			var plotWall time.Duration
			if res.Plot != nil {
				t := time.Now()
				err := res.Plot()
				plotWall = time.Since(t)
				if err != nil {
					return err
				}
			}
			printTimes(stdout, res.Summary.WallSeconds, time.Since(began), plotWall, noPlots, dir)
			return verifyFailure(dir, &res.Summary)
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "results", "folder under which results are written")
	f.StringArrayVar(&sets, "set", nil, "override a setting: key=value (repeatable)")
	f.StringVar(&name, "run", "", "name of the run's folder (default: seed-<seed>[-<hash of --set>])")
	f.BoolVar(&verify, "verify", false, "send pseudo-random bytes and check every flow's SHA-256 end to end")
	f.BoolVar(&pcap, "pcap", false, "write "+runner.PcapFile+": every packet the bottleneck's two links deliver, at its virtual time")
	f.IntVar(&jobs, "jobs", runtime.NumCPU(), "sweeps: points run at once")
	f.BoolVar(&resume, "resume", false, "sweeps: reuse points whose folder has complete results of the same fingerprint; run the rest")
	f.StringVar(&shard, "shard", "", "sweeps: run only shard i/N (point k when k mod N = i); ccbench merge joins the shards")
	f.BoolVar(&noPlots, "no-plots", false, "write the results without drawing the figures (ccbench plot draws them later)")
	f.BoolVar(&shared, "shared-axes", false, "sweeps: draw every point's figures on the same axes, figure by figure, so runs compare by eye")
	budget.register(f)
	return cmd
}

// checkJobs refuses a --jobs below 1. The sweep runner would read 0 as
// "one per CPU" and a negative count as the same, so a typo would silently
// run at a parallelism nobody asked for; checked before the file is read,
// it is refused for a single run too, where it means nothing either way.
func checkJobs(jobs int) error {
	if jobs >= 1 {
		return nil
	}
	return fmt.Errorf("--jobs %d is not allowed: must be a whole number from 1, the points a sweep runs at once (default: one per CPU)", jobs)
}

// runSweep runs every point of a sweep. The first SIGINT or SIGTERM stops
// new points from starting, lets running simulated ones finish and stops a
// running real-time one, whose namespaces go and whose folder is not
// written; a second one ends the process at once, removing the running
// points' temporary folders and namespaces (see interruptible).
func runSweep(cmd *cobra.Command, stdout io.Writer, sw *experiment.Sweep, opt sweep.Options, began time.Time) error {
	stopping := "no new points, those running finish"
	if len(sw.Points) > 0 && sw.Points[0].Config.Driver == "tun" {
		stopping = "no new points, the running one torn down and its results dropped"
	}
	ctx, stop := interruptible(cmd.Context(), cmd.ErrOrStderr(), false, stopping)
	defer stop()
	if f, ok := cmd.ErrOrStderr().(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			opt.Progress = f
		}
	}
	res, err := sweep.Run(ctx, sw, opt)
	if err != nil {
		return stoppedBySignal(ctx, cmd.ErrOrStderr(), err, sweepLeft(sw, opt.Shard, res))
	}
	fmt.Fprintf(stdout, "sweep %s: %d points, %s in %.2fs wall\n", sw.Name, len(sw.Points), res.Describe(), time.Since(began).Seconds())
	printSweepValidity(stdout, &res)
	if res.Manifest != "" {
		fmt.Fprintf(stdout, "shard %s: %s; ccbench merge writes the index once every shard is done\n", opt.Shard, res.Manifest)
		return sweepVerifyFailure(res.VerifyProblems, len(sw.Points))
	}
	fmt.Fprintf(stdout, "index: %s\n", res.Index)
	return sweepVerifyFailure(res.VerifyProblems, len(sw.Points))
}

// printSweepValidity says whether a sweep's real-time points can be
// trusted: a line for all of them when they are, else a line per invalid
// point with its reasons, after a line saying what that means. A
// simulated sweep's points have no verdict, and nothing is printed.
func printSweepValidity(w io.Writer, res *sweep.Result) {
	for _, line := range res.Warnings {
		fmt.Fprintln(w, "warning: "+line)
	}
	switch {
	case res.RealTime == 0:
	case len(res.Invalid) == 0:
		fmt.Fprintf(w, "validity: all %d real-time points valid\n", res.RealTime)
	default:
		fmt.Fprintf(w, "INVALID: %d of %d real-time points: the emulated network did not run as configured, so their figures are not to be trusted (the index marks them; ccbench compare refuses them without --allow-invalid)\n",
			len(res.Invalid), res.RealTime)
		for _, line := range res.Invalid {
			fmt.Fprintln(w, "invalid: "+line)
		}
	}
}

// sweepVerifyFailure is a sweep's error when --verify found a flow wrong
// or a sized flow incomplete in any point: one line per such flow, after
// every point's results and the index were written.
func sweepVerifyFailure(problems []string, points int) error {
	if len(problems) == 0 {
		return nil
	}
	errs := make([]error, 0, len(problems)+1)
	for _, p := range problems {
		errs = append(errs, errors.New("verify: "+p))
	}
	flows := "flows"
	if len(problems) == 1 {
		flows = "flow"
	}
	errs = append(errs, fmt.Errorf("verify failed for %d %s in the sweep's %d points; the results and the index are written", len(problems), flows, points))
	return errors.Join(errs...)
}

// printTimes says where a run's wall time went: the simulation, the
// figures, and the whole command (reading the experiment, writing the
// results and the rest).
func printTimes(w io.Writer, simSeconds float64, total, plots time.Duration, noPlots bool, dir string) {
	drawn := fmt.Sprintf("plots %.2fs", plots.Seconds())
	if noPlots {
		drawn = "plots not drawn (ccbench plot " + dir + " draws them)"
	}
	fmt.Fprintf(w, "wall time: total %.2fs, simulation %.3fs, %s\n", total.Seconds(), simSeconds, drawn)
}

func printSummary(w io.Writer, dir string, s *metrics.Summary, verified bool) {
	fmt.Fprintf(w, "results: %s\n", dir)
	fmt.Fprintf(w, "simulated %.1fs in %.3fs wall: %.0fx real time, %.2fM segments/s (%d segments)\n",
		s.SimSeconds, s.WallSeconds, s.SimSpeed, s.SegmentsPerWallSecond/1e6, s.Segments)
	// A network's summary link is its link 0, which need not be its
	// bottleneck: it is named, and every other link with a rate gets a
	// line of its own.
	label := "link"
	if len(s.Links) > 0 {
		label = "link " + s.Links[0].Name
	}
	fmt.Fprintf(w, "%s: %.1f Mbit/s, utilization %.1f%%, queue p50 %d B p95 %d B max %d B, mean queueing delay %.2f ms, drops %d, lost %d\n",
		label, float64(s.Link.RateBps)/1e6, 100*s.Link.Utilization, s.Link.QueueBytesP50, s.Link.QueueBytesP95,
		s.Link.QueueBytesMax, s.Link.QueueDelayMeanMs, s.Link.Drops, s.Link.Lost)
	for _, l := range s.Links[min(1, len(s.Links)):] {
		if l.RateBps > 0 {
			fmt.Fprintf(w, "link %s: %.1f Mbit/s, utilization %.1f%%, queue p50 %d B p95 %d B max %d B, mean queueing delay %.2f ms, drops %d, lost %d\n",
				l.Name, float64(l.RateBps)/1e6, 100*l.Utilization, l.QueueBytesP50, l.QueueBytesP95,
				l.QueueBytesMax, l.QueueDelayMeanMs, l.Drops, l.Lost)
		}
	}
	printRealTime(w, s)
	// A real-time flow's cc column also names its endpoints.
	names := make([]string, len(s.Flows))
	width := 10
	for i, f := range s.Flows {
		names[i] = f.CC
		if f.Endpoints != "" {
			names[i] += " (" + f.Endpoints + ")"
		}
		width = max(width, utf8.RuneCountInString(names[i]))
	}
	fmt.Fprintf(w, "%-5s %-*s %14s %12s %10s %10s %10s\n", "flow", width, "cc", "goodput Mb/s", "retransmits", "rtt p50", "rtt p95", "done (s)")
	for i, f := range s.Flows {
		done := "-"
		if f.CompletionSeconds != nil {
			done = fmt.Sprintf("%.3f", *f.CompletionSeconds)
		}
		pad := width - utf8.RuneCountInString(names[i])
		fmt.Fprintf(w, "%-5d %s%*s %14.2f %12d %8.1fms %8.1fms %10s\n", f.ID, names[i], pad, "", f.GoodputBps/1e6, f.Retransmits, f.RTTP50Ms, f.RTTP95Ms, done)
	}
	if len(s.Flows) > 1 {
		fmt.Fprintf(w, "Jain's fairness index: %.4f\n", s.JainFairness)
	}
	for _, g := range s.Incast {
		fmt.Fprintf(w, "incast flows[%d]: %d senders, %d rounds of %s, goodput %.2f Mbit/s, round p50 %.2f ms, max %.2f ms\n",
			g.Group, g.Senders, g.Rounds, units.FormatSize(g.BlockBytes), g.GoodputBps/1e6, g.RoundMsP50, g.RoundMsMax)
	}
	if verified {
		printVerification(w, s)
	}
	// Last, where they are read: every way the run, not the network, set
	// a result (runner.Warnings).
	for _, line := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", line)
	}
}

// printRealTime prints what only a real-time run has: its relay's release
// error and stalls, its path loss by place, and its verdict with every
// reason (Summary.Validity), so an invalid run cannot be read as a good
// one.
func printRealTime(w io.Writer, s *metrics.Summary) {
	// A loaded machine stalls the relay dozens of times a run; the
	// printout shows the first few summary.json lists (its longest, in
	// time order).
	const stallsPrinted = 5
	if r := s.ReleaseError; r != nil {
		fmt.Fprintf(w, "relay release error: p50 %.1f µs, p99 %.1f µs (limit %.0f µs), p99.9 %.1f µs, max %.1f µs over %d packets; %d stalls over %.0f µs, %.1f ms in all\n",
			r.P50Us, r.P99Us, r.LimitUs, r.P999Us, r.MaxUs, r.Packets, r.StallCount, r.StallThresholdUs, r.StalledMs)
		shown := r.Stalls[:min(len(r.Stalls), stallsPrinted)]
		for _, st := range shown {
			fmt.Fprintf(w, "  stall at %.3f s for %.1f ms\n", st.AtS, st.LengthMs)
		}
		if n := r.StallCount - int64(len(shown)); n > 0 {
			fmt.Fprintf(w, "  and %d more stalls (summary.json lists %d)\n", n, len(r.Stalls))
		}
	}
	if p := s.PathLoss; p != nil {
		fmt.Fprintf(w, "path: relay read %d and released %d packets, emulated links dropped %d, lost outside the links %d\n",
			p.Read, p.Released, p.LinkDropped, p.Outside)
		for _, l := range p.Places {
			fmt.Fprintf(w, "  lost %d at %s\n", l.Packets, l.Where)
		}
	}
	if d := s.Devices; d != nil {
		fmt.Fprintf(w, "devices: transmit queues %d datagrams; tcp_rmem max %s / %s, tcp_wmem max %s / %s (namespaces A / B)\n",
			d.TxQueueLen, units.FormatSize(int64(d.TCPRmemMax[0])), units.FormatSize(int64(d.TCPRmemMax[1])),
			units.FormatSize(int64(d.TCPWmemMax[0])), units.FormatSize(int64(d.TCPWmemMax[1])))
	}
	if v := s.Validity; v != nil {
		if v.Valid {
			fmt.Fprintln(w, "run: valid")
			return
		}
		fmt.Fprintf(w, "run: INVALID, its figures are not to be trusted (%d reasons):\n", len(v.Reasons))
		for _, r := range v.Reasons {
			fmt.Fprintf(w, "  - %s\n", r)
		}
	}
}

// printVerification says, flow by flow, what --verify checked: the bytes
// written, those delivered and verified, and whether a sized flow
// completed. The closing "payload verified" line appears only when every
// flow passed; verifyFailure turns the others into the command's error.
func printVerification(w io.Writer, s *metrics.Summary) {
	checked, sized, complete, failed := 0, 0, 0, 0
	for i := range s.Flows {
		f := &s.Flows[i]
		v := f.Verify
		if v == nil {
			continue
		}
		checked++
		line := verifyLine(f)
		switch {
		case v.Problem() != "":
			failed++
			line += ": " + v.Problem()
		case v.SizeBytes > 0:
			line += ", SHA-256 of all of it matches: complete"
		default:
			line += " in order; a bulk flow has no end, so no completion is claimed"
		}
		if v.SizeBytes > 0 {
			sized++
			if v.Complete {
				complete++
			}
		}
		fmt.Fprintln(w, line)
	}
	if checked == 0 {
		fmt.Fprintln(w, "payload verification: the run has no flows to check")
		return
	}
	if failed > 0 {
		return
	}
	msg := "payload verified: every byte delivered equals the byte written at its offset"
	if sized > 0 {
		msg += fmt.Sprintf("; %d of %d sized flows complete", complete, sized)
	}
	fmt.Fprintln(w, msg)
}

// verifyLine names a verified flow and its byte counts.
func verifyLine(f *metrics.FlowSummary) string {
	v := f.Verify
	size := "bulk"
	if v.SizeBytes > 0 {
		size = fmt.Sprintf("size %d B", v.SizeBytes)
	}
	return fmt.Sprintf("verify: flow %d (%s, %s) wrote %d B, delivered %d B, verified %d B",
		f.ID, f.CC, size, v.WrittenBytes, v.DeliveredBytes, v.VerifiedBytes)
}

// verifyFailure is the command's error when --verify found a flow wrong
// or a sized flow incomplete: one line per such flow with its byte
// counts, after the results were written to dir, which it names.
func verifyFailure(dir string, s *metrics.Summary) error {
	var errs []error
	for i := range s.Flows {
		f := &s.Flows[i]
		if f.Verify == nil || f.Verify.Problem() == "" {
			continue
		}
		errs = append(errs, errors.New(verifyLine(f)+": "+f.Verify.Problem()))
	}
	if len(errs) == 0 {
		return nil
	}
	errs = append(errs, fmt.Errorf("verify failed for %d of %d flows; the results are in %s", len(errs), len(s.Flows), dir))
	return errors.Join(errs...)
}
