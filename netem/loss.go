// Random loss on arrival. Like Linux netem, the Link applies the loss model
// before the queue, so a lost packet never occupies the buffer: it models a
// lossy medium upstream of the bottleneck, not congestion.

package netem

import (
	"math/rand/v2"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// LossModel decides, packet by packet, which arrivals are lost. Models with
// memory (Gilbert-Elliott bursts, a loss trace) keep it in their own state.
type LossModel interface {
	// Lose reports whether p, arriving at now, is lost.
	Lose(now units.Time, p *packet.Packet) bool
}

// lossStream is the PCG stream the Bernoulli model draws from. Other random
// stages seeded from the same LinkConfig.Seed use other streams, so their
// draws are independent of the loss pattern.
const lossStream = 0x6c6f7373 // "loss"

// Bernoulli loses each packet independently with a fixed probability.
type Bernoulli struct {
	// threshold is the probability scaled to 2^64: a uniform 64-bit draw
	// below it is a loss. Comparing integers keeps the decision exact and
	// identical on every platform, with no floating point per packet.
	threshold uint64
	// always is set for probability 1, which threshold cannot express.
	always bool
	rng    rand.PCG
}

var _ LossModel = (*Bernoulli)(nil)

// NewBernoulli returns a model that loses each packet with probability p
// (0 to 1; values outside are clamped), drawing from a generator seeded
// with seed.
func NewBernoulli(p float64, seed uint64) *Bernoulli {
	b := &Bernoulli{}
	b.rng.Seed(seed, lossStream)
	b.SetProbability(p)
	return b
}

// SetProbability changes the loss probability to p (clamped to 0 to 1)
// and keeps the generator, so a schedule that changes the rate mid-run
// still meets the seed's draws.
func (b *Bernoulli) SetProbability(p float64) {
	b.threshold, b.always = 0, false
	switch {
	case p >= 1:
		b.always = true
	case p > 0:
		// p*2^64 is exact (a power-of-two scaling) and below 2^64 because
		// the largest float64 below 1 is 1-2^-53.
		b.threshold = uint64(p * (1 << 64))
	}
}

// Lose draws once per packet whatever the probability, so the n-th packet
// always meets the n-th draw. With one seed, a sweep over loss rates
// therefore loses, at each higher rate, a superset of the packets lost at
// the lower one (common random numbers), which keeps the comparison between
// sweep points about the rate and not about the luck of the draw.
func (b *Bernoulli) Lose(units.Time, *packet.Packet) bool {
	return b.rng.Uint64() < b.threshold || b.always
}
