package metrics

// Provenance: what produced a set of results, so that a summary or an
// index read months later, or on another machine, says which code, which
// toolchain and which machine made it, when, and with which command. None
// of it is a result: like the wall-clock fields it differs between two
// runs of the same seed (another commit, host or minute), and
// Summary.WithoutWallClock drops it for the same reason.

import "strings"

// UnknownCommit is Provenance.Commit of a build that recorded no VCS
// revision: `go test` binaries, builds outside a checkout, and builds with
// -buildvcs=false. It is spelled out so that an empty field never stands
// for "unknown".
const UnknownCommit = "unknown"

// Provenance is the build, the machine and the invocation behind a run or
// a sweep's index.
type Provenance struct {
	// Version is ccbench's module version: "(devel)" for a build in a
	// checkout, the tag for `go install module@tag`.
	Version string `json:"ccbench_version"`
	// Commit is the VCS revision the binary was built from, or
	// UnknownCommit.
	Commit string `json:"commit"`
	// Dirty is set when the checkout had uncommitted changes at build
	// time, so Commit alone does not name the code.
	Dirty bool `json:"dirty"`
	// Build names the build exactly as the run's fingerprint.json does
	// (its "version"): module, Go toolchain, revision, and the
	// executable's Go build ID when the revision cannot stand for the
	// code (dirty or unknown). Two results with the same Build came from
	// the same code.
	Build string `json:"build"`
	// GoVersion is the toolchain the binary was built with; OSArch is
	// GOOS/GOARCH of the binary.
	GoVersion string `json:"go_version"`
	OSArch    string `json:"os_arch"`
	// CPUModel is the processor's "model name" in /proc/cpuinfo, or
	// "unknown" where there is none.
	CPUModel string `json:"cpu_model"`
	Hostname string `json:"hostname"`
	// StartTime is when the run (or the sweep) started, UTC, RFC 3339.
	StartTime string `json:"start_time"`
	// CommandLine is the process's arguments, the program first, as it
	// was invoked.
	CommandLine []string `json:"command_line"`
}

// Code names the code behind p for a person: "commit abc123" with
// " (dirty)" when the checkout had uncommitted changes.
func (p *Provenance) Code() string {
	s := "commit " + p.Commit
	if p.Dirty {
		s += " (dirty)"
	}
	return s
}

// Line is p on one line, for a page or a log: code, toolchain, machine,
// start time and command.
func (p *Provenance) Line() string {
	return "ccbench " + p.Version + ", " + p.Code() + ", " + p.GoVersion + " " + p.OSArch +
		", CPU " + p.CPUModel + ", host " + p.Hostname + ", started " + p.StartTime +
		": " + shellLine(p.CommandLine)
}

// shellLine joins args as a POSIX shell would read them back: an argument
// that is empty or holds anything but plain characters is single-quoted.
func shellLine(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
			quoted[i] = a
			continue
		}
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
