// Delay jitter as Linux netem applies it ("delay D J [C%] distribution
// X"): each packet's propagation delay is D plus a random term of scale J
// drawn from a named distribution, with optional correlation between
// successive draws.
//
// Distributions. netem draws uniform jitter from [D-J, D+J] (standard
// deviation J/sqrt(3)) and, for the others, looks up a table that holds
// the inverse CDF of a distribution standardized to mean 0 and standard
// deviation 1, scaled by J. The tables are not available here, so the
// inverse CDFs are computed from the distributions' definitions: the
// standard normal; a Pareto of shape 3, the smallest integer shape with a
// finite variance, shifted and scaled to mean 0 and deviation 1; and
// "paretonormal", a 1:3 mix of the normal and the Pareto quantiles at the
// same probability, rescaled to deviation 1 (our reading of how
// iproute2's paretonormal table is built; the table itself may differ in
// detail). So J is the standard deviation of the jitter for all three;
// only uniform keeps netem's half-width meaning.
//
// Correlation. netem correlates the uniform variate that feeds the
// distribution, not the delay: u_n = (1-C)*fresh_n + C*u_(n-1). This is
// kept for fidelity, with its known side effect: for C > 0 the mixed
// variate is no longer uniform, so the jitter's spread shrinks (for
// uniform jitter its deviation is J/sqrt(3)*sqrt((1-C)/(1+C))) and its
// lag-one autocorrelation is C.
//
// Reordering. In netem a packet whose delay is drawn shorter than its
// predecessor's overtakes it, which surprises most users: TCP treats the
// resulting reordering as loss. Here packets keep their order by default:
// a packet's release is the later of its drawn time and the previous
// packet's release, as a single FIFO medium would. With Reorder set,
// releases are independent and packets may overtake one another, as in
// netem; they then need a delay line that releases by due time rather
// than by arrival, the reorderLine below.
//
// Wiring into the Link: where Link.advance moves a serialized packet to
// the delay line at time at, call due := jitter.Due(at, p) instead of
// adding the fixed delay, and push p to arrive at due: with Reorder off
// the dues never decrease, so the FIFO delayLine still holds; with
// Reorder on, use reorderLine.push(due, p, n), and reorderLine.arrivedBy and deadline in place of delayLine's.

package netem

import (
	"math"
	"math/rand/v2"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// jitterStream is the PCG stream of the jitter stage.
const jitterStream = 0x6a697474 // "jitt"

// Distribution names the shape of the jitter.
type Distribution uint8

const (
	// Uniform jitter lies in [-J, J].
	Uniform Distribution = iota
	// Normal jitter has standard deviation J.
	Normal
	// Pareto jitter, shape 3, has mean 0 and standard deviation J, with a
	// long tail of late packets.
	Pareto
	// ParetoNormal jitter mixes Normal and Pareto quantiles 1:3 and has
	// standard deviation J.
	ParetoNormal
)

func (d Distribution) String() string {
	switch d {
	case Uniform:
		return "uniform"
	case Normal:
		return "normal"
	case Pareto:
		return "pareto"
	case ParetoNormal:
		return "paretonormal"
	}
	return "unknown"
}

// Moments of the shape-3 Pareto with scale 1: mean a/(a-1) = 1.5 and
// variance a/((a-1)^2 (a-2)) = 0.75.
const paretoMean = 1.5

var paretoStdDev = math.Sqrt(0.75)

// paretoNormalStdDev is the standard deviation of 0.25*N(u) + 0.75*P(u)
// for standardized N and P quantiles of one uniform u, found by numerical
// integration with the substitution 1-u = w^3, which makes the Pareto
// tail's integrand bounded (4e7 midpoints in w);
// TestParetoNormalIsStandardized checks it.
const paretoNormalStdDev = 0.9377539

// JitterParams configure the jitter stage.
type JitterParams struct {
	// Delay is the base one-way delay, D.
	Delay units.Duration
	// Jitter is the scale J of the random term; 0 turns jitter off.
	Jitter units.Duration
	// Correlation, from 0 to 1, is netem's C (see the file comment).
	Correlation float64
	// Dist is the shape of the random term.
	Dist Distribution
	// Reorder lets a packet overtake earlier ones when its drawn delay is
	// shorter; by default packets leave in the order they came.
	Reorder bool
}

// Jitter computes each packet's delay.
type Jitter struct {
	prm JitterParams
	// last is the previous correlated uniform variate.
	last float64
	// lastDue is the previous packet's release, for the in-order clamp.
	lastDue units.Time
	rng     rand.PCG
}

// NewJitter returns the stage, drawing from a generator seeded with seed.
func NewJitter(prm JitterParams, seed uint64) *Jitter {
	j := &Jitter{prm: prm}
	j.rng.Seed(seed, jitterStream)
	// netem starts the correlation chain from a fresh variate.
	j.last = j.fresh()
	return j
}

// fresh is a uniform variate in (0, 1): the midpoint of one of 2^53
// equal cells, so no quantile function meets 0 or 1.
func (j *Jitter) fresh() float64 {
	return (float64(j.rng.Uint64()>>11) + 0.5) * 0x1p-53
}

// variate is the next correlated uniform variate, netem's get_crandom.
func (j *Jitter) variate() float64 {
	u := j.fresh()
	if c := j.prm.Correlation; c > 0 {
		u = float64((1-c)*u) + float64(c*j.last)
		j.last = u
	}
	return u
}

// standardized is the quantile of the distribution at u, scaled so that J
// multiplies it (mean 0, deviation 1; half-width 1 for Uniform).
func standardized(d Distribution, u float64) float64 {
	switch d {
	case Normal:
		return math.Sqrt2 * math.Erfinv(2*u-1)
	case Pareto:
		return (paretoQuantile(u) - paretoMean) / paretoStdDev
	case ParetoNormal:
		n := math.Sqrt2 * math.Erfinv(2*u-1)
		p := (paretoQuantile(u) - paretoMean) / paretoStdDev
		return (float64(0.25*n) + float64(0.75*p)) / paretoNormalStdDev
	}
	return 2*u - 1
}

// paretoQuantile is the inverse CDF of the shape-3, scale-1 Pareto,
// (1-u)^(-1/3); the cube root is several times faster than math.Pow.
func paretoQuantile(u float64) float64 {
	return 1 / math.Cbrt(1-u)
}

// Next draws the delay of p: the base delay plus jitter, never negative
// (netem likewise never schedules a packet before it arrived). One variate
// is drawn per call even with zero jitter, so the n-th packet always meets
// the n-th draw.
func (j *Jitter) Next(_ units.Time, _ *packet.Packet) units.Duration {
	z := standardized(j.prm.Dist, j.variate())
	d := float64(j.prm.Delay) + math.Round(float64(z*float64(j.prm.Jitter)))
	if d <= 0 {
		return 0
	}
	if d >= float64(units.Never)/2 {
		// A draw from the far Pareto tail: still a finite, ordered time.
		return units.Duration(units.Never / 2)
	}
	return units.Duration(d)
}

// Due is when p, sent at now, reaches the far end: now plus Next, held
// back to the previous packet's release unless Reorder is set. now must
// not go backwards.
func (j *Jitter) Due(now units.Time, p *packet.Packet) units.Time {
	due := now.Add(j.Next(now, p))
	if !j.prm.Reorder && due < j.lastDue {
		due = j.lastDue
	}
	j.lastDue = due
	return due
}

// reorderLine is a delay line whose packets leave by due time, not by
// entry: a binary min-heap on (due, entry sequence), the sequence breaking
// ties so that packets due together leave in the order they came. The
// heap's slice grows only when full, so a run that has reached its peak
// occupancy no longer allocates.
type reorderLine struct {
	heap  []dueEntry
	seq   uint64
	bytes int
}

// dueEntry is a packet on the medium, with its length so that neither
// sifting nor releasing reads the packet.
type dueEntry struct {
	onMedium
	seq uint64
}

func (a *dueEntry) before(b *dueEntry) bool {
	return a.due < b.due || a.due == b.due && a.seq < b.seq
}

// push puts the packet of n bytes p on the medium to arrive at due.
func (r *reorderLine) push(due units.Time, p *packet.Packet, n int, tag uint64) {
	r.heap = append(r.heap, dueEntry{onMedium{p, due, n, tag}, r.seq})
	r.seq++
	r.bytes += n
	i := len(r.heap) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !r.heap[i].before(&r.heap[parent]) {
			break
		}
		r.heap[i], r.heap[parent] = r.heap[parent], r.heap[i]
		i = parent
	}
}

// arrivedBy removes and returns the earliest-due packet if it is due by
// now, or an onMedium with a nil packet.
func (r *reorderLine) arrivedBy(now units.Time) onMedium {
	if len(r.heap) == 0 || r.heap[0].due > now {
		return onMedium{}
	}
	a := r.heap[0].onMedium
	last := len(r.heap) - 1
	r.heap[0] = r.heap[last]
	r.heap[last] = dueEntry{}
	r.heap = r.heap[:last]
	i := 0
	for {
		l, small := 2*i+1, i
		if l < last && r.heap[l].before(&r.heap[small]) {
			small = l
		}
		if l+1 < last && r.heap[l+1].before(&r.heap[small]) {
			small = l + 1
		}
		if small == i {
			break
		}
		r.heap[i], r.heap[small] = r.heap[small], r.heap[i]
		i = small
	}
	r.bytes -= a.n
	return a
}

// deadline is when the next packet arrives, or units.Never if none is on
// the medium.
func (r *reorderLine) deadline() units.Time {
	if len(r.heap) == 0 {
		return units.Never
	}
	return r.heap[0].due
}

// Len is the number of packets on the medium.
func (r *reorderLine) Len() int { return len(r.heap) }
