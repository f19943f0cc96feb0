// Packet impairments of Linux netem besides loss and delay: duplication
// ("duplicate P [C]"), corruption ("corrupt P [C]") and reordering
// ("reorder P [C] gap G"). Each is a small stage with its own PCG stream
// and netem's correlation semantics: the uniform variate compared with P
// is u_n = (1-C)*fresh_n + C*u_(n-1), so C > 0 makes decisions come in
// runs (and, as in netem, shifts the realized rate away from P for P away
// from one half, since the mixed variate is no longer uniform).
//
// Wiring into the Link, in netem's order:
//
//  1. At Enqueue, before the loss model: if dup.Duplicate(now, p), make a
//     copy with ClonePacket(l.pool, p) and enqueue it after p through
//     the same stages minus duplication (netem marks its clone so it is
//     not duplicated again). A copy can then be lost on its own, like in
//     netem, where the loss decision follows duplication.
//  2. At Enqueue, after the loss model: if corrupt.Corrupt(now, p), count
//     it; the packet carries on with one bit flipped.
//  3. When a serialized packet moves to the delay line at time at: if
//     reorder.Immediate(at, p), push it due at at rather than at the drawn
//     delay. It overtakes packets already on the medium, so the Link must
//     then use reorderLine (jitter.go) as its delay line. netem requires a
//     delay for reordering to mean anything; so does this stage.

package netem

import (
	"math/bits"
	"math/rand/v2"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// PCG streams of the impairments, distinct from every other stage's.
const (
	duplicateStream = 0x64757065 // "dupe"
	corruptStream   = 0x636f7272 // "corr"
	reorderStream   = 0x72656f72 // "reor"
)

// correlatedChance is a Bernoulli decision with netem's correlation,
// netem's struct crndstate applied to a probability.
type correlatedChance struct {
	p, rho float64
	last   float64
	rng    rand.PCG
}

func (c *correlatedChance) init(p, rho float64, seed, stream uint64) {
	c.p, c.rho = p, rho
	c.rng.Seed(seed, stream)
	c.last = uniform01(c.rng.Uint64())
}

// hit draws one variate and reports whether it falls below p.
func (c *correlatedChance) hit() bool {
	u := uniform01(c.rng.Uint64())
	if c.rho > 0 {
		u = float64((1-c.rho)*u) + float64(c.rho*c.last)
		c.last = u
	}
	return u < c.p
}

// Duplicator decides which packets are delivered twice.
type Duplicator struct{ chance correlatedChance }

// NewDuplicator duplicates each packet with probability p (0 to 1) and
// correlation rho (0 to 1), drawing from a generator seeded with seed.
func NewDuplicator(p, rho float64, seed uint64) *Duplicator {
	d := &Duplicator{}
	d.chance.init(p, rho, seed, duplicateStream)
	return d
}

// Duplicate reports whether p, arriving at now, is to be duplicated. One
// variate is drawn per packet.
func (d *Duplicator) Duplicate(units.Time, *packet.Packet) bool { return d.chance.hit() }

// ClonePacket returns a copy of p from pool: the same bytes, the same
// headers where p carries them as metadata, and the same flow, so per-flow accounting sees the duplicate as the flow's traffic
// (the link gives it the original's tag).
func ClonePacket(pool *packet.Pool, p *packet.Packet) *packet.Packet {
	c := pool.Get()
	c.CopyFrom(p)
	return c
}

// Corrupter flips one bit in some packets. The bit is drawn uniformly
// from the bytes after the IPv4 header, so the IP header checksum stays
// valid and the datagram reaches the transport, whose checksum must catch
// the damage: that is the path a corrupted segment takes in a real
// network, and flipping header bits would mostly test the IP layer's
// discard instead. netem flips a bit anywhere in the linear data; it has
// no notion of headers.
type Corrupter struct{ chance correlatedChance }

// NewCorrupter corrupts each packet with probability p (0 to 1) and
// correlation rho (0 to 1), drawing from a generator seeded with seed.
func NewCorrupter(p, rho float64, seed uint64) *Corrupter {
	c := &Corrupter{}
	c.chance.init(p, rho, seed, corruptStream)
	return c
}

// Corrupt decides whether p is corrupted and, if so, flips one bit past
// its IPv4 header and reports true. A packet that is not IPv4, or has no
// byte past its header, is left alone and reported false. Two variates are
// drawn per packet whatever the outcome, so the n-th packet always meets
// the same draws.
func (c *Corrupter) Corrupt(_ units.Time, p *packet.Packet) bool {
	hit := c.chance.hit()
	where := c.chance.rng.Uint64()
	if !hit {
		return false
	}
	// The simulator keeps real bytes wherever a link corrupts; a packet
	// whose headers are metadata gets them written here all the same,
	// so that the bit flipped is one a receiver would check.
	wire.Materialize(p)
	b := wire.IPv4Header(p.Bytes())
	if len(b) < wire.IPv4MinHeaderLen || b.Version() != wire.IPv4Version {
		return false
	}
	ihl := b.HeaderLen()
	if ihl < wire.IPv4MinHeaderLen || ihl >= len(b) {
		return false
	}
	// The high word of where*span is a bit index uniform on [0, span) up
	// to a bias of span/2^64, without the division of a modulo.
	span := uint64(len(b)-ihl) * 8
	hi, _ := bits.Mul64(where, span)
	b[ihl+int(hi>>3)] ^= 1 << (hi & 7)
	return true
}

// Reorderer picks the packets that skip the delay, netem's "reorder P gap
// G": after a packet skips, the next G-1 packets are always delayed, and
// from then on each packet skips with probability P. With G = 1 every
// packet skips independently with probability P; G = 0 turns reordering
// off, as in the kernel. The variate is drawn only for packets past the
// gap, as netem does.
type Reorderer struct {
	chance correlatedChance
	gap    int
	// counter is how many packets were delayed since the last skip.
	counter int
}

// NewReorderer returns the stage for probability p (0 to 1), correlation
// rho (0 to 1) and gap, drawing from a generator seeded with seed.
func NewReorderer(p, rho float64, gap int, seed uint64) *Reorderer {
	r := &Reorderer{gap: gap}
	r.chance.init(p, rho, seed, reorderStream)
	return r
}

// Immediate reports whether p, leaving the transmitter at now, is to be
// delivered at once instead of after the link's delay.
func (r *Reorderer) Immediate(units.Time, *packet.Packet) bool {
	if r.gap == 0 || r.counter < r.gap-1 || !r.chance.hit() {
		r.counter++
		return false
	}
	r.counter = 0
	return true
}
