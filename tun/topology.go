// The topology the tun driver builds: two namespaces, A and B, each with
// one TUN device on a /29 from 198.18.0.0/15 (RFC 2544's benchmarking
// range, which no real network routes), and nothing else between them but
// the relay.
//
//	namespace A                 root namespace               namespace B
//	198.18.x.1/29 ─ ccb0 ══ fd ─► relay: forward link ─► fd ══ ccb0 ─ 198.18.x.2/29
//	                        fd ◄─        reverse link ◄─ fd
//	198.18.x.3: ccbench's stack, on the relay's side A (mixport.go)
//	198.18.x.4: ccbench's stack, on the relay's side B
//
// The third and fourth addresses are the in-process stacks' when they
// share a side with that side's kernel. They lie in the pair's prefix, so
// each namespace's connected route already sends them through its device
// to the relay, like the far namespace's own address, and no route has to
// be added; a /30 would have no room for them, its other two addresses
// being the network and broadcast ones.

package tun

import (
	"errors"
	"net"
)

// benchNet is 198.18.0.0/15 as a 32-bit number; pairs take consecutive /29s
// from it.
const (
	benchNet    = 198<<24 | 18<<16
	benchPairs  = 1 << 14 // /29s in a /15
	subnetShift = 3       // a /29 holds eight addresses
)

// Topology is a pair of namespaces joined through their TUN devices. Close
// removes everything it created; it is safe to call after a partial setup.
type Topology struct {
	nsA, nsB   *namespace
	DevA, DevB *Device
	// AddrA and AddrB are the endpoints' addresses, reachable from the
	// other namespace through the relay.
	AddrA, AddrB net.IP
	// AddrStack is the address of ccbench's stack when it shares side A
	// with A's kernel (NewMixedRelay), and AddrStackB when it shares side B
	// with B's kernel (NewEndpointRelay); no namespace holds either.
	AddrStack, AddrStackB net.IP
}

// NewTopology creates the namespaces and devices. On error everything
// already created is removed again.
func NewTopology() (t *Topology, err error) {
	if err := Available(); err != nil {
		return nil, err
	}
	nameA, nameB := pairNames()
	t = &Topology{}
	defer func() {
		if err != nil {
			err = errors.Join(err, t.Close())
			t = nil
		}
	}()
	base := uint32(benchNet) + uint32(nsSerial.Load()%benchPairs)<<subnetShift
	t.AddrA, t.AddrB = ipv4(base+1), ipv4(base+2)
	t.AddrStack, t.AddrStackB = ipv4(base+3), ipv4(base+4)
	mask := net.CIDRMask(32-subnetShift, 32)

	if t.nsA, err = newNamespace(nameA); err != nil {
		return t, err
	}
	if t.nsB, err = newNamespace(nameB); err != nil {
		return t, err
	}
	if t.DevA, err = openDevice(t.nsA, &net.IPNet{IP: t.AddrA, Mask: mask}); err != nil {
		return t, err
	}
	if t.DevB, err = openDevice(t.nsB, &net.IPNet{IP: t.AddrB, Mask: mask}); err != nil {
		return t, err
	}
	return t, nil
}

func ipv4(v uint32) net.IP { return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).To4() }

// NamespaceA and NamespaceB are the namespaces' names, as `ip netns` shows
// them.
func (t *Topology) NamespaceA() string { return t.nsA.name }
func (t *Topology) NamespaceB() string { return t.nsB.name }

// InA runs fn on a thread inside namespace A: sockets it opens are A's.
func (t *Topology) InA(fn func() error) error { return t.nsA.do(fn) }

// InB runs fn on a thread inside namespace B.
func (t *Topology) InB(fn func() error) error { return t.nsB.do(fn) }

// Close closes the devices and deletes the namespaces. The relay must have
// stopped first.
func (t *Topology) Close() error {
	var errs []error
	for _, d := range []*Device{t.DevA, t.DevB} {
		if d != nil {
			errs = append(errs, d.Close())
		}
	}
	for _, ns := range []*namespace{t.nsA, t.nsB} {
		if ns != nil {
			errs = append(errs, ns.close())
		}
	}
	t.DevA, t.DevB, t.nsA, t.nsB = nil, nil, nil, nil
	return errors.Join(errs...)
}
