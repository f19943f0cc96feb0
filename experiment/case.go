// Two checks on an experiment file as TOML reads it, before viper sees
// it: that it sets anything (checkNotEmpty), and that its keys are written
// in the schema's case (checkCase).
//
// Keys are case-sensitive. TOML says so (its keys are compared byte for
// byte), but viper, which reads the file, lower-cases every key, so
// `Duration = "10s"`, `[Link]` and `flows[0].CC` used to be read as
// duration, [link] and flows[0].cc. A file that only works under viper is
// not a TOML file, and another reader (a script, a later ccbench) would
// ignore those keys; so a key that matches a known one only once case is
// ignored is refused, naming the key as written and the one it meant. The
// check runs on the document as TOML reads it, before viper sees it; --set
// and [sweep] keys are checked in parseSet.

package experiment

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// emptyFile is the message for a file that sets nothing.
const emptyFile = `the file sets nothing (it is empty or holds only comments), so it would run every default; write the settings to run, e.g. duration = "30s", or start from experiments/bottleneck.toml`

// checkNotEmpty refuses an experiment file with no key at all. Every
// setting has a default, so an empty file (a failed redirect, the wrong
// file) would otherwise run the defaults and exit 0, and its results
// would look like the experiment's. A file that is not valid TOML is left
// to the loader, which reports the syntax error with its line.
func checkNotEmpty(name string, data []byte) error {
	var doc map[string]any
	if toml.Unmarshal(data, &doc) != nil || len(doc) > 0 {
		return nil
	}
	return errors.New(name + ": " + emptyFile)
}

// checkCase returns the error for the first key of doc, the file as TOML
// reads it, that is known to the schema only when case is ignored; keys
// unknown in any case are left to checkKeys, which suggests a spelling.
// Keys are visited in sorted order, tables before the keys inside them.
func checkCase(source string, doc map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if k == "sweep" || k == "repetitions" {
			continue // [sweep]'s keys are --set keys, checked by parseSet
		}
		if t := tableNamed(k); t != nil && k != "" {
			if err := checkTableCase(source, t, doc[k]); err != nil {
				return err
			}
			continue
		}
		if schema[0].key(k) != nil {
			continue
		}
		lower := strings.ToLower(k)
		if (lower != "" && tableNamed(lower) != nil) || schema[0].key(lower) != nil || lower == "sweep" || lower == "repetitions" {
			return caseMismatch(source, k, lower)
		}
	}
	return nil
}

// checkTableCase checks the keys of the table t as TOML read it: one table,
// or each entry of an array of tables. A value of another shape is left
// to the decoder.
func checkTableCase(source string, t *table, v any) error {
	check := func(m map[string]any, prefix string) error {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if t.key(k) == nil && t.key(strings.ToLower(k)) != nil {
				return caseMismatch(source, prefix+k, prefix+strings.ToLower(k))
			}
		}
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return check(m, t.name+".")
	}
	elems, _ := tableArray(v)
	for i, m := range elems {
		if err := check(m, t.name+"["+strconv.Itoa(i)+"]."); err != nil {
			return err
		}
	}
	return nil
}

// caseMismatch is the error for the key written as k, which is the known
// key want in another case.
func caseMismatch(source, k, want string) *Error {
	return &Error{Source: source, Key: k,
		Msg: "unknown key; keys are case-sensitive, as in TOML: did you mean " + strconv.Quote(want) + "?"}
}
