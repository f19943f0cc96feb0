package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

func newWestwood(t *testing.T, initialWindow int) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("westwood")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, initialWindow)
}

// westwoodAt1460BytesPerMs returns Westwood+ with a 200-segment initial
// window and a 100 ms RTT after its first bandwidth sample: at 1 ms the
// first ACK, which only marks where counting starts (Linux's first_ack);
// at 50 ms 101 segments; at 101 ms, more than the RTT after the interval
// began, the ACK that closes it: 101 segments in 101 ms, 1460 bytes per
// ms, which fills both filter stages. BWE·RTTmin is 100 segments. The
// closing ACK is counted in the next interval.
func westwoodAt1460BytesPerMs(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newWestwood(t, 200*mss)
	h.SetRTT(100 * units.Millisecond)
	h.AdvanceTime(units.Millisecond)
	h.Ack(mss)
	h.AdvanceTime(49 * units.Millisecond)
	h.Ack(101 * mss)
	h.AdvanceTime(51 * units.Millisecond)
	h.Ack(mss)
	h.Expect(303*mss, inf) // slow start, as Reno
	return h
}

// TestWestwoodWindowAfterRecovery: a loss takes Reno's ssthresh, half of
// cwnd, which the sender's reduction works towards; the estimate sets
// ssthresh and cwnd when recovery ends (Linux's tcp_reno_ssthresh, then
// CA_EVENT_COMPLETE_CWR).
func TestWestwoodWindowAfterRecovery(t *testing.T) {
	h := westwoodAt1460BytesPerMs(t)
	h.Loss()
	h.Expect(151*mss, 151*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.Ack(3 * mss) // a partial ACK: the window is the sender's meanwhile
	h.Expect(151*mss, 151*mss)
	h.ExitRecovery()
	h.Expect(100*mss, 100*mss) // 1460 bytes/ms × 100 ms
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

// TestWestwoodFilter: the rate doubles for one interval. The sample is
// 2920 bytes/ms; the first stage moves to ⌊(7·1460 + 2920)/8⌋ = 1642, the
// second to ⌊(7·1460 + 1642)/8⌋ = 1482, and BWE·RTTmin to
// ⌊1482·100/1460⌋ = 101 segments. An ECN reduction ends the same way as a
// recovery.
func TestWestwoodFilter(t *testing.T) {
	h := westwoodAt1460BytesPerMs(t)
	h.AdvanceTime(49 * units.Millisecond)
	h.Ack(201 * mss) // with the ACK at 101 ms: 202 segments in 101 ms
	h.AdvanceTime(52 * units.Millisecond)
	h.Ack(mss) // at 202 ms: closes it
	h.Expect(505*mss, inf)
	h.ECN()
	h.Expect(252*mss, 252*mss)
	h.ExitRecovery()
	h.Expect(101*mss, 101*mss)
}

// TestWestwoodRTTMin: RTTmin is the smallest RTT in whole milliseconds,
// rounded up; a timeout takes the estimate as ssthresh and makes the next
// ACK's RTT the new RTTmin.
func TestWestwoodRTTMin(t *testing.T) {
	h := westwoodAt1460BytesPerMs(t)
	h.SetRTT(150 * units.Millisecond) // longer: RTTmin stays 100 ms
	h.AdvanceTime(10 * units.Millisecond)
	h.Ack(mss)
	h.RTO()
	h.Expect(mss, 100*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	h.SetRTT(120200 * units.Microsecond) // 121 ms
	h.AdvanceTime(10 * units.Millisecond)
	h.Ack(mss)
	h.Expect(2*mss, 100*mss)
	h.ECN()
	h.Expect(2*mss, 2*mss) // Reno's: half of 2, at least 2
	h.ExitRecovery()
	h.Expect(121*mss, 121*mss) // 1460 bytes/ms × 121 ms
}

// TestWestwoodCountsDuplicateAcksOnce: the segment a duplicate ACK
// reports is counted then, and not again when the cumulative ACK covers
// it. Ten duplicate ACKs and then a cumulative ACK of eleven segments
// close the interval that began at 101 ms with eleven segments counted in
// it (the one at 101 ms and ten reported by the duplicate ACKs): 16060
// bytes in 102 ms, 157 bytes/ms; the filters move to ⌊(7·1460 + 157)/8⌋
// = 1297 and ⌊(7·1460 + 1297)/8⌋ = 1439, and the window to
// ⌊1439·100/1460⌋ = 98 segments.
func TestWestwoodCountsDuplicateAcksOnce(t *testing.T) {
	h := westwoodAt1460BytesPerMs(t)
	h.Loss()
	for range 10 {
		h.AdvanceTime(9 * units.Millisecond)
		h.DupAck()
	}
	h.AdvanceTime(12 * units.Millisecond)
	h.Ack(11 * mss)
	h.ExitRecovery()
	h.Expect(98*mss, 98*mss)
}

// TestWestwoodWithoutEstimate: before the first sample the estimate is 0,
// and recovery ends at two segments, as in Linux.
func TestWestwoodWithoutEstimate(t *testing.T) {
	h := newWestwood(t, iw)
	h.SetRTT(100 * units.Millisecond)
	for range 5 { // 50 ms: no interval closed yet
		h.AdvanceTime(10 * units.Millisecond)
		h.Ack(mss)
	}
	h.Loss()
	h.Expect(7*mss, 7*mss) // half of 15 segments
	h.ExitRecovery()
	h.Expect(2*mss, 2*mss)
}
