package stack

// The receive window as Linux 6.x offers it (Config.LinuxRcvWindow), read
// against 6.18's net/ipv4/tcp_input.c and tcp_output.c.
//
// Linux never offers all of its free buffer at once. Besides the largest
// window it may ever offer (window_clamp), it keeps a smaller cap,
// rcv_ssthresh, that starts at the window of the SYN or SYN-ACK
// (tcp_select_initial_window, tcp_init_buffer_space) and grows by about
// two segments for every data segment that arrives (tcp_grow_window), so
// the offered window (__tcp_select_window: the free space, capped by
// rcv_ssthresh, rounded to the window scale) opens ahead of a sender in
// slow start and no faster. Every segment that grows it also keeps the
// receiver in quick-ACK mode (icsk_ack.quick |= 1), so a Linux receiver
// acknowledges every segment for as long as its window is still opening:
// through the whole of a typical slow start.
//
// Linux sizes windows from memory: a segment costs its skb's truesize, and
// the window is the buffer's memory times the ratio of payload to truesize
// (tp->scaling_ratio, in 1/256, measured on full-sized segments by
// tcp_measure_rcv_mss). The stack keeps payload bytes, not skbs, so it
// takes every received segment to cost Config.RcvTruesize, and its buffer
// (RcvBuf) to be counted in window bytes already.
//
// What is not modelled: the receive buffer's growth by dynamic right-sizing
// (tcp_rcv_space_adjust, tcp_rcvbuf_grow) — the stack's window clamp is
// RcvBuf from the start, standing for the buffer autotuning would have
// grown to, unless Config.RcvBufInitial asks for Linux's starting buffer;
// memory pressure and tcp_clamp_window, since the stack never queues more
// than its buffer holds.

// Linux's TCP_RMEM_TO_WIN_SCALE and TCP_DEFAULT_SCALING_RATIO: the
// payload-to-truesize ratio is kept in 1/256 and assumed ½ until measured.
const (
	rmemToWinScale      = 8
	defaultScalingRatio = 1 << (rmemToWinScale - 1)
)

// winFromSpace is tcp_win_from_space: the window bytes that space bytes of
// buffer memory hold at the current payload-to-truesize ratio.
func (c *Conn) winFromSpace(space int) int {
	return space * c.ratio() >> rmemToWinScale
}

// ratio is tp->scaling_ratio: measured, or the default before any
// full-sized segment.
func (c *Conn) ratio() int {
	if c.scalingRatio == 0 {
		return defaultScalingRatio
	}
	return c.scalingRatio
}

// offerableWindow is the window an ACK sent now would offer before the
// rule that the right edge never moves back: __tcp_select_window under
// Config.LinuxRcvWindow, otherwise the free buffer.
func (c *Conn) offerableWindow() int {
	if c.cfg.LinuxRcvWindow {
		return c.selectWindow()
	}
	return c.rcvBuf.window()
}

// rcvFullSpace is tcp_full_space: the window the whole receive buffer
// holds. RcvBuf is counted in window bytes; with RcvBufInitial, the buffer
// is Linux's sk_rcvbuf before autotuning, in memory bytes.
func (c *Conn) rcvFullSpace() int {
	if c.cfg.RcvBufInitial > 0 {
		return min(c.rcvBuf.limit, c.winFromSpace(c.cfg.RcvBufInitial))
	}
	return c.rcvBuf.limit
}

// rcvFreeSpace is tcp_space: the window the buffer's unused part holds.
func (c *Conn) rcvFreeSpace() int {
	return max(c.rcvFullSpace()-c.rcvBuf.unread, 0)
}

// initRcvWindow starts the window state when the window of our SYN or
// SYN-ACK, synWnd, is chosen, and again once an active open knows the
// options agreed: rcv_ssthresh is that window (tcp_connect_init,
// tcp_create_openreq_child), and tcp_init_buffer_space sets the window
// clamp to the full space less one segment (the reservation tcp_app_win
// = 31 makes: max(2·advmss, full − advmss)), never above what the window
// field can carry (tcp_select_initial_window; 65535 without window
// scaling, tcp_rcv_synsent_state_process), and caps rcv_ssthresh by it.
//
// advmss is Linux's tp->advmss, by which the window grows: the MSS we
// advertised, less the timestamp option on an active open
// (tcp_rcv_synsent_state_process) but not on a passive one, whose child
// socket takes the route's MSS afresh (tcp_v4_syn_recv_sock).
func (c *Conn) initRcvWindow(synWnd, advmss int) {
	c.tpAdvMSS = advmss
	full := c.rcvFullSpace()
	c.windowClamp = full
	if full > 2*advmss {
		c.windowClamp = max(2*advmss, full-advmss)
	}
	c.windowClamp = min(c.windowClamp, 65535<<c.rcvShift)
	c.rcvSsthresh = min(synWnd, c.windowClamp)
}

// measureScalingRatio is the part of tcp_measure_rcv_mss that runs when a
// segment of n payload bytes changes the estimate of the peer's MSS: the
// payload-to-truesize ratio is measured on it, and if it changed, the
// window clamp follows the buffer's new window (tcp_set_window_clamp).
func (c *Conn) measureScalingRatio(n int) {
	if !c.cfg.LinuxRcvWindow || c.cfg.RcvTruesize <= 0 {
		return
	}
	r := max(n<<rmemToWinScale/c.cfg.RcvTruesize, 1)
	if r == c.ratio() {
		return
	}
	c.scalingRatio = r
	if c.cfg.RcvBufInitial > 0 {
		c.setWindowClamp(c.rcvFullSpace())
	}
}

// setWindowClamp is tcp_set_window_clamp: a smaller clamp caps
// rcv_ssthresh; a larger one lets it reach the last window offered.
func (c *Conn) setWindowClamp(clamp int) {
	if clamp == c.windowClamp {
		return
	}
	if clamp < c.windowClamp {
		c.rcvSsthresh = min(c.rcvSsthresh, clamp)
	} else {
		c.rcvSsthresh = max(min(c.rcvAdv.Sub(c.rcvWup), clamp), c.rcvSsthresh)
	}
	c.windowClamp = clamp
}

// growWindow is tcp_grow_window for a received segment of n payload bytes:
// while rcv_ssthresh is below both the clamp and the free space, it grows
// by two of our segments (at least twice the segment), provided a segment
// of this size is worth its memory (check #2: its truesize, as window,
// does not exceed its payload; otherwise __tcp_grow_window's slower
// test), and the receiver stays in quick-ACK mode. Linux adjusts the
// truesize of page-fragment skbs (truesize_adjust); the tun device's skbs
// are linear, and RcvTruesize models them.
func (c *Conn) growWindow(n int) {
	if c.rcvSsthresh >= c.windowClamp {
		// No room, whatever the free space: rcv_ssthresh has reached
		// the clamp, as it soon does in a bulk transfer. This test
		// inlines into the callers, once per data segment.
		return
	}
	c.growWindowRoom(n)
}

// growWindowRoom is growWindow once rcv_ssthresh is below the clamp.
func (c *Conn) growWindowRoom(n int) {
	room := min(c.windowClamp, c.rcvFreeSpace()) - c.rcvSsthresh
	if room <= 0 {
		return
	}
	truesize := c.cfg.RcvTruesize
	incr := 2 * c.tpAdvMSS
	if truesize > 0 && c.winFromSpace(truesize) > n {
		incr = c.growWindowSlow(n, truesize)
	}
	if incr > 0 {
		incr = max(incr, 2*n)
		c.rcvSsthresh += min(room, incr)
		c.quickAcks |= 1
	}
}

// growWindowSlow is __tcp_grow_window: a segment whose truesize is large
// for its payload still grows the window while rcv_ssthresh is small
// enough that, at the same ratio, the largest buffer (tcp_rmem[2],
// RcvBufMax) would hold it.
func (c *Conn) growWindowSlow(n, truesize int) int {
	ts := c.winFromSpace(truesize) >> 1
	window := c.winFromSpace(max(c.cfg.RcvBufMax, c.rcvBuf.limit)) >> 1
	for c.rcvSsthresh <= window {
		if ts <= n {
			return 2 * c.rcvMSS()
		}
		ts >>= 1
		window >>= 1
	}
	return 0
}

// selectWindow is __tcp_select_window: the window to offer now, before
// tcp_select_window's rule that the right edge never moves back. The free
// space is capped by rcv_ssthresh and, with window scaling, rounded up to
// a multiple of the scale so it is not scaled away; without scaling the
// last window is kept while it is within a segment of the free space,
// and otherwise rounded down to whole segments. Less than half the buffer
// free ends quick-ACK mode, and less than a segment or a sixteenth of the
// buffer offers nothing (the receiver's silly window avoidance).
func (c *Conn) selectWindow() int {
	mss := c.rcvMSS()
	allowed := c.rcvFullSpace()
	free := max(allowed-c.rcvBuf.unread, 0) // rcvFreeSpace, without a second rcvFullSpace
	full := min(c.windowClamp, allowed)
	if mss > full {
		mss = full
		if mss <= 0 {
			return 0
		}
	}
	if free < full>>1 {
		c.quickAcks = 0
		free &^= 1<<c.rcvShift - 1
		if free < allowed>>4 || free < mss {
			return 0
		}
	}
	free = min(free, c.rcvSsthresh)
	if c.rcvShift > 0 {
		return alignUp(free, 1<<c.rcvShift)
	}
	w := c.rcvAdv.Sub(c.rcvWup)
	switch {
	case w <= free-mss || w > free:
		w = free - free%mss
	case mss == full && free > w+full>>1:
		w = free
	}
	return w
}

// linuxWindow is tcp_select_window: the window selectWindow offers, or,
// if that would pull the right edge back, the window that keeps it,
// rounded up to the window scale.
func (c *Conn) linuxWindow(nxt Seq) int {
	cur := max(c.rcvAdv.Sub(nxt), 0)
	w := c.selectWindow()
	if w < cur {
		w = alignUp(cur, 1<<c.rcvShift)
	}
	if ring := c.rcvBuf.window(); w > ring {
		// Linux's rounding up to the window scale lands in its buffer's
		// slack (the window is only a share of sk_rcvbuf); the stack's
		// ring has none, so a tiny buffer rounds down instead, never
		// below the edge already offered.
		w = max(ring&^(1<<c.rcvShift-1), min(cur, ring))
	}
	return w
}

// advertiseLinux is advertise's window field under Config.LinuxRcvWindow:
// linuxWindow's window, which becomes the one offered (rcvAdv, rcvWup).
//
// An advertisement that leaves rcvAdv and rcvWup as they were is
// remembered (winMemo) with everything linuxWindow reads, and advertise
// repeats it while none of it changes (windowMemo.holds), calling
// advertiseLinux only once something has: a sender's receive side stands
// still while it sends (nothing arrives to read or to grow the window),
// so every data segment would compute the same window again. linuxWindow is a function
// of nxt and of these fields alone: rcvAdv and rcvWup, the receive
// buffer's limit and unread bytes, windowClamp, rcvSsthresh, rcvShift,
// scalingRatio (through rcvFullSpace) and rcvMSS() (rcvMSSEst, or the MSS
// advertised, which follows tsOK); the configuration is fixed. Its one
// effect besides the answer is selectWindow's clearing of quickAcks,
// which depends on the same fields and is repeated. The memo's own
// writes are the ones the advertisement made, so they need not be made
// again. The zero memo stands for a zero buffer, whose window is 0 with
// quickAcks left alone, as linuxWindow says.
func (c *Conn) advertiseLinux(nxt Seq) uint16 {
	adv, wup := c.rcvAdv, c.rcvWup
	// selectWindow only ever sets quickAcks to 0, and nothing here reads
	// it: from any other value, whether it was cleared shows.
	quick := c.quickAcks
	c.quickAcks = 1
	w := c.linuxWindow(nxt)
	quickEnds := c.quickAcks == 0
	if !quickEnds {
		c.quickAcks = quick
	}
	c.rcvAdv, c.rcvWup = nxt.Add(w), nxt
	field := uint16(min(w>>c.rcvShift, 65535))
	if c.rcvAdv == adv && wup == nxt {
		c.winMemo = windowMemo{
			nxt: nxt, adv: adv,
			unread: c.rcvBuf.unread, limit: c.rcvBuf.limit,
			clamp: c.windowClamp, ssthresh: c.rcvSsthresh,
			ratio: c.scalingRatio, mssEst: c.rcvMSSEst,
			shift: c.rcvShift, tsOK: c.tsOK,
			quickEnds: quickEnds, field: field,
		}
	}
	return field
}

// windowMemo is advertiseLinux's record of an advertisement that changed
// nothing: the state it was made in and its answer. RCV.WUP was nxt.
type windowMemo struct {
	nxt, adv                                      Seq
	unread, limit, clamp, ssthresh, ratio, mssEst int
	shift                                         uint8
	tsOK, quickEnds                               bool
	field                                         uint16
}

// holds reports whether an advertisement at nxt would be the one m
// remembers: whether everything linuxWindow reads is as it was then.
func (m *windowMemo) holds(c *Conn, nxt Seq) bool {
	return nxt == m.nxt && c.rcvWup == nxt && c.rcvAdv == m.adv &&
		c.rcvBuf.unread == m.unread && c.rcvBuf.limit == m.limit &&
		c.windowClamp == m.clamp && c.rcvSsthresh == m.ssthresh &&
		c.rcvShift == m.shift && c.scalingRatio == m.ratio &&
		c.rcvMSSEst == m.mssEst && c.tsOK == m.tsOK
}

// alignUp rounds n up to a multiple of a, a power of two.
func alignUp(n, a int) int { return (n + a - 1) &^ (a - 1) }
