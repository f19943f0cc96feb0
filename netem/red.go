// RED, Random Early Detection (Floyd and Jacobson, IEEE/ACM ToN 1993;
// recommended by RFC 2309, now RFC 7567): drop or mark arrivals with a
// probability that rises with an exponentially weighted average of the
// queue, so senders back off before the buffer is full and do so at
// different times rather than all at once.
//
// On each arrival the average moves towards the current queue,
//
//	avg ← (1 - w_q)·avg + w_q·q
//
// and the initial drop probability follows a ramp in avg:
//
//	avg < min_th             pb = 0
//	min_th ≤ avg < max_th    pb = max_p·(avg - min_th)/(max_th - min_th)
//	max_th ≤ avg < 2·max_th  pb = max_p + (1-max_p)·(avg - max_th)/max_th   (gentle)
//	above                    every arrival is dropped (or marked)
//
// Without gentle mode the ramp stops at max_th. To space drops evenly
// rather than geometrically, the probability actually applied grows with
// count, the arrivals since the last drop: pa = pb/(1 - count·pb). The
// first arrival after a drop sees pb itself, and the gap between drops is
// then uniform on 1..1/pb (Floyd and Jacobson §7), so at a steady average
// the fraction dropped is 1/E[gap], about 2·pb/(1+pb).
//
// The queue is measured in bytes, like Linux's red. Linux also decays the
// average across an idle period as if small packets had arrived at the
// link rate; this discipline does not know the link rate, so after idling
// the average starts from where it was and falls on the next arrivals.
//
// With ECN on, an ECN-capable arrival chosen for a drop is marked CE and
// admitted instead, above max_th too (Linux's red without harddrop).

package netem

import (
	"math/rand/v2"

	"github.com/ccbench/ccbench/units"
)

// REDParams are RED's tunables; zero fields take the defaults below.
type REDParams struct {
	// MinTh and MaxTh are the thresholds on the average queue, in bytes.
	// MaxTh defaults to a quarter of the byte limit and MinTh to a third
	// of MaxTh, as tc does.
	MinTh, MaxTh int
	// MaxP is the drop probability at MaxTh; 0.02 by default (tc's).
	MaxP float64
	// Wq is the averaging weight; 0.002 by default (Floyd and Jacobson's
	// recommendation, a time constant of 500 arrivals).
	Wq float64
	// Gentle continues the ramp from MaxP at MaxTh to 1 at 2·MaxTh.
	Gentle bool
	// ECN marks ECN-capable packets instead of dropping them.
	ECN bool
}

// RED's defaults.
const (
	DefaultREDMaxP = 0.02
	DefaultREDWq   = 0.002
)

// withDefaults fills the zero fields; limitBytes is the queue's byte limit.
func (r REDParams) withDefaults(limitBytes int) REDParams {
	if r.MaxTh == 0 {
		r.MaxTh = limitBytes / 4
	}
	if r.MinTh == 0 {
		r.MinTh = r.MaxTh / 3
	}
	if r.MaxP == 0 {
		r.MaxP = DefaultREDMaxP
	}
	if r.Wq == 0 {
		r.Wq = DefaultREDWq
	}
	return r
}

// redStream is RED's PCG stream, apart from the loss model's.
const redStream = 0x726564 // "red"

// RED is a FIFO managed by RED with tail-drop limits as a backstop.
type RED struct {
	fifo         byteFIFO
	par          REDParams
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
	hooks        QdiscHooks
	avg          float64 // average queue in bytes
	count        int     // arrivals since the last drop or mark
	rng          rand.PCG
	drops, marks int64
}

var _ Qdisc = (*RED)(nil)

// NewRED returns a RED queue. Zero fields of par take the defaults (MaxTh
// from limitBytes); seed seeds the drop decisions. hooks.Mark hears of
// marks; RED never drops after admission.
func NewRED(par REDParams, limitPackets, limitBytes int, seed uint64, hooks QdiscHooks) *RED {
	q := &RED{par: par.withDefaults(limitBytes), limitPackets: limitPackets, limitBytes: limitBytes, hooks: hooks}
	q.rng.Seed(seed, redStream)
	return q
}

// Enqueue updates the average and admits, marks or drops p.
func (q *RED) Enqueue(e Queued) bool {
	if q.limitPackets > 0 && q.fifo.Len() >= q.limitPackets ||
		q.limitBytes > 0 && q.fifo.bytes+e.Len > q.limitBytes {
		q.drops++
		return false
	}
	q.avg += q.par.Wq * (float64(q.fifo.bytes) - q.avg)
	if q.early() {
		q.count = 0
		if !(q.par.ECN && q.hooks.mark(e.Packet)) {
			q.drops++
			return false
		}
		q.marks++
	}
	q.fifo.push(e)
	return true
}

// early decides whether the arrival is dropped (or marked) early,
// counting it if not.
func (q *RED) early() bool {
	pb := q.Ramp(q.avg)
	switch {
	case pb <= 0:
		q.count = 0
		return false
	case pb >= 1 || float64(q.count)*pb >= 1:
		return true
	}
	pa := pb / (1 - float64(q.count)*pb)
	if float64(q.rng.Uint64()>>11)/(1<<53) < pa {
		return true
	}
	q.count++
	return false
}

// Ramp is pb, the initial drop probability at average queue avg bytes.
func (q *RED) Ramp(avg float64) float64 {
	minTh, maxTh := float64(q.par.MinTh), float64(q.par.MaxTh)
	switch {
	case avg < minTh:
		return 0
	case avg < maxTh:
		return q.par.MaxP * (avg - minTh) / (maxTh - minTh)
	case q.par.Gentle && avg < 2*maxTh:
		return q.par.MaxP + (1-q.par.MaxP)*(avg-maxTh)/maxTh
	}
	return 1
}

// Dequeue returns the oldest waiting packet, if any.
func (q *RED) Dequeue(units.Time) Queued { return q.fifo.pop() }

// Len is the number of packets waiting.
func (q *RED) Len() int { return q.fifo.Len() }

// Bytes is the number of bytes waiting.
func (q *RED) Bytes() int { return q.fifo.bytes }

// Drops counts arrivals refused, early or by the limit.
func (q *RED) Drops() int64 { return q.drops }

// Marks counts arrivals marked CE instead of dropped.
func (q *RED) Marks() int64 { return q.marks }
