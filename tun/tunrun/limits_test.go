package tunrun

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
)

// TestKernelLimits: TCP_INFO's busy time includes the two limits, so the
// busy share is what is left; the application's share is the flow's time
// from its connection to its completion (or last sample) outside busy.
func TestKernelLimits(t *testing.T) {
	k := &kernelFlow{connectedAt: units.Time(units.Second)}
	k.completedNs.Store(-1)
	if k.kernelLimits() != nil {
		t.Fatal("a flow never sampled has limits")
	}
	k.info = tun.KernelSample{T: units.Time(11 * units.Second), BusyTime: 8 * units.Second,
		RwndLimited: 5 * units.Second, SndbufLimited: units.Second}
	k.informed = true
	want := metrics.SenderLimits{ActiveSeconds: 10, BusySeconds: 2, RwndLimitedSeconds: 5, SndbufLimitedSeconds: 1, AppLimitedSeconds: 2}
	if got := *k.kernelLimits(); got != want {
		t.Fatalf("bulk flow: %+v, want %+v", got, want)
	}
	// A sized flow completed at 9 s: its active time ends there.
	k.completedNs.Store(int64(9 * units.Second))
	want.ActiveSeconds, want.AppLimitedSeconds = 8, 0
	if got := *k.kernelLimits(); got != want {
		t.Fatalf("completed flow: %+v, want %+v", got, want)
	}
}
