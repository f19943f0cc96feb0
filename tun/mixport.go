// A side shared by its namespace's kernel and ccbench's stack, so that
// kernel flows and stack flows cross the same links in one run: a port that
// multiplexes the side's TUN device (the kernel's TCP at AddrA or AddrB)
// and a StackPort (a stack.Host at AddrStack or AddrStackB) onto one side
// of the relay (relay_endpoints.go). Side A's is described here; side B's
// works the same way with the directions swapped.
//
// Towards the links, it takes datagrams from both sources in turn, at most
// mixBatch from one before it offers the other its turn, and moves on at
// once from a source with nothing waiting. A bulk sender on either side
// therefore cannot hold the other's datagrams back by more than mixBatch
// reads, and neither source's arrival times are skewed against the other's
// by more than that.
//
// From the links, it routes each datagram by its IPv4 destination address
// (RFC 791 §3.1): the stack's address goes to the host, anything else (A's
// address, and whatever else namespace B sends that way) to the device, as
// it would without the stack.

package tun

import (
	"net"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// mixBatch is how many datagrams in a row side A's multiplexer takes from
// one source while the other has some waiting: a quarter of the relay's
// read batch, so that each source gets several turns in every batch.
const mixBatch = readBatch / 4

// mixPort is one side of a relay as both a kernel port and a stack port.
type mixPort struct {
	// kernel is the side's device; stack is a StackPort, or in tests any
	// port.
	kernel, stack port
	// stackDst is the stack host's address.
	stackDst wire.Addr
	// fromStack says which source is having its turn, and taken how many
	// datagrams it has given in that turn.
	fromStack bool
	taken     int
	// toStack and toKernel count the datagrams routed to each.
	toStack, toKernel int64
}

// NewMixedRelay builds a relay whose side A is both t's device A, with A's
// kernel behind it, and a stack.Host at t.AddrStack configured by cfg,
// seeded with seed and running app; side B is t's device B. Flows from A's
// kernel and from the stack then share the links. The host must only be
// used from app while the relay runs, and from anywhere after Stop.
func NewMixedRelay(t *Topology, forward, reverse netem.LinkConfig, clock Clock, cfg stack.Config, seed uint64, app StackApp) (*Relay, *StackPort, error) {
	r, sp, _, err := NewEndpointRelay(t, forward, reverse, clock,
		Endpoints{Kernel: true, Stack: &StackEndpoint{Config: cfg, Seed: seed, App: app}}, Endpoints{Kernel: true})
	return r, sp, err
}

func newMixPort(kernel, stack port, stackAddr net.IP) *mixPort {
	return &mixPort{kernel: kernel, stack: stack, stackDst: wire.Addr(stackAddr.To4())}
}

func (m *mixPort) turn(now units.Time) {
	m.kernel.turn(now)
	m.stack.turn(now)
}

// receive gives the next datagram of the source whose turn it is, or of
// the other when that one has none or has had mixBatch in a row.
func (m *mixPort) receive(now units.Time, pool *packet.Pool) (*packet.Packet, error) {
	for range 2 {
		if m.taken == mixBatch {
			m.switchSource()
		}
		var p *packet.Packet
		var err error
		if m.fromStack {
			p, err = m.stack.receive(now, pool)
		} else {
			p, err = m.kernel.receive(now, pool)
		}
		if p != nil || err != nil {
			m.taken++
			return p, err
		}
		m.switchSource()
	}
	return nil, nil
}

func (m *mixPort) switchSource() {
	m.fromStack = !m.fromStack
	m.taken = 0
}

// deliver hands p to the stack when it is an IPv4 datagram addressed to
// the stack, and to the kernel otherwise.
func (m *mixPort) deliver(now units.Time, p *packet.Packet, pool *packet.Pool) (bool, error) {
	if h := wire.IPv4Header(p.Bytes()); len(h) >= wire.IPv4MinHeaderLen && h.Version() == wire.IPv4Version &&
		h.Dst() == m.stackDst {
		m.toStack++
		return m.stack.deliver(now, p, pool)
	}
	m.toKernel++
	return m.kernel.deliver(now, p, pool)
}

func (m *mixPort) nextDeadline() units.Time {
	return units.MinTime(m.kernel.nextDeadline(), m.stack.nextDeadline())
}

// pollFd is the device's: the stack wakes the relay by its deadline.
func (m *mixPort) pollFd() int32 { return m.kernel.pollFd() }
