// Command fidelity runs `make fidelity`: every algorithm of an experiment
// (experiments/fidelity.toml: reno, cubic and bbr at 0.25, 1 and 4 BDP,
// three seeds, on tun-reference's bottleneck) three ways, in the simulator
// with ccbench's algorithm, over TUN with ccbench's algorithm and over TUN
// with the kernel's, and prints one table: per algorithm, buffer and way,
// the median and the spread (min–max) over the repeats of goodput,
// retransmits and RTT p50 and p95, and how many repeats were invalid.
//
// The runs are two sweeps of ccbench run, so their folders, locks,
// fingerprints and --resume are the sweep machinery's: the real-time half
// is the experiment file with its [sweep] narrowed to the algorithms and
// buffers asked for, the simulated half the same with driver = "sim" and
// only ccbench's algorithms. Both are written into the output folder and
// kept beside their results. The table is then read from the points'
// summary.json files.
//
//	go run ./tools/fidelity -ccbench bin/ccbench [-duration 10s] [-reps 3]
//	    [-algorithms reno,cubic,bbr] [-buffers 0.25bdp,1bdp,4bdp]
//	    [-out results/fidelity] [-resume] [-table-only]
//
// The figures of a real-time run are used only when its summary says they
// can be trusted (metrics.Summary.Trusted); a summary of a real-time run
// without a verdict is taken as untrusted, since nothing says its links ran
// as configured. A cell's figures are over the trusted repeats; when none
// is, they are over all of them and the cell is marked so.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// way is one of the three ways an algorithm runs.
type way struct {
	// label heads the way's rows; driver and kernel say how it runs.
	label  string
	driver string
	kernel bool
}

var ways = []way{
	{"sim", "sim", false},
	{"tun ccbench", "tun", false},
	{"tun kernel", "tun", true},
}

// ccName is how a flow names alg in way w.
func (w way) ccName(alg string) string {
	if w.kernel {
		return "linux:" + alg
	}
	return alg
}

func main() {
	var (
		base      = flag.String("experiment", "experiments/fidelity.toml", "experiment file: the bottleneck and flow; its [sweep] is replaced")
		ccbench   = flag.String("ccbench", "bin/ccbench", "ccbench binary to run")
		out       = flag.String("out", "results/fidelity", "folder the two sweeps write into")
		duration  = flag.String("duration", "10s", "each run's duration (real-time runs take it in wall time)")
		reps      = flag.Int("reps", 3, "repeats of each cell, with seeds seed, seed+1, ...")
		algs      = flag.String("algorithms", "reno,cubic,bbr", "algorithms, comma-separated, as ccbench names them (the kernel's gets linux:)")
		buffers   = flag.String("buffers", "0.25bdp,1bdp,4bdp", "bottleneck buffers, comma-separated, as link.buffer takes them")
		resume    = flag.Bool("resume", false, "reuse points already run with the same settings (ccbench run --resume)")
		tableOnly = flag.Bool("table-only", false, "run nothing; print the table from the results already in -out")
	)
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q: everything is a flag", flag.Args()))
	}
	plan := plan{Algorithms: split(*algs), Buffers: split(*buffers), Reps: *reps, Duration: *duration}
	if err := plan.check(); err != nil {
		fail(err)
	}
	text, err := os.ReadFile(*base)
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	began := time.Now()
	var halves []half
	for _, driver := range []string{"sim", "tun"} {
		h, err := plan.half(*base, text, driver, *out)
		if err != nil {
			fail(err)
		}
		halves = append(halves, h)
		if *tableOnly {
			continue
		}
		args := []string{"run", h.file, "--out", *out, "--no-plots"}
		if *resume {
			args = append(args, "--resume")
		}
		fmt.Fprintf(os.Stderr, "fidelity: %s %s\n", *ccbench, strings.Join(args, " "))
		if err := runCCBench(*ccbench, args); err != nil {
			fail(fmt.Errorf("%s sweep (%s): %w", driver, h.file, err))
		}
	}
	cells, err := plan.collect(halves)
	if err != nil {
		fail(err)
	}
	fmt.Printf("fidelity: %s at %s, %d repeat(s) each, %d ways", strings.Join(plan.Algorithms, ", "), strings.Join(plan.Buffers, ", "), plan.Reps, len(ways))
	if !*tableOnly {
		fmt.Printf(", %.0fs wall", time.Since(began).Seconds())
	}
	fmt.Println()
	fmt.Printf("link: %s; results in %s\n", halves[0].link, *out)
	printTable(os.Stdout, cells)
}

// runCCBench runs ccbench with args and waits for it. SIGINT and SIGTERM
// are passed on to it, each once, and not acted on here: ccbench tears a
// real-time run down and removes its namespaces and unfinished folders
// (a second signal stops it at once), and then fails, which ends this
// program. It runs in a process group of its own, so that a Ctrl-C at the
// terminal reaches it once, from here, and not twice.
func runCCBench(bin string, args []string) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			return err
		case sig := <-sigs:
			cmd.Process.Signal(sig)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fidelity: "+err.Error())
	os.Exit(1)
}

func split(s string) []string {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// plan is what the table covers.
type plan struct {
	Algorithms, Buffers []string
	Reps                int
	Duration            string
}

func (p plan) check() error {
	switch {
	case len(p.Algorithms) == 0:
		return errors.New("-algorithms: empty; give at least one, e.g. reno")
	case len(p.Buffers) == 0:
		return errors.New("-buffers: empty; give at least one, e.g. 1bdp")
	case p.Reps < 1:
		return fmt.Errorf("-reps: %d is not allowed: at least 1", p.Reps)
	}
	for _, a := range p.Algorithms {
		if strings.HasPrefix(a, "linux:") {
			return fmt.Errorf("-algorithms: %q: name ccbench's algorithm; the kernel's (linux:) runs as the third way by itself", a)
		}
	}
	return nil
}

// half is one of the two sweeps: its generated experiment file, expanded.
type half struct {
	driver string
	file   string
	sweep  *experiment.Sweep
	// link describes the bottleneck for the table's heading.
	link string
}

// half writes the sweep of driver into out and expands it. The file is the
// experiment's with driver, duration, [sweep] and repetitions replaced,
// and its own name, so that each half has its own folder under out.
func (p plan) half(source string, text []byte, driver, out string) (half, error) {
	var doc map[string]any
	if err := toml.Unmarshal(text, &doc); err != nil {
		return half{}, fmt.Errorf("%s: %w", source, err)
	}
	name, _ := doc["name"].(string)
	if name == "" {
		return half{}, fmt.Errorf("%s: has no name", source)
	}
	doc["name"] = name + "-" + driver
	doc["driver"] = driver
	doc["duration"] = p.Duration
	doc["repetitions"] = p.Reps
	var ccs []any
	for _, w := range ways {
		if w.driver != driver {
			continue
		}
		for _, a := range p.Algorithms {
			ccs = append(ccs, w.ccName(a))
		}
	}
	var bufs []any
	for _, b := range p.Buffers {
		bufs = append(bufs, b)
	}
	doc["sweep"] = map[string]any{"flows[0].cc": ccs, "link.buffer": bufs}
	data, err := toml.Marshal(doc)
	if err != nil {
		return half{}, err
	}
	data = append([]byte("# Written by tools/fidelity from "+source+"; it is rewritten on every run.\n\n"), data...)
	file := filepath.Join(out, name+"-"+driver+".toml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return half{}, err
	}
	sw, err := experiment.LoadSweep(file, nil)
	if err != nil {
		return half{}, err
	}
	cfg := sw.Points[0].Config
	link := fmt.Sprintf("%v, %v one way, %v per run, seeds from %d", cfg.Link.Rate, cfg.Link.Delay, cfg.Duration, cfg.Seed)
	return half{driver: driver, file: file, sweep: sw, link: link}, nil
}

// collect reads every point's summary of both halves into the table's
// cells, in the table's order: algorithm, then buffer, then way.
func (p plan) collect(halves []half) ([]cell, error) {
	byKey := map[[3]string]*cell{}
	var cells []*cell
	for _, a := range p.Algorithms {
		for _, b := range p.Buffers {
			for _, w := range ways {
				c := &cell{Algorithm: a, Buffer: b, Way: w.label}
				byKey[[3]string{w.ccName(a), b, w.driver}] = c
				cells = append(cells, c)
			}
		}
	}
	for _, h := range halves {
		ccKey, bufKey := -1, -1
		for i, k := range h.sweep.Keys {
			switch k {
			case "flows[0].cc":
				ccKey = i
			case "link.buffer":
				bufKey = i
			}
		}
		if ccKey < 0 || bufKey < 0 {
			return nil, fmt.Errorf("%s: sweeps %v; want flows[0].cc and link.buffer", h.file, h.sweep.Keys)
		}
		dir := filepath.Join(filepath.Dir(h.file), h.sweep.Name)
		for _, pt := range h.sweep.Points {
			c := byKey[[3]string{pt.Values[ccKey], pt.Values[bufKey], h.driver}]
			if c == nil {
				continue
			}
			path := filepath.Join(dir, pt.Run, "summary.json")
			s, err := report.ReadSummary(path)
			if err != nil {
				return nil, fmt.Errorf("point %s of the %s sweep: %w (run it first: leave -table-only out)", pt.Run, h.driver, err)
			}
			// A folder of the same name may hold a run of other settings
			// (another duration, or an edited experiment file): its
			// figures would pass for this table's.
			want, err := runner.FingerprintOf(pt.Config, runner.ExecOptions{})
			if err != nil {
				return nil, err
			}
			got, err := runner.ReadFingerprint(filepath.Join(dir, pt.Run))
			if err != nil {
				return nil, fmt.Errorf("point %s of the %s sweep: %w", pt.Run, h.driver, err)
			}
			if got.Settings != want.Settings {
				return nil, fmt.Errorf("point %s of the %s sweep was run with other settings than this table's (duration, seed or the experiment file differ); run it again: leave -table-only out", pt.Run, h.driver)
			}
			if len(s.Flows) == 0 {
				return nil, fmt.Errorf("%s: no flows", path)
			}
			c.add(pt.Run, h.driver == "tun", s)
		}
	}
	out := make([]cell, len(cells))
	for i, c := range cells {
		out[i] = *c
	}
	return out, nil
}

// printTable writes the cells, one row each, then one line per untrusted
// repeat with its reasons.
func printTable(w io.Writer, cells []cell) {
	row := func(format string, args ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf(format, args...), " "))
	}
	const format = "%-6s %-8s %-11s %2s %7s  %-22s %-16s %-22s %-22s%s"
	row(format, "cc", "buffer", "way", "n", "invalid", "goodput Mbit/s", "retransmits", "rtt p50 ms", "rtt p95 ms", "")
	var notes []string
	marked := false
	for _, c := range cells {
		st := c.stats()
		mark := ""
		if st.fromInvalid {
			mark, marked = " *", true
		}
		row(format, c.Algorithm, c.Buffer, c.Way, strconv.Itoa(st.n), fmt.Sprintf("%d/%d", len(c.Invalid), len(c.Repeats)),
			st.goodput.format("%.1f"), st.retransmits.format("%.0f"), st.rttP50.format("%.1f"), st.rttP95.format("%.1f"), mark)
		for _, r := range c.Invalid {
			notes = append(notes, fmt.Sprintf("  %s %s %s, %s: %s", c.Algorithm, c.Buffer, c.Way, r.Run, strings.Join(r.Reasons, "; ")))
		}
	}
	fmt.Fprintln(w, "figures: median (min–max) over the trusted repeats; n counts them")
	if marked {
		fmt.Fprintln(w, "* no repeat of the cell can be trusted: its figures are over all of them, invalid ones included")
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "invalid repeats:")
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
}
