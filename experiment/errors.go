// Errors for people: every problem with an experiment is one line that says
// where the setting came from, which setting it is, the value found and
// what is allowed instead.

package experiment

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
)

// SetSource is the Source of an Error about a command-line --set override.
const SetSource = "--set"

// Error is a problem with one setting.
type Error struct {
	// Source is the experiment file, or SetSource when the value came from
	// a --set override.
	Source string
	// Key is the setting as written in the file or on the command line:
	// "link.rate", "flows[0].cc".
	Key string
	// Msg is the rest of the line: the value and what is allowed.
	Msg string
}

func (e *Error) Error() string {
	switch e.Source {
	case "":
		return e.Key + ": " + e.Msg
	case SetSource:
		return SetSource + " " + e.Key + ": " + e.Msg
	default:
		return e.Source + ": " + e.Key + ": " + e.Msg
	}
}

// SyntaxError is a file that is not valid TOML.
type SyntaxError struct {
	File string
	// Line and Column locate the error, counting from 1; 0 when unknown.
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": TOML syntax error: " + e.Msg)
	return b.String()
}

// newSyntaxError converts what viper returned for a document that does not
// parse. go-toml reports most errors with a position; a redefined key or
// table it reports by name only, and the line is then found by looking for
// the key's last definition, which is the one that clashes.
func newSyntaxError(file string, data []byte, err error) *SyntaxError {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &SyntaxError{File: file, Line: line, Column: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	msg = strings.Join(strings.Fields(msg), " ")
	e := &SyntaxError{File: file, Msg: msg}
	if m := redefinedName().FindStringSubmatch(msg); m != nil {
		e.Line = lastDefinition(data, m[1]+m[2]+m[3])
	}
	return e
}

// redefinedName finds the key in go-toml's redefinition messages. It is
// compiled on first use: a file without that error never needs it.
var redefinedName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:key (\S+) (?:is already defined|should be a table)|table (\S+) already exists|.*already exists as a (\S+?),)`)
})

// lastDefinition returns the last line (from 1) that defines name as a key
// ("name =", "name.x =") or a table ("[name]", "[a.name]", "[[name]]"),
// or 0.
func lastDefinition(data []byte, name string) int {
	last := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if strings.HasPrefix(s, "[") {
			header := strings.Trim(s[:strings.IndexByte(s+"]", ']')], "[ ")
			parts := strings.Split(header, ".")
			if strings.TrimSpace(parts[len(parts)-1]) == name {
				last = i + 1
			}
			continue
		}
		if eq := strings.IndexByte(s, '='); eq > 0 {
			for part := range strings.SplitSeq(s[:eq], ".") {
				if strings.TrimSpace(part) == name {
					last = i + 1
				}
			}
		}
	}
	return last
}

// formatValue writes a raw value the way the user wrote it, near enough to
// recognize: strings quoted, numbers and booleans bare.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		return "a table"
	case []any:
		if names, ok := stringList(v); ok {
			return names
		}
		return "an array"
	case []map[string]any:
		return "an array"
	default:
		return fmt.Sprint(v)
	}
}

// stringList writes a non-empty array of strings as TOML writes it:
// ["r0", "r1"].
func stringList(v []any) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	quoted := make([]string, len(v))
	for i, e := range v {
		s, ok := e.(string)
		if !ok {
			return "", false
		}
		quoted[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]", true
}
