package kernelcc

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

func TestSmokeCubic(t *testing.T) {
	mod := buildOrSkip(t, "cubic")
	k := NewAlg(mod, "kernel:cubic")
	k.Init(0, 1000, 10000)
	if k.Cwnd() != 10000 || k.Ssthresh() != cc.InfiniteSsthresh {
		t.Fatalf("init: cwnd %d ssthresh %d", k.Cwnd(), k.Ssthresh())
	}
	a := cc.Ack{Now: units.Time(40 * units.Millisecond), Acked: 2000, RTT: 40 * units.Millisecond, SRTT: 40 * units.Millisecond, MinRTT: 40 * units.Millisecond, PriorInflight: 10000, Inflight: 8000, Delivered: 2000, Sent: 10000}
	k.OnAck(&a)
	t.Logf("after ack: cwnd %d ssthresh %d phase %s", k.Cwnd(), k.Ssthresh(), k.Phase())
	k.OnCongestion(&cc.Event{Kind: cc.Loss, Now: a.Now + 1000, Inflight: 12000})
	t.Logf("after loss: cwnd %d ssthresh %d phase %s", k.Cwnd(), k.Ssthresh(), k.Phase())
}
