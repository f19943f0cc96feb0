package stack

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

const (
	ms = units.Millisecond
	us = units.Microsecond
)

func at(d units.Duration) units.Time { return units.Time(d) }

// expectLog compares the logged segments with want, both as strings.
func expectLog(t *testing.T, n *testNet, want []string) {
	t.Helper()
	if len(n.log) < len(want) {
		t.Fatalf("got %d segments, want at least %d:\n%s", len(n.log), len(want), n.tail(len(n.log)))
	}
	for i, w := range want {
		if g := n.log[i].String(); g != w {
			t.Errorf("segment %d:\n got  %s\n want %s", i, g, w)
		}
	}
}

func TestHandshakeTimelineAndOptions(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	client, server := n.connect()
	expectLog(t, n, []string{
		"0s A SYN seq=0 ack=0 len=0",
		"10ms B SYN,ACK seq=0 ack=1 len=0",
		"20ms A ACK seq=1 ack=1 len=0",
	})
	syn := n.log[0].opts
	if !syn.HasMSS || syn.MSS != 1460 || !syn.HasWScale || syn.WScale != 10 || !syn.HasTimestamps {
		t.Errorf("SYN options = %+v; want MSS 1460, window scale 10 (Linux's 32 MiB tcp_rmem[2]), timestamps", syn)
	}
	// tcp_select_initial_window: 64 KiB rounded down to the MSS, less the
	// timestamp option on the SYN-ACK that agrees to it.
	if w0, w1 := n.log[0].win, n.log[1].win; w0 != 64240 || w1 != 65160 {
		t.Errorf("SYN and SYN-ACK windows %d and %d, want 64240 and 65160", w0, w1)
	}
	synAck := n.log[1].opts
	if !synAck.HasMSS || !synAck.HasWScale || !synAck.HasTimestamps {
		t.Errorf("SYN-ACK options = %+v", synAck)
	}
	if synAck.TSEcr != syn.TSVal {
		t.Errorf("SYN-ACK echoes TS %d, want the SYN's %d", synAck.TSEcr, syn.TSVal)
	}
	if client.sndMSS != 1448 || server.sndMSS != 1448 {
		t.Errorf("effective MSS = %d/%d, want 1460-12 = 1448 with timestamps", client.sndMSS, server.sndMSS)
	}
	if client.sndShift != 10 || server.sndShift != 10 {
		t.Errorf("window shifts = %d/%d, want 10", client.sndShift, server.sndShift)
	}
	// Linux's RTO: SRTT + max(4·mdev, rto_min) = 20 + 200 ms.
	if p := client.Probe(); p.SRTT != 20*ms || p.RTO != 220*ms {
		t.Errorf("client after handshake: srtt %v rto %v, want 20ms and 20ms + the 200ms floor", p.SRTT, p.RTO)
	}
	if got := client.CC().Cwnd(); got != 10*1448 {
		t.Errorf("initial cwnd = %d, want 10 segments of 1448", got)
	}
}

func TestNoOptionsMeansMSS536AndNoScaling(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WindowScaling, cfg.Timestamps = false, false
	n := newTestNet(t, ms, cfg, DefaultConfig())
	n.log = n.log[:0]
	client, server := n.connect()
	if server.sndShift != 0 || server.rcvShift != 0 || server.tsOK {
		t.Errorf("server negotiated shift %d/%d ts %v with a peer that offered none", server.sndShift, server.rcvShift, server.tsOK)
	}
	if client.sndMSS != 1460 {
		t.Errorf("client MSS %d, want 1460", client.sndMSS)
	}
	if o := n.log[1].opts; o.HasWScale || o.HasTimestamps {
		t.Errorf("SYN-ACK carries options the SYN did not offer: %+v", o)
	}
}

func TestSYNRetransmitBackoff(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	syns := 0
	n.drop = func(e logEntry) bool {
		if e.flags == FlagSYN {
			syns++
			return syns <= 2
		}
		return false
	}
	n.connect()
	// Linux's first tcp_syn_linear_timeouts = 4 retransmissions keep the
	// initial 1 s RTO.
	expectLog(t, n, []string{
		"0s A SYN seq=0 ack=0 len=0 (dropped)",
		"1s A SYN seq=0 ack=0 len=0 (dropped)",
		"2s A SYN seq=0 ack=0 len=0",
		"2010ms B SYN,ACK seq=0 ack=1 len=0",
		"2020ms A ACK seq=1 ack=1 len=0",
	})
}

func TestConnectTimesOut(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	n.drop = func(logEntry) bool { return true }
	c, err := n.a.Connect(0, 0, addrB, 80, newReno())
	if err != nil {
		t.Fatal(err)
	}
	n.runFor(at(200 * units.Second))
	if c.State() != Closed || c.Err() != ErrTimedOut {
		t.Fatalf("state %v err %v; want CLOSED with a timeout", c.State(), c.Err())
	}
	// Linux's timeline: five SYNs 1 s apart (tcp_syn_linear_timeouts =
	// 4), then 2+4+8+16+32 s between the eleven SYNs, and 64 s for the
	// last. (Since SYNs alone leave, the log holds nothing else.)
	if len(n.log) != 11 || n.log[10].at != at(67*units.Second) {
		t.Fatalf("SYNs:\n%s", n.tail(12))
	}
}

func TestConnectRefused(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	c, _ := n.a.Connect(0, 0, addrB, 81, newReno())
	n.runFor(at(100 * ms))
	if c.State() != Closed || c.Err() != ErrConnectionRefused {
		t.Fatalf("state %v err %v; want CLOSED, refused", c.State(), c.Err())
	}
	expectLog(t, n, []string{
		"0s A SYN seq=0 ack=0 len=0",
		"10ms B RST,ACK seq=0 ack=1 len=0",
	})
}

// Without quick-ACK mode (the rfc profile), the first segment waits for
// the delayed-ACK timer.
func TestDelayedACK(t *testing.T) {
	cfg := DefaultConfig()
	cfg.QuickACK = false
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, _ := n.connect()
	n.log = n.log[:0]
	client.Write(make([]byte, 1000))
	n.runFor(at(200 * ms))
	expectLog(t, n, []string{
		"30ms A PSH,ACK seq=1 ack=1 len=1000",
		"80ms B ACK seq=1 ack=1001 len=0", // arrives at 30ms, held 40ms
	})
	n.log = n.log[:0]
	client.Write(make([]byte, 2*1448))
	n.runFor(at(400 * ms))
	expectLog(t, n, []string{
		"200ms A ACK seq=1001 ack=1 len=1448",
		"200ms A PSH,ACK seq=2449 ack=1 len=1448",
		"210ms B ACK seq=1 ack=3897 len=0", // every second full segment at once
	})
}

// Linux's quick-ACK mode (tcp_event_data_recv, tcp_incr_quickack): the
// first data of a connection is acknowledged segment by segment, not
// after the delayed-ACK timer.
func TestQuickACKAtStart(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	client, _ := n.connect()
	n.log = n.log[:0]
	client.Write(make([]byte, 1000))
	n.runFor(at(200 * ms))
	client.Write(make([]byte, 2*1448))
	n.runFor(at(400 * ms))
	expectLog(t, n, []string{
		"30ms A PSH,ACK seq=1 ack=1 len=1000",
		"40ms B ACK seq=1 ack=1001 len=0", // at once, not at 80 ms
		"200ms A ACK seq=1001 ack=1 len=1448",
		"200ms A PSH,ACK seq=2449 ack=1 len=1448",
		"210ms B ACK seq=1 ack=2449 len=0", // every segment while quick
		"210ms B ACK seq=1 ack=3897 len=0",
	})
}

func TestDelayedACKDisabled(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DelayedACK = 0
	n := newTestNet(t, 10*ms, DefaultConfig(), cfg)
	client, _ := n.connect()
	n.log = n.log[:0]
	client.Write(make([]byte, 1000))
	n.runFor(at(200 * ms))
	expectLog(t, n, []string{
		"30ms A PSH,ACK seq=1 ack=1 len=1000",
		"40ms B ACK seq=1 ack=1001 len=0",
	})
}

// transfer sends size random bytes from A to B over a path that drops
// segments with probability loss, then closes both ends, and checks that
// the receiver read exactly what was written.
func transfer(t *testing.T, size int, loss float64, seed uint64) *testNet {
	t.Helper()
	n := newTestNet(t, 5*ms, DefaultConfig(), DefaultConfig())
	rng := rand.New(rand.NewPCG(seed, 7))
	n.drop = func(e logEntry) bool { return rng.Float64() < loss }
	client, server := n.connect()
	data := make([]byte, size)
	src := rand.NewChaCha8([32]byte{byte(seed)})
	src.Read(data)
	sent, got := sha256.New(), sha256.New()
	sent.Write(data)
	buf := make([]byte, 8192)
	written, read := 0, 0
	n.onStep = func() {
		if written < size {
			w, _ := client.Write(data[written:])
			written += w
			if written == size {
				client.Close()
			}
		}
		for {
			r, _ := server.Read(buf)
			if r == 0 {
				break
			}
			got.Write(buf[:r])
			read += r
		}
		if server.PeerClosed() && server.State() == CloseWait {
			server.Close()
		}
	}
	n.runUntil(at(600*units.Second), func() bool {
		return client.State() == TimeWait && server.State() == Closed
	})
	if read != size {
		t.Fatalf("read %d bytes, want %d", read, size)
	}
	if sent.Sum(nil) == nil || string(sent.Sum(nil)) != string(got.Sum(nil)) {
		t.Fatalf("received bytes differ from sent bytes (sha256)")
	}
	return n
}

func TestTransferIntegrityUnderLoss(t *testing.T) {
	for _, loss := range []float64{0, 0.01, 0.05} {
		for seed := uint64(1); seed <= 3; seed++ {
			n := transfer(t, 1<<20, loss, seed)
			st := n.a.order[0].stats
			if loss == 0 && st.Retransmits != 0 {
				t.Errorf("loss 0: %d retransmissions", st.Retransmits)
			}
			if loss > 0 && st.Retransmits == 0 {
				t.Errorf("loss %v seed %d: no retransmissions", loss, seed)
			}
		}
	}
}

func TestCloseSequenceAndTimeWait(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MSL = units.Second
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, server := n.connect()
	n.log = n.log[:0]
	client.Close()
	if client.State() != FinWait1 {
		t.Fatalf("after Close: %v", client.State())
	}
	n.runUntil(at(1*units.Second), func() bool { return server.State() == CloseWait })
	n.runUntil(at(1*units.Second), func() bool { return client.State() == FinWait2 })
	server.Close()
	if server.State() != LastAck {
		t.Fatalf("server after Close: %v", server.State())
	}
	n.runUntil(at(1*units.Second), func() bool { return client.State() == TimeWait })
	n.runUntil(at(1*units.Second), func() bool { return server.State() == Closed })
	expectLog(t, n, []string{
		"30ms A FIN,ACK seq=1 ack=1 len=0",
		"40ms B ACK seq=1 ack=2 len=0",
		"50ms B FIN,ACK seq=1 ack=2 len=0",
		"60ms A ACK seq=2 ack=2 len=0",
	})
	n.runFor(at(2*units.Second + 59*ms))
	if client.State() != TimeWait {
		t.Fatalf("TIME-WAIT ended early: %v", client.State())
	}
	n.runFor(at(2*units.Second + 61*ms))
	if client.State() != Closed || client.Err() != nil {
		t.Fatalf("after 2·MSL: %v %v", client.State(), client.Err())
	}
}

func TestRetransmitTimeoutExactTime(t *testing.T) {
	// NewReno, so that no tail loss probe comes before the RTO.
	cfg := DefaultConfig()
	cfg.Recovery = RecoveryNewReno
	n := newTestNet(t, 10*ms, cfg, DefaultConfig())
	client, _ := n.connect()
	n.log = n.log[:0]
	first := true
	n.drop = func(e logEntry) bool {
		if e.from == "A" && e.len > 0 && first {
			first = false
			return true
		}
		return false
	}
	client.Write(make([]byte, 100))
	n.runFor(at(1 * units.Second))
	expectLog(t, n, []string{
		"30ms A PSH,ACK seq=1 ack=1 len=100 (dropped)",
		"250ms A PSH,ACK seq=1 ack=1 len=100", // RTO = 20 + max(4·10, 200) ms (Linux)
		"260ms B ACK seq=1 ack=101 len=0",     // B's first data: a quick ACK
	})
	p := client.Probe()
	if p.Timeouts != 1 || p.Cwnd != 1448 || p.Ssthresh != 2*1448 {
		t.Errorf("after RTO: timeouts %d cwnd %d ssthresh %d; want 1, 1 MSS, 2 MSS", p.Timeouts, p.Cwnd, p.Ssthresh)
	}
	// With timestamps, the echo of the retransmission's TSval is an
	// unambiguous sample (RFC 7323 §4), so the backoff is undone at once.
	if p.RTO != 220*ms {
		t.Errorf("RTO after the retransmission's ACK = %v, want 220ms again", p.RTO)
	}
}

func TestKarnKeepsBackoffWithoutTimestamps(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Timestamps = false
	cfg.Recovery = RecoveryNewReno // no tail loss probe before the RTO
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, _ := n.connect()
	first := true
	n.drop = func(e logEntry) bool {
		if e.from == "A" && e.len > 0 && first {
			first = false
			return true
		}
		return false
	}
	client.Write(make([]byte, 100))
	n.runFor(at(1 * units.Second))
	// Karn: the ACK of the retransmission gave no RTT sample, so the
	// backed-off RTO stays until a fresh sample arrives.
	if p := client.Probe(); p.RTO != 440*ms || p.Timeouts != 1 {
		t.Errorf("RTO after one backoff = %v (timeouts %d), want 2·220ms", p.RTO, p.Timeouts)
	}
}

func TestFastRetransmitOnThirdDupAck(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DelayedACK = 0
	// Duplicate-ACK counting is NewReno's; RACK (the default) has its own
	// tests. Without SACK, as Linux counts duplicate ACKs only then
	// (tcp_is_reno): with SACK in use a Linux receiver grows its window
	// on out-of-order data (tcp_data_queue_ofo), and an ACK whose window
	// changed is no duplicate (RFC 5681 §2).
	snd := DefaultConfig()
	snd.Recovery = RecoveryNewReno
	snd.SACK = false
	n := newTestNet(t, 10*ms, snd, cfg)
	client, _ := n.connect()
	n.log = n.log[:0]
	n.drop = func(e logEntry) bool { return e.from == "A" && e.seq == 1+2*1448 && e.len > 0 && e.at == at(30*ms) }
	client.Write(make([]byte, 10*1448))
	n.runFor(at(100 * ms))
	// Ten segments leave at 30 ms; the third is lost; the fourth to tenth
	// each draw a duplicate ACK at 40 ms, which reach A at 50 ms; the third
	// duplicate triggers the retransmission.
	var rtx *logEntry
	dups := 0
	for i := range n.log {
		e := &n.log[i]
		if e.from == "B" && e.ack == 1+2*1448 {
			dups++
		}
		if e.from == "A" && e.seq == 1+2*1448 && !e.dropped {
			rtx = e
		}
	}
	if dups != 1+7 {
		t.Errorf("B sent %d ACKs for the hole, want 8 (1 normal + 7 duplicates)", dups)
	}
	if rtx == nil || rtx.at != at(50*ms) {
		t.Fatalf("retransmission: %v\n%s", rtx, n.tail(40))
	}
	p := client.Probe()
	if p.FastRetransmits != 1 || p.Timeouts != 0 {
		t.Errorf("fast retransmits %d timeouts %d", p.FastRetransmits, p.Timeouts)
	}
	// ssthresh = FlightSize/2 at the third duplicate ACK: 10 segments (the
	// normal ACK for the first two arrived first, so 8 in flight).
	if p.Ssthresh != 8*1448/2 {
		t.Errorf("ssthresh %d, want %d", p.Ssthresh, 8*1448/2)
	}
	if p.InRecovery || p.Inflight != 0 {
		t.Errorf("recovery not finished: in recovery %v, inflight %d", p.InRecovery, p.Inflight)
	}
}

func TestMalformedPacketsAreCountedNotFatal(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	n.connect()
	p := n.pool.Get()
	s := wire.Segment{Header: wire.Header{Src: addrA, Dst: addrB, SrcPort: 1, DstPort: 80, Flags: FlagACK}}
	p.SetLen(10)
	wire.EncodeSegment(p, &s)
	p.Bytes()[len(p.Bytes())-1] ^= 0xff
	n.b.Input(n.now, p)
	p = n.pool.Get()
	p.Load([]byte{0x45, 0, 0})
	n.b.Input(n.now, p)
	st := n.b.Stats()
	if st.Malformed[wire.DropBadTCPChecksum] != 1 {
		t.Errorf("bad checksum count %d", st.Malformed[wire.DropBadTCPChecksum])
	}
	total := int64(0)
	for _, v := range st.Malformed {
		total += v
	}
	if total != 2 {
		t.Errorf("malformed total %d, want 2", total)
	}
	if n.pool.Outstanding != 0 {
		t.Errorf("%d packets leaked", n.pool.Outstanding)
	}
}

func TestISNFromSeed(t *testing.T) {
	n1 := newTestNet(t, ms, DefaultConfig(), DefaultConfig())
	n2 := newTestNet(t, ms, DefaultConfig(), DefaultConfig())
	c1, _ := n1.connect()
	c2, _ := n2.connect()
	if c1.iss != c2.iss {
		t.Errorf("same seed, different ISN: %d vs %d", c1.iss, c2.iss)
	}
	var pool = n1.pool
	h3, _ := NewHost(addrA, DefaultConfig(), &pool, 99)
	c3, _ := h3.Connect(0, 0, addrB, 80, newReno())
	if c3.iss == c1.iss {
		t.Errorf("different seeds gave the same ISN %d", c3.iss)
	}
}
