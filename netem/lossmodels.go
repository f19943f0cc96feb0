// Loss models with memory, as Linux netem offers them beside "loss random":
// the Gilbert-Elliott channel ("loss gemodel p r 1-h 1-k") and the
// four-state Markov model ("loss state p13 p31 p32 p23 p14") of Salsano,
// Ludovici and Ordine, "Definition of a general and intuitive loss model
// for packet networks and its implementation in the Netem module in the
// Linux kernel" (2010). Real losses come in bursts, which a Bernoulli
// model cannot produce at any rate, and a loss-based congestion control
// reacts very differently to one burst of five than to five scattered
// losses. A fixed repeating pattern completes the set for tests that need
// to know exactly which packet is lost.
//
// All three implement LossModel and slot in where the Link calls
// l.loss.Lose at enqueue; the random ones draw from their own PCG stream
// seeded from LinkConfig.Seed, one draw per packet.

package netem

import (
	"math/rand/v2"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// PCG streams of the models in this file, distinct from lossStream and from
// each other so that switching models never reuses another's draws.
const (
	gilbertStream   = 0x67696c62 // "gilb"
	fourStateStream = 0x34737461 // "4sta"
)

// uniform01 maps a 64-bit draw to [0, 1) using its top 53 bits, exactly
// representable in a float64, so u < p is an exact comparison that gives
// probability p (to 2^-53) on every platform, never fires for p = 0 and
// always fires for p = 1.
func uniform01(u uint64) float64 {
	return float64(u>>11) * 0x1p-53
}

// GilbertElliott is the two-state Gilbert-Elliott channel. In the Good
// state a packet is lost with probability LossGood (netem's 1-k), in the
// Bad state with probability LossBad (netem's 1-h). Before each packet the
// channel moves Good to Bad with probability P and Bad to Good with
// probability R, and the packet meets the state it moved to: the order
// netem's loss_gilb_ell uses.
//
// The chain spends a fraction P/(P+R) of packets in Bad, so the mean loss
// rate is (R*LossGood + P*LossBad)/(P+R). With LossGood = 0 and LossBad = 1
// (the simple Gilbert model, and netem's default for 1-h and 1-k) every
// loss burst is one sojourn in Bad: bursts are geometric with mean 1/R
// packets and gaps between them geometric with mean 1/P.
type GilbertElliott struct {
	p, r, lossGood, lossBad float64
	bad                     bool
	rng                     rand.PCG
}

var _ LossModel = (*GilbertElliott)(nil)

// GilbertElliottParams are the four probabilities of the model, each from
// 0 to 1, named after netem's "loss gemodel p r 1-h 1-k" arguments.
type GilbertElliottParams struct {
	P        float64 // Good to Bad transition probability
	R        float64 // Bad to Good transition probability
	LossBad  float64 // loss probability in Bad, netem's 1-h
	LossGood float64 // loss probability in Good, netem's 1-k
}

// MeanLossRate is the stationary loss rate of the model.
func (g GilbertElliottParams) MeanLossRate() float64 {
	if g.P+g.R == 0 {
		// The chain never leaves Good, where it starts.
		return g.LossGood
	}
	return (g.R*g.LossGood + g.P*g.LossBad) / (g.P + g.R)
}

// NewGilbertElliott returns the model starting in Good, drawing from a
// generator seeded with seed.
func NewGilbertElliott(g GilbertElliottParams, seed uint64) *GilbertElliott {
	m := &GilbertElliott{p: g.P, r: g.R, lossGood: g.LossGood, lossBad: g.LossBad}
	m.rng.Seed(seed, gilbertStream)
	return m
}

// Lose draws twice per packet, the transition and the loss, whatever the
// state, so the n-th packet always meets the same draws.
func (m *GilbertElliott) Lose(units.Time, *packet.Packet) bool {
	move, lose := uniform01(m.rng.Uint64()), uniform01(m.rng.Uint64())
	if m.bad {
		if move < m.r {
			m.bad = false
		}
	} else if move < m.p {
		m.bad = true
	}
	if m.bad {
		return lose < m.lossBad
	}
	return lose < m.lossGood
}

// FourStateParams are the transition probabilities of netem's "loss state"
// model. The states are 1, a packet received in a gap (loss-free period);
// 2, a packet received inside a burst; 3, a packet lost inside a burst;
// 4, an isolated loss inside a gap. A packet is lost exactly when the
// chain enters state 3 or 4. From 1 the chain goes to 3 with P13, to 4
// with P14 and otherwise stays; from 2 it goes to 3 with P23 and otherwise
// stays; from 3 it goes to 1 with P31, to 2 with P32 and otherwise stays;
// from 4 it always returns to 1. P13+P14 and P31+P32 must not exceed 1.
type FourStateParams struct {
	P13, P31, P32, P23, P14 float64
}

// FourState is netem's four-state Markov loss model.
type FourState struct {
	prm   FourStateParams
	state uint8 // 1 to 4, as in the paper
	rng   rand.PCG
}

var _ LossModel = (*FourState)(nil)

// NewFourState returns the model starting in state 1, drawing from a
// generator seeded with seed.
func NewFourState(prm FourStateParams, seed uint64) *FourState {
	m := &FourState{prm: prm, state: 1}
	m.rng.Seed(seed, fourStateStream)
	return m
}

// Lose makes one transition on one draw, dividing [0, 1) into consecutive
// intervals, one per outgoing transition, as netem does.
func (m *FourState) Lose(units.Time, *packet.Packet) bool {
	u := uniform01(m.rng.Uint64())
	switch m.state {
	case 1:
		switch {
		case u < m.prm.P14:
			m.state = 4
		case u < m.prm.P14+m.prm.P13:
			m.state = 3
		}
	case 2:
		if u < m.prm.P23 {
			m.state = 3
		}
	case 3:
		switch {
		case u < m.prm.P32:
			m.state = 2
		case u < m.prm.P32+m.prm.P31:
			m.state = 1
		}
	case 4:
		m.state = 1
	}
	return m.state >= 3
}

// LossPattern loses packets by a fixed pattern that repeats: the n-th
// packet offered (counting from 0) is lost if pattern[n mod len] is true.
// It exists for tests that must name the lost packets, such as "the third
// segment of the window is lost, nothing else".
type LossPattern struct {
	pattern []bool
	next    int
}

var _ LossModel = (*LossPattern)(nil)

// NewLossPattern returns a model following pattern, which it keeps. An
// empty pattern loses nothing.
func NewLossPattern(pattern []bool) *LossPattern {
	return &LossPattern{pattern: pattern}
}

// Lose reports the pattern's entry for this packet and moves on.
func (m *LossPattern) Lose(units.Time, *packet.Packet) bool {
	if len(m.pattern) == 0 {
		return false
	}
	lost := m.pattern[m.next]
	m.next++
	if m.next == len(m.pattern) {
		m.next = 0
	}
	return lost
}
