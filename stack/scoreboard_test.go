package stack

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// The scoreboard's per-ACK work relies on counters, hints and a send-time
// list kept incrementally (scoreboard.go). These tests drive a scoreboard
// with random sends, SACK blocks (edges inside records too), cumulative
// ACKs, losses, retransmissions, timeouts and resets, and after every
// operation recount everything from the records. Every decision the
// incremental code makes (what RACK, RFC 6675 and NextSeg pick) is checked
// against a walk of the whole queue that is the definition of the rule.

const sbMSS = 1000

// sbModel is a connection reduced to what the scoreboard needs: the
// records span [una, nxt) and new data is sent in sequence order at a
// clock that never goes back, as a connection does.
type sbModel struct {
	t        *testing.T
	rng      *rand.Rand
	c        *Conn
	now      units.Time
	una, nxt Seq
	op       string
}

func newSBModel(t *testing.T, seed uint64) *sbModel {
	c := &Conn{sent: newSentQueue(1), sndMSS: sbMSS}
	c.rtt.srtt = 10 * units.Millisecond
	iss := Seq(uint32(seed * 2654435761)) // exercise wrap-around
	c.sent.highSacked = iss
	return &sbModel{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), c: c, una: iss, nxt: iss}
}

func (m *sbModel) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("after %s: %s\n%s", m.op, fmt.Sprintf(format, args...), m.dump())
}

func (m *sbModel) dump() string {
	q := &m.c.sent
	s := fmt.Sprintf("una %d nxt %d highSacked %d rescueHint %d lostBelow %d ts %d..%d cursor %d rack %v\n",
		m.una, m.nxt, q.highSacked, q.rescueHint, q.lostBelow, q.tsHead, q.tsTail, q.tsCursor, m.c.rack)
	for i := 0; i < q.n && i < 60; i++ {
		r := q.at(i)
		s += fmt.Sprintf("  %d slot %d [%d,%d) at %d sacked %v lost %v rtx %v retr %v ts %v(%d,%d) run [%d,%d)\n",
			i, q.slot(i), r.seq, r.end, r.sentAt, r.sacked, r.lost, r.rtx, r.retransmitted, r.inTS, r.tsPrev, r.tsNext, r.runStart, r.runEnd)
	}
	return s
}

// send sends up to k new records at the current time, mostly full-sized.
func (m *sbModel) send(k int) {
	for range k {
		n := sbMSS
		if m.rng.IntN(8) == 0 {
			n = 1 + m.rng.IntN(sbMSS)
		}
		m.c.sent.push(m.nxt, m.nxt.Add(n), m.now, false)
		m.nxt = m.nxt.Add(n)
	}
}

// randSeq is a sequence number in [una, nxt].
func (m *sbModel) randSeq() Seq { return m.una.Add(m.rng.IntN(m.nxt.Sub(m.una) + 1)) }

// sackedBytesIn counts the SACKed bytes of [start, end) record by record.
func (m *sbModel) sackedBytesIn(start, end Seq) int {
	q := &m.c.sent
	n := 0
	for i := 0; i < q.n; i++ {
		r := q.at(i)
		if r.sacked {
			lo, hi := wire.MaxSeq(r.seq, start), wire.MinSeq(r.end, end)
			if lo.LT(hi) {
				n += hi.Sub(lo)
			}
		}
	}
	return n
}

// sack applies a SACK block that usually extends the top of what the
// receiver holds, as blocks do, and sometimes lies anywhere.
func (m *sbModel) sack() {
	if m.una == m.nxt {
		return
	}
	var start, end Seq
	q := &m.c.sent
	if m.rng.IntN(3) > 0 && q.highSacked.GT(m.una) && q.highSacked.LT(m.nxt) {
		start = q.highSacked.Add(-m.rng.IntN(q.highSacked.Sub(m.una) + 1))
		end = wire.MinSeq(q.highSacked.Add(m.rng.IntN(3*sbMSS)+1), m.nxt)
	} else {
		start, end = m.randSeq(), m.randSeq()
		if end.LT(start) {
			start, end = end, start
		}
		if start == end {
			return
		}
	}
	want := end.Sub(start) - m.sackedBytesIn(start, end)
	m.op = fmt.Sprintf("sack [%d,%d)", start, end)
	if got := m.c.sackRange(m.now, start, end); got != want {
		m.fail("sackRange returned %d newly SACKed bytes, want %d", got, want)
	}
	if got := m.sackedBytesIn(start, end); got != end.Sub(start) {
		m.fail("%d of the block's %d bytes SACKed", got, end.Sub(start))
	}
}

// ack acknowledges cumulatively up to a random point, inside a record
// sometimes, as ackSegments does.
func (m *sbModel) ack() {
	ack := m.randSeq()
	if m.rng.IntN(2) == 0 && m.una != m.nxt {
		ack = m.una.Add(m.rng.IntN(min(m.nxt.Sub(m.una), 4*sbMSS)) + 1)
	}
	m.op = fmt.Sprintf("ack %d", ack)
	q := &m.c.sent
	for q.n > 0 {
		h := q.at(0)
		if h.end.GT(ack) {
			if h.seq.LT(ack) {
				q.trimFront(ack)
			}
			break
		}
		if !h.sacked {
			m.c.rackDelivered(m.now, h)
		}
		q.popFront()
	}
	m.una = ack
	if q.highSacked.LT(ack) {
		q.highSacked = ack
	}
}

// rackDetect checks RACK's detection against RFC 8985 §6.2 step 5 as the
// walk over the queue in sequence order does it.
func (m *sbModel) rackDetect() {
	c, q := m.c, &m.c.sent
	m.op = "rack detection"
	r := &c.rack
	var want []Seq
	var wantWait units.Duration
	if r.seen {
		reoWnd := c.rackReoWnd()
		for i := 0; i < q.n; i++ {
			s := q.at(i)
			if !sentBefore(s, r.xmitTS, r.endSeq) {
				if !s.retransmitted {
					break
				}
				continue
			}
			if s.sacked || s.lost && !s.rtx {
				continue
			}
			if remaining := s.sentAt.Add(r.rtt + reoWnd).Sub(m.now); remaining <= 0 {
				want = append(want, s.seq)
			} else {
				wantWait = max(wantWait, remaining)
			}
		}
	}
	lostBefore := make(map[Seq]bool)
	for i := 0; i < q.n; i++ {
		if s := q.at(i); s.lost && !s.rtx {
			lostBefore[s.seq] = true
		}
	}
	lost, wait := c.rackDetectLoss(m.now)
	var got []Seq
	for i := 0; i < q.n; i++ {
		if s := q.at(i); s.lost && !s.rtx && !lostBefore[s.seq] {
			got = append(got, s.seq)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || lost != (len(want) > 0) || wait != wantWait {
		m.fail("RACK marked %v (lost %v) wait %v, want %v wait %v", got, lost, wait, want, wantWait)
	}
}

// rfc6675 checks the marking against IsLost evaluated for every record.
func (m *sbModel) rfc6675() {
	q := &m.c.sent
	m.op = "RFC 6675 marking"
	want := make([]bool, q.n)
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		want[i] = s.lost
		if s.sacked {
			continue
		}
		bytes, runs, inRun := 0, 0, false
		for j := i + 1; j < q.n; j++ {
			if t := q.at(j); t.sacked {
				bytes += t.len()
				if !inRun {
					runs++
				}
				inRun = true
			} else {
				inRun = false
			}
		}
		if runs >= dupThresh || bytes > (dupThresh-1)*sbMSS {
			want[i] = true
		}
	}
	m.c.markLostRFC6675()
	for i := 0; i < q.n; i++ {
		if q.at(i).lost != want[i] {
			m.fail("record %d lost %v, IsLost says %v", i, q.at(i).lost, want[i])
		}
	}
}

// retransmit resends what NextSeg picks, checked against its rules walked
// from the oldest record, or, sometimes, any record (a tail loss probe).
func (m *sbModel) retransmit() {
	c, q := m.c, &m.c.sent
	m.op = "retransmit"
	wantLost, wantRescue := -1, -1
	for i := 0; i < q.n; i++ {
		if s := q.at(i); s.lost && !s.rtx {
			wantLost = i
			break
		}
	}
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		if s.seq.GEQ(q.highSacked) {
			break
		}
		if !s.sacked && !s.lost && !s.retransmitted {
			wantRescue = i
			break
		}
	}
	if got := c.nextLost(); got != wantLost {
		m.fail("nextLost %d, want %d", got, wantLost)
	}
	if got := c.nextRescue(); got != wantRescue {
		m.fail("nextRescue %d, want %d", got, wantRescue)
	}
	i := wantLost
	switch {
	case q.n > 0 && m.rng.IntN(6) == 0:
		i = m.rng.IntN(q.n)
	case i < 0:
		i = wantRescue
	}
	if i >= 0 {
		q.markRetransmitted(i, m.now)
	}
}

// check recounts everything the queue keeps incrementally.
func (m *sbModel) check() {
	m.t.Helper()
	q := &m.c.sent
	sacked, lost, rtx := 0, 0, 0
	live := 0
	at := m.una
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		if s.seq != at || !s.seq.LT(s.end) {
			m.fail("record %d is [%d,%d), want it to start at %d", i, s.seq, s.end, at)
		}
		at = s.end
		if s.sacked {
			sacked += s.len()
			if s.lost || s.rtx {
				m.fail("record %d SACKed and lost", i)
			}
			if got := m.sackedBytesIn(wire.MaxSeq(s.runStart, m.una), s.runEnd); got != s.runEnd.Sub(wire.MaxSeq(s.runStart, m.una)) {
				m.fail("record %d's run hint [%d,%d) covers unSACKed bytes", i, s.runStart, s.runEnd)
			}
		}
		if s.lost {
			lost += s.len()
			if s.rtx {
				rtx += s.len()
			}
		}
		if tsLive(s) {
			live++
		}
		if s.inTS != tsLive(s) {
			m.fail("record %d on the send-time list %v, belongs %v", i, s.inTS, tsLive(s))
		}
		if q.toResend.has(int(q.slot(i))) != (s.lost && !s.rtx) {
			m.fail("record %d lost %v rtx %v, in toResend %v", i, s.lost, s.rtx, q.toResend.has(int(q.slot(i))))
		}
		if i < q.rescueHint && !s.sacked && !s.lost && !s.retransmitted {
			m.fail("record %d a rescue candidate, below rescueHint %d", i, q.rescueHint)
		}
		if i < q.lostBelow && !s.sacked && !s.lost {
			m.fail("record %d neither SACKed nor lost, below lostBelow %d", i, q.lostBelow)
		}
	}
	for i := q.n; i < len(q.segs); i++ {
		if q.toResend.has(int(q.slot(i))) {
			m.fail("slot %d, outside the queue, in toResend", q.slot(i))
		}
	}
	if q.n > 0 && at != m.nxt {
		m.fail("records end at %d, want %d", at, m.nxt)
	}
	if sacked != q.sackedBytes || lost != q.lostBytes || rtx != q.rtxBytes {
		m.fail("counters sacked %d lost %d rtx %d, recount %d %d %d", q.sackedBytes, q.lostBytes, q.rtxBytes, sacked, lost, rtx)
	}
	// The send-time list: every live record once, in send order.
	n, prev := 0, int32(-1)
	cursorSeen := q.tsCursor < 0
	for slot := q.tsHead; slot >= 0; slot = q.segs[slot].tsNext {
		s := &q.segs[slot]
		if i := q.index(slot); i >= q.n || !s.inTS || s.tsPrev != prev {
			m.fail("send-time list broken at slot %d", slot)
		}
		if prev >= 0 && !sentBefore(&q.segs[prev], s.sentAt, s.end) {
			m.fail("send-time list out of order at slot %d", slot)
		}
		if slot == q.tsCursor {
			cursorSeen = true
			if !sentBefore(s, m.c.rack.xmitTS, m.c.rack.endSeq) {
				m.fail("cursor at slot %d not sent before RACK's segment", slot)
			}
		}
		prev = slot
		n++
		if n > q.n {
			m.fail("send-time list loops")
		}
	}
	if prev != q.tsTail || n != live || !cursorSeen {
		m.fail("send-time list: %d records (want %d), tail %d (want %d), cursor on it %v", n, live, q.tsTail, prev, cursorSeen)
	}
}

// run performs ops random operations, checking after each.
func (m *sbModel) run(ops int) {
	c, q := m.c, &m.c.sent
	for range ops {
		if m.rng.IntN(3) == 0 {
			m.now = m.now.Add(units.Duration(m.rng.IntN(3000)) * units.Microsecond)
		}
		switch k := m.rng.IntN(100); {
		case k < 22:
			m.op = "send"
			if q.n < 400 {
				m.send(1 + m.rng.IntN(8))
			}
		case k < 47:
			m.sack()
		case k < 57:
			m.ack()
		case k < 70:
			m.rackDetect()
		case k < 78:
			m.rfc6675()
		case k < 90:
			m.retransmit()
		case k < 95:
			if q.n > 0 {
				i := m.rng.IntN(q.n)
				m.op = fmt.Sprintf("markLost %d", i)
				q.markLost(i, m.rng.IntN(2) == 0)
			}
		case k < 97:
			c.inRecovery = !c.inRecovery
			if m.rng.IntN(4) == 0 {
				c.rack.reorder = !c.rack.reorder
			}
		case k < 99:
			if m.rng.IntN(4) == 0 {
				// F-RTO's undo of a timeout (tcp_undo_cwnd_reduction).
				m.op = "unmarkLost"
				q.unmarkLost()
				break
			}
			m.op = "timeout"
			for i := 0; i < q.n; i++ {
				q.markLost(i, true)
			}
		default:
			// A resent SYN drops the whole queue (sendSYN).
			m.op = "clear"
			q.clear()
			m.una = m.nxt
			q.highSacked = m.nxt
		}
		m.check()
	}
}

// TestScoreboardIncrementalStateMatchesRecount runs random scoreboards for
// many seeds: every counter, hint and list matches a recount after every
// operation, and every decision matches the rule's walk over the queue.
func TestScoreboardIncrementalStateMatchesRecount(t *testing.T) {
	seeds, ops := 300, 3000
	if testing.Short() {
		seeds = 40
	}
	for seed := range seeds {
		newSBModel(t, uint64(seed)).run(ops)
	}
}

// FuzzScoreboard is the same check from fuzzed seeds.
func FuzzScoreboard(f *testing.F) {
	f.Add(uint64(1))
	f.Fuzz(func(t *testing.T, seed uint64) {
		newSBModel(t, seed).run(2000)
	})
}

// TestSlotSetNext checks slotSet's search against a plain array for sizes
// of one to three levels.
func TestSlotSetNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, n := range []int{16, 64, 65, 4096, 4097, 300000} {
		s := newSlotSet(n)
		in := make([]bool, n)
		for op := range 20000 {
			x := rng.IntN(n)
			if op%3 == 2 {
				x = n - 1 - rng.IntN(min(n, 130))
			}
			if rng.IntN(2) == 0 {
				s.add(x)
				in[x] = true
			} else {
				s.remove(x)
				in[x] = false
			}
			from := rng.IntN(n)
			want := -1
			for y := from; y < n; y++ {
				if in[y] {
					want = y
					break
				}
			}
			if got := s.next(from); got != want || s.has(x) != in[x] {
				t.Fatalf("n %d: next(%d) = %d, want %d; has(%d) %v, want %v", n, from, got, want, x, s.has(x), in[x])
			}
		}
		s.clear()
		if got := s.next(0); got != -1 {
			t.Fatalf("n %d: next(0) = %d after clear, want -1", n, got)
		}
	}
}
