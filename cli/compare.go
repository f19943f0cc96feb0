// The compare command: the change of each metric between a baseline and a
// current set of results, with a gate that fails when a change crosses a
// limit, for regression checks in CI. A real-time run that judged itself
// invalid is refused unless --allow-invalid, which compares it and marks
// its rows.

package cli

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
)

func init() {
	subcommands = append(subcommands, newCompareCmd)
}

// limit bounds the relative change of one metric: a negative one is the
// largest fall allowed, a positive one the largest rise.
type limit struct {
	metric string
	change float64 // fraction: -0.03 for -3%
}

func parseLimit(s string) (limit, error) {
	name, val, ok := strings.Cut(s, "=")
	val = strings.TrimSuffix(strings.TrimSpace(val), "%")
	v, err := strconv.ParseFloat(val, 64)
	if !ok || err != nil || v == 0 || !strings.ContainsAny(val[:1], "+-") {
		return limit{}, fmt.Errorf("--max %q: want METRIC=-N%% (largest fall) or METRIC=+N%% (largest rise), e.g. goodput=-3%%", s)
	}
	name = strings.TrimPrefix(strings.TrimSpace(name), "link.")
	switch name {
	case report.MetricGoodput, report.MetricRTTP50, report.MetricRTTP95, report.MetricUtilization, report.MetricRetransmits:
	default:
		return limit{}, fmt.Errorf("--max %q: metric %q is not allowed; allowed: goodput, rtt_p50, rtt_p95, utilization, retransmits", s, name)
	}
	return limit{metric: name, change: v / 100}, nil
}

// crossed reports whether change breaks the limit.
func (l limit) crossed(change float64) bool {
	if l.change < 0 {
		return change < l.change
	}
	return change > l.change
}

func newCompareCmd(stdout io.Writer) *cobra.Command {
	var (
		maxes        []string
		ignore       []string
		format       string
		allowInvalid bool
	)
	cmd := &cobra.Command{
		Use:   "compare BASELINE CURRENT",
		Short: "Compare two results folders and fail when a metric moved past a limit",
		Long: `Compare two results folders, each one run's folder or an experiment folder
of runs (a sweep). Runs are paired by their resolved config without the seed;
the seeds of one config are pooled into a mean and a 95% confidence interval
(Student's t). Metrics: goodput[G] (mean goodput of the flows of [[flows]]
entry G), rtt_p50 and rtt_p95 (mean over flows, ms; both drivers measure
every data segment's RTT the same way, at the path), utilization (of the
bottleneck) and retransmits (all flows).

--max METRIC=-N% fails when the mean falls by more than N%, --max METRIC=+N%
when it rises by more; it may be repeated. --ignore cc pairs runs whose
flows use different algorithms (any other dotted setting, e.g. link.loss,
may be ignored the same way); --ignore driver pairs a sim run with the tun
run of the same file, leaving out with the driver what only one driver
reads (max_release_p99, self_check) and the flows' receiver, which each
driver fixes (the sim's is ccbench's stack). --format bench prints Go benchmark lines for
benchstat instead of the table: "source: baseline" and "source: current"
label the two sets, so "benchstat -col source FILE" compares them.

A real-time run whose summary marks it invalid (its emulated network did
not run as configured: the relay released late or stalled, or packets were
lost outside the emulated links) is refused: compare names each such run
folder with its reasons and stops. --allow-invalid compares them anyway;
the table marks their rows and lists them below it (with --format bench,
they are listed on stderr).

When the two sets were built from different code (another commit, or
uncommitted changes: see each summary.json's provenance), compare says so
in one line on stderr, naming both sides' commits, and goes on.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var limits []limit
			for _, m := range maxes {
				l, err := parseLimit(m)
				if err != nil {
					return err
				}
				limits = append(limits, l)
			}
			if format != "table" && format != "bench" {
				return fmt.Errorf("--format: %q is not allowed; allowed: table, bench", format)
			}
			base, err := report.LoadRuns(args[0], ignore)
			if err != nil {
				return err
			}
			cur, err := report.LoadRuns(args[1], ignore)
			if err != nil {
				return err
			}
			if w := codeWarning(base, cur); w != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "ccbench: compare: "+w)
			}
			invalid := invalidRuns(base, cur)
			if len(invalid) > 0 && !allowInvalid {
				for _, line := range invalid {
					fmt.Fprintln(cmd.ErrOrStderr(), "ccbench: compare: "+line)
				}
				return fmt.Errorf("compare: refusing %s; --allow-invalid compares invalid runs anyway, marking their rows", countRuns(len(invalid), "invalid run"))
			}
			if format == "bench" {
				writeBench(stdout, "baseline", base)
				writeBench(stdout, "current", cur)
				for _, line := range invalid {
					fmt.Fprintln(cmd.ErrOrStderr(), "ccbench: compare: --allow-invalid: "+line)
				}
				return nil
			}
			return compareTable(stdout, base, cur, limits, invalid)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&maxes, "max", nil, "limit on a metric's change: METRIC=-N% or METRIC=+N% (repeatable)")
	f.StringArrayVar(&ignore, "ignore", nil, "setting left out when pairing runs: cc, or a dotted key (repeatable)")
	f.StringVar(&format, "format", "table", "output: table, or bench (Go benchmark format, for benchstat)")
	f.BoolVar(&allowInvalid, "allow-invalid", false, "compare real-time runs marked invalid too, marking their rows, instead of refusing")
	return cmd
}

// codeWarning is compare's warning when the baseline and the current runs
// were built from different code, naming each side's commits; "" when
// they were not, or when a side has no run that recorded its provenance
// (written before ccbench did), so there is nothing to tell by. Builds are
// told apart by Provenance.Build, the name fingerprint.json gives them: a
// clean build is its commit and toolchain, and a dirty or unstamped one
// also its executable's Go build ID, which changes with any change to the
// code. So two builds of one dirty tree are the same code, and two dirty
// trees on one commit are not. When the commits read the same on both
// sides, the toolchains are named too, and failing that the builds.
func codeWarning(base, cur []*report.RunGroup) string {
	bp, cp := provenances(base), provenances(cur)
	if len(bp) == 0 || len(cp) == 0 || slices.Equal(builds(bp), builds(cp)) {
		return ""
	}
	b, c := codeOf(bp, false), codeOf(cp, false)
	if b == c {
		b, c = codeOf(bp, true), codeOf(cp, true)
	}
	if b == c {
		// Unstamped or dirty builds of one commit and toolchain: only
		// their build IDs tell them apart.
		b, c = "build "+strings.Join(builds(bp), " and "), "build "+strings.Join(builds(cp), " and ")
	}
	return "warning: baseline and current came from different code: baseline " + b + ", current " + c +
		"; a change may come from the code as well as the settings"
}

// provenances lists the recorded provenance of every run of groups.
func provenances(groups []*report.RunGroup) []*metrics.Provenance {
	var ps []*metrics.Provenance
	for _, g := range groups {
		for _, p := range g.Provenance {
			if p != nil {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// builds is the distinct Build names of ps, sorted.
func builds(ps []*metrics.Provenance) []string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Build)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// codeOf names the code of ps: "commit abc (dirty)", several joined by
// " and ", each with its Go version when withGo.
func codeOf(ps []*metrics.Provenance, withGo bool) string {
	var names []string
	for _, p := range ps {
		name := p.Code()
		if withGo {
			name += " built with " + p.GoVersion
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, " and ")
}

// invalidRuns names every invalid run of the two sets, one line each:
// "invalid run FOLDER (baseline): REASONS".
func invalidRuns(base, cur []*report.RunGroup) []string {
	var lines []string
	for _, set := range []struct {
		name   string
		groups []*report.RunGroup
	}{{"baseline", base}, {"current", cur}} {
		for _, g := range set.groups {
			for _, r := range g.Invalid {
				lines = append(lines, fmt.Sprintf("invalid run %s (%s): %s", r.Dir, set.name, r.Why()))
			}
		}
	}
	return lines
}

// countRuns writes "1 invalid run" or "3 invalid runs".
func countRuns(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// invalidMark is what a row of the table adds when either side's runs
// include invalid ones: "  INVALID: baseline 1 of 3, current 2 of 3".
func invalidMark(b, c *report.RunGroup) string {
	var parts []string
	for _, side := range []struct {
		name string
		g    *report.RunGroup
	}{{"baseline", b}, {"current", c}} {
		if n := len(side.g.Invalid); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d of %d", side.name, n, side.g.Runs))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "  INVALID: " + strings.Join(parts, ", ")
}

// compareTable prints every paired metric and returns an error naming the
// metrics and runs that crossed a limit, or a baseline run with no pair.
// A row whose runs include invalid ones (allowed by --allow-invalid) is
// marked, and invalid, one line per run, is printed below the table.
func compareTable(w io.Writer, base, cur []*report.RunGroup, limits []limit, invalid []string) error {
	fmt.Fprintf(w, "%-28s %-14s %22s %22s %9s\n", "run", "metric", "baseline", "current", "change")
	var failed []string
	for _, b := range base {
		var c *report.RunGroup
		for _, g := range cur {
			if g.Key == b.Key {
				c = g
			}
		}
		if c == nil {
			failed = append(failed, fmt.Sprintf("run %s: no run in CURRENT has its config (seed aside)%s", b.Name, ignoreHint(b.NearestDifference(cur))))
			continue
		}
		mark := invalidMark(b, c)
		for _, m := range b.MetricNames() {
			be, ce := b.Estimate(m), c.Estimate(m)
			change := relChange(be.Mean, ce.Mean)
			fmt.Fprintf(w, "%-28s %-14s %22s %22s %+8.2f%%%s\n", b.Name, m, formatEstimate(be), formatEstimate(ce), 100*change, mark)
			for _, l := range limits {
				if l.metric == report.BaseMetric(m) && l.crossed(change) {
					failed = append(failed, fmt.Sprintf("run %s: %s changed %+.2f%%, limit %+.2f%%", b.Name, m, 100*change, 100*l.change))
				}
			}
		}
	}
	for _, line := range invalid {
		fmt.Fprintln(w, "--allow-invalid: "+line)
	}
	for _, f := range failed {
		fmt.Fprintln(w, "FAIL "+f)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d check(s) failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// relChange is (cur-base)/base; from a zero baseline any rise is infinite.
func relChange(base, cur float64) float64 {
	switch {
	case base == cur:
		return 0
	case base == 0:
		return math.Copysign(math.Inf(1), cur)
	}
	return (cur - base) / math.Abs(base)
}

func formatEstimate(e report.Estimate) string {
	if math.IsNaN(e.CI95) {
		return fmt.Sprintf("%.4g (n=%d)", e.Mean, e.N)
	}
	return fmt.Sprintf("%.4g ±%.2g (n=%d)", e.Mean, e.CI95, e.N)
}

// writeBench prints one benchmark line per run and metric; the run's
// repetitions are the samples benchstat pools.
func writeBench(w io.Writer, source string, groups []*report.RunGroup) {
	fmt.Fprintf(w, "source: %s\n", source)
	for _, g := range groups {
		name := strings.NewReplacer(" ", "_", "/", "_").Replace(g.Name)
		for _, m := range g.MetricNames() {
			metric := strings.NewReplacer("[", "_g", "]", "").Replace(m)
			for _, v := range g.Metrics[m] {
				fmt.Fprintf(w, "BenchmarkCCBench/%s/%s 1 %g %s\n", name, metric, v, strings.ReplaceAll(report.MetricUnit(m), " ", "_"))
			}
		}
	}
}

// ignoreHint names what the nearest current config differs in and the
// --ignore that would pair it, for a baseline run left without a pair.
func ignoreHint(diff []string) string {
	if len(diff) == 0 {
		return ""
	}
	shown := diff
	if len(shown) > 4 {
		shown = shown[:4]
	}
	more := ""
	if len(diff) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(diff)-len(shown))
	}
	return fmt.Sprintf("; the nearest differs in %s%s (--ignore KEY leaves a setting out of the pairing; cc for every flow's algorithm)", strings.Join(shown, ", "), more)
}
