// The adapter between ccbench's stack and a module: cc.CongestionControl
// on one side, the glue's entry points on the other. It is ccbench's half
// of Linux's TCP core (tcp_input.c's calls into the module); glue.c is the
// half that runs inside the module.

package kernelcc

import (
	"math"
	"runtime"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Linux's TCP_CA_* states, as glue.c reports them.
const (
	caOpen     = 0
	caCWR      = 2
	caRecovery = 3
	caLoss     = 4
)

// infiniteSsthresh is TCP_INFINITE_SSTHRESH, packets.
const infiniteSsthresh = 0x7fffffff

// in_ack_event's flags (CA_ACK_*).
const (
	caAckSlowpath  = 1
	caAckWinUpdate = 2
	caAckECE       = 4
)

// Alg runs one connection's congestion control in a compiled Linux
// module. It is ccbench's half of Linux's TCP core: it turns the stack's
// facts, in bytes, into the packets and callbacks a module expects
// (glue.c makes the calls) and the module's windows back into bytes.
type Alg struct {
	name string
	mod  *Module
	in   *instance
	slot uint32

	mss, initialWindow int

	// The module's answers after the last call.
	cwndPkts, ssthreshPkts uint64
	pacingBps              uint64
	pacing                 bool
	caState                uint64
	minTSOSegs             int

	// Counters Linux keeps in packets that the stack gives in bytes.
	ackedResidue int   // bytes delivered but not yet a whole packet
	deliveredCE  int64 // packets delivered with ECE
	lostBytes    int64 // bytes deemed lost, in total
	lostPkts     int64 // lostBytes in packets at the last ACK
	deliveredUs  uint64
	sent         int64 // Ack.Sent of the last ACK: SND.NXT for events
	lastAck      units.Time

	// The handshake's RTT, for Init (HandshakeRTT); zero when unknown.
	handshakeSRTT, handshakeMinRTT units.Duration
}

var (
	_ cc.CongestionControl  = (*Alg)(nil)
	_ cc.RecoveryController = (*Alg)(nil)
	_ cc.ExactECNEchoer     = (*Alg)(nil)
	_ cc.Describer          = (*Alg)(nil)
	_ cc.Inspector          = (*Alg)(nil)
	_ cc.ValueNamer         = (*Alg)(nil)
	_ cc.TSOSizer           = (*Alg)(nil)
	_ cc.ConnSeeder         = (*Alg)(nil)
	_ cc.HandshakeRTTReader = (*Alg)(nil)
)

// NewAlg makes an algorithm named name that runs mod; the caller calls
// Init. The slot is taken at the first Init and given back when the Alg
// is garbage collected.
func NewAlg(mod *Module, name string) *Alg { return &Alg{name: name, mod: mod} }

// slotRef is what the cleanup needs to free a slot, without the Alg.
type slotRef struct {
	in   *instance
	slot uint32
}

func (k *Alg) Name() string { return k.name }

// Description is the line `ccbench list` prints.
func (k *Alg) Description() string {
	return "Linux's tcp_" + k.mod.Name + " module, compiled to wasm against ccbench's shim, run through wazero"
}

// ControlsRecovery is true for a module with cong_control (BBR): it sets
// the window in recovery, as Linux lets it.
func (k *Alg) ControlsRecovery() bool { return k.mod.ControlsRecovery() }

// ExactECNEcho is true for a module that asks for ECN
// (TCP_CONG_NEEDS_ECN, DCTCP): its receiver echoes CE marks exactly.
func (k *Alg) ExactECNEcho() bool { return k.mod.NeedsECN() }

// SeedConnection is cc.ConnSeeder: the stack seeds the module's random
// numbers (BBR's ProbeBW phase, NV's) from the run's seed after Init.
func (k *Alg) SeedConnection(seed uint64) { k.SetSeed(cc.Mix64(seed)) }

// SetSeed replaces the connection's random seed (the one Init derives from
// its time, MSS and initial window, which SeedConnection replaces in turn);
// call it after Init, which would otherwise derive its own.
func (k *Alg) SetSeed(seed uint64) {
	if k.in != nil {
		k.in.mu.Lock()
		k.in.set(ioSeed, seed)
		k.in.call1(k.in.seedFn, uint64(k.slot))
		k.in.mu.Unlock()
	}
}

// HandshakeRTT is cc.HandshakeRTTReader: the next Init starts the module
// with srtt_us and rtt_min from the handshake, as Linux's does.
func (k *Alg) HandshakeRTT(srtt, minRTT units.Duration) {
	k.handshakeSRTT, k.handshakeMinRTT = srtt, minRTT
}

// Init sets the connection up as tcp_init_congestion_control does: cwnd
// is the initial window in packets, ssthresh infinite, then the module's
// init. Every fact of an ACK starts afresh (nothing delivered, lost or
// sampled) but the handshake's RTT, whatever connection last used the
// instance's I/O block.
func (k *Alg) Init(now units.Time, mss, initialWindow int) {
	if k.in == nil {
		in, slot, err := k.mod.acquire()
		if err != nil {
			panic("kernelcc: " + err.Error())
		}
		k.in, k.slot = in, slot
		runtime.AddCleanup(k, func(r slotRef) { r.in.release(r.slot) }, slotRef{in, slot})
	}
	mss = max(mss, 1)
	srtt, minRTT := k.handshakeSRTT, k.handshakeMinRTT
	*k = Alg{name: k.name, mod: k.mod, in: k.in, slot: k.slot, mss: mss, initialWindow: initialWindow, lastAck: now}
	in := k.in
	in.mu.Lock()
	for f := ioNowNs; f < ioSndCwnd; f++ {
		in.set(f, 0)
	}
	in.set(ioTsval, 0)
	in.set(ioTsecr, 0)
	in.set(ioSrttUs, micros(srtt))
	in.set(ioMinRttUs, micros(minRTT))
	k.common(now, 0)
	in.set(ioSeed, cc.Mix64(uint64(now))^cc.Mix64(uint64(mss)<<32|uint64(uint32(initialWindow))))
	in.set(ioArg, uint64(max(initialWindow/mss, 1)))
	in.call1(in.initFn, uint64(k.slot))
	k.answers()
	in.mu.Unlock()
}

// common writes the facts every call carries.
func (k *Alg) common(now units.Time, inflight int) {
	in := k.in
	in.set(ioNowNs, uint64(max(now, 0)))
	in.set(ioMSS, uint64(k.mss))
	in.set(ioPacketsOut, uint64(ceilDiv(inflight, k.mss)))
	in.set(ioSndNxt, uint64(uint32(k.sent)))
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

func micros(d units.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return uint64(d / units.Microsecond)
}

// OnAck hands one ACK to the module (glue.c's ccb_ack: pkts_acked,
// in_ack_event, then cong_control or cong_avoid).
func (k *Alg) OnAck(a *cc.Ack) {
	in := k.in
	mss := k.mss
	in.mu.Lock()
	k.sent = a.Sent
	k.lastAck = a.Now
	k.common(a.Now, a.Inflight)
	in.set(ioSrttUs, micros(a.SRTT))
	in.set(ioMinRttUs, micros(a.MinRTT))

	// Linux's acked_sacked: what this ACK newly delivered, cumulatively
	// or by SACK. The stack gives it as Acked on an ACK that advances
	// SND.UNA and as Sacked on one that does not.
	newly := a.Acked
	if newly == 0 {
		newly = a.Sacked
	}
	k.ackedResidue += max(newly, 0)
	pkts := k.ackedResidue / mss
	k.ackedResidue -= pkts * mss
	delivered := a.Delivered / int64(mss)
	if a.ECE {
		// tcp_count_delivered: with classic ECN every packet an ECE ACK
		// delivers counts as marked.
		k.deliveredCE += int64(pkts)
	}
	if pkts > 0 {
		k.deliveredUs = uint64(a.Now / units.Time(units.Microsecond))
	}
	k.lostBytes += int64(max(a.Lost, 0))
	lost := k.lostBytes / int64(mss)
	newlyLost := lost - k.lostPkts
	k.lostPkts = lost

	in.set(ioDelivered, uint64(delivered))
	in.set(ioDeliveredCE, uint64(k.deliveredCE))
	in.set(ioLost, uint64(lost))
	// SND.UNA is approximated by what was delivered: the same as long as
	// no SACKed data sits above a hole (see the README).
	in.set(ioSndUna, uint64(uint32(a.Delivered)))
	in.set(ioAppLimited, b2u(a.AppLimited))
	in.set(ioDeliveredMstamp, k.deliveredUs)

	flags := uint64(caAckWinUpdate)
	if a.Acked == 0 || a.Sacked > 0 || a.ECE || a.DupAck {
		flags = caAckSlowpath
		if a.ECE {
			flags |= caAckECE
		}
		if a.Acked > 0 {
			flags |= caAckWinUpdate
		}
	}
	in.set(ioAckFlags, flags)
	in.set(ioAckedSacked, uint64(pkts))
	cumulative := uint64(0)
	if a.Acked > 0 {
		cumulative = uint64(pkts)
	}
	in.set(ioPktsAcked, cumulative)
	in.set(ioRttUs, signedMicros(a.RTT))
	in.set(ioDataAcked, b2u(a.Acked > 0))
	in.set(ioPriorInFlight, uint64(ceilDiv(a.PriorInflight, mss)))

	r := &a.Rate
	if r.Valid {
		prior := r.PriorDelivered / int64(mss)
		in.set(ioRsPriorDelivered, uint64(prior))
		in.set(ioRsDelivered, uint64(delivered-prior))
		in.set(ioRsIntervalUs, signedMicros(r.Interval))
		in.set(ioRsPriorMstamp, uint64(max(a.Now-units.Time(r.Interval), 0)/units.Time(units.Microsecond)))
		in.set(ioRsPriorInFlightBytes, uint64((delivered-prior)*int64(mss)))
	} else {
		// tcp_rate_gen's "no sample": delivered and interval are -1.
		in.set(ioRsPriorDelivered, uint64(delivered))
		in.set(ioRsDelivered, math.MaxUint64)
		in.set(ioRsIntervalUs, math.MaxUint64)
		in.set(ioRsPriorMstamp, 0)
		in.set(ioRsPriorInFlightBytes, 0)
	}
	in.set(ioRsRttUs, signedMicros(r.RTT))
	in.set(ioRsLosses, uint64(newlyLost))
	in.set(ioRsIsAppLimited, b2u(r.IsAppLimited))
	in.set(ioTsval, uint64(a.TSval))
	in.set(ioTsecr, uint64(a.TSecr))
	in.call1(in.ack, uint64(k.slot))
	k.answers()
	in.mu.Unlock()
}

// signedMicros is a duration in µs, or -1 (as a 64-bit pattern) for none.
func signedMicros(d units.Duration) uint64 {
	if d <= 0 {
		return math.MaxUint64
	}
	return uint64(d / units.Microsecond)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// OnCongestion hands a congestion event to the module (glue.c's
// ccb_event says what Linux's core does around each).
func (k *Alg) OnCongestion(e *cc.Event) {
	in := k.in
	mss := k.mss
	in.mu.Lock()
	k.common(e.Now, e.Inflight)
	switch e.Kind {
	case cc.RecoveryExit:
		in.set(ioArg, uint64(e.Cwnd/mss))
	case cc.Undo:
		in.set(ioArg, uint64(e.Cwnd/mss))
		in.set(ioArg2, uint64(e.Ssthresh/mss))
	case cc.IdleRestart:
		in.set(ioArg, uint64(max(k.initialWindow/mss, 1)))
		in.set(ioArg2, uint64(uint32(k.lastAck/units.Time(units.Millisecond))))
	}
	in.call2(in.event, uint64(k.slot), uint64(e.Kind))
	k.answers()
	in.mu.Unlock()
}

// answers reads the module's window, threshold, pacing and state.
func (k *Alg) answers() {
	in := k.in
	k.cwndPkts = in.get(ioSndCwnd)
	k.ssthreshPkts = in.get(ioSndSsthresh)
	k.pacingBps = in.get(ioPacingRate)
	k.pacing = in.get(ioPacingNeeded) != 0
	k.caState = in.get(ioCaState)
	k.minTSOSegs = int(in.get(ioMinTSOSegs))
}

// MinTSOSegs is the module's min_tso_segs (BBR's), or Linux's
// tcp_min_tso_segs default of 2 for a module without one.
func (k *Alg) MinTSOSegs() int {
	if k.minTSOSegs <= 0 {
		return 2
	}
	return k.minTSOSegs
}

func (k *Alg) bytes(pkts uint64) int {
	if pkts >= infiniteSsthresh || pkts*uint64(k.mss) >= cc.InfiniteSsthresh {
		return cc.InfiniteSsthresh
	}
	return int(pkts) * k.mss
}

// Cwnd is the module's snd_cwnd in bytes.
func (k *Alg) Cwnd() int { return k.bytes(k.cwndPkts) }

// Ssthresh is the module's snd_ssthresh in bytes.
func (k *Alg) Ssthresh() int { return k.bytes(k.ssthreshPkts) }

// PacingRate is sk_pacing_rate when the module asked for pacing
// (sk_pacing_status = SK_PACING_NEEDED, as BBR does), else 0: Linux
// computes a rate for every connection but paces only those.
func (k *Alg) PacingRate() units.Rate {
	if !k.pacing || k.pacingBps == 0 || k.pacingBps >= math.MaxUint32 {
		return 0
	}
	return units.Rate(k.pacingBps * 8)
}

// Phase follows the module's recovery state and the window.
func (k *Alg) Phase() string {
	switch {
	case k.caState == caRecovery:
		return cc.PhaseFastRecovery
	case k.cwndPkts < k.ssthreshPkts:
		return cc.PhaseSlowStart
	default:
		return cc.PhaseCongestionAvoidance
	}
}

// Inspect reports the module's recovery state (TCP_CA_*), as the glue
// keeps it for the module.
func (k *Alg) Inspect(in *cc.Internals) {
	in.Add("ca_state", float64(k.caState))
}

// caStateNames are Linux's TCP_CA_* names, by number.
var caStateNames = []string{"open", "disorder", "cwr", "recovery", "loss"}

// ValueNames names ca_state's values, so that figures draw it as steps.
func (k *Alg) ValueNames(value string) []string {
	if value == "ca_state" {
		return caStateNames
	}
	return nil
}
