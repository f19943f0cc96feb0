package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
)

const (
	mss  = 1460
	iw   = 10 * mss
	inf  = cc.InfiniteSsthresh
	seg2 = 2 * mss
)

func newReno(t *testing.T) *cctest.Harness {
	t.Helper()
	alg, err := cc.New("reno")
	if err != nil {
		t.Fatal(err)
	}
	return cctest.New(t, alg, mss, iw)
}

// renoInCongestionAvoidance returns Reno in congestion avoidance at cwnd =
// ssthresh = 5 MSS: an ECN response to the full initial window halves it.
func renoInCongestionAvoidance(t *testing.T) *cctest.Harness {
	t.Helper()
	h := newReno(t)
	h.ECN()
	h.Expect(5*mss, 5*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	return h
}

func TestRenoInit(t *testing.T) {
	h := newReno(t)
	h.Expect(iw, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
	if r := h.Alg().PacingRate(); r != 0 {
		t.Fatalf("PacingRate = %v, want 0: Reno does not pace", r)
	}

	// Init forgets everything about an earlier connection.
	h.Loss()
	h.Alg().Init(h.Now(), mss, iw)
	h.Expect(iw, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
}

func TestRenoSlowStartPerSegmentAcks(t *testing.T) {
	h := newReno(t)
	h.Ack(mss)
	h.Expect(11*mss, inf)
	h.AckN(9, mss)
	h.Expect(20*mss, inf) // one round trip doubles the window
	h.AckN(20, mss)
	h.Expect(40*mss, inf)
	h.ExpectPhase(cc.PhaseSlowStart)
}

func TestRenoSlowStartDelayedAcks(t *testing.T) {
	h := newReno(t)
	// A receiver acknowledging every second segment: each ACK counts in
	// full, so the window still doubles per round trip.
	h.AckN(5, seg2)
	h.Expect(20*mss, inf)
	h.AckN(10, seg2)
	h.Expect(40*mss, inf)

	// A stretch ACK of three segments grows the window by all three, as
	// Linux's tcp_slow_start does.
	h.Ack(3 * mss)
	h.Expect(43*mss, inf)
	// A partial segment counts its bytes.
	h.Ack(100)
	h.Expect(43*mss+100, inf)
	// A stretch ACK of 30 segments too, up to ssthresh.
	h.Ack(30 * mss)
	h.Expect(73*mss+100, inf)
}

func TestRenoSlowStartRFC3465Limit(t *testing.T) {
	// With the sender configured for RFC 3465's L = 2*SMSS (the stack's
	// SlowStartLimitSegments = 2), a stretch ACK grows the window by L
	// only, and ACKs of up to two segments count in full.
	h := newReno(t)
	h.SetSlowStartLimit(2 * mss)
	h.AckN(5, seg2)
	h.Expect(20*mss, inf)
	h.Ack(3 * mss)
	h.Expect(22*mss, inf)
	h.Ack(20 * mss)
	h.Expect(24*mss, inf)
	h.Ack(100)
	h.Expect(24*mss+100, inf)
}

func TestRenoStretchAckSplitsAtSsthresh(t *testing.T) {
	// A stretch ACK that carries cwnd past ssthresh: slow start up to
	// ssthresh, the rest counted in congestion avoidance (Linux's
	// tcp_slow_start leftover). ssthresh 20 MSS after an ECN response to 40
	// in flight; cwnd 20.
	h := newReno(t)
	h.SetInflight(40 * mss)
	h.ECN()
	h.Expect(20*mss, 20*mss)
	h.RTO()
	h.Expect(mss, 20*mss)
	h.Ack(mss)
	h.Expect(2*mss, 20*mss)
	// 2 → 20 takes 18 segments; the other 22 go to congestion avoidance,
	// where 20 of them make one segment at a 20-segment window.
	h.SetInflight(40 * mss)
	h.Ack(40 * mss)
	h.Expect(21*mss, 20*mss)
}

func TestRenoSlowStartCrossesSsthreshMidAck(t *testing.T) {
	h := newReno(t)
	// Set ssthresh to 20 MSS: an RTO with 40 MSS in flight.
	h.SetInflight(40 * mss)
	h.RTO()
	h.Expect(mss, 20*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	h.Ack(mss)
	h.Expect(2*mss, 20*mss)
	h.AckN(2, mss)
	h.AckN(4, mss)
	h.AckN(8, mss)
	h.Expect(16*mss, 20*mss)
	h.Ack(mss)
	h.Ack(seg2)
	h.Expect(19*mss, 20*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	// Two segments acknowledged, one needed to reach ssthresh: the other
	// counts toward the first congestion-avoidance increase, so 19 more
	// segments (not 20) earn it.
	h.Ack(seg2)
	h.Expect(20*mss, 20*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.AckN(18, mss)
	h.Expect(20*mss, 20*mss)
	h.Ack(mss)
	h.Expect(21*mss, 20*mss)
}

func TestRenoCongestionAvoidanceOneSegmentPerWindow(t *testing.T) {
	h := renoInCongestionAvoidance(t)
	h.AckN(4, mss)
	h.Expect(5*mss, 5*mss)
	h.Ack(mss) // a full cwnd (5 MSS) acknowledged
	h.Expect(6*mss, 5*mss)
	h.AckN(5, mss)
	h.Expect(6*mss, 5*mss)
	h.Ack(mss) // 6 MSS acknowledged at cwnd 6 MSS
	h.Expect(7*mss, 5*mss)

	// Delayed ACKs grow the window just as fast: bytes are counted, not
	// ACKs. 7 MSS in ACKs of 2, then of 1.
	h.AckN(3, seg2)
	h.Expect(7*mss, 5*mss)
	h.Ack(mss)
	h.Expect(8*mss, 5*mss)

	// Bytes that do not fill a segment still count.
	h.AckN(8, mss-1)
	h.Expect(8*mss, 5*mss)
	h.Ack(8)
	h.Expect(9*mss, 5*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestRenoFastRecovery(t *testing.T) {
	h := newReno(t)
	h.AckN(10, mss)
	h.Expect(20*mss, inf)

	// Three duplicate ACKs outside recovery change nothing; the sender
	// then declares the loss.
	h.DupAck()
	h.DupAck()
	h.DupAck()
	h.Expect(20*mss, inf)
	h.Loss()
	h.Expect(10*mss, 10*mss) // ssthresh = 20/2 MSS; cwnd shows ssthresh
	h.ExpectPhase(cc.PhaseFastRecovery)

	// During recovery the sender sets the window (PRR); the algorithm
	// neither inflates on duplicate ACKs nor grows on partial ACKs.
	h.DupAck()
	h.DupAck()
	h.DupAck()
	h.Expect(10*mss, 10*mss)
	h.Ack(5 * mss)
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseFastRecovery)
	h.DupAck()
	h.Expect(10*mss, 10*mss)

	// The ACK that covers everything, then recovery exit.
	h.Ack(h.Inflight())
	h.Expect(10*mss, 10*mss)
	h.ExitRecovery()
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// Congestion avoidance starts from an empty byte count.
	h.AckN(9, mss)
	h.Expect(10*mss, 10*mss)
	h.Ack(mss)
	h.Expect(11*mss, 10*mss)
}

func TestRenoRecoveryExitTakesTheSendersWindow(t *testing.T) {
	// The sender hands the window back at RecoveryExit (ssthresh, as
	// Linux's tcp_end_cwnd_reduction), whatever the ACKs in recovery said.
	h := newReno(t)
	h.Loss()
	h.DupAck()
	h.DupAck()
	h.SetAppLimited(true)
	h.DupAck()
	h.Expect(5*mss, 5*mss)
	h.ExitRecovery()
	h.Expect(5*mss, 5*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
}

func TestRenoRTO(t *testing.T) {
	h := newReno(t)
	h.AckN(10, mss)
	h.Loss()
	h.RTO() // the retransmission timer fires during recovery: 20 MSS in flight
	h.Expect(mss, 10*mss)
	h.ExpectPhase(cc.PhaseSlowStart)

	// The timer fires again before anything new is acknowledged: ssthresh
	// is held, though only the 1 MSS loss window is in flight.
	h.RTO()
	h.Expect(mss, 10*mss)

	// Slow start again from one segment; an ACK of new data means the next
	// timeout is a fresh congestion signal that halves the 2 MSS in flight
	// (floored at 2 MSS).
	h.Ack(mss)
	h.Expect(2*mss, 10*mss)
	h.RTO()
	h.Expect(mss, 2*mss)
}

func TestRenoECN(t *testing.T) {
	h := newReno(t)
	h.AckN(10, mss)
	h.ECN()
	// Halved like a loss, but no fast recovery: cwnd is ssthresh, not
	// ssthresh + 3 MSS, and the next ACKs grow it in congestion avoidance.
	h.Expect(10*mss, 10*mss)
	h.ExpectPhase(cc.PhaseCongestionAvoidance)
	h.AckN(9, mss)
	h.Expect(10*mss, 10*mss)
	h.Ack(mss)
	h.Expect(11*mss, 10*mss)
}

func TestRenoCongestionResponseClearsByteCount(t *testing.T) {
	h := renoInCongestionAvoidance(t)
	h.AckN(4, mss) // 4 MSS of credit toward the next segment
	h.Expect(5*mss, 5*mss)
	h.ECN() // 6 MSS in flight: ssthresh = cwnd = 3 MSS
	h.Expect(3*mss, 3*mss)
	// Credit earned at the old window is gone: a full 3 MSS is needed.
	h.AckN(2, mss)
	h.Expect(3*mss, 3*mss)
	h.Ack(mss)
	h.Expect(4*mss, 3*mss)
}

func TestRenoIdleRestart(t *testing.T) {
	h := newReno(t)
	h.AckN(10, mss)
	h.IdleRestart()
	// The restart window is min(IW, cwnd); ssthresh is untouched.
	h.Expect(iw, inf)
	h.ExpectPhase(cc.PhaseSlowStart)

	// A window already below IW stays as it is.
	h = renoInCongestionAvoidance(t)
	h.IdleRestart()
	h.Expect(5*mss, 5*mss)
}

func TestRenoAppLimitedSuppressesGrowth(t *testing.T) {
	h := newReno(t)
	h.SetAppLimited(true)
	h.AckN(5, mss)
	h.Expect(iw, inf)
	h.SetAppLimited(false)
	h.AckN(5, mss)
	h.Expect(15*mss, inf)

	// Nor does an application-limited ACK count toward congestion
	// avoidance's next segment.
	h = renoInCongestionAvoidance(t)
	h.AckN(4, mss)
	h.SetAppLimited(true)
	h.Ack(mss)
	h.Expect(5*mss, 5*mss)
	h.SetAppLimited(false)
	h.Ack(mss)
	h.Expect(6*mss, 5*mss)
}

func TestRenoSsthreshFloorWithTinyFlight(t *testing.T) {
	h := newReno(t)
	h.SetInflight(mss)
	h.Loss()
	h.Expect(2*mss, 2*mss)

	h = newReno(t)
	h.SetInflight(mss)
	h.ECN()
	h.Expect(2*mss, 2*mss)

	h = newReno(t)
	h.SetInflight(3*mss + 1)
	h.RTO()
	h.Expect(mss, 2*mss)

	// Above the floor, half of an odd flight rounds down to the byte.
	h = newReno(t)
	h.SetInflight(5*mss + 1)
	h.ECN()
	h.Expect(3650, 3650)
}
