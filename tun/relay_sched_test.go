package tun

import (
	"context"
	"encoding/binary"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

// wakeLatency reads the CPU wake-up latency limit in force, in
// microseconds (a binary s32).
func wakeLatency() (int32, error) {
	f, err := os.Open(wakeLatencyDevice)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.Read(b[:]); err != nil {
		return 0, err
	}
	return int32(binary.NativeEndian.Uint32(b[:])), nil
}

// readWakeLatency is wakeLatency for the test's goroutine: it skips the
// test where the device cannot be read.
func readWakeLatency(t *testing.T) int32 {
	t.Helper()
	v, err := wakeLatency()
	if err != nil {
		t.Skipf("cannot read %s (%v): idle polling is not testable here", wakeLatencyDevice, err)
	}
	return v
}

// While a relay runs with IdlePoll, the machine's wake-up latency limit is
// zero, and when it stops the limit is back to what it was; a relay
// without IdlePoll leaves it alone.
func TestRelayHoldsIdlePollingWhileItRuns(t *testing.T) {
	before := readWakeLatency(t)
	if before == 0 {
		t.Skipf("%s already reads 0: another process holds it, so the relay's hold cannot be told apart", wakeLatencyDevice)
	}
	link := netem.LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: 5 * units.Millisecond}
	run := func(policy ThreadPolicy) (least int32, res SelfCheckResult) {
		var low atomic.Int32
		low.Store(before)
		done := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if v, err := wakeLatency(); err == nil && v < low.Load() {
					low.Store(v)
				}
			}
		}()
		res, err := SelfCheck(context.Background(), link, 200*time.Millisecond, policy)
		close(done)
		<-stopped
		if err != nil {
			t.Fatal(err)
		}
		return low.Load(), res
	}
	least, res := run(DefaultThreadPolicy())
	if !res.Scheduling.IdlePoll {
		t.Fatalf("relay did not hold idle polling: %+v", res.Scheduling)
	}
	if least != 0 {
		t.Errorf("limit while the relay ran: least %d µs, want 0", least)
	}
	if after := readWakeLatency(t); after != before {
		t.Errorf("limit after the relay stopped: %d µs, want %d as before", after, before)
	}
	policy := DefaultThreadPolicy()
	policy.IdlePoll = false
	least, res = run(policy)
	if res.Scheduling.IdlePoll || least != before {
		t.Errorf("relay without IdlePoll: scheduling %+v, least limit %d µs, want no hold and %d", res.Scheduling, least, before)
	}
}

// Steal time is the eighth number of a core's line in /proc/stat, in
// USER_HZ ticks; the line "cpu" sums all cores.
func TestStealIn(t *testing.T) {
	const stat = "cpu  784801 13245 199122 852866 9465 0 7785 33082 0 0\n" +
		"cpu0 384953 6537 80014 473964 4522 0 2036 12629 0 0\n" +
		"cpu1 399847 6708 119108 378901 4943 0 5748 20452 0 0\n" +
		"intr 1 2 3\n"
	for _, c := range []struct {
		cpu  int
		want units.Duration
		ok   bool
	}{{-1, 330820 * units.Millisecond, true}, {0, 126290 * units.Millisecond, true}, {1, 204520 * units.Millisecond, true}, {2, 0, false}} {
		if got, ok := stealIn(stat, c.cpu); got != c.want || ok != c.ok {
			t.Errorf("cpu %d: steal %v (%v), want %v (%v)", c.cpu, got, ok, c.want, c.ok)
		}
	}
	if _, ok := stealIn("cpu0 1 2 3 4\n", 0); ok {
		t.Error("a line without the steal column read as steal")
	}
	if s, ok := cpuSteal(-1); ok && s < 0 {
		t.Errorf("this machine's steal %v, negative", s)
	}
}
