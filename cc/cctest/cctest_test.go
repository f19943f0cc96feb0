package cctest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

const mss = 1460

// recorder is an algorithm whose window the test sets by hand and which
// records every fact the harness hands it.
type recorder struct {
	cwnd, ssthresh int
	acks           []cc.Ack
	events         []cc.Event
	// cwndAfterRTO, if set, is the window the recorder takes on an RTO.
	cwndAfterRTO int
	// ignoreExit makes the recorder keep its window at RecoveryExit, the
	// mistake the harness must catch.
	ignoreExit bool
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Init(_ units.Time, _, initialWindow int) {
	r.cwnd, r.ssthresh = initialWindow, cc.InfiniteSsthresh
}
func (r *recorder) OnAck(a *cc.Ack) { r.acks = append(r.acks, *a) }
func (r *recorder) OnCongestion(e *cc.Event) {
	r.events = append(r.events, *e)
	switch {
	case e.Kind == cc.RTO && r.cwndAfterRTO > 0:
		r.cwnd = r.cwndAfterRTO
	case e.Kind == cc.Loss:
		r.ssthresh = max(e.Inflight/2, 2*mss)
	case e.Kind == cc.RecoveryExit && !r.ignoreExit:
		r.cwnd = e.Cwnd
	}
}
func (r *recorder) Cwnd() int              { return r.cwnd }
func (r *recorder) Ssthresh() int          { return r.ssthresh }
func (r *recorder) PacingRate() units.Rate { return 0 }
func (r *recorder) Phase() string          { return "recording" }
func (r *recorder) lastAck() cc.Ack        { return r.acks[len(r.acks)-1] }
func (r *recorder) lastEvent() cc.Event    { return r.events[len(r.events)-1] }
func (r *recorder) setCwnd(segments int)   { r.cwnd = segments * mss }

// fakeTB records failures instead of stopping the test, so the harness's
// own failure paths can be checked.
type fakeTB struct {
	testing.TB
	failures []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

func TestGreedySenderKeepsWindowFull(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	if h.Inflight() != 10*mss {
		t.Fatalf("in flight after New = %d, want the initial window %d", h.Inflight(), 10*mss)
	}

	rec.setCwnd(20) // as if the algorithm grew its window on this ACK
	h.Ack(mss)
	a := rec.lastAck()
	if a.Acked != mss || a.DupAck || a.PriorInflight != 10*mss || a.Inflight != 9*mss {
		t.Fatalf("ack facts = %+v, want Acked %d, PriorInflight %d, Inflight %d, not a dup", a, mss, 10*mss, 9*mss)
	}
	if h.Inflight() != 20*mss {
		t.Fatalf("in flight after the window grew = %d, want %d", h.Inflight(), 20*mss)
	}

	// A shrunken window takes nothing back: data already sent stays out.
	rec.setCwnd(5)
	h.Ack(mss)
	if h.Inflight() != 19*mss {
		t.Fatalf("in flight after the window shrank = %d, want %d", h.Inflight(), 19*mss)
	}
}

func TestDupAckLeavesFlightAlone(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.DupAck()
	a := rec.lastAck()
	if !a.DupAck || a.Acked != 0 || a.PriorInflight != 10*mss || a.Inflight != 10*mss {
		t.Fatalf("dup ack facts = %+v", a)
	}
}

func TestRecoveryFlagFollowsEvents(t *testing.T) {
	rec := &recorder{cwndAfterRTO: mss}
	h := New(t, rec, mss, 10*mss)
	h.AdvanceTime(5 * units.Millisecond)
	h.Loss()
	if e := rec.lastEvent(); e.Kind != cc.Loss || e.Inflight != 10*mss || e.Now != units.Time(5*units.Millisecond) {
		t.Fatalf("loss event = %+v, want loss at 5ms with %d in flight", e, 10*mss)
	}
	h.DupAck()
	if !rec.lastAck().InRecovery {
		t.Fatal("an ACK after Loss must carry InRecovery")
	}
	h.ExitRecovery()
	h.DupAck()
	if rec.lastAck().InRecovery {
		t.Fatal("an ACK after ExitRecovery must not carry InRecovery")
	}

	h.Loss()
	h.RTO()
	if e := rec.lastEvent(); e.Kind != cc.RTO || e.Inflight != 10*mss {
		t.Fatalf("rto event = %+v, want rto with %d in flight", e, 10*mss)
	}
	if h.Inflight() != mss {
		t.Fatalf("in flight after RTO = %d, want the new window %d (go-back-N)", h.Inflight(), mss)
	}
	h.Ack(mss)
	if rec.lastAck().InRecovery {
		t.Fatal("an RTO must end recovery")
	}
}

func TestRoundSpreadsAcksOverRTT(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 4*mss+500)
	h.SetRTT(100 * units.Millisecond)
	h.Round()

	wantAt := []units.Duration{20, 40, 60, 80, 100}
	wantAcked := []int{mss, mss, mss, mss, 500}
	if len(rec.acks) != len(wantAt) {
		t.Fatalf("round delivered %d ACKs, want %d", len(rec.acks), len(wantAt))
	}
	for i, a := range rec.acks {
		if a.Now != units.Time(wantAt[i]*units.Millisecond) || a.Acked != wantAcked[i] {
			t.Errorf("ack %d: at %v acking %d, want at %v acking %d", i, a.Now, a.Acked, wantAt[i]*units.Millisecond, wantAcked[i])
		}
	}
	if h.Now() != units.Time(100*units.Millisecond) {
		t.Fatalf("time after a round = %v, want 100ms", h.Now())
	}
}

func TestRTTFacts(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.Ack(mss)
	if a := rec.lastAck(); a.RTT != 0 || a.SRTT != 0 || a.MinRTT != 0 {
		t.Fatalf("before SetRTT an ACK carries no RTT: %+v", a)
	}
	h.SetRTT(50 * units.Millisecond)
	h.SetRTT(80 * units.Millisecond)
	h.Ack(mss)
	a := rec.lastAck()
	if a.RTT != 80*units.Millisecond || a.SRTT != 80*units.Millisecond || a.MinRTT != 50*units.Millisecond {
		t.Fatalf("RTT %v SRTT %v MinRTT %v, want 80ms 80ms 50ms", a.RTT, a.SRTT, a.MinRTT)
	}
}

func TestAppLimitedStopsRefill(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.SetAppLimited(true)
	rec.setCwnd(20)
	h.AckN(3, mss)
	if !rec.lastAck().AppLimited {
		t.Fatal("ACKs of an application-limited sender must carry AppLimited")
	}
	if h.Inflight() != 7*mss {
		t.Fatalf("in flight = %d, want %d: an application-limited sender sends nothing new", h.Inflight(), 7*mss)
	}
	h.SetAppLimited(false)
	if h.Inflight() != 20*mss {
		t.Fatalf("in flight = %d, want %d once the sender is greedy again", h.Inflight(), 20*mss)
	}
	h.SetInflight(3 * mss)
	if h.Inflight() != 3*mss {
		t.Fatalf("SetInflight: in flight = %d, want %d", h.Inflight(), 3*mss)
	}
}

func TestExpectNamesTheStep(t *testing.T) {
	tb := &fakeTB{TB: t}
	rec := &recorder{}
	h := New(tb, rec, mss, 10*mss)
	h.Ack(mss)
	h.Expect(10*mss, cc.InfiniteSsthresh)
	if len(tb.failures) != 0 {
		t.Fatalf("Expect failed on a match: %q", tb.failures)
	}
	rec.ssthresh = 7300 + 1
	h.Expect(11*mss, 7300)
	want := "recorder after step 1 (ack 1460 (1 MSS)): cwnd 14600 (10 MSS), want 16060 (11 MSS); " +
		"ssthresh 7301 (5.00 MSS), want 7300 (5 MSS)"
	if len(tb.failures) != 1 || tb.failures[0] != want {
		t.Fatalf("Expect failure = %q, want %q", tb.failures, want)
	}
	h.ExpectPhase("slow_start")
	if len(tb.failures) != 2 || !strings.Contains(tb.failures[1], `phase "recording", want "slow_start"`) {
		t.Fatalf("ExpectPhase failure = %q", tb.failures)
	}
}

func TestScriptMistakesFail(t *testing.T) {
	cases := []struct {
		name string
		run  func(h *Harness, rec *recorder)
		want string
	}{
		{"ack beyond flight", func(h *Harness, _ *recorder) { h.Ack(11 * mss) },
			"recorder at step 1 (ack 16060 (11 MSS)): an ACK must acknowledge between 1 byte and the 14600 bytes in flight"},
		{"empty ack", func(h *Harness, _ *recorder) { h.Ack(0) }, "an ACK must acknowledge"},
		{"dup ack with nothing out", func(h *Harness, _ *recorder) {
			h.SetAppLimited(true)
			h.SetInflight(0)
			h.DupAck()
		}, "a duplicate ACK needs data outstanding"},
		{"time backwards", func(h *Harness, _ *recorder) { h.AdvanceTime(-1) }, "time cannot go backwards"},
		{"zero rtt", func(h *Harness, _ *recorder) { h.SetRTT(0) }, "the RTT must be positive"},
		{"zero cwnd", func(h *Harness, rec *recorder) {
			rec.cwnd = 0
			h.DupAck()
		}, "cwnd 0 is not positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &fakeTB{TB: t}
			rec := &recorder{}
			h := New(tb, rec, mss, 10*mss)
			c.run(h, rec)
			if len(tb.failures) == 0 || !strings.Contains(tb.failures[0], c.want) {
				t.Fatalf("failures = %q, want one containing %q", tb.failures, c.want)
			}
		})
	}
}

func TestIdleRestartStartsWithNothingInFlight(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.IdleRestart()
	if e := rec.lastEvent(); e.Kind != cc.IdleRestart || e.Inflight != 0 {
		t.Fatalf("idle restart event = %+v, want nothing in flight", e)
	}
	if h.Inflight() != 10*mss {
		t.Fatalf("in flight after the restart = %d, want the window %d", h.Inflight(), 10*mss)
	}
}

func TestDeliveryCounters(t *testing.T) {
	rec := &recorder{cwndAfterRTO: mss}
	h := New(t, rec, mss, 10*mss)
	if h.Delivered() != 0 || h.Sent() != 10*mss {
		t.Fatalf("after New: delivered %d sent %d, want 0 and the initial window %d", h.Delivered(), h.Sent(), 10*mss)
	}

	// An ACK reports Sent as it stood before the sender answered it.
	h.Ack(mss)
	if a := rec.lastAck(); a.Delivered != mss || a.Sent != 10*mss {
		t.Fatalf("ack: Delivered %d Sent %d, want %d and %d", a.Delivered, a.Sent, mss, 10*mss)
	}
	if h.Sent() != 11*mss {
		t.Fatalf("sent after the refill = %d, want %d", h.Sent(), 11*mss)
	}
	// A duplicate ACK delivered one segment, counted as it arrives.
	h.DupAck()
	if a := rec.lastAck(); a.Delivered != 2*mss || a.Sent != 11*mss {
		t.Fatalf("dup ack: Delivered %d Sent %d, want %d and %d", a.Delivered, a.Sent, 2*mss, 11*mss)
	}

	// Go-back-N after an RTO resends; it sends nothing for the first time
	// until SND.NXT passes the old SND.MAX.
	// The timeout forgets the duplicate ACK's count, so the ACK after it
	// counts its segment again, as Linux's tcp_reset_reno_sack does.
	h.RTO()
	h.Ack(mss)
	if a := rec.lastAck(); a.Delivered != 3*mss || a.Sent != 11*mss {
		t.Fatalf("ack after RTO: Delivered %d Sent %d, want %d and %d", a.Delivered, a.Sent, 3*mss, 11*mss)
	}
	rec.setCwnd(20)
	h.Ack(mss) // SND.UNA 3 MSS: the window reaches 23 MSS, 12 beyond SND.MAX
	if h.Sent() != 23*mss {
		t.Fatalf("sent once the window passed SND.MAX = %d, want %d", h.Sent(), 23*mss)
	}

	// What SetInflight takes back is not unsent.
	h.SetInflight(5 * mss)
	h.SetInflight(8 * mss)
	if h.Sent() != 23*mss || h.Delivered() != 4*mss {
		t.Fatalf("after SetInflight: delivered %d sent %d, want %d and %d", h.Delivered(), h.Sent(), 4*mss, 23*mss)
	}
	h.SetInflight(25 * mss)
	if h.Sent() != 28*mss {
		t.Fatalf("SetInflight beyond SND.MAX: sent %d, want %d", h.Sent(), 28*mss)
	}

	// Idle means everything was acknowledged: SND.UNA is 28 segments,
	// and Delivered one more, the duplicate ACK counted before the
	// timeout and again after it.
	h.IdleRestart()
	if h.Delivered() != 29*mss || h.Sent() != 48*mss {
		t.Fatalf("after an idle restart: delivered %d sent %d, want %d and %d", h.Delivered(), h.Sent(), 29*mss, 48*mss)
	}
}

// TestRoundEndsAtSentOfItsStart checks that a Round acknowledges exactly
// what was sent before it, so the round-trip counting of cc.Ack works: the
// round's last ACK brings Delivered up to the Sent its first ACK reported.
func TestRoundEndsAtSentOfItsStart(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.SetRTT(10 * units.Millisecond)
	rec.setCwnd(20)
	h.Ack(mss) // the window grows: 20 MSS outstanding
	rec.acks = nil
	h.Round()
	first, last := rec.acks[0], rec.lastAck()
	if len(rec.acks) != 20 || last.Delivered != first.Sent || first.Sent != 21*mss {
		t.Fatalf("round of %d ACKs: first Sent %d, last Delivered %d; want 20 ACKs ending at %d", len(rec.acks), first.Sent, last.Delivered, 21*mss)
	}
}

func TestExitRecoveryHandsBackSsthresh(t *testing.T) {
	rec := &recorder{}
	h := New(t, rec, mss, 10*mss)
	h.Loss()
	h.ExitRecovery()
	if e := rec.lastEvent(); e.Kind != cc.RecoveryExit || e.Cwnd != 5*mss {
		t.Fatalf("recovery exit event = %+v, want Cwnd = ssthresh = %d", e, 5*mss)
	}
	if h.Cwnd() != 5*mss {
		t.Fatalf("cwnd after recovery = %d, want %d", h.Cwnd(), 5*mss)
	}

	// An algorithm that keeps its own window at RecoveryExit gets recovery
	// wrong, and the harness says so.
	f := &fakeTB{}
	h = New(f, &recorder{ignoreExit: true}, mss, 10*mss)
	h.Loss()
	h.ExitRecovery()
	if len(f.failures) == 0 {
		t.Fatal("the harness accepted an algorithm that ignored the window handed back at RecoveryExit")
	}
}
