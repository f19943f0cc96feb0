// Kernel TCP endpoints: a listener in one namespace and a client in the
// other, using the Linux stack with a chosen congestion control
// (TCP_CONGESTION, tcp(7)), so ccbench's algorithms can be compared with
// the kernel's over the very same emulated bottleneck.

package tun

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// KernelCC returns the kernel algorithm named by a flow's cc setting,
// "linux:cubic" giving "cubic", and whether the setting names one.
func KernelCC(setting string) (string, bool) {
	name, ok := strings.CutPrefix(setting, "linux:")
	return name, ok && name != ""
}

// setCongestion is a net.Dialer/ListenConfig Control hook that selects the
// kernel congestion control before the handshake, so the whole connection
// runs under it.
func setCongestion(algorithm string) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var sockErr error
		err := c.Control(func(fd uintptr) {
			sockErr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algorithm)
		})
		if err == nil && sockErr != nil {
			err = fmt.Errorf("tun: kernel congestion control %q: %w (is its module loaded? see /proc/sys/net/ipv4/tcp_available_congestion_control)", algorithm, sockErr)
		}
		return err
	}
}

// ListenB opens a kernel TCP listener on B's address. The socket belongs to
// namespace B; accepting from it works from any goroutine.
func (t *Topology) ListenB(port int, algorithm string) (*net.TCPListener, error) {
	var ln net.Listener
	err := t.InB(func() error {
		lc := net.ListenConfig{Control: setCongestion(algorithm)}
		var err error
		ln, err = lc.Listen(context.Background(), "tcp4", net.JoinHostPort(t.AddrB.String(), fmt.Sprint(port)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tun: kernel listener in %s: %w", t.NamespaceB(), err)
	}
	return ln.(*net.TCPListener), nil
}

// DialFromA connects a kernel TCP socket in namespace A to B's address,
// running algorithm. The connect itself happens on the namespace thread;
// the connection is usable from any goroutine afterwards.
func (t *Topology) DialFromA(ctx context.Context, port int, algorithm string) (*net.TCPConn, error) {
	return t.DialFromATo(ctx, t.AddrB, port, algorithm)
}

// DialFromATo is DialFromA to another address on B's side of the relay,
// such as ccbench's stack at AddrStackB.
func (t *Topology) DialFromATo(ctx context.Context, addr net.IP, port int, algorithm string) (*net.TCPConn, error) {
	var conn net.Conn
	err := t.InA(func() error {
		d := net.Dialer{Control: setCongestion(algorithm)}
		var err error
		conn, err = d.DialContext(ctx, "tcp4", net.JoinHostPort(addr.String(), fmt.Sprint(port)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tun: kernel client in %s: %w", t.NamespaceA(), err)
	}
	return conn.(*net.TCPConn), nil
}
