package runner

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

// TestCubicSlowStartExitMatchesKernel runs CUBIC through the tun-reference
// link (50 Mbit/s, 40 ms, 1 BDP) in the simulator and checks where HyStart
// ends slow start against Linux's own CUBIC on the same link over TUN.
// Measured on kernel 6.18 (make linux-reference's link, 2 ms samples, five
// runs): the kernel's slow start peaks at 242-247 segments and TcpExt
// TCPHystartTrainCwnd says its ACK-train detector fired at 248; a tcp_probe
// trace shows its HyStart rounds beginning at 10, 20, 40, 80 and 160
// segments. Before the round was tested ahead of the low window, ccbench's
// rounds began at 16, 32, 64 and 128 segments, part-way into each doubling,
// and the delay detector fired at 136.
func TestCubicSlowStartExitMatchesKernel(t *testing.T) {
	const kernelPeakSegs = 245
	sc := scenario(t, "flows[0].cc=cubic", "link.rate=50Mbit/s", "duration=2s", "sample_interval=2ms")
	res, err := Simulate(sc, metrics.RunInfo{Experiment: "bottleneck"})
	if err != nil {
		t.Fatal(err)
	}
	peak := res.Summary.Flows[0].SlowStartPeakCwndBytes / 1448
	t.Logf("slow-start peak %d segments; the kernel's %d", peak, kernelPeakSegs)
	if peak < kernelPeakSegs*8/10 || peak > kernelPeakSegs*12/10 {
		t.Errorf("slow-start peak %d segments, want within 20%% of the kernel's %d", peak, kernelPeakSegs)
	}
}
