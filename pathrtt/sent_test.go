package pathrtt

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// sent's own path for new data must leave the monitor exactly as
// sentOther would: two monitors see the same mixed random steps (new
// data, resends, segments spanning both, SYN, FIN, RST, empty segments,
// another connection, ACKs old and new, a flight past ringMax), one
// through sent, the other through sentOther alone, and must agree after
// every step.
func TestSentMatchesSentOther(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var ha, hb metrics.Histogram
		a := New([]*metrics.Histogram{&ha}, nil)
		b := New([]*metrics.Histogram{&hb}, nil)
		conns := []wire.Header{
			{Src: addrA, Dst: addrB, SrcPort: portA, DstPort: portB},
			{Src: addrA, Dst: addrB, SrcPort: portA + 1, DstPort: portB},
		}
		conn := 0
		seq := wire.Seq(rng.Uint32())
		var now units.Time
		steps := 20000
		if seed == 4 {
			steps = ringMax + 20000 // outgrows the ring
		}
		for k := 0; k < steps; k++ {
			now += units.Time(rng.Intn(1000))
			h := conns[conn]
			if seed == 4 && k < ringMax+10000 || rng.Intn(3) != 0 {
				n := 1 + rng.Intn(2*mss)
				var flags uint8
				switch r := rng.Intn(100); {
				case r < 2:
					flags = wire.FlagSYN
				case r < 4:
					flags = wire.FlagFIN
				case r < 5:
					flags = wire.FlagRST
				case r < 7:
					n = 0
				case r < 9 && seed != 4:
					conn = 1 - conn
					h = conns[conn]
				}
				s := seq
				if rng.Intn(20) == 0 {
					s = seq.Add(-rng.Intn(8 * mss)) // a resend, perhaps with new data
				}
				a.sent(now, &a.flows[0], headerTuple(&h), s, n, flags)
				if flags&wire.FlagRST == 0 && n != 0 {
					b.sentOther(now, &b.flows[0], headerTuple(&h), s, n)
				}
				if e := s.Add(n); e.GT(seq) {
					seq = e
				}
			} else {
				r := reversed(h)
				ack := seq.Add(-rng.Intn(20 * mss))
				a.ack(now, &a.flows[0], headerTuple(&r), ack, wire.FlagACK)
				b.ack(now, &b.flows[0], headerTuple(&r), ack, wire.FlagACK)
			}
			if len(a.flows[0].ring) > 1024 && k%997 != 0 {
				continue // a big ring is compared now and then
			}
			fa, fb := a.flows[0], b.flows[0]
			fa.hist, fb.hist = nil, nil
			if !reflect.DeepEqual(fa, fb) || !reflect.DeepEqual(ha, hb) ||
				a.Overflows != b.Overflows || a.Retransmits != b.Retransmits || a.Ambiguous != b.Ambiguous {
				t.Fatalf("seed %d step %d: the monitors differ", seed, k)
			}
		}
		if ha.Count() == 0 || a.Retransmits == 0 || a.Ambiguous == 0 || seed == 4 && a.Overflows == 0 {
			t.Errorf("seed %d: %d samples, %d retransmits, %d ambiguous, %d overflows: a case went untried",
				seed, ha.Count(), a.Retransmits, a.Ambiguous, a.Overflows)
		}
	}
}
