// FQ-CoDel, Flow Queue CoDel (RFC 8290): packets are hashed by their
// 5-tuple into one of a fixed number of flow queues, each managed by its
// own CoDel (codel.go), and a deficit round robin serves them in quanta of
// bytes. Flows that have just become active go on a list of new flows that
// is served before the list of old ones, so a sparse flow (a DNS query, an
// ACK stream, a game) whose queue drains within one quantum never waits
// behind the bulk flows (§4.1-4.2).
//
// Enqueue (§4.1.1): the arrival goes to the tail of its flow's queue; a
// flow that was on neither list joins the new list with one quantum of
// credit. If the whole discipline is then over its limit, packets are
// dropped from the head of the flow holding the most bytes, the "fattest"
// flow, which is almost always the one causing the overflow; Linux scans
// every flow for it, as this does.
//
// Dequeue (§4.2): take the first flow of the new list, or of the old list
// if that is empty. A flow out of credit gets another quantum and moves to
// the tail of the old list. Otherwise CoDel dequeues from it; if it is
// empty, a new flow moves to the old list (so it cannot return to the new
// list and jump the queue at once, §4.2) unless the old list is empty, and
// an old flow leaves the lists.
//
// Hashing (§4.1.1): the 5-tuple (addresses, protocol, ports) is read from
// the IPv4 header and, for TCP and UDP, the first four bytes after it, and
// mixed with a seed, as Linux perturbs its hash, so that which flows
// collide changes with the seed rather than being fixed. A packet that is
// not IPv4 goes to flow 0.

package netem

import (
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// FQCoDelParams are FQ-CoDel's tunables; zero fields take RFC 8290's and
// Linux's defaults.
type FQCoDelParams struct {
	// Target and Interval are each flow's CoDel parameters; 5 ms, 100 ms.
	Target, Interval units.Duration
	// Quantum is the bytes a flow may send per round; 1514, one Ethernet
	// frame with its header (§5.1).
	Quantum int
	// Flows is the number of flow queues; 1024 (§5.1).
	Flows int
	// ECN marks ECN-capable packets instead of dropping them.
	ECN bool
}

// FQ-CoDel's defaults, RFC 8290 §5.1 and Linux.
const (
	DefaultFQCoDelQuantum = 1514
	DefaultFQCoDelFlows   = 1024
)

func (c FQCoDelParams) withDefaults() FQCoDelParams {
	if c.Quantum == 0 {
		c.Quantum = DefaultFQCoDelQuantum
	}
	if c.Flows == 0 {
		c.Flows = DefaultFQCoDelFlows
	}
	return c
}

// Which list a flow is on.
const (
	fqNone uint8 = iota
	fqNew
	fqOld
)

// fqFlow is one flow queue.
type fqFlow struct {
	fifo    byteFIFO
	codel   codelVars
	deficit int
	next    int32 // next flow on the same list, -1 at the tail
	list    uint8
}

// flowList is a singly linked list of flows threaded through fqFlow.next.
type flowList struct{ head, tail int32 }

// FQCoDel is the FQ-CoDel discipline.
type FQCoDel struct {
	flows        []fqFlow
	newFlows     flowList
	oldFlows     flowList
	codelPar     CoDelParams
	quantum      int
	seed         uint64
	limitPackets int // 0: no limit
	limitBytes   int // 0: no limit
	hooks        QdiscHooks
	packets      int
	bytes        int
	overflows    int64
}

var _ Qdisc = (*FQCoDel)(nil)

// NewFQCoDel returns an FQ-CoDel discipline; zero fields of par take the
// defaults. The limits (0 lifts one; Linux's default is 10240 packets)
// apply to all flows together. seed perturbs the flow hash. Packets
// dropped by CoDel or on overflow go to hooks.Drop.
func NewFQCoDel(par FQCoDelParams, limitPackets, limitBytes int, seed uint64, hooks QdiscHooks) *FQCoDel {
	par = par.withDefaults()
	q := &FQCoDel{
		flows:        make([]fqFlow, par.Flows),
		newFlows:     flowList{-1, -1},
		oldFlows:     flowList{-1, -1},
		codelPar:     CoDelParams{Target: par.Target, Interval: par.Interval, ECN: par.ECN}.withDefaults(),
		quantum:      par.Quantum,
		seed:         seed,
		limitPackets: limitPackets,
		limitBytes:   limitBytes,
		hooks:        hooks,
	}
	for i := range q.flows {
		q.flows[i].next = -1
	}
	return q
}

// Enqueue adds p to its flow's queue, then drops from the fattest flow
// while the discipline is over its limit. It never refuses p itself,
// though p may be the packet dropped when its own flow is the fattest.
func (q *FQCoDel) Enqueue(e Queued) bool {
	i := q.classify(e.Packet)
	f := &q.flows[i]
	f.codel.maxPacket = max(f.codel.maxPacket, e.Len)
	f.fifo.push(e)
	q.packets++
	q.bytes += e.Len
	if f.list == fqNone {
		f.deficit = q.quantum
		q.pushTail(&q.newFlows, i, fqNew)
	}
	for q.limitPackets > 0 && q.packets > q.limitPackets || q.limitBytes > 0 && q.bytes > q.limitBytes {
		q.dropFromFattest()
	}
	return true
}

// dropFromFattest drops the head packet of the flow with the most bytes.
func (q *FQCoDel) dropFromFattest() {
	fattest := 0
	for i := range q.flows {
		if q.flows[i].fifo.bytes > q.flows[fattest].fifo.bytes {
			fattest = i
		}
	}
	e := q.flows[fattest].fifo.pop()
	q.packets--
	q.bytes -= e.Len
	q.overflows++
	q.hooks.drop(e)
}

// Dequeue is RFC 8290 §4.2's scheduler.
func (q *FQCoDel) Dequeue(now units.Time) Queued {
	for {
		list := &q.newFlows
		if list.head < 0 {
			list = &q.oldFlows
			if list.head < 0 {
				return Queued{}
			}
		}
		i := list.head
		f := &q.flows[i]
		if f.deficit <= 0 {
			f.deficit += q.quantum
			q.popHead(list)
			q.pushTail(&q.oldFlows, i, fqOld)
			continue
		}
		n, b := f.fifo.Len(), f.fifo.bytes
		e := f.codel.dequeue(now, &f.fifo, &q.codelPar, &q.hooks)
		q.packets -= n - f.fifo.Len()
		q.bytes -= b - f.fifo.bytes
		if e.Packet == nil {
			q.popHead(list)
			if list == &q.newFlows && q.oldFlows.head >= 0 {
				q.pushTail(&q.oldFlows, i, fqOld)
			} else {
				f.list = fqNone
			}
			continue
		}
		f.deficit -= e.Len
		return e
	}
}

func (q *FQCoDel) pushTail(l *flowList, i int32, which uint8) {
	f := &q.flows[i]
	f.next, f.list = -1, which
	if l.tail < 0 {
		l.head = i
	} else {
		q.flows[l.tail].next = i
	}
	l.tail = i
}

func (q *FQCoDel) popHead(l *flowList) {
	i := l.head
	l.head = q.flows[i].next
	if l.head < 0 {
		l.tail = -1
	}
	q.flows[i].next = -1
}

// classify returns the flow queue for p by its 5-tuple.
func (q *FQCoDel) classify(p *packet.Packet) int32 {
	var key uint64
	if v := wire.VirtualHeader(p); v != nil {
		// A TCP segment whose headers are metadata hashes as its bytes.
		key = q.seed ^ uint64(v.Src.Uint32())<<32 ^ uint64(v.Dst.Uint32())
		key = mix64(key) ^ wire.IPv4ProtocolTCP
		key ^= uint64(v.SrcPort)<<24 | uint64(v.DstPort)<<8
	} else {
		h := wire.IPv4Header(p.Bytes())
		if len(h) < wire.IPv4MinHeaderLen || h.Version() != wire.IPv4Version {
			return 0
		}
		ihl := h.HeaderLen()
		proto := h.Protocol()
		key = q.seed ^ uint64(h.Src().Uint32())<<32 ^ uint64(h.Dst().Uint32())
		key = mix64(key) ^ uint64(proto)
		if (proto == wire.IPv4ProtocolTCP || proto == wire.IPv4ProtocolUDP) && len(h) >= ihl+4 {
			// TCP and UDP headers both start with the two ports.
			u := wire.UDPHeader(h[ihl:])
			key ^= uint64(u.SrcPort())<<24 | uint64(u.DstPort())<<8
		}
	}
	key = mix64(key)
	// Multiply-shift maps the 32-bit hash onto 0..flows-1 without a
	// division, as Linux's reciprocal_scale does.
	return int32((key >> 32) * uint64(len(q.flows)) >> 32)
}

// mix64 is the SplitMix64 finalizer: every input bit affects every output
// bit, so nearby addresses and ports spread over all flow queues.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Len is the number of packets waiting in all flows.
func (q *FQCoDel) Len() int { return q.packets }

// Bytes is the number of bytes waiting in all flows.
func (q *FQCoDel) Bytes() int { return q.bytes }

// Drops counts packets dropped by the flows' CoDel and on overflow.
func (q *FQCoDel) Drops() int64 {
	n := q.overflows
	for i := range q.flows {
		n += q.flows[i].codel.drops
	}
	return n
}

// Marks counts packets the flows' CoDel marked CE instead of dropping.
func (q *FQCoDel) Marks() int64 {
	var n int64
	for i := range q.flows {
		n += q.flows[i].codel.marks
	}
	return n
}
