package stack

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

func TestPAWSDropsAnOldTimestamp(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	client, server := n.connect()
	n.log = n.log[:0]
	// A replayed segment: in the window, but with a timestamp older than
	// the last one B accepted.
	p := n.pool.Get()
	wire.ReservePayload(p, 100)
	s := wire.Segment{
		Header: wire.Header{
			Src:     addrA,
			Dst:     addrB,
			SrcPort: client.LocalPort(),
			DstPort: 80,
			Seq:     client.sndNxt,
			Ack:     client.rcvNxt(),
			Flags:   FlagACK,
			Window:  1000,
			Opts:    wire.Options{HasTimestamps: true, TSVal: server.tsRecent - 5, TSEcr: 0},
		},
	}
	wire.EncodeSegment(p, &s)
	n.b.Input(n.now, p)
	if got := server.Probe(); got.PAWSDrops != 1 || got.BytesReceived != 0 {
		t.Fatalf("PAWS drops %d, bytes accepted %d; want the segment dropped", got.PAWSDrops, got.BytesReceived)
	}
	n.pump()
	if len(n.log) != 1 || n.log[0].from != "B" || n.log[0].flags != FlagACK {
		t.Fatalf("want one ACK in answer:\n%s", n.tail(5))
	}
}

func TestZeroWindowProbesBackOffAndKeepTheConnectionOpen(t *testing.T) {
	cb := DefaultConfig()
	cb.RcvBuf = 8 * 1460
	cb.WindowScaling = false
	n := newTestNet(t, 10*ms, DefaultConfig(), cb)
	client, server := n.connect()
	n.log = n.log[:0]
	client.Write(make([]byte, 64<<10))
	// B's application reads nothing for 100 s: the window closes and A
	// must probe it, backing off up to MaxPersist (60 s).
	n.runFor(at(100 * units.Second))
	var probes []units.Time
	for _, e := range n.log {
		if e.from == "A" && e.len == 0 && e.flags == FlagACK && client.iss.Add(int(e.seq)) == client.sndUna.Add(-1) {
			probes = append(probes, e.at)
		}
	}
	if len(probes) < 5 {
		t.Fatalf("%d probes in 100 s:\n%s", len(probes), n.tail(20))
	}
	for i := 2; i < len(probes); i++ {
		prev, gap := probes[i-1].Sub(probes[i-2]), probes[i].Sub(probes[i-1])
		if gap != min(2*prev, 60*units.Second) {
			t.Errorf("probe gaps %v then %v: want doubling capped at 60s", prev, gap)
		}
	}
	if client.State() != Established {
		t.Fatalf("answered probes must keep the connection open: %v", client.State())
	}
	// Reading opens the window and the transfer completes.
	buf := make([]byte, 1<<16)
	read := 0
	n.onStep = func() {
		k, _ := server.Read(buf)
		read += k
	}
	n.runUntil(at(400*units.Second), func() bool { return read == 64<<10 })
	if p := client.Probe(); p.ZeroWindowProbes < 5 {
		t.Errorf("probe counter %d", p.ZeroWindowProbes)
	}
}

func TestKeepaliveAbortsWhenProbesGoUnanswered(t *testing.T) {
	ca := DefaultConfig()
	ca.Keepalive = true
	ca.KeepaliveIdle = 10 * units.Second
	ca.KeepaliveInterval = units.Second
	ca.KeepaliveProbes = 3
	n := newTestNet(t, 10*ms, ca, DefaultConfig())
	client, _ := n.connect()
	n.log = n.log[:0]
	n.drop = func(e logEntry) bool { return e.from == "B" } // the peer vanished
	n.runFor(at(30 * units.Second))
	var probes []string
	for _, e := range n.log {
		if e.from == "A" {
			probes = append(probes, e.String())
		}
	}
	// The last segment from B reached A at 20 ms: probes at 10.02, 11.02 and
	// 12.02 s with SEG.SEQ = SND.NXT-1, then the abort at 13.02 s.
	want := []string{
		"10.02s A ACK seq=0 ack=1 len=0",
		"11.02s A ACK seq=0 ack=1 len=0",
		"12.02s A ACK seq=0 ack=1 len=0",
		"13.02s A RST,ACK", // the abort, as Linux's tcp_keepalive_timer resets
	}
	if len(probes) != len(want) {
		t.Fatalf("probes:\n%v", probes)
	}
	for i := range want {
		if !strings.HasPrefix(probes[i], want[i]) {
			t.Errorf("probe %d: %s, want %s", i, probes[i], want[i])
		}
	}
	if client.State() != Closed || client.Err() != ErrTimedOut {
		t.Fatalf("state %v err %v; want aborted with a timeout", client.State(), client.Err())
	}
}

func TestKeepaliveAnsweredKeepsConnection(t *testing.T) {
	ca := DefaultConfig()
	ca.Keepalive = true
	ca.KeepaliveIdle = 10 * units.Second
	ca.KeepaliveInterval = units.Second
	ca.KeepaliveProbes = 3
	n := newTestNet(t, 10*ms, ca, DefaultConfig())
	client, _ := n.connect()
	n.runFor(at(60 * units.Second))
	if client.State() != Established || client.Probe().KeepaliveProbes < 5 {
		t.Fatalf("state %v after %d answered probes", client.State(), client.Probe().KeepaliveProbes)
	}
}

func TestECNNegotiationEchoAndOneReductionPerWindow(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ECN = true
	cfg.DelayedACK = 0
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, server := n.connect()
	if !client.ecnOK || !server.ecnOK {
		t.Fatalf("ECN not negotiated: %v %v", client.ecnOK, server.ecnOK)
	}
	if syn := n.log[0]; syn.flags != FlagSYN|FlagECE|FlagCWR || syn.ecn != wire.ECNNotECT {
		t.Errorf("SYN flags %x ecn %d; want SYN+ECE+CWR, not ECT", syn.flags, syn.ecn)
	}
	if sa := n.log[1]; sa.flags != FlagSYN|FlagACK|FlagECE {
		t.Errorf("SYN-ACK flags %x; want SYN+ACK+ECE", sa.flags)
	}
	n.log = n.log[:0]
	// The bottleneck marks the first two data segments CE.
	marks := 2
	n.mangle = func(e logEntry, p *packet.Packet) {
		if e.from == "A" && e.len > 0 && marks > 0 && e.ecn == wire.ECNECT0 {
			marks--
			h := wire.IPv4Header(p.Bytes())
			h.SetECN(wire.ECNCE)
			h.SetChecksum(0)
			h.SetChecksum(h.ComputeChecksum())
		}
	}
	client.Write(make([]byte, 10*1448))
	n.runFor(at(300 * ms))
	client.Write(make([]byte, 1448))
	n.runFor(at(600 * ms))
	st := client.Probe()
	if st.ECNReductions != 1 || server.Probe().CEReceived != 2 {
		t.Fatalf("reductions %d, CE received %d; want 1 and 2", st.ECNReductions, server.Probe().CEReceived)
	}
	var sawECE, sawCWR bool
	for _, e := range n.log {
		if e.from == "A" && e.len > 0 {
			if e.ecn != wire.ECNECT0 && e.ecn != wire.ECNCE {
				t.Errorf("new data without ECT(0): %v", e)
			}
			if e.flags&FlagCWR != 0 {
				sawCWR = true
			}
		}
		if e.from == "B" {
			if e.ecn != wire.ECNNotECT {
				t.Errorf("pure ACK marked ECT: %v", e)
			}
			if e.flags&FlagECE != 0 {
				sawECE = true
				if sawCWR {
					t.Errorf("ECE still echoed after CWR arrived: %v", e)
				}
			}
		}
	}
	if !sawECE || !sawCWR {
		t.Errorf("ECE seen %v, CWR seen %v", sawECE, sawCWR)
	}
}

func TestOrphanedFinWait2TimesOut(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FinWait2Timeout = 5 * units.Second
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, server := n.connect()
	client.Close()
	n.runUntil(at(units.Second), func() bool { return client.State() == FinWait2 })
	n.runFor(at(5*units.Second + 30*ms))
	if client.State() != FinWait2 {
		t.Fatalf("left FIN-WAIT-2 early: %v", client.State())
	}
	n.runFor(at(5*units.Second + 60*ms))
	if client.State() != Closed {
		t.Fatalf("orphaned FIN-WAIT-2 did not time out: %v", client.State())
	}
	if server.State() != CloseWait {
		t.Fatalf("server %v", server.State())
	}
}
