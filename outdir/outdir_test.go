package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestHiddenBase(t *testing.T) {
	for in, want := range map[string]string{
		".seed-1.tmp-123":              "seed-1",
		".seed-1.lock":                 "seed-1",
		".seed-1.old-.seed-1.tmp-9":    "seed-1",
		".index.html.tmp-77":           "index.html",
		".cc=reno,rep=0.tmp-5":         "cc=reno,rep=0",
		"seed-1":                       "",
		".lock":                        "",
		".hidden":                      "",
		".a.b.tmp-1":                   "a.b",
		".link.buffer=1bdp,rep=0.lock": "link.buffer=1bdp,rep=0",
	} {
		got, ok := hiddenBase(in)
		if got != want || ok != (want != "") {
			t.Errorf("hiddenBase(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestLockIsExclusiveUnlessShared: a second exclusive holder is refused
// with ErrBusy and the holder's pid; shared holders (shards) coexist but
// keep an exclusive one out; unlocking removes the lock file.
func TestLockIsExclusiveUnlessShared(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "exp", "run")
	l, err := Lock(dest, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dest, false); !errors.Is(err, ErrBusy) {
		t.Errorf("second lock: %v, want ErrBusy", err)
	} else if want := "(pid " + strconv.Itoa(os.Getpid()) + ")"; !strings.Contains(err.Error(), want) {
		t.Errorf("busy error %q does not name %s", err, want)
	}
	l.Unlock()
	if _, err := os.Stat(lockPath(dest)); !os.IsNotExist(err) {
		t.Errorf("lock file left after unlock: %v", err)
	}
	a, err := Lock(dest, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Lock(dest, true)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	if _, err := Lock(dest, false); !errors.Is(err, ErrBusy) {
		t.Errorf("exclusive lock beside shared ones: %v, want ErrBusy", err)
	}
	a.Unlock()
	b.Unlock()
	if l, err := Lock(dest, false); err != nil {
		t.Errorf("lock after the shared holders left: %v", err)
	} else {
		l.Unlock()
	}
}

// TestRemoveStale removes what a killed run left (a temporary folder, its
// lock file) and puts back a folder set aside by a swap that did not
// finish, but leaves a live run's temporary folder alone.
func TestRemoveStale(t *testing.T) {
	exp := t.TempDir()
	mk := func(name string) {
		if err := os.MkdirAll(filepath.Join(exp, name), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(exp, name, "summary.json"), []byte("{}"), 0o644)
	}
	mk(".dead.tmp-1")
	os.WriteFile(filepath.Join(exp, ".dead.lock"), []byte("999999\n"), 0o644)
	mk(".moved.old-.moved.tmp-2")
	mk("live")
	mk(".live.tmp-3")
	l, err := Lock(filepath.Join(exp, "live"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	removed, err := RemoveStale(exp)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(exp)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	slices.Sort(left)
	if want := []string{".live.lock", ".live.tmp-3", "live", "moved"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v (removed %v)", left, want, removed)
	}
}

// TestFailedRunLeavesNoEmptyFolder: a run that takes its lock, makes its
// temporary folder and then fails removes the results and experiment
// folders its lock made, but not a folder that was there before, nor one
// that another run is using.
func TestFailedRunLeavesNoEmptyFolder(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "results")
	dest := filepath.Join(out, "exp", "run")
	fail := func(dest string) {
		t.Helper()
		l, err := Lock(dest, false)
		if err != nil {
			t.Fatal(err)
		}
		tmp, err := NewTemp(dest)
		if err != nil {
			t.Fatal(err)
		}
		DropTemp(tmp)
		l.Unlock()
	}
	fail(dest)
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("a failed run into a new results folder left %v", entries)
	}

	// Another run holds its lock in the experiment's folder: it stays.
	other, err := Lock(filepath.Join(out, "exp", "other"), false)
	if err != nil {
		t.Fatal(err)
	}
	fail(dest)
	if _, err := os.Stat(other.path); err != nil {
		t.Errorf("the other run's lock: %v", err)
	}
	other.Unlock()
	if _, err := os.Stat(root + "/results"); !os.IsNotExist(err) {
		t.Errorf("the last lock's holder left its folders: %v", err)
	}

	// A results folder that was there before stays.
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	fail(dest)
	if entries, err := os.ReadDir(out); err != nil || len(entries) != 0 {
		t.Errorf("results folder made by the user: %v, %v; want it there and empty", entries, err)
	}

	// A run that commits keeps its folder and the ones around it.
	l, err := Lock(dest, false)
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := NewTemp(dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := Commit(tmp, dest); err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	if _, err := os.Stat(dest); err != nil {
		t.Errorf("committed run: %v", err)
	}
}

// TestAbortTempsRemovesEmptyFolders: ending the process on a signal in
// the middle of a sweep's first point (the sweep's lock made the results
// folder, the point's lock the experiment's) leaves neither.
func TestAbortTempsRemovesEmptyFolders(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "results")
	sweep, err := Lock(filepath.Join(out, "exp"), false)
	if err != nil {
		t.Fatal(err)
	}
	point, err := Lock(filepath.Join(out, "exp", "p0"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTemp(filepath.Join(out, "exp", "p0")); err != nil {
		t.Fatal(err)
	}
	AbortTemps()
	defer func() {
		held.Lock()
		held.aborted = false
		held.Unlock()
	}()
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("AbortTemps left %v", entries)
	}
	// Unlocking after AbortTemps (the deferred calls of the runs that
	// were going) finds nothing to do.
	point.Unlock()
	sweep.Unlock()
}

// TestCleanTreeRemovesWhatItEmptied: a killed sweep's first point left a
// temporary folder and a lock in the experiment's folder, and the sweep's
// lock beside it; cleaning removes those and then the two folders they
// were alone in. A folder that was empty before, and one that holds a
// finished run, stay.
func TestCleanTreeRemovesWhatItEmptied(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "results")
	for _, dir := range []string{"killed/.p0.tmp-1", "done/p0", "empty"} {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{".killed.lock", "killed/.p0.lock", "done/.p1.lock"} {
		os.WriteFile(filepath.Join(out, f), []byte("999999\n"), 0o644)
	}
	removed, err := CleanTree(out + "/")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	filepath.WalkDir(root, func(path string, _ os.DirEntry, _ error) error {
		left = append(left, strings.TrimPrefix(path, root))
		return nil
	})
	want := []string{"", "/results", "/results/done", "/results/done/p0", "/results/empty"}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v (removed %v)", left, want, removed)
	}
	if !slices.Contains(removed, filepath.Join(out, "killed")) {
		t.Errorf("removed %v does not name the emptied experiment folder", removed)
	}

	// Once the results folder holds nothing else, it goes too, but not
	// the folder around it.
	os.RemoveAll(filepath.Join(out, "done"))
	os.Remove(filepath.Join(out, "empty"))
	os.MkdirAll(filepath.Join(out, "x", ".r.tmp-2"), 0o755)
	if _, err := CleanTree(out); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Errorf("after the last leftovers: %v, %v; want %s there and empty", entries, err, root)
	}
}
