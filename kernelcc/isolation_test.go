package kernelcc

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// connScript is one connection's life as a module sees it: the handshake's
// RTT, Init, ACKs, a loss and its recovery, more ACKs. step runs its next
// call and records the module's answers; it returns false when done.
type connScript struct {
	k     *Alg
	rtt   units.Duration
	mss   int
	i     int
	a     cc.Ack
	trace [][3]int64
}

const scriptSteps = 403

func (s *connScript) step() bool {
	k, a := s.k, &s.a
	switch {
	case s.i == 0:
		k.HandshakeRTT(s.rtt, s.rtt)
		k.Init(0, s.mss, 10*s.mss)
		*a = cc.Ack{RTT: s.rtt, SRTT: s.rtt, MinRTT: s.rtt}
	case s.i == 200:
		k.OnCongestion(&cc.Event{Kind: cc.Loss, Now: a.Now, Inflight: k.Cwnd()})
	case s.i == 201:
		k.OnCongestion(&cc.Event{Kind: cc.RecoveryExit, Now: a.Now, Inflight: k.Cwnd() / 2, Cwnd: k.Ssthresh()})
	case s.i < scriptSteps:
		a.Now += units.Time(s.rtt / 50)
		a.Acked = 2 * s.mss
		a.Delivered += int64(a.Acked)
		a.Sent = a.Delivered + int64(k.Cwnd())
		a.PriorInflight = k.Cwnd()
		a.Inflight = k.Cwnd() - a.Acked
		a.Rate = cc.RateSample{Valid: true, Delivered: int64(k.Cwnd()), Interval: s.rtt, PriorDelivered: a.Delivered - int64(k.Cwnd()), RTT: a.RTT}
		k.OnAck(a)
	default:
		return false
	}
	s.i++
	s.trace = append(s.trace, [3]int64{int64(k.Cwnd()), int64(k.Ssthresh()), int64(k.PacingRate())})
	return true
}

func runScript(k *Alg, rtt units.Duration) [][3]int64 {
	s := &connScript{k: k, rtt: rtt, mss: 1448}
	for s.step() {
	}
	return s.trace
}

// Connections that share a module instance (and its I/O block) do not see
// each other: a connection's answers are the same whether it runs alone,
// after another one, or interleaved call by call with another whose RTT
// differs. Before ccb_init and the events stopped reading the ACK facts of
// whichever connection called last, a BBR connection started after
// another paced its first window by the other's RTT, and a run's results
// depended on the runs before it in the same process.
func TestConnectionsOnOneInstanceAreIsolated(t *testing.T) {
	for _, name := range []string{"bbr", "cubic", "vegas"} {
		t.Run(name, func(t *testing.T) {
			mod := buildOrSkip(t, name)
			a, b := NewAlg(mod, "kernel:"+name), NewAlg(mod, "kernel:"+name)
			const rttA, rttB = 40 * units.Millisecond, 7 * units.Millisecond
			soloA := runScript(a, rttA)
			soloB := runScript(b, rttB)
			if again := runScript(a, rttA); !reflect.DeepEqual(again, soloA) {
				t.Errorf("connection A run again after B: %s", firstDiff(soloA, again))
			}
			sa := &connScript{k: a, rtt: rttA, mss: 1448}
			sb := &connScript{k: b, rtt: rttB, mss: 1448}
			for sa.step() && sb.step() {
			}
			if !reflect.DeepEqual(sa.trace, soloA) {
				t.Errorf("connection A interleaved with B: %s", firstDiff(soloA, sa.trace))
			}
			if !reflect.DeepEqual(sb.trace, soloB) {
				t.Errorf("connection B interleaved with A: %s", firstDiff(soloB, sb.trace))
			}
		})
	}
}

func firstDiff(want, got [][3]int64) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("call %d: (cwnd, ssthresh, pacing) %v, alone %v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d calls, alone %d", len(got), len(want))
}
