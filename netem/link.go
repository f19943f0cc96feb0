// The Link: the stages of one direction of a bottleneck wired together
// (loss model, queue discipline, serializer, delay line; see the package
// comment), with the bookkeeping that moves packets between them at the
// exact times the model gives.

package netem

import (
	"errors"

	"ccbench/packet"
	"ccbench/units"
)

// Link is one direction of an emulated link. It is not safe for concurrent
// use; the driver that owns it calls it from one goroutine.
type Link struct {
	cfg   LinkConfig
	pool  *packet.Pool
	loss  LossModel
	qdisc Qdisc
	ecn   ecnMarker
	tx    serializer
	prop  delayLine
	stats LinkStats
}

// NewLink builds a link from a validated cfg. Lost and dropped packets are
// returned to pool.
func NewLink(cfg LinkConfig, pool *packet.Pool) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, errors.New("netem: NewLink needs the packet pool that lost and dropped packets return to")
	}
	l := &Link{
		cfg:  cfg,
		pool: pool,
		loss: NewBernoulli(cfg.LossRate, cfg.Seed),
		ecn:  ecnMarker{thresholdPackets: cfg.ECNThresholdPackets, thresholdBytes: cfg.ECNThresholdBytes},
		tx:   serializer{rate: cfg.Rate},
		prop: delayLine{delay: cfg.Delay},
	}
	l.qdisc = newQdisc(cfg, QdiscHooks{Drop: l.droppedInQueue, Mark: l.markedByQdisc})
	return l, nil
}

// newQdisc builds the discipline cfg names.
func newQdisc(cfg LinkConfig, hooks QdiscHooks) Qdisc {
	par := cfg.QdiscParams
	switch cfg.Qdisc {
	case QdiscDropHead:
		return NewDropHead(cfg.QueuePackets, cfg.QueueBytes, hooks)
	case QdiscRED:
		return NewRED(par.RED, cfg.QueuePackets, cfg.QueueBytes, cfg.Seed, hooks)
	case QdiscCoDel:
		return NewCoDel(par.CoDel, cfg.QueuePackets, cfg.QueueBytes, hooks)
	case QdiscFQCoDel:
		return NewFQCoDel(par.FQCoDel, cfg.QueuePackets, cfg.QueueBytes, cfg.Seed, hooks)
	case QdiscPIE:
		return NewPIE(par.PIE, cfg.QueuePackets, cfg.QueueBytes, cfg.Seed, hooks)
	}
	return NewDropTail(cfg.QueuePackets, cfg.QueueBytes)
}

// droppedInQueue accounts for a packet the discipline discarded after
// admitting it (CoDel at dequeue, drop-head and FQ-CoDel on overflow).
func (l *Link) droppedInQueue(p *packet.Packet) {
	l.stats.DroppedPackets++
	l.stats.DroppedBytes += int64(p.Len())
	l.pool.Put(p)
}

// markedByQdisc counts a CE mark set by an AQM (RED, CoDel, PIE).
func (l *Link) markedByQdisc(p *packet.Packet) {
	l.stats.MarkedPackets++
	l.stats.MarkedBytes += int64(p.Len())
}

// Enqueue hands p to the link at now; the link owns it from here on. p is
// either lost, dropped (both return it to the pool) or eventually returned
// by Dequeue.
func (l *Link) Enqueue(now units.Time, p *packet.Packet) {
	// Packets whose transmission ended by now have left the queue, so the
	// admission test below sees the queue as it is at now, whether or not
	// the driver called Dequeue first.
	l.advance(now)

	n := p.Len()
	l.stats.EnqueuedPackets++
	l.stats.EnqueuedBytes += int64(n)
	if l.loss.Lose(now, p) {
		l.stats.LostPackets++
		l.stats.LostBytes += int64(n)
		l.pool.Put(p)
		return
	}
	p.Enqueued = now
	// The mark is decided on the queue this packet finds and set before the
	// discipline sees it; a packet the buffer then refuses is dropped all
	// the same and does not count as marked.
	marked := l.ecn.congested(l.qdisc.Len(), l.qdisc.Bytes()) && markCE(p)
	if !l.qdisc.Enqueue(now, p) {
		l.stats.DroppedPackets++
		l.stats.DroppedBytes += int64(n)
		l.pool.Put(p)
		return
	}
	if marked {
		l.stats.MarkedPackets++
		l.stats.MarkedBytes += int64(n)
	}
	l.stats.MaxQueuePackets = max(l.stats.MaxQueuePackets, l.qdisc.Len())
	l.stats.MaxQueueBytes = max(l.stats.MaxQueueBytes, l.qdisc.Bytes())

	if l.tx.idle() {
		if next := l.qdisc.Dequeue(now); next != nil {
			l.served(now, next)
			l.tx.start(now, next)
			// At an unlimited rate the packet is already through.
			l.advance(now)
		}
	}
}

// Dequeue returns the next packet that has reached the far end of the link
// by now, or nil. Call it until it returns nil. The returned packet's Due is
// when it arrived, which is at or before now.
func (l *Link) Dequeue(now units.Time) *packet.Packet {
	l.advance(now)
	p := l.prop.arrivedBy(now)
	if p != nil {
		l.stats.DeliveredPackets++
		l.stats.DeliveredBytes += int64(p.Len())
	}
	return p
}

// NextDeadline is when the link next changes state by itself: the end of
// the current transmission or the arrival of the next packet, whichever is
// earlier; units.Never when the link is empty.
func (l *Link) NextDeadline() units.Time {
	return units.MinTime(l.tx.deadline(), l.prop.deadline())
}

// Stats returns a snapshot of the link's counters as of the last call.
func (l *Link) Stats() LinkStats {
	s := l.stats
	s.Config = l.cfg
	s.QueuePackets = l.qdisc.Len()
	s.QueueBytes = l.qdisc.Bytes()
	s.InSystemPackets = s.QueuePackets + l.prop.Len()
	s.InSystemBytes = s.QueueBytes + l.prop.bytes
	if !l.tx.idle() {
		s.InSystemPackets++
		s.InSystemBytes += l.tx.inService.Len()
	}
	s.BusyTime = l.tx.busy
	return s
}

// advance runs the transmitter up to now: every packet whose last bit has
// left by now moves to the delay line, and the next waiting packet starts
// at that very instant, not at now, so the link's timing is the same
// however rarely it is called.
func (l *Link) advance(now units.Time) {
	for {
		done := l.tx.finishBy(now)
		if done == nil {
			return
		}
		at := l.tx.finish
		l.prop.push(at, done)
		next := l.qdisc.Dequeue(at)
		if next == nil {
			return
		}
		l.served(at, next)
		l.tx.start(at, next)
	}
}

// served accounts for p leaving the queue for the transmitter at t: its
// sojourn in the queue is its queueing delay.
func (l *Link) served(t units.Time, p *packet.Packet) {
	l.stats.ServedPackets++
	l.stats.SojournTotal += t.Sub(p.Enqueued)
}
