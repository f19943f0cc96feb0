package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// One Reno flow with a 10 ms base RTT through 10 Mbit/s for 20 s: from 5 s
// on (about 12500 packets) PIE's median queueing delay is near its 15 ms
// target (measured 17.6 ms, max 39 ms, utilization 99.7%; asserted 10 to
// 25 ms, target -5/+10 ms, the upper side wider because PIE drops at
// enqueue and only the controller's integral pulls the delay back).
func TestPIEHoldsTargetUnderResponsiveFlow(t *testing.T) {
	cfg, src := overdrive(QdiscPIE, 0)
	src.rtt = 10 * ms
	s, st := runSources(t, cfg, units.Time(20*units.Second), src)
	med, maximum, n := medianDelay(s, 0, units.Time(5*units.Second))
	t.Logf("pie: median %v max %v over %d packets, %d dropped", med, maximum, n, st.DroppedPackets)
	if med < 10*ms || med > 25*ms {
		t.Errorf("median delay %v, want 10-25 ms", med)
	}
}

// An unresponsive 11 Mbit/s source into 10 Mbit/s for 20 s: PIE's
// probability settles near the 1/11 that must be dropped (measured drop
// fraction 0.0905 of 18332), and from 5 s on the median delay stays in the
// same 10-25 ms band (measured 14.0 ms, max 33 ms), where drop-tail's
// grows by 100 ms a second.
func TestPIEHoldsTargetUnderUnresponsiveOverdrive(t *testing.T) {
	cfg, src := overdrive(QdiscPIE, 0)
	s, st := runSources(t, cfg, units.Time(20*units.Second), src)
	med, maximum, n := medianDelay(s, 0, units.Time(5*units.Second))
	frac := float64(st.DroppedPackets) / float64(st.EnqueuedPackets)
	t.Logf("pie: median %v max %v over %d packets, drop fraction %.4f", med, maximum, n, frac)
	if med < 10*ms || med > 25*ms {
		t.Errorf("median delay %v, want 10-25 ms", med)
	}
	// 1/11 = 0.0909 must go in the long run; the first 150 ms pass
	// untouched and the controller takes a while to get there.
	if frac < 0.07 || frac > 0.1 {
		t.Errorf("drop fraction %.4f, want 0.07-0.10 (1/11 in steady state)", frac)
	}
}

// The burst allowance: a burst of 100 packets into an idle PIE queue is
// admitted whole, however long it waits, within the first 150 ms.
func TestPIEBurstAllowance(t *testing.T) {
	pool := &packet.Pool{}
	q := NewPIE(PIEParams{}, 0, 0, 1, QdiscHooks{})
	for i := range 100 {
		now := units.Time(i) * units.Time(ms)
		if !q.Enqueue(queued(now, tcpPacket(pool, 1500, 1, 0))) {
			t.Fatalf("packet %d refused at %v, within the burst allowance", i, now)
		}
		if i%4 == 0 {
			pool.Put(q.Dequeue(now).Packet)
		}
	}
}

func TestPIEAllocatesNothing(t *testing.T) {
	pool := &packet.Pool{}
	qdiscAllocs(t, NewPIE(PIEParams{}, 1000, 0, 1, QdiscHooks{}), pool)
}

func BenchmarkPIEEnqueueDequeue(b *testing.B) {
	pool := &packet.Pool{}
	qdiscBench(b, NewPIE(PIEParams{}, 1000, 0, 1, QdiscHooks{}), pool)
}
