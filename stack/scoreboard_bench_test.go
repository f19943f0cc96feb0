package stack

import (
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// sbBench is a sender in SACK recovery with a window of records in flight
// and the oldest one lost: every ACK SACKs the next segment above the
// hole, runs RACK's detection and RFC 6675's marking, retransmits what
// they find lost and sends one new segment. When the SACKed run above the
// hole reaches half the window the hole is filled: a cumulative ACK takes
// the hole and the run, and the next segment is the new hole. So the
// records in flight stay between half the window and the window.
type sbBench struct {
	c        *Conn
	now      units.Time
	nxt      Seq
	window   int
	sacked   int // records SACKed above the hole
	acks     int
	holeSent units.Time
}

func newSBBench(window int) *sbBench {
	c := &Conn{sent: newSentQueue(2 * window), sndMSS: sbMSS}
	c.rtt.srtt = 10 * units.Millisecond
	c.inRecovery = true
	b := &sbBench{c: c, window: window}
	for range window {
		b.send()
	}
	b.newHole()
	return b
}

func (b *sbBench) send() {
	b.c.sent.push(b.nxt, b.nxt.Add(sbMSS), b.now, false)
	b.nxt = b.nxt.Add(sbMSS)
}

// newHole makes the oldest record a loss that was retransmitted.
func (b *sbBench) newHole() {
	q := &b.c.sent
	q.markLost(0, false)
	q.markRetransmitted(0, b.now)
	b.sacked = 0
}

// ack processes one ACK and sends one segment.
func (b *sbBench) ack() {
	c, q := b.c, &b.c.sent
	b.now = b.now.Add(units.Microsecond)
	if b.sacked >= b.window/2 {
		ack := q.highSacked
		for q.len() > 0 && q.at(0).end.LEQ(ack) {
			if !q.at(0).sacked {
				c.rackDelivered(b.now, q.at(0))
			}
			q.popFront()
		}
		b.newHole()
	}
	hole := q.at(0)
	top := wire.MaxSeq(q.highSacked, hole.end)
	c.sackRange(b.now, hole.end, top.Add(sbMSS))
	b.sacked++
	c.rackDetectLoss(b.now)
	c.markLostRFC6675()
	if i := c.nextLost(); i >= 0 {
		q.markRetransmitted(i, b.now)
	} else if i := c.nextRescue(); i >= 0 && i > 0 {
		q.markRetransmitted(i, b.now)
	}
	b.send()
	b.acks++
}

// BenchmarkScoreboardPerACK is the scoreboard's work for one ACK in SACK
// recovery, for windows of 100 to 10 000 segments in flight.
func BenchmarkScoreboardPerACK(b *testing.B) {
	for _, window := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("inflight=%d", window), func(b *testing.B) {
			s := newSBBench(window)
			for range 2 * window {
				s.ack()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.ack()
			}
		})
	}
}

// TestScoreboardPerACKAllocatesNothing fails if the scoreboard's per-ACK
// work allocates once the queue has grown to its window.
func TestScoreboardPerACKAllocatesNothing(t *testing.T) {
	s := newSBBench(1000)
	for range 2000 {
		s.ack()
	}
	if allocs := testing.AllocsPerRun(1000, s.ack); allocs != 0 {
		t.Fatalf("%.2f allocations per ACK, want 0", allocs)
	}
}
