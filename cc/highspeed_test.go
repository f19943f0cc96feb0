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

// TestHighSpeedIsRenoAtSmallWindows: up to 38 segments a = 1 and b = 0.5,
// and, as RFC 3649 §5 and Linux's hstcp_cong_avoid have it, the increase
// is per ACK, whatever the ACK acknowledges.
func TestHighSpeedIsRenoAtSmallWindows(t *testing.T) {
	h := newHighSpeed(t, 30*mss)
	h.ECN()
	h.Expect(15*mss, 15*mss) // b = 0.5
	h.AckN(14, 2*mss)
	h.Expect(15*mss, 15*mss)
	h.Ack(2 * mss) // the 15th ACK: a = 1 per window of 15 ACKs
	h.Expect(16*mss, 15*mss)
}

// TestHighSpeedFirstLossHalves: slow start never sets the table row, so
// the first loss takes b = 0.5 whatever the window (Linux's ca->ai is
// still 0); the first ACK of congestion avoidance moves to the window's
// row, and the next decrease is that row's.
func TestHighSpeedFirstLossHalves(t *testing.T) {
	h := newHighSpeed(t, iw)
	h.AckN(990, mss)
	h.Expect(1000*mss, inf)
	h.Loss()
	h.Expect(500*mss, 500*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.ExitRecovery()
	h.Expect(500*mss, 500*mss)
	// 500 segments: the row of 663 (a = 6, b = 89/256); one segment per
	// 500/6 ACKs.
	h.AckN(83, mss)
	h.Expect(500*mss, 500*mss)
	h.Ack(mss)
	h.Expect(501*mss, 500*mss)
	h.ECN() // 501 − ⌊501·89/256⌋ = 327
	h.Expect(327*mss, 327*mss)
}

// TestHighSpeedDecreaseAtTablePoints checks ssthresh = cwnd − ⌊cwnd·md/256⌋
// at the RFC's reference windows, once an ACK in congestion avoidance has
// set the row.
func TestHighSpeedDecreaseAtTablePoints(t *testing.T) {
	cases := []struct{ w, ssthresh int }{
		{38, 19},       // b = 128/256
		{39, 22},       // the row of 118: b = 112/256
		{118, 67},      // b = 112/256
		{119, 71},      // the row of 221: b = 104/256
		{1058, 715},    // b = 83/256
		{83000, 74895}, // the row of 84035: b = 25/256
	}
	for _, c := range cases {
		h := newHighSpeed(t, 2*c.w*mss)
		h.ECN()
		h.Expect(c.w*mss, c.w*mss)
		h.Ack(mss)
		h.ECN()
		h.Expect(c.ssthresh*mss, c.ssthresh*mss)
	}
}

// TestHighSpeedIncreaseAtTablePoints checks that congestion avoidance adds
// a(w) segments per cwnd ACKs.
func TestHighSpeedIncreaseAtTablePoints(t *testing.T) {
	// 1058 segments: the row of 1058, a = 8: a segment per 1058/8 ACKs.
	h := newHighSpeed(t, 2116*mss)
	h.ECN()
	h.Expect(1058*mss, 1058*mss)
	h.AckN(132, mss)
	h.Expect(1058*mss, 1058*mss)
	h.Ack(mss) // 133·8 = 1064: one segment, 6 left over
	h.Expect(1059*mss, 1058*mss)
	// 1059 segments is past the row of 1058: the row of 1284, a = 9.
	h.AckN(116, mss) // 6 + 116·9 = 1050
	h.Expect(1059*mss, 1058*mss)
	h.Ack(mss)
	h.Expect(1060*mss, 1058*mss)
}

// TestHighSpeedSlowStartDropsLeftover: the ACK that takes slow start to
// ssthresh is not carried over into congestion avoidance
// (hstcp_cong_avoid calls tcp_slow_start and nothing else), and the count
// toward the next segment is zeroed by a timeout.
func TestHighSpeedSlowStartDropsLeftover(t *testing.T) {
	h := newHighSpeed(t, 30*mss)
	h.RTO()
	h.Expect(mss, 15*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
	h.Ack(mss)
	h.Ack(2 * mss)
	h.Ack(4 * mss)
	h.Expect(8*mss, 15*mss)
	h.Ack(8 * mss) // 16 would be one past ssthresh: that one is dropped
	h.Expect(15*mss, 15*mss)
	h.AckN(14, mss)
	h.Expect(15*mss, 15*mss)
	h.Ack(mss)
	h.Expect(16*mss, 15*mss)
}

func TestHighSpeedRecoveryAndTimeout(t *testing.T) {
	h := newHighSpeed(t, 2116*mss)
	h.ECN()
	h.Ack(mss) // the row of 1058
	h.Loss()
	h.Expect(715*mss, 715*mss)
	h.DupAck()
	h.Expect(715*mss, 715*mss)
	h.Ack(mss) // a partial ACK: the window is the sender's meanwhile
	h.Expect(715*mss, 715*mss)
	h.ExitRecovery()
	h.Expect(715*mss, 715*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// A timeout takes the decrease of cwnd (still the row of 1058, which
	// only congestion avoidance moves), then one segment.
	h.RTO()
	h.Expect(mss, 715*mss-715*83/256*mss)
	h.ExpectPhase(cc.PhaseSlowStart)
}
