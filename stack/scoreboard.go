package stack

import "github.com/ccbench/ccbench/units"

// The retransmission queue and scoreboard. Every transmitted range between
// SND.UNA and SND.NXT (SYN and FIN included) is one record, in sequence
// order, carrying what the sender knows about it: when it was last sent,
// whether it was ever retransmitted (Karn), whether the receiver has
// selectively acknowledged it (RFC 2018), whether it is deemed lost, and
// whether a retransmission of it is in flight. Loss recovery of every kind
// (NewReno, RFC 6675 SACK, RACK) marks records lost; output retransmits
// lost records before sending new data.
//
// The bytes in the network are RFC 6675's pipe, kept incrementally as
//
//	pipe = (SND.NXT − SND.UNA) − sacked − lost + retransmitted-lost
//
// the same accounting as Linux's tcp_packets_in_flight, in bytes.
//
// A window at 10 Gbit/s holds thousands of records, so nothing done per ACK
// walks the queue (issue 15). Besides the byte counters, the queue keeps:
//
//   - the send-time list: the records RACK may still have to declare lost
//     (neither SACKed nor lost and waiting for a retransmission), linked in
//     the order of their latest transmission, so that RACK's detection
//     (rack.go) visits only records sent before the most recently delivered
//     one, oldest first, and stops at the first whose time has not come;
//   - for SACKed records, the extent of the SACKed run they lie in (a hint,
//     always true because a record once SACKed stays SACKed), so that a
//     SACK block is applied by jumping over what earlier blocks covered and
//     RFC 6675's loss marking finds the top SACKed runs without a walk;
//   - the set of records lost and waiting for a retransmission, a bitmap
//     over the ring's slots with summaries above it, so that the oldest
//     is found without passing the SACKed and retransmitted ones below it;
//   - cursors below which nothing is left to find: no record RFC 6675's
//     rescue rule could pick (rescueHint), no record that is neither
//     SACKed nor lost (lostBelow, for RFC 6675's IsLost).
//
// Every hint is a fact about the records that stays true as they change,
// or is kept true by the methods that change them, so that the decisions
// are exactly those of walking the whole queue; scoreboard_test.go checks
// them against that walk after every operation of random scoreboards.

// sentSegment is one record of the scoreboard.
type sentSegment struct {
	seq, end Seq
	// sentAt is the time of the latest transmission (RACK's xmit_ts).
	sentAt units.Time
	// retransmitted marks ranges sent more than once: by Karn's rule
	// (RFC 6298 §3) their ACKs give no RTT sample.
	retransmitted bool
	sacked        bool
	// lost is set when recovery deems the range lost; rtx is set when it
	// has been retransmitted since.
	lost, rtx bool
	// psh is set when the range ends at a push point, so it carries PSH
	// whenever it is sent; gsoEnd when it ended a GSO packet (push.go).
	psh, gsoEnd bool
	// appLimited and the fields below are the delivery state when the
	// range was last sent (rate.go).
	appLimited                   bool
	txInflight                   int
	deliveredAtSend, lostAtSend  int64
	deliveredTime, firstSentTime units.Time

	// inTS says the record is on the send-time list; tsPrev and tsNext
	// are the slots (in segs) of its neighbours there, or -1.
	inTS           bool
	tsPrev, tsNext int32
	// On a SACKed record, every byte of [runStart, runEnd) is SACKed.
	runStart, runEnd Seq
}

func (s *sentSegment) len() int { return s.end.Sub(s.seq) }

// sentQueue is a ring of records. It grows only when full, so a connection
// in steady state never allocates.
type sentQueue struct {
	segs    []sentSegment
	head, n int
	mask    int

	sackedBytes, lostBytes, rtxBytes int
	// highSacked is the end of the highest SACKed range, or SND.UNA.
	highSacked Seq
	// lostTotal counts bytes ever marked lost, for rate samples.
	lostTotal int64
	// toResend holds the slots of the records lost and not retransmitted
	// since.
	toResend slotSet
	// rescueHint is a lower bound on the index of the oldest record that
	// is neither SACKed, lost nor retransmitted. Each of those marks, once
	// set, stays until the record leaves, so the bound only moves on.
	rescueHint int
	// lostBelow is an index below which every record not SACKed is lost.
	lostBelow int

	// The send-time list: slots of its oldest and newest records, and
	// tsCursor, -1 or a record on it sent before the most recently
	// delivered segment (RACK.xmit_ts, RACK.end_seq), from which the
	// newest such record is found (tsLastBefore).
	tsHead, tsTail, tsCursor int32
}

func newSentQueue(capacity int) sentQueue {
	c := ceilPow2(max(capacity, 16))
	return sentQueue{segs: make([]sentSegment, c), mask: c - 1, toResend: newSlotSet(c), tsHead: -1, tsTail: -1, tsCursor: -1}
}

func (q *sentQueue) len() int { return q.n }

func (q *sentQueue) at(i int) *sentSegment { return &q.segs[(q.head+i)&q.mask] }

// slot is the position in segs of record i; index is the inverse.
func (q *sentQueue) slot(i int) int32 { return int32((q.head + i) & q.mask) }

func (q *sentQueue) index(slot int32) int { return (int(slot) - q.head) & q.mask }

// push appends the record of [seq, end) sent at sentAt, which ends a GSO
// packet unless the caller says otherwise, and returns it. The record is
// written in its slot, not built elsewhere and copied there.
func (q *sentQueue) push(seq, end Seq, sentAt units.Time, retransmitted bool) *sentSegment {
	if q.n == len(q.segs) {
		q.grow()
	}
	slot := q.slot(q.n)
	s := &q.segs[slot]
	// Cleared, then the fields set one by one: a literal with a field
	// other than zero is built from a template elsewhere and copied.
	*s = sentSegment{}
	s.seq, s.end, s.sentAt, s.retransmitted, s.gsoEnd = seq, end, sentAt, retransmitted, true
	q.n++
	q.tsLink(slot, s)
	return s
}

func (q *sentQueue) grow() {
	ns := make([]sentSegment, 2*len(q.segs))
	// Record i moves to slot i: the send-time links move with it.
	move := func(slot int32) int32 {
		if slot < 0 {
			return slot
		}
		return int32(q.index(slot))
	}
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		s.tsPrev, s.tsNext = move(s.tsPrev), move(s.tsNext)
		ns[i] = *s
	}
	q.tsHead, q.tsTail, q.tsCursor = move(q.tsHead), move(q.tsTail), move(q.tsCursor)
	q.segs, q.head, q.mask = ns, 0, len(ns)-1
	q.toResend = newSlotSet(len(ns))
	for i := 0; i < q.n; i++ {
		q.syncResend(int32(i))
	}
}

// split cuts record i in two at sequence number at, which lies inside it;
// used when a SACK block's edge falls inside a record.
func (q *sentQueue) split(i int, at Seq) {
	if q.n == len(q.segs) {
		q.grow()
	}
	// Records above i move up one slot, and the send-time links that
	// point at them with them. Splits are rare (a SACK block's edge inside
	// a record): this costs what moving the records costs.
	move := func(slot int32) int32 {
		if slot < 0 || q.index(slot) <= i {
			return slot
		}
		return q.slot(q.index(slot) + 1)
	}
	for j := 0; j < q.n; j++ {
		if s := q.at(j); s.inTS {
			s.tsPrev, s.tsNext = move(s.tsPrev), move(s.tsNext)
		}
	}
	q.tsHead, q.tsTail, q.tsCursor = move(q.tsHead), move(q.tsTail), move(q.tsCursor)
	for j := q.n; j > i+1; j-- {
		*q.at(j) = *q.at(j - 1)
	}
	q.n++
	if i < q.rescueHint {
		q.rescueHint++
	}
	if i < q.lostBelow {
		q.lostBelow++
	}
	a, b := q.at(i), q.at(i+1)
	*b = *a
	a.end, b.seq = at, at
	a.psh = false // tcp_fragment leaves PSH on the second piece
	if a.inTS {
		// Sent together, the two pieces are neighbours in send order too.
		sa, sb := q.slot(i), q.slot(i+1)
		b.tsPrev, b.tsNext = sa, a.tsNext
		if a.tsNext >= 0 {
			q.segs[a.tsNext].tsPrev = sb
		} else {
			q.tsTail = sb
		}
		a.tsNext = sb
	}
	for j := i + 1; j < q.n; j++ {
		q.syncResend(q.slot(j))
	}
}

// forget removes the counters' share of record s before it leaves or
// changes.
func (q *sentQueue) forget(s *sentSegment) {
	n := s.len()
	if s.sacked {
		q.sackedBytes -= n
	}
	if s.lost {
		q.lostBytes -= n
		if s.rtx {
			q.rtxBytes -= n
		}
	}
}

func (q *sentQueue) count(s *sentSegment) {
	n := s.len()
	if s.sacked {
		q.sackedBytes += n
	}
	if s.lost {
		q.lostBytes += n
		if s.rtx {
			q.rtxBytes += n
		}
	}
}

func (q *sentQueue) popFront() {
	// Only a lost record not yet resent is a member of toResend, and
	// those are the bytes lostBytes counts beyond rtxBytes (every record
	// has at least one): with the two equal, as they are outside
	// recovery, the set is empty and is not read.
	resend := q.lostBytes != q.rtxBytes
	q.forget(q.at(0))
	q.tsUnlink(q.slot(0))
	if resend && q.toResend.has(q.head) {
		// Rarely: removal walks every level of the set.
		q.toResend.remove(q.head)
	}
	q.head = (q.head + 1) & q.mask
	q.n--
	if q.rescueHint > 0 {
		q.rescueHint--
	}
	if q.lostBelow > 0 {
		q.lostBelow--
	}
}

// trimFront drops the bytes of the head record below seq.
func (q *sentQueue) trimFront(seq Seq) {
	h := q.at(0)
	q.forget(h)
	h.seq = seq
	q.count(h)
}

func (q *sentQueue) clear() {
	q.head, q.n, q.rescueHint, q.lostBelow = 0, 0, 0, 0
	q.toResend.clear()
	q.sackedBytes, q.lostBytes, q.rtxBytes = 0, 0, 0
	q.tsHead, q.tsTail, q.tsCursor = -1, -1, -1
}

// markLost marks record i lost. With again, a record whose retransmission
// is in flight is marked lost once more: the retransmission is deemed lost
// too (RACK, and a retransmission timeout, can tell; counting SACKs cannot).
func (q *sentQueue) markLost(i int, again bool) bool {
	s := q.at(i)
	if s.sacked || s.lost && !(again && s.rtx) {
		return false
	}
	q.forget(s)
	s.lost, s.rtx = true, false
	q.count(s)
	q.tsUnlink(q.slot(i))
	q.toResend.add(int(q.slot(i)))
	q.lostTotal += int64(s.len())
	return true
}

// unmarkLost takes every record's lost mark away, as Linux's
// tcp_undo_cwnd_reduction does when it undoes a timeout (unmark_loss):
// what was deemed lost is in flight again, and loss detection starts over
// from the SACK information. A retransmission already sent stays in the
// record's Karn mark but no longer counts twice in the pipe (Linux keeps it
// in retrans_out until it is acknowledged). It walks the queue, once per
// undo, as Linux's does; the send-time list is rebuilt in send order.
func (q *sentQueue) unmarkLost() {
	if q.lostBytes == 0 {
		return
	}
	for j := 0; j < q.n; j++ {
		q.tsUnlink(q.slot(j))
	}
	q.tsHead, q.tsTail, q.tsCursor = -1, -1, -1
	for j := 0; j < q.n; j++ {
		s := q.at(j)
		if s.lost {
			q.forget(s)
			s.lost, s.rtx = false, false
			q.count(s)
		}
		// In sequence order records are mostly in send order too, so
		// each insertion walks back only over newer retransmissions.
		q.tsInsert(q.slot(j))
	}
	q.toResend.clear()
	q.rescueHint, q.lostBelow = 0, 0
}

// markSacked records that the receiver holds record i.
func (q *sentQueue) markSacked(i int) {
	s := q.at(i)
	if s.sacked {
		return
	}
	q.forget(s)
	s.sacked, s.lost, s.rtx = true, false, false
	s.runStart, s.runEnd = s.seq, s.end
	q.count(s)
	q.tsUnlink(q.slot(i))
	q.toResend.remove(int(q.slot(i)))
	if s.end.GT(q.highSacked) {
		q.highSacked = s.end
	}
}

// markRetransmitted records a retransmission of record i at now: it
// becomes the newest on the send-time list.
func (q *sentQueue) markRetransmitted(i int, now units.Time) {
	s := q.at(i)
	q.forget(s)
	s.retransmitted = true
	s.sentAt = now
	if s.lost {
		s.rtx = true
	}
	q.count(s)
	slot := q.slot(i)
	q.toResend.remove(int(slot))
	q.tsUnlink(slot)
	q.tsInsert(slot)
}

// syncResend puts the record at slot in toResend or takes it out, as its
// marks say.
func (q *sentQueue) syncResend(slot int32) {
	if s := &q.segs[slot]; s.lost && !s.rtx {
		q.toResend.add(int(slot))
	} else {
		q.toResend.remove(int(slot))
	}
}

// oldestToResend returns the index of the oldest record lost and not
// retransmitted since, or -1.
func (q *sentQueue) oldestToResend() int {
	if q.lostBytes == q.rtxBytes {
		return -1 // nothing waits: the usual case, in a test that inlines
	}
	return q.findToResend()
}

// findToResend is oldestToResend once some record waits.
func (q *sentQueue) findToResend() int {
	// Slots from head up to the end of the ring come first, then the
	// ring's start; no slot outside the queue is in the set.
	slot := q.toResend.next(q.head)
	if slot < 0 {
		slot = q.toResend.next(0)
	}
	if slot < 0 {
		return -1
	}
	return q.index(int32(slot))
}

// tsLive reports whether RACK may yet declare s lost, which is whether it
// belongs on the send-time list: not SACKed, and not lost unless its
// retransmission is in flight.
func tsLive(s *sentSegment) bool { return !s.sacked && !(s.lost && !s.rtx) }

// sentBefore reports whether s was last sent before the transmission at
// time at of the range ending at end, in RACK's order (RFC 8985 §6.2: the
// send time, then the sequence number for ties).
func sentBefore(s *sentSegment, at units.Time, end Seq) bool {
	return s.sentAt < at || s.sentAt == at && s.end.LT(end)
}

// tsInsert puts the record at slot on the send-time list, if it belongs
// there, in send order. A record sent now is the newest, except that one
// sent at the same instant as others with a higher end goes before them:
// the walk back is over records sent at this very instant.
func (q *sentQueue) tsInsert(slot int32) {
	s := &q.segs[slot]
	s.inTS = false
	if !tsLive(s) {
		return
	}
	q.tsLink(slot, s)
}

// tsLink is tsInsert for a record s, at slot, that belongs on the list and
// is not on it: push's, which is neither SACKed nor lost.
func (q *sentQueue) tsLink(slot int32, s *sentSegment) {
	p := q.tsTail
	var prev *sentSegment
	for p >= 0 {
		prev = &q.segs[p]
		if !sentBefore(s, prev.sentAt, prev.end) {
			break
		}
		p = prev.tsPrev
	}
	s.inTS, s.tsPrev = true, p
	if p < 0 {
		s.tsNext, q.tsHead = q.tsHead, slot
	} else {
		s.tsNext, prev.tsNext = prev.tsNext, slot
	}
	if s.tsNext < 0 {
		q.tsTail = slot
	} else {
		q.segs[s.tsNext].tsPrev = slot
	}
}

// tsUnlink takes the record at slot off the send-time list.
func (q *sentQueue) tsUnlink(slot int32) {
	s := &q.segs[slot]
	if !s.inTS {
		return
	}
	s.inTS = false
	if q.tsCursor == slot {
		q.tsCursor = s.tsPrev
	}
	if s.tsPrev < 0 {
		q.tsHead = s.tsNext
	} else {
		q.segs[s.tsPrev].tsNext = s.tsNext
	}
	if s.tsNext < 0 {
		q.tsTail = s.tsPrev
	} else {
		q.segs[s.tsNext].tsPrev = s.tsPrev
	}
}

// tsLastBefore returns the slot of the newest record on the send-time list
// sent before the transmission (at, end), or -1. The bound only ever moves
// forward (RACK.xmit_ts does), so the cursor does too, and the search
// costs, over a connection's life, one step per record put on the list
// plus one per record taken off it.
func (q *sentQueue) tsLastBefore(at units.Time, end Seq) int32 {
	for {
		next := q.tsHead
		if q.tsCursor >= 0 {
			next = q.segs[q.tsCursor].tsNext
		}
		if next < 0 || !sentBefore(&q.segs[next], at, end) {
			return q.tsCursor
		}
		q.tsCursor = next
	}
}

// find returns the index of the record containing seq, or the index of the
// first record after it, by binary search.
func (q *sentQueue) find(seq Seq) int {
	lo, hi := 0, q.n
	for lo < hi {
		m := (lo + hi) / 2
		if q.at(m).end.LEQ(seq) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// sackedRunEnd returns the end of the SACKed run that SACKed record i lies
// in, following the hints of the records it reaches and keeping the answer
// in record i's.
func (q *sentQueue) sackedRunEnd(i int) Seq {
	s := q.at(i)
	e := s.runEnd
	for {
		j := q.find(e)
		if j >= q.n || !q.at(j).sacked {
			break
		}
		e = q.at(j).runEnd
	}
	s.runEnd = e
	return e
}

// sackedRunStart returns the start of the SACKed run that SACKed record i
// lies in, as sackedRunEnd does its end.
func (q *sentQueue) sackedRunStart(i int) Seq {
	s := q.at(i)
	st := s.runStart
	for {
		if first := q.at(0).seq; !st.GT(first) {
			st = first
			break
		}
		j := q.find(st.Add(-1))
		if !q.at(j).sacked {
			break
		}
		st = q.at(j).runStart
	}
	s.runStart = st
	return st
}
