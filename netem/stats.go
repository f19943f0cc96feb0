// Counters a Link keeps for the metrics layer: what came in, what was lost
// or dropped, what came out, how full the queue is and was, and how long the
// transmitter was busy.

package netem

import "github.com/ccbench/ccbench/units"

// LinkStats is a snapshot of a Link's counters. Packet and byte counts
// always balance:
//
//	Enqueued + Duplicated = Delivered + Dropped + Lost + Policed + InSystem
type LinkStats struct {
	Config LinkConfig

	// Enqueued counts every packet offered to Enqueue.
	EnqueuedPackets, EnqueuedBytes int64
	// Duplicated counts the copies the link made (impair.go); each copy
	// then meets the same fates as any arrival.
	DuplicatedPackets, DuplicatedBytes int64
	// Lost counts packets the loss model discarded on arrival.
	LostPackets, LostBytes int64
	// Policed counts packets the policer dropped on arrival.
	PolicedPackets, PolicedBytes int64
	// Corrupted counts packets that had a bit flipped; like a mark, it is
	// not a fate: they carry on.
	CorruptedPackets, CorruptedBytes int64
	// ReorderedPackets counts packets the reorderer sent without the
	// propagation delay.
	ReorderedPackets int64
	// Dropped counts packets the queue discipline refused (overflow).
	DroppedPackets, DroppedBytes int64
	// Delivered counts packets handed out by Dequeue.
	DeliveredPackets, DeliveredBytes int64
	// Marked counts admitted packets this link set CE on (ecnmark.go). A
	// mark is not a fate: marked packets are also counted as delivered or
	// in the system.
	MarkedPackets, MarkedBytes int64

	// QueuePackets and QueueBytes are waiting for the transmitter now; the
	// packet being serialized is not included (see Qdisc).
	QueuePackets, QueueBytes int
	// MaxQueuePackets and MaxQueueBytes are the largest the queue has
	// been at any instant, counted as QueuePackets and QueueBytes are:
	// exact, since it is updated after every admission, where alone the
	// queue grows. The two maxima may come from different instants.
	MaxQueuePackets, MaxQueueBytes int
	// InSystem counts packets inside the link: queued, being serialized or
	// propagating.
	InSystemPackets, InSystemBytes int

	// ServedPackets counts packets that left the queue for the
	// transmitter, and SojournTotal adds up the time each waited in the
	// queue: SojournTotal / ServedPackets is the mean queueing delay.
	ServedPackets int64
	SojournTotal  units.Duration

	// BusyTime is the total serialization time of packets whose last bit
	// has left; divided by the elapsed time it is the link's utilization.
	BusyTime units.Duration
}
