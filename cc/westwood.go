// TCP Westwood+: Saverio Mascolo, Claudio Casetti, Mario Gerla, M. Y.
// Sanadidi and Ren Wang, "TCP Westwood: Bandwidth Estimation for Enhanced
// Transport over Wireless Links", ACM MobiCom 2001; Luigi Grieco and
// Saverio Mascolo, "Performance Evaluation and Comparison of Westwood+, New
// Reno, and Vegas TCP Congestion Control", ACM CCR 34(2), April 2004. Linux:
// net/ipv4/tcp_westwood.c, which this follows window for window.
//
// The model. Reno halves its window on every loss, which is right when the
// loss is a full queue and needlessly harsh when it is a wireless error or
// when the queue was small. Westwood+ measures what the path actually
// delivered and, once a loss has been repaired, sets the window to that:
// the bandwidth estimate BWE times the smallest RTT seen, RTTmin, is the
// window that fills the pipe with the queue drained. A loss from a full
// queue still cuts the window, by the share of it that was queue; a random
// loss on an empty queue hardly cuts it at all.
//
// The estimator (Westwood+ as opposed to the original Westwood, which
// sampled every ACK and was fooled by ACK compression): the bytes
// delivered are counted over an interval longer than the last RTT sample
// and than 50 ms, and each interval gives one sample
//
//	b_k = bytes delivered in the interval / its length
//
// filtered by two cascaded first-order low-pass stages:
//
//	e_k = (7·e_{k−1} + b_k)/8        BWE_k = (7·BWE_{k−1} + e_k)/8
//
// The first sample fills both stages. As in Linux, time is counted in
// whole milliseconds (jiffies at HZ = 1000): the RTT rounded up, rates in
// bytes per millisecond rounded down, an interval closed at the first ACK
// more than max(RTT, 50 ms) after it opened. The bytes delivered are the
// advance of SND.UNA, for which the stack's delivered count stands
// (cc.Ack.Delivered: the same until data SACKed above a hole is counted,
// and the same in total over a recovery), with Linux's reckoning of
// duplicate ACKs on its slow path (westwood_acked_count): an ACK that
// advances nothing counts one segment, and what such ACKs counted is taken
// off the next advance.
//
// The order is Linux's per ACK: the RTT sample (pkts_acked), then the
// interval and the count (in_ack_event), then RTTmin from the RTT kept
// (the sample of this ACK; before the first sample Linux's initial 20 s),
// then Reno's growth. RTTmin is the smallest RTT since the start or the
// last timeout.
//
// The window, as Linux's module answers its callbacks:
//
//	growth:         Reno's (slow start, one segment per window)
//	Loss, ECN:      Reno's ssthresh, max(cwnd/2, 2) segments
//	                (tcp_reno_ssthresh); the sender's reduction towards it
//	RecoveryExit:   ssthresh = cwnd = max(BWE·RTTmin, 2 segments), in
//	                whole segments (CA_EVENT_COMPLETE_CWR), at the end of a
//	                fast recovery or an ECN reduction alike
//	RTO:            ssthresh = max(BWE·RTTmin, 2 segments) (CA_EVENT_LOSS)
//	                when the timeout reduces, cwnd = 1 segment; the next
//	                ACK sets RTTmin afresh from the RTT kept
//
// So the estimate applies when the episode ends, with what the recovery
// itself delivered in it, not when it begins. Before the first sample the
// estimate is 0 and the window after a recovery is two segments, as in
// Linux.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("westwood", newWestwood) }

// westwoodMinInterval is the shortest interval a bandwidth sample is taken
// over, in milliseconds (Linux's TCP_WESTWOOD_RTT_MIN, HZ/20). On a
// short-RTT path one RTT holds a handful of ACKs, and a sample over them
// measures how the ACKs bunched (delayed ACKs, ACK compression) more than
// the bandwidth.
const westwoodMinInterval = 50

// westwoodInitialRTT is the RTT, in milliseconds, assumed before the first
// sample (Linux's TCP_WESTWOOD_INIT_RTT, 20 s): long enough that no
// interval closes before a real RTT is known.
const westwoodInitialRTT = 20000

// westwoodFilterWeight is the weight, in eighths, the filters give the old
// estimate (Linux's 7/8; the Westwood+ paper's 0.9): a time constant of
// about eight samples, long enough to average out bursts, short enough to
// track a change within a few round trips. Eighths make it a shift in
// fixed point.
const westwoodFilterWeight = 7

type westwood struct {
	RenoWindow

	// bweFirst and bwe are the outputs of the first and second filter
	// stages, in bytes per millisecond; both 0 before the first sample.
	bweFirst, bwe uint32
	// intervalStart is when the current interval began, in ms; bk the
	// bytes counted in it.
	intervalStart, bk uint32
	// una is SND.UNA (the delivered count) as the last ACK left it;
	// accounted the bytes duplicate ACKs counted ahead of SND.UNA.
	una, accounted uint32
	// firstAck: the next ACK sets una, so that the first sample does not
	// count what came before.
	firstAck bool

	// rtt is the latest RTT sample, rttMin the smallest since the start
	// or the last RTO, both in ms; resetRTTMin makes the next ACK take
	// rtt as rttMin.
	rtt, rttMin uint32
	resetRTTMin bool
}

var (
	_ CongestionControl = (*westwood)(nil)
	_ Inspector         = (*westwood)(nil)
)

func newWestwood() CongestionControl { return new(westwood) }

func (w *westwood) Name() string { return "westwood" }

// Description is the one-line summary `ccbench list` prints.
func (w *westwood) Description() string {
	return "Westwood+ (Grieco & Mascolo 2004): Reno growth; after loss, window = bandwidth estimate x min RTT"
}

func (w *westwood) Init(now units.Time, mss, initialWindow int) {
	*w = westwood{
		intervalStart: westwoodTick(now),
		rtt:           westwoodInitialRTT,
		rttMin:        westwoodInitialRTT,
		resetRTTMin:   true,
		firstAck:      true,
	}
	w.Reset(mss, initialWindow)
}

// westwoodTick is now in whole milliseconds, Linux's jiffies at HZ = 1000.
func westwoodTick(now units.Time) uint32 {
	return uint32(now / units.Time(units.Millisecond))
}

func (w *westwood) OnAck(a *Ack) {
	// tcp_westwood_pkts_acked: the RTT in ms, rounded up.
	if us := a.RTT / units.Microsecond; a.PriorInflight > 0 && us > 0 {
		w.rtt = uint32((us + 999) / 1000)
	}

	// tcp_westwood_ack.
	una := uint32(a.Delivered)
	w.updateWindow(westwoodTick(a.Now), una)
	if a.Acked == 0 || a.Sacked > 0 || a.ECE || a.DupAck {
		// Linux's slow path: anything but a plain advance of SND.UNA.
		w.bk += w.ackedCount(una)
	} else {
		w.bk += una - w.una
		w.una = una
	}
	if w.resetRTTMin {
		w.rttMin, w.resetRTTMin = w.rtt, false
	} else {
		w.rttMin = min(w.rttMin, w.rtt)
	}

	acked := w.SlowStart(w.Acked(a))
	w.Increase(acked, w.cwnd)
}

// updateWindow closes the sampling interval at now if it has lasted longer
// than max(rtt, 50 ms), and feeds its rate to the filters
// (westwood_update_window, westwood_filter).
func (w *westwood) updateWindow(now, una uint32) {
	if w.firstAck {
		w.una, w.firstAck = una, false
	}
	delta := now - w.intervalStart
	if w.rtt == 0 || delta <= max(w.rtt, westwoodMinInterval) {
		return
	}
	b := w.bk / delta
	if w.bweFirst == 0 && w.bwe == 0 {
		w.bweFirst, w.bwe = b, b
	} else {
		w.bweFirst = (westwoodFilterWeight*w.bweFirst + b) >> 3
		w.bwe = (westwoodFilterWeight*w.bwe + w.bweFirst) >> 3
	}
	w.bk, w.intervalStart = 0, now
}

// ackedCount is what an ACK on Linux's slow path counts as delivered
// (westwood_acked_count): the advance of SND.UNA, or one segment for an
// ACK that advances nothing (a duplicate ACK, whose segment left the
// network), less, from a later advance of more than a segment, what such
// ACKs counted ahead.
func (w *westwood) ackedCount(una uint32) uint32 {
	mss := uint32(w.mss)
	cumul := una - w.una
	if cumul == 0 {
		w.accounted += mss
		cumul = mss
	}
	if cumul > mss {
		if w.accounted >= cumul {
			w.accounted -= cumul
			cumul = mss
		} else {
			cumul -= w.accounted
			w.accounted = 0
		}
	}
	w.una = una
	return cumul
}

// bwRTTMin is BWE·RTTmin in whole segments, at least two
// (tcp_westwood_bw_rttmin), in bytes.
func (w *westwood) bwRTTMin() int {
	return max(int(w.bwe*w.rttMin/uint32(w.mss)), 2) * w.mss
}

func (w *westwood) OnCongestion(e *Event) {
	took := w.Respond(e, w.HalvedWindow())
	switch e.Kind {
	case RecoveryExit:
		// CA_EVENT_COMPLETE_CWR.
		w.ssthresh = w.bwRTTMin()
		w.cwnd = w.ssthresh
	case RTO:
		if took {
			// CA_EVENT_LOSS, where tcp_enter_loss asks for ssthresh.
			w.ssthresh = w.bwRTTMin()
			w.resetRTTMin = true
		}
	}
}

// Inspect exposes the bandwidth estimate and RTTmin for plots.
func (w *westwood) Inspect(in *Internals) {
	in.Add("bwe_mbps", float64(w.bwe)*8/1e3)
	in.Add("rtt_min_ms", float64(w.rttMin))
}
