package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

func TestVersionText(t *testing.T) {
	stamped := runner.BuildInfo{Module: "example.org/ccbench", Version: "(devel)",
		Revision: "5698380aed8db1bcad39eb221bccf562fe68b8ad", Modified: true, Time: "2026-12-06T02:06:45Z",
		GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"}
	want := "ccbench (devel), module example.org/ccbench\n" +
		"revision: 5698380aed8db1bcad39eb221bccf562fe68b8ad\n" +
		"dirty: true\n" +
		"commit time: 2026-12-06T02:06:45Z\n" +
		"go: go1.26.8 linux/amd64\n"
	if got := versionText(stamped); got != want {
		t.Errorf("stamped build:\n%s\nwant:\n%s", got, want)
	}
	bare := stamped
	bare.Revision, bare.Modified, bare.Time = "", false, ""
	want = "ccbench (devel), module example.org/ccbench\n" +
		"revision unknown: built without VCS information\n" +
		"go: go1.26.8 linux/amd64\n"
	if got := versionText(bare); got != want {
		t.Errorf("build without VCS information:\n%s\nwant:\n%s", got, want)
	}
}

// --version and the version command print the same; a test binary has no
// VCS information, and says so rather than print empty fields.
func TestVersionFlagAndCommand(t *testing.T) {
	code, flag, stderr := runCLI(t, "--version")
	if code != 0 || stderr != "" {
		t.Fatalf("--version: exit %d, stderr %q", code, stderr)
	}
	code, cmd, stderr := runCLI(t, "version")
	if code != 0 || stderr != "" || cmd != flag {
		t.Fatalf("version: exit %d, stderr %q, output\n%s\nwant that of --version:\n%s", code, stderr, cmd, flag)
	}
	b := runner.Build()
	if b.Revision != "" {
		t.Skipf("this test binary was stamped with revision %s; the unknown case is covered by TestVersionText", b.Revision)
	}
	want := "ccbench " + b.Version + ", module " + b.Module + "\n" +
		"revision unknown: built without VCS information\n" +
		"go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if flag != want {
		t.Errorf("--version:\n%s\nwant:\n%s", flag, want)
	}
}

// A ccbench built by go build in a git checkout prints the commit it was
// built from, and whether the checkout was dirty. Go stamps only a
// checkout whose .git is a folder, so in a git worktree the test skips.
func TestVersionOfABuildPrintsItsCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ccbench (seconds with a warm build cache); skipped in -short")
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Skipf("git %s: %v: not a git checkout", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	head := git("rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "ccbench")
	// -buildvcs=true overrides a GOFLAGS=-buildvcs=false of the machine.
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "../cmd/ccbench")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dirty := git("status", "--porcelain") != ""
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("ccbench --version: %v", err)
	}
	if strings.Contains(string(out), "revision unknown: built without VCS information\n") {
		t.Skip("go build recorded no VCS information: Go stamps only a checkout whose .git is a folder, not a git worktree's")
	}
	for _, want := range []string{"revision: " + head + "\n", "dirty: " + map[bool]string{true: "true", false: "false"}[dirty] + "\n", "commit time: "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--version lacks %q:\n%s", want, out)
		}
	}
}

// A fresh run's summary.json holds every provenance field, none empty:
// the commit is this binary's, or "unknown" for a test binary, which is
// built without VCS information.
func TestFreshRunRecordsProvenance(t *testing.T) {
	out := t.TempDir()
	began := time.Now()
	code, _, stderr := runCLI(t, "run", experimentFile, "--out", out, "--set", "duration=1s", "--run", "prov", "--no-plots")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ended := time.Now()
	data, err := os.ReadFile(filepath.Join(out, "bottleneck", "prov", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Provenance map[string]any `json:"provenance"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ccbench_version", "commit", "dirty", "build", "go_version", "os_arch", "cpu_model", "hostname", "start_time", "command_line"} {
		switch v := raw.Provenance[k].(type) {
		case string:
			if v == "" {
				t.Errorf("provenance %s is empty", k)
			}
		case bool:
		case []any:
			if len(v) == 0 {
				t.Errorf("provenance %s is empty", k)
			}
		default:
			t.Errorf("provenance %s is %v (%T)", k, v, v)
		}
	}
	if len(raw.Provenance) != 10 {
		t.Errorf("provenance has %d fields, want the 10 checked: %v", len(raw.Provenance), raw.Provenance)
	}
	s, err := report.ReadSummary(filepath.Join(out, "bottleneck", "prov", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, b := s.Provenance, runner.Build()
	wantCommit := b.Revision
	if wantCommit == "" {
		wantCommit = metrics.UnknownCommit
	}
	if p.Commit != wantCommit || p.Dirty != b.Modified || p.Version != b.Version || p.GoVersion != runtime.Version() ||
		p.OSArch != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("build fields %+v; want commit %q, dirty %v, version %q, %s %s/%s", p, wantCommit, b.Modified, b.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	fp, err := runner.ReadFingerprint(filepath.Join(out, "bottleneck", "prov"))
	if err != nil || p.Build != fp.Version {
		t.Errorf("build %q, want fingerprint.json's version %q (%v)", p.Build, fp.Version, err)
	}
	if host, _ := os.Hostname(); host != "" && p.Hostname != host {
		t.Errorf("hostname %q, want %q", p.Hostname, host)
	}
	if want := cpuinfoModel(t); p.CPUModel != want {
		t.Errorf("cpu model %q, want %q", p.CPUModel, want)
	}
	start, err := time.Parse(time.RFC3339, p.StartTime)
	if err != nil || !strings.HasSuffix(p.StartTime, "Z") || start.Before(began.Truncate(time.Second)) || start.After(ended) {
		t.Errorf("start time %q: want UTC RFC 3339 within the run (%v)", p.StartTime, err)
	}
	if !slices.Equal(p.CommandLine, os.Args) {
		t.Errorf("command line %q, want the process's %q", p.CommandLine, os.Args)
	}
}

// cpuinfoModel is /proc/cpuinfo's first "model name", or "unknown".
func cpuinfoModel(t *testing.T) string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// withoutProvenanceLine is an index.html without its one provenance line,
// which names the process that wrote it, for comparing pages byte for byte
// as the wall clock is left out of summaries.
func withoutProvenanceLine(t *testing.T, page []byte) []byte {
	t.Helper()
	lines := strings.Split(string(page), "\n")
	kept := slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, `<p class="provenance">`) })
	if len(kept) != len(lines)-1 {
		t.Fatalf("index.html has %d provenance lines, want 1", len(lines)-len(kept))
	}
	return []byte(strings.Join(kept, "\n"))
}

// setProvenance rewrites a run's summary.json with its provenance changed
// by edit (nil edit removes it, as in a run written before ccbench
// recorded it).
func setProvenance(t *testing.T, dir string, edit func(*metrics.Provenance)) {
	t.Helper()
	path := filepath.Join(dir, "summary.json")
	s, err := report.ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		s.Provenance = nil
	} else {
		edit(s.Provenance)
	}
	if err := report.WriteSummaryJSON(path, s); err != nil {
		t.Fatal(err)
	}
}

// compare warns in one line on stderr, and still compares, when the two
// sides came from different code; the same code, or a side without
// provenance, gives no warning.
func TestCompareWarnsWhenCodeDiffers(t *testing.T) {
	a := runShort(t, t.TempDir(), "seed-1")
	b := runShort(t, t.TempDir(), "seed-1")
	compare := func() (string, string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, "compare", a, b, "--max", "goodput=-3%")
		if code != 0 || !strings.Contains(stdout, "goodput[0]") {
			t.Fatalf("compare: exit %d, stderr %q\n%s", code, stderr, stdout)
		}
		return stdout, stderr
	}
	if _, stderr := compare(); stderr != "" {
		t.Errorf("runs of one build: stderr %q, want nothing", stderr)
	}
	const old, cur = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	setProvenance(t, a, func(p *metrics.Provenance) {
		p.Commit, p.Dirty, p.Build = old, false, "ccbench@(devel) go1.26.8 rev "+old
	})
	setProvenance(t, b, func(p *metrics.Provenance) {
		p.Commit, p.Dirty, p.Build = cur, true, "ccbench@(devel) go1.26.8 rev "+cur+" exe buildid:x"
	})
	want := "ccbench: compare: warning: baseline and current came from different code: baseline commit " + old +
		", current commit " + cur + " (dirty); a change may come from the code as well as the settings\n"
	if _, stderr := compare(); stderr != want {
		t.Errorf("different commits: stderr\n%q\nwant\n%q", stderr, want)
	}
	// Two dirty trees on one commit and toolchain differ only in build ID.
	setProvenance(t, a, func(p *metrics.Provenance) {
		p.Commit, p.Dirty, p.Build = cur, true, "ccbench@(devel) go1.26.8 rev "+cur+" exe buildid:y"
	})
	want = "ccbench: compare: warning: baseline and current came from different code: baseline build ccbench@(devel) go1.26.8 rev " + cur +
		" exe buildid:y, current build ccbench@(devel) go1.26.8 rev " + cur + " exe buildid:x; a change may come from the code as well as the settings\n"
	if _, stderr := compare(); stderr != want {
		t.Errorf("two dirty builds of one commit: stderr\n%q\nwant\n%q", stderr, want)
	}
	setProvenance(t, a, nil)
	if _, stderr := compare(); stderr != "" {
		t.Errorf("baseline without provenance: stderr %q, want nothing", stderr)
	}
}
