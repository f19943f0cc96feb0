// TCP Westwood+: Saverio Mascolo, Claudio Casetti, Mario Gerla, M. Y.
// Sanadidi and Ren Wang, "TCP Westwood: Bandwidth Estimation for Enhanced
// Transport over Wireless Links", ACM MobiCom 2001; Luigi Grieco and
// Saverio Mascolo, "Performance Evaluation and Comparison of Westwood+, New
// Reno, and Vegas TCP Congestion Control", ACM CCR 34(2), April 2004. Linux:
// net/ipv4/tcp_westwood.c, whose estimator this follows.
//
// The model. Reno halves its window on every loss, which is right when the
// loss is a full queue and needlessly harsh when it is a wireless error or
// when the queue was small. Westwood+ measures what the path actually
// delivered and, after a loss, sets the window to that: the bandwidth
// estimate BWE times the smallest RTT seen, RTTmin, is the window that
// fills the pipe with the queue drained. A loss from a full queue still
// cuts the window, by the share of it that was queue; a random loss on an
// empty queue hardly cuts it at all.
//
// The estimator (Westwood+ as opposed to the original Westwood, which
// sampled every ACK and was fooled by ACK compression): the bytes
// delivered are counted over an interval of one RTT, at least 50 ms, and
// each interval gives one sample
//
//	b_k = bytes delivered in the interval / its length
//
// filtered by two cascaded first-order low-pass stages, as in Linux:
//
//	e_k = (7·e_{k−1} + b_k)/8        BWE_k = (7·BWE_{k−1} + e_k)/8
//
// The first sample fills both stages. Bytes delivered are those newly
// acknowledged cumulatively plus those newly SACKed; a duplicate ACK
// without SACK information counts one segment, the one that left the
// network to cause it (Linux's rule). Bytes counted early this way are not
// counted again when the cumulative ACK covers them.
//
// The window:
//
//	growth:         Reno's (slow start, one segment per window)
//	Loss:           ssthresh = max(BWE·RTTmin, 2*SMSS); the sender's fast
//	                recovery towards it, ending at cwnd = ssthresh
//	ECN:            ssthresh = max(BWE·RTTmin, 2*SMSS), cwnd = ssthresh
//	RTO:            ssthresh = max(BWE·RTTmin, 2*SMSS), cwnd = 1*SMSS;
//	                RTTmin is re-learned from the next sample (the path may
//	                have changed)
//
// As in Linux, the sender's proportional rate reduction does the sending
// during fast recovery (stack/recovery.go) and recovery ends at cwnd =
// ssthresh (renowindow.go); as for the whole family, an RTO that ends a
// fast recovery keeps the ssthresh the Loss set.
//
// Before the first sample there is no estimate, and a congestion signal
// gets Reno's ssthresh (FlightSize/2) rather than Linux's two segments:
// the first round trip is slow start, whose losses say the window
// overshot by about half.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("westwood", newWestwood) }

// westwoodMinInterval is the shortest interval a bandwidth sample is taken
// over (Linux's TCP_WESTWOOD_RTT_MIN). On a short-RTT path one RTT holds a
// handful of ACKs, and a sample over them measures how the ACKs bunched
// (delayed ACKs, ACK compression) more than the bandwidth.
const westwoodMinInterval = 50 * units.Millisecond

// westwoodFilterWeight is the weight, in eighths, the filters give the old
// estimate (Linux's 7/8; the Westwood+ paper's 0.9): a time constant of
// about eight samples, long enough to average out bursts, short enough to
// track a change within a few round trips. Eighths make it a shift in
// fixed point.
const westwoodFilterWeight = 7

type westwood struct {
	RenoWindow

	// bweFirst and bwe are the outputs of the first and second filter
	// stages, in bytes per second; both 0 before the first sample.
	bweFirst, bwe int64
	// intervalStart and intervalBytes are when the current sampling
	// interval began and the bytes delivered since.
	intervalStart units.Time
	intervalBytes int64

	// lastRTT is the latest RTT sample; rttMin the smallest since the
	// start or the last RTO (0 before the first sample).
	lastRTT, rttMin units.Duration
	// resetRTTMin makes the next RTT sample replace rttMin.
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
	*w = westwood{intervalStart: now}
	w.Reset(mss, initialWindow)
}

func (w *westwood) OnAck(a *Ack) {
	if a.RTT > 0 {
		w.lastRTT = a.RTT
		if w.rttMin == 0 || w.resetRTTMin || a.RTT < w.rttMin {
			w.rttMin = a.RTT
			w.resetRTTMin = false
		}
	}
	w.intervalBytes += int64(w.delivered(a))
	if w.lastRTT > 0 {
		if elapsed := a.Now.Sub(w.intervalStart); elapsed >= max(w.lastRTT, westwoodMinInterval) {
			w.sample(a.Now, elapsed)
		}
	}

	acked := w.SlowStart(w.Acked(a))
	w.Increase(acked, w.cwnd)
}

// delivered returns the bytes a newly tells were delivered, counting SACKed
// and duplicate-ACKed data when it is reported and not again when the
// cumulative ACK covers it (Ack.Acked already leaves those out), as
// westwood_acked_count's accounting of duplicate ACKs does.
func (w *westwood) delivered(a *Ack) int {
	if a.Acked > 0 {
		return a.Acked
	}
	if a.DupAck && a.Sacked == 0 {
		return w.mss
	}
	return a.Sacked
}

// sample closes the sampling interval at now, elapsed after it began, and
// feeds its rate to the filters.
func (w *westwood) sample(now units.Time, elapsed units.Duration) {
	b := MulDiv(w.intervalBytes, int64(units.Second), int64(elapsed))
	if w.bweFirst == 0 && w.bwe == 0 {
		w.bweFirst, w.bwe = b, b
	} else {
		w.bweFirst = (westwoodFilterWeight*w.bweFirst + b) / 8
		w.bwe = (westwoodFilterWeight*w.bwe + w.bweFirst) / 8
	}
	w.intervalStart, w.intervalBytes = now, 0
}

// ssthreshFor is Westwood+'s slow-start threshold, BWE·RTTmin, or Reno's
// for flightSize before there is an estimate.
func (w *westwood) ssthreshFor(flightSize int) int {
	if w.bwe == 0 || w.rttMin == 0 {
		return LossSsthresh(flightSize, w.mss)
	}
	return max(int(MulDiv(w.bwe, int64(w.rttMin), int64(units.Second))), 2*w.mss)
}

func (w *westwood) OnCongestion(e *Event) {
	w.Respond(e, w.ssthreshFor(e.Inflight))
	if e.Kind == RTO {
		w.resetRTTMin = true
	}
}

// Inspect exposes the bandwidth estimate and RTTmin for plots.
func (w *westwood) Inspect(in *Internals) {
	in.Add("bwe_mbps", float64(w.bwe)*8/1e6)
	in.Add("rtt_min_ms", w.rttMin.Milliseconds())
}
