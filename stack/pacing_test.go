package stack

import (
	"testing"

	"ccbench/cc"
	"ccbench/packet"
	"ccbench/units"
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
	// 1448 bytes of payload, 12 of timestamps, 40 of headers: 1500 bytes
	// at 10 Mbit/s are 1.2 ms apart, exactly.
	for i := 1; i < len(sends); i++ {
		if gap := sends[i].Sub(sends[i-1]); gap != 1200*units.Microsecond {
			t.Fatalf("gap %d is %v, want 1.2ms", i, gap)
		}
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
