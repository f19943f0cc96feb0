// Command torture is ccbench's long reliability run (`make torture`, not in
// CI): it fuzzes each fuzz target for a while, feeds the CLI a matrix of
// hostile inputs, kills a sweep again and again and resumes it, and prints
// one table of what held and what did not. It exits non-zero if anything
// failed.
//
//	go run ./tools/torture                 # 5 minutes per fuzz target
//	go run ./tools/torture -fuzztime 30s   # a quicker pass
//
// Every hostile input must end within its time limit either in a result or
// in a one-line error (no panic, no stack trace), and leave no hidden
// temporary folder behind. The kill-and-resume loop must end with an index
// equal, wall-clock fields aside, to a fresh run's.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// row is one line of the final table.
type row struct {
	group, name, want, got string
	ok                     bool
	took                   time.Duration
}

var rows []row

func record(r row) {
	rows = append(rows, r)
	mark := "ok"
	if !r.ok {
		mark = "FAIL"
	}
	fmt.Fprintf(os.Stderr, "%-6s %-8s %-44s %s (%.1fs)\n", mark, r.group, r.name, r.got, r.took.Seconds())
}

func main() {
	fuzzTime := flag.Duration("fuzztime", 5*time.Minute, "how long each fuzz target runs")
	rounds := flag.Int("rounds", 12, "kill-and-resume rounds before the sweep is let finish")
	seed := flag.Uint64("seed", 1, "seed of the kill times")
	skipFuzz := flag.Bool("nofuzz", false, "skip the fuzz targets")
	flag.Parse()

	work, err := os.MkdirTemp("", "ccbench-torture-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "ccbench")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ccbench").CombinedOutput(); err != nil {
		fatal(fmt.Errorf("building ccbench: %v\n%s", err, out))
	}

	if !*skipFuzz {
		fuzz(*fuzzTime)
	}
	hostile(bin, work)
	killResume(bin, work, *rounds, *seed)

	failed := 0
	fmt.Printf("\n| group | case | expected | outcome | time | result |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		res := "ok"
		if !r.ok {
			res = "FAIL"
			failed++
		}
		fmt.Printf("| %s | %s | %s | %s | %.1f s | %s |\n", r.group, r.name, r.want, r.got, r.took.Seconds(), res)
	}
	fmt.Printf("\n%d of %d cases held\n", len(rows)-failed, len(rows))
	if failed > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "torture:", err)
	os.Exit(2)
}

// fuzz runs each fuzz target for d. A crasher is written by the fuzzer to
// the package's testdata/fuzz folder, where `go test` replays it from then
// on.
func fuzz(d time.Duration) {
	execs := regexp.MustCompile(`execs: (\d+)`)
	for _, t := range []struct{ pkg, name string }{
		{"./wire", "FuzzDecodeSegment"},
		{"./wire", "FuzzParseOptions"},
		{"./stack", "FuzzConnection"},
		{"./stack", "FuzzPairMutatingLink"},
	} {
		start := time.Now()
		out, err := exec.Command("go", "test", t.pkg, "-run", "^$", "-fuzz", "^"+t.name+"$", "-fuzztime", d.String()).CombinedOutput()
		n := "?"
		if m := execs.FindAllSubmatch(out, -1); len(m) > 0 {
			n = string(m[len(m)-1][1])
		}
		got := n + " inputs, no failure"
		if err != nil {
			got = "failed: " + lastLine(out)
		}
		record(row{"fuzz", t.name, "no crash in " + d.String(), got, err == nil, time.Since(start)})
	}
}

// hostileCase is one input the CLI must refuse cleanly or run correctly.
type hostileCase struct {
	name string
	// file is the experiment file's contents, or "" to use
	// experiments/bottleneck.toml; extra files are written beside it.
	file  string
	extra map[string]string
	args  []string
	// wantErr is a regexp the one-line error must match; "" means the run
	// must succeed.
	wantErr string
	limit   time.Duration
}

func hostile(bin, work string) {
	long := strings.Repeat("x", 60<<10)
	cases := []hostileCase{
		{name: "1 Tbit/s, 1 BDP buffer", args: []string{"--set", "link.rate=1Tbit/s", "--set", "duration=3ms", "--set", "sample_interval=1ms", "--set", "throughput_window=1ms"}, limit: 2 * time.Minute},
		{name: "12 Gbit/s, 800 ms RTT", args: []string{"--set", "link.rate=12Gbit/s", "--set", "link.delay=400ms", "--set", "duration=50ms", "--set", "sample_interval=10ms", "--set", "throughput_window=10ms"}, limit: 2 * time.Minute},
		{name: "10 000 flows", file: manyFlows(10000), wantErr: `(?i)budget|memory|flows`, limit: time.Minute},
		{name: "duration 1 000 000 s", args: []string{"--set", "duration=1000000s"}, wantErr: `(?i)budget|memory|duration`, limit: time.Minute},
		{name: "sample interval 1 ns", args: []string{"--set", "sample_interval=1ns"}, wantErr: `(?i)budget|memory|sample`, limit: time.Minute},
		{name: "rate beyond the simulator", args: []string{"--set", "link.rate=1e30bit/s"}, wantErr: `link\.rate`, limit: time.Minute},
		{name: "negative buffer", args: []string{"--set", "link.buffer=-5pkt"}, wantErr: `link\.buffer`, limit: time.Minute},
		{name: "loss above 1", args: []string{"--set", "link.loss=2"}, wantErr: `link\.loss`, limit: time.Minute},
		{name: "unknown algorithm", args: []string{"--set", "flows[0].cc=nosuchcc"}, wantErr: `flows\[0\]\.cc`, limit: time.Minute},
		{name: "binary garbage as TOML", file: "\x00\x01\x02\xff\xfe[[[", wantErr: `.`, limit: time.Minute},
		{name: "60 KB garbage line in a trace", file: "name = \"t\"\nduration = \"1s\"\n[link]\ndelay = \"10ms\"\nbuffer = \"100pkt\"\ntrace = \"trace.txt\"\n[[flows]]\ncc = \"reno\"\n",
			extra: map[string]string{"trace.txt": "1\n2\n" + long + "\n"}, wantErr: `line 3`, limit: time.Minute},
		{name: "size CDF near 1e300", file: "name = \"w\"\nduration = \"2s\"\n[link]\nrate = \"10Mbit/s\"\ndelay = \"10ms\"\n[[flows]]\ncc = \"reno\"\narrivals = \"poisson\"\nload = 0.5\nsize_distribution = \"empirical\"\nmean_size = \"0B\"\nsize_cdf = \"cdf.txt\"\n",
			extra: map[string]string{"cdf.txt": "1e299 0\n1e300 1\n"}, wantErr: `.`, limit: time.Minute},
		{name: "missing experiment file", file: "-", wantErr: `.`, limit: time.Minute},
	}
	for i, c := range cases {
		dir := filepath.Join(work, fmt.Sprintf("hostile-%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(err)
		}
		exp, _ := filepath.Abs("experiments/bottleneck.toml")
		if c.file == "-" {
			exp = filepath.Join(dir, "no-such-file.toml")
		} else if c.file != "" {
			exp = filepath.Join(dir, "exp.toml")
			if err := os.WriteFile(exp, []byte(c.file), 0o644); err != nil {
				fatal(err)
			}
		}
		for name, body := range c.extra {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				fatal(err)
			}
		}
		out := filepath.Join(dir, "out")
		args := append([]string{"run", exp, "--out", out}, c.args...)
		start := time.Now()
		stdout, stderr, err, timedOut := runFor(bin, args, c.limit)
		took := time.Since(start)
		want := "a result"
		if c.wantErr != "" {
			want = "one-line error matching " + c.wantErr
		}
		got, ok := judge(c, stdout, stderr, err, timedOut)
		if tmp := leftoverTemps(out); tmp != "" {
			got, ok = got+"; left "+tmp, false
		}
		record(row{"hostile", c.name, want, got, ok, took})
	}
}

func judge(c hostileCase, stdout, stderr []byte, err error, timedOut bool) (string, bool) {
	errText := strings.TrimSpace(string(stderr))
	switch {
	case timedOut:
		return "still running after " + c.limit.String(), false
	case strings.Contains(errText, "goroutine ") || strings.Contains(errText, "panic:"):
		return "crashed: " + firstLine(errText), false
	case c.wantErr == "" && err != nil:
		return "failed: " + firstLine(errText), false
	case c.wantErr == "":
		return "ran: " + firstLine(strings.TrimSpace(string(stdout))), true
	case err == nil:
		return "accepted, ran", false
	}
	lines := strings.Count(errText, "\n") + 1
	if lines > 1 {
		return fmt.Sprintf("%d-line error: %s", lines, firstLine(errText)), false
	}
	if len(errText) > 400 {
		return fmt.Sprintf("error of %d bytes: %s", len(errText), errText[:120]), false
	}
	if !regexp.MustCompile(c.wantErr).MatchString(errText) {
		return "wrong error: " + errText, false
	}
	return "refused: " + shorten(errText, 110), true
}

// killResume interrupts a sweep with SIGKILL at random moments, resumes it
// each time, lets the last round finish, and compares its index with a
// fresh run's.
func killResume(bin, work string, rounds int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x70f7))
	exp, _ := filepath.Abs("experiments/sweep-buffers.toml")
	set := []string{"--set", "duration=2s"}
	killed := filepath.Join(work, "killed")
	start := time.Now()
	kills := 0
	var problems []string
	for r := 0; r < rounds; r++ {
		cmd := exec.Command(bin, append([]string{"run", exp, "--out", killed, "--resume"}, set...)...)
		if err := cmd.Start(); err != nil {
			fatal(err)
		}
		wait := time.Duration(200+rng.IntN(2800)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(wait):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
	}
	// The last round runs to the end, and must say nothing went wrong.
	out, err := exec.Command(bin, append([]string{"run", exp, "--out", killed, "--resume"}, set...)...).CombinedOutput()
	if err != nil {
		problems = append(problems, "final resume failed: "+lastLine(out))
	}
	fresh := filepath.Join(work, "fresh")
	if out, err := exec.Command(bin, append([]string{"run", exp, "--out", fresh}, set...)...).CombinedOutput(); err != nil {
		problems = append(problems, "fresh run failed: "+lastLine(out))
	}
	a, errA := indexWithoutWallClock(filepath.Join(killed, "sweep-buffers", "index.json"))
	b, errB := indexWithoutWallClock(filepath.Join(fresh, "sweep-buffers", "index.json"))
	switch {
	case errA != nil || errB != nil:
		problems = append(problems, fmt.Sprint("reading the indexes: ", errors.Join(errA, errB)))
	case !bytes.Equal(a, b):
		problems = append(problems, "the resumed index differs from a fresh run's")
	}
	if tmp := leftoverTemps(killed); tmp != "" {
		problems = append(problems, "left "+tmp)
	}
	got := fmt.Sprintf("%d kills, index equal to a fresh run's, no temporaries left", kills)
	if len(problems) > 0 {
		got = fmt.Sprintf("%d kills: %s", kills, strings.Join(problems, "; "))
	}
	record(row{"resume", fmt.Sprintf("sweep-buffers killed %d times", rounds), "index equal to a fresh run's", got, len(problems) == 0, time.Since(start)})
}

// indexWithoutWallClock reads an index.json and drops every field whose
// name says it depends on the wall clock, and the provenance (build,
// machine, start time and command line).
func indexWithoutWallClock(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return json.Marshal(scrub(v))
}

func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.Contains(k, "wall") || strings.Contains(k, "speed") || strings.Contains(k, "per_wall") || k == "created" || k == "date" || k == "provenance" {
				delete(t, k)
				continue
			}
			t[k] = scrub(x)
		}
	case []any:
		for i, x := range t {
			t[i] = scrub(x)
		}
	}
	return v
}

// leftoverTemps names a hidden temporary folder or file under dir, or "".
func leftoverTemps(dir string) string {
	found := ""
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") && found == "" {
			found = p
		}
		return nil
	})
	return found
}

func runFor(bin string, args []string, limit time.Duration) (stdout, stderr []byte, err error, timedOut bool) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err, ctx.Err() != nil
}

func manyFlows(n int) string {
	var b strings.Builder
	b.WriteString("name = \"many\"\nduration = \"10s\"\n[link]\nrate = \"100Mbit/s\"\ndelay = \"20ms\"\n")
	for range n {
		b.WriteString("[[flows]]\ncc = \"reno\"\n")
	}
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return shorten(s, 110)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return shorten(lines[len(lines)-1], 110)
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
