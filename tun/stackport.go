// A side of the relay as ccbench's own TCP: a stack.Host at the topology's
// AddrA (or at AddrStack beside A's kernel, mixport.go), driven by the
// relay on its locked thread, so that the kernel in namespace B talks to it
// as to a real machine at 198.18.x.1 through the same links and the same
// TUN device B as a kernel peer would. Side B may hold one too, at AddrB or
// AddrStackB (relay_endpoints.go); it is described here as side A.
//
// The stack is sans-IO and single-threaded, and the relay's thread is the
// only one that touches it: on every turn the relay runs the host's expired
// timers and its application (StackApp), takes Host.Output as if read from
// TUN device A, and hands Host.Input the datagrams the reverse link
// releases towards A. The host's next timer is one of the deadlines the
// relay sleeps towards, so a delayed ACK or a retransmission timeout is
// served with the same precision as a link's release.
//
// Datagrams move between the host and the links without copying: the host
// allocates from, and returns to, the relay's packet pool.

package tun

import (
	"net"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// StackApp is the application on a stack port: it runs on the relay's
// thread at every turn, before the host's output is collected, and may
// connect, listen, write, read and close through h. It must not block; it
// reports to other goroutines through channels or atomics.
type StackApp func(now units.Time, h *stack.Host)

// StackPort is one side of a relay as an in-process stack.Host.
type StackPort struct {
	host *stack.Host
	app  StackApp
	// pending is set when the host may have output that it has not given
	// yet: after a delivery, a timer or the application ran. The relay
	// goes round again at once while it is set instead of sleeping.
	pending bool
	// inputs counts datagrams delivered to the host, outputs those taken
	// from it.
	inputs, outputs int64
}

// NewStackRelay builds a relay whose side A is a stack.Host with address
// t.AddrA, configured by cfg and seeded with seed, running app; side B is
// t's device B. TUN device A stays in namespace A, unused. The host must
// only be used from app while the relay runs, and from anywhere after Stop.
func NewStackRelay(t *Topology, forward, reverse netem.LinkConfig, clock Clock, cfg stack.Config, seed uint64, app StackApp) (*Relay, *StackPort, error) {
	r, sp, _, err := NewEndpointRelay(t, forward, reverse, clock,
		Endpoints{Stack: &StackEndpoint{Config: cfg, Seed: seed, App: app}}, Endpoints{Kernel: true})
	return r, sp, err
}

// newStackPort builds a stack port whose host has address addr and
// allocates from pool, the relay's.
func newStackPort(addr net.IP, cfg stack.Config, pool *packet.Pool, seed uint64, app StackApp) (*StackPort, error) {
	host, err := stack.NewHost(stackAddr(addr), cfg, pool, seed)
	if err != nil {
		return nil, err
	}
	return &StackPort{host: host, app: app}, nil
}

func stackAddr(ip net.IP) wire.Addr {
	var a wire.Addr
	copy(a[:], ip.To4())
	return a
}

// Host is the port's stack. Between Start and Stop of its relay, only the
// port's application may use it.
func (s *StackPort) Host() *stack.Host { return s.host }

// Counters returns how many datagrams the host took in and gave out.
func (s *StackPort) Counters() (inputs, outputs int64) { return s.inputs, s.outputs }

func (s *StackPort) turn(now units.Time) {
	if s.host.NextDeadline() <= now {
		s.host.OnTimer(now)
	}
	if s.app != nil {
		s.app(now, s.host)
	}
	s.pending = true
}

func (s *StackPort) receive(now units.Time, _ *packet.Pool) (*packet.Packet, error) {
	p := s.host.Output(now)
	if p == nil {
		s.pending = false
		return nil, nil
	}
	s.outputs++
	return p, nil
}

func (s *StackPort) deliver(now units.Time, p *packet.Packet, _ *packet.Pool) (bool, error) {
	s.host.Input(now, p)
	s.inputs++
	s.pending = true
	return true, nil
}

// nextDeadline is now when the host may have output waiting, so the relay
// spins round to collect it, and otherwise the host's next timer.
func (s *StackPort) nextDeadline() units.Time {
	if s.pending {
		return 0
	}
	return s.host.NextDeadline()
}

func (s *StackPort) pollFd() int32 { return -1 }
