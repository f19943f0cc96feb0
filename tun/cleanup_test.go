package tun

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a run that gets killed: it builds
// a topology, prints its namespace names and waits to be killed.
const helperEnv = "CCBENCH_TUN_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		topo, err := NewTopology()
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString(topo.NamespaceA() + " " + topo.NamespaceB() + "\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCleanupRemovesKilledRun(t *testing.T) {
	requireTUN(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	names := strings.Fields(line)
	cmd.Process.Kill()
	cmd.Wait()
	// Whatever happens below, nothing of the helper's survives the test.
	t.Cleanup(func() { Cleanup() })
	if err != nil || len(names) != 2 || names[0] == "error" {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(netnsDir, n)); err != nil {
			t.Fatalf("killed run's namespace %s is missing before Cleanup: %v", n, err)
		}
	}

	// A live run's namespaces must survive Cleanup.
	live, err := NewTopology()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })

	removed, err := Cleanup()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(netnsDir, n)); !os.IsNotExist(err) {
			t.Errorf("namespace %s of the killed run is still there after Cleanup", n)
		}
		found := false
		for _, r := range removed {
			found = found || r == n
		}
		if !found {
			t.Errorf("Cleanup did not report removing %s (removed %v)", n, removed)
		}
	}
	for _, n := range []string{live.NamespaceA(), live.NamespaceB()} {
		if _, err := os.Stat(filepath.Join(netnsDir, n)); err != nil {
			t.Errorf("Cleanup removed the live run's namespace %s", n)
		}
	}
}

func TestOwnerPid(t *testing.T) {
	for _, c := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"ccb-1234-7-a", 1234, true},
		{"ccb-1234", 0, false},
		{"ccb-x-1-a", 0, false},
		{"other-1234-1-a", 0, false},
		{"ccb-0-1-a", 0, false},
	} {
		pid, ok := ownerPid(c.name)
		if pid != c.pid || ok != c.ok {
			t.Errorf("ownerPid(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}
