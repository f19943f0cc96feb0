// HighSpeed TCP: RFC 3649 (HighSpeed TCP for Large Congestion Windows,
// Sally Floyd, 2003). Linux: net/ipv4/tcp_highspeed.c, which this follows
// window for window (hstcp_cong_avoid, hstcp_ssthresh).
//
// The model. Reno's response function, w = 1.2/sqrt(p) segments for a loss
// rate p, needs a loss rate below one in 5·10^9 packets to fill 10 Gbit/s
// at 100 ms (83,000 segments): no real path is that clean. HighSpeed TCP
// keeps Reno's response where Reno works, up to Low_Window = 38 segments,
// and above it follows a steeper line through (Low_Window, Low_P) and
// (High_Window, High_P) on a log-log plot, so that 83,000 segments need a
// loss rate of only 10^-7. It gets there with an AIMD whose increase a(w)
// grows and whose decrease b(w) shrinks with the window w (in segments):
//
//	congestion avoidance, per ACK:  w += a(w)/w              RFC 3649 §5
//	on congestion:                  w = (1 − b(w))·w
//
//	b(w) = (High_Decrease − 0.5)·(ln w − ln Low_Window)/(ln High_Window − ln Low_Window) + 0.5
//	p(w) = Low_P·(w/Low_Window)^(1/S),  S = (ln High_Window − ln Low_Window)/(ln High_P − ln Low_P)
//	a(w) = w²·p(w)·2·b(w)/(2 − b(w))
//
// with Low_Window = 38, High_Window = 83000, Low_P = 10^-3 (Reno's loss
// rate at 38 segments), High_P = 10^-7 and High_Decrease = 0.1.
//
// The table. As RFC 3649 Appendix B proposes and Linux does, a(w) and b(w)
// are looked up, not computed per ACK. The windows are the RFC's table
// (Appendix B: 38, 118, 221, ... segments), the decrease of each row is
// b(w) at its window, in 256ths and rounded down (0.44 at 118 segments is
// 112/256), as Linux keeps it; TestHighSpeedTableFromRFC3649 derives every
// b from the formula again. How a window finds its row is Linux's: the
// first row whose window is at least cwnd, so a window of 39 to 118
// segments takes the 118 row, a = 2 and b = 112/256. Linux keeps the row
// from one ACK in congestion avoidance to the next (ca->ai) and the
// decrease uses the row as it was last set: in slow start, and at the
// first loss, that is the first row, b = 0.5.
//
// In packets, as Linux counts:
//
//	slow start:             Linux's tcp_slow_start, up to ssthresh; what
//	                        an ACK acknowledges beyond it is not carried
//	                        into congestion avoidance (hstcp_cong_avoid
//	                        drops it, unlike Reno)
//	congestion avoidance:   per ACK, whatever it acknowledges,
//	                        cnt += a; when cnt reaches cwnd, cnt −= cwnd
//	                        and cwnd grows by one segment (RFC 3649 §5's
//	                        per-ACK w += a(w)/w)
//	congestion:             ssthresh = cwnd − ⌊cwnd·md/256⌋, at least 2
//
// The decrease is of cwnd, not of FlightSize: RFC 3649's w is the window,
// and Linux's hstcp_ssthresh reduces snd_cwnd. cnt is Linux's
// snd_cwnd_cnt: zeroed when a reduction begins (Loss, ECN: Linux's
// tcp_init_cwnd_reduction) and at a timeout (tcp_enter_loss), kept
// otherwise. Fast recovery, timeouts and ECN are otherwise the family's
// (renowindow.go; fast recovery itself is the sender's).

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("highspeed", newHighSpeed) }

// highSpeedRow is one row of RFC 3649's table: windows of up to w
// segments (and above the row before) increase by the row's index plus
// one per window and decrease by md/256.
type highSpeedRow struct {
	w  int32
	md uint8
}

// highSpeedTable is RFC 3649 Appendix B's table with b(w) in 256ths; see
// the file comment.
var highSpeedTable = [...]highSpeedRow{
	{38, 128}, {118, 112}, {221, 104}, {347, 98}, {495, 93}, {663, 89},
	{851, 86}, {1058, 83}, {1284, 81}, {1529, 78}, {1793, 76}, {2076, 74},
	{2378, 72}, {2699, 71}, {3039, 69}, {3399, 68}, {3778, 66}, {4177, 65},
	{4596, 64}, {5036, 62}, {5497, 61}, {5979, 60}, {6483, 59}, {7009, 58},
	{7558, 57}, {8130, 56}, {8726, 55}, {9346, 54}, {9991, 53}, {10661, 52},
	{11358, 52}, {12082, 51}, {12834, 50}, {13614, 49}, {14424, 48},
	{15265, 48}, {16137, 47}, {17042, 46}, {17981, 45}, {18955, 45},
	{19965, 44}, {21013, 43}, {22101, 43}, {23230, 42}, {24402, 41},
	{25618, 41}, {26881, 40}, {28193, 39}, {29557, 39}, {30975, 38},
	{32450, 38}, {33986, 37}, {35586, 36}, {37253, 36}, {38992, 35},
	{40808, 35}, {42707, 34}, {44694, 33}, {46776, 33}, {48961, 32},
	{51258, 32}, {53677, 31}, {56230, 30}, {58932, 30}, {61799, 29},
	{64851, 28}, {68113, 28}, {71617, 27}, {75401, 26}, {79517, 26},
	{84035, 25}, {89053, 24},
}

// highSpeedRowFor returns the row for a window of w segments, found from
// row ai as Linux's hstcp_cong_avoid finds it: the first row whose window
// is at least w, or the last row. The window moves little between calls,
// so the search is a step or two.
func highSpeedRowFor(w, ai int) int {
	for ai+1 < len(highSpeedTable) && w > int(highSpeedTable[ai].w) {
		ai++
	}
	for ai > 0 && w <= int(highSpeedTable[ai-1].w) {
		ai--
	}
	return ai
}

type highSpeed struct {
	RenoWindow
	// ai is the table row as congestion avoidance last set it (Linux's
	// ca->ai).
	ai int
	// cnt counts toward the next segment of window, in a per ACK
	// (Linux's snd_cwnd_cnt).
	cnt int
}

var _ CongestionControl = (*highSpeed)(nil)

func newHighSpeed() CongestionControl { return new(highSpeed) }

func (h *highSpeed) Name() string { return "highspeed" }

// Description is the one-line summary `ccbench list` prints.
func (h *highSpeed) Description() string {
	return "RFC 3649 HighSpeed TCP: AIMD with a(w), b(w) from the RFC table; Reno at small windows"
}

func (h *highSpeed) Init(_ units.Time, mss, initialWindow int) {
	h.Reset(mss, initialWindow)
	h.ai, h.cnt = 0, 0
}

func (h *highSpeed) OnAck(a *Ack) {
	acked := h.Acked(a)
	if acked == 0 {
		return
	}
	if h.cwnd < h.ssthresh {
		h.SlowStart(acked)
		return
	}
	w := h.cwnd / h.mss
	h.ai = highSpeedRowFor(w, h.ai)
	h.cnt += h.ai + 1
	if h.cnt >= w {
		h.cnt -= w
		h.cwnd += h.mss
	}
}

func (h *highSpeed) OnCongestion(e *Event) {
	w := h.cwnd / h.mss
	ssthresh := max(w-w*int(highSpeedTable[h.ai].md)>>8, 2) * h.mss
	h.Respond(e, ssthresh)
	switch e.Kind {
	case Loss, ECN, RTO:
		h.cnt = 0
	}
}
