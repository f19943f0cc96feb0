package stack

import "github.com/ccbench/ccbench/units"

// rttEstimator computes the retransmission timeout as RFC 6298 specifies:
//
//	first sample R:   SRTT = R, RTTVAR = R/2
//	later samples R': RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'|
//	                  SRTT   = 7/8·SRTT   + 1/8·R'
//	RTO = SRTT + max(G, 4·RTTVAR), clamped to [MinRTO, MaxRTO]
//
// With Config.LinuxRTO it computes it as Linux 6.x does instead
// (tcp_rtt_estimator, tcp_set_rto, __tcp_set_rto):
//
//	first sample R:   SRTT = R, mdev = R/2, RTTVAR = max(4·mdev, rto_min)
//	later samples R': SRTT = 7/8·SRTT + 1/8·R'; mdev as RFC 6298's RTTVAR,
//	                  except that a sample below SRTT moves it by a
//	                  further eighth only (Linux's Eifel-like damping);
//	                  RTTVAR rises at once to the largest 4·mdev of the
//	                  round trip (mdev_max, itself at least rto_min) and
//	                  decays by a quarter of the excess once per round
//	                  trip (when SND.UNA passes rtt_seq)
//	RTO = SRTT + RTTVAR, capped at MaxRTO
//
// so rto_min is a floor on the variance term, not on the RTO: 300 ms at a
// steady 100 ms RTT where RFC 6298 with a 200 ms floor gives 250 ms.
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
	// cur is what current returns, rto backed off and capped: worked
	// out by setCurrent whenever rto or backoff changes (they change on
	// a sample, an expiry or the handshake, while the timers read the
	// timeout on nearly every segment and ACK).
	cur     units.Duration
	samples int64

	// Linux's estimator state: mdev4 is 4·mdev (Linux's mdev_us),
	// mdevMax the largest mdev4 of the current round trip, varLinux the
	// variance term added to SRTT (rttvar_us), and rttSeq the SND.NXT at
	// which the current round trip ends.
	linux          bool
	mdev4, mdevMax units.Duration
	varLinux       units.Duration
	rttSeq         Seq
	granularity    units.Duration
	minRTO, maxRTO units.Duration
}

func newRTTEstimator(c *Config) rttEstimator {
	e := rttEstimator{
		rto:         c.InitialRTO,
		granularity: c.ClockGranularity,
		minRTO:      c.MinRTO,
		maxRTO:      c.MaxRTO,
		linux:       c.LinuxRTO,
	}
	e.setCurrent()
	return e
}

// sample folds one RTT measurement into the estimate. una and nxt are
// SND.UNA (after the ACK that gave the sample) and SND.NXT, which delimit
// Linux's once-per-round-trip RTTVAR decay.
func (e *rttEstimator) sample(r units.Duration, una, nxt Seq) {
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
	if e.linux {
		e.sampleLinux(r, una, nxt)
		return
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
	e.setCurrent()
}

// sampleLinux is tcp_rtt_estimator followed by tcp_set_rto.
func (e *rttEstimator) sampleLinux(r units.Duration, una, nxt Seq) {
	if e.srtt == 0 {
		e.srtt = r
		e.mdev4 = 2 * r // so that the first RTO is 3·R (above the floor)
		e.varLinux = max(e.mdev4, e.minRTO)
		e.mdevMax = e.varLinux
		e.rttSeq = nxt
	} else {
		err := r - e.srtt
		e.srtt += err / 8
		var m units.Duration
		if err < 0 {
			m = -err - e.mdev4/4
			if m > 0 {
				// The RTT fell: a smaller gain, so the RTO neither grows
				// nor collapses on a decrease.
				m /= 8
			}
		} else {
			m = err - e.mdev4/4
		}
		e.mdev4 += m
		if e.mdev4 > e.mdevMax {
			e.mdevMax = e.mdev4
			e.varLinux = max(e.varLinux, e.mdevMax)
		}
		if una.GT(e.rttSeq) {
			if e.mdevMax < e.varLinux {
				e.varLinux -= (e.varLinux - e.mdevMax) / 4
			}
			e.rttSeq = nxt
			e.mdevMax = e.minRTO
		}
	}
	e.srtt = max(e.srtt, 1)
	e.rttvar = e.mdev4 / 4 // what tcp_info reports as rttvar
	e.backoff = 0
	e.rto = min(e.srtt+e.varLinux, e.maxRTO)
	e.setCurrent()
}

func (e *rttEstimator) clamp(d units.Duration) units.Duration {
	return min(max(d, e.minRTO), e.maxRTO)
}

// current is the RTO with backoff applied.
func (e *rttEstimator) current() units.Duration { return e.cur }

// backedOff works out the RTO with backoff applied, for current.
func (e *rttEstimator) backedOff() units.Duration {
	d := e.rto
	for i := uint(0); i < e.backoff && d < e.maxRTO; i++ {
		d *= 2
	}
	return min(d, e.maxRTO)
}

// setCurrent refreshes cur; every change to rto or backoff calls it.
func (e *rttEstimator) setCurrent() { e.cur = e.backedOff() }

// backOff doubles the timeout after an expiry (RFC 6298 §5.5).
func (e *rttEstimator) backOff() {
	if e.current() < e.maxRTO {
		e.backoff++
		e.setCurrent()
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
	e.setCurrent()
}
