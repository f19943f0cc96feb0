package packetdrill

import (
	"fmt"
	"strings"
)

// Kind is the outcome of a script.
type Kind uint8

const (
	// Pass: every event happened as scripted.
	Pass Kind = iota
	// Fail: the stack did something else (a packet, a time, a return
	// value); Result says where and what.
	Fail
	// Unsupported: the script uses something the runner cannot play
	// against the stack; it neither passed nor failed.
	Unsupported
	// Error: the script itself is malformed or inconsistent.
	Error
)

func (k Kind) String() string {
	switch k {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Unsupported:
		return "unsupported"
	case Error:
		return "error"
	}
	return "?"
}

// Result is what a script run found.
type Result struct {
	Path string
	Kind Kind
	// Line and Statement locate the first mismatch or unsupported
	// statement.
	Line      int
	Statement string
	// Msg says what went wrong.
	Msg string
	// Expected and Actual are the scripted packet and the packet the
	// stack sent instead, in script notation, for packet mismatches.
	Expected, Actual string
}

// String is the one-line summary the CLI prints, with the packets on
// following lines.
func (r Result) String() string {
	switch r.Kind {
	case Pass:
		return fmt.Sprintf("%s: pass", r.Path)
	case Unsupported:
		if r.Statement != "" {
			return fmt.Sprintf("%s: unsupported: %s (line %d): %s", r.Path, oneLine(r.Statement, 100), r.Line, r.Msg)
		}
		return fmt.Sprintf("%s: unsupported: %s", r.Path, r.Msg)
	}
	var b strings.Builder
	if r.Line > 0 {
		fmt.Fprintf(&b, "%s:%d: %s: %s", r.Path, r.Line, r.Kind, r.Msg)
	} else {
		fmt.Fprintf(&b, "%s: %s: %s", r.Path, r.Kind, r.Msg)
	}
	if r.Statement != "" {
		fmt.Fprintf(&b, "\n  script line %d: %s", r.Line, r.Statement)
	}
	if r.Expected != "" {
		fmt.Fprintf(&b, "\n  expected: %s", r.Expected)
	}
	if r.Actual != "" {
		fmt.Fprintf(&b, "\n  actual:   %s", r.Actual)
	}
	return b.String()
}

// oneLine shortens a statement for a one-line message.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
