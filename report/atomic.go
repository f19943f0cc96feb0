// Package report writes a run's results into its directory: a CSV time
// series per flow and for the bottleneck, the JSON summary, and plots as PNG
// and SVG.
//
// Every file is written atomically: a run interrupted at any point leaves
// each result file either complete or absent, never truncated, so a resumed
// sweep can trust whatever it finds. Formatting is fixed-precision and the
// plots embed no timestamps, so the same measurements give byte-identical
// files.
package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic creates or replaces path with what write produces. It
// writes to a temporary file in the same directory (so the final rename
// stays on one file system and is atomic), flushes it to disk, and renames
// it over path only if write and every step after it succeeded. On failure,
// including a panic in write, the temporary file is removed and path is left
// as it was.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// CreateTemp makes the file private; results are for sharing.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Without the sync, a crash soon after the rename can leave an empty
	// file under the final name on file systems that reorder metadata and
	// data writes.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	renamed = true
	return nil
}
