package runner

import (
	"bufio"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfoFrom(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.org/ccbench", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "5698380aed8db1bcad39eb221bccf562fe68b8ad"},
			{Key: "vcs.time", Value: "2026-12-06T02:06:45Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	want := BuildInfo{Module: "example.org/ccbench", Version: "(devel)", Revision: "5698380aed8db1bcad39eb221bccf562fe68b8ad",
		Modified: true, Time: "2026-12-06T02:06:45Z", GoVersion: "go1.26.8", OS: runtime.GOOS, Arch: runtime.GOARCH}
	if got := buildInfoFrom(info, true); got != want {
		t.Errorf("stamped: %+v\nwant %+v", got, want)
	}
	if c := want.Commit(); c != "5698380aed8db1bcad39eb221bccf562fe68b8ad" {
		t.Errorf("commit %q", c)
	}
	info.Settings = nil
	if got := buildInfoFrom(info, true); got.Revision != "" || got.Modified || got.Commit() != "unknown" {
		t.Errorf("without VCS information: %+v, commit %q; want no revision and commit \"unknown\"", got, got.Commit())
	}
	if got := buildInfoFrom(nil, false); got.Module != "unknown" || got.Version != "unknown" || got.GoVersion != runtime.Version() {
		t.Errorf("without build information: %+v", got)
	}
}

func TestCPUModelFrom(t *testing.T) {
	for _, c := range []struct{ cpuinfo, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n", "AMD EPYC 7B13"},
		// ARM kernels name no model.
		{"processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n", "unknown"},
		{"model name\t:\n", "unknown"},
	} {
		if got := cpuModelFrom(bufio.NewScanner(strings.NewReader(c.cpuinfo))); got != c.want {
			t.Errorf("%q: %q, want %q", c.cpuinfo, got, c.want)
		}
	}
}
