package runner

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// TestWorkloadPoissonArrivalsAndSlowdown offers load 0.5 of a 100 Mbit/s
// bottleneck in 100 KB flows for 20 s: 62.5 flows/s, so 1250 expected with
// a Poisson standard deviation of √1250 ≈ 35.4. Every completed flow's
// slowdown is at least 1 (the handshake alone costs an RTT more than the
// ideal), and the same seed gives the same flows.
func TestWorkloadPoissonArrivalsAndSlowdown(t *testing.T) {
	const rate = 100 * units.MbitPerSecond
	d := 20 * units.Second
	wl := Workload{CC: "reno", Load: 0.5, Dist: SizeFixed, MeanSize: 100000}
	flows, err := wl.Expand(rate, d, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.5 * float64(rate) / (8 * 100000) * d.Seconds()
	if got := float64(len(flows)); math.Abs(got-want) > 4*math.Sqrt(want) {
		t.Fatalf("%v flows, want %v ± %.0f (4σ)", got, want, 4*math.Sqrt(want))
	}
	again, _ := wl.Expand(rate, d, 7)
	if len(again) != len(flows) || !reflect.DeepEqual(again, flows) {
		t.Fatal("the same seed gave different flows")
	}
	for i := 1; i < len(flows); i++ {
		if flows[i].Start < flows[i-1].Start || flows[i].Size != 100000 {
			t.Fatalf("flow %d: %+v after %+v", i, flows[i], flows[i-1])
		}
	}
	sc := dumbbell(rate, 20*units.Millisecond, 1, d)
	sc.Flows = flows
	res := runOne(t, sc)
	var sum float64
	n := 0
	for _, f := range res.Summary.Flows {
		if f.Slowdown == nil {
			continue
		}
		if *f.Slowdown < 1 {
			t.Fatalf("flow %d slowdown %v below 1", f.ID, *f.Slowdown)
		}
		sum += *f.Slowdown
		n++
	}
	// All but the flows that arrived in the last moments complete.
	if n < len(flows)-10 {
		t.Fatalf("only %d of %d flows completed", n, len(flows))
	}
	t.Logf("%d flows, %d completed, mean slowdown %.3f", len(flows), n, sum/float64(n))
}

func TestWorkloadExponentialSizesAndCap(t *testing.T) {
	wl := Workload{CC: "reno", Load: 0.5, Dist: SizeExponential, MeanSize: 100000}
	flows, err := wl.Expand(100*units.MbitPerSecond, 100*units.Second, 3)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range flows {
		total += float64(f.Size)
	}
	// Mean of n exponential draws: standard error mean/√n.
	mean, se := total/float64(len(flows)), 100000/math.Sqrt(float64(len(flows)))
	if math.Abs(mean-100000) > 4*se {
		t.Fatalf("mean size %v, want 100000 ± %v", mean, 4*se)
	}
	wl.MeanSize = 100
	if _, err := wl.Expand(100*units.MbitPerSecond, 100*units.Second, 3); err == nil {
		t.Fatal("a workload past MaxWorkloadFlows was accepted")
	}
}

// TestCrossTrafficBesideReno runs a constant 30 Mbit/s unresponsive source
// beside one Reno bulk flow on a 100 Mbit/s, 40 ms, 1 BDP bottleneck for
// 20 s. The source loses only the few packets that meet a full queue at
// Reno's loss events, so it delivers within 1% of 30 Mbit/s; Reno gets the
// rest, so its goodput over the run (slow start included) is between 62
// and 70 Mbit/s, and the link's utilization counts both.
func TestCrossTrafficBesideReno(t *testing.T) {
	d := 20 * units.Second
	sc := dumbbell(100*units.MbitPerSecond, 40*units.Millisecond, 1, d, "reno")
	sc.Cross = []CrossSpec{{Rate: 30 * units.MbitPerSecond, PacketSize: 1500}}
	res := runOne(t, sc)
	cross := float64(res.Summary.Link.CrossDeliveredBytes) * 8 / d.Seconds()
	if math.Abs(cross-30e6) > 0.01*30e6 {
		t.Fatalf("cross traffic delivered %.0f bit/s, want 30 Mbit/s ± 1%%", cross)
	}
	reno := res.Summary.Flows[0].GoodputBps
	if reno < 62e6 || reno > 70e6 {
		t.Fatalf("reno goodput %.0f bit/s beside 30 Mbit/s of cross traffic, want 62 to 70 Mbit/s", reno)
	}
	if res.Summary.Link.DeliveredBytes < res.Summary.Link.CrossDeliveredBytes+res.Read[0] {
		t.Fatal("the link's delivered bytes leave out the cross traffic")
	}
	t.Logf("cross %.2f Mbit/s, reno %.2f Mbit/s, utilization %.3f", cross/1e6, reno/1e6, res.Summary.Link.Utilization)
}

// TestCrossTrafficOnOff alternates 1 s on and 1 s off at 20 Mbit/s on an
// otherwise idle link: every on second delivers its 2.5 MB (to within a
// packet and the 10 ms delay across the boundary) and every off second
// almost nothing.
func TestCrossTrafficOnOff(t *testing.T) {
	sc := dumbbell(100*units.MbitPerSecond, 20*units.Millisecond, 1, 8*units.Second, "reno")
	sc.Flows[0].Start = 7900 * units.Millisecond
	sc.Cross = []CrossSpec{{Rate: 20 * units.MbitPerSecond, On: units.Second, Off: units.Second, PacketSize: 1500}}
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for s := 1; s <= 7; s++ {
		for w.now < units.Time(s)*units.Time(units.Second) {
			if done, err := w.step(); done || err != nil {
				t.Fatal("run ended early", err)
			}
		}
		got := w.cross[0].delivered - last
		last = w.cross[0].delivered
		// The 15 ms of the previous period still in flight (10 ms of
		// delay, one packet's serialization) land in the next second.
		spill := int64(20e6 * 0.0102 / 8)
		if s%2 == 1 && (got < 2500000-spill-1500 || got > 2500000) {
			t.Fatalf("on second %d delivered %d bytes, want about 2500000", s, got)
		}
		if s%2 == 0 && got > spill+1500 {
			t.Fatalf("off second %d delivered %d bytes, want at most %d", s, got, spill+1500)
		}
	}
}

// TestCrossPacketIsValidUDP checks the header a cross packet carries.
func TestCrossPacketIsValidUDP(t *testing.T) {
	var pool packet.Pool
	c := &crossSource{spec: CrossSpec{Rate: units.MbitPerSecond, PacketSize: 1000}, idx: 3,
		src: wire.Addr{198, 18, 255, 4}, dst: wire.Addr{198, 19, 255, 4}}
	p := pool.Get()
	c.build(p)
	ip := wire.IPv4Header(p.Bytes())
	udp := wire.UDPHeader(ip[ip.HeaderLen():])
	if p.Len() != 1000 || ip.Version() != 4 || ip.HeaderLen() != 20 || ip.Protocol() != wire.IPv4ProtocolUDP ||
		ip.TotalLen() != 1000 || udp.Length() != 980 || udp.DstPort() != 9 || p.Flow != crossFlowTag(3) {
		t.Fatalf("header % x, flow %d", ip[:28], p.Flow)
	}
	if !ip.ChecksumValid() {
		t.Fatal("IPv4 header checksum does not verify")
	}
	// Packet 10 of a 1 Mbit/s source of 1000-byte packets is due at 80 ms.
	c.stop = units.Never
	if got := c.due(10); got != units.Time(80*units.Millisecond) {
		t.Fatalf("packet 10 due at %v, want 80ms", got)
	}
}

func TestCrossEmitAllocatesNothing(t *testing.T) {
	sc := dumbbell(100*units.MbitPerSecond, 20*units.Millisecond, 1, 1000*units.Second, "reno")
	sc.Cross = []CrossSpec{{Rate: 30 * units.MbitPerSecond, PacketSize: 1500}}
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	w.stepSegments(t, 20000)
	if a := testing.AllocsPerRun(1000, func() { crossRoundTrip(w) }); a != 0 {
		t.Fatalf("%v allocations per cross packet", a)
	}
}

func BenchmarkCrossPacket(b *testing.B) {
	sc := dumbbell(100*units.MbitPerSecond, 20*units.Millisecond, 1, 1000*units.Second, "reno")
	sc.Cross = []CrossSpec{{Rate: 30 * units.MbitPerSecond, PacketSize: 1500}}
	w, err := newWorld(sc)
	if err != nil {
		b.Fatal(err)
	}
	w.stepSegments(b, 20000)
	b.ReportAllocs()
	for b.Loop() {
		crossRoundTrip(w)
	}
}

// crossRoundTrip builds one cross packet from the pool and sinks it: the
// per-packet work of the source and the sink.
func crossRoundTrip(w *world) {
	c := w.cross[0]
	p := w.pool.Get()
	c.build(p)
	c.k++
	_ = c.due(c.k)
	crossSink{w, c}.Receive(w.now, p)
}

// TestWorkloadFromConfig reads a workload and cross traffic from an
// experiment file and checks the scenario they become.
func TestWorkloadFromConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wl.toml")
	text := `duration = "10s"
[link]
rate = "100Mbit/s"
[[flows]]
cc = "reno"
[[flows]]
cc = "cubic"
arrivals = "poisson"
load = 0.2
size_distribution = "exponential"
mean_size = "50KB"
start = "1s"
[[cross]]
rate = "5Mbit/s"
pattern = "onoff"
on = "500ms"
off = "250ms"
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 0.2 × 100 Mbit/s / (8 × 50000 B) = 50 flows/s over 9 s: 450 ± 85 (4σ).
	n := len(sc.Flows) - 1
	if sc.Flows[0].CC != "reno" || sc.Flows[0].Size != 0 || math.Abs(float64(n)-450) > 4*math.Sqrt(450) {
		t.Fatalf("first flow %+v and %d workload flows, want a reno bulk flow and 450 ± 85", sc.Flows[0], n)
	}
	for _, f := range sc.Flows[1:] {
		if f.CC != "cubic" || f.Start < units.Second || f.Size < 1 {
			t.Fatalf("workload flow %+v", f)
		}
	}
	want := CrossSpec{Rate: 5 * units.MbitPerSecond, On: 500 * units.Millisecond, Off: 250 * units.Millisecond, PacketSize: 1500}
	if len(sc.Cross) != 1 || sc.Cross[0] != want {
		t.Fatalf("cross %+v, want %+v", sc.Cross, want)
	}
	again, _ := FromConfig(cfg)
	if len(again.Flows) != len(sc.Flows) || !reflect.DeepEqual(again.Flows, sc.Flows) {
		t.Fatal("the same seed expanded the workload differently")
	}
	if resolved := filepath.Join(t.TempDir(), "r.toml"); cfg.WriteResolved(resolved) != nil {
		t.Fatal("resolved file not written")
	} else if back, err := experiment.Load(resolved, nil); err != nil || len(back.Cross) != 1 || back.Flows[1] != cfg.Flows[1] {
		t.Fatalf("resolved file does not load back the same: %v", err)
	}
}

// TestEmpiricalWorkload draws the shipped web-search workload on a 1
// Gbit/s link at load 0.4 for 20 s: the CDF's mean of 1,711,250 bytes gives
// 0.4 × 1e9 / (8 × 1711250) = 29.2 flows/s, so 584 ± 97 flows (4σ). Their
// median size is near the CDF's median, 80 KB at cdf 0.53 (70 KB at 0.5),
// every flow carries its group, and the same seed gives the same flows.
func TestEmpiricalWorkload(t *testing.T) {
	cdf, err := experiment.LoadSizeCDF(filepath.Join("..", "experiments", "workloads", "websearch.csv"))
	if err != nil {
		t.Fatal(err)
	}
	wl := Workload{CC: "reno", Load: 0.4, Dist: SizeEmpirical, CDF: cdf, Group: 3}
	d := 20 * units.Second
	flows, err := wl.Expand(units.GbitPerSecond, d, 11)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.4 * 1e9 / (8 * 1711250) * d.Seconds()
	if got := float64(len(flows)); math.Abs(got-want) > 4*math.Sqrt(want) {
		t.Fatalf("%v flows, want %.0f ± %.0f", got, want, 4*math.Sqrt(want))
	}
	below := 0
	for _, f := range flows {
		if f.Group != 3 || f.Size < 1 || f.Size > 30000000 {
			t.Fatalf("flow %+v", f)
		}
		if f.Size <= 70000 {
			below++
		}
	}
	// Half the flows at or below the median, within 4σ of a binomial.
	n := float64(len(flows))
	if math.Abs(float64(below)-n/2) > 4*math.Sqrt(n/4) {
		t.Errorf("%d of %.0f flows at or below 70 KB, want half", below, n)
	}
	again, _ := wl.Expand(units.GbitPerSecond, d, 11)
	if len(again) != len(flows) || !reflect.DeepEqual(again, flows) {
		t.Error("the same seed drew different flows")
	}
}

// A bad CDF file stops the run before it starts, with one line naming the
// key, the file, the line and what is wrong.
func TestEmpiricalWorkloadBadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("# sizes\n1000 0.2\n500 0.6\n2000 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "[[flows]]\narrivals = \"poisson\"\nsize_distribution = \"empirical\"\nsize_cdf = \"bad.csv\"\n"
	if err := os.WriteFile(filepath.Join(dir, "wl.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.Load(filepath.Join(dir, "wl.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromConfig(cfg)
	want := "flows[0].size_cdf: " + filepath.Join(dir, "bad.csv") + ":3: size 500 is below the previous line's 1000; sizes must not decrease"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
}

// TestFairnessWindowPerGroup runs two [[flows]] entries through a 20
// Mbit/s bottleneck: two reno flows with equal RTTs, and one cubic flow
// that starts at 4 s. Over the window from 5 s to the end, the two reno
// flows share evenly (index ≥ 0.95), the cubic group of one flow is 1 by
// definition, and summary.json carries it all.
func TestFairnessWindowPerGroup(t *testing.T) {
	dir := t.TempDir()
	text := `duration = "15s"
fairness_from = "5s"
[link]
rate = "20Mbit/s"
delay = "10ms"
[[flows]]
cc = "reno"
count = 2
[[flows]]
cc = "cubic"
start = "4s"
`
	if err := os.WriteFile(filepath.Join(dir, "fair.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := experiment.Load(filepath.Join(dir, "fair.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Execute(cfg, filepath.Join(dir, "out"), "fair", false)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Summary.Fairness
	if f == nil || f.WindowSeconds != [2]float64{5, 15} || len(f.Groups) != 2 {
		t.Fatalf("fairness %+v, want window [5 15] and two groups", f)
	}
	if f.Groups["0"] < 0.95 || f.Groups["1"] != 1 {
		t.Errorf("groups %v, want reno pair ≥ 0.95 and the single cubic 1", f.Groups)
	}
	// The overall index is the same computation over all three flows'
	// bytes in the window.
	var x []float64
	for _, fs := range res.Recorder.Flows() {
		x = append(x, float64(fs.DeliveredAt(units.Time(15*units.Second))-fs.DeliveredAt(units.Time(5*units.Second))))
	}
	if want := metrics.JainIndex(x); f.All != want {
		t.Errorf("all %v, want %v", f.All, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "summary.json"))
	if err != nil || !strings.Contains(string(data), `"fairness": {
    "window_s": [
      5,
      15
    ],`) {
		t.Errorf("summary.json lacks the fairness window: %v", err)
	}
	t.Logf("window 5-15 s: all %.4f, groups %v", f.All, f.Groups)
}
