// Command-line overrides: --set key=value changes one setting of the file,
// as if the file had said so.
//
// The key is written as in error messages: a top-level key ("duration"), a
// key of a table ("link.rate", "tcp.mss"), or a key of one [[flows]] entry
// with its index in brackets, counting from 0 ("flows[0].cc"). Keys are
// case-sensitive, as the file's are (case.go): "Link.Rate" is refused with
// the key it meant.
//
// The value is read as a TOML value, so "seed=2" is an integer,
// "tcp.sack=true" a boolean and "link.loss=0.01" a float; anything that is
// not a TOML value is taken as a string, so "link.rate=50Mbit/s" needs no
// quotes. Values of string settings (name, driver, flows[i].cc) are always
// strings, so "name=2024" names an experiment "2024".
//
// An override of a [[flows]] entry must name an entry that exists; when the
// file has no [[flows]] at all, the default single entry exists and can be
// overridden.

package experiment

import (
	"maps"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/viper"
)

// override is one parsed --set.
type override struct {
	// key is the setting as displayed: "link.rate", "flows[0].cc".
	key string
	// table and name locate it in the schema; index is the [[flows]]
	// entry, or -1.
	table *table
	name  string
	index int
	value any
}

// parseSet parses one "key=value" argument.
func parseSet(arg string) (override, error) {
	written, val, ok := strings.Cut(arg, "=")
	written = strings.TrimSpace(written)
	k := strings.ToLower(written)
	val = strings.TrimSpace(val)
	if !ok || k == "" {
		return override{}, &Error{Source: SetSource, Key: strconv.Quote(arg),
			Msg: "expected key=value, e.g. link.rate=50Mbit/s"}
	}
	o := override{key: k, index: -1}
	tname, name, dotted := strings.Cut(k, ".")
	if !dotted {
		tname, name = "", k
	}
	if open := strings.IndexByte(tname, '['); open >= 0 && strings.HasSuffix(tname, "]") {
		i, err := strconv.Atoi(tname[open+1 : len(tname)-1])
		if err != nil || i < 0 {
			return o, &Error{Source: SetSource, Key: k,
				Msg: "the index in brackets must be a whole number from 0, e.g. flows[0].cc"}
		}
		o.index, tname = i, tname[:open]
	}
	o.table = tableNamed(tname)
	switch {
	case o.table == nil:
		return o, unknownKey(SetSource, k, &schema[0], "")
	case tname == "" && tableNamed(name) != nil:
		t := tableNamed(name)
		return o, &Error{Source: SetSource, Key: k,
			Msg: "is a table and cannot be set as a whole; set one of its keys: " + strings.Join(t.keyNames(), ", ")}
	case o.table.array && o.index < 0:
		if i, rest, ok := strings.Cut(name, "."); ok {
			if _, err := strconv.Atoi(i); err == nil {
				return o, &Error{Source: SetSource, Key: k,
					Msg: "unknown key; write " + tname + "[" + i + "]." + rest + " to set a key of one " + o.table.header() + " entry"}
			}
		}
		return o, &Error{Source: SetSource, Key: k,
			Msg: "needs the index of a " + o.table.header() + " entry, e.g. " + tname + "[0]." + o.table.keys[0].name}
	case !o.table.array && o.index >= 0:
		return o, unknownKey(SetSource, k, o.table, tname+".")
	case o.table.key(name) == nil:
		prefix := tname + "."
		if o.index >= 0 {
			prefix = tname + "[" + strconv.Itoa(o.index) + "]."
		}
		if tname == "" {
			prefix = ""
		}
		return o, unknownKey(SetSource, k, o.table, prefix)
	}
	if written != k {
		return o, caseMismatch(SetSource, written, k)
	}
	o.name = name
	o.value = setValue(val, o.table.key(name).kind)
	return o, nil
}

// setValue reads a --set value as a TOML value when it is one, else as a
// string; for string settings, only a quoted TOML string is unquoted.
func setValue(val string, k kind) any {
	if strings.ContainsAny(val, "\n\r") {
		return val
	}
	if k == kindString && !strings.HasPrefix(val, `"`) && !strings.HasPrefix(val, "'") {
		return val
	}
	var doc map[string]any
	if err := toml.Unmarshal([]byte("v = "+val), &doc); err != nil {
		return val
	}
	if k == kindString {
		if s, ok := doc["v"].(string); ok {
			return s
		}
		return val
	}
	return doc["v"]
}

// applySets parses every override and applies it to v on top of the file
// (an array of tables is set back in the form viper reads it in, []any),
// returning the displayed keys that were set. Overrides apply in order, so
// a later one wins.
func applySets(v *viper.Viper, source string, sets []string) (map[string]bool, error) {
	fromSet := make(map[string]bool, len(sets))
	for _, arg := range sets {
		o, err := parseSet(arg)
		if err != nil {
			return nil, err
		}
		if o.index < 0 {
			v.Set(o.key, o.value)
			fromSet[o.key] = true
			continue
		}
		entries, err := copyEntries(v, source, o.table)
		if err != nil {
			return nil, err
		}
		if o.index >= len(entries) {
			return nil, &Error{Source: SetSource, Key: o.key, Msg: noSuchEntry(o.table, len(entries))}
		}
		entries[o.index][o.name] = o.value
		asRead := make([]any, len(entries))
		for i, e := range entries {
			asRead[i] = e
		}
		v.Set(o.table.name, asRead)
		fromSet[o.table.name+"["+strconv.Itoa(o.index)+"]."+o.name] = true
	}
	return fromSet, nil
}

// copyEntries returns a copy of the entries of the array of tables t, or
// the single default entry when the file has none, so that overriding one
// never changes viper's copy of the file. source names the file.
func copyEntries(v *viper.Viper, source string, t *table) ([]map[string]any, error) {
	raw := v.Get(t.name)
	if raw == nil {
		return []map[string]any{{}}, nil
	}
	elems, ok := tableArray(raw)
	if !ok {
		return nil, notTableArray(source, t, raw)
	}
	out := make([]map[string]any, len(elems))
	for i, e := range elems {
		out[i] = maps.Clone(e)
	}
	return out, nil
}

// noSuchEntry explains an index past the end of an array of tables.
func noSuchEntry(t *table, n int) string {
	switch n {
	case 0:
		return "no such entry; the experiment has no " + t.header() + " entries"
	case 1:
		return "no such entry; the experiment has 1 " + t.header() + " entry, " + t.name + "[0]"
	default:
		return "no such entry; the experiment has " + strconv.Itoa(n) + " " + t.header() +
			" entries, " + t.name + "[0] to " + t.name + "[" + strconv.Itoa(n-1) + "]"
	}
}

// notTableArray is the error for a value that should be an array of
// tables and is not.
func notTableArray(source string, t *table, raw any) *Error {
	return &Error{Source: source, Key: t.name,
		Msg: formatValue(raw) + " is not allowed: must be an array of tables, each written " + t.header()}
}
