package packetdrill

// Script packets, both ways, after packetdrill's run_packet.c.
//
// Sequence numbers: on a SYN the script's sequence number is absolute;
// on other segments it is relative to the sender's ISN. The peer's ISN is
// the sequence number the script writes on its SYN. The host's ISN is
// learnt from its first SYN (or SYN-ACK), whose script sequence number is
// whatever the script wrote there (usually 0). ACK numbers and SACK
// blocks are relative to the other side's ISN, except on SYNs, where an
// outbound SYN-ACK's ack is absolute.
//
// Timestamps: the peer's TS val is sent as written. An inbound TS ecr
// names a TS val of an earlier outbound script packet and is mapped to
// the value the host really sent there; one no outbound packet wrote is
// extrapolated from the first pair seen (packetdrill's
// --tcp_ts_ecr_scaled). Outbound TS val and ecr are not checked, unless
// Options.TSTickUsecs asks for the val to be.
//
// Matching an outbound packet checks every flag (the script does not
// write TSO segments, so FIN, PSH and CWR are checked strictly), the
// sequence number and payload length, the ACK number, the window if
// written, the ECN codepoint or TOS and TTL if written, and the options
// unless written <...>: the same kinds in the same order, nop and eol
// included, with the same values (MSS, wscale, SACK blocks, Fast Open
// cookie). The payload is not compared: the application's bytes are
// zeros on both sides, as packetdrill's.

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// inject sends a script packet to the host.
func (r *runner) inject(ps *PacketSpec) {
	h := r.ensureHost()
	syn := ps.Flags&flagSYN != 0
	u := r.sut
	created := false
	if u == nil || u.listening || syn && ps.Flags&flagACK == 0 && u.hostPort == 0 {
		// Any segment to a listener makes a new child socket under test,
		// from a new peer port (handle_listen_for_script_packet does not
		// ask for a SYN: an ACK to a listener is a child too, whose
		// RST the script then expects).
		port := r.listenerPort()
		if port == 0 {
			// No listener: the SYN goes to the port a listener would
			// have, and the host answers as a closed port does.
			port = defaultBindPort
		}
		u = &sut{hostPort: port, peerPort: r.nextPort, tsMap: map[uint32]uint32{}}
		r.nextPort++
		r.sut = u
		created = true
	}
	if u == nil || u.hostPort == 0 {
		r.unsupported("an inbound packet with no socket to receive it")
	}
	// The peer's ISN is learnt as packetdrill's run_packet.c learns it:
	// from the segment that makes a listener's child (a new socket under
	// test, above) or from the first SYN-ACK an active open receives. A later
	// SYN on the same socket under test (one the connection answers with a
	// challenge ACK, or a new SYN to a TIME-WAIT socket) keeps the mapping,
	// so the ACKs it draws still read relative to the first ISN.
	if created || syn && !u.haveRemote && ps.Flags&flagACK != 0 {
		u.remoteISN, u.haveRemote = ps.Seq, true
	}
	seg := wire.Segment{
		Header: wire.Header{
			Src:     peerAddr,
			Dst:     hostAddr,
			SrcPort: u.peerPort,
			DstPort: u.hostPort,
			Flags:   ps.Flags,
			Window:  uint16(ps.Win),
			TTL:     64,
		},
	}
	if ps.TTL > 0 {
		seg.TTL = uint8(ps.TTL)
	}
	if ps.ECN >= 0 {
		seg.ECN = uint8(ps.ECN)
	} else if ps.TOS >= 0 {
		seg.ECN = uint8(ps.TOS & 3)
	}
	seg.Seq = wire.Seq(ps.Seq + r.remoteSeqOffset(syn))
	ackOff := r.localSeqOffset(syn)
	if ps.Flags&flagACK != 0 {
		seg.Ack = wire.Seq(ps.Ack + ackOff)
	} else {
		seg.Ack = wire.Seq(ps.Ack)
	}
	for _, o := range ps.Options {
		switch o.Kind {
		case optMSS:
			seg.Opts.HasMSS, seg.Opts.MSS = true, uint16(o.Value)
		case optWScale:
			seg.Opts.HasWScale, seg.Opts.WScale = true, uint8(o.Value)
		case optSACKOK:
			seg.Opts.SACKPermitted = true
		case optTS:
			seg.Opts.HasTimestamps = true
			seg.Opts.TSVal = o.TSVal
			seg.Opts.TSEcr = o.TSEcr
			if ps.Flags&flagACK != 0 {
				seg.Opts.TSEcr = r.mapEcr(o.TSEcr)
			}
		case optSACK:
			for _, b := range o.SACK {
				if seg.Opts.NumSACK == wire.MaxSACKBlocks {
					r.unsupported("more than %d SACK blocks", wire.MaxSACKBlocks)
				}
				seg.Opts.SACK[seg.Opts.NumSACK] = wire.SACKBlock{Start: wire.Seq(b[0] + ackOff), End: wire.Seq(b[1] + ackOff)}
				seg.Opts.NumSACK++
			}
		case optFastOpen:
			seg.Opts.FastOpen = true
			seg.Opts.FastOpenCookieLen = uint8(copy(seg.Opts.FastOpenCookie[:], o.Cookie))
		}
	}
	if syn && seg.Opts.HasMSS {
		u.peerMSS = int(seg.Opts.MSS)
	}
	r.trace("%s", r.ev.Text)
	// A payload larger than a packet is a GRO aggregate in packetdrill's
	// terms: it is sent as consecutive segments of the peer's MSS, with
	// FIN and PSH on the last one only.
	chunk := u.peerMSS
	if chunk <= 0 {
		chunk = 1460
	}
	// The MSS counts data only when there are no options (RFC 6691).
	chunk -= seg.Opts.EncodedLen()
	if r.opts.InboundMSS > 0 {
		chunk = r.opts.InboundMSS // packetdrill's GSO size: payload bytes
	}
	if ps.Len <= 1500-40-seg.Opts.EncodedLen() {
		chunk = max(ps.Len, 1)
	}
	for off := 0; off < max(ps.Len, 1); off += chunk {
		n := min(chunk, ps.Len-off)
		s := seg
		s.Seq = seg.Seq.Add(off)
		if off+n < ps.Len {
			s.Flags &^= flagFIN | flagPSH
		}
		p := r.pool.Get()
		payload := wire.ReservePayload(p, n)
		clear(payload)
		wire.EncodeSegment(p, &s)
		h.Input(r.now, p)
	}
	r.step()
}

// listenerPort is the port of the listening socket under test, or 0.
func (r *runner) listenerPort() uint16 {
	if r.sut != nil && r.sut.listening {
		return r.sut.hostPort
	}
	return 0
}

// remoteSeqOffset maps the peer's script sequence numbers to live ones.
func (r *runner) remoteSeqOffset(syn bool) uint32 {
	if syn || r.sut == nil {
		return 0
	}
	return r.sut.remoteISN
}

// localSeqOffset maps the host's script sequence numbers to live ones.
func (r *runner) localSeqOffset(syn bool) uint32 {
	u := r.sut
	if u == nil {
		return 0
	}
	if syn {
		return u.localISN - u.scriptLocalISN
	}
	return u.localISN
}

// mapEcr turns an inbound script TS ecr into the live value.
func (r *runner) mapEcr(ecr uint32) uint32 {
	u := r.sut
	if v, ok := u.tsMap[ecr]; ok {
		return v
	}
	if u.haveTS {
		return ecr - u.firstScriptTS + u.firstLiveTS
	}
	r.stop(Result{Kind: Error, Msg: fmt.Sprintf("unable to infer live TS ecr for script TS ecr %d: no matching or preceding outbound TS val", ecr)})
	return 0
}

// expect matches the next packet the host sends against an outbound
// script packet.
func (r *runner) expect(ev *Event, startUs, endUs int64) {
	ps := ev.Packet
	limit := usToTime(endUs + r.tolerance(startUs, r.lastEventUs())).Add(sniffSlack)
	if ev.Time.Kind == TimeAny {
		limit = r.now.Add(blockingLimit)
	}
	if !r.advanceUntilSent(max(limit, r.now)) {
		r.stop(Result{Kind: Fail, Msg: fmt.Sprintf("expected a packet at %.6f s; nothing was sent (waited until %.6f s)",
			float64(startUs)/1e6, r.now.Seconds()), Expected: fmt.Sprintf("%.6f %s", float64(startUs)/1e6, ev.Text)})
	}
	got := r.pending[0]
	r.pending = r.pending[1:]
	if !r.opts.StrictSegments {
		got = r.aggregate(got, ps.Len, limit)
	}
	u := r.sut
	if got.seg.Flags&flagSYN != 0 && (!u.haveLocal || u.localGuessed) {
		u.localISN, u.scriptLocalISN, u.haveLocal, u.localGuessed = uint32(got.seg.Seq), ps.Seq, true, false
	}
	diff := r.matchPacket(ps, &got)
	actual := r.formatLive(&got.seg, got.raw)
	if diff == "" {
		diff = r.checkTime(ev.Time.Kind, startUs, endUs, r.lastEventUs(), got.at, "outbound packet")
	}
	if diff != "" {
		msg := diff
		if timeToUs(got.at) < startUs-r.tolerance(startUs, r.lastEventUs()) && !strings.HasPrefix(diff, "timing") {
			msg = "unexpected packet (sent before the script expected anything): " + diff
		}
		r.stop(Result{Kind: Fail, Msg: msg, Expected: fmt.Sprintf("%.6f %s", float64(startUs)/1e6, ev.Text),
			Actual: fmt.Sprintf("%.6f > %s", got.at.Seconds(), actual)})
	}
	r.now = max(r.now, got.at)
}

// aggregate joins consecutive packets into one of want payload bytes, as
// packetdrill does for scripts written for TSO and GSO (Linux sends one
// 10-segment packet where the stack sends ten): it keeps taking packets
// while the payload is short, each sent at the same instant as the first
// (Linux's one packet leaves at one time; segments sent later, after an
// ACK or a write, would have been another packet) and continuing the
// previous one with the
// same flags (FIN, PSH and CWR aside), ACK, window and ECN codepoint and,
// except the last, the same size.
// The result has the first packet's sequence number and CWR flag and the
// last one's other headers, options and time.
func (r *runner) aggregate(first sent, want int, limit units.Time) sent {
	total := len(first.seg.Payload)
	if total == 0 || total >= want {
		return first
	}
	last := first
	payload := append([]byte(nil), first.seg.Payload...)
	const loose = flagFIN | flagPSH | flagCWR
	for total < want {
		if len(r.pending) == 0 && !r.advanceUntilSent(max(limit, r.now)) {
			break
		}
		next := r.pending[0]
		n := len(next.seg.Payload)
		if next.at != first.at ||
			next.seg.Seq != last.seg.Seq.Add(len(last.seg.Payload)) || n == 0 ||
			next.seg.Flags&^loose != last.seg.Flags&^loose || next.seg.Ack != last.seg.Ack ||
			next.seg.Window != last.seg.Window || next.seg.ECN != last.seg.ECN ||
			n != len(last.seg.Payload) && n < want-total {
			break
		}
		r.pending = r.pending[1:]
		payload = append(payload, next.seg.Payload...)
		total += n
		last = next
	}
	if last.at == first.at && total == len(first.seg.Payload) {
		return first
	}
	agg := last
	agg.seg.Seq = first.seg.Seq
	agg.seg.Flags = last.seg.Flags&^flagCWR | first.seg.Flags&flagCWR
	agg.seg.Payload = payload
	return agg
}

// matchPacket compares a live packet with the script's, after mapping it
// into script space, and says what differs first.
func (r *runner) matchPacket(ps *PacketSpec, got *sent) string {
	u := r.sut
	seg := &got.seg
	syn := seg.Flags&flagSYN != 0
	if seg.Flags != ps.Flags {
		return fmt.Sprintf("bad flags: expected %s, actual %s", flagString(ps.Flags), flagString(seg.Flags))
	}
	seq := uint32(seg.Seq) - r.localSeqOffset(syn)
	if seq != ps.Seq || len(seg.Payload) != ps.Len {
		return fmt.Sprintf("bad sequence range: expected %d:%d(%d), actual %d:%d(%d)",
			ps.Seq, ps.Seq+uint32(ps.Len), ps.Len, seq, seq+uint32(len(seg.Payload)), len(seg.Payload))
	}
	ack := uint32(seg.Ack)
	if seg.Flags&flagACK != 0 {
		ack -= r.remoteSeqOffset(syn)
	}
	if ack != ps.Ack {
		return fmt.Sprintf("bad ack: expected %d, actual %d", ps.Ack, ack)
	}
	if ps.HasWin && int(seg.Window) != ps.Win {
		return fmt.Sprintf("bad window: expected %d, actual %d", ps.Win, seg.Window)
	}
	switch {
	case ps.ECN == ecnECT01:
		if seg.ECN != wire.ECNECT0 && seg.ECN != wire.ECNECT1 {
			return fmt.Sprintf("bad ECN: expected ECT(0) or ECT(1), actual %s", ecnName(seg.ECN))
		}
	case ps.ECN >= 0:
		if int(seg.ECN) != ps.ECN {
			return fmt.Sprintf("bad ECN: expected %s, actual %s", ecnName(uint8(ps.ECN)), ecnName(seg.ECN))
		}
	case ps.TOS >= 0:
		if tos := wire.IPv4Header(got.raw).TOS(); int(tos) != ps.TOS {
			return fmt.Sprintf("bad tos: expected %#x, actual %#x", ps.TOS, tos)
		}
	}
	if ps.TTL > 0 && int(seg.TTL) != ps.TTL {
		return fmt.Sprintf("bad ttl: expected %d, actual %d", ps.TTL, seg.TTL)
	}
	live := rawOptions(got.raw)
	// Remember the TS val mapping whether or not options are checked.
	for _, o := range ps.Options {
		if o.Kind != optTS {
			continue
		}
		for _, l := range live {
			if l.Kind == optTS {
				u.tsMap[o.TSVal] = l.TSVal
				if !u.haveTS {
					u.haveTS, u.firstScriptTS, u.firstLiveTS = true, o.TSVal, l.TSVal
				}
			}
		}
	}
	if ps.NoCheck {
		return ""
	}
	if len(live) != len(ps.Options) {
		return fmt.Sprintf("bad outbound TCP options: expected <%s>, actual <%s>", optionsString(ps.Options), r.liveOptionsString(live, syn))
	}
	ackOff := r.remoteSeqOffset(syn)
	for i, want := range ps.Options {
		l := live[i]
		if l.Kind != want.Kind {
			return fmt.Sprintf("bad outbound TCP options: expected <%s>, actual <%s>", optionsString(ps.Options), r.liveOptionsString(live, syn))
		}
		bad := false
		switch want.Kind {
		case optMSS, optWScale:
			bad = l.Value != want.Value
		case optTS:
			if r.opts.TSTickUsecs > 0 && u.haveTS {
				scriptVal := u.firstScriptTS + (l.TSVal - u.firstLiveTS)
				dev := mathAbs(int64(int32(scriptVal-want.TSVal))) * r.opts.TSTickUsecs
				if dev > r.tolerance(r.eventStartUs, 0) {
					return fmt.Sprintf("bad outbound TCP timestamp value: expected %d, actual %d", want.TSVal, scriptVal)
				}
			}
		case optSACK:
			if len(l.SACK) != len(want.SACK) {
				bad = true
				break
			}
			for j, b := range l.SACK {
				if b[0]-ackOff != want.SACK[j][0] || b[1]-ackOff != want.SACK[j][1] {
					bad = true
				}
			}
		case optFastOpen:
			bad = !bytes.Equal(l.Cookie, want.Cookie)
		}
		if bad {
			return fmt.Sprintf("bad value in outbound TCP option %d: expected <%s>, actual <%s>", i+1, optionsString(ps.Options), r.liveOptionsString(live, syn))
		}
	}
	return ""
}

// rawOptions walks the options of a live IPv4/TCP packet in order.
func rawOptions(raw []byte) []Option {
	ip := wire.IPv4Header(raw)
	b := wire.TCPHeader(raw[ip.HeaderLen():]).Options()
	var out []Option
	for len(b) > 0 {
		kind, data, n, ok := wire.NextOption(b)
		if !ok {
			out = append(out, Option{Kind: optUnknownTo})
			break
		}
		o := Option{Kind: OptionKind(kind)}
		// The fields of the one option, read by the codec; a length wrong
		// for the kind leaves them unset.
		var parsed wire.Options
		valid := wire.ParseOptions(b[:n], &parsed) == nil
		switch o.Kind {
		case optMSS:
			if valid {
				o.Value = int(parsed.MSS)
			}
		case optWScale:
			if valid {
				o.Value = int(parsed.WScale)
			}
		case optTS:
			if valid {
				o.TSVal, o.TSEcr = parsed.TSVal, parsed.TSEcr
			}
		case optSACK:
			for _, blk := range parsed.SACK[:parsed.NumSACK] {
				o.SACK = append(o.SACK, [2]uint32{uint32(blk.Start), uint32(blk.End)})
			}
		case optFastOpen:
			o.Cookie = append([]byte(nil), data...)
		}
		out = append(out, o)
		b = b[n:]
	}
	return out
}

var flagOrder = []struct {
	bit uint8
	c   byte
}{{flagSYN, 'S'}, {flagFIN, 'F'}, {flagRST, 'R'}, {flagPSH, 'P'}, {flagURG, 'U'}, {flagECE, 'E'}, {flagCWR, 'W'}, {flagACK, '.'}}

func flagString(f uint8) string {
	var b []byte
	for _, fl := range flagOrder {
		if f&fl.bit != 0 {
			b = append(b, fl.c)
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

func ecnName(e uint8) string {
	return [...]string{"noecn", "ect1", "ect0", "ce"}[e&3]
}

func optionsString(opts []Option) string {
	s := make([]string, len(opts))
	for i, o := range opts {
		s[i] = o.String()
	}
	return strings.Join(s, ",")
}

func (o Option) String() string {
	switch o.Kind {
	case optNOP:
		return "nop"
	case optEOL:
		return "eol"
	case optMSS:
		return fmt.Sprintf("mss %d", o.Value)
	case optWScale:
		return fmt.Sprintf("wscale %d", o.Value)
	case optSACKOK:
		return "sackOK"
	case optTS:
		return fmt.Sprintf("TS val %d ecr %d", o.TSVal, o.TSEcr)
	case optSACK:
		var b []string
		for _, blk := range o.SACK {
			b = append(b, fmt.Sprintf("%d:%d", blk[0], blk[1]))
		}
		return "sack " + strings.Join(b, " ")
	case optFastOpen:
		if len(o.Cookie) == 0 {
			return "FO"
		}
		return fmt.Sprintf("FO %x", o.Cookie)
	}
	return fmt.Sprintf("kind %d", o.Kind)
}

// liveOptionsString writes live options in script space (SACK blocks
// relative, TS val mapped).
func (r *runner) liveOptionsString(live []Option, syn bool) string {
	u := r.sut
	out := make([]Option, len(live))
	for i, o := range live {
		switch o.Kind {
		case optSACK:
			off := r.remoteSeqOffset(syn)
			blocks := make([][2]uint32, len(o.SACK))
			for j, b := range o.SACK {
				blocks[j] = [2]uint32{b[0] - off, b[1] - off}
			}
			o.SACK = blocks
		case optTS:
			if u != nil && u.haveTS {
				o.TSVal = u.firstScriptTS + (o.TSVal - u.firstLiveTS)
			}
		}
		out[i] = o
	}
	return optionsString(out)
}

// formatLive writes a live outbound packet in script notation.
func (r *runner) formatLive(seg *wire.Segment, raw []byte) string {
	syn := seg.Flags&flagSYN != 0
	var b strings.Builder
	if seg.ECN != 0 {
		fmt.Fprintf(&b, "[%s] ", ecnName(seg.ECN))
	}
	seq := uint32(seg.Seq)
	ack := uint32(seg.Ack)
	if u := r.sut; u != nil && r.belongsToSUT(seg) {
		if u.haveLocal || !syn {
			seq -= r.localSeqOffset(syn)
		} else {
			seq = 0 // the first SYN defines the mapping
		}
		if seg.Flags&flagACK != 0 {
			ack -= r.remoteSeqOffset(syn)
		}
	}
	fmt.Fprintf(&b, "%s %d:%d(%d)", flagString(seg.Flags), seq, seq+uint32(len(seg.Payload)), len(seg.Payload))
	if seg.Flags&flagACK != 0 || ack != 0 {
		fmt.Fprintf(&b, " ack %d", ack)
	}
	fmt.Fprintf(&b, " win %d", seg.Window)
	if live := rawOptions(raw); len(live) > 0 {
		fmt.Fprintf(&b, " <%s>", r.liveOptionsString(live, syn))
	}
	return b.String()
}
