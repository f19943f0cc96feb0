// Provenance: the build this binary is (from the build information the Go
// toolchain embeds) and the machine and command it runs as, recorded in
// every summary.json and sweep index (metrics.Provenance) and printed by
// ccbench --version. The build's identity is read here once, for the
// fingerprint (buildVersion) as well.

package runner

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ccbench/ccbench/metrics"
)

// BuildInfo is what the toolchain recorded about this binary's build.
type BuildInfo struct {
	// Module is the main module's path; Version its version: "(devel)"
	// for a build in a checkout, the tag for `go install module@tag`.
	Module, Version string
	// Revision, Modified and Time are vcs.revision, vcs.modified and
	// vcs.time. `go build`, `go install` and `go run` in a git checkout
	// stamp them; `go test` binaries, builds outside a checkout and
	// -buildvcs=false do not, and Revision is then "".
	Revision string
	Modified bool
	Time     string
	// GoVersion is the toolchain; OS and Arch the binary's target.
	GoVersion, OS, Arch string
}

// Build is this binary's BuildInfo.
var Build = sync.OnceValue(func() BuildInfo {
	info, ok := debug.ReadBuildInfo()
	return buildInfoFrom(info, ok)
})

// buildInfoFrom reads what ReadBuildInfo returned. Without build
// information (a binary built without module support) the module and
// version are "unknown" and the Go version is the runtime's.
func buildInfoFrom(info *debug.BuildInfo, ok bool) BuildInfo {
	b := BuildInfo{Module: "unknown", Version: "unknown", GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if !ok || info == nil {
		return b
	}
	if info.Main.Path != "" {
		b.Module = info.Main.Path
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		b.GoVersion = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

// Commit is the revision, or metrics.UnknownCommit for a build without
// VCS information.
func (b BuildInfo) Commit() string {
	if b.Revision == "" {
		return metrics.UnknownCommit
	}
	return b.Revision
}

// NewProvenance describes this process started at start: the build, the
// machine, and the command line (os.Args).
func NewProvenance(start time.Time) *metrics.Provenance {
	b := Build()
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return &metrics.Provenance{
		Version:     b.Version,
		Commit:      b.Commit(),
		Dirty:       b.Modified,
		Build:       buildVersion(),
		GoVersion:   b.GoVersion,
		OSArch:      b.OS + "/" + b.Arch,
		CPUModel:    cpuModel(),
		Hostname:    host,
		StartTime:   start.UTC().Format(time.RFC3339),
		CommandLine: append([]string(nil), os.Args...),
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "unknown" where
// there is no such file or line (other systems, and ARM kernels, which
// name the cores differently).
var cpuModel = sync.OnceValue(func() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	return cpuModelFrom(bufio.NewScanner(f))
})

// cpuModelFrom scans cpuinfo lines for the first "model name".
func cpuModelFrom(sc *bufio.Scanner) string {
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			if v := strings.TrimSpace(value); v != "" {
				return v
			}
		}
	}
	return "unknown"
}
