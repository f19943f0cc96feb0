// CoDel, Controlled Delay (RFC 8289): an AQM that looks at how long each
// packet waited (its sojourn time) rather than at how many are waiting.
//
// A queue that drains within an interval is a good queue, absorbing a
// burst; one whose packets have all waited at least target for a whole
// interval is a standing queue that only adds delay. CoDel tracks the
// minimum sojourn over the last interval by a cheaper equivalent: it
// notes when sojourns first rose above target (first_above_time) and
// enters the dropping state if none has fallen below target by one
// interval later (RFC 8289 §3.2). While dropping, it drops at dequeue
// (so the signal reaches the sender a queue's worth sooner than a tail
// drop) at times spaced by the control law
//
//	drop_next = t + interval / sqrt(count)
//
// so the drop rate rises as the square root of the drops so far, which
// for Reno-like senders makes the throughput reduction grow linearly
// (§3.3). Leaving the dropping state and re-entering it soon after resumes
// with the count it had, less the drops of the last cycle (§3.3, the
// "count - lastcount" rule), so a persistent queue is not forgiven after a
// brief dip. A packet is never dropped when no more than one MTU would be
// left behind it: a queue of one packet is not a standing queue (§3.2).
//
// With ECN on, a packet that is ECT is marked CE instead of dropped, as
// Linux's codel does, and goes on to the transmitter.
//
// The state machine lives in codelVars so FQ-CoDel runs one per flow.

package netem

import (
	"math"

	"github.com/ccbench/ccbench/units"
)

// CoDelParams are CoDel's tunables; the zero value of each field takes the
// RFC 8289 and Linux default.
type CoDelParams struct {
	// Target is the acceptable standing sojourn time; 5 ms (RFC 8289 §4.4:
	// 5-10% of interval, above a few packet times at low rates).
	Target units.Duration
	// Interval is how long sojourns must stay above target before CoDel
	// acts; 100 ms (§4.3: a worst-case round trip of the paths through it).
	Interval units.Duration
	// ECN marks ECN-capable packets instead of dropping them.
	ECN bool
}

// CoDel's defaults, RFC 8289 §4.3-4.4, as in Linux's codel and fq_codel.
const (
	DefaultCoDelTarget   = 5 * units.Millisecond
	DefaultCoDelInterval = 100 * units.Millisecond
)

// withDefaults fills the zero fields.
func (c CoDelParams) withDefaults() CoDelParams {
	if c.Target == 0 {
		c.Target = DefaultCoDelTarget
	}
	if c.Interval == 0 {
		c.Interval = DefaultCoDelInterval
	}
	return c
}

// codelVars is the per-queue state of RFC 8289's pseudocode.
type codelVars struct {
	firstAboveTime units.Time // 0: sojourn not above target
	dropNext       units.Time
	count          int
	lastCount      int
	dropping       bool
	// maxPacket is the largest packet seen, the MTU of the "one packet
	// left" test; a fixed 1514 would let a queue of jumbo packets be
	// dropped to nothing.
	maxPacket int
	drops     int64
	marks     int64
}

// controlLaw is the time of the next drop, interval/sqrt(count) after t.
func (c *codelVars) controlLaw(t units.Time, interval units.Duration) units.Time {
	return t.Add(units.Duration(float64(interval) / math.Sqrt(float64(c.count))))
}

// doDequeue pops the head of q and reports whether it may be dropped: its
// sojourn, and every one since firstAboveTime was set, has been at or
// above target for an interval.
func (c *codelVars) doDequeue(now units.Time, q *byteFIFO, par *CoDelParams) (Queued, bool) {
	e := q.pop()
	if e.Packet == nil {
		c.firstAboveTime = 0
		return e, false
	}
	if now.Sub(e.Enqueued) < par.Target || q.bytes <= c.maxPacket {
		c.firstAboveTime = 0
		return e, false
	}
	if c.firstAboveTime == 0 {
		c.firstAboveTime = now.Add(par.Interval)
		return e, false
	}
	return e, now >= c.firstAboveTime
}

// dequeue is RFC 8289's dequeue with Linux's ECN marking: it returns the
// packet to transmit from q at now, dropping through h as the state
// machine says.
func (c *codelVars) dequeue(now units.Time, q *byteFIFO, par *CoDelParams, h *QdiscHooks) Queued {
	e, okToDrop := c.doDequeue(now, q, par)
	if e.Packet == nil {
		c.dropping = false
		return e
	}
	if c.dropping {
		if !okToDrop {
			c.dropping = false
		}
		for c.dropping && now >= c.dropNext {
			c.count++
			if par.ECN && h.mark(e.Packet) {
				c.marks++
				c.dropNext = c.controlLaw(c.dropNext, par.Interval)
				return e
			}
			c.drops++
			h.drop(e)
			e, okToDrop = c.doDequeue(now, q, par)
			if !okToDrop {
				c.dropping = false
			} else {
				c.dropNext = c.controlLaw(c.dropNext, par.Interval)
			}
		}
		return e
	}
	if okToDrop {
		if par.ECN && h.mark(e.Packet) {
			c.marks++
		} else {
			c.drops++
			h.drop(e)
			e, _ = c.doDequeue(now, q, par)
		}
		c.dropping = true
		// Resume near the drop rate that last controlled the queue if it
		// came back soon (within 16 intervals), rather than from 1.
		delta := c.count - c.lastCount
		c.count = 1
		if delta > 1 && now.Sub(c.dropNext) < 16*par.Interval {
			c.count = delta
		}
		c.dropNext = c.controlLaw(now, par.Interval)
		c.lastCount = c.count
	}
	return e
}

// CoDel is a FIFO managed by CoDel, with a tail-drop limit as a backstop
// (Linux's codel default is 1000 packets).
type CoDel struct {
	fifo         byteFIFO
	vars         codelVars
	par          CoDelParams
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
	hooks        QdiscHooks
	overflows    int64
}

var _ Qdisc = (*CoDel)(nil)

// NewCoDel returns a CoDel queue with the given parameters (zero fields
// take the defaults) and tail-drop limits (0 lifts a limit). Packets it
// drops at dequeue go to hooks.Drop.
func NewCoDel(par CoDelParams, limitPackets, limitBytes int, hooks QdiscHooks) *CoDel {
	return &CoDel{par: par.withDefaults(), limitPackets: limitPackets, limitBytes: limitBytes, hooks: hooks}
}

// Enqueue admits p unless the queue is at its limit; CoDel itself never
// refuses an arrival.
func (q *CoDel) Enqueue(e Queued) bool {
	if q.limitPackets > 0 && q.fifo.Len() >= q.limitPackets ||
		q.limitBytes > 0 && q.fifo.bytes+e.Len > q.limitBytes {
		q.overflows++
		return false
	}
	q.vars.maxPacket = max(q.vars.maxPacket, e.Len)
	q.fifo.push(e)
	return true
}

// Dequeue returns the next packet to transmit, having dropped any the
// control law calls for.
func (q *CoDel) Dequeue(now units.Time) Queued {
	return q.vars.dequeue(now, &q.fifo, &q.par, &q.hooks)
}

// Len is the number of packets waiting.
func (q *CoDel) Len() int { return q.fifo.Len() }

// Bytes is the number of bytes waiting.
func (q *CoDel) Bytes() int { return q.fifo.bytes }

// Drops counts packets dropped: by the control law at dequeue and by the
// limit at enqueue.
func (q *CoDel) Drops() int64 { return q.vars.drops + q.overflows }

// Marks counts packets marked CE instead of dropped.
func (q *CoDel) Marks() int64 { return q.vars.marks }
