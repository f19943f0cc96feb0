package stack

import "ccbench/units"

// rttEstimator computes the retransmission timeout as RFC 6298 specifies:
//
//	first sample R:   SRTT = R, RTTVAR = R/2
//	later samples R': RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'|
//	                  SRTT   = 7/8·SRTT   + 1/8·R'
//	RTO = SRTT + max(G, 4·RTTVAR), clamped to [MinRTO, MaxRTO]
//
// Backoff doubles the RTO on each expiry (§5.5) and is undone by the next
// valid sample (§5.7). Karn's rule (§3) is applied by the caller, which
// passes no samples from retransmitted segments.
type rttEstimator struct {
	srtt, rttvar units.Duration
	minRTT       units.Duration
	latest       units.Duration
	rto          units.Duration
	backoff      uint // number of doublings applied to rto
	samples      int64

	granularity, minRTO, maxRTO units.Duration
}

func newRTTEstimator(c *Config) rttEstimator {
	return rttEstimator{
		rto:         c.InitialRTO,
		granularity: c.ClockGranularity,
		minRTO:      c.MinRTO,
		maxRTO:      c.MaxRTO,
	}
}

// sample folds one RTT measurement into the estimate.
func (e *rttEstimator) sample(r units.Duration) {
	if r <= 0 {
		// Virtual time can make an RTT exactly zero only over a zero-delay
		// path; RFC 6298 requires positive samples, so count it as 1 ns.
		r = 1
	}
	e.latest = r
	e.samples++
	if e.minRTT == 0 || r < e.minRTT {
		e.minRTT = r
	}
	if e.srtt == 0 {
		e.srtt = r
		e.rttvar = r / 2
	} else {
		diff := e.srtt - r
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + r) / 8
	}
	e.backoff = 0
	e.rto = e.clamp(e.srtt + max(e.granularity, 4*e.rttvar))
}

func (e *rttEstimator) clamp(d units.Duration) units.Duration {
	return min(max(d, e.minRTO), e.maxRTO)
}

// current is the RTO with backoff applied.
func (e *rttEstimator) current() units.Duration {
	d := e.rto
	for i := uint(0); i < e.backoff && d < e.maxRTO; i++ {
		d *= 2
	}
	return min(d, e.maxRTO)
}

// backOff doubles the timeout after an expiry (RFC 6298 §5.5).
func (e *rttEstimator) backOff() {
	if e.current() < e.maxRTO {
		e.backoff++
	}
}

// fallbackRTO is the RTO once data flows after a handshake whose SYN or
// SYN-ACK had to be retransmitted and gave no RTT sample (RFC 6298 §5.7).
const fallbackRTO = 3 * units.Second

// afterHandshake applies RFC 6298 §5.7 when the connection is established.
func (e *rttEstimator) afterHandshake(synRetransmitted bool) {
	e.backoff = 0
	if synRetransmitted && e.samples == 0 && e.rto < fallbackRTO {
		e.rto = fallbackRTO
	}
}
