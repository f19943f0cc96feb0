// The queue discipline: which packets wait in front of the transmitter, in
// what order they leave, and which are refused. Drop-tail is the first; RED
// (RFC 2309), CoDel (RFC 8289), FQ-CoDel (RFC 8290) and PIE (RFC 8033) fit
// the same interface.

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
