// Sweeps: one experiment file that stands for many runs. A [sweep] table
// lists, for any setting, the values it takes, and repetitions repeats
// every combination with different seeds, the way parameter studies in the
// congestion-control literature are set up (a grid of algorithms × buffer
// sizes, several seeds per cell).
//
//	repetitions = 3
//	[sweep]
//	"flows[0].cc" = ["reno", "cubic", "bbr"]
//	"link.buffer" = ["0.25bdp", "1bdp", "4bdp"]
//
// A sweep key is written exactly as a --set key; a dotted key that is not
// quoted (link.buffer = [...]) means the same. Each point of the sweep is
// the file plus a list of --set overrides, loaded through LoadBytes, so a
// point is checked, and its problems are reported, exactly as a run of the
// same file with those --set flags would be.
//
// Points are the cross product of the swept values, in sorted key order
// with the last key varying fastest, times the repetitions. Repetition r
// runs with seed s + r, where s is the point's seed (the file's, a --set
// one, or a swept one): consecutive seeds, because seeds pass through
// SplitMix64 before any generator sees them, so neighbouring seeds give
// independent streams.

package experiment

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// maxPoints bounds a sweep: far beyond any study that fits on one machine,
// it stops a typo from queueing a billion runs.
const maxPoints = 100000

// Sweep is an experiment file expanded into the runs it stands for.
type Sweep struct {
	// Name is the experiment name; every point's results go to
	// results/<Name>/<point.Run>/.
	Name string
	// Keys are the swept settings in sorted order, as --set keys.
	Keys []string
	// Repetitions is how many seeds every combination runs with.
	Repetitions int
	// Points are the runs, in expansion order.
	Points []Point
}

// Point is one run of a sweep.
type Point struct {
	// Run names the point's results folder: the swept values and the
	// repetition, "cc=cubic,link.buffer=1bdp,rep=0", holding only
	// characters that are safe in a file name.
	Run string
	// Values are the point's swept values, one per Sweep.Keys entry, as
	// they would be written after "key=" in a --set.
	Values []string
	// Rep is the repetition, from 0.
	Rep int
	// Sets are the overrides that make this point: the command line's,
	// then the swept values, then the seed.
	Sets []string
	// Config is the point's experiment, loaded and checked.
	Config *Config
}

// IsSweep reports whether s stands for more than the plain run of its
// file: a [sweep] table or repetitions was given.
func (s *Sweep) IsSweep() bool { return len(s.Keys) > 0 || s.Repetitions > 1 }

// LoadSweep reads the experiment file at path, with the command-line
// overrides sets, and expands its sweep. A file without [sweep] and
// repetitions expands to one point, the run Load would give.
func LoadSweep(path string, sets []string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return loadSweep(path, data, sets, true)
}

// recheckCase makes LoadSweepBytes check the case of data's keys again
// in loadBytes, as it once did; tests compare the two.
var recheckCase = false

// LoadSweepBytes is LoadSweep for a document already in memory; name
// stands for its file name.
func LoadSweepBytes(name string, data []byte, sets []string) (*Sweep, error) {
	return loadSweep(name, data, sets, false)
}

// loadSweep is LoadSweepBytes; refuseEmpty makes it fail as checkNotEmpty
// does, from the document it parses anyway.
func loadSweep(name string, data []byte, sets []string, refuseEmpty bool) (*Sweep, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		// LoadBytes reports the syntax error with its line.
		_, lerr := LoadBytes(name, data, sets)
		if lerr == nil {
			lerr = err
		}
		return nil, lerr
	}
	if refuseEmpty && len(doc) == 0 {
		return nil, errors.New(name + ": " + emptyFile)
	}
	if err := checkCase(name, doc); err != nil {
		return nil, err
	}
	axes, reps, err := sweepAxes(name, doc)
	if err != nil {
		return nil, err
	}
	base := data
	// checkCase has passed data's document: loading data itself need not
	// parse it again for that.
	caseChecked := !recheckCase
	if _, ok := doc["sweep"]; ok || doc["repetitions"] != nil {
		delete(doc, "sweep")
		delete(doc, "repetitions")
		if base, err = toml.Marshal(doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		caseChecked = false
	}
	cfg, err := loadBytes(name, base, sets, caseChecked)
	if err != nil {
		return nil, err
	}
	sw := &Sweep{Name: cfg.Name, Repetitions: reps}
	total := reps
	for _, a := range axes {
		sw.Keys = append(sw.Keys, a.key)
		total *= len(a.values)
		if total > maxPoints {
			return nil, &Error{Source: name, Key: "[sweep]",
				Msg: "expands to more than " + strconv.Itoa(maxPoints) + " runs; sweep fewer values"}
		}
	}
	if !sw.IsSweep() {
		sw.Points = []Point{{Run: "", Sets: sets, Config: cfg}}
		return sw, nil
	}
	labels := axisLabels(sw.Keys)
	idx := make([]int, len(axes))
	for {
		values := make([]string, len(axes))
		pointSets := slices.Clone(sets)
		var nameParts []string
		for i, a := range axes {
			values[i] = a.values[idx[i]]
			pointSets = append(pointSets, a.key+"="+a.literals[idx[i]])
			nameParts = append(nameParts, labels[i]+"="+values[i])
		}
		seedCfg, err := LoadBytes(name, base, pointSets)
		if err != nil {
			return nil, err
		}
		for r := range reps {
			p := Point{Values: values, Rep: r}
			p.Run = safeName(strings.Join(append(slices.Clone(nameParts), "rep="+strconv.Itoa(r)), ","))
			p.Sets = append(slices.Clone(pointSets), "seed="+strconv.FormatUint(seedCfg.Seed+uint64(r), 10))
			if p.Config, err = LoadBytes(name, base, p.Sets); err != nil {
				return nil, err
			}
			sw.Points = append(sw.Points, p)
		}
		if !nextIndex(idx, axes) {
			break
		}
	}
	return sw, nil
}

// axis is one swept setting: its --set key, its values as displayed and as
// --set literals.
type axis struct {
	key      string
	values   []string
	literals []string
}

// sweepAxes reads [sweep] and repetitions from the parsed document,
// checking every key as --set would.
func sweepAxes(source string, doc map[string]any) ([]axis, int, error) {
	reps := 1
	rawSweep, hasSweep := doc["sweep"]
	table, ok := rawSweep.(map[string]any)
	if hasSweep && !ok {
		return nil, 0, &Error{Source: source, Key: "sweep",
			Msg: formatValue(rawSweep) + " is not allowed: must be a table written [sweep] whose keys are settings and values lists"}
	}
	flat := make(map[string]any)
	flatten("", table, flat)
	repSeen := false
	for _, raw := range []any{doc["repetitions"], flat["repetitions"]} {
		if raw == nil {
			continue
		}
		n, reason := intValue(raw)
		if reason != "" || n < 1 || n > maxPoints || repSeen {
			msg := formatValue(raw) + " is not allowed: must be a whole number of runs from 1 to " + strconv.Itoa(maxPoints)
			if repSeen {
				msg = "is given twice, at the top level and in [sweep]; give it once"
			}
			return nil, 0, &Error{Source: source, Key: "repetitions", Msg: msg}
		}
		reps, repSeen = int(n), true
	}
	delete(flat, "repetitions")
	var axes []axis
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		list, ok := flat[k].([]any)
		if !ok || len(list) == 0 {
			return nil, 0, &Error{Source: source, Key: "[sweep] " + k,
				Msg: formatValue(flat[k]) + " is not allowed: must be a non-empty list of values, e.g. [\"0.5bdp\", \"1bdp\"]"}
		}
		a := axis{key: k}
		for _, v := range list {
			shown, literal, ok := sweepValue(v)
			if !ok {
				return nil, 0, &Error{Source: source, Key: "[sweep] " + k,
					Msg: formatValue(v) + " is not allowed: sweep values are strings, numbers or booleans"}
			}
			if _, err := parseSet(a.key + "=" + literal); err != nil {
				if e, ok := err.(*Error); ok {
					e.Source, e.Key = source, "[sweep] "+e.Key
				}
				return nil, 0, err
			}
			if slices.Contains(a.values, shown) {
				return nil, 0, &Error{Source: source, Key: "[sweep] " + k,
					Msg: strconv.Quote(shown) + " is listed twice; each value once"}
			}
			a.values = append(a.values, shown)
			a.literals = append(a.literals, literal)
		}
		axes = append(axes, a)
	}
	return axes, reps, nil
}

// flatten turns nested tables (an unquoted dotted key) into dotted keys.
func flatten(prefix string, t map[string]any, out map[string]any) {
	for k, v := range t {
		if sub, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = v
	}
}

// sweepValue returns a value as shown in run names and as a --set literal;
// strings are quoted so that "true" stays a string where a string is meant.
func sweepValue(v any) (shown, literal string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, tomlString(x), true
	case int64:
		s := strconv.FormatInt(x, 10)
		return s, s, true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), tomlFloat(x), true
	case bool:
		s := strconv.FormatBool(x)
		return s, s, true
	}
	return "", "", false
}

// axisLabels shortens keys for run names: a key of one [[flows]] entry
// drops its "flows[i]." prefix ("cc") unless another swept key has the
// same last part.
func axisLabels(keys []string) []string {
	last := func(k string) string {
		if strings.HasPrefix(k, "flows[") {
			if _, rest, ok := strings.Cut(k, "."); ok {
				return rest
			}
		}
		return k
	}
	labels := make([]string, len(keys))
	for i, k := range keys {
		labels[i] = k
		short := last(k)
		clash := false
		for j, o := range keys {
			if j != i && (last(o) == short || o == short) {
				clash = true
			}
		}
		if !clash {
			labels[i] = short
		}
	}
	return labels
}

// safeName replaces every character that is not safe in a file name on
// common systems with '_'; the letters, digits and ".,=+-_" stay.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".,=+-_", c) >= 0) {
			b[i] = '_'
		}
	}
	return string(b)
}

// nextIndex advances the odometer idx over the axes, the last fastest; it
// reports false after the last combination.
func nextIndex(idx []int, axes []axis) bool {
	for i := len(idx) - 1; i >= 0; i-- {
		idx[i]++
		if idx[i] < len(axes[i].values) {
			return true
		}
		idx[i] = 0
	}
	return false
}
