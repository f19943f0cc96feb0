// PIE, Proportional Integral controller Enhanced (RFC 8033): an AQM that
// drops at enqueue with a probability p steered every tupdate so the
// queueing delay settles at target.
//
// Every tupdate (§4.2):
//
//	p += alpha·(qdelay - target) + beta·(qdelay - qdelay_old)
//
// with alpha and beta in 1/s and delays in seconds, the integral term
// pulling the delay to target and the proportional term damping its
// swings. While p is small, the step is scaled down (÷2048 below 10⁻⁶ up
// to ÷2 below 0.1, §5.2 auto-tuning), so the controller is as responsive
// at a 0.01% drop rate as at 10%. Above 250 ms of delay with p ≥ 0.1, p
// jumps by 0.02 a step to catch up quickly; when both the current and the
// previous delay are zero, p decays by 2% a step (§4.2).
//
// Queue delay: RFC 8033 §5.1 offers a departure-rate estimate (Little's
// law, qlen/depart_rate) or a timestamp per packet. Packets here already
// carry their arrival time, so this discipline uses the timestamp: qdelay
// is the sojourn of the packet most recently dequeued, and 0 when that
// packet left the queue empty, as Linux's pie does by default. It reacts to rate
// changes at once instead of after a measurement cycle.
//
// Burst allowance (§4.1, §4.3): for max_burst after the queue was last
// calm, no arrival is dropped early, so a short burst passes untouched.
// Otherwise an arrival is admitted without a draw if the delay is below
// target/2 and p < 0.2, or fewer than two packets wait; else it is dropped
// with probability p. With ECN on, an ECN-capable packet is marked instead
// while p ≤ 0.1 (§5.1), beyond which marking would not slow an
// unresponsive sender.
//
// This discipline is pure, so the tupdate timer runs lazily: whenever it
// is called at or past the next update time, the updates due so far run
// first, each at its own time.

package netem

import (
	"math/rand/v2"

	"github.com/ccbench/ccbench/units"
)

// PIEParams are PIE's tunables; zero fields take RFC 8033's defaults.
type PIEParams struct {
	// Target is the queueing delay PIE steers towards; 15 ms.
	Target units.Duration
	// TUpdate is the period of the probability update; 15 ms.
	TUpdate units.Duration
	// Alpha and Beta are the integral and proportional gains in 1/s;
	// 0.125 and 1.25.
	Alpha, Beta float64
	// MaxBurst is the burst allowance; 150 ms.
	MaxBurst units.Duration
	// ECN marks ECN-capable packets instead of dropping them while the
	// drop probability is at most 10%.
	ECN bool
}

// PIE's defaults, RFC 8033 §4.1-4.2 and §5.
const (
	DefaultPIETarget   = 15 * units.Millisecond
	DefaultPIETUpdate  = 15 * units.Millisecond
	DefaultPIEAlpha    = 0.125
	DefaultPIEBeta     = 1.25
	DefaultPIEMaxBurst = 150 * units.Millisecond
)

// pieMeanPacket is MEAN_PKTSIZE of §4.1: fewer than two of these waiting
// is never dropped from.
const pieMeanPacket = 1500

// pieMarkLimit is the drop probability above which ECN-capable packets are
// dropped rather than marked (§5.1).
const pieMarkLimit = 0.1

// withDefaults fills the zero fields.
func (c PIEParams) withDefaults() PIEParams {
	if c.Target == 0 {
		c.Target = DefaultPIETarget
	}
	if c.TUpdate == 0 {
		c.TUpdate = DefaultPIETUpdate
	}
	if c.Alpha == 0 {
		c.Alpha = DefaultPIEAlpha
	}
	if c.Beta == 0 {
		c.Beta = DefaultPIEBeta
	}
	if c.MaxBurst == 0 {
		c.MaxBurst = DefaultPIEMaxBurst
	}
	return c
}

// pieStream is PIE's PCG stream, apart from the loss model's and RED's.
const pieStream = 0x706965 // "pie"

// PIE is a FIFO managed by PIE with tail-drop limits as a backstop
// (Linux's default limit is 1000 packets).
type PIE struct {
	fifo         byteFIFO
	par          PIEParams
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
	hooks        QdiscHooks

	prob           float64        // p, the drop probability
	qdelay         units.Duration // current queueing delay
	qdelayOld      units.Duration // qdelay at the previous update
	burstAllowance units.Duration
	nextUpdate     units.Time
	started        bool
	rng            rand.PCG
	drops, marks   int64
}

var _ Qdisc = (*PIE)(nil)

// NewPIE returns a PIE queue; zero fields of par take the defaults and
// seed seeds the drop decisions. hooks.Mark hears of marks; PIE never
// drops after admission.
func NewPIE(par PIEParams, limitPackets, limitBytes int, seed uint64, hooks QdiscHooks) *PIE {
	q := &PIE{par: par.withDefaults(), limitPackets: limitPackets, limitBytes: limitBytes, hooks: hooks}
	q.burstAllowance = q.par.MaxBurst
	q.rng.Seed(seed, pieStream)
	return q
}

// Enqueue runs the updates due by now, then admits, marks or drops p.
func (q *PIE) Enqueue(e Queued) bool {
	q.updateTo(e.Enqueued)
	if q.limitPackets > 0 && q.fifo.Len() >= q.limitPackets ||
		q.limitBytes > 0 && q.fifo.bytes+e.Len > q.limitBytes {
		q.drops++
		return false
	}
	if q.dropEarly() {
		if !(q.par.ECN && q.prob <= pieMarkLimit && q.hooks.mark(e.Packet)) {
			q.drops++
			return false
		}
		q.marks++
	}
	q.fifo.push(e)
	return true
}

// dropEarly is §4.1's drop_early.
func (q *PIE) dropEarly() bool {
	if q.burstAllowance > 0 {
		return false
	}
	if q.qdelayOld < q.par.Target/2 && q.prob < 0.2 {
		return false
	}
	if q.fifo.bytes < 2*pieMeanPacket {
		return false
	}
	return float64(q.rng.Uint64()>>11)/(1<<53) < q.prob
}

// Dequeue returns the oldest waiting packet, its sojourn becoming the
// current queue delay.
func (q *PIE) Dequeue(now units.Time) Queued {
	q.updateTo(now)
	e := q.fifo.pop()
	if e.Packet == nil || q.fifo.Len() == 0 {
		q.qdelay = 0
	} else {
		q.qdelay = now.Sub(e.Enqueued)
	}
	return e
}

// updateTo runs every probability update due at or before now. The first
// call starts the timer.
func (q *PIE) updateTo(now units.Time) {
	if !q.started {
		q.started = true
		q.nextUpdate = now.Add(q.par.TUpdate)
		return
	}
	for q.nextUpdate <= now {
		q.calculateDropProb()
		q.nextUpdate = q.nextUpdate.Add(q.par.TUpdate)
		if q.prob == 0 && q.qdelay == 0 && q.qdelayOld == 0 && q.burstAllowance == q.par.MaxBurst {
			// Nothing changes in further updates until a packet moves;
			// skip them rather than loop through a long idle period.
			if skip := now.Sub(q.nextUpdate) / q.par.TUpdate; skip > 0 {
				q.nextUpdate = q.nextUpdate.Add(skip * q.par.TUpdate)
			}
		}
	}
}

// calculateDropProb is §4.2's periodic update plus §4.3's burst allowance.
func (q *PIE) calculateDropProb() {
	cur, old, target := q.qdelay.Seconds(), q.qdelayOld.Seconds(), q.par.Target.Seconds()
	delta := q.par.Alpha*(cur-target) + q.par.Beta*(cur-old)
	switch p := q.prob; {
	case p < 0.000001:
		delta /= 2048
	case p < 0.00001:
		delta /= 512
	case p < 0.0001:
		delta /= 128
	case p < 0.001:
		delta /= 32
	case p < 0.01:
		delta /= 8
	case p < 0.1:
		delta /= 2
	}
	q.prob += delta
	if q.qdelay > 250*units.Millisecond && q.prob >= 0.1 {
		q.prob += 0.02
	}
	if q.qdelay == 0 && q.qdelayOld == 0 {
		q.prob *= 0.98
	}
	q.prob = min(max(q.prob, 0), 1)
	q.burstAllowance = max(0, q.burstAllowance-q.par.TUpdate)
	if q.prob == 0 && q.qdelay < q.par.Target/2 && q.qdelayOld < q.par.Target/2 {
		q.burstAllowance = q.par.MaxBurst
	}
	q.qdelayOld = q.qdelay
}

// Prob is the current drop probability.
func (q *PIE) Prob() float64 { return q.prob }

// Len is the number of packets waiting.
func (q *PIE) Len() int { return q.fifo.Len() }

// Bytes is the number of bytes waiting.
func (q *PIE) Bytes() int { return q.fifo.bytes }

// Drops counts arrivals refused, early or by the limit.
func (q *PIE) Drops() int64 { return q.drops }

// Marks counts arrivals marked CE instead of dropped.
func (q *PIE) Marks() int64 { return q.marks }
