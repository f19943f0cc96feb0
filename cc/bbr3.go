// BBR version 3: draft-ietf-ccwg-bbr (the IETF ccwg draft, which specifies
// BBRv3), with Google's Linux implementation (net/ipv4/tcp_bbr.c, v3) where
// the draft is silent. Cardwell et al., "BBR: Congestion-Based Congestion
// Control", ACM Queue 14(5), 2016, describes the original design.
//
// The model. A path has a bottleneck bandwidth and a round-trip
// propagation delay; their product, the BDP, is the data that fills the
// pipe without a queue. BBR estimates both from what ACKs report — max_bw,
// the largest delivery rate measured over the last two bandwidth-probing
// cycles, and min_rtt, the smallest RTT of the last 10 s — and paces at
// about max_bw with a window of about two BDPs. Loss and ECN bound that
// model from above: inflight_hi (the draft's inflight_longterm) remembers
// the in-flight volume at which a probe saw more than 2% loss or mostly
// CE-marked ACKs, and bw_lo / inflight_lo (bw_shortterm, inflight_shortterm)
// cut rate and volume multiplicatively, once per round trip, while loss or
// ECN persists between probes.
//
// The equations (bytes, bit/s, gains as the table below gives them):
//
//	bw           = min(max_bw, bw_lo)
//	bdp          = bw · min_rtt
//	pacing_rate  = pacing_gain · bw · 99%                 (1% margin)
//	max_inflight = max(cwnd_gain · bdp + extra_acked, 3·send_quantum, 4·SMSS)
//	               (+2·SMSS in ProbeBW_UP)
//	cwnd         grows by the bytes each ACK delivers up to max_inflight, then
//	             is capped by inflight_hi (DOWN, REFILL, UP), by 85% of it
//	             (CRUISE, ProbeRTT), by inflight_lo, and in ProbeRTT by
//	             max(0.5·bdp, 4·SMSS)
//	loss > 2% while probing:  inflight_hi = max(tx_in_flight at the crossing,
//	                                            0.7·min(bdp, cwnd))
//	loss in a round, not probing:  bw_lo = max(bw_latest, 0.7·bw_lo)
//	                               inflight_lo = max(inflight_latest, 0.7·inflight_lo)
//	ECN in a round, not probing:   inflight_lo = inflight_lo · (1 − α/3)
//	α (per round)  = 15/16·α + 1/16·(CE-marked bytes / delivered bytes), α₀ = 1
//
// The states and their gains (draft §"Summary of Control Behavior"):
//
//	                  pacing  cwnd
//	startup            2.77   2       until 3 rounds without 25% bw growth,
//	  │                               or >2% loss with 6 loss events in a
//	  ▼                               recovery round, or 2 rounds ≥50% CE
//	drain              0.5    2       until inflight ≤ bdp (or 3 rounds)
//	  ▼
//	probe_bw_down      0.9    2       until inflight ≤ bdp and ≤ 85% inflight_hi
//	  ▼                               (or straight to refill when it is time)
//	probe_bw_cruise    1.0    2       until 2–3 s (random) or 62–63 rounds,
//	  ▼                               whichever is shorter (Reno coexistence)
//	probe_bw_refill    1.0    2       one round with the short-term model reset
//	probe_bw_up        1.25   2.25    until the bw plateaus, the loss/ECN rate
//	  └──► probe_bw_down              is too high, or (after a probe that went
//	                                  too high) inflight reaches inflight_hi
//	probe_rtt          1.0    0.5     entered from any state when min_rtt went
//	                                  5 s without a new low; held ≥200 ms and
//	                                  one round, then back to probe_bw_cruise
//	                                  (or startup if the pipe was never full)
//
// How ccbench's facts map onto the draft's.
//
//   - Rounds. A packet-timed round ends at the first ACK whose rate sample
//     comes from a packet sent after the round began: Rate.PriorDelivered
//     (the draft's P.delivered) at least the Delivered of the ACK that
//     began it (next_round_delivered). The loss round is counted the same
//     way. Ack.Sent and Delivered would do as well without loss, but lost
//     bytes count as delivered only once repaired, so "Delivered passes the
//     Sent of the round's start" stretches a round over the whole repair.
//   - RS.newly_acked is the growth of Ack.Delivered, which counts SACKed
//     bytes once; RS.delivery_rate is Rate.Delivered / Rate.Interval in
//     integer bit/s (0 when the sample is not Valid); RS.rtt is Rate.RTT, or
//     Ack.RTT when the sample has none.
//   - Loss. HandleLostPacket runs once per ACK that declares bytes lost
//     (Ack.Lost > 0). The interface does not carry the lost packets' own
//     transmit state, so the packet this ACK delivered stands in for them:
//     RS.tx_in_flight = Rate.TxInflight and RS.lost = Rate.LostSince +
//     Ack.Lost (the stack fills the sample before it runs loss detection on
//     the ACK, so LostSince does not yet include the ACK's own losses). The
//     lost bytes are taken as one burst sent last, which is how the draft
//     treats an offload burst in InflightAtLoss.
//   - ECN. Each ACK carrying ECE counts the bytes it delivered as CE-marked
//     (Linux's delivered_ce). bbr3 implements ExactECNEchoer, as Linux's
//     BBRv3 relies on precise ECE ACKs (bbr_precise_ece_ack), so a receiver
//     running bbr3 echoes exactly the marked segments; against an RFC 3168
//     receiver, whose ECE stays set until CWR, the count overstates marking
//     by up to a round trip of ACKs. The per-sample CE count Linux keeps
//     (rs->delivered_ce) is taken from the connection's CE count at the
//     round start nearest before the sampled packet was sent.
//   - is_cwnd_limited is true when, in this round or the last, an ACK found
//     no room for another full segment in cwnd (PriorInflight + SMSS >
//     cwnd).
//   - MarkConnectionAppLimited: the algorithm cannot mark the sender, so
//     it treats as application-limited every sample whose packet was sent
//     while ProbeRTT held in-flight data down (PriorDelivered between the
//     Delivered at entry and the last Delivered + Inflight seen in it),
//     which is what Linux's marking achieves.
//   - Restart from idle happens on IdleRestart; loss recovery is the span
//     between Loss and RecoveryExit, and RTO recovery ends when everything
//     outstanding at the timeout is delivered (Delivered reaches the Sent
//     of the last ACK before it, Linux's high_seq).
//
// Where the draft leaves a choice open, and what bbr3 does:
//
//  1. ECN response (the draft specifies none): Linux v3's — α EWMA with
//     gain 1/16 starting at 1, inflight_lo cut by α/3 per round with marks,
//     probing stops when more than 50% of a sample's bytes were marked
//     (ecn_thresh) and inflight_hi is set as for loss with β = 0.7, Startup
//     ends after 2 rounds at ≥50% marks. Linux enables this only below 5 ms
//     min_rtt; bbr3 responds at any RTT, since the draft requires CE marks
//     to be treated as congestion. Linux's ecn_reprobe_gain (fast re-probe
//     after ECN-only cycles) is left out.
//  2. The per-ACK "inflight too high" test while probing (Linux's
//     bbr_adapt_upper_bounds) is applied in addition to the per-loss test
//     of the draft's pseudocode, which its prose describes but its
//     AdaptLongTermModel omits; it is the only path for ECN.
//  3. IsRenoCoexistenceProbeTime compares rounds with TargetInflight, a
//     byte count in the draft; bbr3 divides by SMSS (Linux counts packets).
//  4. Randomness (the probe wait of 2–3 s and the 0 or 1 head start on the
//     63-round bound) comes from a PCG generator seeded from Init's time,
//     MSS and initial window and the first ACK's time and RTT, so it is
//     deterministic per connection yet differs between flows that start at
//     different times; SetSeed overrides it.
//  5. C.inflight is the bytes in flight after the ACK (Ack.Inflight) for
//     Drain's exit and ProbeRTT, and before it (Ack.PriorInflight) for the
//     ProbeBW phase tests, as Linux uses prior_in_flight there: "inflight
//     reached inflight_hi" is about what the sender had out, not what the
//     ACK left.
//  6. The offload budget is the draft's TCP rule, 3·send_quantum with
//     send_quantum = pacing_rate·1 ms within [2·SMSS, 64 KiB], although
//     ccbench's stack sends single segments: it keeps windows comparable
//     with Linux's.
//  7. C.has_selective_acks is inferred: true once any ACK has SACKed bytes.
//     Loss is detected through SACK on a SACK connection, so by the first
//     loss the answer is known.
//  8. The plateau test counts only valid, non-application-limited samples
//     (Linux's round_start needs a valid sample); BDPs are rounded down to
//     the byte; the initial pacing rate is recomputed at the first SRTT as
//     in Linux, and carries no pacing margin (InitPacingRate).
//  9. After an RTO bbr3 also does what Linux's bbr_set_state does: it
//     resets the plateau detector and, outside probing, seeds inflight_lo
//     with the pre-timeout window, so the next loss round cuts from that
//     rather than from the one-segment window. The draft's RTO window,
//     C.inflight + 1, is one SMSS here: the timeout deems everything lost.
//  10. Not modelled: spurious-recovery undo (cc.Event has no such event)
//     and restart after idles shorter than the RTO (no event reports them).
//
// Where the draft and Linux disagree, bbr3 follows the draft: Drain's
// pacing gain is 0.5 (Linux 1/2.885), DOWN's 0.9 (Linux 0.91), ProbeRTT
// halves the BDP with a cwnd gain of 0.5 rather than capping cwnd, and
// max_inflight adds extra_acked without Linux's 100 ms cap.

package cc

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/ccbench/ccbench/units"
)

func init() { MustRegister("bbr3", newBBR3) }

// bbr3State is BBR.state, with the four ProbeBW phases as states of their
// own, as the draft's diagram draws them.
type bbr3State uint8

const (
	bbr3Startup bbr3State = iota
	bbr3Drain
	bbr3ProbeBWDown
	bbr3ProbeBWCruise
	bbr3ProbeBWRefill
	bbr3ProbeBWUp
	bbr3ProbeRTT
)

var bbr3PhaseNames = [...]string{
	"startup", "drain", "probe_bw_down", "probe_bw_cruise", "probe_bw_refill", "probe_bw_up", "probe_rtt",
}

// Gains are percentages, so the draft's decimal values are exact: 2.77
// is StartupPacingGain, 4·ln 2 rounded as the draft rounds it, the least
// gain that doubles the sending rate every round; 0.5 drains Startup's
// queue of up to one BDP (cwnd gain 2) within a round; 1.25 in UP finds
// new bandwidth within a few rounds, and 0.9 in DOWN is the draft's
// matching gain for flows to converge to fair shares; 2.25 lets UP
// push in-flight data beyond what cwnd held in CRUISE; 0.5 in ProbeRTT
// halves in-flight data to expose the propagation delay.
var (
	bbr3PacingGain = [...]int{277, 50, 90, 100, 100, 125, 100}
	bbr3CwndGain   = [...]int{200, 200, 200, 200, 200, 225, 50}
)

// bbr3AckPhase is BBR.ack_phase: what the ACKs now arriving say about
// bandwidth probing.
type bbr3AckPhase uint8

const (
	bbr3AcksInit          bbr3AckPhase = iota // not probing, no probe feedback
	bbr3AcksRefilling                         // sending at bw to fill the pipe
	bbr3AcksProbeStarting                     // in-flight data rising to probe
	bbr3AcksProbeFeedback                     // ACKs reflect the probe
	bbr3AcksProbeStopping                     // probe over, its ACKs still arriving
)

const (
	// bbr3PacingMarginPercent paces 1% below bw so that, on average, the
	// bottleneck queue drains.
	bbr3PacingMarginPercent = 1
	// bbr3LossThreshPercent is LossThresh: the per-round loss rate above
	// which a probe put too much in flight.
	bbr3LossThreshPercent = 2
	// bbr3BetaPercent is Beta, the multiplicative decrease per lossy round:
	// 0.7, so BBR never backs off harder than CUBIC does.
	bbr3BetaPercent = 70
	// bbr3HeadroomPercent is Headroom: the share of inflight_hi left free
	// in CRUISE for cross traffic to use and for bursts to land in.
	bbr3HeadroomPercent = 15
	// bbr3MinPipeSegments is MinPipeCwnd in segments: two packets in
	// flight and two ACKs for a receiver that ACKs every other packet.
	bbr3MinPipeSegments = 4
	// bbr3FullBwGrowthPercent and bbr3FullBwCount: the pipe is full after
	// three rounds without 25% growth — a receive window can take that long
	// to open (one round to grow it, one to fill it, one to measure it).
	bbr3FullBwGrowthPercent = 125
	bbr3FullBwCount         = 3
	// bbr3StartupFullLossCount is BBRStartupFullLossCnt: loss events in a
	// recovery round before Startup believes the loss is not a burst.
	bbr3StartupFullLossCount = 6
	// bbr3DrainMaxRounds bounds Drain when Startup overestimated bw.
	bbr3DrainMaxRounds = 3
	// bbr3ExtraAckedFilterLen is ExtraAckedFilterLen in rounds; Startup
	// remembers one round, since its bw is still climbing.
	bbr3ExtraAckedFilterLen        = 10
	bbr3ExtraAckedStartupFilterLen = 1
	// bbr3RenoRoundsMax is the Reno-coexistence bound on rounds between
	// probes: a Reno flow of 25 Mbit/s at 30 ms RTT (a 4K video stream)
	// has a BDP of about 62 packets and needs that many loss-free rounds.
	bbr3RenoRoundsMax = 63
	// bbr3MaxProbeUpRounds caps the doubling of inflight_hi's growth.
	bbr3MaxProbeUpRounds = 30
	// bbr3ECNThreshPercent is Linux's ecn_thresh: a sample with more than
	// half its bytes CE-marked shows a probe overfilled a shallow queue.
	bbr3ECNThreshPercent = 50
	// bbr3StartupECNRounds is Linux's full_ecn_cnt: rounds at or above
	// ecn_thresh that end Startup.
	bbr3StartupECNRounds = 2
	// bbr3ECNAlphaShift is the EWMA gain 1/16 of α, DCTCP's g.
	bbr3ECNAlphaShift = 4
	// bbr3ECNFactorDivisor is Linux's ecn_factor 1/3: with every byte
	// marked, inflight_lo loses a third per round, a little more than β.
	bbr3ECNFactorDivisor = 3
	// bbr3Unit is the fixed-point unit of α and CE ratios.
	bbr3Unit = 1 << 16
	// bbr3SendQuantumMax caps send_quantum at the largest TSO burst.
	bbr3SendQuantumMax = 64 * 1024
	// bbr3BitNsPerByteSecond converts between bytes·ns and bits·s.
	bbr3BitNsPerByteSecond = 8 * int64(units.Second)
)

const (
	// bbr3MinRTTFilterLen is MinRTTFilterLen: twice the ProbeRTT interval,
	// so the filter spans two ProbeRTTs.
	bbr3MinRTTFilterLen = 10 * units.Second
	// bbr3ProbeRTTInterval is ProbeRTTInterval; every flow must use 5 s so
	// that flows sharing a bottleneck drain it together.
	bbr3ProbeRTTInterval = 5 * units.Second
	// bbr3ProbeRTTDuration is ProbeRTTDuration: long enough for flows with
	// different RTTs to overlap, short enough to cost about 2% (200 ms at
	// half rate every 5 s).
	bbr3ProbeRTTDuration = 200 * units.Millisecond
	// bbr3ProbeWaitBase and bbr3ProbeWaitRand give the 2–3 s BBR-native
	// time between probes: at least the 1.9 s a 25 Mbit/s, 30 ms Reno flow
	// needs between losses, at most a human-scale wait to find freed bw.
	bbr3ProbeWaitBase = 2 * units.Second
	bbr3ProbeWaitRand = 1 * units.Second
	// bbr3SendQuantumTime is the pacing time one send quantum covers.
	bbr3SendQuantumTime = units.Millisecond
)

// Unset bounds: the draft's Infinity.
const (
	bbr3NoLimit            = math.MaxInt
	bbr3NoRate  units.Rate = math.MaxInt64
	bbr3NoRTT              = units.Duration(math.MaxInt64)
)

// bbr3Sample is the draft's RS as this ACK gives it.
type bbr3Sample struct {
	valid          bool
	rate           units.Rate     // RS.delivery_rate, 0 when not valid
	delivered      int            // RS.delivered
	priorDelivered int64          // P.delivered
	txInflight     int            // RS.tx_in_flight
	lost           int64          // RS.lost
	appLimited     bool           // RS.is_app_limited
	rtt            units.Duration // RS.rtt, 0 when none
	ce, ceSpan     int64          // CE-marked and all bytes delivered over the sample
}

type bbr3 struct {
	// The handshake's smoothed RTT, for Init (HandshakeRTT).
	handshakeSRTT units.Duration

	mss           int
	initialWindow int
	minPipeCwnd   int

	// Output control parameters.
	cwnd        int
	pacingRate  units.Rate
	sendQuantum int
	ssthresh    int

	state      bbr3State
	pacingGain int // percent
	cwndGain   int // percent

	// The connection as the latest ACK left it.
	now           units.Time
	delivered     int64 // C.delivered
	sent          int64
	inflight      int
	priorInflight int
	hasSACK       bool
	hasSeenRTT    bool

	// Round counting: a round ends at the first ACK for a packet sent
	// when Delivered was at least nextRoundDelivered.
	roundCount         int64
	roundStart         bool
	nextRoundDelivered int64
	// cwndLimited[0] records this round, [1] the previous one.
	cwndLimited [2]bool

	// Data-rate model. maxBwSlots holds the max delivery rate of the
	// previous ProbeBW cycle [0] and of the current one [1]: the draft's
	// max filter two cycles long, advanced by AdvanceMaxBwFilter.
	maxBwSlots  [2]units.Rate
	maxBw       units.Rate
	bwShortterm units.Rate // bw_lo
	bw          units.Rate
	bwLatest    units.Rate

	// Data-volume model.
	minRTT              units.Duration
	minRTTStamp         units.Time
	extraAcked          MaxFilter[int]
	extraAckedStart     units.Time
	extraAckedDelivered int
	maxInflight         int
	inflightLongterm    int // inflight_hi
	inflightShortterm   int // inflight_lo
	inflightLatest      int

	// Congestion signals.
	lossRoundDelivered int64
	lossRoundStart     bool
	lossInRound        bool
	lossEventsInRound  int

	// Startup.
	fullBwReached    bool
	fullBwNow        bool
	fullBw           units.Rate
	fullBwCount      int
	drainStartRound  int64
	startupECNRounds int

	// ProbeBW.
	ackPhase               bbr3AckPhase
	isBwProbeSample        bool
	bwProbeUpAcked         int
	probeUpAckedPerInc     int
	bwProbeUpRounds        int
	roundsSinceProbeUp     int64
	bwProbeWait            units.Duration
	cycleStamp             units.Time
	prevProbeTooHigh       bool
	prevProbePrecautionary bool

	// ProbeRTT and min_rtt.
	probeRTTMinDelay  units.Duration
	probeRTTMinStamp  units.Time
	probeRTTExpired   bool
	probeRTTDoneStamp units.Time // 0 while unset
	probeRTTRoundDone bool
	priorCwnd         int
	idleRestart       bool
	// Samples of packets sent while ProbeRTT held the sender back count as
	// application-limited: PriorDelivered in [appLimitedFrom, appLimitedTo).
	appLimitedFrom, appLimitedTo int64

	// Loss recovery.
	fastRecovery   bool
	rtoRecovery    bool
	rtoRecoveryEnd int64

	// ECN: α and the marked-byte counts it is measured from.
	ecnAlpha         int64 // fraction of bbr3Unit
	ecnInRound       bool
	deliveredCE      int64
	alphaDelivered   int64 // Delivered and deliveredCE at this round's start
	alphaDeliveredCE int64
	prevDelivered    int64 // and at the previous round's start
	prevDeliveredCE  int64

	rng      rand.PCG
	initTime units.Time
	seeded   bool
}

var (
	_ CongestionControl = (*bbr3)(nil)
	_ Describer         = (*bbr3)(nil)
	_ Inspector         = (*bbr3)(nil)
	_ ExactECNEchoer    = (*bbr3)(nil)
)

func newBBR3() CongestionControl { return new(bbr3) }

func (b *bbr3) Name() string { return "bbr3" }

// Description is the one-line summary `ccbench list` prints.
func (b *bbr3) Description() string {
	return "BBRv3 (draft-ietf-ccwg-bbr): paces at the measured bottleneck bandwidth, bounds inflight by loss and ECN"
}

// ExactECNEcho asks the receiver to echo each segment's CE state, as
// Linux's BBRv3 does with precise ECE ACKs.
func (b *bbr3) ExactECNEcho() bool { return true }

// HandshakeRTT is cc.HandshakeRTTReader: the draft's BBRInit starts
// min_rtt at SRTT and paces the initial window over SRTT when the
// handshake measured one (1 ms and no min_rtt otherwise), so the next Init
// takes them from the handshake.
func (b *bbr3) HandshakeRTT(srtt, _ units.Duration) { b.handshakeSRTT = srtt }

// Init is the draft's OnInit.
func (b *bbr3) Init(now units.Time, mss, initialWindow int) {
	srtt := b.handshakeSRTT
	*b = bbr3{
		mss:                mss,
		initialWindow:      initialWindow,
		minPipeCwnd:        bbr3MinPipeSegments * mss,
		cwnd:               initialWindow,
		ssthresh:           InfiniteSsthresh,
		now:                now,
		bwShortterm:        bbr3NoRate,
		minRTT:             bbr3NoRTT,
		minRTTStamp:        now,
		probeRTTMinDelay:   bbr3NoRTT,
		probeRTTMinStamp:   now,
		extraAckedStart:    now,
		inflightLongterm:   bbr3NoLimit,
		inflightShortterm:  bbr3NoLimit,
		probeUpAckedPerInc: bbr3NoLimit,
		ecnAlpha:           bbr3Unit,
		initTime:           now,
	}
	b.rng.Seed(Mix64(uint64(now)), Mix64(uint64(mss)<<32|uint64(uint32(initialWindow))))
	if srtt > 0 {
		b.minRTT = srtt
		b.initPacingRate(srtt)
	} else {
		b.initPacingRate(units.Millisecond)
	}
	b.enterStartup()
	b.setGains()
	b.setSendQuantum()
}

// SetSeed replaces the connection's random seed; call it after Init.
func (b *bbr3) SetSeed(seed uint64) {
	b.rng.Seed(Mix64(seed), Mix64(^seed))
	b.seeded = true
}

// SeedConnection is cc.ConnSeeder: in the stack, the random draws follow
// the run's seed (through the connection's ISNs).
func (b *bbr3) SeedConnection(seed uint64) { b.SetSeed(seed) }

// OnAck is the draft's UpdateOnACK: update the model and the state
// machine, then the control parameters.
func (b *bbr3) OnAck(a *Ack) {
	newlyAcked := int(max(a.Delivered-b.delivered, 0))
	b.now, b.delivered, b.sent = a.Now, max(a.Delivered, b.delivered), a.Sent
	b.inflight, b.priorInflight = a.Inflight, a.PriorInflight
	if a.Sacked > 0 {
		b.hasSACK = true
	}
	if !b.seeded {
		b.seeded = true
		b.rng.Seed(Mix64(uint64(b.initTime)^uint64(a.Now)), Mix64(uint64(b.mss)<<32^uint64(a.RTT)))
	}
	if !b.hasSeenRTT && a.SRTT > 0 {
		b.hasSeenRTT = true
		b.initPacingRate(a.SRTT)
	}
	if a.ECE {
		b.deliveredCE += int64(newlyAcked)
	}
	if b.rtoRecovery && b.delivered >= b.rtoRecoveryEnd {
		b.rtoRecovery = false
		b.restoreCwnd()
	}
	b.cwndLimited[0] = b.cwndLimited[0] || a.PriorInflight+b.mss > b.cwnd
	rs := b.sample(a)

	if a.Lost > 0 {
		b.handleLostPackets(&rs, a.Lost)
	}
	b.updateRound(&rs, newlyAcked)
	if b.roundStart {
		b.updateECNAlpha()
	}
	b.ecnInRound = b.ecnInRound || a.ECE
	b.updateLatestDeliverySignals(&rs, newlyAcked)
	b.updateCongestionSignals(&rs)
	b.updateACKAggregation(newlyAcked)
	b.checkFullBWReached(&rs)
	b.checkStartupDone(&rs, a.Lost, a.InRecovery)
	b.checkDrainDone()
	if newlyAcked > 0 {
		b.updateProbeBWCyclePhase(&rs, newlyAcked)
	}
	b.updateMinRTT(rs.rtt)
	b.checkProbeRTT(newlyAcked)
	b.advanceLatestDeliverySignals(&rs)
	b.boundBWForModel()

	b.setGains()
	b.setPacingRateWithGain(b.pacingGain)
	b.setSendQuantum()
	b.setCwnd(newlyAcked)
}

// sample builds RS from the ACK.
func (b *bbr3) sample(a *Ack) bbr3Sample {
	r := &a.Rate
	rs := bbr3Sample{
		valid:          r.Valid && r.Delivered > 0 && r.Interval > 0,
		delivered:      int(r.Delivered),
		priorDelivered: r.PriorDelivered,
		txInflight:     r.TxInflight,
		lost:           r.LostSince + int64(a.Lost),
		appLimited:     r.IsAppLimited,
		rtt:            r.RTT,
	}
	if rs.rtt <= 0 {
		rs.rtt = a.RTT
	}
	if rs.valid {
		rs.rate = units.Rate(MulDiv(r.Delivered, bbr3BitNsPerByteSecond, int64(r.Interval)))
	}
	if b.appLimitedTo > 0 && rs.priorDelivered >= b.appLimitedFrom && rs.priorDelivered < b.appLimitedTo {
		rs.appLimited = true
	}
	// The CE share of the sample: marks since the round start nearest
	// before the packet was sent.
	from, fromCE := b.alphaDelivered, b.alphaDeliveredCE
	if rs.priorDelivered < from {
		from, fromCE = b.prevDelivered, b.prevDeliveredCE
	}
	rs.ce, rs.ceSpan = b.deliveredCE-fromCE, b.delivered-from
	return rs
}

// updateRound is UpdateRound: packet-timed rounds counted from the ACK
// stream.
func (b *bbr3) updateRound(rs *bbr3Sample, newlyAcked int) {
	b.roundStart = false
	if newlyAcked == 0 || rs.priorDelivered < b.nextRoundDelivered {
		return
	}
	b.startRound()
	b.roundCount++
	b.roundsSinceProbeUp++
	b.roundStart = true
	b.cwndLimited[1], b.cwndLimited[0] = b.cwndLimited[0], false
}

// startRound is StartRound: the round under way now ends when a packet
// sent after this ACK is delivered.
func (b *bbr3) startRound() { b.nextRoundDelivered = b.delivered }

// updateECNAlpha updates α from the marked share of the bytes delivered
// in the round that just ended (Linux's bbr_update_ecn_alpha), and ends
// Startup after bbr3StartupECNRounds rounds marked at ecn_thresh or more.
func (b *bbr3) updateECNAlpha() {
	delivered, ce := b.delivered-b.alphaDelivered, b.deliveredCE-b.alphaDeliveredCE
	if delivered <= 0 {
		return
	}
	b.prevDelivered, b.prevDeliveredCE = b.alphaDelivered, b.alphaDeliveredCE
	b.alphaDelivered, b.alphaDeliveredCE = b.delivered, b.deliveredCE
	ratio := MulDiv(ce, bbr3Unit, delivered)
	b.ecnAlpha = min((b.ecnAlpha*(1<<bbr3ECNAlphaShift-1)+ratio)>>bbr3ECNAlphaShift, bbr3Unit)

	if b.fullBwReached {
		return
	}
	if ratio*100 >= bbr3Unit*bbr3ECNThreshPercent {
		b.startupECNRounds++
	} else {
		b.startupECNRounds = 0
	}
	if b.startupECNRounds >= bbr3StartupECNRounds {
		b.handleQueueTooHighInStartup()
	}
}

// updateLatestDeliverySignals is UpdateLatestDeliverySignals: the rate and
// volume delivered over the last round, and the loss round.
func (b *bbr3) updateLatestDeliverySignals(rs *bbr3Sample, newlyAcked int) {
	b.lossRoundStart = false
	if newlyAcked == 0 {
		return
	}
	b.bwLatest = max(b.bwLatest, rs.rate)
	b.inflightLatest = max(b.inflightLatest, rs.delivered)
	if rs.priorDelivered >= b.lossRoundDelivered {
		b.lossRoundDelivered = b.delivered
		b.lossRoundStart = true
	}
}

// advanceLatestDeliverySignals is AdvanceLatestDeliverySignals.
func (b *bbr3) advanceLatestDeliverySignals(rs *bbr3Sample) {
	if b.lossRoundStart {
		b.bwLatest = rs.rate
		b.inflightLatest = rs.delivered
	}
}

// resetCongestionSignals is ResetCongestionSignals.
func (b *bbr3) resetCongestionSignals() {
	b.lossInRound, b.ecnInRound = false, false
	b.bwLatest, b.inflightLatest = 0, 0
}

// updateCongestionSignals is UpdateCongestionSignals: max_bw on every ACK,
// the short-term model once per loss round.
func (b *bbr3) updateCongestionSignals(rs *bbr3Sample) {
	b.updateMaxBw(rs)
	if !b.lossRoundStart {
		return
	}
	b.adaptLowerBoundsFromCongestion()
	b.lossInRound, b.ecnInRound = false, false
}

// updateMaxBw is UpdateMaxBw. An application-limited sample enters the
// filter only if it raises the estimate: it shows the estimate is low.
func (b *bbr3) updateMaxBw(rs *bbr3Sample) {
	if rs.rate > 0 && (rs.rate >= b.maxBw || !rs.appLimited) {
		b.maxBwSlots[1] = max(b.maxBwSlots[1], rs.rate)
		b.maxBw = max(b.maxBwSlots[0], b.maxBwSlots[1])
	}
}

// advanceMaxBwFilter is AdvanceMaxBwFilter: the current cycle becomes the
// previous one. A cycle without samples keeps the old window, as Linux
// does, rather than forgetting a bandwidth nothing has contradicted.
func (b *bbr3) advanceMaxBwFilter() {
	if b.maxBwSlots[1] == 0 {
		return
	}
	b.maxBwSlots[0], b.maxBwSlots[1] = b.maxBwSlots[1], 0
	b.maxBw = b.maxBwSlots[0]
}

// adaptLowerBoundsFromCongestion is AdaptLowerBoundsFromCongestion with
// Linux's ECN response: once per round with loss or marks, outside
// probing, move bw_lo and inflight_lo toward the latest delivery process.
func (b *bbr3) adaptLowerBoundsFromCongestion() {
	if b.isProbingBW() {
		return
	}
	ecnInflight := bbr3NoLimit
	if b.ecnInRound {
		b.initLowerBounds(false)
		cut := int64(bbr3Unit) - b.ecnAlpha/bbr3ECNFactorDivisor
		ecnInflight = int(MulDiv(int64(b.inflightShortterm), cut, bbr3Unit))
	}
	if b.lossInRound {
		b.initLowerBounds(true)
		b.bwShortterm = max(b.bwLatest, b.bwShortterm*bbr3BetaPercent/100)
		b.inflightShortterm = max(b.inflightLatest, b.inflightShortterm*bbr3BetaPercent/100)
	}
	b.inflightShortterm = min(b.inflightShortterm, ecnInflight)
	if b.bwShortterm < 1 {
		b.bwShortterm = 1
	}
}

// initLowerBounds is InitLowerBounds: the first congestion of a cycle
// starts the short-term model from the long-term one.
func (b *bbr3) initLowerBounds(withBw bool) {
	if withBw && b.bwShortterm == bbr3NoRate {
		b.bwShortterm = b.maxBw
	}
	if b.inflightShortterm == bbr3NoLimit {
		b.inflightShortterm = b.cwnd
	}
}

// resetShortTermModel is ResetShortTermModel.
func (b *bbr3) resetShortTermModel() {
	b.bwShortterm, b.inflightShortterm = bbr3NoRate, bbr3NoLimit
}

// boundBWForModel is BoundBWForModel.
func (b *bbr3) boundBWForModel() { b.bw = min(b.maxBw, b.bwShortterm) }

// updateACKAggregation is UpdateACKAggregation: how much more than bw
// predicts arrived since the ACK rate last fell to bw.
func (b *bbr3) updateACKAggregation(newlyAcked int) {
	if newlyAcked == 0 {
		return
	}
	expected := b.bytesIn(b.bw, b.now.Sub(b.extraAckedStart))
	if b.extraAckedDelivered <= expected {
		b.extraAckedDelivered, b.extraAckedStart, expected = 0, b.now, 0
	}
	b.extraAckedDelivered += newlyAcked
	extra := min(b.extraAckedDelivered-expected, b.cwnd)
	window := int64(bbr3ExtraAckedStartupFilterLen)
	if b.fullBwReached {
		window = bbr3ExtraAckedFilterLen
	}
	b.extraAcked.Update(b.roundCount, window, extra)
}

// resetFullBW is ResetFullBW.
func (b *bbr3) resetFullBW() {
	b.fullBw, b.fullBwCount, b.fullBwNow = 0, 0, false
}

// checkFullBWReached is CheckFullBWReached: the plateau detector of
// Startup and ProbeBW_UP.
func (b *bbr3) checkFullBWReached(rs *bbr3Sample) {
	if b.fullBwNow || !b.roundStart || rs.appLimited || !rs.valid {
		return
	}
	if int64(rs.rate)*100 >= int64(b.fullBw)*bbr3FullBwGrowthPercent {
		b.resetFullBW()
		b.fullBw = rs.rate
		return
	}
	b.fullBwCount++
	b.fullBwNow = b.fullBwCount >= bbr3FullBwCount
	b.fullBwReached = b.fullBwReached || b.fullBwNow
}

// checkStartupDone is CheckStartupDone.
func (b *bbr3) checkStartupDone(rs *bbr3Sample, lostNow int, inRecovery bool) {
	b.checkStartupHighLoss(rs, lostNow, inRecovery)
	if b.state == bbr3Startup && b.fullBwReached {
		b.enterDrain()
	}
}

// checkStartupHighLoss is CheckStartupHighLoss, in Linux's form: at the
// end of a loss round spent in recovery, with at least six ACKs that
// declared losses ("discontiguous lost ranges") and a sample whose loss
// rate exceeds LossThresh. Without SACK any loss in recovery suffices.
func (b *bbr3) checkStartupHighLoss(rs *bbr3Sample, lostNow int, inRecovery bool) {
	if b.fullBwReached {
		return
	}
	if lostNow > 0 {
		b.lossEventsInRound++
	}
	if b.lossRoundStart && inRecovery &&
		(b.lossEventsInRound >= bbr3StartupFullLossCount || !b.hasSACK) && b.isInflightTooHigh(rs) {
		b.handleQueueTooHighInStartup()
		return
	}
	if b.lossRoundStart {
		b.lossEventsInRound = 0
	}
}

// handleQueueTooHighInStartup ends Startup on loss or ECN and remembers
// the volume that caused it: max(bdp, inflight_latest).
func (b *bbr3) handleQueueTooHighInStartup() {
	b.fullBwReached = true
	b.inflightLongterm = max(b.bdpMultiple(b.maxBw, 100), b.inflightLatest)
}

func (b *bbr3) enterStartup() { b.state = bbr3Startup }

// enterDrain is EnterDrain; ssthresh reports Startup's BDP estimate for
// probes, as Linux sets snd_ssthresh (BBR itself never reads it).
func (b *bbr3) enterDrain() {
	b.state = bbr3Drain
	b.drainStartRound = b.roundCount
	b.ssthresh = b.inflightFor(b.maxBw, 100)
}

// checkDrainDone is CheckDrainDone.
func (b *bbr3) checkDrainDone() {
	if b.state == bbr3Drain &&
		(b.inflight <= b.inflightFor(b.bw, 100) || b.roundCount > b.drainStartRound+bbr3DrainMaxRounds) {
		b.startProbeBWDown()
	}
}

// updateProbeBWCyclePhase is UpdateProbeBWCyclePhase.
func (b *bbr3) updateProbeBWCyclePhase(rs *bbr3Sample, newlyAcked int) {
	if !b.fullBwReached {
		return
	}
	if b.adaptLongTermModel(rs, newlyAcked) {
		return
	}
	switch b.state {
	case bbr3ProbeBWDown:
		if b.isTimeToProbeBW() {
			return
		}
		if b.isTimeToCruise() {
			b.state = bbr3ProbeBWCruise
		}
	case bbr3ProbeBWCruise:
		b.isTimeToProbeBW()
	case bbr3ProbeBWRefill:
		// After a round of REFILL the samples reflect it: probe.
		if b.roundStart {
			b.isBwProbeSample = true
			b.startProbeBWUp(rs)
		}
	case bbr3ProbeBWUp:
		if b.isTimeToGoDown(rs) {
			b.prevProbeTooHigh = false
			b.startProbeBWDown()
		}
	}
}

func (b *bbr3) inProbeBW() bool {
	return b.state >= bbr3ProbeBWDown && b.state <= bbr3ProbeBWUp
}

// isProbingBW is IsProbingBW: the states that push in-flight data up on
// purpose and so must not read their own losses as a shrinking path.
func (b *bbr3) isProbingBW() bool {
	return b.state == bbr3Startup || b.state == bbr3ProbeBWRefill || b.state == bbr3ProbeBWUp
}

// adaptLongTermModel is AdaptLongTermModel, with Linux's per-ACK response
// to a too-high loss or ECN rate while probing. It reports whether it
// decided a state transition.
func (b *bbr3) adaptLongTermModel(rs *bbr3Sample, newlyAcked int) bool {
	if b.ackPhase == bbr3AcksProbeStarting && b.roundStart {
		b.ackPhase = bbr3AcksProbeFeedback
	}
	if b.ackPhase == bbr3AcksProbeStopping && b.roundStart {
		// The probe's samples are in: the best moment to forget the
		// previous cycle's bandwidth.
		b.isBwProbeSample = false
		b.ackPhase = bbr3AcksInit
		if b.inProbeBW() && !rs.appLimited {
			b.advanceMaxBwFilter()
		}
		if b.inProbeBW() && b.prevProbePrecautionary && !b.prevProbeTooHigh {
			// Precautionary probing worked: probe again, and this time
			// hold inflight_hi for a round.
			b.startProbeBWRefill()
			return true
		}
	}
	if b.isInflightTooHigh(rs) {
		if b.isBwProbeSample {
			b.handleInflightTooHigh(rs.txInflight, rs.appLimited)
		}
		return false
	}
	if b.inflightLongterm == bbr3NoLimit {
		return false
	}
	// A volume that went out without excess loss is safe, in any phase.
	if rs.txInflight > b.inflightLongterm {
		b.inflightLongterm = rs.txInflight
	}
	if b.state == bbr3ProbeBWUp {
		b.probeInflightLongtermUpward(newlyAcked)
	}
	return false
}

// isInflightTooHigh is IsInflightTooHigh, with Linux's ECN test.
func (b *bbr3) isInflightTooHigh(rs *bbr3Sample) bool {
	return b.isLossTooHigh(rs) || rs.ce > 0 && rs.ceSpan > 0 && rs.ce*100 > rs.ceSpan*bbr3ECNThreshPercent
}

// isLossTooHigh is the loss half of IsInflightTooHigh: more than
// LossThresh of what was in flight lost, or any loss at all for a
// connection that sees only one loss per round (no SACK).
func (b *bbr3) isLossTooHigh(rs *bbr3Sample) bool {
	return rs.lost > 0 && (rs.lost*100 > int64(rs.txInflight)*bbr3LossThreshPercent || !b.hasSACK)
}

// handleInflightTooHigh is HandleInflightTooHigh: once per probe, set
// inflight_hi to the volume that proved too much, but back off no further
// than β of the target.
func (b *bbr3) handleInflightTooHigh(txInflight int, appLimited bool) {
	b.prevProbeTooHigh = true
	b.isBwProbeSample = false
	if !appLimited {
		b.inflightLongterm = max(txInflight, b.targetInflight()*bbr3BetaPercent/100)
	}
	if b.state == bbr3ProbeBWUp {
		b.startProbeBWDown()
	}
}

// handleLostPackets is NoteLoss and HandleLostPacket for the bytes this
// ACK declared lost (see the mapping in the file comment).
func (b *bbr3) handleLostPackets(rs *bbr3Sample, lost int) {
	b.noteLoss()
	if !b.isBwProbeSample || rs.txInflight <= 0 {
		return
	}
	// A sample built from a loss carries no ECN counts.
	if b.isLossTooHigh(rs) {
		b.handleInflightTooHigh(b.inflightAtLoss(rs, lost), rs.appLimited)
	}
}

// noteLoss is NoteLoss: the first loss of a round starts a loss round
// that lasts a full round trip, to see the whole extent of the loss.
func (b *bbr3) noteLoss() {
	if !b.lossInRound {
		b.lossRoundDelivered = b.delivered
	}
	b.lossInRound = true
}

// inflightAtLoss is InflightAtLoss: the in-flight volume at which the loss
// rate crossed LossThresh within the lost burst,
//
//	(lost_prev + prefix) / (inflight_prev + prefix) = LossThresh
//	prefix = (LossThresh·inflight_prev − lost_prev) / (1 − LossThresh),
//
// in whole bytes with the budget rounded up, as Linux rounds it.
func (b *bbr3) inflightAtLoss(rs *bbr3Sample, lost int) int {
	size := min(lost, rs.txInflight)
	inflightPrev := int64(rs.txInflight - size)
	lostPrev := max(rs.lost-int64(size), 0)
	budget := (inflightPrev*bbr3LossThreshPercent + 99) / 100
	prefix := int64(0)
	if lostPrev < budget {
		prefix = (budget - lostPrev) * 100 / (100 - bbr3LossThreshPercent)
	}
	return int(inflightPrev + prefix)
}

// startProbeBWDown is StartProbeBW_DOWN (and EnterProbeBW: cwnd_gain is
// the state's): begin a cycle and pick when to probe next.
func (b *bbr3) startProbeBWDown() {
	b.resetCongestionSignals()
	b.probeUpAckedPerInc = bbr3NoLimit
	b.pickProbeWait()
	b.cycleStamp = b.now
	b.ackPhase = bbr3AcksProbeStopping
	b.startRound()
	b.state = bbr3ProbeBWDown
}

// startProbeBWRefill is StartProbeBW_REFILL: drop the short-term model
// and refill the pipe for a round before probing.
func (b *bbr3) startProbeBWRefill() {
	b.resetShortTermModel()
	b.bwProbeUpRounds = 0
	b.bwProbeUpAcked = 0
	b.prevProbePrecautionary = false
	b.ackPhase = bbr3AcksRefilling
	b.startRound()
	b.state = bbr3ProbeBWRefill
}

// startProbeBWUp is StartProbeBW_UP.
func (b *bbr3) startProbeBWUp(rs *bbr3Sample) {
	b.ackPhase = bbr3AcksProbeStarting
	b.startRound()
	b.resetFullBW()
	b.fullBw = rs.rate
	b.state = bbr3ProbeBWUp
	b.raiseInflightLongtermSlope()
}

// pickProbeWait is PickProbeWait: a head start of 0 or 1 on the
// Reno-coexistence round bound, and 2–3 s of wall clock.
func (b *bbr3) pickProbeWait() {
	b.roundsSinceProbeUp = int64(b.rng.Uint64() >> 63)
	jitter, _ := bits.Mul64(b.rng.Uint64(), uint64(bbr3ProbeWaitRand))
	b.bwProbeWait = bbr3ProbeWaitBase + units.Duration(jitter)
}

// isTimeToProbeBW is IsTimeToProbeBW, starting REFILL when it is.
func (b *bbr3) isTimeToProbeBW() bool {
	if b.now.Sub(b.cycleStamp) > b.bwProbeWait || b.isRenoCoexistenceProbeTime() {
		b.startProbeBWRefill()
		return true
	}
	return false
}

// isRenoCoexistenceProbeTime is IsRenoCoexistenceProbeTime: a Reno flow
// with our window would wait its window in packets, in rounds, between
// losses; never make it wait longer than 63.
func (b *bbr3) isRenoCoexistenceProbeTime() bool {
	rounds := min(int64(b.targetInflight()/b.mss), bbr3RenoRoundsMax)
	return b.roundsSinceProbeUp >= rounds
}

// targetInflight is TargetInflight: the BDP, unless congestion cut cwnd.
func (b *bbr3) targetInflight() int { return min(b.bdpMultiple(b.bw, 100), b.cwnd) }

// isTimeToCruise is IsTimeToCruise: the queue is drained and headroom
// left.
func (b *bbr3) isTimeToCruise() bool {
	return b.priorInflight <= b.inflightWithHeadroom() && b.priorInflight <= b.inflightFor(b.maxBw, 100)
}

// isTimeToGoDown is IsTimeToGoDown.
func (b *bbr3) isTimeToGoDown(rs *bbr3Sample) bool {
	if b.prevProbeTooHigh && b.priorInflight >= b.inflightLongterm {
		// The last probe went too high at this volume: back off before
		// this one does too.
		b.prevProbePrecautionary = true
		return true
	}
	if b.isCwndLimited() && b.cwnd >= b.inflightLongterm {
		// inflight_hi, not the path, is what limits bw: no plateau yet.
		b.resetFullBW()
		b.fullBw = rs.rate
		return false
	}
	return b.fullBwNow
}

func (b *bbr3) isCwndLimited() bool { return b.cwndLimited[0] || b.cwndLimited[1] }

// inflightWithHeadroom is InflightWithHeadroom.
func (b *bbr3) inflightWithHeadroom() int {
	if b.inflightLongterm == bbr3NoLimit {
		return bbr3NoLimit
	}
	headroom := max(b.mss, b.inflightLongterm*bbr3HeadroomPercent/100)
	return max(b.inflightLongterm-headroom, b.minPipeCwnd)
}

// raiseInflightLongtermSlope is RaiseInflightLongtermSlope: each round of
// UP doubles how fast inflight_hi grows (1, 2, 4, ... SMSS per round).
func (b *bbr3) raiseInflightLongtermSlope() {
	growth := 1 << b.bwProbeUpRounds
	b.bwProbeUpRounds = min(b.bwProbeUpRounds+1, bbr3MaxProbeUpRounds)
	b.probeUpAckedPerInc = max(b.cwnd/growth, b.mss)
}

// probeInflightLongtermUpward is ProbeInflightLongtermUpward.
func (b *bbr3) probeInflightLongtermUpward(newlyAcked int) {
	if !b.isCwndLimited() || b.cwnd < b.inflightLongterm {
		return
	}
	b.bwProbeUpAcked += newlyAcked
	if b.bwProbeUpAcked >= b.probeUpAckedPerInc {
		delta := b.bwProbeUpAcked / b.probeUpAckedPerInc
		b.bwProbeUpAcked -= delta * b.probeUpAckedPerInc
		b.inflightLongterm += delta * b.mss
	}
	if b.roundStart {
		b.raiseInflightLongtermSlope()
	}
}

// updateMinRTT is UpdateMinRTT: min_rtt folded into the ProbeRTT schedule.
func (b *bbr3) updateMinRTT(rtt units.Duration) {
	b.probeRTTExpired = b.now > b.probeRTTMinStamp.Add(bbr3ProbeRTTInterval)
	if rtt > 0 && (rtt < b.probeRTTMinDelay || b.probeRTTExpired) {
		b.probeRTTMinDelay = rtt
		b.probeRTTMinStamp = b.now
	}
	minRTTExpired := b.now > b.minRTTStamp.Add(bbr3MinRTTFilterLen)
	if b.probeRTTMinDelay < b.minRTT || minRTTExpired {
		b.minRTT = b.probeRTTMinDelay
		b.minRTTStamp = b.probeRTTMinStamp
	}
}

// checkProbeRTT is CheckProbeRTT.
func (b *bbr3) checkProbeRTT(newlyAcked int) {
	if b.state != bbr3ProbeRTT && b.probeRTTExpired && !b.idleRestart {
		b.state = bbr3ProbeRTT
		b.saveCwnd()
		b.probeRTTDoneStamp = 0
		b.ackPhase = bbr3AcksProbeStopping
		b.startRound()
		b.appLimitedFrom = b.delivered
	}
	if b.state == bbr3ProbeRTT {
		b.handleProbeRTT()
	}
	if newlyAcked > 0 {
		b.idleRestart = false
	}
}

// handleProbeRTT is HandleProbeRTT: hold in-flight data at ProbeRTTCwnd
// for ProbeRTTDuration and at least a round.
func (b *bbr3) handleProbeRTT() {
	b.appLimitedTo = max(b.delivered+int64(b.inflight), b.appLimitedFrom+1)
	if b.probeRTTDoneStamp == 0 && b.inflight <= b.probeRTTCwnd() {
		b.probeRTTDoneStamp = b.now.Add(bbr3ProbeRTTDuration)
		b.probeRTTRoundDone = false
		b.startRound()
	} else if b.probeRTTDoneStamp != 0 {
		if b.roundStart {
			b.probeRTTRoundDone = true
		}
		if b.probeRTTRoundDone {
			b.checkProbeRTTDone()
		}
	}
}

// checkProbeRTTDone is CheckProbeRTTDone; the next ProbeRTT is due
// ProbeRTTInterval from now.
func (b *bbr3) checkProbeRTTDone() {
	if b.probeRTTDoneStamp != 0 && b.now > b.probeRTTDoneStamp {
		b.probeRTTMinStamp = b.now
		b.restoreCwnd()
		b.exitProbeRTT()
	}
}

// exitProbeRTT is ExitProbeRTT: in-flight data is below the BDP, so a
// flow that had filled the pipe cruises at once, on a fresh cycle.
func (b *bbr3) exitProbeRTT() {
	b.resetShortTermModel()
	if b.fullBwReached {
		b.startProbeBWDown()
		b.state = bbr3ProbeBWCruise
	} else {
		b.enterStartup()
	}
}

// setGains sets the gains of the state, per the table in the file comment.
func (b *bbr3) setGains() {
	b.pacingGain, b.cwndGain = bbr3PacingGain[b.state], bbr3CwndGain[b.state]
}

// initPacingRate is InitPacingRate: the initial window over the RTT, or
// over 1 ms before there is one, at Startup's gain.
func (b *bbr3) initPacingRate(rtt units.Duration) {
	nominal := MulDiv(int64(b.initialWindow), bbr3BitNsPerByteSecond, int64(rtt))
	b.pacingRate = units.Rate(nominal * int64(bbr3PacingGain[bbr3Startup]) / 100)
}

// setPacingRateWithGain is SetPacingRateWithGain. Until the pipe has been
// full the rate only rises, so application-limited samples cannot pull it
// down while bw is still being found.
func (b *bbr3) setPacingRateWithGain(gainPercent int) {
	rate := units.Rate(int64(b.bw) * int64(gainPercent) * (100 - bbr3PacingMarginPercent) / (100 * 100))
	if b.fullBwReached || rate > b.pacingRate {
		b.pacingRate = rate
	}
}

// setSendQuantum is SetSendQuantum: 1 ms of pacing, 2 SMSS to 64 KiB.
func (b *bbr3) setSendQuantum() {
	q := b.bytesIn(b.pacingRate, bbr3SendQuantumTime)
	b.sendQuantum = max(min(q, bbr3SendQuantumMax), 2*b.mss)
}

// bdpMultiple is BDPMultiple for the given bandwidth: gain·bw·min_rtt, or
// the initial window before any RTT sample.
func (b *bbr3) bdpMultiple(bw units.Rate, gainPercent int) int {
	if b.minRTT == bbr3NoRTT {
		return b.initialWindow
	}
	return b.bytesIn(bw, b.minRTT) * gainPercent / 100
}

// quantizationBudget is QuantizationBudget.
func (b *bbr3) quantizationBudget(inflightCap int) int {
	inflightCap = max(inflightCap, 3*b.sendQuantum, b.minPipeCwnd)
	if b.state == bbr3ProbeBWUp {
		inflightCap += 2 * b.mss
	}
	return inflightCap
}

// inflightFor is Inflight(bw, gain): a BDP multiple with its budget.
func (b *bbr3) inflightFor(bw units.Rate, gainPercent int) int {
	return b.quantizationBudget(b.bdpMultiple(bw, gainPercent))
}

// bytesIn is how many bytes rate carries in d, without overflow.
func (b *bbr3) bytesIn(rate units.Rate, d units.Duration) int {
	if rate <= 0 || d <= 0 {
		return 0
	}
	return int(MulDiv(int64(rate), int64(d), bbr3BitNsPerByteSecond))
}

// setCwnd is SetCwnd: grow by what each ACK delivers toward max_inflight,
// cut straight down to it once the pipe has been full, then apply the
// ProbeRTT and model bounds.
func (b *bbr3) setCwnd(newlyAcked int) {
	b.maxInflight = b.quantizationBudget(b.bdpMultiple(b.bw, b.cwndGain) + b.extraAcked.Best())
	switch {
	case b.fullBwReached:
		b.cwnd = min(b.cwnd+newlyAcked, b.maxInflight)
	case b.cwnd < b.maxInflight || b.delivered < int64(b.initialWindow):
		b.cwnd += newlyAcked
	}
	b.cwnd = max(b.cwnd, b.minPipeCwnd)
	if b.state == bbr3ProbeRTT {
		b.cwnd = min(b.cwnd, b.probeRTTCwnd())
	}
	b.boundCwndForModel()
}

// probeRTTCwnd is ProbeRTTCwnd: half the BDP, at least MinPipeCwnd.
func (b *bbr3) probeRTTCwnd() int {
	return max(b.bdpMultiple(b.bw, bbr3CwndGain[bbr3ProbeRTT]), b.minPipeCwnd)
}

// boundCwndForModel is BoundCwndForModel.
func (b *bbr3) boundCwndForModel() {
	limit := bbr3NoLimit
	switch {
	case b.inProbeBW() && b.state != bbr3ProbeBWCruise:
		limit = b.inflightLongterm
	case b.state == bbr3ProbeRTT || b.state == bbr3ProbeBWCruise:
		limit = b.inflightWithHeadroom()
	}
	limit = max(min(limit, b.inflightShortterm), b.minPipeCwnd)
	b.cwnd = min(b.cwnd, limit)
}

func (b *bbr3) inLossRecovery() bool { return b.fastRecovery || b.rtoRecovery }

// saveCwnd is SaveCwnd: remember the last window not cut by recovery or
// ProbeRTT.
func (b *bbr3) saveCwnd() {
	if !b.inLossRecovery() && b.state != bbr3ProbeRTT {
		b.priorCwnd = b.cwnd
	} else {
		b.priorCwnd = max(b.priorCwnd, b.cwnd)
	}
}

// restoreCwnd is RestoreCwnd.
func (b *bbr3) restoreCwnd() { b.cwnd = max(b.cwnd, b.priorCwnd) }

// OnCongestion handles the draft's loss-recovery steps. BBR does not cut
// its window when recovery begins: the loss feeds the model (OnAck sees
// the lost bytes), and the window follows the model.
func (b *bbr3) OnCongestion(e *Event) {
	switch e.Kind {
	case Loss:
		// OnEnterFastRecovery.
		b.saveCwnd()
		b.fastRecovery = true
	case RecoveryExit:
		b.fastRecovery = false
		b.restoreCwnd()
	case RTO:
		// OnEnterRTO, plus Linux's bbr_set_state (choice 9).
		b.now = e.Now
		b.saveCwnd()
		b.noteLoss()
		b.resetFullBW()
		if !b.isProbingBW() && b.inflightShortterm == bbr3NoLimit {
			b.inflightShortterm = max(b.cwnd, b.priorCwnd)
		}
		b.fastRecovery = false
		b.rtoRecovery = true
		b.rtoRecoveryEnd = b.sent
		b.cwnd = b.mss
	case IdleRestart:
		// HandleRestartFromIdle: resume at bw, not above it.
		b.now = e.Now
		b.idleRestart = true
		b.extraAckedStart = e.Now
		b.extraAckedDelivered = 0
		if b.inProbeBW() {
			b.setPacingRateWithGain(100)
		} else if b.state == bbr3ProbeRTT {
			b.checkProbeRTTDone()
		}
	case ECN:
		// The ECE flag of every ACK drives the ECN response (OnAck); the
		// once-per-window event adds nothing to it.
	}
}

func (b *bbr3) Cwnd() int { return b.cwnd }

// Ssthresh is InfiniteSsthresh until Startup ends, then the BDP estimate
// Startup ended with; BBR never reads it.
func (b *bbr3) Ssthresh() int { return b.ssthresh }

func (b *bbr3) PacingRate() units.Rate { return b.pacingRate }

func (b *bbr3) Phase() string { return bbr3PhaseNames[b.state] }

// Inspect reports max_bw and bw (bit/s), min_rtt (ms, −1 before a
// sample), the gains, inflight_hi and inflight_lo (bytes, −1 while unset)
// and the ECN α in [0, 1].
func (b *bbr3) Inspect(in *Internals) {
	in.Add("max_bw", float64(b.maxBw))
	minRTT := -1.0
	if b.minRTT != bbr3NoRTT {
		minRTT = b.minRTT.Milliseconds()
	}
	in.Add("min_rtt", minRTT)
	in.Add("pacing_gain", float64(b.pacingGain)/100)
	in.Add("cwnd_gain", float64(b.cwndGain)/100)
	in.Add("inflight_hi", bbr3Bound(b.inflightLongterm))
	in.Add("inflight_lo", bbr3Bound(b.inflightShortterm))
	in.Add("bw", float64(b.bw))
	in.Add("ecn_alpha", float64(b.ecnAlpha)/bbr3Unit)
}

func bbr3Bound(v int) float64 {
	if v == bbr3NoLimit {
		return -1
	}
	return float64(v)
}

// ControlsRecovery is true: BBRv3's window in loss recovery follows its
// model, as Linux's tcp_bbr.c does through its cong_control hook, so the
// sender does not apply PRR.
func (b *bbr3) ControlsRecovery() bool { return true }
