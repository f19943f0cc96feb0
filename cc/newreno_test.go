package cc_test

import (
	"testing"

	"ccbench/cc"
	"ccbench/cc/cctest"
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
// segments in flight: ssthresh 10 segments, cwnd 13.
func newRenoInRecovery(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newNewReno(t)
	h.AckN(10, mss)
	h.Expect(20*mss, inf)
	h.Loss()
	h.Expect(13*mss, 10*mss) // RFC 6582 steps 2-3: FlightSize/2, + 3 MSS
	h.ExpectPhase(cc.PhaseFastRecovery)
	return h
}

func TestNewRenoPartialAckDeflation(t *testing.T) {
	h := newRenoInRecovery(t)
	h.DupAck()
	h.DupAck()
	h.DupAck()
	h.Expect(16*mss, 10*mss) // step 4: one segment per duplicate ACK

	// Step 5: a partial ACK of 5 segments deflates by 5 and adds one back
	// for the retransmission it triggers. Reno would drop to ssthresh.
	h.Ack(5 * mss)
	h.Expect(12*mss, 10*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)

	// Duplicate ACKs inflate again.
	h.DupAck()
	h.Expect(13*mss, 10*mss)

	// Exactly one segment: deflate one, add one back.
	h.Ack(mss)
	h.Expect(13*mss, 10*mss)

	// Less than a segment: deflate only.
	h.Ack(100)
	h.Expect(13*mss-100, 10*mss)
	h.Ack(mss - 1)
	h.Expect(12*mss-99, 10*mss)
}

func TestNewRenoRecoveryExitOption1(t *testing.T) {
	// Step 6, option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
	cases := []struct {
		name     string
		inflight int
		want     int
	}{
		{"little in flight: one segment beyond it", 4 * mss, 5 * mss},
		{"just below ssthresh", 9*mss + 7, 10 * mss},
		{"at ssthresh", 10 * mss, 10 * mss},
		{"much in flight: ssthresh", 30 * mss, 10 * mss},
		{"nothing in flight: two segments", 0, 2 * mss},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newRenoInRecovery(t)
			h.Ack(h.Inflight()) // the full ACK
			h.SetInflight(c.inflight)
			h.ExitRecovery()
			h.Expect(c.want, 10*mss)
			// Below ssthresh the window slow-starts back up to it.
			if c.want < 10*mss {
				h.ExpectPhase(cc.PhaseSlowStart)
			} else {
				h.ExpectPhase(cc.PhaseCongestionAvoidance)
			}
		})
	}
}

func TestNewRenoFullAckDeflationFloor(t *testing.T) {
	h := newRenoInRecovery(t)
	// The full ACK covers all 20 segments, more than the 13-segment
	// window: the deflation stops at one segment until RecoveryExit.
	h.Ack(20 * mss)
	h.Expect(mss, 10*mss)
	h.SetInflight(0)
	h.ExitRecovery()
	h.Expect(2*mss, 10*mss)

	// From there slow start back up to ssthresh.
	h.ExpectPhase(cc.PhaseSlowStart)
	h.AckN(4, seg2)
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestNewRenoTimeoutInRecoveryKeepsSsthresh(t *testing.T) {
	h := newRenoInRecovery(t)
	// Recovery has sent on the inflated window: FlightSize has grown to 40
	// segments, most of them held by the receiver above the holes. The
	// Loss already cut ssthresh for this window; the timeout keeps it.
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
	h.Expect(20*mss, inf) // slow start with ABC

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
