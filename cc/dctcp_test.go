package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
)

// dctcpFlow is a sender with a fixed number of segments in flight whose
// ACKs carry ECE as a script says, so that DCTCP's observation windows
// have sizes known in advance. Every ACK acknowledges one segment, and the
// sender answers it with one new segment. It raises the ECN event the way
// the stack does (RFC 3168 §6.1.2): on an ECE-carrying ACK whose prior
// SND.UNA has reached the SND.NXT recorded at the last reduction, so at
// most once per window of data.
//
// With n segments in flight, the first window is the first n+1 ACKs and
// every later one n ACKs: a window that begins at an ACK when n segments
// are outstanding ends at the first ACK of a segment sent after it.
type dctcpFlow struct {
	t   *testing.T
	alg cc.CongestionControl

	sent, delivered int64 // bytes: SND.NXT and SND.UNA less the ISN
	cwrEnd          int64
	cuts            int

	ack cc.Ack
	ev  cc.Event
}

func newDCTCP(t *testing.T) cc.CongestionControl {
	t.Helper()
	alg, err := cc.New("dctcp")
	if err != nil {
		t.Fatal(err)
	}
	return alg
}

func newDCTCPFlow(t *testing.T, inflightSegments int) *dctcpFlow {
	f := &dctcpFlow{t: t, alg: newDCTCP(t)}
	f.alg.Init(0, mss, iw)
	f.sent = int64(inflightSegments * mss)
	return f
}

// acks delivers one ACK per byte of script: 'M' for an ACK carrying ECE,
// '.' for one without.
func (f *dctcpFlow) acks(script string) {
	f.t.Helper()
	for _, c := range []byte(script) {
		ece := c == 'M'
		if !ece && c != '.' {
			f.t.Fatalf("script %q: %q is neither 'M' nor '.'", script, c)
		}
		prior := f.delivered
		f.delivered += mss
		if ece && prior >= f.cwrEnd {
			f.cwrEnd = f.sent
			f.cuts++
			f.ev = cc.Event{Kind: cc.ECN, Inflight: int(f.sent - prior)}
			f.alg.OnCongestion(&f.ev)
		}
		f.ack = cc.Ack{
			Acked:         mss,
			ECE:           ece,
			Delivered:     f.delivered,
			Sent:          f.sent,
			PriorInflight: int(f.sent - prior),
			Inflight:      int(f.sent - f.delivered),
		}
		f.alg.OnAck(&f.ack)
		f.sent += mss
	}
}

// expect fails unless α (in units of 1/1024, as Linux keeps it), cwnd,
// ssthresh and the number of window cuts so far are as given.
func (f *dctcpFlow) expect(alpha int, cwnd, ssthresh, cuts int) {
	f.t.Helper()
	gotAlpha := inspect(f.t, f.alg, "alpha") * 1024
	if gotAlpha != float64(alpha) || f.alg.Cwnd() != cwnd || f.alg.Ssthresh() != ssthresh || f.cuts != cuts {
		f.t.Fatalf("after %d bytes delivered: alpha %v/1024, cwnd %d, ssthresh %d, %d cuts; want %d/1024, %d, %d, %d",
			f.delivered, gotAlpha, f.alg.Cwnd(), f.alg.Ssthresh(), f.cuts, alpha, cwnd, ssthresh, cuts)
	}
}

// inspect returns the named internal value the algorithm reports.
func inspect(t *testing.T, alg cc.CongestionControl, name string) float64 {
	t.Helper()
	ins, ok := alg.(cc.Inspector)
	if !ok {
		t.Fatalf("%s does not implement cc.Inspector", alg.Name())
	}
	var in cc.Internals
	ins.Inspect(&in)
	for i := range in.N {
		if in.Names[i] == name {
			return in.Values[i]
		}
	}
	t.Fatalf("%s reports no %q", alg.Name(), name)
	return 0
}

// TestDCTCPAlphaAndCutPerWindow scripts four windows with marked fractions
// F = 0, 1, 1/2 and 3/10 and checks α, in Linux's fixed point, at every
// window's end, and the one cut cwnd − cwnd·α/2048 each marked window
// makes with the α of the window before.
func TestDCTCPAlphaAndCutPerWindow(t *testing.T) {
	f := newDCTCPFlow(t, 10)
	f.expect(1024, iw, inf, 0)

	// Window 1, F = 0: 11 ACKs (the first window also holds the ACK that
	// opens it). α = 1024 − 1024>>4 = 960, at the 11th ACK and not before.
	// Slow start grows cwnd by one segment per ACK.
	f.acks("..........")
	f.expect(1024, 20*mss, inf, 0)
	f.acks(".")
	f.expect(960, 21*mss, inf, 0)

	// Window 2, F = 1. Its first ACK cuts with α = 960:
	// 30660 − 30660·960>>11 = 30660 − 14371 = 16289. The other nine marked
	// ACKs do not cut again, and 14600 bytes in congestion avoidance do
	// not reach the 16289 that would earn a segment.
	// α = 960 − 60 + (14600<<6)/14600 = 964.
	f.acks("M")
	f.expect(960, 16289, 16289, 1)
	f.acks("MMMMMMMM")
	f.expect(960, 16289, 16289, 1)
	f.acks("M")
	f.expect(964, 16289, 16289, 1)
	if got := inspect(t, f.alg, "marked_fraction"); got != 1 {
		t.Fatalf("marked_fraction after an all-marked window = %v, want 1", got)
	}

	// Window 3, F = 1/2: cut with α = 964: 16289 − 15702596>>11 = 16289 −
	// 7667 = 8622. Six ACKs (8760 bytes) earn one segment: 10082.
	// α = 964 − 60 + 32 = 936.
	f.acks("M")
	f.expect(964, 8622, 8622, 2)
	f.acks(".M.M.M.M.")
	f.expect(936, 10082, 8622, 2)
	if got := inspect(t, f.alg, "marked_fraction"); got != 0.5 {
		t.Fatalf("marked_fraction = %v, want 0.5", got)
	}

	// Window 4, F = 3/10: the increment (3·1460<<6)/(10·1460) = 19.2 is
	// truncated as Linux truncates it: α = 936 − 58 + 19 = 897. The cut
	// uses α = 936: 10082 − 9436752>>11 = 10082 − 4607 = 5475; ten ACKs in
	// congestion avoidance earn two segments (at 5475 bytes, then 6935 more).
	f.acks("MMM.......")
	f.expect(897, 5475+2*mss, 5475, 3)
}

// TestDCTCPAlphaDecaysToZero: windows without marks shrink α by α>>4, and
// below 16, where that is 0, to zero at once (Linux's min_not_zero), so
// α reaches 0 after 75 windows instead of sticking at 15/1024.
func TestDCTCPAlphaDecaysToZero(t *testing.T) {
	f := newDCTCPFlow(t, 4)
	f.acks(".....") // the first window: n+1 ACKs
	f.expect(960, 15*mss, inf, 0)
	want := []int{900, 844, 792, 743}
	for _, a := range want {
		f.acks("....")
		if got := inspect(t, f.alg, "alpha") * 1024; got != float64(a) {
			t.Fatalf("alpha = %v/1024, want %d/1024", got, a)
		}
	}
	for range 75 - 1 - len(want) - 1 {
		f.acks("....")
	}
	if got := inspect(t, f.alg, "alpha") * 1024; got == 0 || got >= 16 {
		t.Fatalf("alpha after 74 unmarked windows = %v/1024, want in [1, 15]", got)
	}
	f.acks("....")
	if got := inspect(t, f.alg, "alpha"); got != 0 {
		t.Fatalf("alpha after 75 unmarked windows = %v, want 0", got)
	}

	// At α = 0 a marked window cuts nothing: cwnd·0/2048 = 0.
	cwnd := f.alg.Cwnd()
	f.acks("M")
	if f.cuts != 1 || f.alg.Cwnd() != cwnd || f.alg.Ssthresh() != cwnd {
		t.Fatalf("cut at alpha 0: %d cuts, cwnd %d, ssthresh %d; want 1, %d, %d",
			f.cuts, f.alg.Cwnd(), f.alg.Ssthresh(), cwnd, cwnd)
	}
}

// TestDCTCPAlphaSaturates: sustained marking drives α to exactly 1 and no
// further.
func TestDCTCPAlphaSaturates(t *testing.T) {
	f := newDCTCPFlow(t, 4)
	for range 200 {
		f.acks("MMMM")
	}
	if got := inspect(t, f.alg, "alpha"); got != 1 {
		t.Fatalf("alpha after 200 all-marked windows = %v, want 1", got)
	}
}

// TestDCTCPMarkedAcksDoNotCut: ACKs carrying ECE feed α; only the ECN event
// the sender raises (once per window) reduces the window, and between
// events marked ACKs grow the window exactly as unmarked ones do.
func TestDCTCPMarkedAcksDoNotCut(t *testing.T) {
	alg := newDCTCP(t)
	alg.Init(0, mss, iw)
	alg.OnCongestion(&cc.Event{Kind: cc.ECN, Inflight: iw})
	if alg.Cwnd() != 5*mss || alg.Ssthresh() != 5*mss {
		t.Fatalf("after the first ECN event: cwnd %d, ssthresh %d; want %d, %d (alpha = 1 halves)",
			alg.Cwnd(), alg.Ssthresh(), 5*mss, 5*mss)
	}
	var delivered int64
	ack := func(ece bool) {
		delivered += mss
		alg.OnAck(&cc.Ack{Acked: mss, ECE: ece, Delivered: delivered, Sent: delivered + 5*mss})
	}
	// Reno's congestion avoidance, marks or not: +1 MSS per cwnd acked.
	for range 4 {
		ack(true)
	}
	if alg.Cwnd() != 5*mss {
		t.Fatalf("cwnd %d after 4 MSS acked at 5 MSS, want %d", alg.Cwnd(), 5*mss)
	}
	ack(true)
	if alg.Cwnd() != 6*mss {
		t.Fatalf("cwnd %d after 5 marked MSS acked at 5 MSS, want %d", alg.Cwnd(), 6*mss)
	}
	for range 6 {
		ack(true)
	}
	if alg.Cwnd() != 7*mss {
		t.Fatalf("cwnd %d after 6 marked MSS acked at 6 MSS, want %d", alg.Cwnd(), 7*mss)
	}
	if alg.Phase() != cc.PhaseCongestionAvoidance {
		t.Fatalf("phase %q, want %q", alg.Phase(), cc.PhaseCongestionAvoidance)
	}
}

// TestDCTCPCutsCwndNotFlight: the ECN response reduces cwnd, not FlightSize
// as Reno's does, and never below two segments.
func TestDCTCPCutsCwndNotFlight(t *testing.T) {
	h := cctest.New(t, newDCTCP(t), mss, iw)
	h.AckN(10, mss)
	h.SetInflight(4 * mss)
	h.ECN()
	h.Expect(10*mss, 10*mss) // Reno: max(4/2, 2) = 2 MSS
	h.ExpectPhase(cc.PhaseCongestionAvoidance)

	// 3 MSS · (1 − 1/2) = 1.5 MSS, raised to the 2 MSS floor.
	h = cctest.New(t, newDCTCP(t), mss, 3*mss)
	h.ECN()
	h.Expect(2*mss, 2*mss)

	// An odd window is halved to the byte: 21901 − 21901·1024>>11.
	h = cctest.New(t, newDCTCP(t), mss, 15*mss+1)
	h.ECN()
	h.Expect(10951, 10951)
}

// renoStep is one step of a script run on Reno and DCTCP side by side.
type renoStep struct {
	name string
	do   func(h *cctest.Harness)
}

// TestDCTCPIsRenoWithoutMarks: with no ECN events DCTCP is Reno, step by
// step: slow start, congestion avoidance, fast recovery, timeouts, idle
// restart, application-limited ACKs (RFC 8257 §3.3, §3.4).
func TestDCTCPIsRenoWithoutMarks(t *testing.T) {
	steps := []renoStep{
		{"slow start", func(h *cctest.Harness) { h.AckN(10, mss) }},
		{"delayed acks", func(h *cctest.Harness) { h.AckN(5, seg2) }},
		{"dup acks", func(h *cctest.Harness) { h.DupAck(); h.DupAck(); h.DupAck() }},
		{"loss", func(h *cctest.Harness) { h.Loss() }},
		{"inflation", func(h *cctest.Harness) { h.DupAck(); h.DupAck() }},
		{"partial ack", func(h *cctest.Harness) { h.Ack(5 * mss) }},
		{"recovery exit", func(h *cctest.Harness) { h.Ack(h.Inflight()); h.ExitRecovery() }},
		{"congestion avoidance", func(h *cctest.Harness) { h.AckN(40, mss) }},
		{"app limited", func(h *cctest.Harness) { h.SetAppLimited(true); h.AckN(3, mss); h.SetAppLimited(false) }},
		{"rto", func(h *cctest.Harness) { h.RTO() }},
		{"second rto", func(h *cctest.Harness) { h.RTO() }},
		{"slow start again", func(h *cctest.Harness) { h.AckN(30, mss) }},
		{"idle restart", func(h *cctest.Harness) { h.IdleRestart() }},
		{"round", func(h *cctest.Harness) { h.Round() }},
	}
	reno := newReno(t)
	dctcp := cctest.New(t, newDCTCP(t), mss, iw)
	for _, s := range steps {
		s.do(reno)
		s.do(dctcp)
		if reno.Cwnd() != dctcp.Cwnd() || reno.Ssthresh() != dctcp.Ssthresh() || reno.Alg().Phase() != dctcp.Alg().Phase() {
			t.Fatalf("after %s: dctcp cwnd %d, ssthresh %d, %s; reno %d, %d, %s", s.name,
				dctcp.Cwnd(), dctcp.Ssthresh(), dctcp.Alg().Phase(), reno.Cwnd(), reno.Ssthresh(), reno.Alg().Phase())
		}
	}
}

// TestDCTCPLossKeepsAlpha: a loss is answered as Reno answers it, and α is
// left as measured (Linux's dctcp_clamp_alpha_on_loss is off by default).
func TestDCTCPLossKeepsAlpha(t *testing.T) {
	f := newDCTCPFlow(t, 10)
	f.acks("...........") // α = 960, cwnd 21 MSS
	f.ev = cc.Event{Kind: cc.Loss, Inflight: 21 * mss}
	f.alg.OnCongestion(&f.ev)
	f.expect(960, 10*mss+mss/2, 10*mss+mss/2, 0)
	if f.alg.Phase() != cc.PhaseFastRecovery {
		t.Fatalf("phase %q, want %q", f.alg.Phase(), cc.PhaseFastRecovery)
	}
	f.ev = cc.Event{Kind: cc.RTO, Inflight: 21 * mss}
	f.alg.OnCongestion(&f.ev)
	f.expect(960, mss, 10*mss+mss/2, 0)
}

func TestDCTCPInitResetsAlpha(t *testing.T) {
	f := newDCTCPFlow(t, 4)
	f.acks(".........")
	if got := inspect(t, f.alg, "alpha"); got == 1 {
		t.Fatal("alpha did not move in two unmarked windows")
	}
	f.alg.Init(0, mss, iw)
	if got := inspect(t, f.alg, "alpha"); got != 1 {
		t.Fatalf("alpha after Init = %v, want 1", got)
	}
	if got := inspect(t, f.alg, "marked_fraction"); got != 0 {
		t.Fatalf("marked_fraction after Init = %v, want 0", got)
	}
	if f.alg.Cwnd() != iw || f.alg.Ssthresh() != inf {
		t.Fatalf("after Init: cwnd %d, ssthresh %d; want %d, %d", f.alg.Cwnd(), f.alg.Ssthresh(), iw, inf)
	}
}

// TestDCTCPStretchAndSACKCounting: bytes are counted from the growth of
// Delivered, so a cumulative ACK of data already SACKed adds nothing, and
// marked bytes are those the ECE-carrying ACK newly delivered.
func TestDCTCPStretchAndSACKCounting(t *testing.T) {
	alg := newDCTCP(t)
	alg.Init(0, mss, iw)
	acks := []cc.Ack{
		// Opens the first window, which ends once a byte past 10 MSS is
		// delivered.
		{Acked: mss, Delivered: 1 * mss, Sent: 10 * mss},
		// A SACK of 3 MSS, marked.
		{DupAck: true, Sacked: 3 * mss, ECE: true, Delivered: 4 * mss, Sent: 10 * mss},
		// The cumulative ACK over the SACKed data and 2 MSS more: only the
		// 2 MSS are new.
		{Acked: 5 * mss, Delivered: 6 * mss, Sent: 12 * mss},
		// A stretch ACK of 6 MSS past the window's end, marked: 9 of the
		// window's 12 MSS were.
		{Acked: 6 * mss, ECE: true, Delivered: 12 * mss, Sent: 14 * mss},
	}
	for i := range acks {
		alg.OnAck(&acks[i])
	}
	if got := inspect(t, alg, "marked_fraction"); got != 9.0/12 {
		t.Fatalf("marked_fraction = %v, want 9/12", got)
	}
	// 1024 − 64 + (9·1460<<6)/(12·1460) = 960 + 48.
	if got := inspect(t, alg, "alpha") * 1024; got != 1008 {
		t.Fatalf("alpha = %v/1024, want 1008/1024", got)
	}
}

func TestDCTCPDescribesItself(t *testing.T) {
	alg := newDCTCP(t)
	if !cc.NeedsExactECNEcho(alg) {
		t.Fatal("dctcp does not ask for exact ECN echo (RFC 8257 §3.2)")
	}
	if reno, _ := cc.New("reno"); cc.NeedsExactECNEcho(reno) {
		t.Fatal("reno asks for exact ECN echo; RFC 3168 echo is its due")
	}
	if cc.Describe("dctcp") == "" {
		t.Fatal("dctcp has no description")
	}
	if r := alg.PacingRate(); r != 0 {
		t.Fatalf("PacingRate = %v, want 0", r)
	}
}
