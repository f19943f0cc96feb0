// The queue discipline: which packets wait in front of the transmitter, in
// what order they leave, and which are refused. Drop-tail (droptail.go) is
// the default; drop-head, RED (RFC 2309), CoDel (RFC 8289), FQ-CoDel
// (RFC 8290) and PIE (RFC 8033) fit the same interface, each in its own
// file, and report drops after admission and CE marks through QdiscHooks.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// Qdisc holds the packets waiting for the transmitter. The packet being
// serialized has already left it, as in Linux, where the qdisc backlog
// counts only packets the device has not yet taken: Len and Bytes are the
// standing queue an AQM reasons about, and a limit of N packets lets N wait
// behind the one on the wire.
//
// A discipline keeps what it consults about a waiting packet in a Queued
// beside the pointer and never reads it from the packet once admitted (see
// ring.go); only marking CE, which rewrites the header, touches a packet
// that waits.
type Qdisc interface {
	// Enqueue offers e.Packet, which arrived at e.Enqueued (its sojourn
	// is measured from then) and is e.Len bytes long. It returns false
	// if the discipline refuses it; the caller then still owns the
	// packet and accounts for the drop.
	Enqueue(e Queued) bool
	// Dequeue removes and returns the packet the transmitter sends next,
	// with its length and arrival, or a Queued with a nil Packet when none
	// is waiting. now is when the transmitter becomes free, which a
	// sojourn-time discipline needs; it may be earlier than the time the
	// Link was last called with, never earlier than a previous Dequeue's.
	Dequeue(now units.Time) Queued
	// Len is the number of packets waiting.
	Len() int
	// Bytes is the number of bytes waiting.
	Bytes() int
}

// Queued is a packet in a queue with what the queue and the link read
// about it, so that neither reaches into the packet's buffer, long out of
// cache in a deep queue, to learn them.
type Queued struct {
	Packet *packet.Packet
	// Enqueued is when the packet entered the queue.
	Enqueued units.Time
	// Len is the packet's length in bytes.
	Len int
	// Tag is the driver's word about the packet, carried beside it
	// through the link untouched (Link.EnqueueTagged): the simulator
	// keeps its route there, so forwarding never reads a packet that
	// has been out of cache for a whole queue and propagation delay.
	Tag uint64
}

// queued is p arriving at now.
func queued(now units.Time, p *packet.Packet) Queued {
	return Queued{Packet: p, Enqueued: now, Len: p.Len()}
}

// QdiscHooks is how a discipline reports what it does to packets it has
// already admitted. Drop-tail only ever refuses an arrival, which Enqueue's
// false return covers, but drop-head discards the oldest packet to make
// room, CoDel discards at dequeue and FQ-CoDel discards from another flow
// than the arrival's; RED, CoDel and PIE may set CE instead of dropping.
// The Link passes hooks that count these in LinkStats and return dropped
// packets to its pool, so a discipline never owns a pool itself.
type QdiscHooks struct {
	// Drop receives a packet the discipline discarded after admitting it;
	// ownership of the packet passes with it. It must not be nil for a
	// discipline that drops after admission.
	Drop func(q Queued)
	// Mark is told that the discipline set CE on p, which it keeps; nil
	// when nobody counts marks.
	Mark func(p *packet.Packet)
}

// drop hands q to the Drop hook.
func (h *QdiscHooks) drop(q Queued) { h.Drop(q) }

// mark sets CE on p if it is ECN-capable, tells the Mark hook, and reports
// whether it did; an AQM that may signal by marking calls it before
// falling back to a drop.
func (h *QdiscHooks) mark(p *packet.Packet) bool {
	if !markCE(p) {
		return false
	}
	if h.Mark != nil {
		h.Mark(p)
	}
	return true
}

// byteFIFO is a ring that also keeps the bytes it holds, the storage of
// every discipline here.
type byteFIFO struct {
	ring
	bytes int
}

func (f *byteFIFO) push(q Queued) {
	f.Push(q)
	f.bytes += q.Len
}

// pop removes the oldest packet, or returns a Queued with a nil Packet
// when empty.
func (f *byteFIFO) pop() Queued {
	if f.Len() == 0 {
		return Queued{}
	}
	q := f.Pop()
	f.bytes -= q.Len
	return q
}
