package runner

import (
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// incastScenario is n senders behind one switch answering a receiver:
// every link 1 Gbit/s with 10 µs of propagation; the switch's port to the
// receiver queues bufferBytes. Each round the receiver asks for a block of
// block bytes, split evenly among the senders.
func incastScenario(n int, bufferBytes int, block int64, minRTO units.Duration, cc string, ecnK int) Scenario {
	link := func(queue int) netem.LinkConfig {
		return netem.LinkConfig{Rate: units.GbitPerSecond, Delay: 10 * units.Microsecond, QueueBytes: queue}
	}
	port := link(bufferBytes)
	if ecnK > 0 {
		port.ECNThresholdBytes = ecnK
	}
	links := []LinkSpec{{Name: "switch->receiver", Config: port}, {Name: "receiver->switch", Config: link(bufferBytes)}}
	tcp := stack.ConfigFor(stack.ProfileLinux)
	tcp.MinRTO = minRTO
	tcp.ECN = ecnK > 0
	sc := Scenario{
		Duration:         2 * units.Second,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 100 * units.Millisecond,
		Forward:          port,
		Reverse:          links[1].Config,
		TCP:              tcp,
		Seed:             1,
	}
	for i := range n {
		up := len(links)
		links = append(links, LinkSpec{Name: "up", Config: link(4 << 20)}, LinkSpec{Name: "down", Config: link(4 << 20)})
		share := block / int64(n)
		if int64(i) < block%int64(n) {
			share++
		}
		sc.Flows = append(sc.Flows, FlowSpec{CC: cc, Recovery: tcp.Recovery, Data: []int{up, 0}, Ack: []int{1, up + 1}, IncastShare: share})
	}
	sc.Links = links
	return sc
}

// TestIncastCollapsesWithALongMinimumRTO is the incast result of
// Vasudevan et al. (SIGCOMM 2009) on the simulator: with a shallow port
// buffer, goodput of a 1 MB striped read collapses as senders are added
// when the minimum RTO is Linux's 200 ms (a lost tail waits out the
// timer while the link idles), and holds with a 1 ms minimum RTO.
func TestIncastCollapsesWithALongMinimumRTO(t *testing.T) {
	goodput := func(n int, rto units.Duration, cc string, k int) float64 {
		sc := incastScenario(n, 64<<10, 1<<20, rto, cc, k)
		res, err := Simulate(sc, metrics.RunInfo{})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary.Incast[0]
		if s.Senders != n || s.BlockBytes != 1<<20 || s.Rounds == 0 {
			t.Fatalf("%d senders: summary %+v", n, s)
		}
		return s.GoodputBps / 1e6
	}
	few, many := goodput(4, 200*units.Millisecond, "reno", 0), goodput(64, 200*units.Millisecond, "reno", 0)
	fast := goodput(64, units.Millisecond, "reno", 0)
	t.Logf("reno, 200 ms min RTO: 4 senders %.0f Mbit/s, 64 senders %.0f; 1 ms min RTO, 64 senders %.0f", few, many, fast)
	if few < 800 {
		t.Errorf("4 senders: %.0f Mbit/s, want ≥ 800 of 1000 (no incast yet)", few)
	}
	if many > 0.1*few {
		t.Errorf("64 senders with a 200 ms minimum RTO: %.0f Mbit/s, want a collapse below 10%% of the 4-sender %.0f", many, few)
	}
	if fast < 5*many || fast < 400 {
		t.Errorf("64 senders with a 1 ms minimum RTO: %.0f Mbit/s, want ≥ 400 and ≥ 5× the 200 ms case (%.0f)", fast, many)
	}
}

// TestIncastDCTCPRoundsDoNotWaitForDelayedACKs: 32 DCTCP senders with ECN
// marking at 30 kB finish a round in the ideal 8.75 ms. A sender cut to a
// window of one segment sends the next round's first segment with CWR,
// unmarked; a receiver that held its ACK for the delayed-ACK timer made
// every round last 40 ms more. Linux acknowledges it at once, for the CE
// state change (dctcp_ece_ack_update) and for the CWR (tcp_ecn_accept_cwr).
func TestIncastDCTCPRoundsDoNotWaitForDelayedACKs(t *testing.T) {
	res, err := Simulate(incastScenario(32, 150000, 1<<20, 200*units.Millisecond, "dctcp", 30000), metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary.Incast[0]
	t.Logf("%+v", s)
	if s.RoundMsP50 > 10 {
		t.Errorf("median round %.2f ms, want the ideal 8.75 ms (no delayed-ACK stall)", s.RoundMsP50)
	}
}
