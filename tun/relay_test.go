package tun

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"ccbench/netem"
	"ccbench/units"
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
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
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
// per-packet path by hand: ingest from A's device, release to B's, and
// read it out of B's socket.
func relayTurn(t testing.TB, r *Relay, sendFd, recvFd int, payload, sink []byte) {
	if _, err := unix.Write(sendFd, payload); err != nil {
		t.Fatal(err)
	}
	now := r.clock.Now()
	if _, err := r.ingest(r.a, r.fwd, now); err != nil {
		t.Fatal(err)
	}
	if err := r.release(r.fwd, r.b, r.clock.Now()); err != nil {
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

// BenchmarkRelay pushes 1500-byte datagrams from A to B through the running
// relay over an unlimited, loss-free link and reports the rate delivered
// to B's socket and the p99 release error.
func BenchmarkRelay(b *testing.B) {
	topo, relay := newTestTopology(b, netem.LinkConfig{}, netem.LinkConfig{})
	sendFd, recvFd := udpPair(b, topo)
	payload := make([]byte, udpPayload)
	done := make(chan int64)
	go func() {
		sink := make([]byte, 2048)
		var got int64
		pfd := []unix.PollFd{{Fd: int32(recvFd), Events: unix.POLLIN}}
		for {
			n, err := unix.Read(recvFd, sink)
			if err == nil {
				got += int64(n) + 28
				continue
			}
			if k, _ := unix.Poll(pfd, 200); k == 0 {
				done <- got
				return
			}
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for {
			if _, err := unix.Write(sendFd, payload); err == nil {
				break
			}
			// The socket's send buffer is full: the relay is behind.
			time.Sleep(20 * time.Microsecond)
		}
	}
	got := <-done
	elapsed := time.Since(start) - 200*time.Millisecond
	b.StopTimer()
	relay.Stop()
	b.ReportMetric(float64(got)*8/elapsed.Seconds()/1e9, "Gbit/s")
	b.ReportMetric(float64(relay.Timing().P99)/float64(units.Microsecond), "p99-µs")
	b.ReportMetric(float64(got)/1500/float64(b.N), "delivered")
}
