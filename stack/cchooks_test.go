package stack

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// oneSegTSO is Reno that asks for GSO packets of one segment at least,
// as BBR's min_tso_segs does at low rates.
type oneSegTSO struct{ cc.CongestionControl }

func (oneSegTSO) MinTSOSegs() int { return 1 }

// A slow pacing rate sizes GSO packets by the algorithm's min_tso_segs
// (tcp_tso_segs), and by net.ipv4.tcp_min_tso_segs for others.
func TestTSOSizerSetsTheLeastGSOSegments(t *testing.T) {
	var pool packet.Pool
	h, err := NewHost(addrA, DefaultConfig(), &pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		alg  cc.CongestionControl
		want int
	}{
		{newReno(), minTSOSegs},
		{oneSegTSO{newReno()}, 1},
	} {
		conn := newConn(h, fourTuple{}, 0, c.alg)
		conn.sndMSS = 1448
		conn.cc.Init(0, 1448, 2*1448)
		conn.rtt.srtt = 40 * units.Millisecond // 2 segments per 40 ms: about 1 kbit per ms
		if got := conn.computeTSOSegs(); got != c.want {
			t.Errorf("%T: %d segments per GSO packet at a low rate, want %d", c.alg, got, c.want)
		}
	}
}

// seeded is Reno that records the seeds cc.ConnSeeder gives it.
type seeded struct {
	cc.CongestionControl
	seeds []uint64
}

func (s *seeded) SeedConnection(seed uint64) { s.seeds = append(s.seeds, seed) }

// An algorithm that asks for a seed gets one at Init, from the ISNs that
// the run's seed drew: the same in a repeated run, different for another
// connection.
func TestConnSeederIsSeededFromTheRun(t *testing.T) {
	seedOf := func() (uint64, uint64) {
		n := newTestNet(t, 10*units.Millisecond, DefaultConfig(), DefaultConfig())
		var got [2]*seeded
		for i := range got {
			alg := &seeded{CongestionControl: newReno()}
			c, err := n.a.Connect(n.now, 0, addrB, uint16(80+i), alg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.b.Listen(uint16(80+i), 8, newReno); err != nil {
				t.Fatal(err)
			}
			n.runUntil(n.now.Add(10*units.Second), func() bool { return c.State() == Established })
			if len(alg.seeds) != 1 {
				t.Fatalf("connection %d was seeded %d times, want once", i, len(alg.seeds))
			}
			got[i] = alg
		}
		return got[0].seeds[0], got[1].seeds[0]
	}
	a1, b1 := seedOf()
	a2, b2 := seedOf()
	if a1 != a2 || b1 != b2 {
		t.Errorf("a repeated run seeded %#x, %#x then %#x, %#x", a1, b1, a2, b2)
	}
	if a1 == b1 {
		t.Errorf("two connections got the same seed %#x", a1)
	}
}

// handshakeTimed is Reno that records what cc.HandshakeRTTReader gives it
// and whether that came before Init.
type handshakeTimed struct {
	cc.CongestionControl
	srtt, minRTT units.Duration
	calls        int
	beforeInit   bool
}

func (h *handshakeTimed) HandshakeRTT(srtt, minRTT units.Duration) {
	h.srtt, h.minRTT = srtt, minRTT
	h.calls++
}

func (h *handshakeTimed) Init(now units.Time, mss, iw int) {
	h.beforeInit = h.calls == 1
	h.CongestionControl.Init(now, mss, iw)
}

// Both ends of a connection start their algorithm knowing the handshake's
// RTT, as Linux's do: the active end from its SYN, the passive end from
// its SYN-ACK (tcp_synack_rtt_meas), each before Init.
func TestHandshakeRTTReachesBothEndsBeforeInit(t *testing.T) {
	n := newTestNet(t, 10*units.Millisecond, DefaultConfig(), DefaultConfig())
	client := &handshakeTimed{CongestionControl: newReno()}
	server := &handshakeTimed{CongestionControl: newReno()}
	if _, err := n.b.Listen(80, 8, func() cc.CongestionControl { return server }); err != nil {
		t.Fatal(err)
	}
	c, err := n.a.Connect(n.now, 0, addrB, 80, client)
	if err != nil {
		t.Fatal(err)
	}
	n.runUntil(n.now.Add(10*units.Second), func() bool { return c.State() == Established && server.calls > 0 })
	rtt := 2 * 10 * units.Millisecond
	for _, end := range []struct {
		name string
		h    *handshakeTimed
	}{{"active", client}, {"passive", server}} {
		h := end.h
		if h.calls != 1 || !h.beforeInit {
			t.Errorf("%s end: HandshakeRTT called %d times, before Init %v; want once, before", end.name, h.calls, h.beforeInit)
		}
		if h.srtt < rtt || h.srtt > rtt+units.Millisecond || h.minRTT != h.srtt {
			t.Errorf("%s end: handshake srtt %v, min %v; want both about %v", end.name, h.srtt, h.minRTT, rtt)
		}
	}
}
