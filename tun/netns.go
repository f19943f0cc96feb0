// Network namespaces: creating the two that a run's endpoints live in,
// running code inside one, and removing them again, including the ones a
// killed run left behind.
//
// A namespace is per thread in Linux, and the Go scheduler moves goroutines
// between threads, so every step that must happen inside a namespace runs
// on a locked OS thread that switches in, works, and switches back. If the
// switch back fails the thread is left locked, so that the runtime retires
// it when the goroutine ends instead of reusing a thread in the wrong
// namespace.

package tun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// namePrefix starts every namespace ccbench creates; Cleanup removes only
// names that start with it.
const namePrefix = "ccb-"

// netnsDir is where iproute2 and the netns package bind-mount named
// namespaces.
const netnsDir = "/run/netns"

// nsSerial numbers the namespace pairs this process creates, so concurrent
// topologies (parallel tests) get distinct names.
var nsSerial atomic.Uint64

// pairNames returns fresh names for a pair of namespaces owned by this
// process.
func pairNames() (a, b string) {
	base := fmt.Sprintf("%s%d-%d", namePrefix, os.Getpid(), nsSerial.Add(1))
	return base + "-a", base + "-b"
}

// namespace is one named network namespace with an open handle.
type namespace struct {
	name   string
	handle netns.NsHandle
}

// newNamespace creates the named namespace. netns.NewNamed switches the
// calling thread into the new namespace, so it runs on a locked thread that
// switches back afterwards.
func newNamespace(name string) (*namespace, error) {
	var ns *namespace
	err := onLockedThread(func() error {
		h, err := netns.NewNamed(name)
		if err != nil {
			return fmt.Errorf("tun: creating network namespace %s: %w", name, err)
		}
		ns = &namespace{name: name, handle: h}
		return nil
	})
	if err != nil && ns != nil {
		ns.close()
		ns = nil
	}
	return ns, err
}

// close deletes the namespace. Devices and sockets inside it disappear when
// the last descriptor that refers to them is closed.
func (ns *namespace) close() error {
	ns.handle.Close()
	if err := netns.DeleteNamed(ns.name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("tun: deleting network namespace %s: %w", ns.name, err)
	}
	return nil
}

// do runs fn with the calling thread inside ns. Sockets and devices that fn
// creates belong to ns for the rest of their lives.
func (ns *namespace) do(fn func() error) error {
	return onLockedThread(func() error {
		if err := netns.Set(ns.handle); err != nil {
			return fmt.Errorf("tun: entering network namespace %s: %w", ns.name, err)
		}
		return fn()
	})
}

// onLockedThread runs fn on a locked thread and restores the thread's
// namespace afterwards. A thread whose namespace cannot be restored stays
// locked, which makes the runtime terminate it.
func onLockedThread(fn func() error) error {
	runtime.LockOSThread()
	origin, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("tun: reading the current network namespace: %w", err)
	}
	defer origin.Close()
	fnErr := fn()
	if err := netns.Set(origin); err != nil {
		return errors.Join(fnErr, fmt.Errorf("tun: returning to the original network namespace: %w", err))
	}
	runtime.UnlockOSThread()
	return fnErr
}

// Cleanup removes every namespace left by a ccbench process that no longer
// exists, and returns the names it removed. Namespaces of live processes,
// this one included, are left alone.
func Cleanup() ([]string, error) {
	return removeNamespaces(func(pid int) bool { return !processAlive(pid) })
}

// RemoveOwn removes this process's namespaces, for a process about to
// exit at once on a signal without tearing its runs down: the devices in
// them go when the process's descriptors close, and nothing is left for
// Cleanup.
func RemoveOwn() ([]string, error) {
	self := os.Getpid()
	return removeNamespaces(func(pid int) bool { return pid == self })
}

// removeNamespaces deletes every namespace made by pairNames whose owner's
// pid remove accepts.
func removeNamespaces(remove func(pid int) bool) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tun: listing %s: %w", netnsDir, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		pid, ok := ownerPid(e.Name())
		if !ok || !remove(pid) {
			continue
		}
		if err := netns.DeleteNamed(e.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("tun: deleting %s: %w", filepath.Join(netnsDir, e.Name()), err))
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

// ownerPid parses the pid out of a name made by pairNames.
func ownerPid(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0, false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// processAlive reports whether pid names a running process. EPERM means it
// exists but belongs to someone else, which still counts as alive.
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// Available reports, as an error a user can act on, why this process cannot
// run the tun driver, or nil if it can.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("tun: the tun driver needs root (it creates network namespaces and TUN devices); run as root or use the sim driver")
	}
	f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("tun: the tun driver needs /dev/net/tun: %w", err)
	}
	f.Close()
	return nil
}
