package tunrun

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// endpointsScenario is one bulk flow of each pairing, kernel→kernel,
// kernel→stack, stack→kernel and stack→stack, CUBIC throughout, through a
// 30 Mbit/s, 20 ms RTT, 1 BDP bottleneck for 5 s, verified.
func endpointsScenario() runner.Scenario {
	rate := 30 * units.MbitPerSecond
	rtt := 20 * units.Millisecond
	return runner.Scenario{
		Duration:         5 * units.Second,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		Forward:          netem.LinkConfig{Rate: rate, Delay: rtt / 2, QueueBytes: int(rate.BytesIn(rtt))},
		Reverse:          netem.LinkConfig{Delay: rtt / 2},
		Seed:             1,
		TCP:              stack.DefaultConfig(),
		Flows: []runner.FlowSpec{
			{CC: "linux:cubic", Receiver: "kernel"},
			{CC: "linux:cubic", Receiver: "stack"},
			{CC: "cubic", Recovery: stack.RecoveryRACK, Receiver: "kernel"},
			{CC: "cubic", Recovery: stack.RecoveryRACK, Receiver: "stack"},
		},
		Verify: true,
	}
}

// TestTunEveryEndpointPairing runs the four pairings at once through one
// bottleneck: every flow delivers, byte-exact, and together they keep the
// link at least 90% busy.
func TestTunEveryEndpointPairing(t *testing.T) {
	requireTunDriver(t)
	sc := endpointsScenario()
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-endpoints-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kernel→kernel", "kernel→stack", "stack→kernel", "stack→stack"}
	if !slices.Equal(res.Endpoints, want) {
		t.Errorf("endpoints %v, want %v", res.Endpoints, want)
	}
	s := res.Summary
	var sumBps float64
	for i, f := range s.Flows {
		t.Logf("flow %d %s %s: goodput %.2f Mbit/s, %d bytes, %d retransmits, srtt p50 %.1f ms",
			i, f.CC, res.Endpoints[i], f.GoodputBps/1e6, f.BytesDelivered, f.Retransmits, f.RTTP50Ms)
		if f.BytesDelivered == 0 || res.Read[i] == 0 {
			t.Errorf("flow %d (%s %s) delivered nothing", i, f.CC, res.Endpoints[i])
		}
		sumBps += f.GoodputBps
	}
	tm := res.Timing
	t.Logf("Jain's index %.4f; link utilization %.3f, drops %d; release error over %d packets: p50 %v p99 %v max %v; relay %+v",
		s.JainFairness, s.Link.Utilization, s.Link.Drops, tm.Packets, tm.P50, tm.P99, tm.Max, res.Relay)
	logRelayProfile(t, res.Profile)
	if rate := float64(sc.Forward.Rate); sumBps < 0.9*rate {
		t.Errorf("goodputs sum to %.2f Mbit/s, want at least 90%% of the %.0f Mbit/s link", sumBps/1e6, rate/1e6)
	}
	if !res.Verified {
		t.Errorf("payload verification failed: read %v of written %v", res.Read, res.Written)
	}
}

// TestTunStackReceivesSizedFlows ends a sized flow from each sender at
// ccbench's stack: both complete, byte-exact by hash, with a completion
// time in the summary.
func TestTunStackReceivesSizedFlows(t *testing.T) {
	requireTunDriver(t)
	const size = 2 << 20
	sc := endpointsScenario()
	sc.Duration = 3 * units.Second
	sc.Flows = []runner.FlowSpec{
		{CC: "linux:cubic", Receiver: "stack", Size: size},
		{CC: "cubic", Recovery: stack.RecoveryRACK, Receiver: "stack", Size: size},
	}
	res, err := Run(context.Background(), sc, metrics.RunInfo{Experiment: "tun-stack-receiver-test"})
	checkNoNamespacesLeft(t)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range res.Summary.Flows {
		if res.Written[i] != size || res.Read[i] != size || f.CompletionSeconds == nil {
			t.Errorf("flow %d (%s): wrote %d, read %d of %d bytes, completion %v", i, res.Endpoints[i], res.Written[i], res.Read[i], size, f.CompletionSeconds)
			continue
		}
		t.Logf("flow %d %s: %d bytes in %.3f s", i, res.Endpoints[i], f.BytesDelivered, *f.CompletionSeconds)
	}
	if !res.Verified {
		t.Error("payload verification failed")
	}
}

func TestTunRejectsUnknownReceiver(t *testing.T) {
	sc := endpointsScenario()
	sc.Flows[2].Receiver = "kernal"
	_, err := Run(context.Background(), sc, metrics.RunInfo{})
	want := `flows[2].receiver: "kernal" is not a receiver; allowed: kernel, stack`
	if err == nil || err.Error() != want || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// appBench drives the tun driver's two stack applications against each
// other without devices or links: host A runs stackSender, host B
// stackReceiver, and every turn hands each host's output to the other,
// as the relay does with a zero-delay path. B's receive buffer of ten
// segments keeps each turn's work steady, however far the window opens.
// It needs no root.
type appBench struct {
	pool packet.Pool
	a, b *stack.Host
	send stackSender
	recv stackReceiver
	flow *kernelFlow
	now  units.Time
	// datagrams counts what crossed between the hosts.
	datagrams int64
}

func newAppBench(t testing.TB, verify bool) *appBench {
	sc := endpointsScenario()
	sc.Verify = verify
	sc.TCP.RcvBuf = 10 * sc.TCP.MSS
	spec := runner.FlowSpec{CC: "cubic", Recovery: stack.RecoveryRACK, Receiver: "stack"}
	ab := &appBench{}
	var err error
	if ab.a, err = stack.NewHost(wire.Addr{198, 18, 0, 1}, sc.TCP, &ab.pool, 1); err != nil {
		t.Fatal(err)
	}
	if ab.b, err = stack.NewHost(wire.Addr{198, 18, 0, 4}, sc.TCP, &ab.pool, 2); err != nil {
		t.Fatal(err)
	}
	k := &kernelFlow{AppFlow: runner.NewAppFlow(0, spec, sc), spec: spec, port: runner.ServerPort, onStack: true, recvOnStack: true, remote: net.IP{198, 18, 0, 4}}
	k.completedNs.Store(-1)
	newCC := func() cc.CongestionControl { c, _ := cc.New("reno"); return c }
	l, err := ab.b.Listen(runner.ServerPort, receiverBacklog, newCC)
	if err != nil {
		t.Fatal(err)
	}
	k.Listen(l)
	ab.flow = k
	ab.send.flows = []*kernelFlow{k}
	ab.recv.flows = []*kernelFlow{k}
	return ab
}

// step is 100 µs of both applications and hosts.
func (ab *appBench) step() {
	ab.now = ab.now.Add(100 * units.Microsecond)
	for _, h := range []*stack.Host{ab.a, ab.b} {
		if h.NextDeadline() <= ab.now {
			h.OnTimer(ab.now)
		}
	}
	ab.send.run(ab.now, ab.a)
	for p := ab.a.Output(ab.now); p != nil; p = ab.a.Output(ab.now) {
		ab.b.Input(ab.now, p)
		ab.datagrams++
	}
	ab.recv.run(ab.now, ab.b)
	for p := ab.b.Output(ab.now); p != nil; p = ab.b.Output(ab.now) {
		ab.a.Input(ab.now, p)
		ab.datagrams++
	}
}

// The stack applications' turn allocates nothing in steady state, with or
// without payload verification, and what the receiver publishes for the
// sampler is what it read.
func TestTunStackAppsAllocateNothing(t *testing.T) {
	for _, verify := range []bool{false, true} {
		ab := newAppBench(t, verify)
		for range 2000 {
			ab.step()
		}
		k := ab.flow
		if k.sendErr != nil || k.recvErr != nil {
			t.Fatalf("verify=%v: send %v, receive %v", verify, k.sendErr, k.recvErr)
		}
		if k.Read() == 0 || k.delivered.Load() != k.Read() {
			t.Fatalf("verify=%v: read %d, published %d", verify, k.Read(), k.delivered.Load())
		}
		if a := testing.AllocsPerRun(1000, ab.step); a != 0 {
			t.Errorf("verify=%v: a turn of the stack applications allocates %v times, want 0", verify, a)
		}
		if verify && !k.Verified() {
			t.Errorf("verify=%v: %d bytes read do not match the %d written", verify, k.Read(), k.Written())
		}
	}
}

// BenchmarkTunStackApps is one 100 µs turn of bulk transfer between the
// stack sender and receiver applications, both hosts included, with and
// without payload verification; ns/datagram counts data and ACKs.
func BenchmarkTunStackApps(b *testing.B) {
	for _, verify := range []bool{false, true} {
		name := "plain"
		if verify {
			name = "verified"
		}
		b.Run(name, func(b *testing.B) {
			ab := newAppBench(b, verify)
			for range 2000 {
				ab.step()
			}
			b.ReportAllocs()
			from := ab.datagrams
			for b.Loop() {
				ab.step()
			}
			if n := ab.datagrams - from; n > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/datagram")
			}
		})
	}
}
