// TCP Vegas: Lawrence Brakmo and Larry Peterson, "TCP Vegas: End to End
// Congestion Avoidance on a Global Internet", IEEE JSAC 13(8), October
// 1995. Linux: net/ipv4/tcp_vegas.c, which this follows window for window
// (tcp_vegas_pkts_acked, tcp_vegas_cong_avoid, tcp_vegas_state,
// tcp_vegas_cwnd_event).
//
// The model. Loss-based TCP finds the path's capacity by filling the
// bottleneck queue until it overflows. Vegas watches the queue fill
// instead: the smallest RTT it has seen, BaseRTT, is the path without
// queueing, so a window of cwnd segments should deliver cwnd/BaseRTT per
// second (Expected); it actually delivers cwnd/RTT (Actual). The paper's
// Diff is (Expected − Actual)·BaseRTT = cwnd·(RTT − BaseRTT)/RTT, the
// segments of the window sitting in queues; Linux divides by BaseRTT
// instead, in whole segments,
//
//	Diff = ⌊cwnd·(RTT − BaseRTT)/BaseRTT⌋
//
// which overstates the queue by RTT/BaseRTT, and this file does as Linux
// does (it was the paper's before: the project follows Linux). Vegas
// keeps Diff between alpha and beta segments: enough queued that the flow
// notices and takes spare capacity, little enough that queueing delay
// stays small. It decides once per round trip, at the first ACK beyond
// SND.NXT as it stood when the round began (the stack's Delivered and
// Sent stand for SND.UNA and SND.NXT), with RTT the smallest sample of the
// round just ended (the least disturbed by delayed ACKs):
//
//	slow start, Diff > gamma:  cwnd = min(cwnd, ⌊cwnd·BaseRTT/RTT⌋ + 1),
//	                           ssthresh = min(ssthresh, cwnd): leave slow
//	                           start at the window the path delivered
//	slow start otherwise:      grow as slow start does (every round, as
//	                           Linux does; the paper grew every other one)
//	Diff > beta:               cwnd −= 1, ssthresh = min(ssthresh, cwnd)
//	Diff < alpha:              cwnd += 1
//	otherwise:                 hold
//
// then cwnd is at least two segments and ssthresh at least three quarters
// of cwnd (Linux's tcp_current_ssthresh). Between decisions slow start
// grows per ACK as Linux's tcp_slow_start does, and congestion avoidance
// holds. A round with two RTT samples or fewer (a window of one or two
// segments with delayed ACKs) gives no reliable minimum; Vegas then grows
// as Reno would at that ACK (tcp_reno_cong_avoid), as it does whenever it
// is not measuring.
//
// RTT samples are in microseconds plus one (Linux's: never zero), taken
// from every ACK with data in flight that has one, in any state. Vegas
// measures only in the Open state: a fast recovery, an ECN reduction or a
// timeout stops it (Reno's growth meanwhile, where the sender lets the
// window grow at all), and returning to Open starts a fresh round from
// SND.NXT then, its samples forgotten. A timeout's Loss state ends with
// the first ACK at or beyond SND.NXT at the timeout (tcp_process_loss).
// An idle restart also forgets BaseRTT: a path left unused may have
// changed.
//
// Loss, ECN and timeouts take Reno's ssthresh as Linux's does,
// max(cwnd/2, 2) segments (tcp_reno_ssthresh), and the sender's fast
// recovery (renowindow.go).
//
// Slow start overshoots on a path with a large buffer: the minimum RTT of
// a round comes from its first ACKs, which the queue the round itself
// builds has not yet reached, so Diff stays small until the window is past
// the pipe and the buffer (on the shipped bottleneck the first slow start
// loses about 600 segments, as Linux's Vegas does there).

package cc

import (
	"math"

	"github.com/ccbench/ccbench/units"
)

func init() { MustRegister("vegas", newVegas) }

// The thresholds on Diff, in segments, Linux's defaults. alpha is above
// zero so that the flow keeps a little queued and sees capacity freed by
// others; beta − alpha is a dead band that stops the window oscillating by
// one segment every round trip on measurement noise. The paper evaluated
// alpha, beta = 1, 3 and 2, 4; Linux took 2, 4. gamma is one: slow start
// doubles the window, so the queue it builds doubles too, and Vegas leaves
// as soon as more than a segment's worth appears.
const (
	vegasAlpha = 2
	vegasBeta  = 4
	vegasGamma = 1
)

// vegasMinSamples is the fewest RTT samples a round needs for its minimum
// to be trusted (Linux: more than two; two may both be delayed ACKs).
const vegasMinSamples = 3

// vegasMinWindow is the least window Vegas sets, in segments (Linux's):
// with one segment and delayed ACKs the ACK clock stalls.
const vegasMinWindow = 2

// vegasNoRTT is an RTT not measured yet (Linux's 0x7fffffff).
const vegasNoRTT = math.MaxInt32

// vegasState is Linux's TCP_CA_* state as far as Vegas cares.
type vegasState uint8

const (
	vegasOpen vegasState = iota
	vegasCWR
	vegasRecovery
	vegasLoss
)

type vegas struct {
	RenoWindow

	// baseRTT is the smallest RTT sample since the connection (or the
	// last idle restart) began, minRTT the smallest of the round under
	// way, both in µs plus one; cntRTT counts the round's samples.
	baseRTT, minRTT uint32
	cntRTT          int
	// measuring is Linux's doing_vegas_now; begSndNxt is SND.NXT when
	// the round began: the first ACK beyond it ends the round.
	measuring bool
	begSndNxt uint32
	// state is the connection's recovery state; highSeq SND.NXT at the
	// last timeout, whose Loss state lasts until it is acknowledged.
	state   vegasState
	highSeq uint32
	// sndNxt is SND.NXT as the last ACK gave it (Ack.Sent).
	sndNxt uint32
	// lastDiff is Diff in segments at the last decision, for Inspect.
	lastDiff int
}

var (
	_ CongestionControl = (*vegas)(nil)
	_ Inspector         = (*vegas)(nil)
)

func newVegas() CongestionControl { return new(vegas) }

func (v *vegas) Name() string { return "vegas" }

// Description is the one-line summary `ccbench list` prints.
func (v *vegas) Description() string {
	return "Vegas (Brakmo & Peterson 1995): delay-based, keeps 2 to 4 segments queued"
}

func (v *vegas) Init(_ units.Time, mss, initialWindow int) {
	*v = vegas{}
	v.Reset(mss, initialWindow)
	v.restart()
}

// restart forgets BaseRTT and starts measuring (tcp_vegas_init).
func (v *vegas) restart() {
	v.baseRTT = vegasNoRTT
	v.enable()
}

// enable starts a fresh round from SND.NXT (vegas_enable).
func (v *vegas) enable() {
	v.measuring = true
	v.begSndNxt = v.sndNxt
	v.cntRTT, v.minRTT = 0, vegasNoRTT
}

func (v *vegas) OnAck(a *Ack) {
	v.sndNxt = uint32(a.Sent)
	if a.PriorInflight > 0 && a.RTT > 0 {
		vrtt := uint32(a.RTT/units.Microsecond) + 1
		v.baseRTT = min(v.baseRTT, vrtt)
		v.minRTT = min(v.minRTT, vrtt)
		v.cntRTT++
	}
	renoAcked := v.Acked(a)
	una := uint32(a.Delivered)
	if v.state == vegasLoss && a.Acked > 0 && int32(una-v.highSeq) >= 0 {
		v.state = vegasOpen
		v.enable()
	}
	if a.Acked == 0 || v.state == vegasCWR || v.state == vegasRecovery {
		return // Linux's tcp_may_raise_cwnd: no growth in a reduction
	}
	if !v.measuring {
		v.renoCongAvoid(renoAcked)
		return
	}
	if int32(una-v.begSndNxt) <= 0 {
		if v.cwnd < v.ssthresh {
			v.SlowStart(a.Acked)
		}
		return
	}
	v.begSndNxt = v.sndNxt
	if v.cntRTT < vegasMinSamples {
		v.renoCongAvoid(renoAcked)
	} else {
		v.decide(a.Acked)
	}
	v.cntRTT, v.minRTT = 0, vegasNoRTT
}

// renoCongAvoid is Reno's growth, tcp_reno_cong_avoid: slow start, then
// one segment per window; acked is 0 when the application limited the
// sender.
func (v *vegas) renoCongAvoid(acked int) {
	v.Increase(v.SlowStart(acked), v.cwnd)
}

// decide is the once-per-round decision on the round just ended; acked is
// what the ACK that ended it acknowledged.
func (v *vegas) decide(acked int) {
	w := uint32(v.cwnd / v.mss)
	rtt := v.minRTT
	target := uint32(uint64(w) * uint64(v.baseRTT) / uint64(rtt))
	diff := w * (rtt - v.baseRTT) / v.baseRTT
	v.lastDiff = int(diff)
	slowStart := v.cwnd < v.ssthresh
	switch {
	case diff > vegasGamma && slowStart:
		w = min(w, target+1)
		v.cwnd = int(w) * v.mss
		v.ssthresh = min(v.ssthresh, v.cwnd)
	case slowStart:
		v.SlowStart(acked)
		w = uint32(v.cwnd / v.mss)
	case diff > vegasBeta:
		w--
		v.cwnd = int(w) * v.mss
		v.ssthresh = min(v.ssthresh, v.cwnd)
	case diff < vegasAlpha:
		w++
		v.cwnd = int(w) * v.mss
	}
	if w < vegasMinWindow {
		w = vegasMinWindow
		v.cwnd = int(w) * v.mss
	}
	// tcp_current_ssthresh, in the Open state.
	v.ssthresh = max(v.ssthresh, int(w>>1+w>>2)*v.mss)
}

func (v *vegas) OnCongestion(e *Event) {
	v.Respond(e, v.HalvedWindow())
	switch e.Kind {
	case Loss:
		v.state, v.measuring = vegasRecovery, false
	case ECN:
		if v.state == vegasOpen {
			v.state, v.measuring = vegasCWR, false
		}
	case RTO:
		v.state, v.measuring = vegasLoss, false
		v.highSeq = v.sndNxt
	case RecoveryExit:
		v.state = vegasOpen
		v.enable()
	case Undo:
		if v.state != vegasOpen {
			v.state = vegasOpen
			v.enable()
		}
	case IdleRestart:
		// CA_EVENT_CWND_RESTART and CA_EVENT_TX_START.
		v.restart()
	}
}

// Inspect exposes BaseRTT and the last Diff for plots.
func (v *vegas) Inspect(in *Internals) {
	base := 0.0
	if v.baseRTT != vegasNoRTT {
		base = float64(v.baseRTT-1) / 1e3
	}
	in.Add("base_rtt_ms", base)
	in.Add("diff_segments", float64(v.lastDiff))
}
