// The queue discipline: which packets wait in front of the transmitter, in
// what order they leave, and which are refused. Drop-tail (droptail.go) is
// the default; drop-head, RED (RFC 2309), CoDel (RFC 8289), FQ-CoDel
// (RFC 8290) and PIE (RFC 8033) fit the same interface, each in its own
// file, and report drops after admission and CE marks through QdiscHooks.

package netem

import (
	"ccbench/packet"
	"ccbench/units"
)

// Qdisc holds the packets waiting for the transmitter. The packet being
// serialized has already left it, as in Linux, where the qdisc backlog
// counts only packets the device has not yet taken: Len and Bytes are the
// standing queue an AQM reasons about, and a limit of N packets lets N wait
// behind the one on the wire.
type Qdisc interface {
	// Enqueue offers p, which arrived at now (p.Enqueued is set). It
	// returns false if the discipline refuses p; the caller then still owns
	// p and accounts for the drop.
	Enqueue(now units.Time, p *packet.Packet) bool
	// Dequeue removes and returns the packet the transmitter sends next, or
	// nil when none is waiting. now is when the transmitter becomes free,
	// which a sojourn-time discipline needs; it may be earlier than the
	// time the Link was last called with, never earlier than a previous
	// Dequeue's.
	Dequeue(now units.Time) *packet.Packet
	// Len is the number of packets waiting.
	Len() int
	// Bytes is the number of bytes waiting.
	Bytes() int
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
	// ownership passes with it. It must not be nil for a discipline that
	// drops after admission.
	Drop func(p *packet.Packet)
	// Mark is told that the discipline set CE on p, which it keeps; nil
	// when nobody counts marks.
	Mark func(p *packet.Packet)
}

// drop hands p to the Drop hook.
func (h *QdiscHooks) drop(p *packet.Packet) { h.Drop(p) }

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
// every discipline here except drop-tail.
type byteFIFO struct {
	ring
	bytes int
}

func (f *byteFIFO) push(p *packet.Packet) {
	f.Push(p)
	f.bytes += p.Len()
}

func (f *byteFIFO) pop() *packet.Packet {
	p := f.Pop()
	if p != nil {
		f.bytes -= p.Len()
	}
	return p
}
