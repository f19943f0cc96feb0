package runner

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// loadBottleneck loads the shipped experiment file, with overrides.
func loadBottleneck(t testing.TB, sets ...string) *experiment.Config {
	t.Helper()
	cfg, err := experiment.Load(filepath.Join("..", "experiments", "bottleneck.toml"), sets)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func scenario(t testing.TB, sets ...string) Scenario {
	t.Helper()
	sc, err := FromConfig(loadBottleneck(t, sets...))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// tracedReno wraps Reno and records every multiplicative decrease: the
// window just before a loss event, and the window once recovery is over.
type tracedReno struct {
	cc.CongestionControl
	mss       int
	decreases []decrease
}

type decrease struct {
	at                            units.Time
	cwndBefore, ssthreshAfter     int
	cwndAfterRecovery             int
	endedByRTO, recoveryCompleted bool
}

var traces []*tracedReno

func init() {
	cc.MustRegister("traced-reno", func() cc.CongestionControl {
		r, _ := cc.New("reno")
		t := &tracedReno{CongestionControl: r}
		traces = append(traces, t)
		return t
	})
}

func (t *tracedReno) Name() string { return "traced-reno" }

func (t *tracedReno) Init(now units.Time, mss, iw int) {
	t.mss = mss
	t.CongestionControl.Init(now, mss, iw)
}

func (t *tracedReno) OnCongestion(e *cc.Event) {
	before := t.Cwnd()
	t.CongestionControl.OnCongestion(e)
	n := len(t.decreases)
	switch e.Kind {
	case cc.Loss:
		t.decreases = append(t.decreases, decrease{at: e.Now, cwndBefore: before, ssthreshAfter: t.Ssthresh()})
	case cc.RecoveryExit:
		if n > 0 && !t.decreases[n-1].recoveryCompleted {
			t.decreases[n-1].cwndAfterRecovery = t.Cwnd()
			t.decreases[n-1].recoveryCompleted = true
		}
	case cc.RTO:
		if n > 0 && !t.decreases[n-1].recoveryCompleted {
			t.decreases[n-1].endedByRTO = true
			t.decreases[n-1].recoveryCompleted = true
		}
	}
}

// TestBottleneckRenoGoodputAndSawtooth runs the shipped experiment: one
// Reno flow, 100 Mbit/s, 40 ms base RTT, 1 BDP drop-tail buffer, 30 s.
func TestBottleneckRenoGoodputAndSawtooth(t *testing.T) {
	traces = nil
	sc := scenario(t, "flows[0].cc=traced-reno")
	res, err := Simulate(sc, metrics.RunInfo{Experiment: "bottleneck"})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Summary.Flows[0]
	t.Logf("goodput %.2f Mbit/s, utilization %.3f, %d retransmits, rtt p50 %.1f ms p95 %.1f ms",
		f.GoodputBps/1e6, res.Summary.Link.Utilization, f.Retransmits, f.RTTP50Ms, f.RTTP95Ms)
	// The slow-start overshoot loses hundreds of segments, which NewReno
	// without SACK repairs one per round trip until the timeout; during
	// that recovery proportional rate reduction sends new data, as Linux
	// does, which go-back-N after the timeout sends again, and the
	// cumulative ACK that finally covers it releases a window-sized burst
	// that overflows the buffer once more. The first two seconds cost
	// about two seconds of link time; the sawtooth afterwards is full.
	if f.GoodputBps < 85e6 {
		t.Errorf("goodput %.2f Mbit/s, want at least 85", f.GoodputBps/1e6)
	}
	// The sender's algorithm is made first; the receiver's, which never
	// sends data, second.
	if len(traces) != 2 {
		t.Fatalf("%d traced algorithms, want 2", len(traces))
	}
	tr := traces[0]
	for _, d := range tr.decreases {
		t.Logf("decrease at %v: cwnd %d -> ssthresh %d, after recovery %d (rto %v)",
			d.at, d.cwndBefore, d.ssthreshAfter, d.cwndAfterRecovery, d.endedByRTO)
	}
	if len(tr.decreases) < 3 {
		t.Fatalf("%d multiplicative decreases, want at least 3", len(tr.decreases))
	}
	for i, d := range tr.decreases {
		// Each loss halves the window: ssthresh = FlightSize/2, and the
		// flight equals the window for a window-limited bulk sender.
		if diff := d.ssthreshAfter - d.cwndBefore/2; diff < -tr.mss || diff > tr.mss {
			t.Errorf("decrease %d at %v: cwnd %d -> ssthresh %d, not half within one MSS (%d)",
				i, d.at, d.cwndBefore, d.ssthreshAfter, tr.mss)
		}
		// Once fast recovery ends, the window is that half (RFC 5681 §3.2
		// step 6), unless a timeout cut recovery short.
		if d.recoveryCompleted && !d.endedByRTO && d.cwndAfterRecovery != d.ssthreshAfter {
			t.Errorf("decrease %d: cwnd after recovery %d, want ssthresh %d", i, d.cwndAfterRecovery, d.ssthreshAfter)
		}
	}
}

// TestPayloadIntegrityUnderLoss sends a fixed number of pseudo-random bytes
// through the whole sim path with random loss on both directions and checks
// SHA-256 of what was written against what was read.
func TestPayloadIntegrityUnderLoss(t *testing.T) {
	for _, loss := range []string{"0", "0.01", "0.05"} {
		t.Run("loss="+loss, func(t *testing.T) {
			sc := scenario(t, "link.loss="+loss, "reverse.loss="+loss, "duration=120s",
				"flows[0].size=8MiB", "link.rate=20Mbit/s")
			sc.Verify = true
			res, err := Simulate(sc, metrics.RunInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Written[0] != 8<<20 || res.Read[0] != 8<<20 {
				t.Fatalf("wrote %d, read %d bytes; want 8 MiB each", res.Written[0], res.Read[0])
			}
			if !res.Verified {
				t.Fatal("bytes read differ from bytes written (byte compare and SHA-256)")
			}
			f := res.Summary.Flows[0]
			if f.CompletionSeconds == nil {
				t.Fatal("flow did not complete")
			}
			if v := f.Verify; v == nil || !v.Complete || v.VerifiedBytes != 8<<20 || v.Problem() != "" {
				t.Fatalf("summary's verify = %+v, want 8 MiB verified and complete", v)
			}
			if loss != "0" && f.Retransmits == 0 {
				t.Error("lossy path but no retransmissions")
			}
			t.Logf("loss %s: completed in %.2fs, %d retransmits, %d lost on the link", loss, *f.CompletionSeconds, f.Retransmits, res.Summary.Link.Lost)
		})
	}
}

// TestSameSeedSameBytes runs the experiment twice and compares every
// output file byte for byte, except the wall-clock fields of the summary.
func TestSameSeedSameBytes(t *testing.T) {
	cfg := loadBottleneck(t, "duration=5s", "link.loss=0.001")
	root := t.TempDir()
	var dirs []string
	for i := range 2 {
		dir := filepath.Join(root, "run"+string(rune('a'+i)))
		if _, err := Execute(cfg, dir, "r", false); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	entries, err := os.ReadDir(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 14 {
		t.Fatalf("only %d files in a run folder", len(entries))
	}
	for _, e := range entries {
		a, _ := os.ReadFile(filepath.Join(dirs[0], e.Name()))
		b, err := os.ReadFile(filepath.Join(dirs[1], e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "summary.json" {
			a, b = withoutWallClock(t, a), withoutWallClock(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", e.Name())
		}
	}
	// A different seed must change the loss pattern and so the results.
	cfg2 := loadBottleneck(t, "duration=5s", "link.loss=0.001", "seed=2")
	other := filepath.Join(root, "seed2")
	if _, err := Execute(cfg2, other, "r", false); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dirs[0], "flow0.csv"))
	b, _ := os.ReadFile(filepath.Join(other, "flow0.csv"))
	if bytes.Equal(a, b) {
		t.Error("seeds 1 and 2 gave identical time series")
	}
}

func withoutWallClock(t *testing.T, data []byte) []byte {
	var s metrics.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	s = s.WithoutWallClock()
	out, _ := json.Marshal(s)
	return out
}

func TestExecuteReplacesOnlyWithCompleteResults(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "exp", "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "old.txt"), []byte("earlier run"), 0o644)
	cfg := loadBottleneck(t)
	cfg.Driver = "ns3" // no such driver: the run fails
	if _, err := Execute(cfg, dir, "run", false); err == nil {
		t.Fatal("an unsupported setting was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "old.txt")); err != nil {
		t.Fatal("a failed run removed the earlier results")
	}
	matches, _ := filepath.Glob(filepath.Join(root, "exp", ".*tmp*"))
	if len(matches) != 0 {
		t.Fatalf("temporary folders left behind: %v", matches)
	}
}

func TestKernelAlgorithmsNeedTheTunDriver(t *testing.T) {
	cfg := loadBottleneck(t, "flows[0].cc=linux:cubic")
	_, err := FromConfig(cfg)
	if err == nil || !strings.Contains(err.Error(), `needs driver = "tun"`) || !strings.Contains(err.Error(), "flows[0].cc") {
		t.Fatalf("error %v; want one naming flows[0].cc and the tun driver", err)
	}
	cfg = loadBottleneck(t, "flows[0].cc=linux:cubic", "driver=tun")
	if _, err := FromConfig(cfg); err != nil {
		t.Fatalf("tun driver with a kernel algorithm: %v", err)
	}
}
