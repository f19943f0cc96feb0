package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoBuildIDMatchesGoTool: the build ID a fingerprint names is the one
// the go command itself reads from the executable, and a file that is not
// a Go executable has none (the fingerprint then hashes its contents).
func TestGoBuildIDMatchesGoTool(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test executable:", err)
	}
	got, err := goBuildID(exe)
	if err != nil {
		t.Fatalf("goBuildID(%s): %v", exe, err)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to compare with")
	}
	out, err := exec.Command(gobin, "tool", "buildid", exe).Output()
	if err != nil {
		t.Skip("go tool buildid failed:", err)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("build ID %q, go tool buildid says %q", got, want)
	}
	if !strings.Contains(executableSum(), " exe buildid:"+got) {
		t.Errorf("executableSum() = %q, want the build ID", executableSum())
	}
	notGo := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if id, err := goBuildID(notGo); err == nil {
		t.Errorf("a shell script has build ID %q", id)
	}
}
