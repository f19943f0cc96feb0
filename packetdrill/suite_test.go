package packetdrill

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// knownDifferencesFile lists the conformance scripts the stack does not
// pass yet: each line is a script's path under scripts/, a colon, and why.
// Every script there was validated against the kernel, so a listed one is
// a behaviour in which ccbench still differs from Linux, said out loud
// rather than hidden.
const knownDifferencesFile = "scripts/KNOWN-DIFFERENCES"

// TestSuite plays every script under scripts/, the project's conformance
// suite: each must pass; an unsupported statement or a mismatch fails it.
// A script listed in scripts/KNOWN-DIFFERENCES must instead still fail,
// so the list cannot go stale: fixing the stack means removing the line.
func TestSuite(t *testing.T) {
	known := readKnownDifferences(t)
	var files []string
	err := filepath.WalkDir("scripts", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".pkt") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts under scripts/")
	}
	seen := map[string]bool{}
	for _, f := range files {
		rel := strings.TrimPrefix(filepath.ToSlash(f), "scripts/")
		seen[rel] = true
		name := strings.TrimSuffix(rel, ".pkt")
		why, listed := known[rel]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := RunFile(f, DefaultOptions())
			switch {
			case listed && res.Kind == Pass:
				t.Errorf("%s passes now: remove it from %s", rel, knownDifferencesFile)
			case listed:
				t.Logf("known difference from Linux (%s): %s", why, res)
			case res.Kind != Pass:
				t.Errorf("%s", res)
			}
		})
	}
	for rel := range known {
		if !seen[rel] {
			t.Errorf("%s lists %s, which is not a script under scripts/", knownDifferencesFile, rel)
		}
	}
}

// readKnownDifferences reads scripts/KNOWN-DIFFERENCES: "path: reason"
// lines; blank lines and lines starting with # are comments.
func readKnownDifferences(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(knownDifferencesFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path, why, ok := strings.Cut(line, ":")
		if why = strings.TrimSpace(why); !ok || why == "" {
			t.Fatalf("%s:%d: want \"path.pkt: why the stack differs\", got %q", knownDifferencesFile, n, line)
		}
		known[strings.TrimSpace(path)] = why
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}
