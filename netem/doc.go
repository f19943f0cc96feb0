// Package netem emulates a bottleneck link in the packet path: the queue in
// front of it, the time it takes to clock each packet onto the wire, the
// propagation delay, and random loss.
//
// A Link is a pipeline of small stages, each in its own file:
//
//	Enqueue ─► loss model ─► queue discipline ─► serializer ─► delay line ─► Dequeue
//	           (LossModel)   (Qdisc, waiting)    (rate)        (propagation)
//
// A packet offered to Enqueue is first subjected to the loss model, as Linux
// netem does, then to the queue discipline's admission test (drop-tail for
// now). The serializer takes one packet at a time from the discipline and
// holds it for its transmission time at the link's rate; the next packet
// starts exactly when the previous one's last bit has left, so the link's
// timing does not depend on when the caller happens to look. A serialized
// packet then spends the propagation delay in the delay line before Dequeue
// hands it out. Stages are interfaces where alternatives are expected (RED,
// CoDel and PIE are queue disciplines; Gilbert-Elliott is a loss model), so
// adding one is a new file and a choice in NewLink, with no change to the
// other stages.
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
// Packets are owned by whoever holds them. Enqueue takes ownership; a packet
// that is lost or dropped goes straight back to the Link's packet.Pool, and
// one returned by Dequeue belongs to the caller.
package netem
