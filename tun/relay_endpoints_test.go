package tun

import (
	"net"
	"testing"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/wire"
)

// Each side's port follows who stands there: the device alone, the stack
// alone at the namespace's address, or both multiplexed with the stack at
// the side's spare address; nobody at all is an error. No devices are
// opened, so this needs no root.
func TestRelaySidePorts(t *testing.T) {
	r, err := newRelay(netem.LinkConfig{}, netem.LinkConfig{}, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	dev := &Device{fd: 7}
	own, spare := net.IPv4(198, 18, 0, 2).To4(), net.IPv4(198, 18, 0, 4).To4()
	onStack := &StackEndpoint{Config: stackTestConfig(), Seed: 1}

	if _, _, err := r.side(Endpoints{}, dev, own, spare); err == nil {
		t.Error("a side with nobody built a port")
	}
	p, sp, err := r.side(Endpoints{Kernel: true}, dev, own, spare)
	if err != nil || p != port(dev) || sp != nil {
		t.Errorf("kernel alone: port %v, stack %v, err %v; want the device and no stack", p, sp, err)
	}
	p, sp, err = r.side(Endpoints{Stack: onStack}, dev, own, spare)
	if err != nil || sp == nil || p != port(sp) || sp.Host().Addr() != (wire.Addr{198, 18, 0, 2}) {
		t.Errorf("stack alone: port %v, stack %v, err %v; want a stack port at 198.18.0.2", p, sp, err)
	}
	p, sp, err = r.side(Endpoints{Kernel: true, Stack: onStack}, dev, own, spare)
	mp, ok := p.(*mixPort)
	if err != nil || !ok || sp == nil || mp.kernel != port(dev) || mp.stack != port(sp) ||
		sp.Host().Addr() != (wire.Addr{198, 18, 0, 4}) || mp.stackDst != (wire.Addr{198, 18, 0, 4}) {
		t.Errorf("both: port %#v, stack %v, err %v; want the device and a stack at 198.18.0.4 multiplexed", p, sp, err)
	}
	if mp != nil && mp.pollFd() != 7 {
		t.Errorf("multiplexed side polls fd %d, want the device's 7", mp.pollFd())
	}
}
