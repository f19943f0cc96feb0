// Package pathrtt measures each flow's round-trip time passively, from the
// TCP segments and ACKs that cross a point on the sender's side of the
// path, the same way in every driver: the sim driver feeds it at the
// sender host's output and input, the tun driver at the relay's forward
// enqueue and reverse release. Its samples are what a run's RTT
// percentiles (metrics.FlowSummary's rtt_*) report, so a simulated run and
// a real-time one are comparable; each sender's own smoothed RTT (the
// stack's srtt, the kernel's TCP_INFO) is reported beside them as srtt_*.
//
// The model, per flow:
//
//   - A data segment leaving the sender (payload, SYN or FIN: anything
//     that takes sequence space) is remembered as (end seq, time) in a ring
//     of outstanding segments, in sending order.
//   - A segment whose range starts below the highest end seen is a
//     retransmission; every outstanding entry its range overlaps is
//     marked as sent more than once.
//   - An ACK arriving for the sender whose cumulative ACK number moves
//     past one or more outstanding entries retires them and yields one
//     sample, now minus the send time of the newest entry it fully
//     covers, unless any retired entry was sent more than once: Karn's
//     rule (RFC 6298 §3), as Linux applies it in tcp_clean_rtx_queue (no
//     sequence RTT sample when retransmitted data is acknowledged), since
//     the ACK may answer either copy.
//
// What a sample includes: everything between the observation point and
// the receiver and back (links, queues, the receiver's processing),
// excluding only the time the sender's own host holds a segment before it
// reaches the point and an ACK after it. A receiver that delays its ACKs
// (RFC 9293's delayed ACK, Linux's 40 ms minimum) inflates the samples of
// the segments it holds, exactly as it inflates the sender's own
// estimator; SACK blocks and duplicate ACKs yield nothing (only the
// cumulative ACK retires segments), which is what makes this comparable
// across senders that differ in SACK and timestamp use.
//
// Cost: one header parse (or, for headers carried as metadata, a copy of
// a few fields) and a few comparisons per packet, no allocation
// once a flow's ring has grown to the flow's largest flight (it starts at
// ringInitial entries and doubles up to ringMax, so a thousand idle flows
// cost a thousand small rings, not a thousand flights at the link's BDP).
// A flight beyond ringMax drops the oldest entries; their samples are
// lost (counted in Overflows), never wrong: a retransmission of an
// untracked range taints every ACK up to its end.
package pathrtt

import (
	"encoding/binary"
	"unsafe"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

const (
	// ringInitial is the entries a flow's ring starts with: a little
	// above Linux's initial window of 10 segments, so short flows never
	// grow it.
	ringInitial = 16
	// ringMax bounds a flow's ring: 65 536 entries of 16 B (1 MiB) hold
	// a flight of 95 MB at 1448-byte segments, 7.6 s of a 100 Mbit/s
	// link, far more than any buffer the stack or the kernel is given.
	ringMax = 1 << 16
)

// Segment is what the monitor reads of a TCP segment: its connection, its
// sequence range and its cumulative ACK.
type Segment struct {
	Src, Dst         wire.Addr
	SrcPort, DstPort uint16
	Seq, Ack         wire.Seq
	// SeqLen is the segment's length in sequence space: payload, plus
	// one each for SYN and FIN.
	SeqLen int
	Flags  uint8
}

// Parse reads the IPv4 and TCP headers of datagram b into s. It reports
// false for anything that is not an unfragmented IPv4 TCP segment whose
// headers fit in b; checksums are not checked (the endpoints do that). The
// sequence length comes from the IPv4 total length, not len(b), so a
// datagram whose payload bytes are virtual (stack.Config.VirtualPayload)
// or trimmed reads the same as a full one.
func Parse(b []byte, s *Segment) bool {
	if len(b) < wire.IPv4MinHeaderLen {
		return false
	}
	ip := wire.IPv4Header(b)
	ihl := ip.HeaderLen()
	if ip.Version() != wire.IPv4Version || ip.Protocol() != wire.IPv4ProtocolTCP ||
		ihl < wire.IPv4MinHeaderLen || len(b) < ihl+wire.TCPMinHeaderLen {
		return false
	}
	// A fragment other than the first has no TCP header; a first
	// fragment's payload length is not the segment's.
	if ip.Flags()&wire.IPv4FlagMF != 0 || ip.FragmentOffset() != 0 {
		return false
	}
	tcp := wire.TCPHeader(b[ihl:])
	doff := tcp.DataOffset()
	total := int(ip.TotalLen())
	if doff < wire.TCPMinHeaderLen || total < ihl+doff {
		return false
	}
	s.Src, s.Dst = ip.Src(), ip.Dst()
	s.SrcPort = binary.BigEndian.Uint16(tcp[0:])
	s.DstPort = binary.BigEndian.Uint16(tcp[2:])
	s.Seq, s.Ack = tcp.SeqNum(), tcp.AckNum()
	s.Flags = tcp.Flags()
	s.SeqLen = seqLen(total-ihl-doff, s.Flags)
	return true
}

// seqLen is a segment's length in sequence space: its payload, plus one
// each for SYN and FIN.
func seqLen(payload int, flags uint8) int {
	if flags&wire.FlagSYN != 0 {
		payload++
	}
	if flags&wire.FlagFIN != 0 {
		payload++
	}
	return payload
}

// ParsePacket is Parse for a packet, which may carry its headers as
// metadata (wire.EncodeVirtual): then they are read from there, and the
// sequence length from the packet's length.
func ParsePacket(p *packet.Packet, s *Segment) bool {
	if h := wire.VirtualHeader(p); h != nil {
		s.fromHeader(h, p)
		return true
	}
	return Parse(p.Bytes(), s)
}

// fromHeader is ParsePacket for a packet whose headers are metadata, as
// every packet of a simulated run is: OutboundOf and InboundOf read those
// without ParsePacket's call.
func (s *Segment) fromHeader(h *wire.Header, p *packet.Packet) {
	// One address at a time: assigned together, the two arrays would
	// go through a temporary.
	s.Src = h.Src
	s.Dst = h.Dst
	s.SrcPort, s.DstPort = h.SrcPort, h.DstPort
	s.Seq, s.Ack = h.Seq, h.Ack
	s.Flags = h.Flags
	s.SeqLen = seqLen(p.Len()-p.MetaHeaderLen(), h.Flags)
}

// tuple is a connection's addresses and ports as a Segment and a
// wire.Header hold them, source then destination, in their memory layout:
// comparing two tuples compares the four fields with two loads a side
// where four separate comparisons would take four.
type tuple [12]byte

// Both types must keep the four fields first and in that order: Src at 0
// and DstPort at 10 leave no room between them.
var (
	_ [unsafe.Offsetof(Segment{}.DstPort) - 10]struct{}
	_ [10 - unsafe.Offsetof(Segment{}.DstPort)]struct{}
	_ [unsafe.Offsetof(wire.Header{}.DstPort) - 10]struct{}
	_ [10 - unsafe.Offsetof(wire.Header{}.DstPort)]struct{}
	_ [0 - unsafe.Offsetof(Segment{}.Src)]struct{}
	_ [0 - unsafe.Offsetof(wire.Header{}.Src)]struct{}
)

func (s *Segment) tuple() *tuple { return (*tuple)(unsafe.Pointer(&s.Src)) }

func headerTuple(h *wire.Header) *tuple { return (*tuple)(unsafe.Pointer(&h.Src)) }

// FlowOf names the flow a segment belongs to, as an index into the
// monitor's histograms, or -1 for a segment of no measured flow. outbound
// is true for a segment leaving the sender's side (data), false for one
// arriving at it (an ACK).
type FlowOf func(s *Segment, outbound bool) int

// Monitor measures the RTT of every flow whose segments it is shown. It is
// not safe for concurrent use: one driver goroutine feeds it (the sim's
// event loop, the relay's thread), and the histograms it fills are read
// once that goroutine is done.
type Monitor struct {
	flows  []flowState
	flowOf FlowOf
	seg    Segment
	// Overflows counts outstanding entries dropped because a flow's
	// flight outgrew ringMax; Retransmits the retransmitted segments
	// seen; Ambiguous the ACKs that retired data but gave no sample
	// under Karn's rule.
	Overflows, Retransmits, Ambiguous int64
}

// flowState is one flow's connection and its outstanding segments.
type flowState struct {
	// open is set once the flow's first segment was seen; fwd is its
	// connection's tuple as the sender's segments carry it, rev as its
	// ACKs do.
	open     bool
	fwd, rev tuple
	// ring holds the outstanding segments in sending order, ends
	// increasing: the oldest at ring[head], n of them, len(ring) a power
	// of two.
	ring    []outstanding
	head, n int
	// sndNxt is the highest end sent; sndUna the highest cumulative ACK
	// seen (once acked is set).
	sndNxt, sndUna wire.Seq
	acked          bool
	// taint, while taintSet, is the end of a retransmitted range the ring
	// no longer holds: an ACK that retires data below it gives no sample.
	taint    wire.Seq
	taintSet bool
	// droppedEnd, once dropped is set, is the end of the newest entry the
	// ring dropped when the flight outgrew ringMax.
	droppedEnd wire.Seq
	dropped    bool
	// hist receives the flow's samples.
	hist *metrics.Histogram
}

// outstanding is one segment sent and not yet cumulatively acknowledged.
type outstanding struct {
	end wire.Seq
	// retx is set when any of the segment's range was sent again.
	retx bool
	at   units.Time
}

// New returns a monitor recording flow i's samples into hists[i], with
// flowOf naming each segment's flow. The histograms must outlive the
// monitor's use.
func New(hists []*metrics.Histogram, flowOf FlowOf) *Monitor {
	m := &Monitor{flows: make([]flowState, len(hists)), flowOf: flowOf}
	for i, h := range hists {
		m.flows[i].hist = h
	}
	return m
}

// Outbound shows the monitor datagram p leaving the sender's side of the
// path at now. A segment of no measured flow, or not TCP, is ignored.
func (m *Monitor) Outbound(now units.Time, p *packet.Packet) {
	if m == nil || !ParsePacket(p, &m.seg) {
		return
	}
	m.outbound(now, m.flowOf(&m.seg, true))
}

// Inbound shows the monitor datagram p arriving at the sender's side of
// the path at now; an ACK for a measured flow may yield a sample.
func (m *Monitor) Inbound(now units.Time, p *packet.Packet) {
	if m == nil || !ParsePacket(p, &m.seg) {
		return
	}
	m.inbound(now, m.flowOf(&m.seg, false))
}

// OutboundOf and InboundOf are Outbound and Inbound for a driver that
// knows p's flow, i, as the one FlowOf would name: the simulator, which
// feeds the monitor at a flow's own sender host. They skip the lookup.
// Their first lines are the same, written twice: a shared helper does not
// inline, and its call cost 0.64% of the bottleneck run's instructions.
func (m *Monitor) OutboundOf(now units.Time, p *packet.Packet, i int) {
	if m == nil || uint(i) >= uint(len(m.flows)) {
		return
	}
	if h := wire.VirtualHeader(p); h != nil {
		m.sent(now, &m.flows[i], headerTuple(h), h.Seq, seqLen(p.Len()-p.MetaHeaderLen(), h.Flags), h.Flags)
	} else if Parse(p.Bytes(), &m.seg) {
		m.sent(now, &m.flows[i], m.seg.tuple(), m.seg.Seq, m.seg.SeqLen, m.seg.Flags)
	}
}

func (m *Monitor) InboundOf(now units.Time, p *packet.Packet, i int) {
	if m == nil || uint(i) >= uint(len(m.flows)) {
		return
	}
	if h := wire.VirtualHeader(p); h != nil {
		m.ack(now, &m.flows[i], headerTuple(h), h.Ack, h.Flags)
	} else if Parse(p.Bytes(), &m.seg) {
		m.ack(now, &m.flows[i], m.seg.tuple(), m.seg.Ack, m.seg.Flags)
	}
}

func (m *Monitor) outbound(now units.Time, i int) {
	if i < 0 || i >= len(m.flows) {
		return
	}
	s := &m.seg
	m.sent(now, &m.flows[i], s.tuple(), s.Seq, s.SeqLen, s.Flags)
}

func (m *Monitor) inbound(now units.Time, i int) {
	if i < 0 || i >= len(m.flows) {
		return
	}
	s := &m.seg
	m.ack(now, &m.flows[i], s.tuple(), s.Ack, s.Flags)
}

// sent records a segment the flow's sender sent: its connection t, its
// sequence number, its length in sequence space and its flags.
func (m *Monitor) sent(now units.Time, f *flowState, t *tuple, seq wire.Seq, seqLen int, flags uint8) {
	// A segment that takes no sequence space changes nothing, even of
	// a new connection: it starts tracking with its first that does.
	if flags&wire.FlagRST != 0 || seqLen == 0 {
		return
	}
	// New data of the tracked connection with room in the ring, nearly
	// every segment, takes sentOther's path with none of its branches:
	// kept apart from their calls, it saves no registers around them.
	if end := seq.Add(seqLen); f.open && *t == f.fwd && !seq.LT(f.sndNxt) && f.n < len(f.ring) {
		f.ring[(f.head+f.n)&(len(f.ring)-1)] = outstanding{end: end, at: now}
		f.n++
		f.sndNxt = end
		return
	}
	m.sentOther(now, f, t, seq, seqLen)
}

// sentOther is sent for any segment that takes sequence space, whether or
// not it starts a connection, resends data or finds the ring full.
func (m *Monitor) sentOther(now units.Time, f *flowState, t *tuple, seq wire.Seq, seqLen int) {
	if !f.open || *t != f.fwd {
		// A flow's first segment, or a new connection in its place:
		// nothing outstanding carries over.
		f.reset(t, seq)
	}
	end := seq.Add(seqLen)
	retx := seq.LT(f.sndNxt)
	if retx {
		m.Retransmits++
		m.markRetransmitted(f, seq, end)
		if end.LEQ(f.sndNxt) {
			return
		}
		// A segment that resends old data and carries new data past
		// sndNxt: its new part is remembered, already marked.
	}
	if f.n == len(f.ring) {
		m.makeRoom(f)
	}
	f.ring[(f.head+f.n)&(len(f.ring)-1)] = outstanding{end: end, retx: retx, at: now}
	f.n++
	f.sndNxt = end
}

// reset starts tracking connection t afresh from sequence number seq.
func (f *flowState) reset(t *tuple, seq wire.Seq) {
	f.open = true
	f.fwd = *t
	// The reverse direction's tuple: the addresses swapped, then the
	// ports.
	copy(f.rev[0:4], t[4:8])
	copy(f.rev[4:8], t[0:4])
	copy(f.rev[8:10], t[10:12])
	copy(f.rev[10:12], t[8:10])
	f.head, f.n = 0, 0
	f.sndNxt, f.sndUna, f.acked = seq, seq, false
	f.taintSet, f.dropped = false, false
	if f.ring == nil {
		f.ring = make([]outstanding, ringInitial)
	}
}

// makeRoom frees an entry of a full ring for sent, growing the ring up to
// ringMax and past it dropping the oldest entry.
func (m *Monitor) makeRoom(f *flowState) {
	if len(f.ring) < ringMax {
		grown := make([]outstanding, 2*len(f.ring))
		for k := 0; k < f.n; k++ {
			grown[k] = f.ring[(f.head+k)&(len(f.ring)-1)]
		}
		f.ring, f.head = grown, 0
		return
	}
	m.Overflows++
	old := f.ring[f.head]
	if old.retx {
		f.taintUntil(old.end)
	}
	f.dropped, f.droppedEnd = true, old.end
	f.head = (f.head + 1) & (len(f.ring) - 1)
	f.n--
}

// taintUntil makes ACKs that retire data below end give no sample.
func (f *flowState) taintUntil(end wire.Seq) {
	if !f.taintSet || f.taint.LT(end) {
		f.taint, f.taintSet = end, true
	}
}

// markRetransmitted marks every outstanding entry that [seq, end)
// overlaps. Entry k covers (end of entry k-1, end of entry k]; the ends
// increase, so the first one past seq is found by binary search.
func (m *Monitor) markRetransmitted(f *flowState, seq, end wire.Seq) {
	mask := len(f.ring) - 1
	lo, hi := 0, f.n
	for lo < hi {
		mid := (lo + hi) / 2
		if f.ring[(f.head+mid)&mask].end.GT(seq) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if f.dropped && seq.LT(f.droppedEnd) && f.sndUna.LT(end) {
		// Part of the range is in entries the ring dropped, unacked.
		f.taintUntil(wire.MinSeq(end, f.droppedEnd))
	}
	for k := lo; k < f.n; k++ {
		e := &f.ring[(f.head+k)&mask]
		if k > 0 && f.ring[(f.head+k-1)&mask].end.GEQ(end) {
			break
		}
		e.retx = true
	}
}

// ack retires what an ACK for flow f covers and records its sample: the
// segment's connection t, its acknowledgment number and its flags.
func (m *Monitor) ack(now units.Time, f *flowState, t *tuple, ack wire.Seq, flags uint8) {
	// Only an ACK from the flow's receiver to its sender counts, and
	// only one without RST.
	if !f.open || flags&(wire.FlagACK|wire.FlagRST) != wire.FlagACK || *t != f.rev {
		return
	}
	if f.acked && ack.LEQ(f.sndUna) || ack.GT(f.sndNxt) {
		// A duplicate or old ACK, or one for data never seen leaving:
		// nothing to retire.
		return
	}
	prevUna := f.sndUna
	f.sndUna, f.acked = ack, true
	ambiguous := false
	if f.taintSet {
		ambiguous = prevUna.LT(f.taint)
		if f.taint.LEQ(ack) {
			f.taintSet = false
		}
	}
	// The ring's position in locals, as through f each retirement's
	// stores would make the next one load it again, and the newest
	// retired entry read once the loop is done, not carried through it.
	ring, head, n := f.ring, f.head, f.n
	mask := len(ring) - 1
	for n > 0 && ring[head].end.LEQ(ack) {
		if ring[head].retx {
			ambiguous = true
		}
		head = (head + 1) & mask
		n--
	}
	if n == f.n {
		return
	}
	f.head, f.n = head, n
	if ambiguous {
		m.Ambiguous++
		return
	}
	newest := ring[(head-1)&mask].at
	f.hist.Record(now.Sub(newest))
}
