// Drop-head FIFO: packets leave in arrival order, and an arrival that
// would push the queue past its limit is admitted by discarding the oldest
// waiting packets instead. Linux's pfifo_head_drop. The packet dropped has
// waited longest, so the loss is signalled to its sender one full queue
// earlier than drop-tail would, and the freshest data survives.

package netem

import (
	"github.com/ccbench/ccbench/units"
)

// DropHead is a FIFO with a limit in packets, in bytes, or both, that drops
// from the head on overflow.
type DropHead struct {
	fifo         byteFIFO
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
	hooks        QdiscHooks
	drops        int64
}

var _ Qdisc = (*DropHead)(nil)

// NewDropHead returns a drop-head queue holding at most limitPackets
// packets and limitBytes bytes (0 lifts a limit); packets pushed out of the
// head go to hooks.Drop.
func NewDropHead(limitPackets, limitBytes int, hooks QdiscHooks) *DropHead {
	return &DropHead{limitPackets: limitPackets, limitBytes: limitBytes, hooks: hooks}
}

// Enqueue admits p, first dropping as many of the oldest packets as it
// takes to make room. Only a packet larger than the whole byte limit is
// refused: no amount of dropping makes it fit.
func (q *DropHead) Enqueue(e Queued) bool {
	if q.limitBytes > 0 && e.Len > q.limitBytes {
		return false
	}
	for q.limitPackets > 0 && q.fifo.Len() >= q.limitPackets ||
		q.limitBytes > 0 && q.fifo.bytes+e.Len > q.limitBytes {
		q.drops++
		q.hooks.drop(q.fifo.pop())
	}
	q.fifo.push(e)
	return true
}

// Dequeue returns the oldest waiting packet, if any.
func (q *DropHead) Dequeue(units.Time) Queued { return q.fifo.pop() }

// Len is the number of packets waiting.
func (q *DropHead) Len() int { return q.fifo.Len() }

// Bytes is the number of bytes waiting.
func (q *DropHead) Bytes() int { return q.fifo.bytes }

// Drops counts packets dropped from the head.
func (q *DropHead) Drops() int64 { return q.drops }
