package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
)

// A 60 KB garbage line in a link's trace makes a one-line error that names
// the setting, the file and the line, and quotes only the line's start.
func TestTraceGarbageLineErrorNamesFileAndLineBriefly(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "cell.trace")
	garbage := strings.Repeat("garbage ", 60<<10/8)
	if err := os.WriteFile(trace, []byte("1\n2\n"+garbage+"\n4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	toml := `name = "tracegarbage"
duration = "1s"
[link]
trace = "cell.trace"
delay = "10ms"
buffer = "100kB"
[[flows]]
cc = "reno"
`
	path := filepath.Join(dir, "x.toml")
	if err := os.WriteFile(path, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromConfig(cfg)
	if err == nil {
		t.Fatal("FromConfig accepted a trace with a garbage line")
	}
	msg := err.Error()
	for _, want := range []string{"link.trace", trace, "trace line 3", `"garbage garbage`, fmt.Sprintf("… (%d bytes)", len(strings.TrimSpace(garbage)))} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %.400s", want, msg)
		}
	}
	if len(msg) > 300 || strings.Contains(msg, "\n") {
		t.Errorf("error is %d bytes, want one line under 300: %.400s", len(msg), msg)
	}
}
