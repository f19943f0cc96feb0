package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

// TestEstimateStudentT: for 1, 2, 3 the mean is 2, the sample standard
// deviation 1, and t(0.975, 2 df) = 4.302652729911275, so the half-width
// is 4.302652729911275/sqrt(3).
func TestEstimateStudentT(t *testing.T) {
	e := estimate([]float64{1, 2, 3})
	want := 4.302652729911275 / math.Sqrt(3)
	if e.Mean != 2 || math.Abs(e.CI95-want) > 1e-9 || e.N != 3 {
		t.Fatalf("%+v, want mean 2, CI %v", e, want)
	}
	if one := estimate([]float64{5}); one.Mean != 5 || !math.IsNaN(one.CI95) {
		t.Fatalf("one value: %+v", one)
	}
}

// TestConfigKeyLeavesOutSeedAndIgnored: configs that differ only by seed,
// or by an ignored setting, share a key.
func TestConfigKeyLeavesOutSeedAndIgnored(t *testing.T) {
	write := configWriter(t)
	a := write("a.toml", "seed = 1\n[link]\nloss = 0.0\n[[flows]]\ncc = \"reno\"\ncount = 2\n")
	b := write("b.toml", "seed = 2\n[link]\nloss = 0.0\n[[flows]]\ncc = \"cubic\"\ncount = 2\n")
	ka, groups, err := configKey(a, nil)
	if err != nil || len(groups) != 2 || groups[1] != 0 {
		t.Fatalf("%v %v", groups, err)
	}
	kb, _, _ := configKey(b, nil)
	if ka == kb {
		t.Fatal("different algorithms share a key")
	}
	ka, _, _ = configKey(a, []string{"cc"})
	kb, _, _ = configKey(b, []string{"cc"})
	if ka != kb {
		t.Fatalf("--ignore cc: %s != %s", ka, kb)
	}
}

// TestConfigKeyIgnoringDriver: a sim run and the tun run of the same file
// differ in the driver, in what only the tun driver reads and in the
// receiver each driver fixes; --ignore driver pairs them, and nothing else
// that differs is left out with it.
func TestConfigKeyIgnoringDriver(t *testing.T) {
	write := configWriter(t)
	sim := write("sim.toml", "driver = \"sim\"\n[link]\nrate = \"50Mbit/s\"\n[[flows]]\ncc = \"cubic\"\nreceiver = \"stack\"\n")
	tun := write("tun.toml", "driver = \"tun\"\nself_check = \"warn\"\nmax_release_p99 = \"200us\"\n[link]\nrate = \"50Mbit/s\"\n[[flows]]\ncc = \"cubic\"\nreceiver = \"kernel\"\n")
	other := write("other.toml", "driver = \"tun\"\n[link]\nrate = \"40Mbit/s\"\n[[flows]]\ncc = \"cubic\"\n")
	ks, _, err := configKey(sim, nil)
	if err != nil {
		t.Fatal(err)
	}
	kt, _, _ := configKey(tun, nil)
	if ks == kt {
		t.Fatal("a sim and a tun run share a key without --ignore driver")
	}
	ks, _, _ = configKey(sim, []string{"driver"})
	kt, _, _ = configKey(tun, []string{"driver"})
	if ks != kt {
		t.Fatalf("--ignore driver: %s != %s", ks, kt)
	}
	if ko, _, _ := configKey(other, []string{"driver"}); ko == ks {
		t.Fatal("--ignore driver also left out the link's rate")
	}
}

// configWriter returns a function that writes a config file into a fresh
// folder and returns its path.
func configWriter(t *testing.T) func(name, body string) string {
	dir := t.TempDir()
	return func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// TestConfigKeyIgnoringTCPAndUnknown: --ignore tcp.recovery pairs runs
// that differ in recovery, whose copy in each [[flows]] entry goes too, and
// a setting that does not exist is refused in one line.
func TestConfigKeyIgnoringTCPAndUnknown(t *testing.T) {
	write := configWriter(t)
	rack := write("rack.toml", "[tcp]\nrecovery = \"rack\"\n[[flows]]\ncc = \"bbr\"\n")
	reno := write("reno.toml", "[tcp]\nrecovery = \"reno\"\n[[flows]]\ncc = \"bbr\"\n")
	ka, _, _ := configKey(rack, nil)
	kb, _, _ := configKey(reno, nil)
	if ka == kb {
		t.Fatal("different recoveries share a key")
	}
	ka, _, err := configKey(rack, []string{"tcp.recovery"})
	kb, _, _ = configKey(reno, []string{"tcp.recovery"})
	if err != nil || ka != kb {
		t.Fatalf("--ignore tcp.recovery: %s != %s (%v)", ka, kb, err)
	}
	_, _, err = configKey(rack, []string{"link.bogus"})
	want := "--ignore link.bogus: " + rack + " has no such setting; give cc, driver or a dotted key as config.toml writes it, e.g. link.buffer or tcp.recovery"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestSeedPartStripped(t *testing.T) {
	for in, want := range map[string]string{"seed-1": "", "seed-3-0a1b2c3d": "", "buffer=1bdp,rep=2": "buffer=1bdp", "x": "x"} {
		if got := seedPart().ReplaceAllString(in, ""); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

// A baseline whose config.toml predates a setting (so leaves it out) must
// match a current run that has it at its default, and must not match one
// that changed it.
func TestConfigKeyFillsDefaults(t *testing.T) {
	write := configWriter(t)
	old := write("old.toml", "seed = 1\n[link]\nrate = \"50Mbit/s\"\n[[flows]]\ncc = \"reno\"\n")
	cur := write("cur.toml", "seed = 1\n[link]\nrate = \"50Mbit/s\"\nqdisc = \"droptail\"\n[tcp]\nmss = 1460\n[[flows]]\ncc = \"reno\"\ncount = 1\n")
	changed := write("changed.toml", "seed = 1\n[link]\nrate = \"50Mbit/s\"\n[tcp]\nmss = 1400\n[[flows]]\ncc = \"reno\"\n")
	ko, _, err := configKey(old, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, _, _ := configKey(cur, nil)
	kx, _, _ := configKey(changed, nil)
	if ko != kc {
		t.Fatalf("defaults left out changed the key:\n%s\n%s", ko, kc)
	}
	if ko == kx {
		t.Fatal("tcp.mss 1400 matched the default 1460")
	}
}

// Goodput is averaged per [[flows]] entry as the summary records it, so a
// workload's flows (numbered after every fixed flow) count in their own
// entry; a summary without groups falls back to the entries' counts.
func TestRunMetricsGroupsFlowsByEntry(t *testing.T) {
	zero, one := 0, 1
	s := &metrics.Summary{Flows: []metrics.FlowSummary{
		{ID: 0, GoodputBps: 10, Group: &one},
		{ID: 1, GoodputBps: 30, Group: &zero},
		{ID: 2, GoodputBps: 50, Group: &one},
	}}
	m := runMetrics(s, []int{0, 0, 0})
	// utilization, goodput[0], goodput[1], rtt_p50, rtt_p95, retransmits.
	if m["goodput[0]"] != 30 || m["goodput[1]"] != 30 || len(m) != 6 {
		t.Errorf("with groups: %v", m)
	}
	for i := range s.Flows {
		s.Flows[i].Group = nil
	}
	m = runMetrics(s, []int{0, 1, 1})
	if m["goodput[0]"] != 10 || m["goodput[1]"] != 40 {
		t.Errorf("from counts: %v", m)
	}
}

// A baseline without a pair is told what the nearest current config
// differs in, as dotted keys.
func TestNearestDifference(t *testing.T) {
	b := &RunGroup{Key: `{"flows":[{"cc":"bbr","recovery":"rack"}],"tcp":{"recovery":"rack"}}`}
	far := &RunGroup{Key: `{"flows":[{"cc":"reno","recovery":"reno"}],"tcp":{"recovery":"reno"}}`}
	near := &RunGroup{Key: `{"flows":[{"cc":"bbr","recovery":"reno"}],"tcp":{"recovery":"reno"}}`}
	got := b.NearestDifference([]*RunGroup{far, near})
	if strings.Join(got, " ") != "flows[0].recovery tcp.recovery" {
		t.Fatalf("got %q", got)
	}
	if b.NearestDifference(nil) != nil {
		t.Fatal("a difference from no group")
	}
}
