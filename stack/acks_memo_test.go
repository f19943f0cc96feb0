package stack

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The answers the receive and ACK paths keep instead of working them out
// on every segment are checked here against the computation they replace,
// on every connection of both hosts after every event of transfers over
// lossy, reordering, duplicating links, across recovery modes, SACK,
// timestamps, both profiles and SYN cookies.

// ackMemoViolations lists every kept answer of c that differs from the
// one worked out afresh.
func ackMemoViolations(c *Conn) []string {
	var v []string
	m := c.cfg.Recovery
	if m.usesSACK() && !c.sackOK {
		m = RecoveryNewReno
	}
	if c.recMode != m {
		v = append(v, fmt.Sprintf("recoveryMode %v, worked out %v", c.recMode, m))
	}
	if want := c.sackOK && c.cfg.Recovery.usesSACK(); c.sackRecovery != want {
		v = append(v, fmt.Sprintf("useSACK %v, worked out %v", c.sackRecovery, want))
	}
	if got, want := c.rtt.current(), c.rtt.backedOff(); got != want {
		v = append(v, fmt.Sprintf("RTO %v, worked out %v", got, want))
	}
	return v
}

func TestAckPathMemosMatchComputation(t *testing.T) {
	cases := 48
	if testing.Short() {
		cases = 12
	}
	rng := rand.New(rand.NewPCG(3, 5))
	total, cookieSACK := 0, 0
	for i := 0; i < cases; i++ {
		cfgA, cfgB := DefaultConfig(), DefaultConfig()
		if i%3 == 1 {
			cfgA, cfgB = RFCConfig(), RFCConfig()
		}
		for _, cfg := range []*Config{&cfgA, &cfgB} {
			cfg.Recovery = RecoveryMode(rng.IntN(4))
			cfg.SACK = rng.IntN(3) != 0
			cfg.Timestamps = rng.IntN(3) != 0
			cfg.MSL = 5 * cfg.MaxRTO / 2
			cfg.RFC1337 = true
		}
		cfgB.SYNCookiesAlways = i%4 == 3
		loss := []float64{0, 0.02, 0.1}[i%3]
		seed := uint64(i + 1)
		t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
			n := newPairNet(t, 5*units.Millisecond, cfgA, cfgB, 2*seed+1, 2*seed+2)
			link := &gridLink{n: n, rng: rand.New(rand.NewPCG(seed, 77)), loss: loss, reorder: 0.03, dup: 0.01}
			n.link = link.carry
			l, err := n.b.Listen(80, 4, newReno)
			if err != nil {
				t.Fatal(err)
			}
			client, server := newEndpoint(randomBytes(192<<10, seed), true), newEndpoint(randomBytes(32<<10, ^seed), false)
			if client.c, err = n.a.Connect(0, 0, addrB, 80, newReno()); err != nil {
				t.Fatal(err)
			}
			checks := 0
			n.app = func() {
				if server.c == nil {
					server.c = l.Accept()
				}
				client.step()
				server.step()
				for _, h := range []*Host{n.a, n.b} {
					for _, c := range h.conns {
						if v := ackMemoViolations(c); len(v) > 0 {
							t.Fatalf("at %v, connection %d→%d: %v", n.now, c.id.localPort, c.id.remotePort, v)
						}
						checks++
					}
				}
			}
			n.run(units.Time(600*units.Second), func() bool {
				return server.c != nil && server.c.State() == Closed && client.c.State() == TimeWait
			})
			total += checks
			if cfgB.SYNCookiesAlways && server.c != nil && server.c.sackOK {
				cookieSACK++
			}
		})
	}
	// The checks must have seen transfers, and connections set up from
	// SYN cookies with SACK.
	if total < 100*cases || cookieSACK == 0 {
		t.Fatalf("%d checks, %d SYN-cookie connections with SACK", total, cookieSACK)
	}
}
