package stack

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// processAck fills the connection's ACK sample field by field instead of
// clearing it first. ackRecorder checks that no field of one ACK's sample
// survives into the next: it hands each sample on to the algorithm and
// keeps a copy, then overwrites the sample the stack handed it (the
// connection's own, reused for the next ACK) with garbage, or with zeros.
// Both runs of the same transfer must record the same samples.
type ackRecorder struct {
	cc.CongestionControl
	acks   []cc.Ack
	poison bool
}

func (r *ackRecorder) OnAck(a *cc.Ack) {
	r.acks = append(r.acks, *a)
	r.CongestionControl.OnAck(a)
	if r.poison {
		*a = cc.Ack{
			Now: 1 << 60, Acked: -7, Sacked: -9, DupAck: true, RTT: -11, MinRTT: -13, SRTT: -17,
			PriorInflight: -19, Inflight: -23, InRecovery: true, SlowStartLimit: -29, AppLimited: true,
			ECE: true, Delivered: -31, Sent: -37, Lost: -41, TSval: 43, TSecr: 47,
			Rate: cc.RateSample{Valid: true, Delivered: -53, Interval: -59, PriorDelivered: -61,
				IsAppLimited: true, RTT: -67, TxInflight: -71, LostSince: -73},
		}
	} else {
		*a = cc.Ack{}
	}
}

// fillRun is one transfer each way over a lossy link; it returns the ACK
// samples both hosts' algorithms saw.
func fillRun(t *testing.T, i int, alg string, poison bool) [2][]cc.Ack {
	rng := rand.New(rand.NewPCG(uint64(i), 11))
	cfg := DefaultConfig()
	if i%3 == 1 {
		cfg = RFCConfig()
	}
	cfg.Recovery = RecoveryMode(rng.IntN(4))
	cfg.SACK = rng.IntN(3) != 0
	cfg.Timestamps = rng.IntN(3) != 0
	cfg.ECN = rng.IntN(2) == 0
	cfg.MSL = 5 * cfg.MaxRTO / 2
	cfg.RFC1337 = true
	seed := uint64(i + 1)
	n := newPairNet(t, 5*units.Millisecond, cfg, cfg, 2*seed+1, 2*seed+2)
	link := &gridLink{n: n, rng: rand.New(rand.NewPCG(seed, 78)), loss: []float64{0, 0.02, 0.08}[i%3], reorder: 0.03, dup: 0.01}
	n.link = link.carry
	var recs [2]*ackRecorder
	mk := func(k int) func() cc.CongestionControl {
		return func() cc.CongestionControl {
			a, err := cc.New(alg)
			if err != nil {
				t.Fatal(err)
			}
			recs[k] = &ackRecorder{CongestionControl: a, poison: poison}
			return recs[k]
		}
	}
	l, err := n.b.Listen(80, 4, mk(1))
	if err != nil {
		t.Fatal(err)
	}
	client, server := newEndpoint(randomBytes(256<<10, seed), true), newEndpoint(randomBytes(64<<10, ^seed), false)
	if client.c, err = n.a.Connect(0, 0, addrB, 80, mk(0)()); err != nil {
		t.Fatal(err)
	}
	n.app = func() {
		if server.c == nil {
			server.c = l.Accept()
		}
		client.step()
		server.step()
	}
	n.run(units.Time(600*units.Second), func() bool {
		return server.c != nil && server.c.State() == Closed && client.c.State() == TimeWait
	})
	var out [2][]cc.Ack
	for k, r := range recs {
		if r != nil {
			out[k] = r.acks
		}
	}
	return out
}

func TestAckSampleCarriesNothingOver(t *testing.T) {
	cases := 24
	if testing.Short() {
		cases = 6
	}
	total := 0
	for _, alg := range []string{"reno", "cubic", "bbr"} {
		for i := 0; i < cases; i++ {
			t.Run(fmt.Sprintf("%s/%d", alg, i), func(t *testing.T) {
				clean, poisoned := fillRun(t, i, alg, false), fillRun(t, i, alg, true)
				for k := range clean {
					if len(clean[k]) != len(poisoned[k]) {
						t.Fatalf("host %d: %d samples, %d with the previous one poisoned", k, len(clean[k]), len(poisoned[k]))
					}
					for j := range clean[k] {
						if clean[k][j] != poisoned[k][j] {
							t.Fatalf("host %d, sample %d:\n clean    %+v\n poisoned %+v", k, j, clean[k][j], poisoned[k][j])
						}
					}
					total += len(clean[k])
				}
			})
		}
	}
	if total < 1000 {
		t.Fatalf("only %d samples compared", total)
	}
}
