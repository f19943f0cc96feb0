package cc

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// dctcpInCA returns a DCTCP in congestion avoidance at cwnd = ssthresh = 5
// MSS, after one ECN response at α = 1.
func dctcpInCA() CongestionControl {
	d := newDCTCP()
	d.Init(0, testMSS, benchIW)
	d.OnCongestion(&Event{Kind: ECN, Inflight: benchIW})
	return d
}

// dctcpAck advances ack by one segment of a sender keeping 20 segments in
// flight, every fourth ACK carrying ECE, so observation windows end every
// 20 ACKs and α is updated with a marked fraction.
func dctcpAck(ack *Ack, i int) {
	ack.Now = units.Time(i)
	ack.Delivered += testMSS
	ack.Sent = ack.Delivered + 20*testMSS
	ack.ECE = i%4 == 0
}

func BenchmarkDCTCPOnAck(b *testing.B) {
	b.Run("slow_start", func(b *testing.B) {
		d := newDCTCP()
		ack := Ack{Acked: testMSS}
		b.ReportAllocs()
		for i := range b.N {
			if i%1024 == 0 {
				d.Init(0, testMSS, benchIW)
				ack.Delivered = 0
			}
			dctcpAck(&ack, i)
			d.OnAck(&ack)
		}
	})
	b.Run("congestion_avoidance_marked", func(b *testing.B) {
		d := dctcpInCA()
		ack := Ack{Acked: testMSS}
		b.ReportAllocs()
		for i := range b.N {
			dctcpAck(&ack, i)
			d.OnAck(&ack)
		}
		if d.Phase() != PhaseCongestionAvoidance {
			b.Fatalf("phase %s, want congestion avoidance", d.Phase())
		}
	})
}

func BenchmarkDCTCPOnCongestionECN(b *testing.B) {
	d := newDCTCP()
	d.Init(0, testMSS, benchIW)
	ecn := Event{Kind: ECN, Inflight: benchIW}
	b.ReportAllocs()
	for i := range b.N {
		if i%8 == 0 {
			d.Init(0, testMSS, benchIW)
		}
		d.OnCongestion(&ecn)
	}
}

func TestDCTCPZeroAllocs(t *testing.T) {
	slowStart := newDCTCP()
	slowStart.Init(0, testMSS, benchIW)
	ca := dctcpInCA()
	ssAck, caAck := Ack{Acked: testMSS}, Ack{Acked: testMSS}
	events := []Event{
		{Kind: ECN, Inflight: benchIW},
		{Kind: Loss, Inflight: benchIW},
		{Kind: RecoveryExit},
		{Kind: RTO, Inflight: benchIW},
		{Kind: IdleRestart},
	}
	var in Internals
	var i int

	cases := []struct {
		name string
		run  func()
	}{
		{"OnAck slow start", func() { i++; dctcpAck(&ssAck, i); slowStart.OnAck(&ssAck) }},
		{"OnAck congestion avoidance, windows ending", func() { i++; dctcpAck(&caAck, i); ca.OnAck(&caAck) }},
		{"OnCongestion", func() {
			for j := range events {
				ca.OnCongestion(&events[j])
			}
		}},
		{"Inspect", func() { in.N = 0; ca.(Inspector).Inspect(&in) }},
		{"Phase", func() { _ = ca.Phase() }},
	}
	for _, c := range cases {
		if allocs := testing.AllocsPerRun(1000, c.run); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, allocs)
		}
	}
}
