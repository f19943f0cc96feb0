package stack

// Consistency checks of a connection's and a host's internal state, run by
// the fuzzers, the loss grid and the leak test after every event. Each check
// is a property other code relies on without re-checking it: the send path
// reads the send buffer at a record's sequence number assuming the buffer
// starts at SND.UNA's data; the receive ring places out-of-order bytes
// assuming their ranges lie inside the window; loss recovery assumes the
// scoreboard tiles exactly the bytes in flight and that its byte counters
// match its records; and a connection that owes its peer anything must have
// a timer running, or it will never send it.
//
// The checks hold at quiescent points: after OnTimer(now) has run every
// expired timer and Output has returned nil, which is when every harness in
// this package calls them.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// violations collects the broken properties of one connection, so that a
// failure reports all of them together with the state they were found in.
type violations []string

func (v *violations) add(format string, args ...any) {
	*v = append(*v, fmt.Sprintf(format, args...))
}

// checkInvariants fails t if c's state is inconsistent at time now.
func checkInvariants(t testing.TB, c *Conn, now units.Time) {
	if v := connViolations(c, now); len(v) > 0 {
		t.Fatalf("connection %d→%d at %v broke %d invariant(s):\n  %s\nstate: %s",
			c.id.localPort, c.id.remotePort, now, len(v), strings.Join(v, "\n  "), describeConn(c))
	}
}

// connViolations lists every property c breaks.
func connViolations(c *Conn, now units.Time) violations {
	var v violations
	if c.state > TimeWait || c.state == Listen {
		v.add("state %d: a connection is never LISTEN or beyond TIME-WAIT", c.state)
		return v
	}
	if c.state == Closed {
		if c.nextDeadline() != units.Never {
			v.add("CLOSED with a timer armed at %v", c.nextDeadline())
		}
		if c.host.conns[c.id] == c {
			v.add("CLOSED but still in its host's table")
		}
		return v
	}
	sendSpace(&v, c)
	scoreboard(&v, c)
	sendBufferAgrees(&v, c)
	receiveSpace(&v, c)
	closingStates(&v, c)
	timers(&v, c, now)
	owedWork(&v, c)
	congestion(&v, c)
	return v
}

// sendSpace: RFC 9293 §3.3.1's send sequence variables keep their order,
// and nothing is sent beyond what the application wrote.
func sendSpace(v *violations, c *Conn) {
	if c.sndUna.GT(c.sndNxt) || c.sndNxt.GT(c.sndMax) {
		v.add("send order: want SND.UNA ≤ SND.NXT ≤ SND.MAX, have %d, %d, %d (relative to ISS)",
			c.sndUna.Sub(c.iss), c.sndNxt.Sub(c.iss), c.sndMax.Sub(c.iss))
	}
	if c.sndUna.LT(c.iss) {
		v.add("SND.UNA %d is below ISS", c.sndUna.Sub(c.iss))
	}
	if !c.state.synchronized() && c.sndMax.GT(c.iss.Add(1+c.tfo.synData)) && !c.tfo.child {
		// Fast Open sends data on the SYN, and a Fast Open server sends
		// data in SYN-RECEIVED.
		v.add("%v has sent beyond its SYN: SND.MAX = ISS+%d", c.state, c.sndMax.Sub(c.iss))
	}
	limit := c.sndBuf.end()
	if c.finQueued {
		limit = c.finSeq.Add(1)
	}
	if c.sndMax.GT(limit) {
		v.add("SND.MAX %d is beyond what the application wrote (%d, FIN queued %v)",
			c.sndMax.Sub(c.iss), limit.Sub(c.iss), c.finQueued)
	}
	if c.sndMSS < 1 || c.sndMSS > c.cfg.MSS {
		v.add("effective send MSS %d outside [1, %d]: RFC 9293 §3.7.1 and RFC 6691 need a positive segment size", c.sndMSS, c.cfg.MSS)
	}
	if c.sndWnd < 0 || c.sndWnd > 65535<<maxWindowShift {
		v.add("SND.WND %d outside [0, 65535·2^14] (RFC 7323 §2.3)", c.sndWnd)
	}
	if c.sndShift > maxWindowShift || c.rcvShift > maxWindowShift {
		v.add("window shifts %d/%d exceed 14 (RFC 7323 §2.3)", c.sndShift, c.rcvShift)
	}
	if c.inRecovery && !c.sndUna.LT(c.recover) && c.cfg.Recovery != RecoveryReno {
		v.add("in recovery with SND.UNA %d at or past recover %d: recovery should have ended (RFC 6582 §3.2 step 5)",
			c.sndUna.Sub(c.iss), c.recover.Sub(c.iss))
	}
	if c.recover.GT(c.sndMax) {
		v.add("recover %d is beyond SND.MAX %d", c.recover.Sub(c.iss), c.sndMax.Sub(c.iss))
	}
	if c.dupAcks < 0 || c.retries < 0 {
		v.add("negative counters: %d duplicate ACKs, %d retries", c.dupAcks, c.retries)
	}
}

// scoreboard: the sent records tile exactly [SND.UNA, SND.NXT), in order,
// without gaps or overlaps; their flags are consistent; and the byte
// counters that pipe (RFC 6675 §2) is computed from agree with them.
func scoreboard(v *violations, c *Conn) {
	q := &c.sent
	if q.n < 0 || q.n > len(q.segs) {
		v.add("sent queue holds %d records in a ring of %d", q.n, len(q.segs))
		return
	}
	next := c.sndUna
	sacked, lost, rtx := 0, 0, 0
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		if s.seq != next {
			v.add("sent record %d of %d starts at %d, want %d: records must tile [SND.UNA, SND.NXT) = [%d, %d)",
				i, q.n, s.seq.Sub(c.iss), next.Sub(c.iss), c.sndUna.Sub(c.iss), c.sndNxt.Sub(c.iss))
			return
		}
		if !s.end.GT(s.seq) {
			v.add("sent record %d is empty or reversed: [%d, %d)", i, s.seq.Sub(c.iss), s.end.Sub(c.iss))
			return
		}
		if s.sacked && (s.lost || s.rtx) || s.rtx && !s.lost {
			v.add("sent record %d [%d, %d) has flags sacked=%v lost=%v rtx=%v: SACKed records are not lost, and only lost ones count as retransmitted",
				i, s.seq.Sub(c.iss), s.end.Sub(c.iss), s.sacked, s.lost, s.rtx)
		}
		if s.sacked && !c.sackOK {
			v.add("sent record %d is SACKed on a connection that did not negotiate SACK (RFC 2018 §2)", i)
		}
		n := s.len()
		if s.sacked {
			sacked += n
		}
		if s.lost {
			lost += n
			if s.rtx {
				rtx += n
			}
		}
		next = s.end
	}
	if next != c.sndNxt {
		v.add("sent records end at %d, SND.NXT is %d", next.Sub(c.iss), c.sndNxt.Sub(c.iss))
	}
	if sacked != q.sackedBytes || lost != q.lostBytes || rtx != q.rtxBytes {
		v.add("scoreboard counters sacked/lost/retransmitted = %d/%d/%d, records say %d/%d/%d",
			q.sackedBytes, q.lostBytes, q.rtxBytes, sacked, lost, rtx)
	}
	if p := c.pipe(); p < 0 {
		v.add("pipe %d is negative (RFC 6675 §4)", p)
	}
	if q.highSacked.LT(c.sndUna) || q.highSacked.GT(c.sndMax) {
		v.add("highest SACKed sequence %d outside [SND.UNA, SND.MAX] = [%d, %d]",
			q.highSacked.Sub(c.iss), c.sndUna.Sub(c.iss), c.sndMax.Sub(c.iss))
	}
}

// sendBufferAgrees: the send buffer starts at the data byte SND.UNA names,
// which skips the SYN before the first byte and stops at the FIN after the
// last; the bytes it released are the bytes acknowledged.
func sendBufferAgrees(v *violations, c *Conn) {
	b := &c.sndBuf
	switch {
	case !b.ready():
		// A half-open connection gets its buffers when the handshake
		// completes (Listener.promote).
		if b.n != 0 || c.state.synchronized() {
			v.add("%v without a send buffer but %d bytes written", c.state, b.n)
		}
	case b.n < 0 || b.n > b.limit:
		v.add("send buffer broken: %d bytes held, limit %d", b.n, b.limit)
	default:
		chunksAgree(v, "send", &b.data, b.virtual, b.n)
	}
	want := c.sndUna
	switch {
	case c.sndUna == c.iss:
		want = c.iss.Add(1)
	case c.finQueued && c.sndUna.GT(c.finSeq):
		want = c.finSeq
	}
	if b.start != want {
		v.add("send buffer starts at %d, but SND.UNA %d names data byte %d",
			b.start.Sub(c.iss), c.sndUna.Sub(c.iss), want.Sub(c.iss))
	}
	if c.finQueued && c.finSeq != b.end() {
		v.add("FIN queued at %d but the send buffer ends at %d: data was written after Close",
			c.finSeq.Sub(c.iss), b.end().Sub(c.iss))
	}
	if acked := b.start.Sub(c.iss.Add(1)); int64(acked) != c.stats.BytesAcked {
		v.add("BytesAcked %d, but the send buffer released %d bytes", c.stats.BytesAcked, acked)
	}
}

// chunksAgree: a buffer holding held bytes from its first position holds
// the chunks they need and no more than one beyond them (chunks.go), none
// with virtual payload, and holds none at all once empty.
func chunksAgree(v *violations, side string, s *chunkStream, virtual bool, held int) {
	got := s.chunks()
	switch {
	case virtual && got != 0:
		v.add("%s buffer with virtual payload holds %d chunks", side, got)
	case held == 0 && got != 0:
		v.add("empty %s buffer holds %d chunks", side, got)
	case s.off < 0 || s.off >= chunkSize:
		v.add("%s buffer's first byte at offset %d of a %d-byte chunk", side, s.off, chunkSize)
	case got > (s.off+held+chunkSize-1)/chunkSize:
		v.add("%s buffer holds %d chunks for %d bytes from offset %d", side, got, held, s.off)
	}
}

// receiveSpace: the receive ring's in-order bytes, its out-of-order ranges
// and RCV.NXT agree, and every range lies inside the window, so that the
// ring position it was written at is still its own.
func receiveSpace(v *violations, c *Conn) {
	b := &c.rcvBuf
	switch {
	case b.data.pool == nil:
		if b.unread != 0 || b.nooo != 0 || c.state.synchronized() {
			v.add("%v without a receive buffer but %d bytes unread, %d ranges", c.state, b.unread, b.nooo)
			return
		}
	case b.unread < 0 || b.unread > b.limit:
		v.add("receive buffer broken: %d unread, limit %d", b.unread, b.limit)
		return
	default:
		held := b.unread
		if b.nooo > 0 {
			held += b.ooo[b.nooo-1].end.Sub(b.nxt)
		}
		chunksAgree(v, "receive", &b.data, b.virtual, held)
	}
	if c.state == SynSent {
		return // IRS is not known yet
	}
	base := c.irs.Add(1)
	if b.nxt.LT(base) {
		v.add("RCV.NXT %d is below IRS+1", b.nxt.Sub(c.irs))
	}
	if got := int64(b.nxt.Sub(base)); got != c.stats.BytesReceived {
		v.add("BytesReceived %d, but RCV.NXT advanced %d bytes past IRS+1", c.stats.BytesReceived, got)
	}
	if c.stats.BytesRead+int64(b.unread) != c.stats.BytesReceived {
		v.add("bytes read %d + unread %d ≠ bytes received %d", c.stats.BytesRead, b.unread, c.stats.BytesReceived)
	}
	if b.nooo < 0 || b.nooo > len(b.ooo) {
		v.add("%d out-of-order ranges in a table of %d", b.nooo, len(b.ooo))
		return
	}
	right := b.nxt.Add(b.window())
	prev := b.nxt
	for i := 0; i < b.nooo; i++ {
		r := b.ooo[i]
		switch {
		case !r.end.GT(r.start):
			v.add("out-of-order range %d is empty or reversed: [%d, %d)", i, r.start.Sub(c.irs), r.end.Sub(c.irs))
		case !r.start.GT(prev):
			v.add("out-of-order range %d [%d, %d) does not start beyond %d (RCV.NXT or the previous range's end): ranges must be sorted, disjoint and separated by holes",
				i, r.start.Sub(c.irs), r.end.Sub(c.irs), prev.Sub(c.irs))
		case r.end.GT(right):
			v.add("out-of-order range %d ends at %d, beyond the window's right edge %d: its ring position is no longer its own",
				i, r.end.Sub(c.irs), right.Sub(c.irs))
		}
		prev = r.end
	}
	if c.finValid && !c.finRcvd && c.state.canReceive() && !c.peerFin.GT(b.nxt) {
		v.add("a FIN seen out of order at %d is at or below RCV.NXT %d but was never acted on: data beyond the FIN was accepted (RFC 9293 §3.10.7.4, eighth step)",
			c.peerFin.Sub(c.irs), b.nxt.Sub(c.irs))
	}
}

// closingStates: RFC 9293 §3.3.2's states agree with which FINs have been
// queued, acknowledged and received.
func closingStates(v *violations, c *Conn) {
	finAcked := c.finQueued && c.sndUna == c.finSeq.Add(1)
	switch c.state {
	case FinWait1, Closing, LastAck:
		if !c.finQueued {
			v.add("%v without a FIN queued", c.state)
		} else if finAcked {
			v.add("%v with our FIN already acknowledged", c.state)
		}
	case FinWait2, TimeWait:
		if !finAcked {
			v.add("%v but our FIN is not acknowledged (FIN queued %v)", c.state, c.finQueued)
		}
	case Established, CloseWait:
		if c.finQueued {
			v.add("%v with a FIN queued: Close should have moved it on", c.state)
		}
	}
	wantFin := c.state == CloseWait || c.state == Closing || c.state == LastAck || c.state == TimeWait
	if c.finRcvd != wantFin {
		v.add("%v with the peer's FIN received = %v", c.state, c.finRcvd)
	}
}

// timers: every deadline is either stopped or still ahead, since OnTimer
// has just run the expired ones, and each belongs to a state that uses it.
func timers(v *violations, c *Conn, now units.Time) {
	if d := c.nextDeadline(); d <= now {
		v.add("a deadline at %v is not in the future of %v although OnTimer ran (retransmission %v, delayed ACK %v, TIME-WAIT %v, reordering %v, keepalive %v)",
			d, now, c.rtxAt, c.ackAt, c.timeWait, c.reorderAt, c.keepaliveAt)
	}
	if c.state == TimeWait && (c.timeWait == units.Never || c.rtxAt != units.Never) {
		v.add("TIME-WAIT needs its 2·MSL timer and no retransmission timer: time-wait %v, rtx %v", c.timeWait, c.rtxAt)
	}
	if c.timeWait != units.Never && c.state != TimeWait && c.state != FinWait2 {
		v.add("%v with a TIME-WAIT deadline", c.state)
	}
	if c.keepaliveAt != units.Never && !c.cfg.Keepalive {
		v.add("keepalive timer armed with keepalives off")
	}
}

// owedWork: at a quiescent point nothing owed is left waiting without a
// timer. An ACK or probe owed would have gone out with Output; sequence
// space sent and not acknowledged needs the retransmission timer (RFC 6298
// §5.1); data or a FIN that the windows hold back needs a timer to probe or
// retry (RFC 9293 §3.8.6.1, the persist timer, and §3.8.6.2.1's override
// timeout), or the connection waits forever for a window update that may
// have been lost.
func owedWork(v *violations, c *Conn) {
	if c.state.synchronized() && c.state != TimeWait {
		if c.ackNow {
			v.add("an ACK is owed but Output returned nothing")
		}
		if c.rtxPending || c.tlpProbe || c.zwpPending || c.kaPending {
			v.add("a transmission is owed (retransmit %v, tail loss probe %v, zero-window probe %v, keepalive %v) but Output returned nothing",
				c.rtxPending, c.tlpProbe, c.zwpPending, c.kaPending)
		}
	}
	if c.state == TimeWait {
		return
	}
	deadline := c.nextDeadline()
	if deadline != units.Never {
		return
	}
	switch {
	case c.sndUna != c.sndMax:
		v.add("%d bytes of sequence space unacknowledged and no timer running (RFC 6298 §5.1; the peer's window is %d)",
			c.sndMax.Sub(c.sndUna), c.sndWnd)
	case c.state.synchronized() && c.Unsent() > 0:
		v.add("%d bytes unsent, nothing in flight, the peer's window %d (largest seen %d), and no timer: without a persist or override timer they are never sent (RFC 9293 §3.8.6.1, §3.8.6.2.1)",
			c.Unsent(), c.sndWnd, c.maxSndWnd)
	case c.finQueued && c.state.synchronized() && c.sndMax != c.finSeq.Add(1):
		v.add("FIN queued, not sent, and no timer")
	case c.state == SynSent || c.state == SynReceived:
		v.add("%v without a retransmission timer: the handshake can stall", c.state)
	}
}

// congestion: once synchronized, the congestion controller has been
// initialized (Host.established) and lets something be sent.
func congestion(v *violations, c *Conn) {
	if c.state.synchronized() && c.cc.Cwnd() <= 0 {
		v.add("%v with cwnd %d: congestion control was never initialized for this connection", c.state, c.cc.Cwnd())
	}
}

// describeConn is the state a failure message prints.
func describeConn(c *Conn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v una=%d nxt=%d max=%d (rel. ISS) wnd=%d mss=%d buf[start=%d n=%d] fin[queued=%v seq=%d] sent=[",
		c.state, c.sndUna.Sub(c.iss), c.sndNxt.Sub(c.iss), c.sndMax.Sub(c.iss), c.sndWnd, c.sndMSS,
		c.sndBuf.start.Sub(c.iss), c.sndBuf.n, c.finQueued, c.finSeq.Sub(c.iss))
	for i := 0; i < c.sent.len() && i < 8; i++ {
		s := c.sent.at(i)
		fmt.Fprintf(&b, " %d-%d", s.seq.Sub(c.iss), s.end.Sub(c.iss))
	}
	if c.sent.len() > 8 {
		fmt.Fprintf(&b, " …%d more", c.sent.len()-8)
	}
	fmt.Fprintf(&b, " ] rcv[nxt=%d unread=%d ooo=%d] peerFin[rcvd=%v valid=%v seq=%d] timers[rtx=%v kind=%d ack=%v tw=%v] cwnd=%d recovery=%v",
		c.rcvBuf.nxt.Sub(c.irs), c.rcvBuf.unread, c.rcvBuf.nooo, c.finRcvd, c.finValid, c.peerFin.Sub(c.irs),
		c.rtxAt, c.rtxKind, c.ackAt, c.timeWait, c.cc.Cwnd(), c.inRecovery)
	return b.String()
}

// checkHostInvariants checks h's tables and every connection on it.
func checkHostInvariants(t testing.TB, h *Host, now units.Time) {
	if len(h.conns) != len(h.order) {
		t.Fatalf("host %v: %d connections in the table, %d in the ordered list", h.addr, len(h.conns), len(h.order))
	}
	for i, c := range h.order {
		if h.conns[c.id] != c {
			t.Fatalf("host %v: connection %d (%d→%d) is listed but not in the table under its 4-tuple", h.addr, i, c.id.localPort, c.id.remotePort)
		}
		if c.host != h || c.id.localAddr != h.addr {
			t.Fatalf("host %v: connection %d belongs to host %v", h.addr, i, c.id.localAddr)
		}
		if c.state == Closed {
			t.Fatalf("host %v: connection %d→%d is CLOSED but was not removed", h.addr, c.id.localPort, c.id.remotePort)
		}
		checkInvariants(t, c, now)
	}
	if h.ctlN < 0 || h.ctlN > len(h.ctl) {
		t.Fatalf("host %v: %d replies queued in a ring of %d", h.addr, h.ctlN, len(h.ctl))
	}
	for port, l := range h.listeners {
		for i := 0; i < l.acceptN; i++ {
			c := l.accept[(l.acceptHead+i)%len(l.accept)]
			if c == nil || c.listener != nil {
				t.Fatalf("listener %d: accept queue entry %d of %d is empty or still half-open", port, i, l.acceptN)
			}
		}
		for c := range l.synQueue {
			if c.listener != l || c.state != SynReceived || h.conns[c.id] != c {
				t.Fatalf("listener %d: SYN queue holds a connection in %v that is not its half-open connection on the host", port, c.state)
			}
		}
	}
	for _, c := range h.order {
		if l := c.listener; l != nil {
			if _, ok := l.synQueue[c]; !ok {
				t.Fatalf("connection %d→%d points at listener %d but is not in its SYN queue", c.id.localPort, c.id.remotePort, l.port)
			}
		}
	}
}

// checkEmitted checks a packet h has just handed out: it decodes, it comes
// from h, and, when it belongs to one of h's connections, its sequence
// numbers, acknowledgment, size and window agree with that connection's
// state, which Output has just updated. s is scratch space.
func checkEmitted(t testing.TB, h *Host, p *packet.Packet, s *wire.Segment) {
	if err := wire.DecodeSegment(p.Bytes(), s); err != nil {
		t.Fatalf("host %v emitted a packet that does not decode: %v", h.addr, err)
	}
	if s.Src != h.addr {
		t.Fatalf("host %v emitted a packet from %v", h.addr, s.Src)
	}
	if s.Has(FlagSYN|FlagFIN) || s.Has(FlagSYN|FlagRST) || s.Has(FlagRST) && len(s.Payload) > 0 {
		t.Fatalf("host %v emitted flags %#x with %d bytes: a combination no TCP sends", h.addr, s.Flags, len(s.Payload))
	}
	c := h.conns[fourTuple{localAddr: s.Src, remoteAddr: s.Dst, localPort: s.SrcPort, remotePort: s.DstPort}]
	if s.Has(FlagRST) || c == nil {
		// RSTs, and SYN-ACKs carrying a SYN cookie, belong to no
		// connection.
		return
	}
	if s.Has(FlagSYN) {
		// Fast Open data on a SYN is sized before the peer's MSS is
		// negotiated: by the cached one, never above our own.
		if len(s.Payload) > 0 && (s.Has(FlagACK) || !c.cfg.FastOpen || len(s.Payload) > c.cfg.MSS-s.Opts.EncodedLen()) {
			t.Fatalf("SYN with %d bytes of data (flags %#x, Fast Open %v)", len(s.Payload), s.Flags, c.cfg.FastOpen)
		}
	} else if len(s.Payload) > c.sndMSS {
		t.Fatalf("segment of %d bytes exceeds the send MSS %d", len(s.Payload), c.sndMSS)
	}
	if len(s.Payload) > 0 && !s.Has(FlagACK) && !s.Has(FlagSYN) {
		t.Fatalf("data segment without ACK")
	}
	if end := s.Seq.Add(s.SeqLen()); s.SeqLen() > 0 && (s.Seq.LT(c.iss) || end.GT(c.sndMax)) {
		t.Fatalf("segment [%d, %d) lies outside [ISS, SND.MAX = %d)", s.Seq.Sub(c.iss), end.Sub(c.iss), c.sndMax.Sub(c.iss))
	}
	if s.Has(FlagSYN) != (c.state == SynSent || c.state == SynReceived) && !(c.tfo.child && c.state == SynReceived) {
		// A Fast Open server sends data in SYN-RECEIVED.
		t.Fatalf("SYN flag %v in %v", s.Has(FlagSYN), c.state)
	}
	if s.Has(FlagACK) {
		if s.Ack != c.rcvNxt() {
			t.Fatalf("segment acknowledges %d, RCV.NXT is %d", s.Ack.Sub(c.irs), c.rcvNxt().Sub(c.irs))
		}
		wnd := int(s.Window)
		if !s.Has(FlagSYN) {
			wnd <<= c.rcvShift
		}
		if wnd > c.rcvBuf.window() {
			t.Fatalf("%v advertises a window of %d (field %d, shift %d) beyond the free receive buffer %d: in-window bytes would have no place in the ring (RCV.NXT %d, advertised edge %d, relative to IRS)",
				c.state, wnd, s.Window, c.rcvShift, c.rcvBuf.window(), c.rcvNxt().Sub(c.irs), c.rcvAdv.Sub(c.irs))
		}
	}
}

// connHistory checks what must not move backwards between two checks of the
// same connection: the acknowledged and sent sequence space, RCV.NXT, the
// advertised window's right edge (RFC 9293 §3.8.6.2.2: a receiver should
// not shrink its window), the initial sequence numbers, and the state, which
// only follows the arrows of RFC 9293's state diagram (§3.3.2).
type connHistory struct {
	seen map[*Conn]connMark
}

type connMark struct {
	state          State
	sndUna, sndMax Seq
	rcvNxt, rcvAdv Seq
	iss, irs       Seq
}

// stateMoves lists, for each state, the states a connection may go to.
var stateMoves = [...][]State{
	Closed:      nil,
	SynSent:     {SynReceived, Established, Closed},
	SynReceived: {Established, FinWait1, CloseWait, Closed},
	Established: {FinWait1, CloseWait, Closed},
	FinWait1:    {FinWait2, Closing, TimeWait, Closed},
	FinWait2:    {TimeWait, Closed},
	CloseWait:   {LastAck, Closed},
	Closing:     {TimeWait, Closed},
	LastAck:     {Closed},
	TimeWait:    {Closed},
}

// reachable reports whether the diagram leads from one state to another
// in one or more moves: several may happen between two checks (an arriving
// ACK completes the handshake and the application closes at once).
func reachable(from, to State) bool {
	var seen [TimeWait + 1]bool
	stack := []State{from}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, n := range stateMoves[s] {
			if n == to {
				return true
			}
			if !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
	}
	return false
}

func newConnHistory() *connHistory { return &connHistory{seen: make(map[*Conn]connMark)} }

// check compares c with its previous mark and records the new one.
func (h *connHistory) check(t testing.TB, c *Conn) {
	m := connMark{
		state: c.state, sndUna: c.sndUna, sndMax: c.sndMax,
		rcvNxt: c.rcvNxt(), rcvAdv: c.rcvAdv, iss: c.iss, irs: c.irs,
	}
	prev, ok := h.seen[c]
	h.seen[c] = m
	if !ok {
		return
	}
	if prev.state != m.state && !reachable(prev.state, m.state) {
		t.Fatalf("connection %d→%d went from %v to %v, which RFC 9293 §3.3.2 does not allow",
			c.id.localPort, c.id.remotePort, prev.state, m.state)
	}
	if prev.iss != m.iss {
		t.Fatalf("ISS changed from %d to %d", prev.iss, m.iss)
	}
	if prev.state != SynSent && prev.irs != m.irs {
		t.Fatalf("IRS changed from %d to %d in %v", prev.irs, m.irs, m.state)
	}
	if m.sndUna.LT(prev.sndUna) || m.sndMax.LT(prev.sndMax) {
		t.Fatalf("send space moved back: SND.UNA %d→%d, SND.MAX %d→%d (relative to ISS)",
			prev.sndUna.Sub(c.iss), m.sndUna.Sub(c.iss), prev.sndMax.Sub(c.iss), m.sndMax.Sub(c.iss))
	}
	if prev.state != SynSent && m.state != SynSent {
		if m.rcvNxt.LT(prev.rcvNxt) {
			t.Fatalf("RCV.NXT moved back from %d to %d", prev.rcvNxt.Sub(c.irs), m.rcvNxt.Sub(c.irs))
		}
		advertised := prev.rcvAdv.GEQ(prev.rcvNxt) && prev.rcvAdv.Sub(prev.rcvNxt) <= c.rcvBuf.limit
		if advertised && m.rcvAdv.LT(prev.rcvAdv) {
			t.Fatalf("advertised right edge moved left from %d to %d (RFC 9293 §3.8.6.2.2)",
				prev.rcvAdv.Sub(c.irs), m.rcvAdv.Sub(c.irs))
		}
	}
}

// checkAll runs the host checks on every host and the history checks on
// every connection they hold, and forgets connections that have closed.
func (h *connHistory) checkAll(t testing.TB, now units.Time, hosts ...*Host) {
	for c := range h.seen {
		if c.state == Closed {
			delete(h.seen, c)
		}
	}
	for _, host := range hosts {
		checkHostInvariants(t, host, now)
		for _, c := range host.order {
			h.check(t, c)
		}
	}
}
