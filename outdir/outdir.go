// Package outdir owns results folders on disk: the default name of a
// run's folder (RunName), and folders that concurrent, interrupted and
// killed runs cannot corrupt. A single run (runner.Execute), a sweep's
// experiment folder and the merge of a sweep's shards all lock, write and
// commit through it; ccbench cleanup and the CLI's signal handling use it
// to remove what runs left behind.
//
// A run writes into a temporary folder beside its destination,
// ".<run>.tmp-XXXX", and swaps it into place when every file is written.
// Three rules make that safe:
//
//  1. Lock first. Before simulating, a run takes an exclusive flock on
//     ".<run>.lock" beside the destination, and holds it until its folder
//     is in place. A second run into the same folder fails at once, before
//     simulating, with one line naming the holder's pid; it never races
//     the first one's swap. A sweep holds ".<experiment>.lock" in --out the
//     same way (shared between the shards of one sweep, which write
//     disjoint points), and each point's run locks its own folder.
//  2. Swap, do not delete. The finished folder replaces the old one with
//     one renameat2(RENAME_EXCHANGE), so the destination always holds a
//     complete run, the old or the new, even if the process dies between
//     two system calls; the old one, now in the temporary name, is then
//     removed.
//  3. Temporary folders never outlive their lock. They are removed on every
//     return path; on SIGINT or SIGTERM the CLI calls AbortTemps, which
//     removes every one this process still has, before exiting; a kill -9
//     leaves them, and then the lock, which the kernel released with the
//     process, tells the next run into the same place (or ccbench cleanup)
//     that nobody owns them any more, and it removes them.
//  4. Leave nothing empty. The folders a lock had to create to hold its
//     file (the results folder, the experiment's) are removed again when
//     it is let go, and by AbortTemps, if they are empty: a run that fails
//     (no root for the tun driver, a bad setting found late) or is stopped
//     before its folder is in place leaves no folder behind.
//
// flock rather than a pid file: the kernel drops the lock when its holder
// dies however it dies, so a stale lock cannot exist and a reused pid
// cannot fool anyone; the pid written into the lock file is only for the
// error message. The standard syscall package has Flock on every platform
// ccbench builds for (Linux, for the tun driver's namespaces), so it needs
// no other package; RENAME_EXCHANGE is not in syscall and comes from
// golang.org/x/sys/unix, which the tun driver uses already.
package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Suffixes of the hidden names beside a destination ".<base><suffix>".
const (
	lockSuffix = ".lock"
	tempInfix  = ".tmp-"
	// oldInfix names the old folder when the file system cannot exchange
	// two names atomically and the swap falls back to two renames.
	oldInfix = ".old-"
)

// ErrBusy is the error of a lock that another live process holds.
var ErrBusy = errors.New("another ccbench run is writing it")

// DestLock is a held lock on a destination.
type DestLock struct {
	path string
	f    *os.File
	// made lists the folders Lock created to hold the lock file, the
	// outermost first. Letting go removes those still empty, so a run
	// that fails, or is stopped, before it puts a folder in place
	// leaves no empty results folder behind it.
	made []string
}

// lockPath is the lock file of the destination dest.
func lockPath(dest string) string {
	return filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+lockSuffix)
}

// Lock takes the lock of dest without waiting: exclusive, or shared
// between holders that write disjoint parts of it. It creates dest's
// parent. When another process holds it, the error is one line naming
// dest and the holder's pid, wrapping ErrBusy.
func Lock(dest string, shared bool) (*DestLock, error) {
	path := lockPath(dest)
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	var made []string
	for attempt := 0; ; attempt++ {
		m, err := mkdirAll(filepath.Dir(dest))
		if err != nil {
			return nil, err
		}
		made = append(made, m...)
		// The lock file is made and registered under held's lock, so that
		// a signal's AbortTemps either finds it registered and removes it
		// or has already refused it: a process ending at once leaves no
		// lock file behind.
		held.Lock()
		if held.aborted {
			held.Unlock()
			removeEmpty(made)
			return nil, errAborted
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		// Another run that failed may have removed the folder it made,
		// which this one found there, between the two calls: make it
		// again.
		if errors.Is(err, fs.ErrNotExist) && attempt < 10 {
			held.Unlock()
			continue
		}
		if err != nil {
			held.Unlock()
			removeEmpty(made)
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
			f.Close()
			held.Unlock()
			// The holder keeps its lock file in every folder made here,
			// so removeEmpty leaves them.
			removeEmpty(made)
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, busyError(dest, path)
			}
			return nil, fmt.Errorf("locking %s: %w", dest, err)
		}
		// A holder removes the lock file as it lets go (unlock), so the
		// file locked may already be unlinked: then lock the new one.
		if same(f, path) {
			if !shared {
				f.Truncate(0)
				f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			}
			l := &DestLock{path: path, f: f, made: made}
			if held.locks == nil {
				held.locks = map[*DestLock]bool{}
			}
			held.locks[l] = true
			held.Unlock()
			return l, nil
		}
		f.Close()
		held.Unlock()
	}
}

// mkdirAll is os.MkdirAll that returns the folders it created, the
// outermost first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	slices.Reverse(missing)
	return missing, nil
}

// removeEmpty removes the folders made, innermost first, that are empty.
// One that holds anything (a run's folder, another run's lock or
// temporary folder) stays, and so do the folders around it.
func removeEmpty(made []string) {
	for i := len(made) - 1; i >= 0; i-- {
		if os.Remove(made[i]) != nil {
			return
		}
	}
}

// same reports whether the open file f is still the file at path.
func same(f *os.File, path string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Stat(path)
	return err == nil && os.SameFile(fi, pi)
}

func busyError(dest, path string) error {
	holder := ""
	if data, err := os.ReadFile(path); err == nil {
		if pid := strings.TrimSpace(string(data)); pid != "" {
			holder = " (pid " + pid + ")"
		}
	}
	return fmt.Errorf("%s: %w%s; wait for it to finish, or write elsewhere (--run or --out)", dest, ErrBusy, holder)
}

// unlock removes the lock file and lets go. Removing it while still
// holding the lock is what makes the check in Lock sufficient. A
// shared holder leaves the file to the others.
func (l *DestLock) Unlock() {
	if l == nil {
		return
	}
	// Under held's lock, so that AbortTemps cannot run between the two
	// and leave the file of a lock it no longer knows of.
	held.Lock()
	if held.locks[l] {
		delete(held.locks, l)
		l.release()
	}
	held.Unlock()
	removeEmpty(l.made)
}

// release removes the lock file unless other shared holders remain, and
// closes it, which lets go of the lock.
func (l *DestLock) release() {
	if syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && same(l.f, l.path) {
		os.Remove(l.path)
	}
	l.f.Close()
}

// The temporary folders and locks this process holds, for AbortTemps.
var held struct {
	sync.Mutex
	temps   map[string]bool
	locks   map[*DestLock]bool
	aborted bool
}

// errAborted is returned to runs still going when the process is being
// ended by a signal.
var errAborted = errors.New("interrupted: the run's unfinished folder was removed")

// NewTemp makes the temporary folder of dest, beside it. The caller holds
// dest's lock.
func NewTemp(dest string) (string, error) {
	held.Lock()
	defer held.Unlock()
	if held.aborted {
		return "", errAborted
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+tempInfix)
	if err != nil {
		return "", err
	}
	if held.temps == nil {
		held.temps = map[string]bool{}
	}
	held.temps[tmp] = true
	return tmp, nil
}

// DropTemp removes a temporary folder made by NewTemp, if it is still
// there.
func DropTemp(tmp string) {
	held.Lock()
	delete(held.temps, tmp)
	held.Unlock()
	removeAll(tmp)
}

// removeAll is os.RemoveAll, tried again when a writer still adding files
// makes it fail with "directory not empty".
func removeAll(path string) error {
	var err error
	for range 5 {
		if err = os.RemoveAll(path); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// AbortTemps removes every temporary folder of this process and lets go
// of its locks, and makes runs still going fail instead of putting their
// folder in place. The CLI calls it on SIGINT or SIGTERM before it exits;
// after it, only folders that were already complete are in place.
func AbortTemps() {
	held.Lock()
	defer held.Unlock()
	held.aborted = true
	for tmp := range held.temps {
		removeAll(tmp)
	}
	held.temps = nil
	var made []string
	for l := range held.locks {
		l.release()
		made = append(made, l.made...)
	}
	held.locks = nil
	// A sweep's lock made the results folder and its point's lock the
	// experiment's folder inside it: the longer path is the inner one.
	slices.SortFunc(made, func(a, b string) int { return len(b) - len(a) })
	for _, dir := range made {
		os.Remove(dir)
	}
}

// Commit puts the complete folder tmp in place of dest, whose lock the
// caller holds, and removes whatever dest held before. The files in tmp
// were synced as they were written; tmp's own entries are synced before
// the swap and dest's parent after it, so that once Commit returns a
// crash can lose neither the files' names nor the swap (a rename is
// durable only when its directory is: fsync(2)).
func Commit(tmp, dest string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	held.Lock()
	if held.aborted {
		held.Unlock()
		return errAborted
	}
	delete(held.temps, tmp)
	err := swapInto(tmp, dest)
	held.Unlock()
	if err != nil {
		removeAll(tmp)
		return err
	}
	// tmp now holds the old folder, if there was one.
	removeAll(tmp)
	return syncDir(filepath.Dir(dest))
}

// syncDir makes the entries of the folder dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}

// swapInto moves tmp to dest. An existing dest is exchanged with tmp
// atomically; where the file system cannot (EINVAL: no RENAME_EXCHANGE),
// the old dest is first renamed aside to ".<base>.old-*", which
// RemoveOwnStale or RemoveStale puts back if the process dies before the
// second rename.
func swapInto(tmp, dest string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dest, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOENT):
		if _, serr := os.Lstat(dest); errors.Is(serr, fs.ErrNotExist) {
			return os.Rename(tmp, dest)
		}
		return err
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		old := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+oldInfix+filepath.Base(tmp))
		if err := os.Rename(dest, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, dest); err != nil {
			os.Rename(old, dest)
			return err
		}
		return os.Rename(old, tmp)
	}
	return fmt.Errorf("replacing %s: %w", dest, err)
}

// RemoveOwnStale removes what killed runs left beside dest, whose lock the
// caller holds: temporary folders, and an old folder set aside by a swap
// that did not finish, which goes back in place when dest is missing.
func RemoveOwnStale(dest string) {
	prefix := "." + filepath.Base(dest)
	entries, _ := os.ReadDir(filepath.Dir(dest))
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(filepath.Dir(dest), name)
		switch {
		case strings.HasPrefix(name, prefix+oldInfix):
			if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) && os.Rename(path, dest) == nil {
				continue
			}
			removeAll(path)
		case strings.HasPrefix(name, prefix+tempInfix):
			removeAll(path)
		}
	}
}

// staleFileAge is how old a temporary file (as opposed to a run's
// temporary folder) must be before RemoveStale takes it for abandoned.
// Such files come from report.WriteFileAtomic, whose writers (ccbench
// plot, compare) may hold no lock; none keeps one open for long.
const staleFileAge = 10 * time.Minute

// RemoveStale removes, in the folder dir, the temporary folders, old
// folders and lock files that runs killed without a chance to clean up
// left behind: those whose lock no live process holds. It returns the
// paths it removed. Entries of live runs are left alone.
func RemoveStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	bases := map[string]bool{}
	for _, e := range entries {
		if base, ok := hiddenBase(e.Name()); ok {
			bases[base] = true
		}
	}
	var removed []string
	for base := range bases {
		dest := filepath.Join(dir, base)
		_, lockErr := os.Lstat(lockPath(dest))
		l, err := Lock(dest, false)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if b, ok := hiddenBase(name); !ok || b != base || strings.HasSuffix(name, lockSuffix) {
				continue
			}
			if !e.IsDir() {
				if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < staleFileAge {
					continue
				}
			}
			path := filepath.Join(dir, name)
			if strings.Contains(name, oldInfix) {
				if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) && os.Rename(path, dest) == nil {
					removed = append(removed, path+" (put back as "+dest+")")
					continue
				}
			}
			if removeAll(path) == nil {
				removed = append(removed, path)
			}
		}
		if lockErr == nil {
			removed = append(removed, l.path)
		}
		l.Unlock()
	}
	return removed, nil
}

// hiddenBase splits ".<base>.tmp-*", ".<base>.old-*" and ".<base>.lock"
// into base.
func hiddenBase(name string) (string, bool) {
	if !strings.HasPrefix(name, ".") {
		return "", false
	}
	name = name[1:]
	if i := strings.LastIndex(name, tempInfix); i > 0 {
		// A swap's old folder is ".<base>.old-.<base>.tmp-*": cut at the
		// first marker.
		if j := strings.Index(name, oldInfix); j > 0 && j < i {
			return name[:j], true
		}
		return name[:i], true
	}
	if i := strings.LastIndex(name, oldInfix); i > 0 {
		return name[:i], true
	}
	if base, ok := strings.CutSuffix(name, lockSuffix); ok && base != "" {
		return base, true
	}
	return "", false
}

// CleanTree runs RemoveStale in root and every folder below it (results
// trees: root/<experiment>/<run>/), and returns what it removed. A folder
// that this leaves empty is removed too, and so is each folder around it
// that is then empty, up to root itself: a killed run's first point made
// them, and they hold nothing. A missing root has nothing to clean.
func CleanTree(root string) (removed []string, err error) {
	root = filepath.Clean(root)
	var emptied []string
	defer func() {
		// Inner folders first: their paths are the longer ones.
		slices.SortFunc(emptied, func(a, b string) int { return len(b) - len(a) })
		for _, dir := range emptied {
			for {
				if os.Remove(dir) != nil {
					break
				}
				removed = append(removed, dir)
				if dir == root {
					break
				}
				dir = filepath.Dir(dir)
			}
		}
	}()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			// A temporary folder is removed whole, or belongs to a live
			// run; either way there is nothing to clean inside it.
			return fs.SkipDir
		}
		r, err := RemoveStale(path)
		removed = append(removed, r...)
		if len(r) > 0 {
			emptied = append(emptied, path)
		}
		return err
	})
	return removed, err
}
