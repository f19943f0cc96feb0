package cc_test

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// BBR's per-ACK path runs for every acknowledgment, so it must not
// allocate. The Ack and Event values live in a struct outside the measured
// code, as they do in the sender's connection: a pointer to a loop-local
// value passed through the interface would escape on every iteration.

// bbrSteady is BBR in ProbeBW on the 8 Mbit/s, 100 ms path with 150000
// bytes in flight, and the next ACK of that steady state.
type bbrSteady struct {
	alg cc.CongestionControl
	ack cc.Ack
}

func newBBRSteady(tb testing.TB) *bbrSteady {
	p := newBBRPath(tb, 0)
	p.toProbeBW(150000)
	p.tick(units.Millisecond)
	return &bbrSteady{alg: p.alg, ack: p.ack}
}

// next acknowledges one more segment a millisecond later; the sender sends
// one in its place.
func (s *bbrSteady) next() {
	s.ack.Now = s.ack.Now.Add(units.Millisecond)
	s.ack.Delivered += bbrMSS
	s.ack.Sent += bbrMSS
	s.ack.Rate.PriorDelivered += bbrMSS
	s.alg.OnAck(&s.ack)
}

func BenchmarkBBROnAck(b *testing.B) {
	s := newBBRSteady(b)
	b.ReportAllocs()
	for range b.N {
		s.next()
	}
	// A steady BBR spends 200 ms of every 10 s in ProbeRTT (its min_rtt
	// expires while the RTT stays the same), so a run of more than 10 000
	// ACKs may end there.
	if ph := s.alg.Phase(); ph != "probe_bw" && ph != "probe_rtt" {
		b.Fatalf("phase %s after the benchmark, want probe_bw or probe_rtt", ph)
	}
}

func BenchmarkBBROnCongestion(b *testing.B) {
	s := newBBRSteady(b)
	loss := cc.Event{Kind: cc.Loss, Inflight: 150000}
	exit := cc.Event{Kind: cc.RecoveryExit, Inflight: 150000}
	b.ReportAllocs()
	for range b.N {
		s.alg.OnCongestion(&loss)
		s.alg.OnCongestion(&exit)
	}
}

func BenchmarkBBRInspect(b *testing.B) {
	s := newBBRSteady(b)
	insp := s.alg.(cc.Inspector)
	var in cc.Internals
	b.ReportAllocs()
	for range b.N {
		in.N = 0
		insp.Inspect(&in)
	}
}

func TestBBRZeroAllocs(t *testing.T) {
	s := newBBRSteady(t)
	insp := s.alg.(cc.Inspector)
	events := []cc.Event{
		{Kind: cc.Loss, Inflight: 150000},
		{Kind: cc.RecoveryExit, Inflight: 150000},
		{Kind: cc.ECN, Inflight: 150000},
		{Kind: cc.RTO, Inflight: 150000},
		{Kind: cc.IdleRestart},
	}
	var in cc.Internals
	cases := []struct {
		name string
		run  func()
	}{
		{"OnAck", s.next},
		{"OnCongestion", func() {
			for i := range events {
				s.alg.OnCongestion(&events[i])
			}
		}},
		{"Inspect", func() { in.N = 0; insp.Inspect(&in) }},
		{"Phase and PacingRate", func() { _, _ = s.alg.Phase(), s.alg.PacingRate() }},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, allocs)
		}
	}
}
