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
