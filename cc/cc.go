// Package cc defines the CongestionControl interface, the registry of
// algorithms by name, and the shared pieces algorithms are built from.
//
// An algorithm never sees the sender. It owns its state and is told facts:
// an ACK arrived (how many bytes it newly acknowledged, the RTT it measured,
// what is in flight, whether the connection is in loss recovery), or a
// congestion event happened (loss detected, ECN echo, retransmission
// timeout, recovery finished, restart after idle). It answers with a
// slow-start threshold when congestion is signalled, a congestion window
// outside loss recovery and, if it wants one, a pacing rate. Loss-based
// algorithms (Reno, CUBIC) and model-based ones (BBR, which reads
// delivery-rate samples and paces) fit the same interface; facts an
// algorithm does not need it ignores.
//
// Loss recovery belongs to the sender, as it belongs to the core of Linux's
// TCP (tcp_input.c), not to its modules. From Loss to RecoveryExit the
// sender sets the window itself by proportional rate reduction (RFC 6937,
// Linux's tcp_cwnd_reduction) towards the algorithm's Ssthresh, and ignores
// Cwnd; at RecoveryExit it hands the window back (Event.Cwnd, which is
// ssthresh, as Linux's tcp_end_cwnd_reduction sets it) and the algorithm
// continues from there. An algorithm that wants to set the window during
// recovery itself, as BBR does (Linux's cong_control hook), implements
// RecoveryController.
//
// Windows are in bytes, as in RFC 5681. Every method takes its time from the
// sample it is given; an algorithm never reads a clock.
package cc

import "github.com/ccbench/ccbench/units"

// CongestionControl is one connection's congestion controller.
type CongestionControl interface {
	// Name is the registered name ("reno").
	Name() string
	// Init resets the algorithm for a new connection whose sender maximum
	// segment size is mss bytes and whose initial window is initialWindow
	// bytes (RFC 5681 §3.1, RFC 6928).
	Init(now units.Time, mss, initialWindow int)
	// OnAck is called once for every acknowledgment that arrives in a
	// synchronized state, duplicate or not, after the sender has updated its
	// own state (in-flight bytes, RTT estimate, recovery state).
	OnAck(a *Ack)
	// OnCongestion is called when the sender detects congestion or leaves a
	// congestion response; see EventKind.
	OnCongestion(e *Event)
	// Cwnd is the congestion window in bytes. The sender ignores it
	// between Loss and RecoveryExit unless the algorithm is a
	// RecoveryController.
	Cwnd() int
	// Ssthresh is the slow-start threshold in bytes (InfiniteSsthresh before
	// the first congestion event).
	Ssthresh() int
	// PacingRate is the rate the sender must not exceed, or 0 for no pacing.
	PacingRate() units.Rate
	// Phase names the algorithm's current mode for probes and plots
	// ("slow_start", "congestion_avoidance", "recovery", ...). It must return
	// a constant string: probes read it on the per-packet path.
	Phase() string
}

// InfiniteSsthresh is the initial slow-start threshold, "arbitrarily high"
// per RFC 5681 §3.1.
const InfiniteSsthresh = 1<<31 - 1

// Ack carries the facts of one arriving acknowledgment.
type Ack struct {
	Now units.Time
	// Acked is, on an ACK that advances SND.UNA, what it newly delivered,
	// cumulatively or by SACK, without what SACKs or duplicate ACKs
	// reported before (Linux's acked_sacked, which tcp_cong_avoid grows
	// the window by); 0 on an ACK that does not advance SND.UNA. It can
	// be 0 on one that does, when everything it covers was SACKed before:
	// like Linux, the window then does not grow.
	Acked int
	// Sacked is the number of bytes newly covered by SACK blocks. A sender
	// that does not recover with SACK counts each duplicate ACK as one
	// segment that left the network, as Linux's tcp_add_reno_sack emulates
	// SACK for Reno. On an ACK that advances SND.UNA, Acked already
	// includes them; Delivered's change is what every ACK newly delivered.
	Sacked int
	// DupAck marks a duplicate ACK as defined by RFC 5681 §2: no new data
	// acknowledged, no window change, data outstanding, no payload.
	DupAck bool
	// RTT is the round-trip time measured from this ACK, or 0 if it gave no
	// valid sample (Karn's rule).
	RTT units.Duration
	// MinRTT is the smallest RTT sample the connection has seen, or 0.
	MinRTT units.Duration
	// SRTT is the sender's smoothed RTT after this ACK, or 0 before the
	// first sample.
	SRTT units.Duration
	// PriorInflight and Inflight are the bytes in flight before and after
	// this ACK was processed.
	PriorInflight, Inflight int
	// InRecovery is true while the sender is in fast recovery or an ECN
	// reduction (Linux's CA_Recovery and CA_CWR). The sender sets the
	// window meanwhile; an algorithm that is not a RecoveryController does
	// not grow it on these ACKs. The ACK that ends recovery comes after
	// OnCongestion(RecoveryExit), with InRecovery false, so the algorithm
	// grows the window it was handed back as Linux does on that ACK
	// (tcp_end_cwnd_reduction, then tcp_cong_avoid); a RecoveryController
	// sees it with InRecovery true, before RecoveryExit.
	InRecovery bool
	// SlowStartLimit is the most slow start may grow cwnd on this ACK, in
	// bytes: L of RFC 3465 §2.2. 0 means no limit: every byte the ACK
	// acknowledges counts, up to ssthresh, as Linux's tcp_slow_start does
	// with a stretch ACK. See SlowStart.
	SlowStartLimit int
	// AppLimited is true when the sender has less data to send than the
	// window allows, so the window was not the limit (RFC 7661).
	AppLimited bool
	// ECE is true when the ACK carried the ECN-Echo flag.
	ECE bool
	// Delivered is the total bytes the receiver has acknowledged,
	// cumulatively or by SACK, since the connection began, this ACK
	// included. Sent is the total bytes sent for the first time (SND.NXT
	// less the ISN). Together they count round trips the way Linux and BBR
	// do: a round that begins when Sent is S ends at the first ACK with
	// Delivered > S (RFC 9406's "windowEnd is acknowledged").
	Delivered, Sent int64
	// Rate is the delivery-rate sample this ACK produced; see RateSample.
	Rate RateSample
	// Lost is the number of bytes newly deemed lost while processing this
	// ACK (by SACK or RACK loss detection).
	Lost int
	// TSval and TSecr are the ACK's timestamp option (RFC 7323), TSecr
	// less the sender's own timestamp offset, so that it reads on the
	// sender's clock (milliseconds since the sender's clock began, as
	// Linux's rx_opt.rcv_tsecr); both 0 when the connection does not use
	// timestamps. Algorithms that estimate one-way delay read them (Linux's
	// TCP-LP).
	TSval, TSecr uint32
}

// RateSample is one delivery-rate sample, as
// draft-cheng-iccrg-delivery-rate-estimation defines it: Delivered bytes
// were delivered over Interval, measured from the most recently delivered
// packet this ACK covered. DeliveryRate = Delivered / Interval.
type RateSample struct {
	// Valid is false when the ACK delivered nothing new or the interval
	// was too short to measure (shorter than the minimum RTT).
	Valid bool
	// Delivered is the bytes delivered between the packet's send and this
	// ACK; Interval is max(send interval, ACK interval) over that span.
	Delivered int64
	Interval  units.Duration
	// PriorDelivered is the connection's delivered count when that packet
	// was sent; PriorTime when that count was reached.
	PriorDelivered int64
	// IsAppLimited marks samples taken while the sender was
	// application-limited: they may underestimate the bandwidth.
	IsAppLimited bool
	// RTT is the round-trip time of the packet the sample comes from.
	RTT units.Duration
	// TxInflight is the bytes in flight when that packet was sent, and
	// LostSince the bytes deemed lost since then (BBRv3's loss-rate test).
	TxInflight int
	LostSince  int64
}

// DeliveryRate is the sample's rate, or 0 if it is not valid.
func (r *RateSample) DeliveryRate() units.Rate {
	if !r.Valid || r.Interval <= 0 {
		return 0
	}
	return units.Rate(float64(r.Delivered) * 8 / r.Interval.Seconds())
}

// Internals lets an algorithm expose its internal state to probes (BBR's
// bandwidth estimate and gains, DCTCP's alpha) without allocating: up to
// len(Names) named values, filled in by Inspect.
type Internals struct {
	N      int
	Names  [8]string
	Values [8]float64
}

// Add appends one named value; names must be constant strings.
func (in *Internals) Add(name string, v float64) {
	if in.N < len(in.Names) {
		in.Names[in.N], in.Values[in.N] = name, v
		in.N++
	}
}

// Inspector is implemented by algorithms with internal state worth
// plotting.
type Inspector interface {
	Inspect(in *Internals)
}

// ValueNamer is implemented by algorithms whose internal values include
// states numbered from 0 (BBR's phase), so that a figure can draw such a
// value as named steps rather than numbers joined by slopes.
type ValueNamer interface {
	// ValueNames returns the names of value's states, indexed by the
	// number Inspect reports, or nil when value is not such a state.
	ValueNames(value string) []string
}

// ValueNames returns the state names of a registered algorithm's internal
// value (ValueNamer), or nil when it has none.
func ValueNames(alg, value string) []string {
	c, err := New(alg)
	if err != nil {
		return nil
	}
	if n, ok := c.(ValueNamer); ok {
		return n.ValueNames(value)
	}
	return nil
}

// Describer is implemented by algorithms that describe themselves in one
// line, for `ccbench list`.
type Describer interface {
	Description() string
}

// Describe returns the one-line description of a registered algorithm, or
// "" if it has none.
func Describe(name string) string {
	c, err := New(name)
	if err != nil {
		return ""
	}
	if d, ok := c.(Describer); ok {
		return d.Description()
	}
	return ""
}

// EventKind names a congestion event.
type EventKind uint8

const (
	// Loss: the sender detected a loss by duplicate ACKs or SACK and is
	// entering fast recovery (RFC 5681 §3.2 step 2).
	Loss EventKind = iota + 1
	// ECN: an ACK echoed a congestion-experienced mark (RFC 3168 §6.1.2).
	ECN
	// RTO: the retransmission timer expired (RFC 5681 §3.1, RFC 6298 §5).
	RTO
	// RecoveryExit: fast recovery is over (RFC 5681 §3.2 step 6, RFC 6582
	// §3.2 step 6, Linux's tcp_end_cwnd_reduction): Event.Cwnd is the
	// window the sender hands back, which the algorithm must take as its
	// cwnd (a RecoveryController may keep its own). An algorithm may
	// instead set a new ssthresh here and take that as cwnd, as a Linux
	// module may on CA_EVENT_COMPLETE_CWR (Westwood+ sets both to its
	// bandwidth-delay estimate).
	RecoveryExit
	// IdleRestart: the sender resumes after an idle period longer than the
	// RTO (RFC 5681 §4.1).
	IdleRestart
	// Undo: D-SACKs showed every retransmission of the last loss episode
	// to be spurious, so its reduction is taken back (Linux's
	// tcp_try_undo_dsack and tcp_undo_cwnd_reduction): Event.Cwnd is the
	// window to take (the larger of cwnd and cwnd before the reduction,
	// tcp_reno_undo_cwnd), Event.Ssthresh the slow-start threshold from
	// before it, to take if larger. The sender raises it only for an
	// algorithm that is not a RecoveryController.
	Undo
)

var eventNames = [...]string{"", "loss", "ecn", "rto", "recovery_exit", "idle_restart", "undo"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event carries the facts of a congestion event.
type Event struct {
	Kind EventKind
	Now  units.Time
	// Inflight is the bytes in flight when the event happened (FlightSize in
	// RFC 5681's formulas).
	Inflight int
	// Cwnd, on RecoveryExit, is the congestion window the sender leaves
	// recovery with: the algorithm's ssthresh; on Undo, the window
	// restored. 0 for other events.
	Cwnd int
	// Ssthresh, on Undo, is the slow-start threshold before the reduction
	// taken back. 0 for other events.
	Ssthresh int
}

// RecoveryController is implemented by algorithms that set the congestion
// window during loss recovery themselves instead of leaving it to the
// sender's proportional rate reduction: BBR's packet conservation, like
// the modules Linux lets replace tcp_cong_control with their own
// cong_control. For them the sender reads Cwnd throughout recovery, and
// Event.Cwnd at RecoveryExit is advice they may ignore. The algorithm then
// owns what PRR would have guaranteed: that the first retransmission goes
// out, and that the window does not let a burst out when recovery ends.
type RecoveryController interface {
	ControlsRecovery() bool
}

// ConnSeeder is implemented by algorithms whose random numbers follow the
// run's seed: the sender calls SeedConnection once, right after Init, with
// a value made from the connection's initial sequence numbers and ports,
// which the hosts draw from the run's seed. Two connections of a run get
// different seeds, and a run repeats exactly.
type ConnSeeder interface {
	SeedConnection(seed uint64)
}

// HandshakeRTTReader is implemented by algorithms that, as Linux's
// modules do, find the handshake's RTT already measured when they start:
// Linux's tcp_init_congestion_control runs after the SYN-ACK (or, on the
// passive side, the handshake's ACK) has set srtt_us and rtt_min, and BBR
// paces its initial window from them. The sender calls HandshakeRTT right
// before Init with the smoothed and the minimum RTT it has, zero when the
// handshake gave no sample.
type HandshakeRTTReader interface {
	HandshakeRTT(srtt, minRTT units.Duration)
}

// TSOSizer is implemented by algorithms that set the fewest segments one
// GSO packet may hold, as a Linux module does with its min_tso_segs hook
// (BBR asks for one below about 1.2 Mbit/s, two above); the sender uses
// net.ipv4.tcp_min_tso_segs (2) for the others.
type TSOSizer interface {
	// MinTSOSegs is that number, at least 1. It must be cheap: the sender
	// asks on every arriving segment it sizes GSO packets after.
	MinTSOSegs() int
}

// ControlsRecovery reports whether alg sets its own window during loss
// recovery (see RecoveryController).
func ControlsRecovery(alg CongestionControl) bool {
	r, ok := alg.(RecoveryController)
	return ok && r.ControlsRecovery()
}
