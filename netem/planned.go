// A planned link: the common bottleneck (a fixed rate, a fixed delay and a
// drop-tail queue, with no stage that acts on arrival, no ECN marking and
// no duplication) decides everything about a packet when it is admitted.
// Packets start in the order they arrive, each when the previous one's
// last bit has left or on arrival if the transmitter is idle by then, so
// a packet's start, the end of its transmission and its arrival at the
// far end follow from the previous packet's end and its own length:
//
//	start = max(arrival, previous end)    end = start + transmission time
//	due = end + delay
//
// The link then holds its packets in one line, in order (Link.prop),
// whether they wait, are being sent or propagate, instead of moving each
// from the queue to the transmitter to the medium. What the stages would
// have counted when a packet starts (its sojourn, the busy time) is
// counted by a cursor over the line that passes each start when the link
// is next called at or after it, as advance would: Stats after Sync, and
// the sojourn histogram, read the same at every instant as on the link of
// stages. The queue at an instant is the packets whose start is later,
// which is what drop-tail's admission test and its maximum read.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// plan is a planned link's state beside its line of packets.
type plan struct {
	// times holds each packet's start and arrival at the link, at the
	// packet's own index in the line (Link.prop's ring, which it follows
	// as it grows).
	times []plannedTimes
	// started counts the packets from the line's head whose transmission
	// has started by now; the rest wait in the queue, and queueBytes is
	// their length.
	started    int
	queueBytes int
	// nextStart is when the first waiting packet starts, units.Never
	// when none waits.
	nextStart units.Time
	// lastFinish is when the newest admitted packet's last bit leaves:
	// the transmitter is idle from then on.
	lastFinish units.Time
	// busy adds up the transmission times of started packets, and the
	// latest of them ends at txFinish after txTime.
	busy     units.Duration
	txFinish units.Time
	txTime   units.Duration
	// now is the latest time the link was called with.
	now units.Time
}

// plannedTimes is when a packet in a planned link's line starts and when
// it arrived at the link.
type plannedTimes struct {
	start, enqueued units.Time
}

// enqueuePlanned is EnqueueTagged on a planned link. The transmitter is
// idle at now exactly when the newest packet's transmission has ended by
// now (lastFinish): every packet has then started, the queue is empty,
// and the arrival starts at once, as admit's shortcut has it.
func (l *Link) enqueuePlanned(now units.Time, p *packet.Packet, n int, tag uint64) (sooner bool) {
	pl := &l.plan
	pl.now = max(pl.now, now)
	if now >= pl.nextStart {
		l.startPlanned(now)
	}
	// Nothing waiting, sending or propagating: the link's deadline was
	// Never.
	sooner = l.prop.n == 0
	l.stats.EnqueuedPackets++
	l.stats.EnqueuedBytes += int64(n)
	if !l.dropTail.admits(l.prop.n-pl.started, pl.queueBytes, n) {
		l.stats.DroppedPackets++
		l.stats.DroppedBytes += int64(n)
		l.pool.Put(p)
		return sooner
	}
	start := max(now, pl.lastFinish)
	finish := start.Add(l.rate.txMemo.TxTime(l.rate.rate, n+l.rate.overhead))
	pl.lastFinish = finish
	// Ends never decrease, so neither do dues: the line stays in order.
	l.pushPlanned(finish.Add(l.cfg.Delay), p, n, tag, plannedTimes{start, now})
	pl.queueBytes += n
	if start == now {
		// Served at once, the only packet not started before; the
		// queue's maximum does not count a packet that never waited.
		l.startPlanned(now)
		return sooner
	}
	pl.nextStart = min(pl.nextStart, start)
	l.stats.MaxQueuePackets = max(l.stats.MaxQueuePackets, l.prop.n-pl.started)
	l.stats.MaxQueueBytes = max(l.stats.MaxQueueBytes, pl.queueBytes)
	return sooner
}

// pushPlanned puts a packet at the end of a planned link's line, with its
// times beside it.
func (l *Link) pushPlanned(due units.Time, p *packet.Packet, n int, tag uint64, t plannedTimes) {
	d := &l.prop
	if d.n == len(d.flight) {
		// Grown as d.grow grows the line, unwrapped to start at 0.
		times := make([]plannedTimes, max(minRing, 2*len(d.flight)))
		k := copy(times, l.plan.times[d.head:])
		copy(times[k:], l.plan.times[:d.head])
		l.plan.times = times
		d.grow()
	}
	i := (d.head + d.n) & (len(d.flight) - 1)
	d.flight[i] = onMedium{p, due, n, tag}
	l.plan.times[i] = t
	d.n++
	d.bytes += n
}

// dequeuePlanned is dequeue on a planned link. A packet due by now has
// ended its transmission by now, so it has started: the cursor is past it.
func (l *Link) dequeuePlanned(now units.Time) onMedium {
	pl := &l.plan
	pl.now = max(pl.now, now)
	if now >= pl.nextStart {
		l.startPlanned(now)
	}
	a := l.prop.arrivedBy(now)
	if a.p == nil {
		return a
	}
	pl.started--
	l.stats.DeliveredPackets++
	l.stats.DeliveredBytes += int64(a.n)
	return a
}

// startPlanned moves the cursor past every packet that starts by now,
// counting each as served at its start (Link.served) and its transmission
// time as busy, which is what the stages count when a packet goes from the
// queue to the transmitter.
func (l *Link) startPlanned(now units.Time) {
	pl := &l.plan
	d := &l.prop
	mask := len(d.flight) - 1
	for pl.started < d.n {
		i := (d.head + pl.started) & mask
		t := pl.times[i]
		if t.start > now {
			pl.nextStart = t.start
			return
		}
		pl.started++
		n := d.flight[i].n
		pl.queueBytes -= n
		// due is the end of the transmission plus the delay.
		pl.txFinish = d.flight[i].due.Add(-l.cfg.Delay)
		pl.txTime = pl.txFinish.Sub(t.start)
		pl.busy += pl.txTime
		w := t.start.Sub(t.enqueued)
		l.stats.ServedPackets++
		l.stats.SojournTotal += w
		if l.sojourn != nil {
			l.sojourn.Record(w)
		}
	}
	pl.nextStart = units.Never
}

// syncPlanned is Sync on a planned link.
func (l *Link) syncPlanned(now units.Time) {
	l.plan.now = max(l.plan.now, now)
	if now >= l.plan.nextStart {
		l.startPlanned(now)
	}
}

// statsPlanned fills in what Stats reads from the stages on a link of
// stages: the queue is the packets not started, every packet in the line
// is in the system, and the busy time leaves out the packet still being
// sent at the latest call.
func (l *Link) statsPlanned(s *LinkStats) {
	pl := &l.plan
	s.QueuePackets = l.prop.n - pl.started
	s.QueueBytes = pl.queueBytes
	s.InSystemPackets = l.prop.n
	s.InSystemBytes = l.prop.bytes
	s.BusyTime = pl.busy
	if pl.txFinish > pl.now {
		s.BusyTime -= pl.txTime
	}
}
