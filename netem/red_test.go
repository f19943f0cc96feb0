package netem

import (
	"math"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// redAt holds a RED queue (w_q = 1, so the average is the queue an arrival
// finds) at level bytes of 1000-byte packets and offers n arrivals, each
// admitted one followed by a dequeue so every arrival sees the same
// average. It returns how many were dropped or marked.
func redAt(par REDParams, level, n int, ecn byte) (signalled int, q *RED) {
	pool := &packet.Pool{}
	par.Wq = 1
	q = NewRED(par, 0, 0, 42, QdiscHooks{})
	// Fill with the ramp off, then restore it.
	ramp := q.par
	q.par.MinTh, q.par.MaxTh = math.MaxInt/4, math.MaxInt/2
	for q.Bytes() < level {
		q.Enqueue(queued(0, tcpPacket(pool, 1000, 1, ecn)))
	}
	q.par = ramp
	for range n {
		p := tcpPacket(pool, 1000, 1, ecn)
		before := q.marks
		if !q.Enqueue(queued(0, p)) {
			pool.Put(p)
			signalled++
			continue
		}
		if q.marks > before {
			signalled++
		}
		pool.Put(q.Dequeue(0).Packet)
	}
	return signalled, q
}

// gapMoments are the mean and variance of the arrivals between drops at
// initial probability pb: P(gap > k) = 1 - k·pb while that is positive.
func gapMoments(pb float64) (mean, variance float64) {
	var m1, m2 float64
	for k := 0; float64(k)*pb < 1; k++ {
		s := 1 - float64(k)*pb
		m1 += s
		m2 += float64(2*k+1) * s
	}
	return m1, m2 - m1*m1
}

// RED's drop fraction follows its ramp. min_th 30000, max_th 90000 bytes,
// max_p 0.1, gentle; at each fixed average the fraction of n = 20000
// arrivals dropped is 1/E[gap] (about 2pb/(1+pb), see red.go), checked to
// within 4 standard deviations of a renewal count, σ = sqrt(n·Var/E³).
// Below min_th nothing is dropped, at and above 2·max_th everything.
func TestREDDropFractionFollowsRamp(t *testing.T) {
	par := REDParams{MinTh: 30000, MaxTh: 90000, MaxP: 0.1, Gentle: true}
	const n = 20000
	for _, tc := range []struct {
		level int
		pb    float64
	}{
		{20000, 0}, {45000, 0.025}, {60000, 0.05}, {75000, 0.075},
		{120000, 0.4}, {150000, 0.7}, {180000, 1},
	} {
		got, q := redAt(par, tc.level, n, 0)
		if pb := q.Ramp(float64(tc.level)); math.Abs(pb-tc.pb) > 1e-12 {
			t.Errorf("Ramp(%d) = %v, want %v", tc.level, pb, tc.pb)
		}
		if tc.pb == 0 || tc.pb == 1 {
			if want := int(tc.pb * n); got != want {
				t.Errorf("level %d: %d dropped, want %d", tc.level, got, want)
			}
			continue
		}
		mean, variance := gapMoments(tc.pb)
		want := n / mean
		sigma := math.Sqrt(n * variance / (mean * mean * mean))
		t.Logf("level %d pb %.3f: %d dropped, expect %.1f ± %.1f", tc.level, tc.pb, got, want, sigma)
		if math.Abs(float64(got)-want) > 4*sigma {
			t.Errorf("level %d: %d dropped of %d, want %.1f ± 4×%.1f", tc.level, got, n, want, sigma)
		}
	}
}

// Without gentle mode, every arrival finding the average at or past
// max_th is dropped.
func TestREDWithoutGentleDropsAllAboveMaxTh(t *testing.T) {
	par := REDParams{MinTh: 30000, MaxTh: 90000, MaxP: 0.1}
	if got, _ := redAt(par, 100000, 1000, 0); got != 1000 {
		t.Fatalf("%d of 1000 dropped above max_th, want all", got)
	}
}

// With ECN, ECT arrivals are marked and admitted instead of dropped, and
// not-ECT ones are still dropped.
func TestREDECNMarksECTAndDropsTheRest(t *testing.T) {
	par := REDParams{MinTh: 30000, MaxTh: 90000, MaxP: 0.1, ECN: true}
	got, q := redAt(par, 60000, 5000, wire.ECNECT0)
	if q.Drops() != 0 || int(q.Marks()) != got || got == 0 {
		t.Fatalf("ECT: %d drops, %d marks; want 0 drops and %d > 0 marks", q.Drops(), q.Marks(), got)
	}
	got, q = redAt(par, 60000, 5000, 0)
	if q.Marks() != 0 || int(q.Drops()) != got || got == 0 {
		t.Fatalf("not-ECT: %d drops, %d marks; want %d > 0 drops and no marks", q.Drops(), q.Marks(), got)
	}
}

// The average is the EWMA avg ← (1-w_q)·avg + w_q·q taken at each arrival:
// with w_q = 1/2 and arrivals of 1000 bytes into an empty queue it goes
// 0, 500, 1250, 2125 before the fourth is admitted.
func TestREDAverageIsEWMAOfArrivalQueue(t *testing.T) {
	pool := &packet.Pool{}
	q := NewRED(REDParams{MinTh: 1 << 20, MaxTh: 2 << 20, Wq: 0.5}, 0, 0, 1, QdiscHooks{})
	for i, want := range []float64{0, 500, 1250, 2125} {
		q.Enqueue(queued(units.Time(i), tcpPacket(pool, 1000, 1, 0)))
		if q.avg != want {
			t.Fatalf("after arrival %d avg = %v, want %v", i, q.avg, want)
		}
	}
}

func TestREDAllocatesNothing(t *testing.T) {
	pool := &packet.Pool{}
	qdiscAllocs(t, NewRED(REDParams{MinTh: 30000, MaxTh: 90000, MaxP: 0.1}, 1000, 0, 1, QdiscHooks{}), pool)
}

func BenchmarkREDEnqueueDequeue(b *testing.B) {
	pool := &packet.Pool{}
	qdiscBench(b, NewRED(REDParams{MinTh: 30000, MaxTh: 90000, MaxP: 0.1}, 1000, 0, 1, QdiscHooks{}), pool)
}
