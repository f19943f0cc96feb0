// A TUN device (Linux Documentation/networking/tuntap.rst) opened inside a
// namespace, addressed, and read and written by the relay through its raw
// non-blocking descriptor.
//
// The device is created with IFF_TUN|IFF_NO_PI (songgao/water's default on
// Linux), so every read returns exactly one IPv4 datagram with no framing
// and every write injects one. Without IFF_VNET_HDR the kernel never hands
// over GSO super-packets, so no datagram exceeds the device MTU and each
// fits a packet.Packet.

package tun

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/songgao/water"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/packet"
)

// deviceName is the TUN device's name inside each namespace; names only
// need to be unique per namespace.
const deviceName = "ccb0"

// Device is one TUN device. The relay reads and writes its descriptor
// directly with read(2) and write(2) so that neither the Go netpoller nor a
// goroutine switch stands between a deadline and a write.
type Device struct {
	Name string
	ifce *water.Interface
	// file keeps the descriptor open; fd is only valid while file is.
	file *os.File
	fd   int
}

// openDevice creates a TUN device inside ns, gives it addr (with its
// prefix, which also installs the connected route to the peer) and brings
// it and the namespace's loopback up.
func openDevice(ns *namespace, addr *net.IPNet) (*Device, error) {
	var ifce *water.Interface
	err := ns.do(func() error {
		var err error
		ifce, err = water.New(water.Config{
			DeviceType:             water.TUN,
			PlatformSpecificParams: water.PlatformSpecificParams{Name: deviceName},
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tun: opening a TUN device in %s: %w", ns.name, err)
	}
	d := &Device{Name: ifce.Name(), ifce: ifce}
	f, ok := ifce.ReadWriteCloser.(*os.File)
	if !ok {
		ifce.Close()
		return nil, errors.New("tun: songgao/water returned a TUN device that is not a file")
	}
	d.file = f
	// Control exposes the descriptor without switching it to blocking mode
	// as Fd would; water opened it O_NONBLOCK, which the relay relies on.
	rc, err := f.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) { d.fd = int(fd) })
	}
	if err == nil {
		err = configure(ns, d.Name, addr)
	}
	if err != nil {
		ifce.Close()
		return nil, err
	}
	return d, nil
}

// configure addresses and raises the device through a netlink handle bound
// to ns, which needs no thread switch.
func configure(ns *namespace, name string, addr *net.IPNet) error {
	return onDevice(ns, name, func(h *netlink.Handle, link netlink.Link) error {
		return raise(ns, h, link, name, addr)
	})
}

// onDevice runs fn with a netlink handle bound to ns and the link named
// name in it; every netlink use of the driver goes through it.
func onDevice(ns *namespace, name string, fn func(h *netlink.Handle, link netlink.Link) error) error {
	h, err := netlink.NewHandleAt(ns.handle)
	if err != nil {
		return fmt.Errorf("tun: netlink in %s: %w", ns.name, err)
	}
	defer h.Close()
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("tun: finding %s in %s: %w", name, ns.name, err)
	}
	return fn(h, link)
}

// raise gives link addr and raises it and ns's loopback.
func raise(ns *namespace, h *netlink.Handle, link netlink.Link, name string, addr *net.IPNet) error {
	if err := h.AddrAdd(link, &netlink.Addr{IPNet: addr}); err != nil {
		return fmt.Errorf("tun: adding %s to %s in %s: %w", addr, name, ns.name, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("tun: raising %s in %s: %w", name, ns.name, err)
	}
	if lo, err := h.LinkByName("lo"); err == nil {
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("tun: raising lo in %s: %w", ns.name, err)
		}
	}
	return nil
}

// Read reads one datagram into p. It returns false, nil when none is
// waiting; it never blocks.
func (d *Device) Read(p *packet.Packet) (bool, error) {
	p.Reset()
	buf := p.Tail()[:packet.Capacity-packet.Headroom]
	for {
		n, err := unix.Read(d.fd, buf)
		switch {
		case err == nil:
			p.SetLen(n)
			return true, nil
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false, nil
		default:
			return false, fmt.Errorf("tun: reading %s: %w", d.Name, err)
		}
	}
}

// Write injects p into the device's namespace. A datagram the kernel has no
// room for (ENOBUFS, EAGAIN) is reported as not written, as a full
// interface queue would drop it.
func (d *Device) Write(p *packet.Packet) (bool, error) {
	for {
		_, err := unix.Write(d.fd, p.Bytes())
		switch {
		case err == nil:
			return true, nil
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN || err == unix.ENOBUFS:
			return false, nil
		default:
			return false, fmt.Errorf("tun: writing %s: %w", d.Name, err)
		}
	}
}

// Close closes the descriptor, which removes the (non-persistent) device.
func (d *Device) Close() error { return d.ifce.Close() }
