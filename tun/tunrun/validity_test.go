package tunrun

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
)

// withHooks installs the run's test hooks for the length of t.
func withHooks(t *testing.T, before func(*tun.Topology, *tun.Relay), after func(*tun.Topology)) {
	testBeforeStart, testAfterStop = before, after
	t.Cleanup(func() { testBeforeStart, testAfterStop = nil, nil })
}

// A 50 ms pause of the relay's thread in the middle of a kernel flow's run
// makes the run invalid, and the stall is reported when it happened and
// about as long as it was.
func TestTunStallMakesRunInvalid(t *testing.T) {
	requireTunDriver(t)
	const pauseAt = 1200 * units.Millisecond
	const pause = 50 * units.Millisecond
	var relay *tun.Relay
	withHooks(t, func(_ *tun.Topology, r *tun.Relay) { relay = r; r.SetTestPause(units.Time(pauseAt), pause) }, nil)
	sc := tunDumbbell(2*units.Second, "linux:reno")
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-stall"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	// The run reports how it sized its devices: at least the floor, and
	// buffers no smaller than the 4 MiB least maximum.
	if z := res.Sizing; z.TxQueueLen < 1000 || z.TCPRmemMax[0] < 4<<20 || z.TCPWmemMax[1] < 4<<20 {
		t.Errorf("sizing %+v: want a transmit queue of at least 1000 and buffer maxima of at least 4 MiB", z)
	}
	v := res.Validity(100 * units.Microsecond)
	re := res.ReleaseError(100 * units.Microsecond)
	t.Logf("load %s; validity %v: %s; stalls %d, %.1f ms in all: %+v", loadavg(), v.Valid, strings.Join(v.Reasons, "; "), re.StallCount, re.StalledMs, re.Stalls)
	if v.Valid {
		t.Fatal("a run with a 50 ms stall is marked valid")
	}
	// The pause began at the relay's first turn from pauseAt on, later
	// when the machine kept the relay off its core then; a relay kept off
	// it until the end never paused, and that stall covers pauseAt.
	began := relay.TestPauseBegan()
	from, to := units.Time(pauseAt), units.Time(pauseAt)
	if began >= 0 {
		from, to = began, began.Add(pause)
	}
	var found *metrics.Stall
	for i, s := range re.Stalls {
		if s.AtS <= from.Seconds() && s.AtS+s.LengthMs/1e3 >= to.Seconds()-1e-6 {
			found = &re.Stalls[i]
		}
	}
	if found == nil {
		t.Fatalf("no stall listed covers %v to %v (pause began at %v): %+v", from, to, began, re.Stalls)
	}
	// A stall that began with the pause lasts the pause and the burst of
	// releases after it; one that began earlier merged with a stall the
	// machine made.
	if found.LengthMs < 50 || found.AtS > from.Seconds()-0.001 && found.LengthMs > 80 {
		t.Errorf("stall at %.4f s (pause at %v) lasted %.1f ms, want 50-80 ms for a 50 ms pause", found.AtS, from, found.LengthMs)
	}
	want := fmt.Sprintf("relay stalled for %.1f ms at %.3f s", found.LengthMs, found.AtS)
	if res.Stalls.Longest.Length().Milliseconds() == found.LengthMs && !hasPrefix(v.Reasons, want) {
		t.Errorf("no reason starts %q: %q", want, v.Reasons)
	}
	if re.StallThresholdUs != 1000 || re.StallCount < 1 || re.StalledMs < found.LengthMs {
		t.Errorf("release error's stall figures: threshold %v µs, %d stalls, %.1f ms", re.StallThresholdUs, re.StallCount, re.StalledMs)
	}
}

// loadavg is the machine's load, for the log.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// A TUN transmit queue of 8 datagrams at the sender, with the relay
// paused for 50 ms while a kernel flow sends, overflows: the run is
// invalid, and its path loss names device A's transmit queue with exactly
// the count the device itself reports for the run.
func TestTunQueueOverflowMakesRunInvalid(t *testing.T) {
	requireTunDriver(t)
	var before, after uint64
	txDropped := func(topo *tun.Topology) uint64 {
		h, err := netns.GetFromName(topo.NamespaceA())
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		nl, err := netlink.NewHandleAt(h)
		if err != nil {
			t.Fatal(err)
		}
		defer nl.Close()
		l, err := nl.LinkByName(topo.DevA.Name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Attrs().TxQLen == 8 {
			return l.Attrs().Statistics.TxDropped
		}
		if err := nl.LinkSetTxQLen(l, 8); err != nil {
			t.Fatal(err)
		}
		return l.Attrs().Statistics.TxDropped
	}
	withHooks(t, func(topo *tun.Topology, r *tun.Relay) {
		before = txDropped(topo)
		r.SetTestPause(units.Time(700*units.Millisecond), 50*units.Millisecond)
	}, func(topo *tun.Topology) { after = txDropped(topo) })
	sc := tunDumbbell(1500*units.Millisecond, "linux:reno")
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-overflow"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	pl := res.PathLoss()
	v := res.Validity(100 * units.Microsecond)
	t.Logf("device A tx_dropped %d → %d; path loss %+v; reasons: %s", before, after, *pl, strings.Join(v.Reasons, "; "))
	const where = "TUN device A transmit queue (tx_dropped)"
	var got int64
	for _, p := range pl.Places {
		if p.Where == where {
			got = p.Packets
		}
	}
	if got == 0 || got != int64(after-before) {
		t.Errorf("path loss at %s: %d, the device counted %d", where, got, after-before)
	}
	if v.Valid || !hasPrefix(v.Reasons, fmt.Sprintf("%d packets lost outside the emulated links at %s", got, where)) {
		t.Errorf("validity %v, reasons %q", v.Valid, v.Reasons)
	}
	if pl.Outside < got || pl.Read == 0 || pl.Released == 0 {
		t.Errorf("path loss %+v", *pl)
	}
}

func hasPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// The self-check refuses a run whose limit no machine holds with one line
// naming the figures and the setting, warns and goes on with "warn", and
// is skipped with "off" or unset.
func TestSelfCheckModes(t *testing.T) {
	requireTunDriver(t)
	selfCheckLength = 100 * time.Millisecond
	t.Cleanup(func() { selfCheckLength = tun.SelfCheckDuration })
	sc := tunDumbbell(units.Second, "linux:reno")
	sc.MaxReleaseP99 = 1 // 1 ns: no relay holds it
	sc.SelfCheck = "refuse"
	err := selfCheck(context.Background(), sc)
	if err == nil || !strings.HasPrefix(err.Error(), "relay self-check over ") ||
		!strings.Contains(err.Error(), "p99 above max_release_p99 = 1ns") || !strings.HasSuffix(err.Error(), `refusing the run (self_check = "refuse"; "warn" runs anyway)`) ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("refuse: %v", err)
	}
	for _, mode := range []string{"warn", "off", ""} {
		sc.SelfCheck = mode
		if err := selfCheck(context.Background(), sc); err != nil {
			t.Errorf("%q: %v", mode, err)
		}
	}
	sc.SelfCheck = "sometimes"
	if err := selfCheck(context.Background(), sc); err == nil || err.Error() != `self_check: "sometimes" is not allowed; allowed: refuse, warn, off` {
		t.Errorf("unknown mode: %v", err)
	}
	// A refused run leaves nothing behind.
	sc.SelfCheck = "refuse"
	if _, err := Run(context.Background(), sc, metrics.RunInfo{}); err == nil {
		t.Error("a refused run ran")
	}
	checkNoNamespacesLeft(t)
}
