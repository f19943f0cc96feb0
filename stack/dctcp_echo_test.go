package stack

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/wire"
)

// TestExactECNEchoForDCTCP checks the receiver side of RFC 8257 §3.2: with
// an algorithm that asks for it, ECE mirrors the CE state of the data it
// acknowledges; a change of state while an ACK is being delayed sends the
// ACK for the older data at once, with the older state, and the segment
// that changed the state is acknowledged at once with the new one (RFC
// 8257 §3.2's "send an immediate ACK"; Linux's dctcp_ece_ack_update).
func TestExactECNEchoForDCTCP(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ECN = true
	// Without quick-ACK mode, which would acknowledge these first
	// segments one by one and leave no ACK delayed to test.
	cfg.QuickACK = false
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, server := n.connect()
	d, err := cc.New("dctcp")
	if err != nil {
		t.Fatal(err)
	}
	d.Init(n.now, server.sndMSS, 10*server.sndMSS)
	server.cc = d
	n.log = n.log[:0]
	// CE on the second and third of four segments.
	k := 0
	n.mangle = func(e logEntry, p *packet.Packet) {
		if e.from == "A" && e.len > 0 {
			k++
			if k == 2 || k == 3 {
				h := wire.IPv4Header(p.Bytes())
				h.SetECN(wire.ECNCE)
				h.SetChecksum(0)
				h.SetChecksum(h.ComputeChecksum())
			}
		}
	}
	client.Write(make([]byte, 4*1448))
	n.runFor(at(500 * ms))
	var acks []string
	for _, e := range n.log {
		if e.from == "B" {
			acks = append(acks, e.String())
		}
	}
	// Segment 1 is held by the delayed ACK; segment 2 flips the state to
	// CE, so 1 is acknowledged at once without ECE and 2 at once with
	// ECE; 3 keeps the CE state and is held; segment 4 flips back, so 3
	// is acknowledged at once with ECE and 4 at once without. Nothing
	// waits for the delayed-ACK timer.
	want := []string{
		"40ms B ACK seq=1 ack=1449 len=0",
		"40ms B ACK,ECE seq=1 ack=2897 len=0",
		"40ms B ACK,ECE seq=1 ack=4345 len=0",
		"40ms B ACK seq=1 ack=5793 len=0",
	}
	if len(acks) != len(want) {
		t.Fatalf("ACKs:\n%v\nwant:\n%v", acks, want)
	}
	for i := range want {
		if acks[i] != want[i] {
			t.Errorf("ACK %d: %s, want %s", i, acks[i], want[i])
		}
	}
	if server.Probe().CEReceived != 2 {
		t.Errorf("CE received %d, want 2", server.Probe().CEReceived)
	}
}
