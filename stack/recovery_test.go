package stack

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// bulkSetup connects A to B with the given sender recovery mode and ACKs
// sent for every segment, and returns the client after the handshake with
// the log cleared.
func bulkSetup(t *testing.T, mode RecoveryMode) (*testNet, *Conn, *Conn) {
	t.Helper()
	ca := DefaultConfig()
	ca.Recovery = mode
	cb := DefaultConfig()
	cb.DelayedACK = 0
	n := newTestNet(t, 10*ms, ca, cb)
	client, server := n.connect()
	n.log = n.log[:0]
	return n, client, server
}

// dataSent lists the sequence numbers of data segments A sent, in order,
// with whether each was dropped.
func dataSent(n *testNet) (seqs []Seq, dropped []bool) {
	for _, e := range n.log {
		if e.from == "A" && e.len > 0 {
			seqs = append(seqs, e.seq)
			dropped = append(dropped, e.dropped)
		}
	}
	return
}

func TestSACKRecoveryRetransmitsOnlyTheHoles(t *testing.T) {
	n, client, server := bulkSetup(t, RecoverySACK)
	lost := map[Seq]bool{1 + 2*1448: true, 1 + 6*1448: true, 1 + 7*1448: true}
	n.drop = func(e logEntry) bool {
		if e.from == "A" && e.len > 0 && lost[e.seq] {
			delete(lost, e.seq)
			return true
		}
		return false
	}
	client.Write(make([]byte, 20*1448))
	read := 0
	buf := make([]byte, 1<<16)
	n.onStep = func() {
		k, _ := server.Read(buf)
		read += k
	}
	n.runUntil(at(2*units.Second), func() bool { return read == 20*1448 })
	seqs, _ := dataSent(n)
	var rtx []Seq
	seen := map[Seq]bool{}
	for _, s := range seqs {
		if seen[s] {
			rtx = append(rtx, s)
		}
		seen[s] = true
	}
	want := []Seq{1 + 2*1448, 1 + 6*1448, 1 + 7*1448}
	if len(rtx) != len(want) {
		t.Fatalf("retransmitted %v, want exactly the holes %v\n%s", rtx, want, n.tail(60))
	}
	for i := range want {
		if rtx[i] != want[i] {
			t.Fatalf("retransmitted %v, want %v", rtx, want)
		}
	}
	p := client.Probe()
	if p.Timeouts != 0 || p.FastRetransmits != 1 {
		t.Errorf("timeouts %d, fast recoveries %d; want 0 and 1", p.Timeouts, p.FastRetransmits)
	}
	// The receiver's SACK blocks name the segment that triggered each ACK
	// first (RFC 2018 §4).
	var firstDup *logEntry
	for i := range n.log {
		if e := &n.log[i]; e.from == "B" && len(e.sack) > 0 {
			firstDup = e
			break
		}
	}
	if firstDup == nil || firstDup.sack[0] != (wire.SACKBlock{Start: 1 + 3*1448, End: 1 + 4*1448}) {
		t.Errorf("first SACK: %+v, want block [4345,5793)", firstDup)
	}
}

func TestRACKRecoversALostRetransmissionWithoutTimeout(t *testing.T) {
	n, client, server := bulkSetup(t, RecoveryRACK)
	hole := Seq(1 + 2*1448)
	drops := 0
	n.drop = func(e logEntry) bool {
		if e.from == "A" && e.len > 0 && e.seq == hole && drops < 2 {
			drops++ // the original and its first retransmission
			return true
		}
		return false
	}
	client.Write(make([]byte, 30*1448))
	read := 0
	buf := make([]byte, 1<<16)
	n.onStep = func() {
		k, _ := server.Read(buf)
		read += k
	}
	// Keep data flowing so that segments sent after the lost
	// retransmission are SACKed, which is what RACK needs.
	n.runUntil(at(3*units.Second), func() bool {
		if client.Unsent() == 0 && read < 60*1448 {
			client.Write(make([]byte, 1448))
		}
		return read >= 30*1448 && drops == 2
	})
	var sends []units.Time
	for _, e := range n.log {
		if e.from == "A" && e.seq == hole && e.len > 0 {
			sends = append(sends, e.at)
		}
	}
	p := client.Probe()
	if len(sends) != 3 || p.Timeouts != 0 {
		t.Fatalf("hole sent at %v with %d timeouts; want three sends and no RTO\n%s", sends, p.Timeouts, n.tail(40))
	}
	// The second retransmission follows the first by about one RTT (20 ms
	// plus a little queueing here), far sooner than the 200 ms minimum RTO.
	if gap := sends[2].Sub(sends[1]); gap > 60*ms {
		t.Errorf("second retransmission %v after the first; want about one RTT", gap)
	}
}

func TestTailLossProbe(t *testing.T) {
	n, client, _ := bulkSetup(t, RecoveryRACK)
	// Lose the last two segments of a flight: no duplicate ACKs follow, so
	// without TLP only the RTO would repair it.
	n.drop = func(e logEntry) bool {
		return e.from == "A" && e.len > 0 && (e.seq == 1+8*1448 || e.seq == 1+9*1448) && e.at == at(30*ms)
	}
	client.Write(make([]byte, 10*1448))
	n.runFor(at(2 * units.Second))
	p := client.Probe()
	if p.TLPProbes < 1 || p.Timeouts != 0 || p.Inflight != 0 {
		t.Fatalf("TLP probes %d, timeouts %d, inflight %d; want a probe and no RTO\n%s", p.TLPProbes, p.Timeouts, p.Inflight, n.tail(30))
	}
}

func TestDSACKReportsADuplicate(t *testing.T) {
	n, client, _ := bulkSetup(t, RecoverySACK)
	// Duplicate one data segment in the network.
	dup := true
	n.mangle = func(e logEntry, p *packet.Packet) {
		if e.from == "A" && e.len > 0 && dup {
			dup = false
			q := n.pool.Get()
			q.Load(p.Bytes())
			n.flight = append(n.flight, inFlight{at: n.now.Add(n.delay + ms), to: n.b, p: q})
		}
	}
	client.Write(make([]byte, 1000))
	n.runFor(at(500 * ms))
	var dsack *logEntry
	for i := range n.log {
		if e := &n.log[i]; e.from == "B" && len(e.sack) > 0 {
			dsack = e
		}
	}
	if dsack == nil || dsack.sack[0] != (wire.SACKBlock{Start: 1, End: 1001}) || dsack.ack != 1001 {
		t.Fatalf("no D-SACK for the duplicate: %+v\n%s", dsack, n.tail(10))
	}
	if client.Probe().DSACKsReceived != 1 {
		t.Errorf("sender counted %d D-SACKs", client.Probe().DSACKsReceived)
	}
}
