// Data Center TCP (DCTCP): RFC 8257; Alizadeh et al., "Data Center TCP
// (DCTCP)", SIGCOMM 2010. Linux: net/ipv4/tcp_dctcp.c.
//
// The model. A switch marks packets CE when its instantaneous queue is
// above a threshold K (step marking), so the fraction of marked bytes says
// how far the senders together overshoot what keeps the queue at K. RFC
// 3168 tells the sender only that some congestion happened in a round
// trip, and Reno halves for it; DCTCP measures how much: the sender keeps
// α, a moving average of the fraction of its bytes that were marked, and
// cuts the window in proportion. A light marking rate trims the window a
// little, sustained marking halves it as Reno would. The queue then
// hovers near K with little variation, which keeps delay low with shallow
// buffers while the link stays busy.
//
// The equations (RFC 8257 §3.3 and §3.4), per observation window of about
// one round trip of data:
//
//	every ACK:          bytes += newly delivered; if ECE: marked += newly delivered
//	end of window:      F = marked / bytes
//	                    α = (1 − g)·α + g·F,  g = 1/16
//	first ECE of a
//	window (CWR):       ssthresh = max(cwnd·(1 − α/2), 2·SMSS), cwnd = ssthresh
//	loss, timeout:      as Reno (RFC 5681)                       RFC 8257 §3.4
//	growth:             as Reno: slow start, +1 SMSS per window   RFC 8257 §3.3
//
// α is kept as Linux keeps it, in fixed point: an integer in [0, 1024]
// standing for α·1024, so every result here equals Linux's to the unit.
// The update is
//
//	α −= α >> 4, or α = 0 when α < 16       (Linux's min_not_zero rule)
//	α = min(α + (marked << 6) / bytes, 1024)
//
// and the cut is ssthresh = cwnd − (cwnd·α) >> 11. Integer arithmetic makes
// the results the same on every platform. The α < 16 rule is Linux's fix
// for a fixed point that a plain shift never leaves (15 >> 4 is 0): without
// it an idle-of-marks flow would keep α = 15/1024 for ever and be cut by
// 0.7% on its next mark, which a real-valued α would have decayed away.
//
// Counting. Bytes are counted from the growth of Ack.Delivered, which
// includes SACKed data and counts each byte once, so a cumulative ACK
// covering data SACKed earlier adds only what is new; Linux counts
// delivered packets the same way. The observation window is the package's
// RoundCounter: it ends at the first ACK that delivers a byte sent after
// the window began, RFC 8257 §3.3 step 4 (SEG.ACK > DCTCP.WindowEnd, with
// WindowEnd = SND.NXT when the window began). Linux ends it one ACK
// earlier, when SND.UNA reaches that point; the estimate is the same up to
// which window the boundary ACK's bytes go to. The first ACK opens the
// first window, so it covers the initial window of data.
//
// The cut comes from the sender's ECN event, which the stack raises on the
// first ECE-carrying ACK of a window of data and at most once per window
// (RFC 3168 §6.1.2; Linux's CWR state, during which tcp_dctcp.c's
// dctcp_ssthresh is not called again). ECE on other ACKs only counts
// toward F. The event precedes OnAck for its ACK, so the cut uses the α of
// the last completed window, the estimate the sender has at that moment.
//
// Initial α = 1 (Linux's dctcp_alpha_on_init = 1024/1024; RFC 8257 §3.3
// initializes DCTCP.Alpha to 1): until a window has been measured the
// sender cannot tell light marking from heavy, so its first response is
// Reno's halving. (FreeBSD defaults to 0, the aggressive choice.)
//
// What DCTCP leaves to Reno. Growth is Reno's unchanged: ACKs carrying ECE
// grow the window like any other, and the window after a cut grows at once
// (Linux holds growth while PRR reduces the window during CWR; the sender
// here sets the window in one step). A loss halves FlightSize, as RFC 8257
// §3.4 requires ("in the same way as conventional TCP"), and α is left as
// it is (Linux's dctcp_clamp_alpha_on_loss, off by default). The receiver
// half of DCTCP, echoing each segment's CE state exactly, is the stack's:
// see ExactECNEchoer.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("dctcp", newDCTCP) }

// dctcpAlphaMax is α = 1 in fixed point: ten bits of fraction, Linux's
// DCTCP_MAX_ALPHA. A resolution of 1/1024 is far finer than the marking
// fraction a window of a few tens of segments can measure.
const dctcpAlphaMax = 1024

// dctcpShiftG is g = 1/2^4 = 1/16 (RFC 8257 §4.2, Linux's dctcp_shift_g):
// α then averages over roughly the last 16 windows, long enough to
// smooth the marking of single windows, short enough to follow a change
// of load within a few dozen round trips. The SIGCOMM paper's analysis
// asks for g < 1.386/√(2(C·RTT + K)), which 1/16 meets for the data-center
// paths it was designed for.
const dctcpShiftG = 4

// dctcpCutShift divides cwnd·α by 2·1024: the cut is cwnd·α/2 with α in
// units of 1/1024.
const dctcpCutShift = 11

type dctcp struct {
	RenoWindow

	// alpha is α·1024, in [0, dctcpAlphaMax].
	alpha int64
	// window finds the ends of observation windows.
	window RoundCounter
	// delivered and deliveredCE are the bytes delivered since Init, all of
	// them and those acknowledged by ACKs carrying ECE; windowDelivered and
	// windowCE are their values when the current window began.
	delivered, deliveredCE    int64
	windowDelivered, windowCE int64
	// lastBytes and lastMarked are the bytes and marked bytes of the last
	// completed window, for Inspect.
	lastBytes, lastMarked int64
}

var (
	_ CongestionControl = (*dctcp)(nil)
	_ ExactECNEchoer    = (*dctcp)(nil)
	_ Inspector         = (*dctcp)(nil)
	_ Describer         = (*dctcp)(nil)
)

func newDCTCP() CongestionControl { return new(dctcp) }

func (d *dctcp) Name() string { return "dctcp" }

// Description is the one-line summary `ccbench list` prints.
func (d *dctcp) Description() string {
	return "RFC 8257 DCTCP: cut cwnd by α/2 per marked window, α the averaged fraction of CE-marked bytes; Reno otherwise"
}

// ExactECNEcho is true: the sender's estimate of F is only as good as the
// receiver's echo of each segment's CE state (RFC 8257 §3.2).
func (d *dctcp) ExactECNEcho() bool { return true }

func (d *dctcp) Init(_ units.Time, mss, initialWindow int) {
	*d = dctcp{alpha: dctcpAlphaMax}
	d.Reset(mss, initialWindow)
}

func (d *dctcp) OnAck(a *Ack) {
	d.observe(a)
	acked := d.SlowStart(d.Acked(a))
	d.Increase(acked, d.cwnd)
}

// observe counts the bytes a delivered, marked or not, and updates α when
// a ends an observation window.
func (d *dctcp) observe(a *Ack) {
	if n := a.Delivered - d.delivered; n > 0 {
		d.delivered = a.Delivered
		if a.ECE {
			d.deliveredCE += n
		}
	}
	if !d.window.OnAck(a) {
		return
	}
	bytes, marked := d.delivered-d.windowDelivered, d.deliveredCE-d.windowCE
	d.windowDelivered, d.windowCE = d.delivered, d.deliveredCE
	if bytes == 0 {
		// No fraction to measure. A window ends only at an ACK that
		// delivers new data when Sent >= Delivered, as a sender reports
		// it; the guard keeps a caller that reports less from dividing by
		// zero.
		return
	}
	d.lastBytes, d.lastMarked = bytes, marked
	d.alpha = dctcpUpdateAlpha(d.alpha, bytes, marked)
}

// dctcpUpdateAlpha is α = (1 − g)·α + g·F in Linux's fixed point, F =
// marked/bytes, bytes > 0.
func dctcpUpdateAlpha(alpha, bytes, marked int64) int64 {
	if decay := alpha >> dctcpShiftG; decay > 0 {
		alpha -= decay
	} else {
		alpha = 0
	}
	if marked > 0 {
		alpha = min(alpha+marked<<(10-dctcpShiftG)/bytes, dctcpAlphaMax)
	}
	return alpha
}

func (d *dctcp) OnCongestion(e *Event) {
	if e.Kind == ECN {
		d.Respond(e, d.cwrSsthresh())
		return
	}
	d.Respond(e, LossSsthresh(e.Inflight, d.mss))
}

// cwrSsthresh is the window after the ECN response, cwnd·(1 − α/2), at
// least two segments (tcp_dctcp.c's dctcp_ssthresh). cwnd, not FlightSize,
// is reduced: α measures how far the window the sender chose overshoots,
// and the window has to shrink by that much, application-limited or not.
func (d *dctcp) cwrSsthresh() int {
	cwnd := int64(d.cwnd)
	return int(max(cwnd-cwnd*d.alpha>>dctcpCutShift, 2*int64(d.mss)))
}

// Inspect reports α and the marked fraction F of the last completed
// window, both in [0, 1].
func (d *dctcp) Inspect(in *Internals) {
	in.Add("alpha", float64(d.alpha)/dctcpAlphaMax)
	f := 0.0
	if d.lastBytes > 0 {
		f = float64(d.lastMarked) / float64(d.lastBytes)
	}
	in.Add("marked_fraction", f)
}
