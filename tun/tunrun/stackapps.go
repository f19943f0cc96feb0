// ccbench's stack at either end of a tun run: the applications that the
// relay runs on its thread for the stack.Host at side A, which sends every
// flow whose cc is a registered algorithm, and for the one at side B, which
// receives every flow whose receiver is "stack". A side whose flows are all
// on the stack gives its host the namespace's address; a side that also
// has kernel flows gives the host the side's spare address beside the
// kernel's device (tun.NewEndpointRelay), so kernel→kernel, kernel→stack,
// stack→kernel and stack→stack flows share the one bottleneck.
//
// Both applications reuse the sim driver's (runner.AppFlow): the sender
// keeps the send buffer full with AppFlow.SenderApp, the receiver drains
// and checks with AppFlow.ReceiverApp, so the bytes and their verification are the same
// whichever driver and whichever endpoints carry them. What the sampler on
// the main goroutine reads of them crosses threads through kernelFlow's
// atomics and its probe lock.

package tunrun

import (
	"fmt"
	"net"
	"sync/atomic"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// receiverBacklog is the accept queue of a stack receiver's listener: each
// flow has its own port and one connection.
const receiverBacklog = 4

// newTunRelay builds the relay with each side's endpoints as the flows
// need them, sets each flow's receiving address, and opens the stack
// receivers' listeners before the relay starts, so a sender's first SYN
// finds them.
func newTunRelay(sc runner.Scenario, topo *tun.Topology, flows []*kernelFlow, fc, rc netem.LinkConfig, clock tun.Clock) (*tun.Relay, *stackSender, *stackReceiver, error) {
	var a, b tun.Endpoints
	var send *stackSender
	var recv *stackReceiver
	for _, k := range flows {
		if k.onStack {
			if send == nil {
				send = &stackSender{}
				tcp := sc.TCP
				tcp.Recovery = k.spec.Recovery
				a.Stack = &tun.StackEndpoint{Config: tcp, Seed: runner.SeedFor(sc.Seed, "sender", 0), App: send.run}
			}
			send.flows = append(send.flows, k)
		} else {
			a.Kernel = true
		}
		if k.recvOnStack {
			if recv == nil {
				recv = &stackReceiver{}
				b.Stack = &tun.StackEndpoint{Config: sc.TCP, Seed: runner.SeedFor(sc.Seed, "receiver", 0), App: recv.run}
			}
			recv.flows = append(recv.flows, k)
		} else {
			b.Kernel = true
		}
	}
	relay, _, stackB, err := tun.NewEndpointRelay(topo, fc, rc, clock, a, b)
	if err != nil {
		return nil, nil, nil, err
	}
	// A receiver's algorithm governs only its ACKs' direction, which
	// carries no data; reno, as for a kernel receiver of a stack flow.
	if _, err := cc.New("reno"); recv != nil && err != nil {
		return nil, nil, nil, err
	}
	newCC := func() cc.CongestionControl { c, _ := cc.New("reno"); return c }
	for _, k := range flows {
		k.remote = topo.AddrB
		if !k.recvOnStack {
			continue
		}
		addr := stackB.Host().Addr()
		k.remote = net.IP(addr[:])
		l, err := stackB.Host().Listen(uint16(k.port), receiverBacklog, newCC)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("flows[%d]: stack receiver: %w", k.id, err)
		}
		k.Listen(l)
	}
	return relay, send, recv, nil
}

// endpoints names a flow's sender and receiver, "stack→kernel" and the
// like.
func (k *kernelFlow) endpoints() string {
	side := func(onStack bool) string {
		if onStack {
			return "stack"
		}
		return "kernel"
	}
	return side(k.onStack) + "→" + side(k.recvOnStack)
}

// stackSender is the application of ccbench's stack at A: the sender of
// every flow on the stack (tun.StackApp). It connects each flow to its
// receiver in B at the flow's start, keeps its send buffer full with the
// sim driver's sender (AppFlow.SenderApp), and publishes a snapshot of the
// connection for the sampler.
type stackSender struct {
	flows []*kernelFlow
	// ended is set once the run is over, before the kernel sockets close:
	// a reset from then on is the teardown, not a failure.
	ended atomic.Bool
}

func (s *stackSender) run(now units.Time, h *stack.Host) {
	for _, k := range s.flows {
		if k.sendErr != nil {
			continue
		}
		if k.Conn() == nil {
			if now < units.Time(k.spec.Start) {
				continue
			}
			alg, err := cc.New(k.spec.CC)
			var c *stack.Conn
			if err == nil {
				c, err = h.Connect(now, 0, wire.Addr(k.remote.To4()), uint16(k.port), alg)
			}
			if err != nil {
				k.sendErr = err
				continue
			}
			k.Started(now, c)
		}
		c := k.Conn()
		if err := c.Err(); err != nil {
			if !s.ended.Load() {
				k.sendErr = err
			}
			continue
		}
		// Closing before the handshake completes would abandon the
		// connection rather than queue a FIN (RFC 9293 §3.10.4), and a
		// fixed-size flow may have written everything by then.
		if c.State() != stack.SynSent {
			k.SenderApp(now)
		}
		p, l := c.Probe(), c.SenderLimits(now)
		k.probeMu.Lock()
		k.probe, k.limits, k.probed = p, l, true
		k.probeMu.Unlock()
	}
}

// stackReceiver is the application of ccbench's stack at B: the receiver
// of every flow whose receiver is the stack (tun.StackApp). Each flow's
// listener was opened before the relay started; at every turn it accepts,
// drains and checks with the sim driver's receiver (AppFlow.ReceiverApp),
// and publishes the bytes read and the completion time for the sampler, as
// kernelFlow.receive does for a kernel receiver.
type stackReceiver struct {
	flows []*kernelFlow
	// ended is as stackSender's.
	ended atomic.Bool
}

func (r *stackReceiver) run(now units.Time, _ *stack.Host) {
	for _, k := range r.flows {
		if k.recvErr != nil {
			continue
		}
		k.ReceiverApp(now)
		k.delivered.Store(k.Read())
		if at := k.CompletedAt(); at >= 0 && k.completedNs.Load() < 0 {
			k.completedNs.Store(int64(at))
		}
		if c := k.Peer(); c != nil {
			if err := c.Err(); err != nil && !r.ended.Load() {
				k.recvErr = err
			}
		}
	}
}

// stackSample fills a flow sample from the stack connection's snapshot,
// as the sim driver's sampler does from the live connection.
func stackSample(smp *metrics.FlowSample, p stack.Probe) {
	smp.Cwnd, smp.Ssthresh, smp.Inflight = p.Cwnd, p.Ssthresh, p.Inflight
	smp.SRTT, smp.RTTVar, smp.RTO, smp.LastRTT = p.SRTT, p.RTTVar, p.RTO, p.LastRTT
	smp.Retransmits = p.Retransmits
	smp.State, smp.Phase = p.State.String(), p.Phase
	smp.PacingBps = float64(p.PacingRate)
}
