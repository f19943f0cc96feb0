// Command hopcost measures what issue 16 bounds: the cost of a segment
// through a 3-hop path against a 1-hop path, per segment, in the steady
// state of the bottleneck run (runner's BenchmarkSegmentThreeHops and
// BenchmarkSegmentOneHop).
//
// It builds the runner's test binary once and runs the two benchmarks as
// separate processes, pinned to one core (taskset, when there is one),
// in pairs whose order alternates (A B, B A, ...), so that load that
// comes and goes slows both sides of a pair alike. It prints every pair,
// the median of the pair ratios, the ratio of the medians and of the
// minima, and the load average before and after. With -callgrind it also
// counts the instructions each side executes per segment under valgrind,
// a figure no other process on the machine can change.
//
//	go run ./tools/hopcost                 # 9 pairs
//	go run ./tools/hopcost -pairs 15 -callgrind
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

func main() {
	pairs := flag.Int("pairs", 9, "interleaved pairs of runs")
	benchtime := flag.String("benchtime", "300000x", "each run's -test.benchtime (segments)")
	cpu := flag.Int("cpu", runtime.NumCPU()-1, "core to pin the runs to (taskset); -1 for none")
	bound := flag.Float64("bound", 1.3, "the bound the median pair ratio is checked against")
	cg := flag.Bool("callgrind", false, "also count instructions per segment with valgrind's callgrind")
	flag.Parse()
	if err := run(*pairs, *benchtime, *cpu, *bound, *cg); err != nil {
		fmt.Fprintln(os.Stderr, "hopcost:", err)
		os.Exit(1)
	}
}

func run(pairs int, benchtime string, cpu int, bound float64, cg bool) error {
	if pairs < 1 {
		return fmt.Errorf("-pairs %d: give at least 1", pairs)
	}
	dir, err := os.MkdirTemp("", "hopcost-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "runner.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./runner")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the runner's tests (run from the repository's root): %w", err)
	}
	// The benchmarks load experiments/bottleneck.toml relative to the
	// package folder, as go test runs them.
	pkgDir, err := filepath.Abs("runner")
	if err != nil {
		return err
	}
	pin := []string{}
	if cpu >= 0 {
		if _, err := exec.LookPath("taskset"); err == nil {
			pin = []string{"taskset", "-c", strconv.Itoa(cpu)}
		}
	}
	fmt.Printf("load before: %s\n", loadavg())
	names := [2]string{"OneHop", "ThreeHops"}
	var one, three, ratios []float64
	for i := range pairs {
		var ns [2]float64
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			v, err := bench(pin, bin, pkgDir, names[k], benchtime)
			if err != nil {
				return err
			}
			ns[k] = v
		}
		one, three = append(one, ns[0]), append(three, ns[1])
		ratios = append(ratios, ns[1]/ns[0])
		fmt.Printf("pair %2d: 1 hop %7.1f ns/segment, 3 hops %7.1f ns/segment, ratio %.3f\n", i+1, ns[0], ns[1], ns[1]/ns[0])
	}
	fmt.Printf("load after: %s\n", loadavg())
	med := median(ratios)
	fmt.Printf("median pair ratio %.3f; ratio of medians %.3f; ratio of minima %.3f (%d pairs, bound %.2f: %s)\n",
		med, median(three)/median(one), slices.Min(three)/slices.Min(one), pairs, bound, verdict(med <= bound))
	if cg {
		var ins [2]float64
		for k, name := range names {
			v, err := instructions(bin, pkgDir, dir, name)
			if err != nil {
				return err
			}
			ins[k] = v
		}
		fmt.Printf("instructions per segment (callgrind, 100000 segments): 1 hop %.0f, 3 hops %.0f, ratio %.3f\n", ins[0], ins[1], ins[1]/ins[0])
	}
	return nil
}

var nsPerOp = regexp.MustCompile(`\s([0-9.]+) ns/op`)

// bench runs one benchmark once and returns its ns/op.
func bench(pin []string, bin, dir, name, benchtime string) (float64, error) {
	args := append(append([]string{}, pin...), bin, "-test.run", "^$", "-test.bench", "^BenchmarkSegment"+name+"$", "-test.benchtime", benchtime)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", name, err, out)
	}
	m := nsPerOp.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s printed no ns/op:\n%s", name, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

var collected = regexp.MustCompile(`Collected : ([0-9]+)`)

// instructions counts the instructions of 100 000 segments of one
// benchmark with callgrind, collecting only inside the timed loop.
func instructions(bin, dir, tmp, name string) (float64, error) {
	if _, err := exec.LookPath("valgrind"); err != nil {
		return 0, errors.New("-callgrind needs valgrind (Debian's valgrind package)")
	}
	const segments = 100000
	cmd := exec.Command("valgrind", "--tool=callgrind", "--callgrind-out-file="+filepath.Join(tmp, "cg."+name),
		"--toggle-collect=*benchSteadySegments*", bin, "-test.run", "^$",
		"-test.bench", "^BenchmarkSegment"+name+"$", "-test.benchtime", strconv.Itoa(segments)+"x")
	cmd.Dir = dir
	// Go's signal-based preemption upsets callgrind; one thread keeps the
	// count to the benchmark's own work.
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("callgrind on %s: %w\n%s", name, err, out)
	}
	m := collected.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("callgrind on %s printed no instruction count", name)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	return v / segments, err
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func verdict(ok bool) string {
	if ok {
		return "within"
	}
	return "ABOVE"
}

func loadavg() string {
	f, err := os.Open("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	return strings.Join(strings.Fields(line)[:3], " ")
}
