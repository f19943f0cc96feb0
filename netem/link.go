// The Link: the stages of one direction of a bottleneck wired together
// (loss model, queue discipline, serializer, delay line; see the package
// comment), with the bookkeeping that moves packets between them at the
// exact times the model gives.

package netem

import (
	"errors"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// Link is one direction of an emulated link. It is not safe for concurrent
// use; the driver that owns it calls it from one goroutine.
type Link struct {
	cfg  LinkConfig
	pool *packet.Pool
	loss LossModel
	// bernoulli is loss when it is the Bernoulli model, whose rate a
	// schedule changes; nil otherwise.
	bernoulli *Bernoulli
	qdisc     Qdisc
	ecn       ecnMarker
	// tx is rate (the fixed-rate serializer) or the trace's.
	tx   transmitter
	rate serializer
	// The optional stages; nil when off.
	dup      *Duplicator
	corrupt  *Corrupter
	police   *Policer
	jitter   *Jitter
	reorder  *Reorderer
	schedule *Schedule
	// The medium: prop when packets leave in the order they entered,
	// unordered (reorderLine) when reordering is possible. On a planned
	// link prop holds every packet admitted and not yet delivered.
	reorders  bool
	prop      delayLine
	unordered reorderLine
	// lastDue is the previous packet's release without jitter, to keep a
	// scheduled delay decrease from reordering packets.
	lastDue units.Time
	// fixedDelay is set when every packet arrives exactly cfg.Delay after
	// its last bit leaves the transmitter (no jitter, no reordering, no
	// schedule): the link then need not wake when a transmission ends,
	// only when the packet arrives (NextDeadline).
	fixedDelay bool
	// pureDelay is set when the link is nothing but a delay: no rate (so
	// no queue ever forms), no limit, loss, impairment, jitter or
	// schedule, and a drop-tail discipline. Enqueue then puts a packet on
	// the medium directly, with the same counts and times as the stages
	// would give it.
	pureDelay bool
	// plainTiming is set when the link's timing has none of the
	// exceptions: a fixed delay (fixedDelay), packets that leave in order
	// (no reordering), the fixed-rate transmitter (no trace) and no
	// schedule. NextDeadline then needs only the transmitter and the
	// head of the medium.
	plainTiming bool
	// txTag is the tag of the packet in service.
	txTag uint64
	// trace is tx when it is a trace's transmitter, nil for the
	// fixed-rate one: the per-packet calls go to the concrete type, which
	// the compiler inlines, instead of through the interface.
	trace *traceSerializer
	// dropTail is qdisc when it is drop-tail, the common discipline, and
	// nil otherwise: as with trace, the per-packet calls then go to the
	// concrete type, which the compiler inlines, instead of through the
	// interface.
	dropTail *DropTail
	// arrivalStages is set when the link has a stage for arrive: a
	// schedule, a loss model, corruption or a policer.
	arrivalStages bool
	// simpleQueue is set for drop-tail and drop-head, whose admission of a
	// packet into an empty queue depends only on its length: a packet
	// that finds the queue empty and the transmitter idle then goes
	// straight on the wire (admit).
	simpleQueue bool
	// quiet is a time before which advance has nothing to do: the end
	// of the transmission in progress, or units.Never while the
	// transmitter is idle, on a link whose transmitter has no trace and
	// that follows no schedule; on other links 0, so advance always
	// runs. It lets the common call, one that changes nothing, return
	// after one comparison.
	quiet units.Time
	// now is the latest time advanceTx brought the link to. Only a
	// schedule reads it (NextDeadline), and a link with one always runs
	// advanceTx (quiet is 0), so on other links it may lag.
	now   units.Time
	stats LinkStats
	// sojourn, if set, records every packet's queueing delay. It is the
	// histogram itself, not a func: a method value costs an indirect call
	// and a wrapper's per packet where this is one direct call.
	sojourn *metrics.Histogram
	// planned is set on a link whose packets' times are all known on
	// admission, and plan is then its state (planned.go).
	planned bool
	plan    plan
}

// transmitter is what Link needs of the stage that clocks packets onto the
// wire: the fixed-rate serializer or a trace's delivery opportunities.
type transmitter interface {
	idle() bool
	// start begins sending p, of n bytes, at at.
	start(at units.Time, p *packet.Packet, n int)
	// finishBy returns the packet in service and its length if it has
	// finished by now, or nil.
	finishBy(now units.Time) (*packet.Packet, int)
	deadline() units.Time
	// finishTime is when the packet in service finishes.
	finishTime() units.Time
	// current is the packet in service and its length, nil when idle.
	current() (*packet.Packet, int)
	// busyTime is the total transmission time of finished packets.
	busyTime() units.Duration
}

func (s *serializer) finishTime() units.Time         { return s.finish }
func (s *serializer) current() (*packet.Packet, int) { return s.inService, s.n }
func (s *serializer) busyTime() units.Duration       { return s.busy }

func (s *traceSerializer) current() (*packet.Packet, int) { return s.inService, s.n }

// busyTime is 0: a trace link's utilization is DeliveredBytes over
// Trace.CapacityBytes, not a busy time.
func (s *traceSerializer) busyTime() units.Duration { return 0 }

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
		cfg:      cfg,
		pool:     pool,
		ecn:      ecnMarker{thresholdPackets: cfg.ECNThresholdPackets, thresholdBytes: cfg.ECNThresholdBytes},
		rate:     serializer{rate: cfg.Rate, overhead: cfg.Overhead},
		schedule: cfg.Schedule,
		reorders: cfg.reorders(),
	}
	switch cfg.LossModel {
	case LossGilbertElliott:
		l.loss = NewGilbertElliott(cfg.GilbertElliott, cfg.Seed)
	case LossFourState:
		l.loss = NewFourState(cfg.FourState, cfg.Seed)
	default:
		l.bernoulli = NewBernoulli(cfg.LossRate, cfg.Seed)
		l.loss = l.bernoulli
		if cfg.LossRate == 0 && cfg.Schedule == nil {
			// Nothing can lose a packet, and the model's generator is its
			// own: its draws cannot be observed, so none is made.
			l.loss = nil
		}
	}
	l.tx = &l.rate
	if cfg.Trace != nil {
		l.trace = newTraceSerializer(cfg.Trace)
		l.tx = l.trace
	}
	if cfg.Duplicate.Prob > 0 {
		l.dup = NewDuplicator(cfg.Duplicate.Prob, cfg.Duplicate.Correlation, cfg.Seed)
	}
	if cfg.Corrupt.Prob > 0 {
		l.corrupt = NewCorrupter(cfg.Corrupt.Prob, cfg.Corrupt.Correlation, cfg.Seed)
	}
	if cfg.Policer.Rate > 0 {
		l.police = NewPolicer(cfg.Policer.Rate, cfg.Policer.Burst)
	}
	if cfg.Jitter.Jitter > 0 {
		prm := cfg.Jitter
		prm.Delay = cfg.Delay
		l.jitter = NewJitter(prm, cfg.Seed)
	}
	if cfg.Reorder.Prob > 0 {
		l.reorder = NewReorderer(cfg.Reorder.Prob, cfg.Reorder.Correlation, max(cfg.Reorder.Gap, 1), cfg.Seed)
	}
	l.qdisc = newQdisc(cfg, QdiscHooks{Drop: l.droppedInQueue, Mark: l.markedByQdisc})
	l.arrivalStages = l.schedule != nil || l.loss != nil || l.corrupt != nil || l.police != nil
	l.fixedDelay = l.jitter == nil && l.reorder == nil && l.schedule == nil
	if l.trace == nil && l.schedule == nil {
		l.quiet = units.Never
	}
	l.plainTiming = l.fixedDelay && !l.reorders && l.trace == nil && l.schedule == nil
	switch q := l.qdisc.(type) {
	case *DropTail:
		l.dropTail = q
		l.simpleQueue = true
	case *DropHead:
		l.simpleQueue = true
	}
	l.pureDelay = l.fixedDelay && cfg.Rate == 0 && cfg.Trace == nil && l.loss == nil &&
		l.dup == nil && l.corrupt == nil && l.police == nil &&
		cfg.QueuePackets == 0 && cfg.QueueBytes == 0 && (cfg.Qdisc == "" || cfg.Qdisc == QdiscDropTail)
	l.planned = l.plainTiming && l.dropTail != nil && !l.arrivalStages && l.dup == nil && !l.ecn.on() && !l.pureDelay
	l.plan.nextStart = units.Never
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
func (l *Link) droppedInQueue(q Queued) {
	l.stats.DroppedPackets++
	l.stats.DroppedBytes += int64(q.Len)
	l.pool.Put(q.Packet)
}

// markedByQdisc counts a CE mark set by an AQM (RED, CoDel, PIE).
func (l *Link) markedByQdisc(p *packet.Packet) {
	l.stats.MarkedPackets++
	l.stats.MarkedBytes += int64(p.Len())
}

// Enqueue hands p to the link at now; the link owns it from here on. p is
// either lost, policed, dropped (all return it to the pool) or eventually
// returned by Dequeue. A duplicate, when the link makes one, follows p
// through the same stages.
func (l *Link) Enqueue(now units.Time, p *packet.Packet) {
	p.Enqueued = now
	l.EnqueueTagged(now, p, p.Len(), 0)
}

// EnqueueTagged is Enqueue for a packet of n bytes (p.Len()) with a tag
// that DequeueTagged hands back with it. Neither reads the packet unless a
// stage must (loss models and impairments, ECN marking, FQ-CoDel's flow
// hash): a packet a driver only forwards stays out of the processor's
// cache while it crosses the link.
//
// It reports whether NextDeadline may have moved earlier. On a link with
// a fixed delay that is sending a packet or has one on the medium, it
// cannot: the new packet leaves after those, and the link's next change
// is still theirs; a driver that scheduled the link for it need not ask
// again.
func (l *Link) EnqueueTagged(now units.Time, p *packet.Packet, n int, tag uint64) (sooner bool) {
	if l.pureDelay {
		sooner = l.prop.n == 0
		l.delayOnly(now, p, n, tag)
		return sooner
	}
	if l.planned {
		return l.enqueuePlanned(now, p, n, tag)
	}
	// Packets whose transmission ended by now have left the queue, so the
	// admission test below sees the queue as it is at now, whether or not
	// the driver called Dequeue first.
	l.advance(now)
	sooner = !l.fixedDelay || (l.prop.n == 0 && l.txIdle())

	l.stats.EnqueuedPackets++
	l.stats.EnqueuedBytes += int64(n)
	if l.dup != nil {
		l.admitDuplicating(now, p, n, tag)
	} else {
		l.admit(now, p, n, tag)
	}
	return sooner
}

// admitDuplicating is admit on a link that duplicates packets: p, then
// its copy if the duplicator makes one. The copy is made before p meets
// the later stages, which may return p to the pool; as in netem, it is
// not duplicated again.
func (l *Link) admitDuplicating(now units.Time, p *packet.Packet, n int, tag uint64) {
	var clone *packet.Packet
	if l.dup.Duplicate(now, p) {
		clone = ClonePacket(l.pool, p)
		l.stats.DuplicatedPackets++
		l.stats.DuplicatedBytes += int64(n)
	}
	l.admit(now, p, n, tag)
	if clone != nil {
		l.admit(now, clone, n, tag)
	}
}

// delayOnly is Enqueue on a link of pure delay: what admit, the
// transmitter and propagate would do to p, without the stages that cannot
// act. The packet is served at once with no queueing delay, transmitted in
// no time and due after the delay, never before the packet ahead of it.
func (l *Link) delayOnly(now units.Time, p *packet.Packet, n int, tag uint64) {
	// The link's clock is read only by a schedule, which such a link
	// never has.
	l.stats.EnqueuedPackets++
	l.stats.EnqueuedBytes += int64(n)
	l.stats.ServedPackets++
	if l.sojourn != nil {
		l.sojourn.Record(0)
	}
	due := max(now.Add(l.cfg.Delay), l.lastDue)
	l.lastDue = due
	l.prop.push(due, p, n, tag)
}

// admit takes p through the arrival stages (arrive), ECN marking and the
// queue discipline, and starts the transmitter if it is idle.
func (l *Link) admit(now units.Time, p *packet.Packet, n int, tag uint64) {
	if l.arrivalStages && !l.arrive(now, p, n) {
		return
	}
	// The mark is decided on the queue this packet finds and set before the
	// discipline sees it; a packet the buffer then refuses is dropped all
	// the same and does not count as marked.
	q := Queued{Packet: p, Enqueued: now, Len: n, Tag: tag}
	if l.simpleQueue && l.txIdle() && l.queueLen() == 0 && (l.cfg.QueueBytes == 0 || n <= l.cfg.QueueBytes) {
		// What the discipline and the transmitter would do, without the
		// round trip through the queue: an empty queue admits the packet
		// (nor does it mark it: no threshold is below an empty queue), and
		// the idle transmitter takes it at once.
		l.served(now, q.Enqueued)
		l.startTx(now, q)
		l.advance(now)
		return
	}
	marked := l.ecn.on() && l.ecn.congested(l.queueLen(), l.queueBytes()) && markCE(p)
	if !l.qdisc.Enqueue(q) {
		l.stats.DroppedPackets++
		l.stats.DroppedBytes += int64(n)
		l.pool.Put(p)
		return
	}
	if marked {
		l.stats.MarkedPackets++
		l.stats.MarkedBytes += int64(n)
	}

	if l.txIdle() {
		if next := l.qdisc.Dequeue(now); next.Packet != nil {
			l.served(now, next.Enqueued)
			l.startTx(now, next)
			// At an unlimited rate the packet is already through.
			l.advance(now)
		}
	}
	// The queue grows only here, so its maximum over every instant is
	// its maximum just after each admission: taken once the transmitter
	// has taken what it can, it counts the packets that wait, as
	// QueuePackets does, and not one that arrived at an idle link.
	l.stats.MaxQueuePackets = max(l.stats.MaxQueuePackets, l.queueLen())
	l.stats.MaxQueueBytes = max(l.stats.MaxQueueBytes, l.queueBytes())
}

// arrive takes p through the arrival stages in netem's order (loss,
// corruption), then the policer. It reports false if one of them
// discarded p, which is back in the pool. Kept out of admit, whose
// common case has none of them, so that admit stays small.
func (l *Link) arrive(now units.Time, p *packet.Packet, n int) bool {
	if l.schedule != nil {
		loss := l.cfg.LossRate
		if c, ok := l.schedule.At(now); ok {
			loss = c.LossRate
		}
		l.bernoulli.SetProbability(loss)
	}
	if l.loss != nil && l.loss.Lose(now, p) {
		l.stats.LostPackets++
		l.stats.LostBytes += int64(n)
		l.pool.Put(p)
		return false
	}
	if l.corrupt != nil && l.corrupt.Corrupt(now, p) {
		l.stats.CorruptedPackets++
		l.stats.CorruptedBytes += int64(n)
	}
	if l.police != nil && !l.police.Conform(now, p) {
		l.stats.PolicedPackets++
		l.stats.PolicedBytes += int64(n)
		l.pool.Put(p)
		return false
	}
	return true
}

// Dequeue returns the next packet that has reached the far end of the link
// by now, or nil. Call it until it returns nil. The returned packet's Due is
// when it arrived, which is at or before now.
func (l *Link) Dequeue(now units.Time) *packet.Packet {
	a := l.dequeue(now)
	p := a.p
	if p != nil {
		// Due is written here, not when the packet left the
		// transmitter: the caller is about to read the packet, so this
		// store costs no cache miss of its own, where one on the way to
		// the medium would.
		p.Due = a.due
	}
	return p
}

// DequeueTagged is Dequeue for packets given with EnqueueTagged: it returns
// the packet with its length and tag and, not reading or writing the
// packet, leaves its Due alone.
func (l *Link) DequeueTagged(now units.Time) (p *packet.Packet, n int, tag uint64) {
	a := l.dequeue(now)
	return a.p, a.n, a.tag
}

// MayHaveArrived reports whether DequeueTagged(now) could return another
// packet: one is on the medium due by now, or a transmission that ends by
// now has yet to be moved there. False means it would return nil, so a
// driver draining the link at now can stop without asking.
func (l *Link) MayHaveArrived(now units.Time) bool {
	return now >= l.quiet || l.mediumDeadline() <= now
}

func (l *Link) dequeue(now units.Time) onMedium {
	if l.planned {
		return l.dequeuePlanned(now)
	}
	l.advance(now)
	var a onMedium
	if l.reorders {
		a = l.unordered.arrivedBy(now)
	} else {
		a = l.prop.arrivedBy(now)
	}
	if a.p == nil {
		return a
	}
	l.stats.DeliveredPackets++
	l.stats.DeliveredBytes += int64(a.n)
	return a
}

// NextDeadline is when the link next changes state by itself: the end of
// the current transmission, the arrival of the next packet or the next
// scheduled change, whichever is earliest; units.Never when the link is
// empty and nothing is scheduled.
//
// With a fixed delay the end of a transmission changes nothing anyone can
// see: the packet's arrival, a delay later, is its first visible effect,
// and everything in between (the next transmission starting, a queue
// discipline's decision) is computed at its own instant when the link is
// next called (advance). The link then asks to be woken at that arrival,
// one wake-up per packet instead of two. Stats after Sync shows the state
// at the time given.
func (l *Link) NextDeadline() units.Time {
	if l.plainTiming {
		// The common link: the transmitter and the head of the medium.
		t := l.prop.deadline()
		if l.rate.inService != nil {
			t = min(t, l.rate.finish.Add(l.cfg.Delay))
		}
		return t
	}
	tx := l.txDeadline()
	if l.fixedDelay && tx != units.Never {
		tx = tx.Add(l.cfg.Delay)
	}
	t := units.MinTime(tx, l.mediumDeadline())
	if l.schedule != nil {
		t = units.MinTime(t, l.schedule.After(l.now))
	}
	return t
}

// Sync brings the link's state up to now without handing anything out:
// transmissions that ended by now have moved to the medium. Call it
// before Stats to see the queue as it is at now.
func (l *Link) Sync(now units.Time) {
	if l.planned {
		l.syncPlanned(now)
		return
	}
	l.advance(now)
}

// Stats returns a snapshot of the link's counters as of the last call.
func (l *Link) Stats() LinkStats {
	s := l.stats
	s.Config = l.cfg
	if l.planned {
		l.statsPlanned(&s)
		return s
	}
	s.QueuePackets = l.qdisc.Len()
	s.QueueBytes = l.qdisc.Bytes()
	if l.reorders {
		s.InSystemPackets = s.QueuePackets + l.unordered.Len()
		s.InSystemBytes = s.QueueBytes + l.unordered.bytes
	} else {
		s.InSystemPackets = s.QueuePackets + l.prop.Len()
		s.InSystemBytes = s.QueueBytes + l.prop.bytes
	}
	if p, n := l.tx.current(); p != nil {
		s.InSystemPackets++
		s.InSystemBytes += n
	}
	s.BusyTime = l.tx.busyTime()
	return s
}

// mediumDeadline is when the next packet on the medium arrives.
func (l *Link) mediumDeadline() units.Time {
	if l.reorders {
		return l.unordered.deadline()
	}
	return l.prop.deadline()
}

// startTx puts q on the wire at at, at the rate in force then: a packet
// keeps the rate it started with, as with tc.
func (l *Link) startTx(at units.Time, q Queued) {
	if l.schedule != nil {
		r := l.cfg.Rate
		if c, ok := l.schedule.At(at); ok {
			r = c.Rate
		}
		l.rate.setRate(r)
	}
	if l.trace != nil {
		l.trace.start(at, q.Packet, q.Len)
	} else {
		l.rate.start(at, q.Packet, q.Len)
		if l.quiet != 0 {
			l.quiet = l.rate.finish
		}
	}
	l.txTag = q.Tag
}

// txIdle, txDeadline and txFinishTime are the transmitter's
// methods called on its concrete type (see Link.trace).
func (l *Link) txIdle() bool {
	if l.trace != nil {
		return l.trace.idle()
	}
	return l.rate.idle()
}

func (l *Link) txDeadline() units.Time {
	if l.trace != nil {
		return l.trace.deadline()
	}
	return l.rate.deadline()
}

func (l *Link) txFinishTime() units.Time {
	if l.trace != nil {
		return l.trace.finishTime()
	}
	return l.rate.finishTime()
}

// queueLen and queueBytes are the queue discipline's, read from
// drop-tail's concrete type when it is that (see Link.dropTail).
func (l *Link) queueLen() int {
	if l.dropTail != nil {
		return l.dropTail.Len()
	}
	return l.qdisc.Len()
}

func (l *Link) queueBytes() int {
	if l.dropTail != nil {
		return l.dropTail.Bytes()
	}
	return l.qdisc.Bytes()
}

// advance runs the transmitter up to now: every packet whose last bit has
// left by now moves to the delay line, and the next waiting packet starts
// at that very instant, not at now, so the link's timing is the same
// however rarely it is called.
func (l *Link) advance(now units.Time) {
	if now < l.quiet {
		// Nothing on the wire finishes by now: the common case of a
		// second call at one instant, or of a call while a packet is
		// still being sent, kept small enough to inline. Only a
		// schedule reads the link's clock (NextDeadline), and a link
		// with one never takes this path.
		return
	}
	l.advanceTx(now)
}

// advanceTx is advance past its shortcut.
func (l *Link) advanceTx(now units.Time) {
	l.now = max(l.now, now)
	for {
		// The transmitter's finishBy on its concrete type (see
		// Link.trace), written here because a method choosing between
		// the two is past the inliner's budget.
		var done *packet.Packet
		var n int
		if l.trace != nil {
			done, n = l.trace.finishBy(now)
		} else {
			done, n = l.rate.finishBy(now)
		}
		if done == nil {
			return
		}
		at := l.txFinishTime()
		l.propagate(at, done, n, l.txTag)
		var next Queued
		if l.dropTail != nil {
			// Inlined (see Link.dropTail).
			next = l.dropTail.Dequeue(at)
		} else {
			next = l.qdisc.Dequeue(at)
		}
		if next.Packet == nil {
			if l.quiet != 0 {
				l.quiet = units.Never
			}
			return
		}
		l.served(at, next.Enqueued)
		l.startTx(at, next)
	}
}

// propagate puts p, of n bytes, whose last bit left the transmitter at at,
// on the medium: due after the delay in force at at, plus jitter, or at
// once if the reorderer picks it.
func (l *Link) propagate(at units.Time, p *packet.Packet, n int, tag uint64) {
	if l.fixedDelay {
		// The common link: no reordering, jitter or schedule, so the
		// delay is the configured one and the medium keeps the order.
		due := max(at.Add(l.cfg.Delay), l.lastDue)
		l.lastDue = due
		l.prop.push(due, p, n, tag)
		return
	}
	var due units.Time
	switch {
	case l.reorder != nil && l.reorder.Immediate(at, p):
		l.stats.ReorderedPackets++
		due = at
	case l.jitter != nil:
		if l.schedule != nil {
			l.jitter.prm.Delay = l.delayAt(at)
		}
		due = l.jitter.Due(at, p)
	default:
		// A scheduled decrease in delay must not let a packet overtake
		// the one before it.
		due = max(at.Add(l.delayAt(at)), l.lastDue)
		l.lastDue = due
	}
	if l.reorders {
		l.unordered.push(due, p, n, tag)
		return
	}
	l.prop.push(due, p, n, tag)
}

// delayAt is the propagation delay in force at t.
func (l *Link) delayAt(t units.Time) units.Duration {
	if l.schedule != nil {
		if c, ok := l.schedule.At(t); ok {
			return c.Delay
		}
	}
	return l.cfg.Delay
}

// served accounts for a packet that entered the queue at enqueued leaving
// it for the transmitter at t: its sojourn is its queueing delay.
func (l *Link) served(t, enqueued units.Time) {
	d := t.Sub(enqueued)
	l.stats.ServedPackets++
	l.stats.SojournTotal += d
	if l.sojourn != nil {
		l.sojourn.Record(d)
	}
}

// ObserveSojourn makes the link record every packet's queueing delay in h,
// for delay distributions in the metrics layer.
func (l *Link) ObserveSojourn(h *metrics.Histogram) { l.sojourn = h }
