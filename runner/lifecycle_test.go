package runner

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// lifecycleScenario is one client host opening rate connections per
// second to the server over a 20 ms base RTT path, for d.
func lifecycleScenario(d units.Duration, rate float64) Scenario {
	tcp := stack.DefaultConfig()
	// Thousands of connections each hold a pair of buffers.
	tcp.SndBuf, tcp.RcvBuf = 64<<10, 64<<10
	return Scenario{
		Duration:         d,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward:          netem.LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: 10 * units.Millisecond},
		Reverse:          netem.LinkConfig{Delay: 10 * units.Millisecond},
		TCP:              tcp,
		Seed:             1,
		Lifecycle: LifecycleSpec{
			Server:  ServerSpec{Backlog: 128, Response: 10 << 10, CC: "cubic"},
			Clients: []ClientSpec{{Rate: rate, Request: 100, PortLow: 32768, PortHigh: 60999, CC: "cubic"}},
		},
	}
}

func simulateLifecycle(t *testing.T, sc Scenario) *LifecycleResult {
	t.Helper()
	r, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lifecycle == nil || r.Summary.Lifecycle == nil {
		t.Fatal("no lifecycle result")
	}
	return r.Lifecycle
}

// count sums state column s of the census over hosts at sample k.
func count(c *metrics.Census, k, s int) int {
	n := 0
	for h := range c.Hosts {
		n += int(c.Row(k, h).States[s])
	}
	return n
}

// By Little's law the client holds rate × 2·MSL connections in TIME-WAIT
// once the first have expired: 20 conn/s × 10 s = 200.
func TestTimeWaitIsRateTimesTwoMSL(t *testing.T) {
	sc := lifecycleScenario(30*units.Second, 20)
	sc.TCP.MSL = 5 * units.Second
	l := simulateLifecycle(t, sc)
	const want = 20 * 10
	c := &l.Census
	for k, at := range c.Times {
		if at < units.Time(15*units.Second) {
			continue
		}
		// The client holds them all; the server none.
		if got := int(c.Row(k, 1).States[metrics.CensusTimeWait]); math.Abs(float64(got-want)) > 0.05*want {
			t.Fatalf("TIME-WAIT at %v: %d, want %d ± 5%%", at, got, want)
		}
		if got := c.Row(k, 0).States[metrics.CensusTimeWait]; got != 0 {
			t.Fatalf("server TIME-WAIT at %v: %d, want 0 (the client closes first)", at, got)
		}
	}
	s := l.Summary
	if math.Abs(s.SteadyTimeWait-want) > 0.05*want || s.Failures != (metrics.LifecycleFailure{}) || s.SuccessRatio != 1 {
		t.Errorf("summary %+v", s)
	}
	// 20 ms to connect, and the 10 KiB response one more round trip after
	// the request: 40 ms plus serialization.
	if s.ConnectMs.P50 < 20 || s.ConnectMs.P99 > 20.1 || s.FCTMs.P50 < 40 || s.FCTMs.P99 > 42 {
		t.Errorf("connect %+v, FCT %+v", s.ConnectMs, s.FCTMs)
	}
}

// With server close = after_response the server closes first and holds
// the TIME-WAIT connections instead.
func TestServerActiveCloseHoldsTimeWait(t *testing.T) {
	sc := lifecycleScenario(20*units.Second, 20)
	sc.TCP.MSL = 2 * units.Second
	sc.Lifecycle.Server.Close = CloseAfterResponse
	l := simulateLifecycle(t, sc)
	c := &l.Census
	k := len(c.Times) - 1
	if srv, cl := c.Row(k, 0).States[metrics.CensusTimeWait], c.Row(k, 1).States[metrics.CensusTimeWait]; math.Abs(float64(srv)-80) > 4 || cl != 0 {
		t.Errorf("TIME-WAIT at the end: server %d (want 80 ± 5%%), client %d (want 0)", srv, cl)
	}
	if l.Summary.SuccessRatio != 1 {
		t.Errorf("success ratio %v", l.Summary.SuccessRatio)
	}
}

// 1 000 ports at 20 connections per second with a 60 s TIME-WAIT: attempt
// k opens at k/20 s and keeps its port for over 60 s, so attempt 1000, at
// exactly 1000/20 = 50 s, is the first to find every port taken, and every
// attempt from then to the end of the run fails the same way.
func TestPortExhaustion(t *testing.T) {
	sc := lifecycleScenario(60*units.Second, 20)
	sc.SampleInterval = units.Second
	sc.Lifecycle.Clients[0].PortLow, sc.Lifecycle.Clients[0].PortHigh = 32768, 33767
	l := simulateLifecycle(t, sc)
	s := l.Summary
	const ports, rate = 1000, 20
	wantAt := float64(ports) / rate
	if s.FirstPortExhaustionS == nil || *s.FirstPortExhaustionS != wantAt {
		t.Fatalf("first port exhaustion %v, want %v s", s.FirstPortExhaustionS, wantAt)
	}
	// Arrivals 1000 to 1200 (at 60 s, the end of the run, included).
	if s.Failures.NoPort != 201 || s.Attempts != 1201 {
		t.Errorf("no_port %d of %d attempts, want 201 of 1201", s.Failures.NoPort, s.Attempts)
	}
	if s.PeakTimeWait != ports {
		t.Errorf("peak TIME-WAIT %d, want all %d ports", s.PeakTimeWait, ports)
	}
	for _, a := range l.Attempts[:ports] {
		if a.Outcome != metrics.OutcomeOK {
			t.Fatalf("attempt %+v before exhaustion did not succeed", a)
		}
	}
}

// A server that never closes leaves every connection in CLOSE-WAIT once
// its client's FIN arrives: the count grows as rate × t.
func TestCloseWaitGrowsLinearly(t *testing.T) {
	sc := lifecycleScenario(20*units.Second, 20)
	sc.Lifecycle.Server.Close = CloseNever
	l := simulateLifecycle(t, sc)
	c := &l.Census
	// The FIN of the connection opened at s reaches the server 50 ms
	// later: after the 40 ms exchange and a one-way delay.
	const lag = 0.050
	for k, at := range c.Times {
		want := math.Floor((at.Seconds()-lag)*20+1e-9) + 1
		if at.Seconds() < lag {
			want = 0
		}
		if got := float64(c.Row(k, 0).States[metrics.CensusCloseWait]); math.Abs(got-want) > 1 {
			t.Fatalf("CLOSE-WAIT at %v: %v, want %v (20/s × t)", at, got, want)
		}
	}
	if got := l.Summary.PeakCloseWait; got < 399 || got > 400 {
		t.Errorf("peak CLOSE-WAIT %d, want 20 × 20 s", got)
	}
}

// synFloodScenario: 20 legitimate connections per second from 2 s to 10 s
// under a flood of 10 000 SYN/s from 1 s, with the SYN retries cut to 2 so
// that a connect that cannot get in times out after 1 + 2 + 4 = 7 s,
// inside the run.
func synFloodScenario(cookies bool) Scenario {
	sc := lifecycleScenario(20*units.Second, 20)
	sc.TCP.SYNCookies = cookies
	sc.TCP.SYNRetries = 2
	sc.Lifecycle.Clients[0].Start, sc.Lifecycle.Clients[0].Stop = 2*units.Second, 10*units.Second
	sc.Lifecycle.Floods = []FloodSpec{{Rate: 10000, Start: units.Second}}
	return sc
}

func TestSYNFloodWithAndWithoutCookies(t *testing.T) {
	with := simulateLifecycle(t, synFloodScenario(true))
	without := simulateLifecycle(t, synFloodScenario(false))
	sw, so := with.Summary, without.Summary
	if sw.Attempts != 160 || sw.Unfinished != 0 || so.Unfinished != 0 {
		t.Fatalf("attempts %d, unfinished %d and %d", sw.Attempts, sw.Unfinished, so.Unfinished)
	}
	if sw.SuccessRatio < 0.99 {
		t.Errorf("with SYN cookies %.3f of connects succeed, want at least 0.99", sw.SuccessRatio)
	}
	if so.SuccessRatio > sw.SuccessRatio-0.5 {
		t.Errorf("without SYN cookies %.3f succeed, with %.3f: want a gap of at least 0.5", so.SuccessRatio, sw.SuccessRatio)
	}
	if sw.CookiesSent == 0 || sw.CookiesValidated < 150 || so.CookiesSent != 0 {
		t.Errorf("cookies sent %d validated %d with, %d without", sw.CookiesSent, sw.CookiesValidated, so.CookiesSent)
	}
	// 19 s of flood at 10 000 SYN/s, from 1 s to 20 s inclusive.
	if sw.FloodSYNsSent != 190001 {
		t.Errorf("flood SYNs %d, want 190001", sw.FloodSYNsSent)
	}
	if sw.SYNACKsBlackholed < sw.CookiesSent || so.SYNACKsBlackholed == 0 {
		t.Errorf("SYN-ACKs blackholed %d (cookies %d) and %d", sw.SYNACKsBlackholed, sw.CookiesSent, so.SYNACKsBlackholed)
	}
	// Under the flood the SYN queue sits at the backlog.
	for _, l := range []*LifecycleResult{with, without} {
		c := &l.Census
		for k, at := range c.Times {
			if at >= units.Time(1100*units.Millisecond) {
				if q := c.Row(k, 0).SYNQueue; q != 128 {
					t.Fatalf("SYN queue at %v: %d, want the backlog, 128", at, q)
				}
			}
		}
		if l.Summary.PeakSYNQueue != 128 {
			t.Errorf("peak SYN queue %d", l.Summary.PeakSYNQueue)
		}
	}
}

// A run is a pure function of its scenario and seed.
func TestLifecycleDeterministic(t *testing.T) {
	sc := synFloodScenario(true)
	sc.Duration = 4 * units.Second
	sc.Lifecycle.Clients[0].Poisson = true
	a, b := simulateLifecycle(t, sc), simulateLifecycle(t, sc)
	if len(a.Attempts) != len(b.Attempts) || a.Summary.FCTMs != b.Summary.FCTMs || len(a.Attempts) == 0 {
		t.Fatalf("two runs differ: %d and %d attempts", len(a.Attempts), len(b.Attempts))
	}
	for i := range a.Attempts {
		if a.Attempts[i] != b.Attempts[i] {
			t.Fatalf("attempt %d: %+v and %+v", i, a.Attempts[i], b.Attempts[i])
		}
	}
}

// Lifecycle hosts share the bottleneck with bulk flows and cross traffic.
func TestLifecycleBesideFlows(t *testing.T) {
	sc := lifecycleScenario(5*units.Second, 10)
	sc.Flows = []FlowSpec{{CC: "reno"}}
	sc.Cross = []CrossSpec{{Rate: 10 * units.MbitPerSecond, PacketSize: 1500}}
	sc.Forward.QueueBytes = 1 << 20
	r, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Read[0] < 10<<20 || r.Summary.Link.CrossDeliveredBytes == 0 {
		t.Errorf("flow read %d bytes, cross delivered %d", r.Read[0], r.Summary.Link.CrossDeliveredBytes)
	}
	if s := r.Summary.Lifecycle; s.Succeeded < 45 || s.SuccessRatio != 1 {
		t.Errorf("lifecycle %+v", s)
	}
}

func TestCensusSampleAllocatesNothing(t *testing.T) {
	sc := synFloodScenario(true)
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	for w.now < units.Time(3*units.Second) {
		if done, err := w.step(); done || err != nil {
			t.Fatal("run ended", err)
		}
	}
	c := &w.life.census
	c.data.Times = c.data.Times[:0]
	c.data.Rows = c.data.Rows[:0]
	if a := testing.AllocsPerRun(100, func() { c.sample(w.now) }); a != 0 {
		t.Fatalf("%v allocations per census sample", a)
	}
}

func BenchmarkCensusSample(b *testing.B) {
	sc := synFloodScenario(true)
	w, err := newWorld(sc)
	if err != nil {
		b.Fatal(err)
	}
	for w.now < units.Time(3*units.Second) {
		if done, err := w.step(); done || err != nil {
			b.Fatal("run ended", err)
		}
	}
	c := &w.life.census
	b.ReportAllocs()
	for b.Loop() {
		c.data.Times = c.data.Times[:0]
		c.data.Rows = c.data.Rows[:0]
		c.sample(w.now)
	}
}

// floodRoundTrip builds one flood SYN and frees it, as the far end does
// with a packet for no host.
func floodRoundTrip(w *world) {
	f := w.life.floods[0]
	p := w.pool.Get()
	f.build(p)
	f.sent()
	w.life.blackhole(p)
	w.pool.Put(p)
}

func TestFloodSYNAllocatesNothing(t *testing.T) {
	w, err := newWorld(synFloodScenario(true))
	if err != nil {
		t.Fatal(err)
	}
	floodRoundTrip(w)
	if a := testing.AllocsPerRun(1000, func() { floodRoundTrip(w) }); a != 0 {
		t.Fatalf("%v allocations per flood SYN", a)
	}
}

func BenchmarkFloodSYN(b *testing.B) {
	w, err := newWorld(synFloodScenario(true))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		floodRoundTrip(w)
	}
}

// A flood SYN is a valid SYN with a Linux client's options, from a
// spoofed address no host has.
func TestFloodSYNLooksLikeLinux(t *testing.T) {
	w, err := newWorld(synFloodScenario(true))
	if err != nil {
		t.Fatal(err)
	}
	p := w.pool.Get()
	w.life.floods[0].build(p)
	var s wire.Segment
	if err := wire.DecodeSegment(p.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	o := s.Opts
	if s.Flags != wire.FlagSYN || s.Dst != serverAddr || s.DstPort != httpPort || s.Src[0] != 198 || s.Src[1] != 19 ||
		s.Src[2]&^1 != 252 || !o.HasMSS || o.MSS != 1460 || !o.SACKPermitted || !o.HasTimestamps || !o.HasWScale || o.WScale != 7 {
		t.Errorf("flood SYN %+v", s)
	}
}

// With Fast Open the repeat request rides on the SYN with the cookie the
// first connection obtained, and the server answers it before the
// handshake completes: the repeat connection completes one round trip
// (20 ms) sooner than with a normal handshake, and the first connection,
// which only asks for a cookie, no later.
func TestFastOpenSavesOneRoundTrip(t *testing.T) {
	fct := map[bool][2]units.Duration{}
	for _, tfo := range []bool{false, true} {
		sc := lifecycleScenario(3*units.Second, 1)
		sc.TCP.FastOpen = true
		sc.Lifecycle.Clients[0].FastOpen = tfo
		l := simulateLifecycle(t, sc)
		a := l.Attempts
		if len(a) < 2 || a[0].Outcome != metrics.OutcomeOK || a[1].Outcome != metrics.OutcomeOK {
			t.Fatalf("fast open %v: attempts %+v", tfo, a)
		}
		fct[tfo] = [2]units.Duration{a[0].Done.Sub(a[0].Start), a[1].Done.Sub(a[1].Start)}
	}
	const rtt = 20 * units.Millisecond
	if d := fct[false][1] - fct[true][1] - rtt; d < -units.Millisecond || d > units.Millisecond {
		t.Errorf("repeat request completes in %v with Fast Open, %v without: want one RTT (%v) less, within 1ms", fct[true][1], fct[false][1], rtt)
	}
	if d := fct[true][0] - fct[false][0]; d < -units.Millisecond || d > units.Millisecond {
		t.Errorf("first request completes in %v with Fast Open, %v without: want the same", fct[true][0], fct[false][0])
	}
}

// The shipped lifecycle experiments load, and a short run of one writes
// the census, the attempts, the lifecycle summary and the figures.
func TestLifecycleExperimentFiles(t *testing.T) {
	for _, name := range []string{"timewait", "closewait", "synflood", "fastopen"} {
		sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", "lifecycle", name+".toml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range sw.Points {
			sc, err := FromConfig(p.Config)
			if err != nil || !sc.Lifecycle.active() || len(sc.Flows) != 0 {
				t.Fatalf("%s %s: %v", name, p.Run, err)
			}
		}
	}
	sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", "lifecycle", "synflood.toml"), []string{"duration=3s"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sw.Points[0].Config // backlog 64, with cookies
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Execute(cfg, dir, "run", false)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary.Lifecycle; s == nil || s.Attempts != 21 || s.PeakSYNQueue != 64 || s.FloodSYNsSent != 20001 {
		t.Errorf("lifecycle summary %+v", s)
	}
	files := []string{"census.csv", "connections.csv", "summary.json"}
	for _, f := range report.LifecycleFigures([]string{"server", "client0"}) {
		files = append(files, f+".png", f+".svg")
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if !strings.Contains(string(data), `"lifecycle": {`) || !strings.Contains(string(data), `"first_port_exhaustion_s": null`) {
		t.Errorf("summary.json has no lifecycle section:\n%s", data)
	}
	cfg.Driver = "tun"
	if _, err := FromConfig(cfg); err == nil || !strings.Contains(err.Error(), `lifecycle experiments need driver = "sim"`) {
		t.Errorf("tun driver: %v", err)
	}
}
