package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomicSuccessLeavesOnlyTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "a,b\n1,2\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if names := dirEntries(t, dir); len(names) != 1 || names[0] != "out.csv" {
		t.Fatalf("directory holds %v, want only out.csv", names)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "a,b\n1,2\n" {
		t.Fatalf("content %q", got)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", info.Mode().Perm())
	}
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	boom := errors.New("disk on fire")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		// More than the buffer holds, so part of it reaches the temp file.
		if _, err := w.Write(make([]byte, 200<<10)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want it to wrap %v", err, boom)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("failed write left %v", names)
	}
}

func TestWriteFileAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "new but partial")
		return errors.New("interrupted")
	})
	if err == nil {
		t.Fatal("want the writer's error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("failed write changed the file to %q", got)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Fatalf("failed write left %v", names)
	}
}

func TestWriteFileAtomicPanicLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() { recover() }()
		WriteFileAtomic(filepath.Join(dir, "x.png"), func(w io.Writer) error {
			io.WriteString(w, "half")
			panic("renderer bug")
		})
	}()
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("panicking writer left %v", names)
	}
}

func TestWriteFileAtomicMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "out.csv")
	if err := WriteFileAtomic(path, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}
