package packetdrill

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuite plays every script under scripts/, the project's conformance
// suite: each must pass; an unsupported statement or a mismatch fails it.
func TestSuite(t *testing.T) {
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
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(f), "scripts/"), ".pkt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if res := RunFile(f, DefaultOptions()); res.Kind != Pass {
				t.Errorf("%s", res)
			}
		})
	}
}
