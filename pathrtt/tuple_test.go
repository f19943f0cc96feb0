package pathrtt

import (
	"testing"

	"github.com/ccbench/ccbench/wire"
)

// tupleVariants are the flow's connection (A to B) with one thing
// wrong: each of its four fields in turn, and the ACK direction's two
// swaps left out one at a time.
func tupleVariants() map[string]wire.Header {
	good := wire.Header{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB}
	other := wire.Addr{198, 18, 7, 7}
	v := map[string]wire.Header{}
	h := good
	h.Src = other
	v["src"] = h
	h = good
	h.Dst = other
	v["dst"] = h
	h = good
	h.SrcPort = portA + 3
	v["srcport"] = h
	h = good
	h.DstPort = portB + 3
	v["dstport"] = h
	return v
}

// reversed is h as its connection's other direction carries it.
func reversed(h wire.Header) wire.Header {
	h.Src, h.Dst = h.Dst, h.Src
	h.SrcPort, h.DstPort = h.DstPort, h.SrcPort
	return h
}

// Every field of the connection counts, in both directions: an ACK that
// differs from the flow's connection in any one of them, or that has only
// its addresses or only its ports swapped, gives no sample; a segment
// from the sender that differs in any one starts the flow afresh.
func TestTupleFields(t *testing.T) { bothForms(t, tupleFields) }

func tupleFields(x *harness) {
	good := wire.Header{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB}
	acks := map[string]wire.Header{}
	for name, h := range tupleVariants() {
		acks[name] = reversed(h)
	}
	h := good
	h.Src, h.Dst = h.Dst, h.Src
	acks["addresses only swapped"] = h
	h = good
	h.SrcPort, h.DstPort = h.DstPort, h.SrcPort
	acks["ports only swapped"] = h
	for name, h := range acks {
		x.t.Run("ack/"+name, func(t *testing.T) {
			y := newHarness(t)
			y.virtual, y.known = x.virtual, x.known
			y.send(0, 0, 0, wire.FlagSYN)
			seg := wire.Segment{Header: h}
			seg.Ack, seg.Flags = isn.Add(1), wire.FlagACK
			p := y.datagram(&seg, 0)
			y.in(5, p)
			y.want(0, 0, 0)
			y.ack(6, 1)
			y.want(1, 6, 6)
		})
	}
	if !x.known {
		// Outbound's FlowOf names the flow by its receiver's port.
		return
	}
	for name, h := range tupleVariants() {
		x.t.Run("data/"+name, func(t *testing.T) {
			y := newHarness(t)
			y.virtual, y.known = x.virtual, x.known
			y.send(0, 0, 0, wire.FlagSYN)
			seg := wire.Segment{Header: h}
			seg.Seq, seg.Flags = 100, wire.FlagSYN
			p := y.datagram(&seg, 0)
			y.out(2, p)
			y.ack(6, 1) // the first connection's: forgotten
			y.want(0, 0, 0)
			ack := wire.Segment{Header: reversed(h)}
			ack.Ack, ack.Flags = 101, wire.FlagACK|wire.FlagSYN
			p = y.datagram(&ack, 0)
			y.in(9, p)
			y.want(1, 7, 7)
		})
	}
}
