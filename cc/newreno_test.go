package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
)

func newNewReno(t *testing.T) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("newreno")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, iw)
}

// newRenoInRecovery returns NewReno in fast recovery from a loss with 20
// segments in flight: ssthresh 10 segments.
func newRenoInRecovery(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newNewReno(t)
	h.AckN(10, mss)
	h.Expect(20*mss, inf)
	h.Loss()
	h.Expect(10*mss, 10*mss) // RFC 6582 step 2: FlightSize/2
	h.ExpectPhase(cc.PhaseFastRecovery)
	return h
}

func TestNewRenoLeavesRecoveryWindowToSender(t *testing.T) {
	// RFC 6582's inflation and partial deflation are the sender's PRR now:
	// nothing an ACK in recovery says moves the algorithm's window.
	h := newRenoInRecovery(t)
	h.DupAck()
	h.DupAck()
	h.DupAck()
	h.Expect(10*mss, 10*mss)
	h.Ack(5 * mss)
	h.Expect(10*mss, 10*mss)
	h.Ack(100)
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
}

func TestNewRenoRecoveryExitIsSsthresh(t *testing.T) {
	// Step 6, as Linux (tcp_end_cwnd_reduction): cwnd = ssthresh whatever
	// is in flight; PRR has brought the pipe there.
	for _, inflight := range []int{0, 4 * mss, 10 * mss, 30 * mss} {
		h := newRenoInRecovery(t)
		h.Ack(h.Inflight()) // the full ACK
		h.SetInflight(inflight)
		h.ExitRecovery()
		h.Expect(10*mss, 10*mss)
		h.ExpectPhase(cc.PhaseCongestionAvoidance)
	}
}

func TestNewRenoTimeoutInRecoveryKeepsSsthresh(t *testing.T) {
	h := newRenoInRecovery(t)
	// Recovery has sent new data: FlightSize has grown to 40 segments,
	// most of them held by the receiver above the holes. The Loss already
	// cut ssthresh for this window; the timeout keeps it, as Linux's
	// tcp_enter_loss does.
	h.SetInflight(40 * mss)
	h.RTO()
	h.Expect(mss, 10*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	// A timeout outside recovery halves FlightSize as usual.
	h.Ack(mss)
	h.AckN(8, mss)
	h.SetInflight(40 * mss)
	h.RTO()
	h.Expect(mss, 20*mss)
}

func TestNewRenoOutsideRecoveryIsReno(t *testing.T) {
	h := newNewReno(t)
	h.AckN(5, seg2)
	h.Expect(20*mss, inf) // slow start

	h.ECN()
	h.Expect(10*mss, 10*mss)
	h.AckN(9, mss)
	h.Expect(10*mss, 10*mss)
	h.Ack(mss)
	h.Expect(11*mss, 10*mss)

	h.SetInflight(30 * mss)
	h.RTO()
	h.Expect(mss, 15*mss)
	// A second timeout before any new data is acknowledged keeps ssthresh.
	h.RTO()
	h.Expect(mss, 15*mss)
	h.Ack(mss)
	h.Expect(2*mss, 15*mss)

	h.AckN(4, mss)
	h.IdleRestart()
	h.Expect(6*mss, 15*mss) // below the initial window: unchanged
}
