// Drop-tail FIFO: packets leave in arrival order and an arrival that would
// push the queue past its limit is dropped. It is Linux's pfifo and bfifo
// in one, and the buffer every other discipline is measured against.

package netem

import (
	"github.com/ccbench/ccbench/units"
)

// DropTail is a FIFO with a limit in packets, in bytes, or both.
type DropTail struct {
	fifo         byteFIFO
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
}

var _ Qdisc = (*DropTail)(nil)

// NewDropTail returns a drop-tail queue that holds at most limitPackets
// packets and limitBytes bytes; 0 lifts the corresponding limit.
func NewDropTail(limitPackets, limitBytes int) *DropTail {
	return &DropTail{limitPackets: limitPackets, limitBytes: limitBytes}
}

// Enqueue admits p unless it would take the queue past either limit. A
// packet larger than the whole byte limit is therefore never admitted,
// which is what bfifo does too.
func (q *DropTail) Enqueue(e Queued) bool {
	if !q.admits(q.fifo.Len(), q.fifo.bytes, e.Len) {
		return false
	}
	q.fifo.push(e)
	return true
}

// admits is Enqueue's test for a packet of n bytes arriving at a queue of
// queued packets and queuedBytes bytes. A planned link (planned.go), whose
// queue is not in the fifo, asks it too.
func (q *DropTail) admits(queued, queuedBytes, n int) bool {
	return (q.limitPackets <= 0 || queued < q.limitPackets) &&
		(q.limitBytes <= 0 || queuedBytes+n <= q.limitBytes)
}

// Dequeue returns the oldest waiting packet, if any.
func (q *DropTail) Dequeue(units.Time) Queued { return q.fifo.pop() }

// Len is the number of packets waiting.
func (q *DropTail) Len() int { return q.fifo.Len() }

// Bytes is the number of bytes waiting.
func (q *DropTail) Bytes() int { return q.fifo.bytes }
