// Command fidelity runs `make fidelity` and `make kernel-compare`: every
// algorithm of an experiment run several ways on one bottleneck, and one
// table of what each way measured.
//
// -mode fidelity (experiments/fidelity.toml: reno, cubic and bbr at 0.25,
// 1 and 4 BDP, three seeds, on tun-reference's bottleneck) runs each
// algorithm three ways: in the simulator with ccbench's algorithm, over
// TUN with ccbench's algorithm and over TUN with the kernel's.
//
// -mode kernel (experiments/kernel-compare.toml: the shipped bottleneck,
// 100 Mbit/s, 40 ms, 1 BDP, 30 s) is issue 19's three columns: ccbench's
// port in the simulator ("cubic"), Linux's module compiled to wasm on
// ccbench's stack in the simulator ("kernel:cubic"; with -module-tun over
// TUN too), and the Linux kernel itself over TUN ("linux:cubic").
//
// Per algorithm, buffer and way, the table gives the median and the
// spread (min–max) over the repeats of goodput, retransmits and RTT p50,
// p95 and p99, how many repeats were invalid, and the median goodput
// against the reference way's (the kernel over TUN). Per algorithm and
// buffer, cwnd-ALG-BUFFER.png in the output folder overlays the
// congestion window of each way (its first trusted repeat); a way whose
// flow CSV has no window is named below the table.
//
// The runs are two sweeps of ccbench run, so their folders, locks,
// fingerprints and --resume are the sweep machinery's: the real-time half
// is the experiment file with driver = "tun" and its [sweep] replaced by
// the real-time ways' algorithms and the buffers asked for, the simulated
// half the same with driver = "sim". Both are written into the output
// folder and kept beside their results. The table is then read from the
// points' summary.json files. Without root or /dev/net/tun the real-time
// ways are left out, in one line, and the simulated ones still run
// (-no-tun leaves them out by choice).
//
//	go run ./tools/fidelity -ccbench bin/ccbench [-mode fidelity|kernel]
//	    [-duration 10s] [-reps 3] [-algorithms reno,cubic,bbr]
//	    [-buffers 0.25bdp,1bdp,4bdp] [-out results/fidelity] [-module-tun]
//	    [-no-tun] [-resume] [-table-only]
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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/kernelcc"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/tun"
)

// way is one way an algorithm runs.
type way struct {
	// label heads the way's rows; driver says how it runs and prefix how
	// a flow names the algorithm ("" for ccbench's, "linux:" for the
	// kernel's, "kernel:" for Linux's module on ccbench's stack).
	label, driver, prefix string
}

// ccName is how a flow names alg in way w.
func (w way) ccName(alg string) string { return w.prefix + alg }

// mode is what a run of the tool compares, and its defaults.
type mode struct {
	// ways are the ways each algorithm runs, in the table's order;
	// moduleTun is the way -module-tun adds (kernel mode only).
	ways      []way
	moduleTun *way
	// reference is the label of the way whose goodput the others are
	// measured against.
	reference string
	// The flags' defaults in this mode.
	experiment, out, duration, algorithms, buffers string
	reps                                           int
}

var (
	// simPort, simModule, tunModule and tunLinux are kernel mode's ways:
	// ccbench's port, Linux's module on ccbench's stack in the simulator
	// and over TUN, the Linux kernel over TUN.
	simPort   = way{"port sim", "sim", ""}
	simModule = way{"module sim", "sim", "kernel:"}
	tunModule = way{"module tun", "tun", "kernel:"}
	tunLinux  = way{"linux tun", "tun", "linux:"}

	modes = map[string]mode{
		"fidelity": {
			ways:       []way{{"sim", "sim", ""}, {"tun ccbench", "tun", ""}, {"tun kernel", "tun", "linux:"}},
			reference:  "tun kernel",
			experiment: "experiments/fidelity.toml", out: "results/fidelity",
			duration: "10s", algorithms: "reno,cubic,bbr", buffers: "0.25bdp,1bdp,4bdp", reps: 3,
		},
		"kernel": {
			ways:       []way{simPort, simModule, tunLinux},
			moduleTun:  &tunModule,
			reference:  tunLinux.label,
			experiment: "experiments/kernel-compare.toml", out: "results/kernel-compare",
			duration: "30s", algorithms: "cubic,bbr,reno", buffers: "1bdp", reps: 1,
		},
	}
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fidelity: "+err.Error())
		}
		os.Exit(1)
	}
}

// run is the command with its arguments: the table and figures' list go
// to stdout, ccbench's own output and the tool's notes to stderr.
func run(arguments []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fidelity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		modeName  = fs.String("mode", "fidelity", "what to compare: fidelity (sim, tun with ccbench's algorithm, tun with the kernel's) or kernel (ccbench's port, Linux's module as kernel:NAME, the kernel as linux:NAME)")
		base      = fs.String("experiment", "", "experiment file: the bottleneck and flow; its [sweep] is replaced (default: fidelity experiments/fidelity.toml, kernel experiments/kernel-compare.toml)")
		ccbench   = fs.String("ccbench", "bin/ccbench", "ccbench binary to run")
		out       = fs.String("out", "", "folder the two sweeps and the figures are written into (default: results/fidelity, results/kernel-compare)")
		duration  = fs.String("duration", "", "each run's duration; real-time runs take it in wall time (default: fidelity 10s, kernel 30s)")
		reps      = fs.Int("reps", 0, "repeats of each cell, with seeds seed, seed+1, ... (default: fidelity 3, kernel 1)")
		algs      = fs.String("algorithms", "", "algorithms, comma-separated, as ccbench names them; the other ways add linux: or kernel: (default: fidelity reno,cubic,bbr, kernel cubic,bbr,reno)")
		buffers   = fs.String("buffers", "", "bottleneck buffers, comma-separated, as link.buffer takes them (default: fidelity 0.25bdp,1bdp,4bdp, kernel 1bdp)")
		moduleTun = fs.Bool("module-tun", false, "kernel mode: also run Linux's module on ccbench's stack over TUN (kernel:NAME, driver tun)")
		noTun     = fs.Bool("no-tun", false, "leave the real-time ways out: run and tabulate the simulated ones only")
		resume    = fs.Bool("resume", false, "reuse points already run with the same settings (ccbench run --resume)")
		tableOnly = fs.Bool("table-only", false, "run nothing; print the table and draw the figures from the results already in -out")
	)
	if err := fs.Parse(arguments); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: everything is a flag", fs.Args())
	}
	m, ok := modes[*modeName]
	if !ok {
		return fmt.Errorf("-mode: %q is not a mode; allowed: fidelity, kernel", *modeName)
	}
	if *moduleTun && m.moduleTun == nil {
		return errors.New("-module-tun: only with -mode kernel")
	}
	orDefault := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	orDefault(base, m.experiment)
	orDefault(out, m.out)
	orDefault(duration, m.duration)
	orDefault(algs, m.algorithms)
	orDefault(buffers, m.buffers)
	if *reps == 0 {
		*reps = m.reps
	}
	plan := plan{Mode: *modeName, Algorithms: split(*algs), Buffers: split(*buffers), Reps: *reps, Duration: *duration,
		Ways: m.ways, Reference: m.reference}
	if *moduleTun {
		plan.Ways = insertBefore(plan.Ways, *m.moduleTun, m.reference)
	}
	if err := plan.check(); err != nil {
		return err
	}
	switch {
	case *noTun:
		plan.Ways = simOnly(plan.Ways)
	case !*tableOnly && plan.hasDriver("tun"):
		if err := tunAvailable(); err != nil {
			fmt.Fprintf(stderr, "fidelity: leaving out the real-time ways (%s): %v\n", strings.Join(plan.labels("tun"), ", "), err)
			plan.Ways = simOnly(plan.Ways)
		}
	}
	text, err := os.ReadFile(*base)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	began := time.Now()
	var halves []half
	for _, driver := range []string{"sim", "tun"} {
		if !plan.hasDriver(driver) {
			continue
		}
		h, err := plan.half(*base, text, driver, *out)
		if err != nil {
			return err
		}
		halves = append(halves, h)
		if *tableOnly {
			continue
		}
		args := []string{"run", h.file, "--out", *out, "--no-plots"}
		if driver == "tun" {
			// One real-time run at a time: parallel ones would share the
			// cores the relay needs.
			args = append(args, "--jobs", "1")
		}
		if *resume {
			args = append(args, "--resume")
		}
		fmt.Fprintf(stderr, "fidelity: %s %s\n", *ccbench, strings.Join(args, " "))
		if err := runCCBench(*ccbench, args, stderr); err != nil {
			return fmt.Errorf("%s sweep (%s): %w", driver, h.file, err)
		}
	}
	cells, err := plan.collect(halves)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s at %s, %d repeat(s) each, %d ways", plan.Mode, strings.Join(plan.Algorithms, ", "), strings.Join(plan.Buffers, ", "), plan.Reps, len(plan.Ways))
	if !*tableOnly {
		fmt.Fprintf(stdout, ", %.0fs wall", time.Since(began).Seconds())
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "link: %s; results in %s\n", halves[0].link, *out)
	plan.printTable(stdout, cells)
	figs, err := plan.drawFigures(*out, cells)
	if err != nil {
		return err
	}
	printFigures(stdout, figs)
	return nil
}

// tunAvailable says why the real-time ways cannot run here, or nil.
var tunAvailable = tun.Available

// insertBefore is ways with w inserted before the way labelled label, or
// at the end.
func insertBefore(ways []way, w way, label string) []way {
	i := slices.IndexFunc(ways, func(x way) bool { return x.label == label })
	if i < 0 {
		i = len(ways)
	}
	return slices.Insert(slices.Clone(ways), i, w)
}

// simOnly is ways without the real-time ones.
func simOnly(ways []way) []way {
	return slices.DeleteFunc(slices.Clone(ways), func(w way) bool { return w.driver != "sim" })
}

// runCCBench runs ccbench with args and waits for it. SIGINT and SIGTERM
// are passed on to it, each once, and not acted on here: ccbench tears a
// real-time run down and removes its namespaces and unfinished folders
// (a second signal stops it at once), and then fails, which ends this
// program. It runs in a process group of its own, so that a Ctrl-C at the
// terminal reaches it once, from here, and not twice.
func runCCBench(bin string, args []string, output io.Writer) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = output, output
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
	// Mode names what is compared (fidelity, kernel).
	Mode                string
	Algorithms, Buffers []string
	Reps                int
	Duration            string
	// Ways are the ways each algorithm runs, in the table's order;
	// Reference labels the one whose goodput the others are measured
	// against.
	Ways      []way
	Reference string
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
		for _, prefix := range []string{"linux:", "kernel:"} {
			if strings.HasPrefix(a, prefix) {
				return fmt.Errorf("-algorithms: %q: name ccbench's algorithm (e.g. cubic); the ways that run the kernel's (linux:) or Linux's module (kernel:) add the prefix themselves", a)
			}
		}
		if err := cc.Check(a); err != nil {
			return fmt.Errorf("-algorithms: %q is not one of ccbench's algorithms; allowed: %s", a, strings.Join(cc.Names(), ", "))
		}
		if p.Mode == "kernel" && !slices.Contains(kernelcc.Modules, a) {
			return fmt.Errorf("-algorithms: %q has no Linux module of that name to compare with; allowed in -mode kernel: the names both ccbench and kernel:NAME know (%s)", a, strings.Join(p.kernelNames(), ", "))
		}
	}
	return nil
}

// kernelNames are ccbench's algorithms with a Linux module of the same
// name.
func (p plan) kernelNames() []string {
	var names []string
	for _, m := range kernelcc.Modules {
		if cc.Check(m) == nil {
			names = append(names, m)
		}
	}
	return names
}

// hasDriver says whether a way of p runs on driver.
func (p plan) hasDriver(driver string) bool { return len(p.labels(driver)) > 0 }

// labels are the labels of p's ways that run on driver.
func (p plan) labels(driver string) []string {
	var l []string
	for _, w := range p.Ways {
		if w.driver == driver {
			l = append(l, w.label)
		}
	}
	return l
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
	for _, w := range p.Ways {
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
			for _, w := range p.Ways {
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
			c.add(pt.Run, filepath.Join(dir, pt.Run), h.driver == "tun", s)
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
func (p plan) printTable(w io.Writer, cells []cell) {
	row := func(format string, args ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf(format, args...), " "))
	}
	// The reference cell of each algorithm and buffer: what vs <ref>
	// measures against.
	ref := map[[2]string]cellStats{}
	for _, c := range cells {
		if c.Way == p.Reference {
			ref[[2]string{c.Algorithm, c.Buffer}] = c.stats()
		}
	}
	// The vs ref column, when the reference way ran.
	format, vsHead := "%-6s %-8s %-11s %2s %7s  %-22s %-16s %-22s %-22s %-22s%s", ""
	if len(ref) > 0 {
		format, vsHead = "%-6s %-8s %-11s %2s %7s  %-22s %-16s %-22s %-22s %-22s %8s%s", "vs ref"
	}
	cols := func(c ...any) []any {
		if vsHead == "" {
			return append(c[:10:10], c[11:]...)
		}
		return c
	}
	row(format, cols("cc", "buffer", "way", "n", "invalid", "goodput Mbit/s", "retransmits", "rtt p50 ms", "rtt p95 ms", "rtt p99 ms", vsHead, "")...)
	var notes []string
	marked := false
	for _, c := range cells {
		st := c.stats()
		mark := ""
		if st.fromInvalid {
			mark, marked = " *", true
		}
		vs := "-"
		if r, ok := ref[[2]string{c.Algorithm, c.Buffer}]; ok && c.Way == p.Reference && st.n > 0 {
			vs = "ref"
		} else if ok && r.goodput.n > 0 && st.goodput.n > 0 && r.goodput.median > 0 {
			vs = fmt.Sprintf("%+.1f%%", (st.goodput.median/r.goodput.median-1)*100)
			if r.fromInvalid {
				vs = "(" + vs + ")"
			}
		}
		row(format, cols(c.Algorithm, c.Buffer, c.Way, strconv.Itoa(st.n), fmt.Sprintf("%d/%d", len(c.Invalid), len(c.Repeats)),
			st.goodput.format("%.1f"), st.retransmits.format("%.0f"), st.rttP50.format("%.1f"), st.rttP95.format("%.1f"), st.rttP99.format("%.1f"), vs, mark)...)
		for _, r := range c.Invalid {
			notes = append(notes, fmt.Sprintf("  %s %s %s, %s: %s", c.Algorithm, c.Buffer, c.Way, r.Run, strings.Join(r.Reasons, "; ")))
		}
	}
	fmt.Fprintln(w, "figures: median (min–max) over the trusted repeats; n counts them")
	if len(ref) > 0 {
		fmt.Fprintf(w, "vs ref: median goodput against %s's (ref); in brackets when no repeat of %s can be trusted\n", p.Reference, p.Reference)
	}
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
