// Package netem emulates a bottleneck link in the packet path: the queue in
// front of it, the time it takes to clock each packet onto the wire, the
// propagation delay, random loss, and netem's other impairments.
//
// A Link is a pipeline of small stages, each in its own file:
//
//	Enqueue ─► duplicate ─► loss model ─► corrupt ─► policer ─► ECN ─► queue discipline ─► transmitter ─► reorder/jitter ─► medium ─► Dequeue
//	           (impair.go)  (LossModel)   (impair)   (policer)  (mark)  (Qdisc, waiting)   (rate or trace) (impair, jitter)  (delay line)
//
// The order is Linux netem's. A packet offered to Enqueue may first be
// copied (the copy follows it through the rest), then meets the loss
// model, may have a bit flipped, and is dropped if it exceeds the
// policer's token bucket. ECN marking and the queue discipline's
// admission test come next. The transmitter takes one packet at a time
// from the discipline and holds it for its transmission time, at the
// link's rate or, on a trace link, until the trace's delivery
// opportunities have carried its bytes; the next packet starts exactly
// when the previous one's last bit has left, so the link's timing does not
// depend on when the caller happens to look. A transmitted packet then
// spends the propagation delay, plus jitter if any, on the medium before
// Dequeue hands it out; packets keep their order there unless jitter's
// Reorder switch or netem's reorderer lets one overtake. A Schedule
// changes rate, delay and loss rate at given times. Every optional stage
// is off in a zero LinkConfig. Stages are interfaces where alternatives
// are expected (queue disciplines, loss models, transmitters), so adding
// one is a new file and a choice in NewLink, with no change to the other
// stages.
//
// The package is pure: no goroutines, no clock reads. Every method that
// needs the time takes now, and NextDeadline says when the Link next has
// something to do. The simulator calls Dequeue at that virtual time; the
// real-time relay sleeps until it. Times passed in must not go backwards.
//
// A Link carries packets in one direction. The reverse path (the ACKs of a
// TCP flow) is simply a second Link with its own LinkConfig; nothing couples
// the two.
//
// The common bottleneck, a fixed rate and delay behind a drop-tail queue
// with none of the other stages, is planned (planned.go): each packet's
// start, end of transmission and arrival are computed when it is admitted,
// and it stays in one line until delivered, with the same times and
// counters as through the stages.
//
// Packets are owned by whoever holds them. Enqueue takes ownership; a packet
// that is lost or dropped goes straight back to the Link's packet.Pool, and
// one returned by Dequeue belongs to the caller.
//
// Once a packet is admitted, the link does not read its buffer again until
// Dequeue hands it out: the queue disciplines, the transmitter and the
// delay line keep each packet's length and its arrival or due time beside
// the pointer (Queued, ring.go). A packet that has waited behind
// thousands of others is out of cache, so reading it there would cost a
// miss per packet; the caller of Dequeue reads it anyway. Only an AQM
// marking CE at dequeue writes to a waiting packet.
package netem
