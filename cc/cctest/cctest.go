// Package cctest drives a cc.CongestionControl through a script of ACKs and
// congestion events and checks the windows it answers with, so an
// algorithm's unit tests read like the timeline they describe:
//
//	h := cctest.New(t, alg, 1460, 10*1460)
//	h.AckN(10, 1460)
//	h.Expect(20*1460, cc.InfiniteSsthresh)
//	h.Loss()
//	h.Expect(10*1460, 10*1460)
//
// The harness plays the sender. It is a greedy, window-filling sender: after
// every step it sends new data until the bytes in flight reach cwnd (it
// never takes back data already sent when cwnd shrinks), so a congestion
// event sees the FlightSize a bulk transfer would have. In flight means
// SND.NXT − SND.UNA as in RFC 5681: duplicate ACKs do not reduce it. After
// an RTO the sender goes back to SND.UNA (go-back-N): everything
// outstanding is deemed lost and in flight starts again from the loss
// window; an idle restart likewise begins with nothing in flight.
// SetInflight overrides the figure at any point, and
// SetAppLimited(true) stops the refilling and marks ACKs application
// limited. A duplicate ACK reports one segment as Sacked, as the stack's
// sender does without SACK (Linux's emulated sacked_out).
//
// Between Loss and ExitRecovery the real sender sets the window itself
// (proportional rate reduction) and ignores the algorithm's; the harness
// keeps filling to the algorithm's cwnd, which is what the algorithm
// answers. ExitRecovery hands the window back as the sender does
// (Event.Cwnd = ssthresh) and fails the test if an algorithm that is not a
// cc.RecoveryController takes neither it nor a new ssthresh it sets there
// (see cc.RecoveryExit).
//
// Slow start grows by every byte an ACK acknowledges, as in Linux;
// SetSlowStartLimit sets RFC 3465's L (cc.Ack.SlowStartLimit) instead.
//
// Every ACK also carries the delivery counters a real sender keeps
// (cc.Ack.Delivered and Sent), so algorithms that count round trips by them
// (HyStart++, BBR) can be scripted. Delivered is SND.UNA less the ISN: every
// byte an ACK acknowledges counts once. Sent is SND.MAX less the ISN, as it
// stood when the ACK arrived, before the sender answered it with new data:
// it counts bytes sent for the first time, so what go-back-N resends after
// an RTO, or what SetInflight takes back and the sender sends again, does
// not raise it. An idle restart finds everything sent acknowledged, as
// idleness means, so Delivered catches up with Sent (no ACK is delivered for
// that).
//
// The path has a constant RTT set with SetRTT: every ACK carries it as the
// RTT sample and as SRTT, and MinRTT is the smallest value set so far. Time
// moves only by AdvanceTime and Round.
package cctest

import (
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Harness is one scripted connection around an algorithm.
type Harness struct {
	t   testing.TB
	alg cc.CongestionControl
	mss int

	now        units.Time
	rtt        units.Duration
	minRTT     units.Duration
	inflight   int
	inRecovery bool
	appLimited bool
	ssLimit    int

	// delivered and sent are SND.UNA and SND.MAX relative to the ISN.
	// SND.NXT is delivered + inflight. reported is cc.Ack's Delivered:
	// what the receiver has acknowledged, each duplicate ACK counted as
	// one segment as it arrives; early is what duplicate ACKs counted
	// that no cumulative ACK has covered yet (the stack's renoSacked).
	delivered, sent int64
	reported        int64
	early           int

	// step counts the verbs run so far; verb and arg describe the last one
	// for failure messages, formatted only when something fails.
	step int
	verb string
	arg  int

	ack cc.Ack
	ev  cc.Event
}

// New initializes alg for a connection with the given sender MSS and
// initial window (both in bytes) at time 0, and fills the initial window.
func New(t testing.TB, alg cc.CongestionControl, mss, initialWindow int) *Harness {
	t.Helper()
	if mss <= 0 || initialWindow <= 0 {
		t.Fatalf("cctest.New: mss %d and initial window %d must be positive", mss, initialWindow)
	}
	h := &Harness{t: t, alg: alg, mss: mss, verb: "init", arg: initialWindow}
	alg.Init(h.now, mss, initialWindow)
	h.settle()
	return h
}

// Alg is the algorithm under test.
func (h *Harness) Alg() cc.CongestionControl { return h.alg }

// Now is the harness's current time.
func (h *Harness) Now() units.Time { return h.now }

// Inflight is the bytes the sender has in flight.
func (h *Harness) Inflight() int { return h.inflight }

// Delivered is the bytes delivered so far as cc.Ack.Delivered counts them,
// each duplicate ACK as one segment.
func (h *Harness) Delivered() int64 { return h.reported }

// Sent is the bytes sent for the first time so far (cc.Ack.Sent).
func (h *Harness) Sent() int64 { return h.sent }

// Cwnd is the algorithm's congestion window.
func (h *Harness) Cwnd() int { return h.alg.Cwnd() }

// Ssthresh is the algorithm's slow-start threshold.
func (h *Harness) Ssthresh() int { return h.alg.Ssthresh() }

// Ack delivers one ACK that newly acknowledges bytes (a positive number, at
// most what is in flight).
func (h *Harness) Ack(bytes int) {
	h.t.Helper()
	h.begin("ack", bytes)
	if bytes <= 0 || bytes > h.inflight {
		h.fail("an ACK must acknowledge between 1 byte and the %d bytes in flight", h.inflight)
		return
	}
	h.deliverAck(bytes)
}

// AckN delivers n ACKs, each newly acknowledging bytes.
func (h *Harness) AckN(n, bytes int) {
	h.t.Helper()
	for range n {
		h.Ack(bytes)
	}
}

// DupAck delivers one duplicate ACK (RFC 5681 §2): nothing newly
// acknowledged, in flight unchanged.
func (h *Harness) DupAck() {
	h.t.Helper()
	h.begin("dup ack", 0)
	if h.inflight == 0 {
		h.fail("a duplicate ACK needs data outstanding")
		return
	}
	h.deliverAck(0)
}

// Round delivers the ACKs for everything in flight, one per MSS (the last
// may be shorter), spread evenly over one RTT; time advances by the RTT.
// Data sent during the round is acknowledged in the next one.
func (h *Harness) Round() {
	h.t.Helper()
	total := h.inflight
	count := (total + h.mss - 1) / h.mss
	start := h.now
	for i := 1; i <= count; i++ {
		h.now = start.Add(h.rtt * units.Duration(i) / units.Duration(count))
		h.Ack(min(h.mss, total))
		total -= h.mss
	}
	h.now = start.Add(h.rtt)
}

// Loss tells the algorithm that the sender detected a loss and is entering
// fast recovery; ACKs carry InRecovery until ExitRecovery or RTO.
func (h *Harness) Loss() {
	h.t.Helper()
	h.begin("loss", 0)
	h.inRecovery = true
	h.congestion(cc.Loss)
}

// ECN tells the algorithm that an ACK echoed a congestion mark.
func (h *Harness) ECN() {
	h.t.Helper()
	h.begin("ecn", 0)
	h.congestion(cc.ECN)
}

// RTO tells the algorithm that the retransmission timer expired. The sender
// leaves recovery and goes back to SND.UNA.
func (h *Harness) RTO() {
	h.t.Helper()
	h.begin("rto", 0)
	h.inRecovery = false
	h.congestion(cc.RTO)
	h.inflight = 0
	h.settle()
}

// ExitRecovery tells the algorithm that fast recovery is over.
func (h *Harness) ExitRecovery() {
	h.t.Helper()
	h.begin("recovery exit", 0)
	h.inRecovery = false
	h.ev = cc.Event{Kind: cc.RecoveryExit, Now: h.now, Inflight: h.inflight, Cwnd: h.alg.Ssthresh()}
	h.alg.OnCongestion(&h.ev)
	if got := h.alg.Cwnd(); got != h.ev.Cwnd && got != h.alg.Ssthresh() && !cc.ControlsRecovery(h.alg) {
		h.fail("cwnd %s after RecoveryExit, want the %s the sender hands back (or a new ssthresh)", h.bytes(got), h.bytes(h.ev.Cwnd))
	}
	h.settle()
}

// SetSlowStartLimit sets the most slow start may grow cwnd on one ACK, in
// bytes (RFC 3465's L, cc.Ack.SlowStartLimit); 0, the default, is Linux's
// rule, no limit.
func (h *Harness) SetSlowStartLimit(bytes int) {
	h.t.Helper()
	h.begin("set slow-start limit", bytes)
	if bytes < 0 {
		h.fail("the slow-start limit cannot be negative")
		return
	}
	h.ssLimit = bytes
}

// IdleRestart tells the algorithm that the sender resumes after an idle
// period longer than the RTO. Being idle, it has nothing in flight:
// everything it sent has been acknowledged.
func (h *Harness) IdleRestart() {
	h.t.Helper()
	h.begin("idle restart", 0)
	h.inflight = 0
	h.reported += max(h.sent-h.delivered-int64(h.early), 0)
	h.delivered, h.early = h.sent, 0
	h.congestion(cc.IdleRestart)
}

// AdvanceTime moves the clock forward by d.
func (h *Harness) AdvanceTime(d units.Duration) {
	h.t.Helper()
	h.begin("advance time", int(d))
	if d < 0 {
		h.fail("time cannot go backwards")
		return
	}
	h.now = h.now.Add(d)
}

// SetRTT sets the path's round-trip time, carried by every later ACK.
func (h *Harness) SetRTT(d units.Duration) {
	h.t.Helper()
	h.begin("set rtt", int(d))
	if d <= 0 {
		h.fail("the RTT must be positive")
		return
	}
	h.rtt = d
	if h.minRTT == 0 || d < h.minRTT {
		h.minRTT = d
	}
}

// SetInflight sets the bytes in flight, overriding the greedy sender's
// figure until the next step refills it.
func (h *Harness) SetInflight(bytes int) {
	h.t.Helper()
	h.begin("set inflight", bytes)
	if bytes < 0 {
		h.fail("bytes in flight cannot be negative")
		return
	}
	h.setInflight(bytes)
}

// SetAppLimited makes the sender application limited (on) or greedy again.
// While it is application limited ACKs carry AppLimited and the sender
// sends nothing new.
func (h *Harness) SetAppLimited(on bool) {
	h.t.Helper()
	h.begin("set app limited", boolArg(on))
	h.appLimited = on
	h.settle()
}

// Expect fails the test unless cwnd and ssthresh are exactly as given.
func (h *Harness) Expect(cwnd, ssthresh int) {
	h.t.Helper()
	gotCwnd, gotSsthresh := h.alg.Cwnd(), h.alg.Ssthresh()
	if gotCwnd == cwnd && gotSsthresh == ssthresh {
		return
	}
	h.t.Fatalf("%s after step %d (%s): cwnd %s, want %s; ssthresh %s, want %s",
		h.alg.Name(), h.step, h.describe(),
		h.bytes(gotCwnd), h.bytes(cwnd), h.bytes(gotSsthresh), h.bytes(ssthresh))
}

// ExpectPhase fails the test unless the algorithm reports phase.
func (h *Harness) ExpectPhase(phase string) {
	h.t.Helper()
	if got := h.alg.Phase(); got != phase {
		h.t.Fatalf("%s after step %d (%s): phase %q, want %q", h.alg.Name(), h.step, h.describe(), got, phase)
	}
}

func (h *Harness) deliverAck(acked int) {
	h.t.Helper()
	prior := h.inflight
	h.inflight -= acked
	// As the stack reports them: a duplicate ACK delivered one segment;
	// a cumulative ACK newly delivers what duplicate ACKs did not count,
	// and at least the segment that filled the hole (Linux's
	// tcp_add_reno_sack and tcp_remove_reno_sacks).
	sacked, newly := 0, 0
	if acked == 0 {
		sacked = h.mss
		h.early += h.mss
	} else {
		newly = max(acked-h.early, min(acked, h.mss))
		h.early = max(h.early-max(acked-h.mss, 0), 0)
	}
	h.delivered += int64(acked)
	h.reported += int64(sacked + newly)
	h.ack = cc.Ack{
		Now:            h.now,
		Acked:          newly,
		Sacked:         sacked,
		DupAck:         acked == 0,
		SlowStartLimit: h.ssLimit,
		RTT:            h.rtt,
		MinRTT:         h.minRTT,
		SRTT:           h.rtt,
		PriorInflight:  prior,
		Inflight:       h.inflight,
		InRecovery:     h.inRecovery,
		AppLimited:     h.appLimited,
		Delivered:      h.reported,
		Sent:           h.sent,
	}
	h.alg.OnAck(&h.ack)
	h.settle()
}

func (h *Harness) congestion(kind cc.EventKind) {
	h.t.Helper()
	if kind == cc.RTO || kind == cc.RecoveryExit {
		// A timeout forgets what duplicate ACKs counted, and the end of
		// recovery comes with everything they stood for acknowledged
		// (the stack's renoSacked, Linux's tcp_reset_reno_sack).
		h.early = 0
	}
	h.ev = cc.Event{Kind: kind, Now: h.now, Inflight: h.inflight}
	h.alg.OnCongestion(&h.ev)
	h.settle()
}

// settle checks the invariants every algorithm keeps and lets the greedy
// sender fill the window.
func (h *Harness) settle() {
	h.t.Helper()
	if cwnd := h.alg.Cwnd(); cwnd <= 0 {
		h.fail("cwnd %d is not positive", cwnd)
	}
	if ssthresh := h.alg.Ssthresh(); ssthresh <= 0 {
		h.fail("ssthresh %d is not positive", ssthresh)
	}
	if h.alg.Phase() == "" {
		h.fail("phase is empty")
	}
	if !h.appLimited {
		h.setInflight(max(h.inflight, h.alg.Cwnd()))
	}
}

// setInflight puts SND.NXT at SND.UNA + bytes; whatever goes beyond SND.MAX
// is sent for the first time.
func (h *Harness) setInflight(bytes int) {
	h.inflight = bytes
	h.sent = max(h.sent, h.delivered+int64(bytes))
}

func (h *Harness) begin(verb string, arg int) {
	h.step++
	h.verb, h.arg = verb, arg
}

func (h *Harness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s at step %d (%s): %s", h.alg.Name(), h.step, h.describe(), fmt.Sprintf(format, args...))
}

func (h *Harness) describe() string {
	switch h.verb {
	case "ack", "set inflight", "init":
		return fmt.Sprintf("%s %s", h.verb, h.bytes(h.arg))
	case "advance time", "set rtt":
		return fmt.Sprintf("%s %v", h.verb, units.Duration(h.arg))
	case "set app limited":
		return fmt.Sprintf("%s %t", h.verb, h.arg != 0)
	default:
		return h.verb
	}
}

// bytes formats a window for people, in bytes and in segments.
func (h *Harness) bytes(n int) string {
	switch {
	case n == cc.InfiniteSsthresh:
		return "infinite"
	case n%h.mss == 0:
		return fmt.Sprintf("%d (%d MSS)", n, n/h.mss)
	default:
		return fmt.Sprintf("%d (%.2f MSS)", n, float64(n)/float64(h.mss))
	}
}

func boolArg(b bool) int {
	if b {
		return 1
	}
	return 0
}

// StandInForKernelModules makes every "kernel:NAME" resolve to the
// registered algorithm stand (reno, say), for tests that load experiment
// files naming Linux's modules but check only the files' settings:
// package kernelcc, which compiles the modules in the ccbench command,
// is not linked into them. Call it once, from an init function.
func StandInForKernelModules(stand string) {
	f := func() cc.CongestionControl {
		a, err := cc.New(stand)
		if err != nil {
			panic(err)
		}
		return a
	}
	if err := cc.RegisterResolver("kernel", func(string) (cc.Factory, error) { return f, nil }); err != nil {
		panic(err)
	}
}
