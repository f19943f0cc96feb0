// The compare command: the change of each metric between a baseline and a
// current set of results, with a gate that fails when a change crosses a
// limit, for regression checks in CI.

package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"ccbench/report"
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
	case report.MetricGoodput, report.MetricRTTP95, report.MetricUtilization, report.MetricRetransmits:
	default:
		return limit{}, fmt.Errorf("--max %q: metric %q is not allowed; allowed: goodput, rtt_p95, utilization, retransmits", s, name)
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
		maxes  []string
		ignore []string
		format string
	)
	cmd := &cobra.Command{
		Use:   "compare BASELINE CURRENT",
		Short: "Compare two results folders and fail when a metric moved past a limit",
		Long: `Compare two results folders, each one run's folder or an experiment folder
of runs (a sweep). Runs are paired by their resolved config without the seed;
the seeds of one config are pooled into a mean and a 95% confidence interval
(Student's t). Metrics: goodput[G] (mean goodput of the flows of [[flows]]
entry G), rtt_p95 (mean over flows, ms), utilization (of the bottleneck) and
retransmits (all flows).

--max METRIC=-N% fails when the mean falls by more than N%, --max METRIC=+N%
when it rises by more; it may be repeated. --ignore cc pairs runs whose
flows use different algorithms (any other dotted setting, e.g. link.loss,
may be ignored the same way). --format bench prints Go benchmark lines for
benchstat instead of the table: "source: baseline" and "source: current"
label the two sets, so "benchstat -col source FILE" compares them.`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
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
			if format == "bench" {
				writeBench(stdout, "baseline", base)
				writeBench(stdout, "current", cur)
				return nil
			}
			return compareTable(stdout, base, cur, limits)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&maxes, "max", nil, "limit on a metric's change: METRIC=-N% or METRIC=+N% (repeatable)")
	f.StringArrayVar(&ignore, "ignore", nil, "setting left out when pairing runs: cc, or a dotted key (repeatable)")
	f.StringVar(&format, "format", "table", "output: table, or bench (Go benchmark format, for benchstat)")
	return cmd
}

// compareTable prints every paired metric and returns an error naming the
// metrics and runs that crossed a limit, or a baseline run with no pair.
func compareTable(w io.Writer, base, cur []*report.RunGroup, limits []limit) error {
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
			failed = append(failed, fmt.Sprintf("run %s: no run in CURRENT has its config (seed aside); --ignore cc pairs runs of different algorithms", b.Name))
			continue
		}
		for _, m := range b.MetricNames() {
			be, ce := b.Estimate(m), c.Estimate(m)
			change := relChange(be.Mean, ce.Mean)
			fmt.Fprintf(w, "%-28s %-14s %22s %22s %+8.2f%%\n", b.Name, m, formatEstimate(be), formatEstimate(ce), 100*change)
			for _, l := range limits {
				if l.metric == report.BaseMetric(m) && l.crossed(change) {
					failed = append(failed, fmt.Sprintf("run %s: %s changed %+.2f%%, limit %+.2f%%", b.Name, m, 100*change, 100*l.change))
				}
			}
		}
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
