package cli

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/ccbench/ccbench/tun"
)

// tunSignalRun is a real-time run long enough never to finish within a
// test: one kernel Reno flow through 10 Mbit/s and 10 ms each way.
const tunSignalRun = `
name = "sigtun"
driver = "tun"
duration = "30s"
self_check = "warn"
sample_interval = "100ms"
[link]
rate = "10Mbit/s"
delay = "10ms"
[[flows]]
cc = "linux:reno"
`

// tunDevice is the name the tun driver gives its TUN device in each of
// its namespaces.
const tunDevice = "ccb0"

func requireTUNDriver(t *testing.T) {
	t.Helper()
	if err := tun.Available(); err != nil {
		t.Skip(err.Error())
	}
}

// ownNamespaces lists the namespaces of the process pid in /run/netns.
func ownNamespaces(pid int) []string {
	entries, _ := os.ReadDir("/run/netns")
	var names []string
	prefix := "ccb-" + strconv.Itoa(pid) + "-"
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names
}

// nsLinks lists the links in the namespace h refers to, and the packets
// the TUN device among them has sent.
func nsLinks(h netns.NsHandle) (names []string, tunTx uint64, err error) {
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		return nil, 0, err
	}
	defer nl.Close()
	links, err := nl.LinkList()
	if err != nil {
		return nil, 0, err
	}
	for _, l := range links {
		a := l.Attrs()
		names = append(names, a.Name)
		if a.Name == tunDevice && a.Statistics != nil {
			tunTx = a.Statistics.TxPackets
		}
	}
	return names, tunTx, nil
}

// tunRunUnderWay waits until the run in process pid has both namespaces
// and a TUN device in each, and the flow has sent 100 packets through A's,
// and returns handles on the two namespaces.
// The handles keep the namespaces alive after their names are gone, so
// that the test can look inside for devices left behind; they are closed
// when the test ends, and whatever of the process's is left in /run/netns
// is removed then too, also when the test failed.
func tunRunUnderWay(t *testing.T, cmd *exec.Cmd, stderr *lockedBuffer) []netns.NsHandle {
	t.Helper()
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		cmd.Process.Kill()
		for _, name := range ownNamespaces(pid) {
			netns.DeleteNamed(name)
		}
	})
	var handles []netns.NsHandle
	t.Cleanup(func() {
		for _, h := range handles {
			h.Close()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for names := ownNamespaces(pid); len(names) < 2; names = ownNamespaces(pid) {
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("the run's namespaces did not appear (have %v): %s", names, stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, name := range ownNamespaces(pid) {
		h, err := netns.GetFromPath(filepath.Join("/run/netns", name))
		if err != nil {
			t.Fatal(err)
		}
		handles = append(handles, h)
		for {
			links, tx, err := nsLinks(h)
			if err != nil {
				t.Fatal(err)
			}
			// The sender is A's kernel.
			if slices.Contains(links, tunDevice) && (tx >= 100 || !strings.HasSuffix(name, "-a")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no %s sending after 20 s (links %v, %d packets sent): %s", name, tunDevice, links, tx, stderr)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return handles
}

// checkNothingLeft fails if any namespace of process pid is still named,
// if a TUN device is left in the namespaces the handles hold, or if out
// holds anything.
func checkNothingLeft(t *testing.T, label string, pid int, handles []netns.NsHandle, out string) {
	t.Helper()
	if names := ownNamespaces(pid); len(names) > 0 {
		t.Errorf("%s: namespaces left: %v", label, names)
	}
	for _, h := range handles {
		links, _, err := nsLinks(h)
		if err != nil {
			t.Errorf("%s: %v", label, err)
		} else if slices.Contains(links, tunDevice) {
			t.Errorf("%s: the TUN device %s is left in a namespace of the run (links %v)", label, tunDevice, links)
		}
	}
	var left []string
	filepath.WalkDir(out, func(path string, _ os.DirEntry, _ error) error {
		if path != out {
			left = append(left, strings.TrimPrefix(path, out))
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("%s: the results folder holds %v; want nothing", label, left)
	}
}

// exitOf waits for cmd and returns its exit code, -1 for a process killed
// by a signal.
func exitOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// TestSignalledTunRunLeavesNothing signals real tun runs once they are
// under way (namespaces and TUN devices made, the flow sending): SIGINT
// and SIGTERM make the run tear itself down, exit with 130 or 143 and say
// so, and a second signal during the teardown ends it at once, also
// removing the namespaces; SIGKILL leaves the namespaces, which ccbench
// cleanup then removes. Each time, no namespace of the process is left in
// /run/netns, no TUN device is left inside them (the test holds them open
// to look), and the results folder holds nothing: no partial run, no
// empty experiment folder.
func TestSignalledTunRunLeavesNothing(t *testing.T) {
	requireTUNDriver(t)
	file := writeExperiment(t, tunSignalRun)
	for _, c := range []struct {
		name string
		sigs []syscall.Signal
		code []int // allowed exit codes, -1 for killed
		says string
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}, []int{130}, "namespaces and devices removed, nothing written"},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, []int{143}, "namespaces and devices removed, nothing written"},
		// The teardown may finish before the second signal arrives
		// (130), or not (143); nothing may be left either way.
		{"SIGINT+SIGTERM", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, []int{130, 143}, "stopped"},
		{"SIGKILL", []syscall.Signal{syscall.SIGKILL}, []int{-1}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			cmd, stderr := startCLI(t, "run", file, "--out", out)
			handles := tunRunUnderWay(t, cmd, stderr)
			pid := cmd.Process.Pid
			for _, sig := range c.sigs {
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			code := exitOf(t, cmd)
			if !slices.Contains(c.code, code) || !strings.Contains(stderr.String(), c.says) {
				t.Errorf("exit %d, stderr %q; want %v and %q", code, stderr, c.code, c.says)
			}
			if c.sigs[0] == syscall.SIGKILL {
				if len(ownNamespaces(pid)) != 2 {
					t.Fatalf("after SIGKILL the namespaces are %v; the case shows nothing", ownNamespaces(pid))
				}
				code, stdout, errs := runCLI(t, "cleanup", "--out", out)
				if code != 0 {
					t.Fatalf("cleanup: exit %d: %s", code, errs)
				}
				for _, name := range []string{"ccb-" + strconv.Itoa(pid) + "-1-a", ".seed-1.tmp-"} {
					if !strings.Contains(stdout, name) {
						t.Errorf("cleanup said %q; want it to name %s", stdout, name)
					}
				}
			}
			checkNothingLeft(t, c.name, pid, handles, out)
		})
	}
}

// TestSignalledTunSweepLeavesNothing interrupts a sweep of two tun points
// in its first: the running point stops at once and writes nothing, the
// second never starts, and the process exits 130 with no namespace,
// device or folder left.
func TestSignalledTunSweepLeavesNothing(t *testing.T) {
	requireTUNDriver(t)
	file := writeExperiment(t, tunSignalRun+"[sweep]\n\"flows[0].cc\" = [\"linux:reno\", \"linux:cubic\"]\n")
	out := t.TempDir()
	cmd, stderr := startCLI(t, "run", file, "--out", out)
	handles := tunRunUnderWay(t, cmd, stderr)
	began := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	code := exitOf(t, cmd)
	if code != 130 || !strings.Contains(stderr.String(), "0 of 2 points finished") {
		t.Errorf("exit %d, stderr %q; want 130 and a line saying 0 of 2 points finished", code, stderr)
	}
	if wait := time.Since(began); wait > 5*time.Second {
		t.Errorf("the sweep took %v to stop: its running point was not stopped", wait)
	}
	checkNothingLeft(t, "sweep", cmd.Process.Pid, handles, out)
}

// TestFailedTunRunLeavesNoFolder: a tun run that fails once it holds its
// folder's lock leaves no folder: not for a setting the driver refuses,
// and not for a user without root, the case (run as nobody when
// this test runs as root).
func TestFailedTunRunLeavesNoFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	refused := strings.Replace(tunSignalRun, `cc = "linux:reno"`, "cc = \"linux:reno\"\nrtt = \"50ms\"", 1)
	code, _, stderr := runCLI(t, "run", writeExperiment(t, refused), "--out", out)
	if code != 1 || !strings.Contains(stderr, "per-flow access link") {
		t.Errorf("exit %d, %q; want 1 and the driver's refusal", code, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run left %s (%v)", out, err)
	}

	if os.Geteuid() != 0 {
		return
	}
	// The test binary, copied where nobody may run it, is the command.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "ccbench.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	file := filepath.Join(dir, "sigtun.toml")
	if err := os.WriteFile(file, []byte(tunSignalRun), 0o644); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(dir, "results")
	cmd := exec.Command(bin, "-test.run=^TestHelperCLI$", "--", "run", file, "--out", out)
	cmd.Env = append(os.Environ(), "CCBENCH_HELPER_CLI=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	msg, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(msg), "needs root") {
		t.Errorf("as nobody: exit %d (%v), %q; want 1 and that the tun driver needs root", code, err, msg)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed non-root run left %s (%v)", out, err)
	}
}
