// Unknown-key detection. A misspelled key must not be ignored: the run would
// silently use the default and measure something other than what the file
// says. Every key viper read is checked against the schema, and the error
// suggests the closest known key.

package experiment

import (
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// checkKeys rejects the first key (in sorted order) that the schema does
// not know. Viper has lower-cased every key, and flattens tables into
// dotted keys, but leaves an array of tables as one value ([]any of
// map[string]any); the keys inside each [[flows]] entry are checked here.
// Values of the wrong shape for a known key (a table where a number
// belongs) are left to the decoder, which names what is allowed.
func checkKeys(v *viper.Viper, source string) error {
	keys := v.AllKeys()
	slices.Sort(keys)
	for _, k := range keys {
		parts := strings.Split(k, ".")
		t := tableNamed(parts[0])
		switch {
		case t == nil && schema[0].key(parts[0]) == nil:
			return unknownKey(source, k, &schema[0], "")
		case t != nil && t.array:
			elems, ok := tableArray(v.Get(t.name))
			if !ok {
				continue
			}
			for i, e := range elems {
				if err := checkTableKeys(source, t, e, t.name+"["+strconv.Itoa(i)+"]."); err != nil {
					return err
				}
			}
		case t != nil && len(parts) > 1 && t.key(parts[1]) == nil:
			return unknownKey(source, parts[0]+"."+parts[1], t, t.name+".")
		}
	}
	return nil
}

// checkTableKeys rejects the first unknown key of one table instance m,
// whose keys are displayed after prefix.
func checkTableKeys(source string, t *table, m map[string]any, prefix string) error {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if t.key(name) == nil {
			return unknownKey(source, prefix+name, t, prefix)
		}
	}
	return nil
}

// tableArray returns the tables of an array of tables as viper holds it.
func tableArray(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, len(v))
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// unknownKey is the error for the unknown key k, written where t's keys
// are displayed after prefix.
func unknownKey(source, k string, t *table, prefix string) *Error {
	msg := "unknown key; "
	if s := suggest(k, prefix); s != "" {
		msg += "did you mean " + strconv.Quote(s) + "? "
	}
	return &Error{Source: source, Key: k, Msg: msg + t.allowedKeys()}
}

// suggest returns the known key closest to the unknown key k, or "" if
// none is close. Close means a few edits away, scaled with the key's
// length; failing that, a key with the same name in another table (a
// "rate" written outside [link] means link.rate). Keys of an array of
// tables are offered at the same index as k, given by prefix.
func suggest(k, prefix string) string {
	var candidates []string
	for _, t := range schema {
		p := t.name + "."
		switch {
		case t.name == "":
			p = ""
		case t.array && strings.HasPrefix(prefix, t.name+"["):
			p = prefix
		case t.array:
			p = t.name + "[0]."
		}
		for _, key := range t.keys {
			candidates = append(candidates, p+key.name)
		}
	}
	best, bestDist := "", len(k)/4
	if bestDist < 1 {
		bestDist = 1
	}
	if bestDist > 3 {
		bestDist = 3
	}
	for _, c := range candidates {
		if d := editDistance(k, c); d <= bestDist && (best == "" || d < editDistance(k, best)) {
			best = c
		}
	}
	if best != "" {
		return best
	}
	leaf := k[strings.LastIndexByte(k, '.')+1:]
	for _, c := range candidates {
		if c[strings.LastIndexByte(c, '.')+1:] == leaf {
			return c
		}
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// bytes each cost 1, so "rtae" is one edit from "rate".
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
