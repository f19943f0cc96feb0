// BBR v1 congestion control: draft-cardwell-iccrg-bbr-congestion-control-00
// ("BBR Congestion Control", 2017), as Linux's net/ipv4/tcp_bbr.c runs it,
// with Linux's long-term bandwidth (policer) model. The paper is Cardwell,
// Cheng, Gunn, Hassas Yeganeh and Jacobson, "BBR: Congestion-Based
// Congestion Control", ACM Queue 14(5), 2016.
//
// The model. A path behaves as one bottleneck of rate BtlBw behind a
// round-trip propagation delay RTprop. Sending faster than BtlBw only builds
// a queue; keeping less than BtlBw·RTprop (the bandwidth-delay product, BDP)
// in flight leaves the link idle. So BBR measures both and operates at that
// point instead of filling buffers until they overflow:
//
//	BtlBw   = max of the delivery-rate samples over the last 10 round trips
//	RTprop  = min of the RTT samples over the last 10 seconds
//	pacing  = pacing_gain · BtlBw · (1 − 1%)
//	cwnd    = cwnd_gain · BtlBw · RTprop + 3·send_quantum, rounded up to an
//	          even number of segments, at least 4 segments
//
// The two estimates cannot be measured at once (a queue that shows BtlBw
// hides RTprop), so the gains take turns probing one and then the other:
//
//	          │
//	          ▼
//	 ┌───► startup ────┐   gains 2/ln 2, so the rate doubles every round as
//	 │        │        │   in slow start; the pipe is full after 3 rounds
//	 │        ▼        │   without 25% more BtlBw
//	 │      drain ─────┤   pacing gain ln 2/2 until inflight is one BDP
//	 │        │        │
//	 │        ▼        │
//	 ├───► probe_bw ───┤   pacing gain 5/4, 3/4, 1, 1, 1, 1, 1, 1, one
//	 │                 │   phase per RTprop; cwnd gain 2
//	 │                 │
//	 └──── probe_rtt ◄─┘   RTprop 10 s old: cwnd 4 segments for 200 ms and
//	                       a round, then probe_bw, or startup if the pipe
//	                       was never filled
//
// Losses are not the signal, but they are not ignored: in the first round
// of fast recovery the window follows packet conservation (one segment out
// per segment delivered), later it grows back toward the target, and when
// recovery ends the window in use before it is restored. Token-bucket
// policers, which drop everything above a rate while letting bursts
// through, would make the max filter overestimate forever; the long-term
// model (below) detects two consecutive lossy intervals with the same
// delivery rate and uses that rate, at pacing gain 1, for 48 round trips.
//
// Where this file chooses between the draft and Linux (tcp_bbr.c as of
// Linux 6.x), or adapts either to the facts cc.Ack carries:
//
//   - Round trips are counted as Linux's bbr_update_bw counts them: a round
//     ends at the first valid rate sample of a packet sent once the
//     connection had delivered what it had when the round began
//     (RateSample.PriorDelivered against next_rtt_delivered), and rounds
//     restart where Linux resets next_rtt_delivered. Counting bytes
//     delivered since the round began instead (RoundCounter) stretches a
//     round by everything lost in it, which in a lossy Startup delays
//     full-pipe detection by rounds and costs hundreds of retransmissions.
//   - In fast recovery the window is BBR's own (RecoveryController): the
//     sender runs no PRR for it, as Linux's tcp_cong_control returns
//     before tcp_cwnd_reduction for an algorithm with cong_control.
//   - RTprop is refreshed only by a strictly smaller sample, as Linux does
//     (the draft's pseudo code also takes an equal one). In a simulator
//     an uncongested path gives exactly equal RTTs forever, and with the
//     draft's rule ProbeRTT would never run; with Linux's it runs every
//     10 s, which is what deployed BBR does and users expect to see.
//   - The pacing rate is 1% below gain·BtlBw, as Linux paces, so that the
//     average rate stays just below the bottleneck's; the draft has no
//     margin.
//   - The send quantum is the draft's (1 segment below 1.2 Mbit/s, 2 below
//     24 Mbit/s, else 1 ms of data up to 64 KiB), in whole segments; the
//     target cwnd adds 3 quanta as the draft does, then rounds up to an
//     even segment count and adds 2 segments in the 5/4 phase, as Linux's
//     bbr_quantization_budget does.
//   - Linux's later ACK-aggregation allowance (extra_acked) and its
//     earliest-departure-time inflight estimate are not modelled: neither
//     is in the draft, and the sender here paces itself.
//   - ProbeRTT marks the rate samples of what it sends as application
//     limited, as Linux does through the sender (C.app_limited in the
//     draft); cc.Ack has no way back to the sender, so BBR remembers the
//     span of delivered counts those packets were sent at.
//   - The end of RTO recovery is not an event: it is taken to be the ACK
//     that brings Delivered past what was delivered plus in flight when the
//     timer fired.
//   - The ProbeBW starting phase is drawn from a PCG seeded from the run's
//     seed (cc.ConnSeeder: the stack passes the connection's ISNs, which
//     the hosts draw from it), or outside the stack by Init's time, MSS and
//     initial window (or SetSeed), mixed with the time ProbeBW is entered:
//     runs with the same seed make the same draws, other seeds other ones.
//   - Linux initializes BBR once the handshake is over, so its first
//     flight is paced at 2/ln 2 times the initial window per the SYN's RTT;
//     here Init comes before any RTT is known and the first flight is paced
//     at the 1 ms guess (a burst), the first ACK with a smoothed RTT then
//     setting the rate Linux starts with (bbr_init_pacing_rate_from_rtt).
//   - ECN is ignored, as in BBR v1.

package cc

import (
	"math"
	"math/rand/v2"

	"github.com/ccbench/ccbench/units"
)

func init() { MustRegister("bbr", newBBR1) }

// bbr1HighGain, 2/ln 2, is the smallest gain that doubles the delivery rate
// every round trip (draft §4.3.2.1): a sender pacing at g·BtlBw for one
// round delivers g·BtlBw·RTprop, which must cover what one round of slow
// start sends. Startup uses it for pacing and cwnd.
const bbr1HighGain = 2 / math.Ln2

// bbr1DrainGain is the inverse of bbr1HighGain, so that Drain empties in
// about one round the queue one round of Startup built (draft §4.3.3).
const bbr1DrainGain = 1 / bbr1HighGain

// bbr1CwndGain is the ProbeBW cwnd gain: 2·BDP leaves room for delayed and
// stretched ACKs, which withhold up to a BDP of acknowledgments at a time.
const bbr1CwndGain = 2

// bbr1PacingGainCycle is ProbeBW's gain cycle (draft §4.3.4.1): one phase
// probing with 5/4 for more bandwidth, one draining any queue that built
// with 3/4, six cruising at 1, so the average is 1 and the probe costs at
// most a quarter BDP of queue for one RTprop in eight.
var bbr1PacingGainCycle = [bbr1CycleLen]float64{5.0 / 4, 3.0 / 4, 1, 1, 1, 1, 1, 1}

const (
	bbr1CycleLen = 8
	// bbr1CycleRand is how many phases ProbeBW may start at: all but the
	// 3/4 phase, which would drain a queue nobody built.
	bbr1CycleRand = bbr1CycleLen - 1
)

// bbr1BtlBwFilterLen is the BtlBw window in round trips: a whole gain cycle
// and two more, so the sample a 5/4 probe measured is kept until the next
// probe (draft §4.1.1.2, Linux bbr_bw_rtts).
const bbr1BtlBwFilterLen = bbr1CycleLen + 2

// bbr1RTpropFilterLen is the RTprop window (draft §4.1.2.2): long enough to
// span the natural quiet periods of most traffic, short enough to follow
// a route change within seconds.
const bbr1RTpropFilterLen = 10 * units.Second

// bbr1ProbeRTTDuration is the least time ProbeRTT holds cwnd at
// bbr1MinPipeCwnd: enough to drain a bottleneck queue even at a long RTT,
// and 2% of the RTprop window, which bounds ProbeRTT's cost.
const bbr1ProbeRTTDuration = 200 * units.Millisecond

// bbr1MinPipeCwnd is the least cwnd in segments (draft §4.2.3.3): with a
// receiver acknowledging every second segment, four keep two ACKs in
// flight.
const bbr1MinPipeCwnd = 4

// bbr1FullBwCount is how many round trips without 25% more BtlBw mean the
// pipe is full: one for the receive window to grow, one to
// fill it, one to see the delivery rate follow (Linux bbr_full_bw_cnt).
// The growth test is BtlBw ≥ 5/4 of the last BtlBw that passed it: a
// doubling rate passes easily, a full pipe never does.
const bbr1FullBwCount = 3

// bbr1PacingMarginPercent: Linux paces 1% below the estimate so that the
// average rate, probes included, sits just under the bottleneck's and
// queues drain rather than persist.
const bbr1PacingMarginPercent = 1

// The send quantum (draft §4.2.2): how much the sender may emit back to
// back. Small at low rates, where a burst is a long queue; at high rates
// what bbr1QuantumSpan of pacing carries, so that per-packet costs are
// amortized, up to bbr1MaxQuantum.
const (
	bbr1LowQuantumRate  = 1_200_000 * units.BitPerSecond
	bbr1HighQuantumRate = 24 * units.MbitPerSecond
	bbr1QuantumSpan     = units.Millisecond
	bbr1MaxQuantum      = 64 << 10
)

// bbr1MaxCwnd bounds the window, whatever the estimates, to what an int
// holds on every platform.
const bbr1MaxCwnd = InfiniteSsthresh

// bbr1NoRTprop stands for an RTprop not yet measured (the draft's Inf).
const bbr1NoRTprop = units.Duration(math.MaxInt64)

// bbr1Mode is BBR's state (draft §3.4).
type bbr1Mode uint8

const (
	bbr1Startup bbr1Mode = iota
	bbr1Drain
	bbr1ProbeBW
	bbr1ProbeRTT
)

var bbr1ModeNames = [...]string{"startup", "drain", "probe_bw", "probe_rtt"}

type bbr1 struct {
	// The handshake's RTT, for Init (HandshakeRTT).
	handshakeSRTT, handshakeMinRTT units.Duration

	mss           int
	initialWindow int
	cwnd          int
	ssthresh      int
	pacingRate    units.Rate

	mode       bbr1Mode
	pacingGain float64
	cwndGain   float64

	// The path model: BtlBw is a max filter over round trips, RTprop the
	// least RTT since rtpropStamp.
	btlBw MaxFilter[units.Rate]
	// rttCnt counts round trips; the current one ends at the first valid
	// rate sample of a packet sent once nextRTTDelivered bytes were
	// delivered (Linux's next_rtt_delivered and rtt_cnt).
	rttCnt           int64
	nextRTTDelivered int64
	roundStart       bool
	rtprop           units.Duration
	rtpropStamp      units.Time
	// hasSeenRTT is set once the pacing rate has been computed from a
	// smoothed RTT rather than the 1 ms guess.
	hasSeenRTT bool

	// Startup: the BtlBw at the last 25% growth, and the rounds since.
	fullBw      units.Rate
	fullBwCount int
	filledPipe  bool

	// ProbeBW: the phase of the gain cycle and when it began.
	cycleIndex int
	cycleStamp units.Time
	rng        rand.PCG

	// ProbeRTT: when it may end (units.Never until inflight is down to
	// bbr1MinPipeCwnd), whether a round has passed since, and the span of
	// delivered counts at which its low-rate packets were sent.
	probeRTTDone      units.Time
	probeRTTRoundDone bool
	lowRateFrom       int64
	lowRateTo         int64
	idleRestart       bool

	// Loss recovery: the window to restore afterwards, whether the first
	// round of fast recovery is under way, and where RTO recovery ends.
	priorCwnd          int
	packetConservation bool
	inRecovery         bool
	rtoRecovery        bool
	rtoRecoveryEnd     int64

	// delivered is the connection's Delivered at the last ACK; lost the
	// bytes deemed lost so far.
	delivered int64
	// newly is what the ACK being handled newly delivered.
	newly int
	lost  int64

	lt bbr1LongTerm

	// memo is inflight's last answers and what they were computed from:
	// [0] for the cwnd gain, [1] for any other.
	memo [2]bbr1InflightMemo
}

// bbr1InflightMemo keeps one of inflight's answers. Its inputs change a
// few times per round trip, while it is asked up to three times per ACK
// and costs three divisions, whose latency is most of its time. Two are
// kept, since an ACK of ProbeBW's first two phases, or of Drain, asks it
// with the cwnd gain (setCwnd) and with another (isNextCyclePhase,
// checkDrain): one answer would be recomputed twice per ACK.
type bbr1InflightMemo struct {
	valid      bool
	bw         units.Rate
	gain       float64
	rtprop     units.Duration
	pacingRate units.Rate // sendQuantum's input
	firstPhase bool       // quantizationBudget's ProbeBW phase 0
	cwnd       int
}

var (
	_ CongestionControl = (*bbr1)(nil)
	_ Inspector         = (*bbr1)(nil)
	_ Describer         = (*bbr1)(nil)
)

func newBBR1() CongestionControl { return new(bbr1) }

func (b *bbr1) Name() string { return "bbr" }

// Description is the one-line summary `ccbench list` prints.
func (b *bbr1) Description() string {
	return "BBR v1 (draft-cardwell-iccrg-bbr-congestion-control-00, Linux tcp_bbr.c): pace at max delivery rate, cwnd 2·BDP, gain cycling, ProbeRTT, policer model"
}

// HandshakeRTT is cc.HandshakeRTTReader: as Linux's bbr_init, the next
// Init takes RTprop from the handshake's minimum RTT and paces the first
// window by its smoothed RTT, where without one it assumes 1 ms.
func (b *bbr1) HandshakeRTT(srtt, minRTT units.Duration) {
	b.handshakeSRTT, b.handshakeMinRTT = srtt, minRTT
}

func (b *bbr1) Init(now units.Time, mss, initialWindow int) {
	srtt, minRTT := b.handshakeSRTT, b.handshakeMinRTT
	*b = bbr1{
		mss:           mss,
		initialWindow: initialWindow,
		cwnd:          initialWindow,
		ssthresh:      InfiniteSsthresh,
		rtprop:        bbr1NoRTprop,
		rtpropStamp:   now,
		probeRTTDone:  units.Never,
		lowRateTo:     -1,
	}
	b.rng.Seed(bbr1Mix(uint64(now)), bbr1Mix(uint64(mss)<<32|uint64(uint32(initialWindow))))
	if minRTT > 0 {
		b.rtprop = minRTT
	}
	b.initPacingRate(srtt)
	b.ltResetSampling(now)
	b.enterStartup()
	b.updateGains()
}

// OnAck runs the draft's per-ACK steps (§3.5.2): update the model and the
// state machine, then the pacing rate and cwnd they imply.
func (b *bbr1) OnAck(a *Ack) {
	// What this ACK newly delivered, cumulatively or by SACK, each byte
	// once (Linux's rs->acked_sacked).
	b.newly = int(max(a.Delivered-b.delivered, 0))
	b.delivered = a.Delivered
	b.lost += int64(a.Lost)
	appLimited := b.isAppLimited(&a.Rate)

	b.roundStart = b.updateRound(a)
	if b.roundStart {
		// A round of fast recovery is over: from now on the window grows
		// back toward the target.
		b.packetConservation = false
	}
	// ltSample returns at once, changing nothing, when the long-term
	// model is neither in force nor sampling and the ACK saw no loss:
	// the usual ACK, which then makes no call.
	if b.newly > 0 && (b.lt.useBw || b.lt.sampling || a.Lost > 0) {
		b.ltSample(a.Now, a.Lost > 0, appLimited)
	}
	b.updateBtlBw(&a.Rate, appLimited)
	if b.mode == bbr1ProbeBW && b.phaseMayEnd(a) && b.isNextCyclePhase(a) {
		b.advanceCyclePhase(a.Now)
	}
	b.checkFullPipe(appLimited)
	if b.mode == bbr1Startup || b.mode == bbr1Drain {
		b.checkDrain(a)
	}
	if b.rtpropDue(a) {
		b.updateRTprop(a)
	}
	// An ACK that delivers ends the restart after idle (Linux clears
	// idle_restart at the end of bbr_update_min_rtt).
	if b.newly > 0 {
		b.idleRestart = false
	}
	b.updateGains()

	bw := b.bw()
	b.setPacingRate(a.SRTT, bw, b.pacingGain)
	b.setCwnd(a, bw)
}

// updateRound reports whether a begins a new round trip (Linux's
// bbr_update_bw): its rate sample is valid and comes from a packet sent
// after the current round began, when the connection had delivered at
// least nextRTTDelivered. Judging by the packet's own send time, not by
// how many bytes have been delivered since, keeps a round one round trip
// long through losses: data lost in the round need not be delivered again
// before it ends.
func (b *bbr1) updateRound(a *Ack) bool {
	if !a.Rate.Valid || a.Rate.PriorDelivered < b.nextRTTDelivered {
		return false
	}
	b.nextRTTDelivered = a.Delivered
	b.rttCnt++
	return true
}

// restartRound abandons the round under way: the next one ends with the
// first packet sent from now on.
func (b *bbr1) restartRound(delivered int64) { b.nextRTTDelivered = delivered }

// isAppLimited reports whether a rate sample may underestimate the path:
// the sender said so, or its packet was sent during ProbeRTT.
func (b *bbr1) isAppLimited(rs *RateSample) bool {
	return rs.IsAppLimited || (rs.PriorDelivered >= b.lowRateFrom && rs.PriorDelivered <= b.lowRateTo)
}

// updateBtlBw folds a delivery-rate sample into the max filter (draft
// §4.1.1.4-5). An application-limited sample shows what the application
// offered, not what the path carries, so it counts only if it raises the
// estimate.
func (b *bbr1) updateBtlBw(rs *RateSample, appLimited bool) {
	bw := rs.DeliveryRate()
	if bw <= 0 || appLimited && bw < b.btlBw.Best() {
		return
	}
	b.btlBw.Update(b.rttCnt, bbr1BtlBwFilterLen, bw)
}

// bw is the bandwidth the controls use: the policed rate while the
// long-term model is in force, BtlBw otherwise.
func (b *bbr1) bw() units.Rate {
	if b.lt.useBw {
		return b.lt.bw
	}
	return b.btlBw.Best()
}

// checkFullPipe decides whether Startup has filled the pipe (draft
// §4.3.2.2): once per round, on samples not limited by the application.
func (b *bbr1) checkFullPipe(appLimited bool) {
	if b.filledPipe || !b.roundStart || appLimited {
		return
	}
	if bw := b.btlBw.Best(); bw >= b.fullBw+b.fullBw/4 {
		b.fullBw, b.fullBwCount = bw, 0
		return
	}
	b.fullBwCount++
	b.filledPipe = b.fullBwCount >= bbr1FullBwCount
}

func (b *bbr1) enterStartup() { b.mode = bbr1Startup }

// checkDrain moves Startup to Drain once the pipe is full, and Drain to
// ProbeBW once the queue Startup built is gone (draft §4.3.3), possibly on
// the same ACK.
func (b *bbr1) checkDrain(a *Ack) {
	if b.mode == bbr1Startup && b.filledPipe {
		b.mode = bbr1Drain
		// Linux reports this as ssthresh; it is where slow start would
		// have stopped had BBR used it.
		b.ssthresh = b.inflight(b.btlBw.Best(), 1)
	}
	if b.mode == bbr1Drain && a.Inflight <= b.inflight(b.btlBw.Best(), 1) {
		b.enterProbeBW(a.Now)
	}
}

// enterProbeBW starts gain cycling at a random phase other than 3/4
// (draft §4.3.4.2), so that flows sharing a bottleneck probe at different
// times.
func (b *bbr1) enterProbeBW(now units.Time) {
	b.mode = bbr1ProbeBW
	draw := b.rng.Uint64() ^ bbr1Mix(uint64(now))
	b.cycleIndex = bbr1CycleLen - 1 - int(draw%bbr1CycleRand)
	b.advanceCyclePhase(now)
}

// bbr1Mix is the SplitMix64 finalizer: it spreads the few changing bits of
// a time or a seed over the whole word.
func bbr1Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (b *bbr1) advanceCyclePhase(now units.Time) {
	b.cycleIndex = (b.cycleIndex + 1) % bbr1CycleLen
	b.cycleStamp = now
}

// isNextCyclePhase decides whether the gain cycle moves on (draft
// §4.3.4.3). Each phase lasts at least RTprop. The 5/4 phase also waits
// until 5/4 of a BDP is in flight, since on a short path that takes longer
// than RTprop, unless a loss says the path cannot hold it; the 3/4 phase
// ends early once inflight is down to one BDP, since draining further
// would leave the link idle.
func (b *bbr1) isNextCyclePhase(a *Ack) bool {
	fullLength := a.Now.Sub(b.cycleStamp) > b.rtprop
	switch {
	case b.pacingGain > 1:
		return fullLength && (a.Lost > 0 || a.PriorInflight >= b.inflight(b.btlBw.Best(), b.pacingGain))
	case b.pacingGain < 1:
		return fullLength || a.PriorInflight <= b.inflight(b.btlBw.Best(), 1)
	}
	return fullLength
}

// phaseMayEnd is false where isNextCyclePhase is sure to be: before the
// phase has lasted RTprop, in any phase but the 3/4 one. Mid-phase, the
// usual ACK makes no call.
func (b *bbr1) phaseMayEnd(a *Ack) bool {
	return b.pacingGain < 1 || a.Now.Sub(b.cycleStamp) > b.rtprop
}

// updateRTprop refreshes RTprop and runs ProbeRTT (draft §4.1.2.3 and
// §4.3.5). An expired estimate takes the next sample whatever it is, and
// ProbeRTT then makes sure a sample without queueing delay comes soon.
func (b *bbr1) updateRTprop(a *Ack) {
	expired := a.Now > b.rtpropStamp.Add(bbr1RTpropFilterLen)
	if a.RTT > 0 && (a.RTT < b.rtprop || expired) {
		b.rtprop, b.rtpropStamp = a.RTT, a.Now
	}
	// A sender back from idle has just drained the queue: its next samples
	// measure RTprop without ProbeRTT's help.
	if expired && !b.idleRestart && b.mode != bbr1ProbeRTT {
		b.mode = bbr1ProbeRTT
		b.saveCwnd()
		b.probeRTTDone = units.Never
		b.lowRateFrom = a.Delivered
	}
	if b.mode == bbr1ProbeRTT {
		b.handleProbeRTT(a)
	}
}

// rtpropDue is false where updateRTprop has nothing to do: the sample does
// not lower RTprop, the estimate has not expired, and ProbeRTT is not under
// way. The usual ACK makes no call.
func (b *bbr1) rtpropDue(a *Ack) bool {
	return a.RTT > 0 && a.RTT < b.rtprop || a.Now > b.rtpropStamp.Add(bbr1RTpropFilterLen) || b.mode == bbr1ProbeRTT
}

// handleProbeRTT holds ProbeRTT until inflight has been at
// bbr1MinPipeCwnd for bbr1ProbeRTTDuration and at least one round trip.
func (b *bbr1) handleProbeRTT(a *Ack) {
	// Everything sent until what is in flight now is delivered goes at
	// ProbeRTT's low rate.
	b.lowRateTo = a.Delivered + int64(a.Inflight)
	switch {
	case b.probeRTTDone == units.Never && a.Inflight <= bbr1MinPipeCwnd*b.mss:
		b.probeRTTDone = a.Now.Add(bbr1ProbeRTTDuration)
		b.probeRTTRoundDone = false
		b.restartRound(a.Delivered)
	case b.probeRTTDone != units.Never:
		if b.roundStart {
			b.probeRTTRoundDone = true
		}
		if b.probeRTTRoundDone {
			b.checkProbeRTTDone(a.Now)
		}
	}
}

// checkProbeRTTDone leaves ProbeRTT once its time is up: the measurement
// is fresh, the window goes back to what it was, and BBR resumes probing
// bandwidth, or filling the pipe if it never did.
func (b *bbr1) checkProbeRTTDone(now units.Time) {
	if b.probeRTTDone == units.Never || now <= b.probeRTTDone {
		return
	}
	b.rtpropStamp = now
	b.cwnd = max(b.cwnd, b.priorCwnd)
	b.probeRTTDone = units.Never
	if b.filledPipe {
		b.enterProbeBW(now)
	} else {
		b.enterStartup()
	}
}

// updateGains sets the pacing and cwnd gains of the current state.
func (b *bbr1) updateGains() {
	switch b.mode {
	case bbr1Startup:
		b.pacingGain, b.cwndGain = bbr1HighGain, bbr1HighGain
	case bbr1Drain:
		b.pacingGain, b.cwndGain = bbr1DrainGain, bbr1HighGain
	case bbr1ProbeBW:
		b.pacingGain, b.cwndGain = bbr1PacingGainCycle[b.cycleIndex], bbr1CwndGain
		if b.lt.useBw {
			b.pacingGain = 1
		}
	case bbr1ProbeRTT:
		b.pacingGain, b.cwndGain = 1, 1
	}
}

// initPacingRate paces the first round at high gain over the initial
// window per smoothed RTT, or per 1 ms before there is one (draft
// §4.2.1); the window is the current one, as Linux's is.
func (b *bbr1) initPacingRate(srtt units.Duration) {
	rtt := units.Millisecond
	if srtt > 0 {
		// At least a microsecond, so that the rate fits in 63 bits.
		rtt, b.hasSeenRTT = max(srtt, units.Microsecond), true
	}
	nominal := units.Rate(MulDiv(int64(b.cwnd)*8, int64(units.Second), int64(rtt)))
	b.pacingRate = b.pacingRateFor(nominal, bbr1HighGain)
}

// setPacingRate paces at gain·bw (draft §4.2.1). Until the pipe is full
// the rate only rises: early samples are few and low, and Startup must not
// slow down on them.
func (b *bbr1) setPacingRate(srtt units.Duration, bw units.Rate, gain float64) {
	if !b.hasSeenRTT && srtt > 0 {
		b.initPacingRate(srtt)
	}
	if rate := b.pacingRateFor(bw, gain); b.filledPipe || rate > b.pacingRate {
		b.pacingRate = rate
	}
}

func (b *bbr1) pacingRateFor(bw units.Rate, gain float64) units.Rate {
	return units.Rate(gain*float64(bw)) * (100 - bbr1PacingMarginPercent) / 100
}

// bdp is gain·BtlBw·RTprop in bytes, rounded up (Linux rounds up so that a
// small window is never rounded into starvation); the initial window until
// RTprop is known.
func (b *bbr1) bdp(bw units.Rate, gain float64) int {
	if b.rtprop == bbr1NoRTprop {
		return b.initialWindow
	}
	bytes := float64(bw) * float64(b.rtprop) / (8 * float64(units.Second))
	return int(min(math.Ceil(gain*bytes), bbr1MaxCwnd))
}

// inflight is the draft's BBRInflight: the window that holds gain·BDP in
// the network with the quantization budget on top.
func (b *bbr1) inflight(bw units.Rate, gain float64) int {
	// Either slot is keyed on every input; the choice only keeps the
	// cwnd target's answer apart from the other one an ACK may ask.
	m := &b.memo[0]
	if gain != b.cwndGain {
		m = &b.memo[1]
	}
	first := b.mode == bbr1ProbeBW && b.cycleIndex == 0
	if m.valid && bw == m.bw && gain == m.gain && b.rtprop == m.rtprop && b.pacingRate == m.pacingRate && first == m.firstPhase {
		return m.cwnd
	}
	*m = bbr1InflightMemo{true, bw, gain, b.rtprop, b.pacingRate, first, b.quantizationBudget(b.bdp(bw, gain))}
	return m.cwnd
}

// quantizationBudget adds what the end hosts hold beyond the BDP: a send
// quantum queued at the sender, one being sent, one being acknowledged. The
// window is rounded up to an even number of segments so delayed ACKs are
// not waited for, and the 5/4 phase gets two segments more so that it
// raises inflight even when the BDP is a few segments (Linux
// bbr_quantization_budget).
func (b *bbr1) quantizationBudget(cwnd int) int {
	cwnd += 3 * b.sendQuantum()
	pair := 2 * b.mss
	cwnd = (cwnd + pair - 1) / pair * pair
	if b.mode == bbr1ProbeBW && b.cycleIndex == 0 {
		cwnd += pair
	}
	return min(cwnd, bbr1MaxCwnd)
}

// sendQuantum is the draft's send_quantum in bytes, in whole segments.
func (b *bbr1) sendQuantum() int {
	switch {
	case b.pacingRate < bbr1LowQuantumRate:
		return b.mss
	case b.pacingRate < bbr1HighQuantumRate:
		return 2 * b.mss
	}
	bytes := min(b.pacingRate.BytesIn(bbr1QuantumSpan), bbr1MaxQuantum)
	return max(int(bytes)/b.mss, 2) * b.mss
}

// setCwnd moves cwnd toward cwnd_gain·BDP (draft §4.2.3.6). Until the pipe
// is full the window only grows, by what each ACK delivers, as in slow
// start; afterwards it grows the same way but never past the target, and
// snaps down to it at once.
func (b *bbr1) setCwnd(a *Ack, bw units.Rate) {
	if acked := b.newly; acked > 0 {
		cwnd, conserving := b.cwnd, false
		if b.recovering(a) {
			cwnd, conserving = b.recoverOrRestore(a, acked)
		}
		if !conserving {
			target := b.inflight(bw, b.cwndGain)
			switch {
			case b.filledPipe:
				cwnd = min(cwnd+acked, target)
			case cwnd < target || a.Delivered < int64(b.initialWindow):
				cwnd += acked
			}
			cwnd = max(cwnd, bbr1MinPipeCwnd*b.mss)
		}
		b.cwnd = min(cwnd, bbr1MaxCwnd)
	}
	if b.mode == bbr1ProbeRTT {
		b.cwnd = min(b.cwnd, bbr1MinPipeCwnd*b.mss)
	}
}

// recoverOrRestore applies loss recovery to cwnd (draft §4.2.3.4, Linux
// bbr_set_cwnd_to_recover_or_restore): lost bytes leave the window; the
// first ACK of fast recovery cuts it to what is in flight and starts a
// round of packet conservation, in which each ACK releases what it
// delivered; the end of recovery brings back the window from before it.
func (b *bbr1) recoverOrRestore(a *Ack, acked int) (cwnd int, conserving bool) {
	cwnd = b.cwnd
	if a.Lost > 0 {
		cwnd = max(cwnd-a.Lost, b.mss)
	}
	switch {
	case a.InRecovery && !b.inRecovery:
		b.inRecovery = true
		b.packetConservation = true
		b.restartRound(a.Delivered)
		cwnd = a.Inflight + acked
	case !a.InRecovery && b.inRecovery:
		// Recovery ended without its event (an RTO cut it short).
		b.inRecovery, b.packetConservation = false, false
		cwnd = max(cwnd, b.priorCwnd)
	case b.rtoRecovery && a.Delivered >= b.rtoRecoveryEnd:
		b.rtoRecovery = false
		cwnd = max(cwnd, b.priorCwnd)
	}
	if b.packetConservation {
		return max(cwnd, a.Inflight+acked), true
	}
	return cwnd, false
}

// recovering reports whether recoverOrRestore has anything to do for a:
// without losses and outside both kinds of recovery it leaves cwnd as it
// is, and the usual ACK makes no call.
func (b *bbr1) recovering(a *Ack) bool {
	return a.Lost > 0 || a.InRecovery || b.inRecovery || b.rtoRecovery || b.packetConservation
}

// saveCwnd remembers the window to restore after recovery or ProbeRTT.
// When one of them has already cut it, the larger of the two is kept.
func (b *bbr1) saveCwnd() {
	if !b.inRecovery && !b.rtoRecovery && b.mode != bbr1ProbeRTT {
		b.priorCwnd = b.cwnd
	} else {
		b.priorCwnd = max(b.priorCwnd, b.cwnd)
	}
}

func (b *bbr1) OnCongestion(e *Event) {
	switch e.Kind {
	case Loss:
		// The window is cut on the first ACK of recovery, which knows
		// what it delivered.
		b.saveCwnd()
	case RecoveryExit:
		b.inRecovery, b.packetConservation = false, false
		b.cwnd = max(b.cwnd, b.priorCwnd)
		if b.filledPipe {
			b.cwnd = max(min(b.cwnd, b.inflight(b.bw(), b.cwndGain)), bbr1MinPipeCwnd*b.mss)
		}
		if b.mode == bbr1ProbeRTT {
			b.cwnd = min(b.cwnd, bbr1MinPipeCwnd*b.mss)
		}
	case RTO:
		// Everything in flight is deemed lost and the window starts again
		// from one segment (draft §4.2.3.4). The timeout ends a round for
		// the long-term model and restarts full-pipe detection.
		b.saveCwnd()
		end := b.delivered + int64(e.Inflight)
		if b.rtoRecovery {
			end = max(end, b.rtoRecoveryEnd)
		}
		b.rtoRecovery, b.rtoRecoveryEnd = true, end
		b.inRecovery, b.packetConservation = false, false
		b.cwnd = b.mss
		b.lost += int64(e.Inflight)
		b.fullBw = 0
		b.roundStart = true
		b.ltSample(e.Now, true, false)
	case Undo:
		// bbr_undo_cwnd: a reduction taken back restarts full-pipe
		// detection and the long-term model; the window is BBR's own.
		// Undoing a timeout also ends its Loss state, which restores the
		// window from before it (bbr_set_cwnd_to_recover_or_restore).
		b.fullBw, b.fullBwCount = 0, 0
		b.ltResetSampling(e.Now)
		if b.rtoRecovery {
			b.rtoRecovery = false
			b.cwnd = max(b.cwnd, b.priorCwnd)
		}
	case IdleRestart:
		// Nothing is queued after an idle period: pace at the estimate
		// rather than above it, and let the first ACKs measure RTprop
		// instead of entering ProbeRTT (draft §4.3.4.4, §4.3.5).
		b.idleRestart = true
		switch b.mode {
		case bbr1ProbeBW:
			b.setPacingRate(0, b.bw(), 1)
		case bbr1ProbeRTT:
			b.checkProbeRTTDone(e.Now)
		}
	}
}

// SetSeed replaces the seed Init derived, for a driver that gives every
// connection its own seed from the run's; call it after Init.
func (b *bbr1) SetSeed(seed uint64) { b.rng.Seed(bbr1Mix(seed), bbr1Mix(^seed)) }

// SeedConnection is cc.ConnSeeder: in the stack, the ProbeBW draws follow
// the run's seed (through the connection's ISNs), so repetitions of an
// experiment with different seeds differ as they should.
func (b *bbr1) SeedConnection(seed uint64) { b.SetSeed(seed) }

func (b *bbr1) Cwnd() int { return b.cwnd }

// Ssthresh is Linux's snd_ssthresh for BBR: infinite until Drain, then
// one BDP.
func (b *bbr1) Ssthresh() int { return b.ssthresh }

func (b *bbr1) PacingRate() units.Rate { return b.pacingRate }

func (b *bbr1) Phase() string { return bbr1ModeNames[b.mode] }

// ValueNames names the states of the "phase" internal value.
func (b *bbr1) ValueNames(value string) []string {
	if value == "phase" {
		return bbr1ModeNames[:]
	}
	return nil
}

// Inspect reports the model: the state (0 startup, 1 drain, 2 probe_bw,
// 3 probe_rtt), the gain-cycle phase, BtlBw and lt_bw in bit/s, RTprop in
// milliseconds (0 before the first sample), the two gains, and whether the
// long-term rate is in force.
func (b *bbr1) Inspect(in *Internals) {
	in.Add("phase", float64(b.mode))
	in.Add("cycle_idx", float64(b.cycleIndex))
	in.Add("btl_bw", float64(b.btlBw.Best()))
	rtprop := 0.0
	if b.rtprop != bbr1NoRTprop {
		rtprop = b.rtprop.Milliseconds()
	}
	in.Add("min_rtt", rtprop)
	in.Add("pacing_gain", b.pacingGain)
	in.Add("cwnd_gain", b.cwndGain)
	lt := 0.0
	if b.lt.useBw {
		lt = 1
	}
	in.Add("lt_use_bw", lt)
	in.Add("lt_bw", float64(b.lt.bw))
}

// The long-term bandwidth model (Linux tcp_bbr.c; not in the draft). A token-bucket policer passes bursts at line rate while tokens
// last and drops everything above its rate after, so the max filter keeps
// the burst rate while a quarter or more of what is sent is lost. Linux's
// answer is to measure the delivery rate over whole intervals of 4 to 16
// round trips, each beginning and ending at a loss (when the bucket is
// empty): two consecutive intervals that lost at least 20% and delivered at
// rates within 1/8 or 4 kbit/s of each other are taken to be the policer,
// and their average is used as the bandwidth, at pacing gain 1, for 48
// round trips before probing again. Policers are common: "An Internet-Wide
// Analysis of Traffic Policing", Flach et al., SIGCOMM 2016.
const (
	bbr1LtIntervalMinRounds = 4
	bbr1LtIntervalMaxRounds = 4 * bbr1LtIntervalMinRounds
	bbr1LtLossPercent       = 20
	bbr1LtBwRatio           = 8
	bbr1LtBwDiff            = 4000 * units.BitPerSecond
	bbr1LtBwMaxRounds       = 48
	// bbr1LtMinInterval keeps intervals too short to time well out; Linux
	// measures them in milliseconds.
	bbr1LtMinInterval = units.Millisecond
)

// bbr1LongTerm is the long-term model's state: whether it is sampling or in
// force, the rate it measured, and where the current interval began.
type bbr1LongTerm struct {
	sampling      bool
	useBw         bool
	bw            units.Rate
	rounds        int
	lastStamp     units.Time
	lastDelivered int64
	lastLost      int64
}

func (b *bbr1) ltResetInterval(now units.Time) {
	b.lt.lastStamp = now
	b.lt.lastDelivered = b.delivered
	b.lt.lastLost = b.lost
	b.lt.rounds = 0
}

func (b *bbr1) ltResetSampling(now units.Time) {
	b.lt.bw, b.lt.useBw, b.lt.sampling = 0, false, false
	b.ltResetInterval(now)
}

// ltSample runs the long-term model for one ACK (or an RTO) that saw
// losses or not, with a sample that was application limited or not.
func (b *bbr1) ltSample(now units.Time, losses, appLimited bool) {
	lt := &b.lt
	if lt.useBw {
		if b.mode == bbr1ProbeBW && b.roundStart {
			lt.rounds++
			if lt.rounds >= bbr1LtBwMaxRounds {
				b.ltResetSampling(now)
				b.enterProbeBW(now)
			}
		}
		return
	}
	// The first interval starts at a loss, once the bucket is empty;
	// earlier it would include the burst the tokens allowed.
	if !lt.sampling {
		if !losses {
			return
		}
		b.ltResetInterval(now)
		lt.sampling = true
	}
	// An application that stops sending would make the rate look policed.
	if appLimited {
		b.ltResetSampling(now)
		return
	}
	if b.roundStart {
		lt.rounds++
	}
	switch {
	case lt.rounds < bbr1LtIntervalMinRounds:
		return
	case lt.rounds > bbr1LtIntervalMaxRounds:
		b.ltResetSampling(now)
		return
	case !losses:
		// The interval ends at a loss, when the tokens are gone again.
		return
	}
	lost := b.lost - lt.lastLost
	delivered := b.delivered - lt.lastDelivered
	if delivered <= 0 || lost*100 < bbr1LtLossPercent*delivered {
		return
	}
	elapsed := now.Sub(lt.lastStamp)
	if elapsed < bbr1LtMinInterval {
		return
	}
	b.ltIntervalDone(now, units.Rate(float64(delivered)*8/elapsed.Seconds()))
}

// ltIntervalDone closes a lossy interval that delivered at bw: if the one
// before delivered at nearly the same rate, the path is policed.
func (b *bbr1) ltIntervalDone(now units.Time, bw units.Rate) {
	lt := &b.lt
	if lt.bw > 0 {
		diff := bw - lt.bw
		if diff < 0 {
			diff = -diff
		}
		if diff*bbr1LtBwRatio <= lt.bw || diff <= bbr1LtBwDiff {
			lt.bw = (bw + lt.bw) / 2
			lt.useBw = true
			lt.rounds = 0
			b.pacingGain = 1
			return
		}
	}
	lt.bw = bw
	b.ltResetInterval(now)
}

// ControlsRecovery is true: BBR sets its own window in loss recovery
// (packet conservation, then the model's target), as Linux's tcp_bbr.c
// does through its cong_control hook, so the sender does not apply PRR.
func (b *bbr1) ControlsRecovery() bool { return true }
