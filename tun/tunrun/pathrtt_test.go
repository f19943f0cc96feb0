package tunrun

import (
	"context"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// Over TUN, a kernel flow's and a stack flow's rtt_* come from the relay's
// path monitor, one sample per cumulative ACK, never below the emulated
// base RTT (the relay holds every datagram for the links' delays) and near
// it for the first samples, before the queue builds; their srtt_* are the
// senders' own smoothed RTT, sampled every interval.
func TestTunPathRTTFromTheRelay(t *testing.T) {
	requireTunDriver(t)
	sc := tunDumbbell(3*units.Second, "linux:cubic", "cubic")
	sc.TCP = stack.DefaultConfig()
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	base := (sc.Forward.Delay + sc.Reverse.Delay).Milliseconds()
	for i, f := range res.Summary.Flows {
		t.Logf("flow %d %s (%s): path rtt p50 %.2f p95 %.2f min %.2f max %.2f ms over %d samples; srtt p50 %.2f p95 %.2f ms",
			i, f.CC, res.Endpoints[i], f.RTTP50Ms, f.RTTP95Ms, f.RTTMinMs, f.RTTMaxMs, f.RTTSamples, f.SRTTP50Ms, f.SRTTP95Ms)
		// A sample per cumulative ACK, and a receiver ACKs every one or
		// two segments (a few more when it falls behind): at least one
		// per 16 segments the flow delivered. How the two flows share
		// the 50 Mbit/s varies with the machine's load, so the bound is
		// on the flow's own segments, not a fixed count.
		segments := int64(f.GoodputBps * sc.Duration.Seconds() / 8 / 1448)
		if f.RTTSamples < 100 || int64(f.RTTSamples) < segments/16 {
			t.Errorf("flow %d (%s): %d path RTT samples for about %d segments delivered, want at least one per 16 and 100", i, f.CC, f.RTTSamples, segments)
		}
		if f.RTTMinMs < base || f.RTTMinMs > base+5 {
			t.Errorf("flow %d (%s): path RTT min %.3f ms, want within 5 ms above the base RTT %.0f ms", i, f.CC, f.RTTMinMs, base)
		}
		if f.SRTTP50Ms < base {
			t.Errorf("flow %d (%s): srtt p50 %.3f ms, want at least the base RTT %.0f ms", i, f.CC, f.SRTTP50Ms, base)
		}
	}
}
