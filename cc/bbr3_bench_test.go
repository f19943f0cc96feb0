package cc

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// bbr3AckStream is a steady ACK stream from a 100 Mbit/s, 20 ms path, one
// 1000-byte packet per ACK, so that a benchmark loop keeps bbr3 running
// through its whole state machine: Startup, Drain, the ProbeBW cycle every
// 2–3 s and ProbeRTT every 5 s. Every lossEvery-th ACK declares a packet
// lost and every eceEvery-th carries ECE (0: never).
type bbr3AckStream struct {
	ack                 Ack
	n                   int
	lossEvery, eceEvery int
}

const (
	bbr3BenchRTT      = 20 * units.Millisecond
	bbr3BenchFlight   = 250_000                          // one BDP at 100 Mbit/s
	bbr3BenchACKEvery = 80 * units.Microsecond           // 1000 bytes at 100 Mbit/s
	bbr3BenchInterval = bbr3BenchRTT + units.Microsecond // a sample just above min_rtt
)

func newBBR3AckStream(lossEvery, eceEvery int) *bbr3AckStream {
	return &bbr3AckStream{lossEvery: lossEvery, eceEvery: eceEvery, ack: Ack{
		Acked: bbr3TestMSS, RTT: bbr3BenchRTT, MinRTT: bbr3BenchRTT, SRTT: bbr3BenchRTT,
		Inflight: bbr3BenchFlight - bbr3TestMSS, PriorInflight: bbr3BenchFlight,
		Sent: bbr3BenchFlight,
	}}
}

// next advances the stream by one ACK and returns it.
func (s *bbr3AckStream) next() *Ack {
	s.n++
	a := &s.ack
	a.Now = a.Now.Add(bbr3BenchACKEvery)
	a.Delivered += bbr3TestMSS
	a.Sent += bbr3TestMSS
	a.Lost = 0
	if s.lossEvery > 0 && s.n%s.lossEvery == 0 {
		a.Lost = bbr3TestMSS
	}
	a.ECE = s.eceEvery > 0 && s.n%s.eceEvery == 0
	a.Rate = RateSample{
		Valid:          true,
		Delivered:      min(a.Delivered, bbr3BenchFlight),
		Interval:       bbr3BenchInterval,
		PriorDelivered: max(a.Delivered-bbr3BenchFlight, 0),
		RTT:            bbr3BenchRTT,
		TxInflight:     bbr3BenchFlight,
		LostSince:      int64(a.Lost),
	}
	return a
}

func BenchmarkBBR3OnAck(b *testing.B) {
	for _, c := range []struct {
		name                string
		lossEvery, eceEvery int
	}{
		{"steady", 0, 0},
		{"loss_and_ecn", 97, 13},
	} {
		b.Run(c.name, func(b *testing.B) {
			alg := new(bbr3)
			alg.Init(0, bbr3TestMSS, bbr3TestIW)
			s := newBBR3AckStream(c.lossEvery, c.eceEvery)
			b.ReportAllocs()
			for range b.N {
				alg.OnAck(s.next())
			}
		})
	}
}

func BenchmarkBBR3OnCongestion(b *testing.B) {
	alg := new(bbr3)
	alg.Init(0, bbr3TestMSS, bbr3TestIW)
	loss := Event{Kind: Loss, Inflight: bbr3BenchFlight}
	exit := Event{Kind: RecoveryExit}
	b.ReportAllocs()
	for range b.N {
		alg.OnCongestion(&loss)
		alg.OnCongestion(&exit)
	}
}

func TestBBR3ZeroAllocs(t *testing.T) {
	alg := new(bbr3)
	alg.Init(0, bbr3TestMSS, bbr3TestIW)
	s := newBBR3AckStream(97, 13)
	// Warm up into ProbeBW so the steady state is measured.
	for range 100_000 {
		alg.OnAck(s.next())
	}
	if !alg.inProbeBW() && alg.state != bbr3ProbeRTT {
		t.Fatalf("phase %s after warm-up, want ProbeBW or ProbeRTT", alg.Phase())
	}
	events := []Event{
		{Kind: Loss, Inflight: bbr3BenchFlight},
		{Kind: RecoveryExit},
		{Kind: ECN, Inflight: bbr3BenchFlight},
		{Kind: RTO, Inflight: bbr3BenchFlight},
		{Kind: IdleRestart},
	}
	var in Internals
	cases := []struct {
		name string
		run  func()
	}{
		{"OnAck", func() { alg.OnAck(s.next()) }},
		{"OnCongestion", func() {
			for i := range events {
				events[i].Now = s.ack.Now
				alg.OnCongestion(&events[i])
			}
		}},
		{"Inspect", func() { in.N = 0; alg.Inspect(&in) }},
		{"Phase", func() { _ = alg.Phase() }},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, allocs)
		}
	}
}
