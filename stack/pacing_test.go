package stack

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// fixedRate is a test algorithm with a huge window and a fixed pacing
// rate, so that only the pacer limits sending.
type fixedRate struct{ rate units.Rate }

func (f *fixedRate) Name() string              { return "fixed-rate" }
func (f *fixedRate) Init(units.Time, int, int) {}
func (f *fixedRate) OnAck(*cc.Ack)             {}
func (f *fixedRate) OnCongestion(*cc.Event)    {}
func (f *fixedRate) Cwnd() int                 { return 1 << 30 }
func (f *fixedRate) Ssthresh() int             { return cc.InfiniteSsthresh }
func (f *fixedRate) PacingRate() units.Rate    { return f.rate }
func (f *fixedRate) Phase() string             { return "fixed" }
func (f *fixedRate) Inspect(in *cc.Internals)  { in.Add("rate", float64(f.rate)) }
func (f *fixedRate) Description() string       { return "test" }

func TestPacingSpacesSegmentsAtTheRate(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	client, _ := n.connect()
	client.cc = &fixedRate{rate: 10 * units.MbitPerSecond}
	n.log = n.log[:0]
	client.Write(make([]byte, 20*1448))
	n.runFor(at(200 * ms))
	var sends []units.Time
	for _, e := range n.log {
		if e.from == "A" && e.len > 0 {
			sends = append(sends, e.at)
		}
	}
	if len(sends) != 20 {
		t.Fatalf("%d data segments", len(sends))
	}
	// An algorithm's rate is charged for the payload, as Linux's internal
	// pacing charges skb->len (tcp_update_skb_after_send): 1448 bytes at
	// 10 Mbit/s are 1.1584 ms apart, exactly.
	for i := 1; i < len(sends); i++ {
		if gap := sends[i].Sub(sends[i-1]); gap != 1158400*units.Nanosecond {
			t.Fatalf("gap %d is %v, want 1.1584ms", i, gap)
		}
	}
}

// TestFQPacingChargesTheWireLength: tcp.pacing stands for the fq qdisc,
// which charges a packet's whole length: 1448 bytes of payload, 12 of
// timestamps and 40 of headers, 1500 bytes at the rate Linux gives a
// window in congestion avoidance.
func TestFQPacingChargesTheWireLength(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Pacing = true
	n := newTestNet(t, 10*ms, cfg, cfg)
	client, _ := n.connect()
	n.log = n.log[:0]
	client.Write(make([]byte, 4*1448))
	n.runFor(at(100 * ms))
	var sends []units.Time
	for _, e := range n.log {
		if e.from == "A" && e.len > 0 {
			sends = append(sends, e.at)
		}
	}
	if len(sends) != 4 {
		t.Fatalf("%d data segments", len(sends))
	}
	// In slow start (cwnd below half ssthresh) Linux's
	// tcp_update_pacing_rate gives twice max(cwnd, in flight) per SRTT.
	rate := client.pacingRate()
	wantRate := units.Rate(2 * float64(max(client.cwnd(), client.inflight())) * 8 / client.rtt.srtt.Seconds())
	if rate != wantRate {
		t.Fatalf("pacing rate %v, want %v", rate, wantRate)
	}
	if gap, want := sends[1].Sub(sends[0]), rate.TxTime(1500); gap != want {
		t.Fatalf("gap %v at %v, want %v: the wire length, 1500 bytes", gap, rate, want)
	}
}

func TestPacingReleaseAllocatesNothing(t *testing.T) {
	n := newTestNet(t, 10*ms, DefaultConfig(), DefaultConfig())
	client, _ := n.connect()
	client.cc = &fixedRate{rate: units.GbitPerSecond}
	buf := make([]byte, 1<<16)
	var pkts []*packet.Packet
	step := func() {
		client.Write(buf)
		now := n.now
		for range 64 {
			if d := n.a.NextDeadline(); d > now {
				now = d
			}
			n.a.OnTimer(now)
			if p := n.a.Output(now); p != nil {
				pkts = append(pkts[:0], p)
				n.pool.Put(p)
			}
		}
		n.now = now
		// Acknowledge everything so the buffer keeps room.
		client.sndUna = client.sndNxt
		client.sent.clear()
		client.sndBuf.ackTo(client.sndNxt)
	}
	for range 10 {
		step()
	}
	if a := testing.AllocsPerRun(50, step); a != 0 {
		t.Fatalf("%.1f allocations per 64 paced releases", a)
	}
}
