package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/kernelcc"
	"github.com/ccbench/ccbench/metrics"
)

// Flow CSVs in the shapes the drivers write: the simulator's (ccbench's
// sender, with its CC's columns) and the tun driver's for a kernel sender
// (TCP_INFO samples, a first row before the connection exists).
const (
	simCSV = `time_s,throughput_mbps,cwnd_bytes,ssthresh_bytes,srtt_ms,rttvar_ms,rto_ms,last_rtt_ms,inflight_bytes,retransmits,delivered_bytes,state,phase,pacing_mbps
0.000000,0.000000,0,0,0.000,0.000,1000.000,0.000,0,0,0,SYN-SENT,congestion_avoidance,0.000000
0.100000,1.158400,28960,,40.582,1.683,240.582,41.200,28960,0,14480,ESTABLISHED,slow_start,0.000000
0.200000,9.000000,115840,,40.900,1.700,240.900,41.300,115840,0,120000,ESTABLISHED,slow_start,0.000000
0.300000,40.000000,463360,,45.000,2.000,245.000,50.000,463360,0,600000,ESTABLISHED,slow_start,0.000000
`
	kernelCSV = `time_s,throughput_mbps,cwnd_bytes,ssthresh_bytes,srtt_ms,rttvar_ms,rto_ms,last_rtt_ms,inflight_bytes,retransmits,delivered_bytes,state,phase,pacing_mbps
0.000652,0.000000,0,0,0.000,0.000,0.000,0.000,0,0,0,CLOSED,,0.000000
0.100750,1.157262,28960,,40.697,1.621,244.000,0.000,28960,0,14480,ESTABLISHED,bbr,2.805384
0.200750,8.500000,101360,,40.800,1.600,244.000,0.000,101360,0,110000,ESTABLISHED,bbr,20.000000
0.300750,38.000000,405440,,44.000,2.100,244.000,0.000,405440,0,560000,ESTABLISHED,bbr,80.000000
`
)

// writeRun writes a run folder under dir: its flow CSV (none when csv is
// "") and returns the summary a driver would have written beside it.
func writeRun(t *testing.T, dir, run, csv string) string {
	t.Helper()
	path := filepath.Join(dir, run)
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if csv != "" {
		if err := os.WriteFile(filepath.Join(path, "flow0.csv"), []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func summary(cc string, goodputMbps float64, retransmits int64, p50, p95, p99 float64, validity *metrics.Validity) *metrics.Summary {
	return &metrics.Summary{SimSeconds: 0.3, Validity: validity, Flows: []metrics.FlowSummary{{CC: cc,
		GoodputBps: goodputMbps * 1e6, Retransmits: retransmits, RTTP50Ms: p50, RTTP95Ms: p95, RTTP99Ms: p99}}}
}

// TestKernelTableAndFigures builds kernel mode's table and figure from
// canned summaries and flow CSVs, no run: the four ways of bbr at 1 BDP,
// the module over TUN invalid (marked, its reasons listed, its goodput
// still set against the kernel's but never used silently) and without a
// flow CSV (named as having no cwnd trace), the other three drawn on one
// PNG; goodput of each way against linux tun's.
func TestKernelTableAndFigures(t *testing.T) {
	out := t.TempDir()
	m := modes["kernel"]
	p := plan{Mode: "kernel", Algorithms: []string{"bbr"}, Buffers: []string{"1bdp"}, Reps: 1, Duration: "30s",
		Ways: insertBefore(m.ways, *m.moduleTun, m.reference), Reference: m.reference}
	if err := p.check(); err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, w := range p.Ways {
		labels = append(labels, w.label+"="+w.driver+"/"+w.ccName("bbr"))
	}
	if got, want := strings.Join(labels, " "), "port sim=sim/bbr module sim=sim/kernel:bbr module tun=tun/kernel:bbr linux tun=tun/linux:bbr"; got != want {
		t.Fatalf("ways: %s, want %s", got, want)
	}
	ok := &metrics.Validity{Valid: true}
	cells := []cell{
		{Algorithm: "bbr", Buffer: "1bdp", Way: "port sim"},
		{Algorithm: "bbr", Buffer: "1bdp", Way: "module sim"},
		{Algorithm: "bbr", Buffer: "1bdp", Way: "module tun"},
		{Algorithm: "bbr", Buffer: "1bdp", Way: "linux tun"},
	}
	cells[0].add("cc=bbr", writeRun(t, out, "sim/cc=bbr", simCSV), false, summary("bbr", 91.9, 734, 42.6, 53.3, 58.1, nil))
	cells[1].add("cc=kernel_bbr", writeRun(t, out, "sim/cc=kernel_bbr", simCSV), false, summary("kernel:bbr", 91.8, 738, 41.5, 52.3, 57.9, nil))
	cells[2].add("cc=kernel_bbr", writeRun(t, out, "tun/cc=kernel_bbr", ""), true,
		summary("kernel:bbr", 82.9, 738, 40.5, 74.7, 79.0, &metrics.Validity{Valid: false, Reasons: []string{"relay stalled for 137.1 ms in all (44 stalls), more than 1% of the run's 3s"}}))
	cells[3].add("cc=linux_bbr", writeRun(t, out, "tun/cc=linux_bbr", kernelCSV), true, summary("linux:bbr", 93.5, 650, 44.0, 55.0, 60.2, ok))

	var b strings.Builder
	p.printTable(&b, cells)
	want := `cc     buffer   way          n invalid  goodput Mbit/s         retransmits      rtt p50 ms             rtt p95 ms             rtt p99 ms               vs ref
bbr    1bdp     port sim     1     0/1  91.9                   734              42.6                   53.3                   58.1                      -1.7%
bbr    1bdp     module sim   1     0/1  91.8                   738              41.5                   52.3                   57.9                      -1.8%
bbr    1bdp     module tun   1     1/1  82.9                   738              40.5                   74.7                   79.0                     -11.3% *
bbr    1bdp     linux tun    1     0/1  93.5                   650              44.0                   55.0                   60.2                        ref
figures: median (min–max) over the trusted repeats; n counts them
vs ref: median goodput against linux tun's (ref); in brackets when no repeat of linux tun can be trusted
* no repeat of the cell can be trusted: its figures are over all of them, invalid ones included
invalid repeats:
  bbr 1bdp module tun, cc=kernel_bbr: relay stalled for 137.1 ms in all (44 stalls), more than 1% of the run's 3s
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}

	figs, err := p.drawFigures(out, cells)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	printFigures(&b, figs)
	png1 := filepath.Join(out, "cwnd-bbr-1bdp.png")
	wantFigs := `cwnd overlays (flow 0 of each way's first trusted repeat):
  ` + png1 + `: port sim: bbr, module sim: kernel:bbr, linux tun: linux:bbr
    module tun: kernel:bbr (untrusted) has no cwnd trace: no flow CSV (` + filepath.Join(out, "tun/cc=kernel_bbr/flow0.csv") + `)
`
	if got := b.String(); got != wantFigs {
		t.Errorf("figures:\n%s\nwant:\n%s", got, wantFigs)
	}
	data, err := os.ReadFile(png1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", png1, err)
	}
	if r := img.Bounds(); r.Dx() < 300 || r.Dy() < 200 {
		t.Errorf("%s is %v: too small to be the figure", png1, r)
	}
	if _, err := os.Stat(filepath.Join(out, "cwnd-bbr-1bdp.svg")); err != nil {
		t.Error(err)
	}

	// The figure is the same for the same inputs.
	if _, err := p.drawFigures(out, cells); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(png1); !bytes.Equal(again, data) {
		t.Error("drawing the same figure twice gave two PNGs")
	}

	// A flow CSV without a congestion window column is named, not drawn
	// as zeros.
	if err := os.WriteFile(filepath.Join(out, "tun/cc=linux_bbr/flow0.csv"), []byte("time_s,throughput_mbps\n0.1,1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	figs, err = p.drawFigures(out, cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || len(figs[0].Missing) != 2 || !strings.Contains(figs[0].Missing[1].Reason, "no time_s and cwnd_bytes columns") {
		t.Errorf("a CSV without cwnd: %+v; want linux tun named as missing its column", figs)
	}
}

// TestKernelPlanErrors: bad -algorithms name the problem and what is
// allowed, in one line.
func TestKernelPlanErrors(t *testing.T) {
	m := modes["kernel"]
	for _, c := range []struct{ alg, want string }{
		{"kernel:cubic", "name ccbench's algorithm"},
		{"linux:bbr", "name ccbench's algorithm"},
		{"no-such", `"no-such" is not one of ccbench's algorithms; allowed: `},
		{"bbr3", `"bbr3" has no Linux module of that name to compare with; allowed in -mode kernel: `},
	} {
		p := plan{Mode: "kernel", Algorithms: []string{c.alg}, Buffers: []string{"1bdp"}, Reps: 1, Ways: m.ways, Reference: m.reference}
		err := p.check()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("-algorithms %s: %v; want one line containing %q", c.alg, err, c.want)
		}
	}
	var b strings.Builder
	if err := run([]string{"-mode", "sideways"}, &b, &b); err == nil || err.Error() != `-mode: "sideways" is not a mode; allowed: fidelity, kernel` {
		t.Errorf("-mode sideways: %v", err)
	}
	if err := run([]string{"-module-tun"}, &b, &b); err == nil || err.Error() != "-module-tun: only with -mode kernel" {
		t.Errorf("-module-tun in fidelity mode: %v", err)
	}
}

// TestKernelSimColumns runs the two simulated columns of the shipped
// comparison (ccbench's port and Linux's module on ccbench's stack) for
// cubic, bbr and reno over 3 s through a ccbench built here, twice: the
// table has a row per algorithm and column, each figure draws both, and
// the second run's table is the first's to the character. Then, with the
// tun driver made unavailable, a comparison asking for the real-time ways
// leaves them out in one line and runs the rest.
func TestKernelSimColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ccbench and runs 12 simulations; skipped in -short")
	}
	for _, m := range []string{"cubic", "bbr", "reno"} {
		if _, err := kernelcc.BuildNamed(m); err != nil {
			t.Skipf("kernel modules cannot be built here: %v", err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ccbench")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/ccbench")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	table := func(out string) string {
		var stdout, stderr strings.Builder
		err := run([]string{"-mode", "kernel", "-no-tun", "-ccbench", bin, "-experiment", "../../experiments/kernel-compare.toml",
			"-duration", "3s", "-out", out}, &stdout, &stderr)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		return stdout.String()
	}
	first := table(filepath.Join(dir, "a"))
	for _, alg := range []string{"cubic", "bbr", "reno"} {
		for _, w := range []string{"port sim", "module sim"} {
			if !strings.Contains(first, "\n"+alg+strings.Repeat(" ", 7-len(alg))+"1bdp     "+w+" ") {
				t.Errorf("no row for %s %s in:\n%s", alg, w, first)
			}
		}
		prefix := "kernel:"
		if !strings.Contains(first, "cwnd-"+alg+"-1bdp.png: port sim: "+alg+", module sim: "+prefix+alg+"\n") {
			t.Errorf("figure of %s does not draw both columns:\n%s", alg, first)
		}
	}
	if strings.Contains(first, "no cwnd trace") || strings.Contains(first, " tun ") {
		t.Errorf("a simulated-only comparison names a missing trace or a real-time way:\n%s", first)
	}
	// The wall time and the folder differ; everything else must not.
	strip := func(s, out string) string {
		s = strings.ReplaceAll(s, out, "OUT")
		if i, j := strings.Index(s, ", "), strings.Index(s, "s wall\n"); i >= 0 && j > i {
			s = s[:strings.LastIndex(s[:j], ",")] + s[j+len("s wall"):]
		}
		return s
	}
	second := table(filepath.Join(dir, "b"))
	if a, b := strip(first, filepath.Join(dir, "a")), strip(second, filepath.Join(dir, "b")); a != b {
		t.Errorf("two runs of the same simulations differ:\n%s\nand\n%s", a, b)
	}

	// Where the tun driver cannot run, the real-time ways are left out
	// in one line and the simulated ones still run.
	defer func(f func() error) { tunAvailable = f }(tunAvailable)
	tunAvailable = func() error { return errors.New("tun: the tun driver needs root") }
	var stdout, stderr strings.Builder
	err := run([]string{"-mode", "kernel", "-module-tun", "-algorithms", "cubic", "-ccbench", bin, "-experiment", "../../experiments/kernel-compare.toml",
		"-duration", "1s", "-out", filepath.Join(dir, "c")}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	note := "fidelity: leaving out the real-time ways (module tun, linux tun): tun: the tun driver needs root\n"
	if !strings.HasPrefix(stderr.String(), note) {
		t.Errorf("stderr begins %q, want %q", stderr.String()[:min(len(stderr.String()), len(note))], note)
	}
	if out := stdout.String(); !strings.Contains(out, "cubic  1bdp     module sim ") || strings.Contains(out, " tun ") {
		t.Errorf("without tun, want the simulated rows only:\n%s", out)
	}
}
