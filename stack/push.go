package stack

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// The PSH flag and corking, as Linux 6.x sets and applies them.
//
// Linux marks PSH on the last buffer (skb) of each write that is pushed
// (tcp_push and tcp_mark_push at the end of tcp_sendmsg_locked): a later
// write that appends to that buffer before it has left clears the mark
// again, so among unsent bytes only the end of the latest pushed write is a
// push point. When a buffer is cut to fit the windows (tcp_fragment,
// tso_fragment), PSH stays with the piece that ends where the buffer ends,
// and a retransmission keeps the flags of the piece it resends. Separately,
// __tcp_transmit_skb forces PSH on every GSO packet of more than one
// segment, which on the wire lands on the packet's last segment; the
// packets tcp_write_xmit builds hold at most tcp_tso_autosize segments
// (two at the rates of a 100 ms path) and never cross a push point.
//
// The stack sends one segment per Output call, so it models this with a
// record per transmitted segment of whether it ends at a push point
// (sentSegment.psh), the one push point among unsent bytes (pushSeq), and
// a count of the segments of the GSO packet being sent (gsoSegs): a segment
// ends that packet when the packet is full, when it ends at a push point,
// or when the next segment could not leave now (sendData's look-ahead).
//
// Not modelled: Linux cuts a long write into buffers of size_goal (up to
// 64 KB, at most half the largest window the peer offered) and, once more
// than half that window has been written since the last push, pushes
// mid-write (forced_push in tcp_sendmsg_locked). Here a write is one
// buffer, so its only push point is its end: in a bulk transfer Linux
// sets PSH a little more often and its GSO packets also stop at buffer
// boundaries. The conformance scripts' writes are all below those sizes.
//
// Corking (TCP_CORK, MSG_MORE) is Linux's TCP_NAGLE_CORK: a sub-MSS tail is
// held, whatever is in flight, until the cork is removed or a write without
// MSG_MORE pushes it (tcp_nagle_check, tcp_push). Nagle itself is
// Minshall's variant (tcp_minshall_check): a sub-MSS segment waits only
// while an earlier sub-MSS segment is unacknowledged.

// gsoMaxSize is a GSO packet's largest size in bytes (GSO_LEGACY_MAX_SIZE,
// the default gso_max_size of a Linux device).
const gsoMaxSize = 65536

// maxTCPHeader is Linux's MAX_TCP_HEADER on x86-64 (tcp_tso_autosize keeps
// a GSO packet's payload this far below gso_max_size).
const maxTCPHeader = 320

// minTSOSegs is net.ipv4.tcp_min_tso_segs, the fewest segments a GSO packet
// is allowed to hold.
const minTSOSegs = 2

// tsoRTTLog is net.ipv4.tcp_tso_rtt_log: on paths with a min RTT below
// 2^tsoRTTLog µs·32, tcp_tso_autosize grows GSO packets.
const tsoRTTLog = 9

// tsoWinDivisor is net.ipv4.tcp_tso_win_divisor: a third of the window
// available is worth sending without waiting for more.
const tsoWinDivisor = 3

// tsoDeferMaxWait is how soon the next ACK must be expected for Linux to
// wait for it rather than send a short GSO packet now (6.18's
// tcp_tso_should_defer: min(1 ms, SRTT/2)); it is also how recent the last
// transmission must be.
const tsoDeferMaxWait = units.Millisecond

// tsoDefer reports whether Linux would hold back the new data at SND.NXT
// for now, to send it as a larger GSO packet on the next ACK
// (tcp_tso_should_defer, Linux 6.18, "a kind of TSO Nagle test"). allow is
// the congestion window's room, rwnd the peer's, avail the unsent bytes,
// tso the GSO packet's size in segments. Linux defers a buffer of more than
// one segment when all of these hold:
//
//   - the connection is not in fast recovery or after a timeout
//     (icsk_ca_state < TCP_CA_Recovery) and something went out within the
//     last millisecond (tcp_wstamp_ns);
//   - the windows have room for less than a full GSO packet, less than the
//     whole buffer when it is not the last one queued, and less than a
//     third of min(cwnd, the peer's window) (tcp_tso_win_divisor);
//   - the oldest unacknowledged segment's ACK is due, going by SRTT,
//     within min(1 ms, SRTT/2);
//   - the limiting window is smaller than the buffer, or the buffer is the
//     last one and may still grow (no FIN on it).
//
// The buffer Linux would send is modelled as tcp_xmit_size_goal makes
// them: the unsent data cut into pieces of up to 64 KB, at most half the
// largest window the peer offered; the one at SND.NXT is the last queued
// when no more than that is unsent. A deferral that leaves the sender
// window-limited counts as cwnd-limited for window growth, as Linux marks
// is_cwnd_limited. Once it defers, it keeps deferring until the next
// segment, timer or write (tsoDeferred), as Linux decides again only then.
func (c *Conn) tsoDefer(now units.Time, allow, rwnd, avail, tso int) bool {
	if !c.cfg.TSODeferral || c.nagleOff || avail <= c.sndMSS || c.inRecovery || c.rtoRecovery {
		return false
	}
	if c.tsoDeferred {
		return true
	}
	if c.lastSend <= 0 || now.Sub(c.lastSend) > tsoDeferMaxWait || c.sent.len() == 0 || c.rtt.srtt <= 0 {
		return false
	}
	goal := gsoMaxSize - 1 - maxTCPHeader
	if half := c.maxSndWnd / 2; c.maxSndWnd > 536 && half < goal {
		goal = half
	}
	goal = max(goal/c.sndMSS, 1) * c.sndMSS
	skbLen := min(avail, goal)
	tail := avail <= goal
	limit := min(allow, rwnd)
	if limit >= tso*c.sndMSS || !tail && limit >= skbLen {
		return false
	}
	if limit >= min(c.sndWnd, c.cwnd())/tsoWinDivisor {
		return false
	}
	srtt := c.rtt.srtt
	due := c.sent.at(0).sentAt.Add(srtt)
	if due.Sub(now) > min(srtt/2, tsoDeferMaxWait) {
		return false
	}
	if allow < rwnd {
		if allow <= skbLen {
			c.cwndValidate(true)
			c.tsoDeferred = true
			return true
		}
	} else if rwnd <= skbLen {
		c.tsoDeferred = true
		return true
	}
	c.tsoDeferred = !(tail && c.finQueued)
	return c.tsoDeferred
}

// WriteMore queues data as Write does but, like send(2) with MSG_MORE, does
// not push it: a sub-MSS tail waits for a later write without the flag (or
// for uncorking or close), and the write ends at no push point. A
// difference from Linux, where MSG_MORE corks only that call's push: an ACK
// arriving before the next write would let Linux send the tail under
// plain Nagle, while here it waits for the write.
func (c *Conn) WriteMore(p []byte) (int, error) {
	return c.write(p, true)
}

// SetCork sets or clears TCP_CORK. While corked, a sub-MSS tail is held even
// with nothing in flight; clearing the cork lets it go at the next Output
// (the setsockopt's tcp_push_pending_frames).
func (c *Conn) SetCork(on bool) {
	c.host.touch(c)
	c.cork = on
	c.tsoDeferred = false
	if !on {
		c.moreHeld = false
	}
}

// PushQueued lets what is queued now go whatever the cork, MSG_MORE or
// Nagle say, as setting TCP_NODELAY does on a Linux socket
// (__tcp_sock_set_nodelay sets TCP_NAGLE_PUSH and pushes): the next write
// ends the override (tcp_skb_entail clears TCP_NAGLE_PUSH).
func (c *Conn) PushQueued() {
	c.host.touch(c)
	c.pushQueued = true
	c.tsoDeferred = false
}

// Corked reports whether TCP_CORK is set.
func (c *Conn) Corked() bool { return c.cork }

// write is Write, and WriteMore with more set.
func (c *Conn) write(p []byte, more bool) (int, error) { return c.enqueue(p, -1, more) }

// writeCount is WriteCount.
func (c *Conn) writeCount(n int) (int, error) { return c.enqueue(nil, max(n, 0), false) }

// enqueue queues p, or count unchosen bytes when count is not negative.
func (c *Conn) enqueue(p []byte, count int, more bool) (int, error) {
	c.host.touch(c)
	c.pushQueued = false
	if c.finQueued || !(c.state.canSend() || c.state == SynSent || c.state == SynReceived) {
		if c.err != nil {
			return 0, c.err
		}
		return 0, ErrClosed
	}
	if c.Unsent() > 0 {
		// The bytes join the unsent tail buffer, whose push mark goes
		// (tcp_sendmsg_locked clears PSH on the skb it first appends to).
		c.pushValid = false
	}
	var n int
	if count >= 0 {
		n = c.sndBuf.writeZeros(count)
	} else {
		n = c.sndBuf.write(p)
	}
	c.moreHeld = more
	c.tsoDeferred = false // tcp_push runs tcp_write_xmit afresh
	if !more && n > 0 {
		// tcp_push: tcp_mark_push on the write queue's tail.
		c.pushSeq, c.pushValid = c.sndBuf.end(), true
	}
	return n, nil
}

// corked reports whether a sub-MSS tail must wait for the cork to go
// (TCP_NAGLE_CORK in tcp_nagle_check).
func (c *Conn) corked() bool { return c.cork || c.moreHeld }

// nagleHolds reports whether Nagle's algorithm, in Minshall's variant,
// holds a sub-MSS segment: an earlier sub-MSS segment is still
// unacknowledged (tcp_minshall_check).
func (c *Conn) nagleHolds() bool {
	return !c.cfg.NoDelay && c.sndSml.GT(c.sndUna) && !c.sndSml.GT(c.sndNxt)
}

// tsoSegs is how many segments one GSO packet may hold: about a
// millisecond of data at the pacing rate, more on short paths, at least two
// (tcp_tso_autosize, tcp_tso_segs).
func (c *Conn) tsoSegs() int {
	if !c.tsoValid {
		c.computeTSOSegs()
		c.tsoValid = true
	}
	return c.tsoMemo.segs
}

// computeTSOSegs is tsoSegs from the current pacing rate and minimum RTT.
// Linux updates sk_pacing_rate as it processes an ACK
// (tcp_update_pacing_rate from tcp_cong_control), so the size holds
// until the next segment arrives or timer fires: input and onTimer
// invalidate it, as does a restart after idle.
//
// Without a TSOSizer, tsoSegsAt reads nothing but the rate, the minimum
// RTT and the MSS, so its answer is kept with them (tsoMemo) and given
// again while all three stand: an algorithm's own rate, as BBR's, moves a
// few times a round trip, not on every ACK, and Linux's derived one often
// stays put from one ACK to the next. The zero memo, with an MSS of 0,
// matches no connection.
func (c *Conn) computeTSOSegs() int {
	rate := c.linuxPacingRate()
	m := &c.tsoMemo
	if rate != m.rate || c.rtt.minRTT != m.minRTT || c.sndMSS != m.mss || c.ccTSO != nil {
		*m = tsoMemo{rate: rate, minRTT: c.rtt.minRTT, mss: c.sndMSS, segs: c.tsoSegsAt(rate)}
	}
	return m.segs
}

// tsoMemo is computeTSOSegs' record of its last answer and what it came
// from.
type tsoMemo struct {
	rate      units.Rate
	minRTT    units.Duration
	mss, segs int
}

// tsoSegsAt is tsoSegs at pacing rate rate.
func (c *Conn) tsoSegsAt(rate units.Rate) int {
	bytes := gsoMaxSize - 1 - maxTCPHeader
	if rate > 0 {
		// sk_pacing_rate >> sk_pacing_shift (10): about 1 ms of data.
		bytes = min(bytes, int(int64(rate)/8>>10))
	}
	if r := int64(c.rtt.minRTT / units.Microsecond >> tsoRTTLog); c.rtt.minRTT > 0 && r < 32 {
		bytes += gsoMaxSize >> r
	}
	bytes = min(bytes, gsoMaxSize)
	least := minTSOSegs
	if c.ccTSO != nil {
		// The algorithm's min_tso_segs replaces the sysctl (tcp_tso_segs).
		least = max(c.ccTSO.MinTSOSegs(), 1)
	}
	return max(bytes/c.sndMSS, least)
}

// tsoSizer is alg as a cc.TSOSizer, or nil.
func tsoSizer(alg cc.CongestionControl) cc.TSOSizer {
	t, _ := alg.(cc.TSOSizer)
	return t
}

// linuxPacingRate is sk_pacing_rate: the congestion control's rate, or the
// one tcp_update_pacing_rate derives from cwnd and SRTT (twice cwnd per
// SRTT below half ssthresh, 1.2 times above); 0 without an RTT sample, which
// leaves GSO packets at their largest.
func (c *Conn) linuxPacingRate() units.Rate {
	if r := c.cc.PacingRate(); r > 0 {
		return r
	}
	if c.rtt.srtt <= 0 {
		return 0
	}
	cwnd := c.cwnd()
	// Bits per second: 8·max(cwnd, in flight)·10⁹/SRTT in nanoseconds,
	// times the ratio; one division.
	ratio := 1.2 * 8e9
	if cwnd < c.cc.Ssthresh()/2 {
		ratio = 2 * 8e9
	}
	return units.Rate(float64(max(cwnd, c.inflight())) * ratio / float64(c.rtt.srtt))
}

// dataPush decides PSH for a new-data segment of n bytes from seq to end,
// which ends the GSO packet being built when last is set or when the packet
// has tso segments (see the file comment), and keeps Minshall's record of
// the last sub-MSS segment sent.
func (c *Conn) dataPush(seq, end Seq, n int, last bool, tso int) bool {
	atPush := c.pushValid && end == c.pushSeq
	if seq != c.gsoNext {
		c.gsoSegs = 0 // the packet was cut short (or none begun): start another
	}
	c.gsoSegs++
	if !last && !atPush && c.gsoSegs < tso {
		c.gsoNext = end
		return false
	}
	if c.gsoSegs == 1 && n < c.sndMSS {
		c.sndSml = end // tcp_minshall_update: a lone small packet
	}
	psh := atPush || c.gsoSegs > 1 // __tcp_transmit_skb: PSH on a GSO packet
	c.gsoSegs = 0
	return psh
}

// rtxPush decides PSH for the retransmission of record i: the flags it was
// first sent with if it ended at a push point, and PSH when it ends a
// two-or-more-segment packet of its first transmission that is resent
// whole in one go, as Linux resends an skb of the retransmission queue
// (tcp_retransmit_skb, __tcp_transmit_skb).
func (c *Conn) rtxPush(now units.Time, i int) bool {
	s := c.sent.at(i)
	psh := s.psh
	if s.gsoEnd && i > 0 {
		prev := c.sent.at(i - 1)
		psh = psh || !prev.gsoEnd && prev.end == s.seq && c.rtxRunEnd == s.seq && c.rtxRunAt == now
	}
	c.rtxRunEnd, c.rtxRunAt = s.end, now
	return psh
}
