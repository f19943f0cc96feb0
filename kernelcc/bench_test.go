package kernelcc

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// ackStream feeds a steady flow of two-segment ACKs at 100 Mbit/s with a
// 40 ms RTT, the shipped bottleneck's, so that the module stays in
// congestion avoidance (a loss first ends slow start).
type ackStream struct {
	a   cc.Ack
	mss int
}

func newAckStream(k cc.CongestionControl, mss int) *ackStream {
	s := &ackStream{mss: mss}
	k.Init(0, mss, 10*mss)
	s.a = cc.Ack{RTT: 40 * units.Millisecond, SRTT: 40 * units.Millisecond, MinRTT: 40 * units.Millisecond}
	s.next(k)
	k.OnCongestion(&cc.Event{Kind: cc.Loss, Now: s.a.Now, Inflight: 400 * mss})
	k.OnCongestion(&cc.Event{Kind: cc.RecoveryExit, Now: s.a.Now, Inflight: 300 * mss, Cwnd: k.Ssthresh()})
	return s
}

func (s *ackStream) next(k cc.CongestionControl) {
	a := &s.a
	a.Now += units.Time(232 * units.Microsecond) // two segments at 100 Mbit/s
	a.Acked = 2 * s.mss
	a.Delivered += int64(a.Acked)
	a.Sent = a.Delivered + int64(k.Cwnd())
	a.PriorInflight = k.Cwnd()
	a.Inflight = k.Cwnd() - a.Acked
	a.Rate = cc.RateSample{Valid: true, Delivered: int64(k.Cwnd()), Interval: 40 * units.Millisecond, PriorDelivered: a.Delivered - int64(k.Cwnd()), RTT: a.RTT}
	k.OnAck(a)
}

// BenchmarkOnAck is the cost of one ACK through a module: the I/O block
// written, one wasm call (pkts_acked, in_ack_event, cong_avoid or
// cong_control), the answers read.
func BenchmarkOnAck(b *testing.B) {
	for _, name := range []string{"cubic", "reno", "bbr"} {
		b.Run(name, func(b *testing.B) {
			k := NewAlg(buildOrSkip(b, name), "kernel:"+name)
			s := newAckStream(k, 1448)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.next(k)
			}
		})
	}
}

// TestOnAckDoesNotAllocate keeps the per-ACK path free of allocations.
func TestOnAckDoesNotAllocate(t *testing.T) {
	for _, name := range []string{"cubic", "bbr"} {
		k := NewAlg(buildOrSkip(t, name), "kernel:"+name)
		s := newAckStream(k, 1448)
		if n := testing.AllocsPerRun(1000, func() { s.next(k) }); n != 0 {
			t.Errorf("kernel:%s: %v allocations per ACK, want 0", name, n)
		}
	}
}
