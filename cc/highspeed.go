// HighSpeed TCP: RFC 3649 (HighSpeed TCP for Large Congestion Windows,
// Sally Floyd, 2003). Linux: net/ipv4/tcp_highspeed.c.
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
// rate at 38 segments), High_P = 10^-7 and High_Decrease = 0.1. At w = 38
// these give a = 1 and b = 0.5, which is Reno; at 83,000, a = 72 and b =
// 0.1. (S ≈ −0.835: the RFC's w = 0.12/p^0.835.)
//
// The table. As RFC 3649 Appendix B proposes and Linux does, a(w) and b(w)
// are looked up, not computed per ACK: row k (from 0) starts at the
// smallest window at which a(w) reaches k+1, and holds a = k+1 and b(w) at
// that window rounded to hundredths. A window between rows uses the row
// below it, so every window up to the second row (116 segments) behaves
// exactly as Reno. The rows here were derived from the formulas above with
// the exact parameters, and TestHighSpeedTableFromRFC3649 derives them
// again. The table printed in the RFC was computed from rounded forms of
// the formulas and starts some rows a few segments later (its second row
// is at 118 segments); the values the RFC states, a = 1 and b = 0.5 at 38
// segments and a = 72 and b = 0.1 at 83,000, hold here too. The table ends
// with the first row beyond High_Window: the response function is designed
// up to there, and beyond it the last row applies.
//
// In bytes, with byte counting (RFC 3465): cwnd grows one segment for
// every cwnd/a(w) bytes acknowledged, and a congestion signal sets
// ssthresh = (1 − b(w))·FlightSize, with w = FlightSize in segments,
// FlightSize for cwnd as RFC 5681 eq. (4) does for Reno; at least 2*SMSS.
// Slow start, fast recovery, timeouts and ECN are the family's
// (renowindow.go; fast recovery itself is the sender's), with that ssthresh: RFC 3649
// changes only the AIMD parameters.

package cc

import "github.com/ccbench/ccbench/units"

func init() { MustRegister("highspeed", newHighSpeed) }

// highSpeedRow is one row of the a(w), b(w) table: from window w (in
// segments) on, a is the row's index plus one and b is bPercent/100.
type highSpeedRow struct {
	w        int32
	bPercent int8
}

// highSpeedTable is RFC 3649's a(w), b(w) table; see the file comment for
// how each row follows from the RFC's formulas.
var highSpeedTable = [...]highSpeedRow{
	{38, 50}, {116, 44}, {217, 41}, {340, 39}, {483, 37}, {647, 35},
	{829, 34}, {1030, 33}, {1249, 32}, {1486, 31}, {1741, 30}, {2015, 29},
	{2306, 29}, {2616, 28}, {2944, 27}, {3290, 27}, {3656, 26}, {4040, 26},
	{4443, 25}, {4866, 25}, {5308, 24}, {5771, 24}, {6254, 23}, {6758, 23},
	{7284, 23}, {7831, 22}, {8401, 22}, {8993, 22}, {9609, 21}, {10249, 21},
	{10913, 21}, {11603, 20}, {12318, 20}, {13061, 20}, {13830, 19}, {14628, 19},
	{15456, 19}, {16313, 18}, {17202, 18}, {18123, 18}, {19078, 18}, {20067, 17},
	{21092, 17}, {22155, 17}, {23257, 17}, {24399, 16}, {25584, 16}, {26813, 16},
	{28088, 16}, {29412, 15}, {30786, 15}, {32215, 15}, {33700, 15}, {35244, 14},
	{36852, 14}, {38527, 14}, {40273, 14}, {42095, 14}, {43999, 13}, {45990, 13},
	{48075, 13}, {50261, 13}, {52559, 12}, {54977, 12}, {57528, 12}, {60225, 12},
	{63086, 11}, {66130, 11}, {69383, 11}, {72873, 11}, {76641, 10}, {80738, 10},
	{85231, 10},
}

// highSpeedRowFor returns the index of the table row that applies to a
// window of w segments, starting the search from row hint: the window
// moves little between calls, so the search is a step or two.
func highSpeedRowFor(w, hint int) int {
	i := hint
	for i+1 < len(highSpeedTable) && w >= int(highSpeedTable[i+1].w) {
		i++
	}
	for i > 0 && w < int(highSpeedTable[i].w) {
		i--
	}
	return i
}

type highSpeed struct {
	RenoWindow
	// row is the table row for the current cwnd.
	row int
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
	h.row = 0
}

func (h *highSpeed) OnAck(a *Ack) {
	acked := h.SlowStart(h.Acked(a))
	if acked == 0 {
		return
	}
	h.row = highSpeedRowFor(h.cwnd/h.mss, h.row)
	h.Increase(acked, max(h.cwnd/(h.row+1), 1))
}

func (h *highSpeed) OnCongestion(e *Event) {
	b := int(highSpeedTable[highSpeedRowFor(e.Inflight/h.mss, h.row)].bPercent)
	h.Respond(e, max(e.Inflight*(100-b)/100, 2*h.mss))
	h.row = highSpeedRowFor(h.cwnd/h.mss, h.row)
}
