package aimd_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"

	"example.com/outside-algorithm/aimd"
)

const mss = 1460

func newAIMD(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New(aimd.Name)
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

// The decrease is to 7/8 of the flight, the increase one segment per 16/5
// windows acknowledged: at 140 segments, the 448th segment acknowledged
// (3.2 windows) adds the first.
func TestAIMDDecreaseAndIncrease(t *testing.T) {
	h := newAIMD(t, 160*mss)
	h.ECN()
	h.Expect(140*mss, 140*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	h.AckN(447, mss)
	h.Expect(140*mss, 140*mss)
	h.Ack(mss)
	h.Expect(141*mss, 140*mss)
}

// With two segments in flight 7/8 of them is less than the two that
// duplicate ACKs need to clock out a retransmission: the decrease stops at
// two segments, as Reno's does.
func TestAIMDDecreaseFloorsAtTwoSegments(t *testing.T) {
	h := newAIMD(t, 2*mss)
	h.Loss()
	h.Expect(2*mss, 2*mss)
	h.ExitRecovery()
	h.Expect(2*mss, 2*mss)
}

// Slow start and timeouts are the Reno family's: the window doubles per
// round until the first loss, and an RTO goes back to one segment.
func TestAIMDSlowStartAndTimeoutAreReno(t *testing.T) {
	h := newAIMD(t, 10*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Round()
	h.Expect(20*mss, cc.InfiniteSsthresh)
	h.RTO()
	h.Expect(1*mss, 17*mss+mss/2)
}
