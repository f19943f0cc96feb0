// CUBIC congestion control: RFC 9438 (Xu, Ha, Rhee, Goel, Eggert 2023; the
// algorithm of Ha, Rhee and Xu, "CUBIC: A New TCP-Friendly High-Speed TCP
// Variant", ACM SIGOPS OSR 2008), with HyStart++ (RFC 9406, hystart.go) in
// slow start. Where the RFC leaves a choice, it is made as Linux's
// net/ipv4/tcp_cubic.c makes it, and the comment at the choice says so.
//
// The model. Reno grows one segment per round trip, so on a path of large
// bandwidth-delay product it takes thousands of round trips to refill the
// window after a halving, and its growth depends on the RTT. CUBIC grows as
// a function of the time since the last congestion event instead: a cubic
// curve whose plateau is W_max, the window where congestion last struck. It
// climbs steeply right after the reduction, flattens near W_max, where the
// path last overflowed, and, if no loss comes, probes beyond it slowly at
// first and then faster (the concave and convex regions). Because the curve
// runs on wall-clock time, flows with different RTTs reach the same window
// in the same time. Where Reno would be faster (small BDP, short RTT), a
// Reno estimate W_est takes over, so CUBIC is never less aggressive than
// Reno there (the Reno-friendly region).
//
// The equations, windows in segments and times in seconds (the code keeps
// bytes and microseconds; see cubicDelta):
//
//	W_cubic(t) = C·(t − K)³ + W_max                         §4.2 Figure 1
//	K = ∛((W_max − cwnd_epoch) / C)                         §4.2 Figure 2
//	    t is the time since the current congestion-avoidance stage began
//	    (t_epoch), cwnd_epoch the window then; K = 0, W_max = cwnd_epoch
//	    when no W_max above cwnd_epoch is known (after an RTO, §4.8, or
//	    when slow start ended without a congestion event, §4.10)
//	target = clamp(W_cubic(t + RTT), cwnd, 1.5·cwnd)        §4.2, RTT = SRTT
//	per ACK of N segments:  cwnd += (target − cwnd) · N / cwnd
//	W_est += α·N/cwnd, W_est = cwnd_epoch at t_epoch,        §4.3
//	    α = 3(1 − β)/(1 + β) until W_est ≥ cwnd_prior, then α = 1
//	W_cubic(t) < W_est:  cwnd = W_est (Reno-friendly region)
//	congestion event:  ssthresh = max(β·cwnd, 2 segments)    §4.6
//	                   W_max = cwnd·(1 + β)/2 if cwnd < W_max (fast
//	                   convergence, §4.7), else cwnd; cwnd_prior = cwnd
//	loss:              fast recovery by the sender (PRR), then
//	                   cwnd = ssthresh                       RFC 6937, Linux
//	ECN-Echo:          cwnd = ssthresh                       RFC 3168, §4.6
//	RTO:               cwnd = 1, W_max forgotten             §4.8
//	                   (ssthresh held during fast recovery and after an
//	                   RTO with nothing acknowledged since, as Linux does)
//
// β multiplies cwnd, not FlightSize: Linux does, and RFC 9438 §4.6 allows it
// for a sender that, like this one, does not grow cwnd while application
// limited. The Reno-friendly switch to α = 1 is RFC 9438's (a SHOULD);
// Linux keeps α near 0.53 throughout (its beta_scale). In the Reno-friendly
// region cwnd is raised to W_est but never lowered to it on an ACK.
//
// The phases and what moves between them:
//
//	             HyStart++: RTT rose                 CSS over: ssthresh = cwnd
//	 slow_start ───────────────────► conservative_ ─────────────────────┐
//	  │  ▲  ◄───── RTT fell back ──── slow_start                        ▼
//	  │  │                                         congestion_avoidance
//	  │  │     cwnd reaches ssthresh                    │        ▲
//	  └──│──────────────────────────────────────────►   │ Loss   │ RecoveryExit
//	     │                                              ▼        │
//	     │                                         fast_recovery ┘
//	     └── RTO from any phase; IdleRestart when it leaves cwnd below ssthresh
//
// Loss from any phase enters fast_recovery; ECN from any phase goes to
// congestion_avoidance with cwnd = ssthresh. A congestion event ends the
// epoch; the next one begins at the first ACK in congestion avoidance.
//
// While the sender is application limited nothing grows, neither cwnd nor
// W_est (RFC 9438 §5.8). A restart after idle sets cwnd to min(cwnd, IW)
// (RFC 5681 §4.1) and, as Linux does since 2015 (bictcp_cwnd_event), moves
// t_epoch later by the idle time, so the curve keeps its shape instead of
// jumping ahead by however long the application was silent. The idle time
// runs from the last ACK, when the pipe emptied; Linux measures from the
// last send, which this algorithm does not see. HyStart++ starts over after
// a restart while ssthresh is still infinite (RFC 9406 §4.2 allows it);
// after a congestion event slow start stops at ssthresh without it.
// Undoing a reduction found spurious (Linux's undo_cwnd) is not modelled.
//
// The arithmetic is integer, as Linux's is: the curve is exact to a byte
// and a microsecond on every platform, with no floating point whose result
// could depend on the compiler fusing a multiply-add.
//
// Two names are registered: "cubic", with HyStart++ in the initial slow
// start (RFC 9438 §4.10 allows a hybrid slow start; Linux runs its own
// HyStart by default), and "cubic-nohystart", with standard slow start,
// for comparing the two. Experiments choose an algorithm by name, so a
// variant is a name rather than an option, and a package-level switch
// would be shared by every run in the process.

package cc

import (
	"math/bits"

	"ccbench/units"
)

func init() {
	MustRegister("cubic", func() CongestionControl { return &cubic{name: "cubic", useHyStart: true} })
	MustRegister("cubic-nohystart", func() CongestionControl { return &cubic{name: "cubic-nohystart"} })
}

// CUBIC's constants, RFC 9438 §4.1.2 and §5, as exact fractions.
const (
	// C = 0.4 segments per second³ sets how fast the window returns to
	// W_max: K = ∛(W_max·(1 − β)/C) is 4.2 s for a W_max of 100 segments
	// whatever the RTT. The value of Ha, Rhee and Xu, kept by RFC 9438 §5:
	// fast enough to refill long fat pipes, slow enough to share with Reno
	// where the two meet (§5.2).
	cubicCNum, cubicCDen = 2, 5
	// β = 0.7 is the multiplicative decrease: gentler than Reno's 0.5, so
	// a single loss costs less throughput on a high-BDP path; fast
	// convergence makes up for the slower release of bandwidth to new
	// flows (§4.6, §4.7).
	cubicBetaNum, cubicBetaDen = 7, 10
	// α = 3(1 − β)/(1 + β) = 9/17 is the additive increase, per RTT, of an
	// AIMD(α, β) flow with the average throughput of Reno's AIMD(1, 0.5)
	// (Floyd, Handley, Padhye 2000), which W_est models (§4.3). The
	// denominator is kept when α becomes 1 (17/17), so W_est's credit
	// means the same on both sides of the switch.
	cubicAlphaNum, cubicAlphaDen = 3 * (cubicBetaDen - cubicBetaNum), cubicBetaDen + cubicBetaNum
	// cubicMaxGrowthDen caps target at cwnd + cwnd/2 (§4.2): at most half
	// a window per RTT, slow start's pace with delayed ACKs, however far
	// the curve has run ahead (after a long app-limited period, or a long
	// RTT in the convex region). Linux's ca->cnt ≥ 2.
	cubicMaxGrowthDen = 2
)

// cubicMaxOffsetUs bounds |t − K| in the curve, in microseconds (about 71
// minutes), so the cube fits the 128-bit arithmetic of cubicDelta. The
// window there is C·4295³ ≈ 3·10¹⁰ segments, far beyond any target the
// 1.5·cwnd cap lets through.
const cubicMaxOffsetUs = 1<<32 - 1

type cubic struct {
	name       string
	useHyStart bool

	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int

	// wMax is W_max in bytes: cwnd at the last congestion event, lowered
	// by fast convergence; 0 when unknown (before the first, after an RTO).
	wMax int
	// cwndPrior is cwnd when ssthresh was last set, where W_est switches
	// from α to 1 (§4.3).
	cwndPrior int

	// The current congestion-avoidance epoch; inEpoch is false between a
	// congestion event and the first ACK in congestion avoidance.
	inEpoch    bool
	epochStart units.Time // t_epoch
	k          int64      // K in microseconds
	origin     int64      // the plateau of the curve in bytes: W_max, or cwnd_epoch
	wEst       int64      // W_est in bytes
	// estCredit and growCredit carry what the integer divisions of W_est's
	// and cwnd's per-ACK increases left over, so growth is exact over many
	// ACKs: estCredit is in units of 1/(α-denominator·cwnd) bytes,
	// growCredit in units of 1/cwnd bytes.
	estCredit  int64
	growCredit int64

	hystart HyStart

	// recovering is set between Loss and RecoveryExit (or an RTO).
	recovering bool
	// timedOut is set by an RTO and cleared by the first ACK of new data:
	// while it is set a further RTO holds ssthresh, as in Reno.
	timedOut bool
	// lastAckAt is when the last ACK arrived; a restart after idle moves
	// the epoch by the time since.
	lastAckAt units.Time
}

var (
	_ CongestionControl = (*cubic)(nil)
	_ Describer         = (*cubic)(nil)
)

func (c *cubic) Name() string { return c.name }

// Description is the one-line summary `ccbench list` prints.
func (c *cubic) Description() string {
	if c.useHyStart {
		return "RFC 9438 CUBIC: cubic growth around the last W_max, β 0.7, Reno-friendly floor; HyStart++ slow start"
	}
	return "RFC 9438 CUBIC with standard slow start (no HyStart++)"
}

func (c *cubic) Init(now units.Time, mss, initialWindow int) {
	*c = cubic{
		name:          c.name,
		useHyStart:    c.useHyStart,
		mss:           mss,
		initialWindow: initialWindow,
		cwnd:          initialWindow,
		ssthresh:      InfiniteSsthresh,
		lastAckAt:     now,
	}
}

func (c *cubic) OnAck(a *Ack) {
	c.lastAckAt = a.Now
	if a.Acked > 0 {
		c.timedOut = false
	}
	if a.InRecovery {
		// The sender sets the window during fast recovery (PRR toward
		// ssthresh), as Linux's tcp_cong_control does for CUBIC.
		return
	}
	if a.Acked == 0 || a.AppLimited {
		return
	}
	acked := a.Acked
	if c.cwnd < c.ssthresh {
		if acked = c.slowStart(a); acked == 0 {
			return
		}
	}
	rtt := a.SRTT
	if rtt == 0 {
		rtt = a.RTT
	}
	c.congestionAvoidance(a.Now, rtt, int64(acked))
}

// slowStart grows cwnd for one ACK below ssthresh and returns the bytes
// left over for congestion avoidance: those beyond ssthresh, or all of
// them if HyStart++ ends slow start on this ACK.
func (c *cubic) slowStart(a *Ack) (leftover int) {
	limit := ABCLimitSegments * c.mss
	if !c.useHyStart || c.ssthresh != InfiniteSsthresh {
		c.cwnd, leftover = SlowStart(c.cwnd, c.ssthresh, a.Acked, limit)
		return leftover
	}
	divisor, exit := c.hystart.OnAck(a)
	if exit {
		// RFC 9406 §4.2: ssthresh = cwnd ends slow start. No reduction has
		// set cwnd_prior yet, so W_est grows at α = 1, Reno's own rate
		// (RFC 9438 §4.3).
		c.ssthresh = c.cwnd
		return a.Acked
	}
	c.cwnd += min(a.Acked, limit) / divisor
	return 0
}

// congestionAvoidance applies acked bytes to cwnd on the curve of the
// current epoch, beginning one if there is none (RFC 9438 §4.2-4.5).
func (c *cubic) congestionAvoidance(now units.Time, rtt units.Duration, acked int64) {
	if !c.inEpoch {
		c.startEpoch(now)
	}
	cwnd, mss := int64(c.cwnd), int64(c.mss)

	// W_est, Reno's window had it run since t_epoch (§4.3).
	alphaNum := int64(cubicAlphaNum)
	if c.wEst >= int64(c.cwndPrior) {
		alphaNum = cubicAlphaDen
	}
	c.estCredit += alphaNum * mss * acked
	perByte := cubicAlphaDen * cwnd
	c.wEst += c.estCredit / perByte
	c.estCredit %= perByte

	t := now.Sub(c.epochStart)
	if c.cubicWindow(t) < c.wEst {
		// The Reno-friendly region (§4.3).
		if c.wEst > cwnd {
			c.cwnd = int(c.wEst)
		}
		return
	}
	// The concave and convex regions (§4.4, §4.5): aim for where the curve
	// will be one RTT from now, and get there over the coming window.
	target := min(max(c.cubicWindow(t+rtt), cwnd), cwnd+cwnd/cubicMaxGrowthDen)
	c.growCredit += (target - cwnd) * acked
	c.cwnd += int(c.growCredit / cwnd)
	c.growCredit %= cwnd
}

// startEpoch begins a congestion-avoidance stage at now with the current
// cwnd as cwnd_epoch (RFC 9438 §4.2). As in Linux's bictcp_update, when
// W_max is unknown or not above cwnd_epoch the curve starts at its plateau:
// K = 0 and the plateau is cwnd_epoch (§4.8, §4.10).
func (c *cubic) startEpoch(now units.Time) {
	cwnd := int64(c.cwnd)
	c.inEpoch = true
	c.epochStart = now
	c.k, c.origin = 0, cwnd
	if wMax := int64(c.wMax); wMax > cwnd {
		c.k, c.origin = cubicK(wMax-cwnd, c.mss), wMax
	}
	c.wEst = cwnd
	c.estCredit, c.growCredit = 0, 0
}

// cubicWindow is W_cubic(t) of the current epoch in bytes.
func (c *cubic) cubicWindow(t units.Duration) int64 {
	off := int64(t/units.Microsecond) - c.k
	if off < 0 {
		return c.origin - cubicDelta(-off, c.mss)
	}
	return c.origin + cubicDelta(off, c.mss)
}

// cubicDelta is C·(offset)³ in bytes, offset in microseconds (at most
// cubicMaxOffsetUs; larger ones count as that), rounded down.
//
// In bytes and microseconds C·t³ is C·MSS·off³/10¹⁸: off³ needs up to 96
// bits, so the product is taken in 128 bits (math/bits) and divided in two
// steps that each keep the quotient within 64 bits. Dividing off³ by
// 10¹²·C's denominator first costs less than a millionth of a byte.
func cubicDelta(offUs int64, mss int) int64 {
	off := uint64(min(offUs, cubicMaxOffsetUs))
	hi, lo := bits.Mul64(off*off, off)
	q, _ := bits.Div64(hi, lo, cubicCDen*1e12) // hi < 2³² < the divisor
	hi, lo = bits.Mul64(q, cubicCNum*uint64(mss))
	delta, _ := bits.Div64(hi, lo, 1e6) // q·C·MSS < 2⁷¹: hi < 2⁷ < the divisor
	return int64(delta)
}

// cubicK is K in microseconds for a curve that must rise diff bytes from
// cwnd_epoch to W_max: the least offset whose cubicDelta reaches diff, so
// that W_cubic(K) is W_max to the byte with the very arithmetic the curve
// uses. A binary search over 32 bits, once per epoch, where Linux's
// cubic_root uses a table and a Newton step; cost is no concern here and
// this cannot be off by one.
func cubicK(diff int64, mss int) int64 {
	lo, hi := int64(0), int64(cubicMaxOffsetUs)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if cubicDelta(mid, mss) >= diff {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func (c *cubic) OnCongestion(e *Event) {
	switch e.Kind {
	case Loss:
		c.reduce()
		c.cwnd = c.ssthresh
		c.recovering = true
	case ECN:
		c.reduce()
		c.cwnd = c.ssthresh
	case RTO:
		// Linux's tcp_enter_loss keeps the ssthresh of a fast recovery in
		// progress, which already reduced for this episode, and of an earlier timeout with
		// nothing acknowledged since, which said everything this one says.
		if !c.recovering && !c.timedOut {
			c.ssthresh = c.lossSsthresh()
			c.cwndPrior = c.cwnd
		}
		// §4.8: the first epoch after a timeout starts at its plateau.
		// Linux's bictcp_reset forgets W_max the same way.
		c.wMax = 0
		c.cwnd = renoLossWindow * c.mss
		c.recovering = false
		c.timedOut = true
		c.inEpoch = false
	case RecoveryExit:
		c.cwnd = exitWindow(e, c.ssthresh)
		c.recovering = false
	case IdleRestart:
		c.cwnd = min(c.cwnd, c.initialWindow)
		if idle := e.Now.Sub(c.lastAckAt); c.inEpoch && idle > 0 {
			c.epochStart = min(c.epochStart.Add(idle), e.Now)
		}
		if c.ssthresh == InfiniteSsthresh {
			c.hystart.Reset()
		}
	}
}

// reduce is the multiplicative decrease of a loss or an ECN echo (RFC 9438
// §4.6, §4.7): a new W_max, with fast convergence, a new ssthresh, and the
// end of the epoch.
func (c *cubic) reduce() {
	if c.cwnd < c.wMax {
		// Fast convergence: the window was lower than at the last event,
		// so a new flow is probably taking its share; release more by
		// aiming the plateau between the two.
		c.wMax = int(int64(c.cwnd) * (cubicBetaDen + cubicBetaNum) / (2 * cubicBetaDen))
	} else {
		c.wMax = c.cwnd
	}
	c.ssthresh = c.lossSsthresh()
	c.cwndPrior = c.cwnd
	c.inEpoch = false
}

// lossSsthresh is β·cwnd, floored at two segments as RFC 5681 eq. (4) is.
func (c *cubic) lossSsthresh() int {
	return max(int(int64(c.cwnd)*cubicBetaNum/cubicBetaDen), 2*c.mss)
}

func (c *cubic) Cwnd() int { return c.cwnd }

func (c *cubic) Ssthresh() int { return c.ssthresh }

// PacingRate is 0: CUBIC is ACK-clocked and does not pace.
func (c *cubic) PacingRate() units.Rate { return 0 }

func (c *cubic) Phase() string {
	switch {
	case c.recovering:
		return PhaseFastRecovery
	case c.cwnd < c.ssthresh && c.useHyStart && c.ssthresh == InfiniteSsthresh && c.hystart.InCSS():
		return PhaseConservativeSlowStart
	case c.cwnd < c.ssthresh:
		return PhaseSlowStart
	default:
		return PhaseCongestionAvoidance
	}
}
