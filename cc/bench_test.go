package cc

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The per-ACK path of an algorithm runs once for every acknowledgment the
// stack processes, so it must not allocate. The Ack and Event values live
// outside the measured code, as they do in the sender's connection struct:
// a pointer to a local passed through the interface would escape and be
// heap-allocated on every call.

const benchIW = 10 * testMSS

// renoInCA returns a Reno in congestion avoidance at cwnd = ssthresh = 5 MSS.
func renoInCA() CongestionControl {
	r := newReno()
	r.Init(0, testMSS, benchIW)
	r.OnCongestion(&Event{Kind: ECN, Inflight: benchIW})
	return r
}

func BenchmarkRenoOnAck(b *testing.B) {
	b.Run("slow_start", func(b *testing.B) {
		r := newReno()
		ack := Ack{Acked: testMSS}
		b.ReportAllocs()
		for i := range b.N {
			// Start over now and then so the window stays in slow start.
			if i%1024 == 0 {
				r.Init(0, testMSS, benchIW)
			}
			ack.Now = units.Time(i)
			r.OnAck(&ack)
		}
	})
	b.Run("congestion_avoidance", func(b *testing.B) {
		r := renoInCA()
		ack := Ack{Acked: testMSS}
		b.ReportAllocs()
		for i := range b.N {
			ack.Now = units.Time(i)
			r.OnAck(&ack)
		}
		if r.Phase() != PhaseCongestionAvoidance {
			b.Fatalf("phase %s, want congestion avoidance", r.Phase())
		}
	})
	b.Run("fast_recovery_dupack", func(b *testing.B) {
		r := newReno()
		r.Init(0, testMSS, benchIW)
		r.OnCongestion(&Event{Kind: Loss, Inflight: benchIW})
		ack := Ack{DupAck: true, InRecovery: true}
		b.ReportAllocs()
		for i := range b.N {
			ack.Now = units.Time(i)
			r.OnAck(&ack)
		}
	})
}

func BenchmarkRenoOnCongestion(b *testing.B) {
	r := newReno()
	r.Init(0, testMSS, benchIW)
	loss := Event{Kind: Loss, Inflight: benchIW}
	exit := Event{Kind: RecoveryExit}
	b.ReportAllocs()
	for range b.N {
		r.OnCongestion(&loss)
		r.OnCongestion(&exit)
	}
}

func BenchmarkMaxFilterUpdate(b *testing.B) {
	var f MaxFilter[units.Rate]
	b.ReportAllocs()
	for i := range b.N {
		// A sawtooth, so every branch of the filter is taken.
		f.Update(int64(i), 100, units.Rate(i%37))
	}
}

func TestRenoZeroAllocs(t *testing.T) {
	slowStart := newReno()
	slowStart.Init(0, testMSS, benchIW)
	ca := renoInCA()
	recovery := newReno()
	recovery.Init(0, testMSS, benchIW)
	recovery.OnCongestion(&Event{Kind: Loss, Inflight: benchIW})

	ack := Ack{Acked: testMSS}
	dup := Ack{DupAck: true, InRecovery: true}
	partial := Ack{Acked: testMSS, InRecovery: true}
	events := []Event{
		{Kind: Loss, Inflight: benchIW},
		{Kind: RecoveryExit},
		{Kind: ECN, Inflight: benchIW},
		{Kind: RTO, Inflight: benchIW},
		{Kind: IdleRestart},
	}
	var maxF MaxFilter[units.Rate]
	var minF MinFilter[units.Duration]
	var i int64

	cases := []struct {
		name string
		run  func()
	}{
		{"OnAck slow start", func() { slowStart.OnAck(&ack) }},
		{"OnAck congestion avoidance", func() { ca.OnAck(&ack) }},
		{"OnAck fast recovery", func() { recovery.OnAck(&dup); recovery.OnAck(&partial) }},
		{"OnCongestion", func() {
			for j := range events {
				ca.OnCongestion(&events[j])
			}
		}},
		{"Phase", func() { _ = ca.Phase() }},
		{"MaxFilter.Update", func() { i++; maxF.Update(i, 100, units.Rate(i%37)) }},
		{"MinFilter.Update", func() { i++; minF.Update(i, 100, units.Duration(i%37)) }},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, allocs)
		}
	}
}
