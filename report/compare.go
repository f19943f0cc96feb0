// Comparing two sets of results: a baseline and a candidate, each one run
// folder or a sweep's experiment folder. Runs are paired by their resolved
// configuration with the seed taken out, so the repetitions of one setting
// pool into one sample per metric; each sample is summarised by its mean
// and a 95% confidence interval from Student's t distribution, which is
// the right interval for the handful of seeds an experiment repeats.
//
// A real-time run that judged itself invalid (metrics.Validity) is loaded
// like any other and listed in its group's Invalid, so that the caller can
// refuse to compare it, or compare it and say so.

package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
)

// RunGroup is every repetition (seed) of one configuration.
type RunGroup struct {
	// Name is the run's folder name without its seed or repetition.
	Name string
	// Key is the configuration the runs share, as canonical JSON.
	Key string
	// Metrics holds one value per run for each metric name.
	Metrics map[string][]float64
	// Runs counts the group's runs, and Invalid lists those of them
	// whose summary says their figures are not to be trusted.
	Runs    int
	Invalid []InvalidRun
	// Provenance is each run's provenance, in the order the runs were
	// read; nil for a run written before ccbench recorded it.
	Provenance []*metrics.Provenance
}

// InvalidRun is a run folder whose summary says it is invalid, with the
// summary's reasons.
type InvalidRun struct {
	Dir     string
	Reasons []string
}

// Why is the run's reasons on one line.
func (r InvalidRun) Why() string {
	if len(r.Reasons) == 0 {
		return "no reason recorded"
	}
	return strings.Join(r.Reasons, "; ")
}

// Estimate is a sample's mean and the half-width of its 95% confidence
// interval (NaN with fewer than two values).
type Estimate struct {
	Mean, CI95 float64
	N          int
}

// Estimate summarises the values of one metric.
func (g *RunGroup) Estimate(metric string) Estimate {
	return estimate(g.Metrics[metric])
}

func estimate(xs []float64) Estimate {
	e := Estimate{N: len(xs), CI95: math.NaN()}
	if len(xs) == 0 {
		e.Mean = math.NaN()
		return e
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	e.Mean = mean
	if len(xs) > 1 {
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}
		e.CI95 = t.Quantile(0.975) * sd / math.Sqrt(float64(len(xs)))
	}
	return e
}

// seedPart matches what makes a run's folder name seed-specific: the
// default "seed-N[-hash]" name and a sweep's "rep=N". It is compiled on
// first use, by ccbench compare, not at every start of the binary.
var seedPart = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|,)(seed-\d+(-[0-9a-f]+)?|rep=\d+)$`) })

// LoadRuns reads dir, one run folder (it holds summary.json) or an
// experiment folder of runs, and groups the runs by configuration. ignore
// lists further settings left out of the key: dotted paths such as
// "link.loss", and "cc" for every flow's algorithm.
func LoadRuns(dir string, ignore []string) ([]*RunGroup, error) {
	var runs []string
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err == nil {
		runs = []string{dir}
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			sub := filepath.Join(dir, e.Name())
			if _, err := os.Stat(filepath.Join(sub, "summary.json")); e.IsDir() && err == nil {
				runs = append(runs, sub)
			}
		}
		if len(runs) == 0 {
			return nil, fmt.Errorf("%s: neither a run folder nor an experiment folder of runs (no summary.json)", dir)
		}
	}
	var groups []*RunGroup
	for _, run := range runs {
		key, groupOf, err := configKey(filepath.Join(run, "config.toml"), ignore)
		if err != nil {
			return nil, err
		}
		s, err := ReadSummary(filepath.Join(run, "summary.json"))
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(groups, func(g *RunGroup) bool { return g.Key == key })
		if i < 0 {
			name := seedPart().ReplaceAllString(filepath.Base(run), "")
			if name == "" {
				name = s.Experiment
			}
			groups = append(groups, &RunGroup{Name: name, Key: key, Metrics: map[string][]float64{}})
			i = len(groups) - 1
		}
		for m, v := range runMetrics(s, groupOf) {
			groups[i].Metrics[m] = append(groups[i].Metrics[m], v)
		}
		groups[i].Runs++
		groups[i].Provenance = append(groups[i].Provenance, s.Provenance)
		if ok, reasons := trusted(s); !ok {
			groups[i].Invalid = append(groups[i].Invalid, InvalidRun{Dir: run, Reasons: reasons})
		}
	}
	return groups, nil
}

// configKey reads a resolved config and returns it without the seed, the
// experiment's name and the ignored settings, as canonical JSON (sorted
// keys), plus the [[flows]] entry each flow ID belongs to.
func configKey(path string, ignore []string) (string, []int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	// A config this build can load is compared in its canonical form, so
	// a baseline written before a setting existed matches a current run
	// that has the setting at its default. One it cannot load (a removed
	// setting, an algorithm this build lacks) is compared as written.
	if c, err := experiment.LoadBytes(path, data, nil); err == nil {
		data = c.Canonical()
	}
	var cfg map[string]any
	if err := toml.Unmarshal(data, &cfg); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	delete(cfg, "seed")
	delete(cfg, "name")
	flows, _ := cfg["flows"].([]any)
	var groupOf []int
	for g, f := range flows {
		t, _ := f.(map[string]any)
		count := 1
		if c, ok := t["count"].(int64); ok {
			count = int(c)
		}
		for range count {
			groupOf = append(groupOf, g)
		}
	}
	for _, k := range ignore {
		if k == "driver" {
			// What only one driver reads, or what each driver fixes for
			// itself, goes with the driver: the relay's limits and its
			// idle polling, and the
			// receiver (the sim's is always ccbench's stack, the tun
			// driver's the kernel unless told otherwise), so a sim run
			// pairs with the tun run of the same file.
			delete(cfg, "max_release_p99")
			delete(cfg, "self_check")
			delete(cfg, "idle_poll")
			for _, f := range flows {
				if t, ok := f.(map[string]any); ok {
					delete(t, "receiver")
				}
			}
		}
		if k == "cc" {
			for _, f := range flows {
				if t, ok := f.(map[string]any); ok {
					delete(t, "cc")
				}
			}
			continue
		}
		if k == "driver" {
			delete(cfg, "driver")
			continue
		}
		table := cfg
		parts := strings.Split(k, ".")
		for _, p := range parts[:len(parts)-1] {
			table, _ = table[p].(map[string]any)
		}
		last := parts[len(parts)-1]
		if _, ok := table[last]; !ok {
			return "", nil, fmt.Errorf("--ignore %s: %s has no such setting; give cc, driver or a dotted key as config.toml writes it, e.g. link.buffer or tcp.recovery", k, path)
		}
		delete(table, last)
		if parts[0] == "tcp" && len(parts) == 2 {
			// A [tcp] setting that each [[flows]] entry may override is
			// resolved into every entry (recovery, for one): ignoring
			// it ignores the entries' copies too.
			for _, f := range flows {
				if t, ok := f.(map[string]any); ok {
					delete(t, last)
				}
			}
		}
	}
	key, err := json.Marshal(cfg)
	return string(key), groupOf, err
}

// Compared metrics. Goodput is per [[flows]] entry (the mean over its
// flows), so "goodput[0]" is the first entry's.
const (
	MetricGoodput     = "goodput"
	MetricRTTP50      = "rtt_p50"
	MetricRTTP95      = "rtt_p95"
	MetricUtilization = "utilization"
	MetricRetransmits = "retransmits"
)

// MetricUnit is the unit of a metric's values.
func MetricUnit(metric string) string {
	switch BaseMetric(metric) {
	case MetricGoodput:
		return "bit/s"
	case MetricRTTP50, MetricRTTP95:
		return "ms"
	case MetricRetransmits:
		return "segments"
	}
	return "ratio"
}

// BaseMetric is a metric's name without its flow group.
func BaseMetric(metric string) string {
	name, _, _ := strings.Cut(metric, "[")
	return name
}

// runMetrics extracts the compared metrics of one run: goodput per flow
// group, the 95th-percentile RTT averaged over flows, the bottleneck's
// utilization and the retransmissions of all flows.
func runMetrics(s *metrics.Summary, groupOf []int) map[string]float64 {
	m := map[string]float64{MetricUtilization: s.Link.Utilization}
	sums := map[int]float64{}
	counts := map[int]int{}
	var rtt50, rtt, retx float64
	for _, f := range s.Flows {
		// A summary names each flow's [[flows]] entry; one written before
		// it did is mapped by the entries' counts, which holds for fixed
		// flows but not for a workload's.
		g := 0
		if f.Group != nil {
			g = *f.Group
		} else if f.ID < len(groupOf) {
			g = groupOf[f.ID]
		}
		sums[g] += f.GoodputBps
		counts[g]++
		rtt50 += f.RTTP50Ms
		rtt += f.RTTP95Ms
		retx += float64(f.Retransmits)
	}
	for g, sum := range sums {
		m[MetricGoodput+"["+strconv.Itoa(g)+"]"] = sum / float64(counts[g])
	}
	if n := len(s.Flows); n > 0 {
		m[MetricRTTP50] = rtt50 / float64(n)
		m[MetricRTTP95] = rtt / float64(n)
	}
	m[MetricRetransmits] = retx
	return m
}

// MetricNames lists a group's metrics in a stable order.
func (g *RunGroup) MetricNames() []string {
	var names []string
	for m := range g.Metrics {
		names = append(names, m)
	}
	slices.Sort(names)
	return names
}

// NearestDifference returns the settings in which the nearest of groups
// differs from g (fewest differing settings, as dotted keys like
// "tcp.recovery" or "flows[0].cc"), to say what --ignore would pair them;
// nil when groups is empty.
func (g *RunGroup) NearestDifference(groups []*RunGroup) []string {
	var best []string
	mine := flatConfig(g.Key)
	for i, o := range groups {
		d := differences(mine, flatConfig(o.Key))
		if i == 0 || len(d) < len(best) {
			best = d
		}
	}
	return best
}

// flatConfig flattens a canonical JSON config into dotted keys.
func flatConfig(key string) map[string]string {
	var v any
	if json.Unmarshal([]byte(key), &v) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if prefix != "" {
					k = prefix + "." + k
				}
				walk(k, x)
			}
		case []any:
			for i, x := range t {
				walk(prefix+"["+strconv.Itoa(i)+"]", x)
			}
		default:
			b, _ := json.Marshal(t)
			out[prefix] = string(b)
		}
	}
	walk("", v)
	return out
}

// differences lists, sorted, the keys whose values differ between a and b
// or that only one has.
func differences(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			d = append(d, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k)
		}
	}
	slices.Sort(d)
	return d
}
