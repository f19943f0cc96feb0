// Command compare times ccbench against ns-3 on the same dumbbells (`make
// ns3-compare`, not in CI). It builds tools/ns3/dumbbell.cc against the
// installed ns-3 and ccbench from this tree, into a temporary folder, then
// runs each scenario's two programs one after the other, -reps times,
// pinned to one core, and prints for each scenario the median whole-process
// time of both, the median of the per-repetition ratios ns-3 / ccbench, the
// issue's target and whether it is met, and both simulators' goodput,
// segments and drops so a reader can see that they did comparable work.
//
//	go run ./tools/ns3/compare                      # 3 repetitions of every scenario
//	go run ./tools/ns3/compare -reps 5 -only bbr    # the scenarios whose name has "bbr"
//	go run ./tools/ns3/compare -ccbench-tree ../other-checkout
//
// Without ns-3 (Debian: apt-get install libns3-dev) it prints one line
// saying so and exits 0.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ns3Libraries are the ns-3 modules dumbbell.cc uses (pkg-config names).
var ns3Libraries = []string{
	"ns3-core", "ns3-network", "ns3-internet", "ns3-point-to-point",
	"ns3-traffic-control", "ns3-applications",
}

func main() {
	defaultReps := 3
	if v, err := strconv.Atoi(os.Getenv("NS3_REPS")); err == nil && v > 0 {
		defaultReps = v
	}
	reps := flag.Int("reps", defaultReps, "interleaved repetitions of each scenario (env NS3_REPS)")
	cpu := flag.Int("cpu", runtime.NumCPU()-1, "core both programs are pinned to")
	only := flag.String("only", "", "run only the scenarios whose name contains this")
	strict := flag.Bool("strict", false, "exit 1 when a target is not met")
	tree := flag.String("ccbench-tree", "", "build ccbench from this checkout instead of the one holding tools/ns3")
	cg := flag.Bool("callgrind", false, "also count each program's instructions once under valgrind's callgrind (slow: ns-3's Reno run takes about 12 minutes)")
	flag.Parse()
	if err := run(*reps, *cpu, *only, *tree, *strict, *cg); err != nil {
		fmt.Fprintln(os.Stderr, "ns3-compare:", err)
		os.Exit(1)
	}
}

var errTargetMissed = errors.New("a target was not met")

func run(reps, cpu int, only, tree string, strict, cg bool) error {
	if reps < 1 {
		return fmt.Errorf("-reps %d: must be at least 1", reps)
	}
	if why := ns3Missing(); why != "" {
		fmt.Println("ns3-compare: skipped:", why)
		return nil
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ccbench-ns3-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Ctrl-C or SIGTERM ends the program being timed and returns, so that
	// the temporary folder goes with it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dumbbell := filepath.Join(tmp, "dumbbell")
	if err := buildNS3(filepath.Join(root, "tools", "ns3", "dumbbell.cc"), dumbbell); err != nil {
		return err
	}
	ccbench := filepath.Join(tmp, "ccbench")
	// Built as `make build` builds it: statically (CGO_ENABLED=0), so a
	// run skips the dynamic loader and cgo's set-up (Makefile says why).
	build := exec.Command("go", "build", "-o", ccbench, "./cmd/ccbench")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Dir = root
	if tree != "" {
		build.Dir = tree
	}
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/ccbench: %v\n%s", err, out)
	}
	help, _ := exec.Command(ccbench, "run", "--help").CombinedOutput()
	noPlots := hasFlag(string(help), "--no-plots")
	pin := pinCommand(cpu)

	var chosen []scenario
	for _, s := range scenarios {
		if strings.Contains(s.name, only) {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("-only %q matches no scenario", only)
	}

	fmt.Printf("ns-3: %s\n", ns3Version(dumbbell))
	fmt.Printf("ccbench: built from %s (%s)\n", build.Dir, gitDescribe(build.Dir))
	if noPlots {
		fmt.Println("ccbench: run --no-plots (the whole process: settings, simulation, CSVs, summary)")
	} else {
		fmt.Println("ccbench: this build has no --no-plots; its times include writing the plots")
	}
	if len(pin) > 0 {
		fmt.Printf("both pinned with %s; %d repetition(s), ccbench then ns-3 in each\n", strings.Join(pin, " "), reps)
	} else {
		fmt.Printf("taskset not found: runs are not pinned; %d repetition(s)\n", reps)
	}
	fmt.Printf("load before: %s\n", loadAverage())

	results := make([]result, len(chosen))
	for i := range chosen {
		results[i].sc = chosen[i]
	}
	out := filepath.Join(tmp, "results")
	for rep := 0; rep < reps; rep++ {
		for i, s := range chosen {
			var p pair
			ccArgs := append([]string{"run", filepath.Join(root, "experiments", "bottleneck.toml"),
				"--out", out, "--run", "r"}, s.ccbenchArgs()...)
			if noPlots {
				ccArgs = append(ccArgs, "--no-plots")
			}
			if p.ccbench, _, err = timed(ctx, pin, ccbench, ccArgs...); err != nil {
				return fmt.Errorf("%s: ccbench: %w", s.name, err)
			}
			if p.ccWork, err = readCcbenchSummary(filepath.Join(out, "bottleneck", "r", "summary.json")); err != nil {
				return fmt.Errorf("%s: ccbench: %w", s.name, err)
			}
			if err := os.RemoveAll(out); err != nil {
				return err
			}
			var stdout []byte
			if p.ns3, stdout, err = timed(ctx, pin, dumbbell, s.ns3Args()...); err != nil {
				return fmt.Errorf("%s: ns-3: %w", s.name, err)
			}
			if p.nsW, err = parseNS3(bytes.NewReader(stdout)); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			results[i].pairs = append(results[i].pairs, p)
			fmt.Fprintf(os.Stderr, "rep %d/%d %-19s ccbench %.2fs (cpu %.2fs)  ns-3 %.2fs (cpu %.2fs)\n",
				rep+1, reps, s.name, p.ccbench.wall.Seconds(), p.ccbench.cpu.Seconds(), p.ns3.wall.Seconds(), p.ns3.cpu.Seconds())
		}
	}
	fmt.Printf("load after: %s\n\n", loadAverage())
	writeTable(os.Stdout, results)
	fmt.Println("\ntimes are medians over the repetitions; × is the median of the per-repetition ratios ns-3 / ccbench;")
	fmt.Println("met compares the CPU ratio (user + system of the whole process), which other work on the core inflates less than the wall time;")
	fmt.Println("n/c: not compared, the two did different work; *: a scenario the issue does not list (tools/ns3/README.md)")
	if cg {
		if err := countInstructions(ctx, tmp, root, ccbench, dumbbell, noPlots, chosen); err != nil {
			return err
		}
	}
	if strict {
		for _, r := range results {
			if _, _, ratio := r.medians(true); !r.comparable() || ratio < r.sc.targetCPU {
				return errTargetMissed
			}
		}
	}
	return nil
}

// ns3Missing says why ns-3 cannot be built against, or "" when it can.
func ns3Missing() string {
	if _, err := exec.LookPath("pkg-config"); err != nil {
		return "pkg-config is not installed (Debian: apt-get install pkg-config libns3-dev)"
	}
	if _, err := exec.LookPath("g++"); err != nil {
		return "g++ is not installed (Debian: apt-get install g++)"
	}
	args := append([]string{"--exists"}, ns3Libraries...)
	if err := exec.Command("pkg-config", args...).Run(); err != nil {
		return "ns-3 is not installed (pkg-config finds no " + strings.Join(ns3Libraries, ", ") + "; Debian: apt-get install libns3-dev)"
	}
	return ""
}

// buildNS3 compiles dumbbell.cc with the flags pkg-config gives.
func buildNS3(src, bin string) error {
	cflags, err := exec.Command("pkg-config", append([]string{"--cflags"}, ns3Libraries...)...).Output()
	if err != nil {
		return fmt.Errorf("pkg-config --cflags: %w", err)
	}
	libs, err := exec.Command("pkg-config", append([]string{"--libs"}, ns3Libraries...)...).Output()
	if err != nil {
		return fmt.Errorf("pkg-config --libs: %w", err)
	}
	args := []string{"-O2", "-std=c++17", "-o", bin, src}
	args = append(args, compileFlags(string(cflags), exists)...)
	// ns-3 registers its types in static constructors: a library the
	// program names no symbol of must still be loaded.
	args = append(args, "-Wl,--no-as-needed")
	args = append(args, linkFlags(string(libs), exists)...)
	cmd := exec.Command("g++", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("g++ %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// compileFlags keeps the include folders and defines of pkg-config's
// --cflags that can be used: Debian's ns-3 3.37 lists a mangled "-I/usr\;"
// and Python's headers, which the program does not need but which do no
// harm when they exist.
func compileFlags(cflags string, exists func(string) bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(cflags) {
		keep := strings.HasPrefix(f, "-D") || (strings.HasPrefix(f, "-I") && exists(f[2:]))
		if keep && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// linkFlags keeps pkg-config's -L and -l flags, each once, and the library
// files it names by path only when they exist: Debian's ns-3 3.37 names
// GSL's .so files, which only its -dev package installs and ns-3's own
// libraries do not need at link time.
func linkFlags(libs string, exists func(string) bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(libs) {
		keep := strings.HasPrefix(f, "-l") || strings.HasPrefix(f, "-L") ||
			(strings.HasPrefix(f, "/") && exists(f))
		if keep && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// hasFlag reports whether a command's --help text lists the flag.
func hasFlag(help, flag string) bool {
	for _, line := range strings.Split(help, "\n") {
		for _, word := range strings.Fields(line) {
			if word == flag || strings.HasPrefix(word, flag+"=") {
				return true
			}
		}
	}
	return false
}

// pinCommand is the prefix that runs a program on one core, or nothing
// when taskset is missing.
func pinCommand(cpu int) []string {
	if _, err := exec.LookPath("taskset"); err != nil {
		return nil
	}
	if cpu < 0 {
		cpu = 0
	}
	return []string{"taskset", "-c", strconv.Itoa(cpu)}
}

// timed runs a program to the end and returns its wall time and the user
// and system time of the process (taskset execs the program in its own
// process, so this is the program's), and its standard output.
func timed(ctx context.Context, pin []string, prog string, args ...string) (timing, []byte, error) {
	argv := append(append(append([]string{}, pin...), prog), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return timing{}, nil, errors.New("interrupted")
		}
		return timing{}, nil, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	t := timing{
		wall: time.Since(start),
		cpu:  cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
	}
	return t, stdout.Bytes(), nil
}

// ns3Version asks the built program for the ns-3 version it was built
// against, from a run too short to take any time.
func ns3Version(dumbbell string) string {
	out, err := exec.Command(dumbbell, "--duration=0.001").Output()
	if err != nil {
		return "unknown version"
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "ns3_version="); ok {
			return v
		}
	}
	return "unknown version"
}

// gitDescribe names the commit a checkout is at, and whether it has
// uncommitted changes.
func gitDescribe(dir string) string {
	out, err := exec.Command("git", "-C", dir, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "not a git checkout"
	}
	return strings.TrimSpace(string(out))
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ") + " (1, 5, 15 min)"
}

// repoRoot is the folder above the working directory that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if exists(filepath.Join(dir, "go.mod")) && exists(filepath.Join(dir, "tools", "ns3", "dumbbell.cc")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the ccbench checkout (no go.mod with tools/ns3/dumbbell.cc above the working directory)")
		}
		dir = parent
	}
}

// countInstructions runs each chosen scenario once more in both programs
// under valgrind's callgrind and prints the instructions each executed,
// whole process, and their ratio: a figure that no other load on the
// machine changes, unlike the times above (tools/ns3/README.md says why
// the two ratios differ).
func countInstructions(ctx context.Context, tmp, root, ccbench, dumbbell string, noPlots bool, chosen []scenario) error {
	if _, err := exec.LookPath("valgrind"); err != nil {
		fmt.Println("\n-callgrind: valgrind is not installed (Debian: apt-get install valgrind); no instruction counts")
		return nil
	}
	fmt.Printf("\n%-20s %16s %16s %10s\n", "scenario", "ccbench instr", "ns-3 instr", "ratio")
	out := filepath.Join(tmp, "results-cg")
	for _, s := range chosen {
		ccArgs := append([]string{"run", filepath.Join(root, "experiments", "bottleneck.toml"),
			"--out", out, "--run", "r"}, s.ccbenchArgs()...)
		if noPlots {
			ccArgs = append(ccArgs, "--no-plots")
		}
		// One thread and no asynchronous preemption: valgrind runs the
		// program's threads one at a time and can fail on Go's
		// preemption signals; neither changes what the run computes.
		cc, err := callgrind(ctx, tmp, []string{"GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1"}, ccbench, ccArgs...)
		if err != nil {
			return fmt.Errorf("%s: ccbench under callgrind: %w", s.name, err)
		}
		if err := os.RemoveAll(out); err != nil {
			return err
		}
		ns, err := callgrind(ctx, tmp, nil, dumbbell, s.ns3Args()...)
		if err != nil {
			return fmt.Errorf("%s: ns-3 under callgrind: %w", s.name, err)
		}
		fmt.Printf("%-20s %16d %16d %9.1fx\n", s.name, cc, ns, float64(ns)/float64(cc))
	}
	return nil
}

// callgrind runs bin under valgrind's callgrind with env added and returns
// the instructions it counted.
func callgrind(ctx context.Context, tmp string, env []string, bin string, args ...string) (int64, error) {
	file := filepath.Join(tmp, "callgrind.out")
	defer os.Remove(file)
	cmd := exec.CommandContext(ctx, "valgrind", append([]string{"--tool=callgrind", "--callgrind-out-file=" + file, bin}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%v\n%s", err, tail(stderr.String(), 2000))
	}
	return parseCollected(stderr.String())
}

// collected is callgrind's closing line: "==PID== Collected : N".
var collected = regexp.MustCompile(`Collected : ([0-9]+)`)

// parseCollected reads the instruction count from callgrind's output.
func parseCollected(stderr string) (int64, error) {
	m := collected.FindStringSubmatch(stderr)
	if m == nil {
		return 0, fmt.Errorf("callgrind printed no count:\n%s", tail(stderr, 2000))
	}
	return strconv.ParseInt(m[1], 10, 64)
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
