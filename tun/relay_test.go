package tun

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/netem"
)

// udpPair opens a connected UDP socket in A aimed at a bound one in B and
// returns their raw descriptors, closed at cleanup.
func udpPair(t testing.TB, topo *Topology) (sendFd, recvFd int) {
	t.Helper()
	const port = 5002
	open := func(in func(func() error) error, bind, peer net.IP) int {
		var fd int
		err := in(func() error {
			var err error
			if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0); err != nil {
				return err
			}
			if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte(bind)}); err != nil {
				return err
			}
			if peer != nil {
				return unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte(peer)})
			}
			return setReceiveBuffer(fd)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		return fd
	}
	recvFd = open(topo.InB, topo.AddrB, nil)
	sendFd = open(topo.InA, topo.AddrA, topo.AddrB)
	return sendFd, recvFd
}

// relayTurn sends one 1500-byte datagram from A and runs the relay's
// per-packet path by hand: ingest from A's device, which releases to B's
// at once over an unlimited link, and read it out of B's socket.
func relayTurn(t testing.TB, r *Relay, sendFd, recvFd int, payload, sink []byte) {
	if _, err := unix.Write(sendFd, payload); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ingest(r.a, r.fwd); err != nil {
		t.Fatal(err)
	}
	unix.Read(recvFd, sink)
}

// udpPayload is the UDP payload that makes a 1500-byte IPv4 datagram.
const udpPayload = 1500 - 20 - 8

func manualRelay(t testing.TB) (*Relay, int, int) {
	requireTUN(t)
	topo, err := NewTopology()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo.Close() })
	r, err := NewRelay(topo, netem.LinkConfig{}, netem.LinkConfig{}, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	s, d := udpPair(t, topo)
	return r, s, d
}

func TestRelayTurnAllocatesNothing(t *testing.T) {
	r, sendFd, recvFd := manualRelay(t)
	payload, sink := make([]byte, udpPayload), make([]byte, 2048)
	for range 100 {
		relayTurn(t, r, sendFd, recvFd, payload, sink)
	}
	// The kernel may send a packet of its own (an IGMP report) through A.
	if r.counter.WrittenPackets < 100 {
		t.Fatalf("relayed %d of 100 datagrams", r.counter.WrittenPackets)
	}
	if a := testing.AllocsPerRun(1000, func() { relayTurn(t, r, sendFd, recvFd, payload, sink) }); a != 0 {
		t.Fatalf("relay path allocates %v times per packet, want 0", a)
	}
}

// BenchmarkRelayTurn is the per-packet cost of the relay's path, with the
// three syscalls around it (send into A, write into B, receive in B).
func BenchmarkRelayTurn(b *testing.B) {
	r, sendFd, recvFd := manualRelay(b)
	payload, sink := make([]byte, udpPayload), make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(1500)
	for b.Loop() {
		relayTurn(b, r, sendFd, recvFd, payload, sink)
	}
}

// receiveBufferBytes is the benchmark receiver's socket buffer: 60 ms of
// 1500-byte datagrams at 2.5 Gbit/s, at about 2.3 KB of kernel memory
// each, so a receiver descheduled for a scheduler slice or two loses
// nothing.
const receiveBufferBytes = 64 << 20

// setReceiveBuffer sizes fd's receive buffer. SO_RCVBUF is capped at
// net.core.rmem_max (4 MiB here, 208 KiB by default: about 90 datagrams);
// SO_RCVBUFFORCE, which root may use, is not.
func setReceiveBuffer(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, receiveBufferBytes); err == nil {
		return nil
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBufferBytes)
}
