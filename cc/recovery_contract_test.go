package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// TestEveryAlgorithmLeavesRecoveryToTheSender checks the contract of
// cc.CongestionControl for every registered algorithm that is not a
// cc.RecoveryController: ACKs in fast recovery do not move the window
// (the sender's PRR sets it), and at RecoveryExit the algorithm takes the
// window the sender hands back, or a new ssthresh it sets there
// (Westwood+, as Linux's CA_EVENT_COMPLETE_CWR lets it).
func TestEveryAlgorithmLeavesRecoveryToTheSender(t *testing.T) {
	for _, name := range cc.Names() {
		alg, err := cc.New(name)
		if err != nil {
			t.Fatal(err)
		}
		if cc.ControlsRecovery(alg) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			alg.Init(0, mss, iw)
			now := units.Time(0)
			ack := cc.Ack{Acked: mss, RTT: 40 * units.Millisecond, MinRTT: 40 * units.Millisecond, SRTT: 40 * units.Millisecond}
			for i := range 20 {
				now = now.Add(2 * units.Millisecond)
				ack.Now, ack.Delivered, ack.Sent = now, int64((i+1)*mss), int64((i+11)*mss)
				alg.OnAck(&ack)
			}
			ev := cc.Event{Kind: cc.Loss, Now: now, Inflight: 30 * mss}
			alg.OnCongestion(&ev)
			cwnd := alg.Cwnd()
			in := cc.Ack{Now: now, Sacked: mss, DupAck: true, InRecovery: true, Inflight: 30 * mss, Delivered: ack.Delivered, Sent: ack.Sent}
			for range 5 {
				alg.OnAck(&in)
			}
			in = cc.Ack{Now: now, Acked: 3 * mss, InRecovery: true, Inflight: 27 * mss, Delivered: ack.Delivered + 3*mss, Sent: ack.Sent}
			alg.OnAck(&in)
			if got := alg.Cwnd(); got != cwnd {
				t.Errorf("cwnd moved from %d to %d on ACKs in fast recovery", cwnd, got)
			}
			ev = cc.Event{Kind: cc.RecoveryExit, Now: now, Inflight: 10 * mss, Cwnd: alg.Ssthresh()}
			alg.OnCongestion(&ev)
			if got := alg.Cwnd(); got != ev.Cwnd && got != alg.Ssthresh() {
				t.Errorf("cwnd %d after RecoveryExit, want the %d handed back or the new ssthresh %d", got, ev.Cwnd, alg.Ssthresh())
			}
		})
	}
}
