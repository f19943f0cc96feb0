// CUBIC congestion control as Linux runs it: net/ipv4/tcp_cubic.c of Linux
// 6.x (read at a 6.x revision, the one with __bpf_kfunc annotations and
// tcp_snd_cwnd accessors), with its HyStart (hystart_linux.go) in slow
// start. The
// algorithm is Ha, Rhee and Xu's, "CUBIC: A New TCP-Friendly High-Speed TCP
// Variant", ACM SIGOPS OSR 2008, later written down as RFC 9438; where the
// RFC and Linux differ, this file does what Linux does, since Linux is what
// ccbench's users deploy and what the tun driver compares against.
//
// The model. Reno grows one segment per round trip, so on a path of large
// bandwidth-delay product it takes thousands of round trips to refill the
// window after a halving. CUBIC grows as a function of the time since the
// last congestion event instead: a cubic curve whose plateau is W_max, the
// window where congestion last struck. It climbs steeply right after the
// reduction, flattens near W_max and, if no loss comes, probes beyond it
// slowly at first and then faster. Because the curve runs on wall-clock
// time, flows with different RTTs reach the same window in the same time.
// Where Reno would be faster, a Reno estimate takes over.
//
// The equations, in Linux's units: windows in segments, time in 1/1024 s
// (BICTCP_HZ = 10), the clock in jiffies of 1 ms (HZ = 1000):
//
//	W(t) = origin ± (410·|t − K|³) >> 40        bictcp_update: in seconds
//	       0.4·(t − K)³ + W_max segments        (bic_scale 41, C ≈ 0.4)
//	K    = ∛(2⁴⁰/410 · (W_max − cwnd_epoch))    in 1/1024 s
//	t    = now − t_epoch + delay_min             the curve one minimum RTT
//	                                             ahead, not one SRTT
//	cnt  = cwnd / (W(t) − cwnd), or 100·cwnd if W(t) ≤ cwnd
//	       at most 20 while no W_max is known    (5% growth per RTT)
//	Reno estimate: +1 segment per cwnd·15/8 segments ACKed (beta_scale,
//	       α ≈ 0.53); if ahead of cwnd, cnt ≤ cwnd/(estimate − cwnd)
//	cnt ≥ 2                                      at most 1.5·cwnd per RTT
//	per ACK of N segments: cwnd += 1 every cnt segments ACKed
//	                                             (tcp_cong_avoid_ai)
//	loss, ECN: ssthresh = max(cwnd·717/1024, 2)  cubictcp_recalc_ssthresh
//	           W_max = cwnd·(1024+717)/2048 if cwnd < W_max (fast
//	           convergence), else cwnd; the epoch ends
//	RTO:       everything reset (bictcp_reset): W_max, delay_min, HyStart
//	fast recovery: the sender's (PRR, tcp_cwnd_reduction); at its end
//	           cwnd = ssthresh (tcp_end_cwnd_reduction), handed in
//	           RecoveryExit's Event.Cwnd
//
// cnt is recomputed at most once per jiffy, and not at all while cwnd is
// unchanged and the last computation is less than HZ/32 (31 ms) old; the
// ACKs in between still count toward the Reno estimate and growth.
// delay_min is the least RTT sample since the connection began (or the last
// RTO); samples in the first second of an epoch are ignored for it and for
// HyStart, as Linux ignores those right after fast recovery.
//
// The phases and what moves between them:
//
//	             HyStart: ACK train or delay         (ssthresh = cwnd)
//	 slow_start ──────────────────────────────────────────────────┐
//	  │  ▲                                                        ▼
//	  │  │     cwnd reaches ssthresh                    congestion_avoidance
//	  └──│──────────────────────────────────────────►   │        ▲
//	     │                                              ▼ Loss   │ RecoveryExit
//	     │                                         fast_recovery ┘
//	     └── RTO from any phase; IdleRestart when it leaves cwnd below ssthresh
//
// Loss from any phase enters fast_recovery; ECN from any phase goes to
// congestion_avoidance with cwnd = ssthresh. While the sender is
// application limited nothing grows (Linux's tcp_is_cwnd_limited).
//
// Deliberate differences from Linux, each because of what the algorithm
// sees or because ccbench counts bytes:
//
//   - The window is kept in bytes, as every algorithm here keeps it; the
//     curve, cnt, ssthresh and W_max are computed in whole segments of the
//     sender's MSS, as Linux computes them in packets, and growth counts
//     acknowledged bytes against cnt segments, which is Linux's count when
//     ACKs cover whole segments.
//   - The jiffy is 1 ms (a kernel built with HZ = 1000); kernels with HZ
//     = 250 see the same curve in steps of 4 ms.
//   - RTT samples are Ack.RTT (the newest segment an ACK covers, Karn's
//     rule applied), truncated to microseconds, as Linux's ca_rtt_us.
//   - A restart after idle moves t_epoch later by the idle time, as Linux's
//     cubictcp_cwnd_event does, but measured from the last ACK (when the
//     pipe emptied), since the algorithm does not see the last send.
//   - Undoing a reduction found spurious (Linux's undo_cwnd) is not
//     modelled.
//
// The arithmetic is integer, as Linux's is, so the windows are exact and
// the same on every platform; K's cube root is Linux's own approximation
// (CubicRoot), not the exact root, and the curve's scaling is Linux's.
//
// Three names are registered. "cubic" is the above: Linux's defaults.
// "cubic-hystartpp" replaces Linux's HyStart with RFC 9406's HyStart++
// (hystart.go) in the initial slow start, RFC 9438 §4.10's recommendation;
// "cubic-nohystart" runs standard slow start to the first loss (Linux's
// hystart=0). Experiments choose an algorithm by name, so a variant is a
// name rather than an option.

package cc

import (
	"math/bits"

	"github.com/ccbench/ccbench/units"
)

func init() {
	MustRegister("cubic", func() CongestionControl { return &cubic{name: "cubic", slowStartMode: cubicHyStartLinux} })
	MustRegister("cubic-hystartpp", func() CongestionControl { return &cubic{name: "cubic-hystartpp", slowStartMode: cubicHyStartPP} })
	MustRegister("cubic-nohystart", func() CongestionControl { return &cubic{name: "cubic-nohystart"} })
}

// cubicSlowStart says how a CUBIC variant leaves its initial slow start.
type cubicSlowStart uint8

const (
	cubicNoHyStart    cubicSlowStart = iota // at the first loss
	cubicHyStartLinux                       // Linux's HyStart (hystart_linux.go)
	cubicHyStartPP                          // RFC 9406 HyStart++ (hystart.go)
)

// Linux's tcp_cubic.c constants and the values its module init derives.
const (
	// cubicBeta is beta/BICTCP_BETA_SCALE = 717/1024 ≈ 0.7, the
	// multiplicative decrease: gentler than Reno's 0.5, so a loss costs
	// less on a high-BDP path; fast convergence makes up for the slower
	// release of bandwidth to new flows.
	cubicBeta      = 717
	cubicBetaScale = 1024
	// cubicHZShift is BICTCP_HZ: the curve's time unit is 1/1024 s.
	cubicHZShift = 10
	// cubicRTTScale is cube_rtt_scale = bic_scale·10 = 410, the curve's C
	// of 410/1024 ≈ 0.4 segments/s³ once the shifts are taken out: K is
	// 4.2 s for a W_max of 100 segments whatever the RTT.
	cubicRTTScale = 41 * 10
	// cubicCubeFactor is cube_factor = 2⁴⁰/410: K³ in (1/1024 s)³ per
	// segment of W_max − cwnd.
	cubicCubeFactor = (1 << (10 + 3*cubicHZShift)) / cubicRTTScale
	// cubicBetaRenoScale is beta_scale = 8·(1024 + 717)/3/(1024 − 717) =
	// 15: the Reno estimate grows one segment per cwnd·15/8 segments
	// acknowledged, the α = 3(1 − β)/(1 + β) ≈ 0.53 per RTT of an AIMD
	// flow as fair to Reno as β = 0.7 allows.
	cubicBetaRenoScale = 8 * (cubicBetaScale + cubicBeta) / 3 / (cubicBetaScale - cubicBeta)
	// cubicJiffy is the kernel clock tick (HZ = 1000) the epoch is timed
	// in, and cubicRecalcJiffies (HZ/32) how long an unchanged cwnd keeps
	// its cnt.
	cubicJiffy         = units.Millisecond
	cubicJiffiesPerSec = int64(units.Second / cubicJiffy)
	cubicRecalcJiffies = cubicJiffiesPerSec / 32
	// cubicInitialMaxCnt caps cnt at 20 (5% growth per RTT) while no
	// W_max is known: after HyStart the curve alone would be too timid.
	cubicInitialMaxCnt = 20
	// cubicMinCnt is the least cnt: one segment per two acknowledged, at
	// most 1.5·cwnd per RTT, however far the curve has run ahead.
	cubicMinCnt = 2
	// cubicDelayIgnore is how long after an epoch began RTT samples are
	// ignored (Linux: HZ, one second): right after fast recovery they
	// still carry the queue the loss built.
	cubicDelayIgnore = units.Second
)

type cubic struct {
	name          string
	slowStartMode cubicSlowStart

	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int
	// segs is update's division of cwnd by the MSS, once per ACK.
	segs units.DivMemo

	// Linux's struct bictcp, windows in segments, times in jiffies.
	cnt            int64 // grow cwnd by one segment per cnt segments ACKed
	lastMaxCwnd    int64 // W_max; 0 when unknown
	lastCwnd       int64 // cwnd when cnt was last computed
	lastTime       int64 // when it was, in jiffies
	originPoint    int64 // the curve's plateau
	k              int64 // K in 1/1024 s
	delayMin       units.Duration
	inEpoch        bool
	epochStart     int64 // t_epoch in jiffies
	epochStartTime units.Time
	ackCnt         int64 // bytes ACKed since the Reno estimate last grew
	tcpCwnd        int64 // the Reno estimate in segments

	// cwndCnt is Linux's snd_cwnd_cnt in bytes: what has been ACKed
	// toward the next segment of growth.
	cwndCnt int64

	hystart   LinuxHyStart
	hystartPP HyStart

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
	switch c.slowStartMode {
	case cubicHyStartLinux:
		return "CUBIC as Linux 6.x tcp_cubic.c: cubic growth around the last W_max, β 717/1024, Reno-friendly floor; Linux HyStart (ACK train, delay)"
	case cubicHyStartPP:
		return "Linux CUBIC with RFC 9406 HyStart++ in slow start instead of Linux's HyStart"
	}
	return "Linux CUBIC with standard slow start (no HyStart)"
}

func (c *cubic) Init(now units.Time, mss, initialWindow int) {
	*c = cubic{
		name:          c.name,
		slowStartMode: c.slowStartMode,
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
	if a.RTT > 0 {
		c.onRTTSample(a)
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
	c.congestionAvoidance(a.Now, int64(acked))
}

// onRTTSample is Linux's cubictcp_acked: it keeps delay_min and runs
// HyStart on an ACK with an RTT sample. HyStart ends slow start by setting
// ssthresh to cwnd before this ACK grows the window, as Linux's
// pkts_acked runs before cong_avoid, so the ACK counts in congestion
// avoidance.
func (c *cubic) onRTTSample(a *Ack) {
	if c.inEpoch && a.Now.Sub(c.epochStartTime) < cubicDelayIgnore {
		return
	}
	delay := max(a.RTT-a.RTT%units.Microsecond, units.Microsecond)
	if c.delayMin == 0 || delay < c.delayMin {
		c.delayMin = delay
	}
	if c.slowStartMode == cubicHyStartLinux && c.cwnd < c.ssthresh &&
		c.hystart.OnAck(a, delay, c.delayMin, c.cwnd/c.mss, c.mss) {
		c.ssthresh = c.cwnd
	}
}

// slowStart grows cwnd for one ACK below ssthresh and returns the bytes
// left over for congestion avoidance: those beyond ssthresh, or all of
// them if HyStart++ ends slow start on this ACK.
func (c *cubic) slowStart(a *Ack) (leftover int) {
	if c.slowStartMode != cubicHyStartPP || c.ssthresh != InfiniteSsthresh {
		// Linux's tcp_slow_start: every byte the ACK delivers, unless the
		// sender follows RFC 3465's L (Ack.SlowStartLimit).
		c.cwnd, leftover = SlowStart(c.cwnd, c.ssthresh, a.Acked, a.SlowStartLimit)
		return leftover
	}
	limit := ABCLimitSegments * c.mss
	divisor, exit := c.hystartPP.OnAck(a)
	if exit {
		// RFC 9406 §4.2: ssthresh = cwnd ends slow start.
		c.ssthresh = c.cwnd
		return a.Acked
	}
	c.cwnd += min(a.Acked, limit) / divisor
	return 0
}

// congestionAvoidance is Linux's bictcp_update followed by
// tcp_cong_avoid_ai: recompute cnt if it is due, then grow cwnd by one
// segment for every cnt segments acknowledged.
func (c *cubic) congestionAvoidance(now units.Time, acked int64) {
	// bictcp_update's first test, here: on most ACKs cnt is not due
	// (cwnd unchanged, less than a jiffy's recalculation period since),
	// and update is not called.
	cwnd := int64(c.segs.Div(c.cwnd, c.mss))
	jiffies := int64(now / units.Time(cubicJiffy))
	c.ackCnt += acked
	if c.lastCwnd != cwnd || jiffies-c.lastTime > cubicRecalcJiffies {
		c.update(now, jiffies, cwnd, acked)
	}
	mss := int64(c.mss)
	w := c.cnt * mss
	// Credit earned at a larger cnt is applied gently: one segment.
	if c.cwndCnt >= w {
		c.cwndCnt = 0
		c.cwnd += c.mss
	}
	c.cwndCnt += acked
	if c.cwndCnt >= w {
		delta := c.cwndCnt / w
		c.cwndCnt -= delta * w
		c.cwnd += int(delta) * c.mss
	}
	c.cwnd = min(c.cwnd, InfiniteSsthresh)
}

// update is Linux's bictcp_update once cnt is due (congestionAvoidance
// tests that, and counts the ACK in ackCnt): cnt for the current cwnd (in
// segments), from the cubic curve of the epoch (begun here if none is
// under way) and the Reno estimate.
func (c *cubic) update(now units.Time, jiffies, cwnd, acked int64) {
	if !c.inEpoch || jiffies != c.lastTime {
		c.lastCwnd, c.lastTime = cwnd, jiffies
		if !c.inEpoch {
			c.startEpoch(now, jiffies, cwnd, acked)
		}
		c.cnt = c.curveCnt(jiffies, cwnd)
	}
	c.renoFriendly(cwnd)
	c.cnt = max(c.cnt, cubicMinCnt)
}

// startEpoch begins a congestion-avoidance epoch at cwnd_epoch = cwnd: the
// curve's plateau is W_max, K away, or cwnd itself, K = 0, when no W_max
// above it is known (after an RTO, or slow start ended without a loss).
func (c *cubic) startEpoch(now units.Time, jiffies, cwnd, acked int64) {
	c.inEpoch = true
	c.epochStart, c.epochStartTime = jiffies, now
	c.ackCnt = acked
	c.tcpCwnd = cwnd
	if c.lastMaxCwnd <= cwnd {
		c.k, c.originPoint = 0, cwnd
	} else {
		c.k, c.originPoint = int64(CubicRoot(cubicCubeFactor*uint64(c.lastMaxCwnd-cwnd))), c.lastMaxCwnd
	}
}

// curveCnt is the cnt that brings cwnd to W(t) over the next window, t
// being one minimum RTT from now on the epoch's clock.
func (c *cubic) curveCnt(jiffies, cwnd int64) int64 {
	t := jiffies - c.epochStart + cubicUsecsToJiffies(c.delayMin)
	t = (t << cubicHZShift) / cubicJiffiesPerSec
	offs := t - c.k
	if offs < 0 {
		offs = -offs
	}
	delta := cubicDelta(uint64(offs))
	target := c.originPoint + delta
	if t < c.k {
		target = c.originPoint - delta
	}
	cnt := 100 * cwnd
	if target > cwnd {
		cnt = cwnd / (target - cwnd)
	}
	if c.lastMaxCwnd == 0 {
		cnt = min(cnt, cubicInitialMaxCnt)
	}
	return cnt
}

// renoFriendly grows the Reno estimate by what was acknowledged and, where
// it is ahead of cwnd, lowers cnt so that cwnd grows at least as fast.
func (c *cubic) renoFriendly(cwnd int64) {
	per := (cwnd * cubicBetaRenoScale >> 3) * int64(c.mss)
	if per > 0 && c.ackCnt > per {
		n := (c.ackCnt - 1) / per
		c.ackCnt -= n * per
		c.tcpCwnd += n
	}
	if c.tcpCwnd > cwnd {
		c.cnt = min(c.cnt, cwnd/(c.tcpCwnd-cwnd))
	}
}

// cubicDelta is (410·offs³) >> 40 segments for offs in 1/1024 s, the
// curve's distance from its plateau, with offs capped at 2³⁰ (twelve
// days). The product is taken in 128 bits, so it cannot wrap where
// Linux's 64-bit one would, seven minutes from the plateau; the 1.5·cwnd
// cap on growth makes either harmless.
func cubicDelta(offs uint64) int64 {
	offs = min(offs, cubicMaxOffs)
	hi, lo := bits.Mul64(offs*offs, offs) // < 2⁹⁰
	hi2, lo2 := bits.Mul64(lo, cubicRTTScale)
	hi2 += hi * cubicRTTScale // < 2⁹⁹ in all
	return int64(hi2<<(64-40) | lo2>>40)
}

// cubicMaxOffs bounds |t − K| in cubicDelta.
const cubicMaxOffs = 1 << 30

// CubicRoot is K's cube root computed the way Linux's cubic_root
// (tcp_cubic.c) computes it, which is not quite ⌊∛a⌋: K is a whole
// number of 1/1024 s and one of Linux's differs from the exact root by a
// unit or two (8269 against 8271 on the shipped bottleneck), which moves
// the curve, ssthresh and, through PRR, the window in recovery by a
// packet. The procedure:
//
//   - for a < 64 the answer is read off a 64-entry table of first guesses
//     g[i], each about ∛i in 1/64 units: (g[a] + 35) / 64;
//   - otherwise b = ⌊(84·fls(a))/256⌋ − 1, about a third of a's bit
//     length less one, and the top bits of a, i = a >> 3b (8 ≤ i < 64),
//     give the guess x = ((g[i] + 10) << b) / 64 for ∛a;
//   - one Newton step on x³ = a follows, with x(x−1) as the square and
//     ×341/1024 as the third: x' = (2x + a / (x(x−1)))·341/1024, in 32-bit
//     arithmetic.
//
// The table starts from the rule its authors give, g[i] = 64·∛i − 1, which
// they then adjusted by hand. These entries were found by running the
// kernel's own function (compiled from tcp_cubic.c for wasm32) on 1.9
// million inputs and keeping, for each entry, the values for which
// CubicRoot agreed on every input that reads it: entries 8–63 each allowed
// exactly one value, 0 to 4 below the rule's; entries 0–7
// are read only through the rounding for a < 64, where any of 29–64
// values agree, and keep the rule's. kernelcc's TestCubicRootMatchesLinux
// compares the two on every a below 2¹⁸ and on inputs spread over the
// whole 64-bit range.
func CubicRoot(a uint64) uint32 {
	b := uint32(bits.Len64(a))
	if b < 7 {
		return (uint32(cubicRootGuess[a]) + 35) >> 6
	}
	b = (b*84)>>8 - 1
	x := (uint32(cubicRootGuess[a>>(3*b)]) + 10) << b >> 6
	x = 2*x + uint32(a/(uint64(x)*uint64(x-1)))
	return x * 341 >> 10
}

// cubicRootGuess is CubicRoot's table of first guesses.
var cubicRootGuess = [64]uint8{
	0, 63, 80, 91, 101, 108, 115, 121,
	123, 129, 134, 138, 143, 147, 151, 156,
	157, 161, 164, 168, 170, 173, 176, 179,
	181, 185, 187, 190, 192, 194, 197, 199,
	200, 202, 204, 206, 209, 211, 213, 215,
	217, 219, 221, 222, 224, 225, 227, 229,
	231, 232, 234, 236, 237, 239, 240, 242,
	244, 245, 246, 248, 250, 251, 252, 254,
}

// cubicUsecsToJiffies is Linux's usecs_to_jiffies: rounded up.
func cubicUsecsToJiffies(d units.Duration) int64 {
	return int64((d + cubicJiffy - 1) / cubicJiffy)
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
		}
		// Entering the Loss state resets everything (cubictcp_state,
		// bictcp_reset): W_max, delay_min, the epoch, and HyStart, which
		// runs again in the slow start that follows.
		c.resetState()
		c.cwndCnt = 0 // tcp_enter_loss zeroes snd_cwnd_cnt
		c.cwnd = renoLossWindow * c.mss
		c.recovering = false
		c.timedOut = true
	case RecoveryExit:
		c.cwnd = exitWindow(e, c.ssthresh)
		c.recovering = false
	case Undo:
		// tcp_undo_cwnd_reduction: CUBIC's undo_cwnd is
		// tcp_reno_undo_cwnd, the larger window.
		c.cwnd = max(c.cwnd, e.Cwnd)
		c.ssthresh = max(c.ssthresh, e.Ssthresh)
		c.recovering = false
	case IdleRestart:
		c.cwnd = min(c.cwnd, c.initialWindow)
		if idle := e.Now.Sub(c.lastAckAt); c.inEpoch && idle > 0 {
			// cubictcp_cwnd_event: the curve resumes where it paused.
			now := int64(e.Now / units.Time(cubicJiffy))
			c.epochStart = min(c.epochStart+int64(idle/cubicJiffy), now)
			c.epochStartTime = min(c.epochStartTime.Add(idle), e.Now)
		}
		if c.ssthresh == InfiniteSsthresh {
			c.hystartPP.Reset()
		}
	}
}

// resetState is Linux's bictcp_reset with bictcp_hystart_reset.
func (c *cubic) resetState() {
	c.cnt, c.lastMaxCwnd, c.lastCwnd, c.lastTime = 0, 0, 0, 0
	c.originPoint, c.k, c.delayMin = 0, 0, 0
	c.inEpoch, c.epochStart, c.epochStartTime = false, 0, 0
	c.ackCnt, c.tcpCwnd = 0, 0
	c.hystart.Reset()
}

// reduce is cubictcp_recalc_ssthresh, for a loss or an ECN echo: a new
// W_max, with fast convergence, a new ssthresh, and the end of the epoch.
// The growth credit goes too, as tcp_init_cwnd_reduction zeroes
// snd_cwnd_cnt before it asks the module for ssthresh.
func (c *cubic) reduce() {
	c.cwndCnt = 0
	cwnd := int64(c.cwnd / c.mss)
	if cwnd < c.lastMaxCwnd {
		// Fast convergence: the window was lower than at the last event,
		// so a new flow is probably taking its share; release more by
		// aiming the plateau between the two.
		c.lastMaxCwnd = cwnd * (cubicBetaScale + cubicBeta) / (2 * cubicBetaScale)
	} else {
		c.lastMaxCwnd = cwnd
	}
	c.ssthresh = c.lossSsthresh()
	c.inEpoch = false
}

// lossSsthresh is cwnd·717/1024 in whole segments, at least two.
func (c *cubic) lossSsthresh() int {
	return max(c.cwnd/c.mss*cubicBeta/cubicBetaScale, 2) * c.mss
}

func (c *cubic) Cwnd() int { return c.cwnd }

func (c *cubic) Ssthresh() int { return c.ssthresh }

// PacingRate is 0: CUBIC is ACK-clocked and does not pace.
func (c *cubic) PacingRate() units.Rate { return 0 }

func (c *cubic) Phase() string {
	switch {
	case c.recovering:
		return PhaseFastRecovery
	case c.cwnd < c.ssthresh && c.slowStartMode == cubicHyStartPP && c.ssthresh == InfiniteSsthresh && c.hystartPP.InCSS():
		return PhaseConservativeSlowStart
	case c.cwnd < c.ssthresh:
		return PhaseSlowStart
	default:
		return PhaseCongestionAvoidance
	}
}
