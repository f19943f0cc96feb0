package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
)

func newHighSpeed(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("highspeed")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

func TestHighSpeedIsRenoAtSmallWindows(t *testing.T) {
	h := newHighSpeed(t, 40*mss)
	h.AckN(10, mss)
	h.Expect(50*mss, inf) // Reno's slow start
	h.ECN()
	h.Expect(25*mss, 25*mss) // b = 0.5
	h.AckN(24, mss)
	h.Expect(25*mss, 25*mss)
	h.Ack(mss) // a = 1: one segment per window
	h.Expect(26*mss, 25*mss)
}

// TestHighSpeedDecreaseAtTablePoints checks ssthresh = (1 − b(w))·FlightSize
// after a loss at the RFC's reference windows.
func TestHighSpeedDecreaseAtTablePoints(t *testing.T) {
	cases := []struct {
		flightSegments int
		ssthresh       int
	}{
		{38, 19 * mss},                  // b = 0.50
		{118, 118 * mss * 56 / 100},     // b = 0.44
		{1058, 1058 * mss * 67 / 100},   // b = 0.33
		{83000, 83000 * mss * 90 / 100}, // b = 0.10
	}
	for _, c := range cases {
		h := newHighSpeed(t, c.flightSegments*mss)
		h.Loss()
		h.Expect(c.ssthresh, c.ssthresh)
		h.ExpectPhase(cc.PhaseFastRecovery)
	}
}

// TestHighSpeedIncreaseAtTablePoints checks that congestion avoidance adds
// a(w) segments per window: one segment per cwnd/a(w) bytes.
func TestHighSpeedIncreaseAtTablePoints(t *testing.T) {
	// 1600 segments in flight, b = 0.31: 1104 segments, where a = 8 and a
	// segment takes 1104/8 = 138 segments acknowledged.
	h := newHighSpeed(t, 1600*mss)
	h.ECN()
	h.Expect(1104*mss, 1104*mss)
	h.AckN(137, mss)
	h.Expect(1104*mss, 1104*mss)
	h.Ack(mss)
	h.Expect(1105*mss, 1104*mss)

	// 83,000 segments, a = 72: a segment takes cwnd/72 = 1,683,055 bytes,
	// 1152.78 segments. (0.9 of 134,644,445 bytes is 83,000 segments.)
	h = newHighSpeed(t, iw)
	h.SetInflight(134644445)
	h.ECN()
	h.Expect(83000*mss, 83000*mss)
	h.AckN(1152, mss)
	h.Expect(83000*mss, 83000*mss)
	h.Ack(mss)
	h.Expect(83001*mss, 83000*mss)
}

func TestHighSpeedRecoveryAndTimeout(t *testing.T) {
	h := newHighSpeed(t, 1600*mss)
	h.Loss()
	h.Expect(1104*mss, 1104*mss)
	h.DupAck()
	h.Expect(1104*mss, 1104*mss)
	h.Ack(mss) // a partial ACK: the window is the sender's meanwhile
	h.Expect(1104*mss, 1104*mss)
	h.ExitRecovery()
	h.Expect(1104*mss, 1104*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// A timeout takes b(w) of FlightSize too, then one segment.
	h.SetInflight(1600 * mss)
	h.RTO()
	h.Expect(mss, 1104*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
}
