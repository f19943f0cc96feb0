package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// overdrive is the standing-queue scenario of the AQM tests: a 10 Mbit/s
// link with a 10000-packet buffer fed 1500-byte packets at 11 Mbit/s (one
// every 1090.9 µs rounded to 1091 µs) by a source that does not back off,
// or, with the source's rtt set, by one Reno flow that fills whatever
// buffer it is given.
func overdrive(qdisc string, ecn byte) (LinkConfig, *source) {
	return LinkConfig{Rate: 10 * units.MbitPerSecond, QueuePackets: 10000, Qdisc: qdisc, Seed: 1},
		&source{port: 1, size: 1500, gap: 1091 * us, ecn: ecn}
}

// One Reno flow with a 10 ms base RTT through 10 Mbit/s for 20 s: from
// 5 s on (12499 packets), CoDel's median sojourn is near its 5 ms target
// (measured 6.8 ms, max 10.4 ms, utilization 99.8%; asserted 2-10 ms),
// while drop-tail's, with the same flow and a 10000-packet buffer, passes
// 100 ms (measured 160 ms and still growing: the buffer never overflows).
func TestCoDelHoldsStandingQueueNearTarget(t *testing.T) {
	end, from := units.Time(20*units.Second), units.Time(5*units.Second)
	cfg, src := overdrive(QdiscCoDel, 0)
	src.rtt = 10 * ms
	s, st := runSources(t, cfg, end, src)
	med, _, n := medianDelay(s, 0, from)
	t.Logf("codel: median sojourn %v over %d packets, %d dropped of %d", med, n, st.DroppedPackets, st.EnqueuedPackets)
	if med < 2*ms || med > 10*ms {
		t.Errorf("codel median sojourn %v, want 2-10 ms", med)
	}
	cfg, src = overdrive(QdiscDropTail, 0)
	src.rtt = 10 * ms
	s, _ = runSources(t, cfg, end, src)
	med, _, _ = medianDelay(s, 0, from)
	t.Logf("droptail: median sojourn %v", med)
	if med < 100*ms {
		t.Errorf("drop-tail median sojourn %v, want above 100 ms", med)
	}
}

// An unresponsive source at 11 Mbit/s is not what CoDel is designed for:
// the drop rate must climb by the square-root control law to 1 in 11, and
// once the queue has drained below target the count is forgiven, so the
// queue cycles (measured: median 20 ms, max 28 ms from 5 s on). It is still
// bounded, where drop-tail's grows by 100 ms a second: asserted median
// under 30 ms and max under 50 ms.
func TestCoDelBoundsUnresponsiveOverdrive(t *testing.T) {
	cfg, src := overdrive(QdiscCoDel, 0)
	s, _ := runSources(t, cfg, units.Time(20*units.Second), src)
	med, maximum, _ := medianDelay(s, 0, units.Time(5*units.Second))
	t.Logf("codel, unresponsive: median %v, max %v", med, maximum)
	if med > 30*ms || maximum > 50*ms {
		t.Errorf("median %v, max %v; want under 30 ms and 50 ms", med, maximum)
	}
}

// With ECN, the same source sending ECT(0) is marked instead of dropped,
// and the queue is not controlled (marks do not slow an unresponsive
// sender), so nothing is dropped below the buffer limit.
func TestCoDelECNMarksInsteadOfDropping(t *testing.T) {
	cfg, src := overdrive(QdiscCoDel, wire.ECNECT0)
	cfg.QdiscParams.CoDel.ECN = true
	_, st := runSources(t, cfg, units.Time(5*units.Second), src)
	if st.DroppedPackets != 0 || st.MarkedPackets == 0 {
		t.Fatalf("dropped %d, marked %d; want 0 dropped and some marked", st.DroppedPackets, st.MarkedPackets)
	}
}

// Script of RFC 8289's state machine: with every head packet 20 ms old
// (above the 5 ms target) and served every 1 ms from T0, the first drop
// comes one interval after the first dequeue, at T0+100 ms; entering the
// dropping state with count 1 schedules the next interval/sqrt(1) later,
// at T0+200, the third interval/sqrt(2) after that, T0+270.7, seen on the
// 1 ms grid at T0+271, and the fourth interval/sqrt(3) later again,
// T0+328.4, seen at T0+329.
func TestCoDelControlLawSpacing(t *testing.T) {
	pool := &packet.Pool{}
	var drops int
	q := NewCoDel(CoDelParams{}, 0, 0, drainTo(pool, &drops))
	t0 := units.Time(units.Second)
	arrive := func(at units.Time) {
		q.Enqueue(queued(at, tcpPacket(pool, 1500, 1, 0)))
	}
	// The queue starts with packets from T0-50 ms, one a ms; a new one
	// arrives every ms, so the head's age never falls below 20 ms.
	for i := range 50 {
		arrive(t0.Add(units.Duration(i-50) * ms))
	}
	var dropTimes []units.Duration
	for now := t0; now < t0.Add(340*ms); now = now.Add(ms) {
		arrive(now)
		before := drops
		if e := q.Dequeue(now); e.Packet != nil {
			pool.Put(e.Packet)
		}
		if drops > before {
			dropTimes = append(dropTimes, now.Sub(t0))
		}
	}
	want := []units.Duration{100 * ms, 200 * ms, 271 * ms, 329 * ms}
	if len(dropTimes) != len(want) {
		t.Fatalf("drops at %v after T0, want %v", dropTimes, want)
	}
	for i := range want {
		if dropTimes[i] != want[i] {
			t.Fatalf("drops at %v after T0, want %v", dropTimes, want)
		}
	}
}

func TestCoDelAllocatesNothing(t *testing.T) {
	pool := &packet.Pool{}
	var drops int
	qdiscAllocs(t, NewCoDel(CoDelParams{}, 1000, 0, drainTo(pool, &drops)), pool)
}

func BenchmarkCoDelEnqueueDequeue(b *testing.B) {
	pool := &packet.Pool{}
	var drops int
	qdiscBench(b, NewCoDel(CoDelParams{}, 1000, 0, drainTo(pool, &drops)), pool)
}
