package stack

import "ccbench/units"

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
	// lostHint is a lower bound on the index of the oldest record that is
	// lost and not yet retransmitted, so that retransmitting a window of
	// lost records after a timeout costs linear, not quadratic, time.
	lostHint int
}

func newSentQueue(capacity int) sentQueue {
	c := ceilPow2(max(capacity, 16))
	return sentQueue{segs: make([]sentSegment, c), mask: c - 1}
}

func (q *sentQueue) len() int { return q.n }

func (q *sentQueue) at(i int) *sentSegment { return &q.segs[(q.head+i)&q.mask] }

func (q *sentQueue) last() *sentSegment { return q.at(q.n - 1) }

func (q *sentQueue) push(s sentSegment) {
	if q.n == len(q.segs) {
		q.grow()
	}
	q.segs[(q.head+q.n)&q.mask] = s
	q.n++
}

func (q *sentQueue) grow() {
	ns := make([]sentSegment, 2*len(q.segs))
	for i := 0; i < q.n; i++ {
		ns[i] = *q.at(i)
	}
	q.segs, q.head, q.mask = ns, 0, len(ns)-1
}

// split cuts record i in two at sequence number at, which lies inside it;
// used when a SACK block's edge falls inside a record.
func (q *sentQueue) split(i int, at Seq) {
	if q.n == len(q.segs) {
		q.grow()
	}
	for j := q.n; j > i+1; j-- {
		*q.at(j) = *q.at(j - 1)
	}
	q.n++
	if i < q.lostHint {
		q.lostHint++
	}
	a, b := q.at(i), q.at(i+1)
	*b = *a
	a.end, b.seq = at, at
	a.psh = false // tcp_fragment leaves PSH on the second piece
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
	q.forget(q.at(0))
	q.head = (q.head + 1) & q.mask
	q.n--
	if q.lostHint > 0 {
		q.lostHint--
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
	q.head, q.n, q.lostHint = 0, 0, 0
	q.sackedBytes, q.lostBytes, q.rtxBytes = 0, 0, 0
}

// markLost marks record s lost. With again, a record whose retransmission
// is in flight is marked lost once more: the retransmission is deemed lost
// too (RACK, and a retransmission timeout, can tell; counting SACKs cannot).
func (q *sentQueue) markLost(s *sentSegment, again bool) bool {
	if s.sacked || s.lost && !(again && s.rtx) {
		return false
	}
	q.forget(s)
	s.lost, s.rtx = true, false
	q.count(s)
	q.lostHint = 0
	q.lostTotal += int64(s.len())
	return true
}

// markSacked records that the receiver holds s.
func (q *sentQueue) markSacked(s *sentSegment) {
	if s.sacked {
		return
	}
	q.forget(s)
	s.sacked, s.lost, s.rtx = true, false, false
	q.count(s)
	if s.end.GT(q.highSacked) {
		q.highSacked = s.end
	}
}

// markRetransmitted records a retransmission of s at now.
func (q *sentQueue) markRetransmitted(s *sentSegment, now units.Time) {
	q.forget(s)
	s.retransmitted = true
	s.sentAt = now
	if s.lost {
		s.rtx = true
	}
	q.count(s)
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

// sackedAbove counts SACKed bytes and discontiguous SACKed runs above
// index i, for RFC 6675's IsLost.
func (q *sentQueue) sackedAbove(i int) (bytes, runs int) {
	inRun := false
	for j := i + 1; j < q.n; j++ {
		s := q.at(j)
		if s.sacked {
			bytes += s.len()
			if !inRun {
				runs++
			}
		}
		inRun = s.sacked
	}
	return
}
