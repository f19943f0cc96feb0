package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

func newWestwood(t *testing.T) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("westwood")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, iw)
}

// westwoodAckStream delivers n ACKs of one segment, one every gap.
func westwoodAckStream(h *cctest.Harness, n int, gap units.Duration) {
	for range n {
		h.AdvanceTime(gap)
		h.Ack(mss)
	}
}

// westwoodAt146kBps returns Westwood+ after 200 ms of one segment every
// 10 ms (146,000 bytes/s) over a 100 ms RTT: two samples of exactly that
// rate, so BWE·RTTmin is 14,600 bytes, 10 segments.
func westwoodAt146kBps(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newWestwood(t)
	h.SetRTT(100 * units.Millisecond)
	westwoodAckStream(h, 20, 10*units.Millisecond)
	h.Expect(30*mss, inf) // slow start, as Reno
	return h
}

func TestWestwoodSsthreshFromBandwidthEstimate(t *testing.T) {
	h := westwoodAt146kBps(t)
	// Reno would take half of the 30 segments in flight; Westwood+ takes
	// what the path delivered in one RTTmin.
	h.Loss()
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.Expect(10*mss, 10*mss)
	h.Ack(3 * mss) // a partial ACK: the window is the sender's meanwhile
	h.Expect(10*mss, 10*mss)
	h.ExitRecovery()
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestWestwoodECNAndRTTMin(t *testing.T) {
	h := westwoodAt146kBps(t)
	// A longer RTT later does not change RTTmin: still 100 ms.
	h.SetRTT(150 * units.Millisecond)
	westwoodAckStream(h, 15, 10*units.Millisecond)
	h.ECN()
	h.Expect(10*mss, 10*mss)
}

func TestWestwoodFilter(t *testing.T) {
	h := westwoodAt146kBps(t)
	// The rate doubles for one 100 ms interval: the sample is 292,000
	// bytes/s; the first stage moves to (7·146000 + 292000)/8 = 164,250,
	// the second to (7·146000 + 164250)/8 = 148,281 (rounded down).
	westwoodAckStream(h, 20, 5*units.Millisecond)
	h.ECN()
	h.Expect(14828, 14828) // 148,281 bytes/s × 100 ms
}

func TestWestwoodTimeout(t *testing.T) {
	h := westwoodAt146kBps(t)
	h.RTO()
	h.Expect(mss, 10*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	// RTTmin is re-learned after a timeout: the path now takes 120 ms.
	h.SetRTT(120 * units.Millisecond)
	h.AdvanceTime(10 * units.Millisecond)
	h.Ack(mss)
	h.ECN()
	// The estimate has not changed (the interval is still open), so
	// ssthresh = 146,000 bytes/s × 120 ms.
	h.Expect(17520, 17520)
}

func TestWestwoodCountsDuplicateAcksOnce(t *testing.T) {
	h := westwoodAt146kBps(t)
	h.SetInflight(30 * mss)
	h.Loss()
	h.Expect(10*mss, 10*mss)
	// Recovery keeps the same delivery rate: ten duplicate ACKs, one
	// segment each, fill the interval that ends at 300 ms; then a
	// cumulative ACK of eleven segments, ten of which were counted as
	// duplicate ACKs, and nine more ACKs fill the next. Counting the
	// duplicate ACKs not at all, or twice, would move the estimate.
	for range 10 {
		h.AdvanceTime(10 * units.Millisecond)
		h.DupAck()
	}
	h.AdvanceTime(10 * units.Millisecond)
	h.Ack(11 * mss)
	h.ExitRecovery()
	westwoodAckStream(h, 9, 10*units.Millisecond)
	h.ECN()
	h.Expect(10*mss, 10*mss)
}

func TestWestwoodWithoutEstimateIsReno(t *testing.T) {
	h := newWestwood(t)
	h.SetRTT(100 * units.Millisecond)
	westwoodAckStream(h, 5, 10*units.Millisecond) // 50 ms: no interval closed yet
	h.Loss()
	h.Expect(7*mss+mss/2, 7*mss+mss/2) // FlightSize/2 of 15 segments
}
