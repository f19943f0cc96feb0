// Who stands at each side of a relay: the namespace's kernel behind the
// side's TUN device, ccbench's stack as an in-process stack.Host, or both
// at once. The two sides are built the same way, so ccbench's stack can
// send (side A), receive (side B), or do both, through one pair of links:
// kernel→kernel, kernel→stack, stack→kernel and stack→stack flows then
// share one bottleneck in one run.
//
// A side with only the stack gives the host the namespace's own address
// (AddrA or AddrB), and its TUN device stays unused in its namespace; a
// side with both multiplexes the device and a host at the side's spare
// address (AddrStack or AddrStackB, topology.go) by destination address
// (mixport.go). Both hosts share the relay's packet pool and thread, so a
// datagram from one stack to the other crosses the links without a copy
// and without a lock.

package tun

import (
	"errors"
	"net"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/stack"
)

// Endpoints says who takes part at one side of a relay.
type Endpoints struct {
	// Kernel is set when the namespace's kernel takes part, through the
	// side's TUN device.
	Kernel bool
	// Stack, when not nil, puts ccbench's stack at the side as well.
	Stack *StackEndpoint
}

// StackEndpoint is ccbench's stack at one side of a relay: a stack.Host
// configured by Config, seeded with Seed, running App on the relay's
// thread at every turn.
type StackEndpoint struct {
	Config stack.Config
	Seed   uint64
	App    StackApp
}

// NewEndpointRelay builds a relay between t's sides with a and b at them;
// forward carries A to B, reverse B to A. It returns the stack port of
// each side that has one, nil for the others; a host's address is
// Host().Addr(). A host must only be used from its application while the
// relay runs, and from anywhere before Start and after Stop (a listener
// opened before Start answers the first SYN).
func NewEndpointRelay(t *Topology, forward, reverse netem.LinkConfig, clock Clock, a, b Endpoints) (r *Relay, stackA, stackB *StackPort, err error) {
	r, err = newRelay(forward, reverse, clock)
	if err != nil {
		return nil, nil, nil, err
	}
	pa, stackA, err := r.side(a, t.DevA, t.AddrA, t.AddrStack)
	if err != nil {
		return nil, nil, nil, err
	}
	pb, stackB, err := r.side(b, t.DevB, t.AddrB, t.AddrStackB)
	if err != nil {
		return nil, nil, nil, err
	}
	r.setPorts(pa, pb)
	return r, stackA, stackB, nil
}

// side builds the port of one side from its device, the namespace's
// address and the side's spare one.
func (r *Relay) side(e Endpoints, dev *Device, own, spare net.IP) (port, *StackPort, error) {
	switch {
	case e.Stack == nil && !e.Kernel:
		return nil, nil, errors.New("tun: a relay side needs the kernel, the stack or both")
	case e.Stack == nil:
		return dev, nil, nil
	case !e.Kernel:
		sp, err := newStackPort(own, e.Stack.Config, &r.pool, e.Stack.Seed, e.Stack.App)
		return sp, sp, err
	}
	sp, err := newStackPort(spare, e.Stack.Config, &r.pool, e.Stack.Seed, e.Stack.App)
	if err != nil {
		return nil, nil, err
	}
	return newMixPort(dev, sp, spare), sp, nil
}
