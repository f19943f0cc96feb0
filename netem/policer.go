// A token-bucket policer: traffic above a rate, beyond a burst allowance,
// is dropped on arrival instead of queued. It models an ISP's or a
// mobile network's rate enforcement (tc's "police rate R burst B", a
// single-rate two-color marker in the sense of RFC 2697 with only the
// committed bucket), which a congestion control sees as losses that no
// queueing delay announces, quite unlike a shaping bottleneck.
//
// The bucket holds time, as Linux's act_police and tbf keep it: a full
// bucket is the time the rate takes to send the burst, a packet costs its
// transmission time at the rate, and the bucket refills by the time that
// passes. Integers throughout, so a run is exact and identical anywhere.
//
// Wiring into the Link: at Enqueue, after the loss model and before the
// queue discipline, a packet for which police.Conform(now, p) is false is
// dropped (returned to the pool and counted as a drop, or in a counter of
// its own); a conforming packet carries on.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// Policer is a token bucket of depth burst at rate.
type Policer struct {
	rate units.Rate
	// depth is the bucket's capacity, the burst's transmission time.
	depth units.Duration
	// tokens is the credit held as of last.
	tokens units.Duration
	last   units.Time
}

// NewPolicer returns a policer that passes rate on average and bursts of
// up to burstBytes at once; the bucket starts full. A packet larger than
// burstBytes never conforms; a rate of 0, like LinkConfig's, is unlimited
// and passes everything.
func NewPolicer(rate units.Rate, burstBytes int) *Policer {
	depth := rate.TxTime(burstBytes)
	return &Policer{rate: rate, depth: depth, tokens: depth}
}

// Conform reports whether p, arriving at now, is within the profile, and
// if so takes its cost from the bucket. A non-conforming packet takes
// nothing: it is dropped, and dropped traffic must not use up the
// allowance of the packets that follow. now must not go backwards.
func (t *Policer) Conform(now units.Time, p *packet.Packet) bool {
	if elapsed := now.Sub(t.last); elapsed >= t.depth-t.tokens {
		t.tokens = t.depth
	} else {
		t.tokens += elapsed
	}
	t.last = now
	cost := t.rate.TxTime(p.Len())
	if cost > t.tokens {
		return false
	}
	t.tokens -= cost
	return true
}
