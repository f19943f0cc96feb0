package tun

import (
	"net"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// fakePort stands for device A without a device: it gives backlog
// datagrams of size bytes from src to dst, and counts what it is given.
type fakePort struct {
	backlog        int
	size           int
	src, dst       [4]byte
	given          int64
	delivered      int64
	deliveredBytes int64
}

func (f *fakePort) turn(units.Time)          {}
func (f *fakePort) nextDeadline() units.Time { return units.Never }
func (f *fakePort) pollFd() int32            { return -1 }

func (f *fakePort) receive(_ units.Time, pool *packet.Pool) (*packet.Packet, error) {
	if f.backlog == 0 {
		return nil, nil
	}
	f.backlog--
	f.given++
	return ipv4Datagram(pool, f.size, f.src, f.dst), nil
}

func (f *fakePort) deliver(_ units.Time, p *packet.Packet, pool *packet.Pool) (bool, error) {
	f.delivered++
	f.deliveredBytes += int64(p.Len())
	pool.Put(p)
	return true, nil
}

// ipv4Datagram is a packet holding an IPv4 header from src to dst and
// zeros up to size bytes.
func ipv4Datagram(pool *packet.Pool, size int, src, dst [4]byte) *packet.Packet {
	p := pool.Get()
	p.SetLen(size)
	b := p.Bytes()
	clear(b)
	b[0] = 0x45
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	return p
}

var (
	mixKernelAddr = [4]byte{198, 18, 0, 1}
	mixStackAddr  = [4]byte{198, 18, 0, 3}
	mixPeerAddr   = [4]byte{198, 18, 0, 2}
)

// TestRelayMixAlternatesSources gives both sources a backlog and checks
// that the port takes mixBatch from each in turn, and drains one source
// alone once the other is empty.
func TestRelayMixAlternatesSources(t *testing.T) {
	var pool packet.Pool
	kernel := &fakePort{backlog: 40, size: 100, src: mixKernelAddr, dst: mixPeerAddr}
	stack := &fakePort{backlog: 20, size: 100, src: mixStackAddr, dst: mixPeerAddr}
	m := newMixPort(kernel, stack, net.IP(mixStackAddr[:]))
	var order []byte
	for {
		p, err := m.receive(0, &pool)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			break
		}
		if [4]byte(p.Bytes()[12:16]) == mixStackAddr {
			order = append(order, 's')
		} else {
			order = append(order, 'k')
		}
		pool.Put(p)
	}
	// 16 kernel, 16 stack, 16 kernel, the stack's last 4, the kernel's
	// last 8.
	want := ""
	for _, run := range []struct {
		c byte
		n int
	}{{'k', 16}, {'s', 16}, {'k', 16}, {'s', 4}, {'k', 8}} {
		for range run.n {
			want += string(run.c)
		}
	}
	if string(order) != want {
		t.Errorf("sources in order\n%s\nwant\n%s", order, want)
	}
}

// TestRelayMixRoutesByDestination sends one datagram to each address and
// one that is not IPv4: only the stack's own address reaches the stack.
func TestRelayMixRoutesByDestination(t *testing.T) {
	var pool packet.Pool
	kernel, stack := &fakePort{}, &fakePort{}
	m := newMixPort(kernel, stack, net.IP(mixStackAddr[:]))
	m.deliver(0, ipv4Datagram(&pool, 60, mixPeerAddr, mixStackAddr), &pool)
	m.deliver(0, ipv4Datagram(&pool, 61, mixPeerAddr, mixKernelAddr), &pool)
	v6 := ipv4Datagram(&pool, 62, mixPeerAddr, mixStackAddr)
	v6.Bytes()[0] = 0x60
	m.deliver(0, v6, &pool)
	short := ipv4Datagram(&pool, 20, mixPeerAddr, mixStackAddr)
	short.SetLen(19)
	m.deliver(0, short, &pool)
	if stack.delivered != 1 || stack.deliveredBytes != 60 {
		t.Errorf("stack got %d datagrams, %d bytes; want the 60-byte one only", stack.delivered, stack.deliveredBytes)
	}
	if kernel.delivered != 3 || kernel.deliveredBytes != 61+62+19 {
		t.Errorf("kernel got %d datagrams, %d bytes; want 3, %d", kernel.delivered, kernel.deliveredBytes, 61+62+19)
	}
	if m.toStack != 1 || m.toKernel != 3 {
		t.Errorf("counted %d to the stack and %d to the kernel, want 1 and 3", m.toStack, m.toKernel)
	}
}

// mixBench drives a mixed side A by hand: the stack port of portBench
// sending bulk data to its peer, beside a fake kernel that sends four
// 1500-byte datagrams a turn and is sent four.
type mixBench struct {
	*portBench
	kernel *fakePort
	mix    *mixPort
}

func newMixBench(t testing.TB) *mixBench {
	pb := newPortBench(t)
	kernel := &fakePort{size: 1500, src: [4]byte{198, 18, 0, 5}, dst: [4]byte{198, 18, 0, 2}}
	// portBench's host is at 198.18.0.1.
	return &mixBench{portBench: pb, kernel: kernel, mix: newMixPort(kernel, pb.port, net.IPv4(198, 18, 0, 1))}
}

func (mb *mixBench) step() {
	pb := mb.portBench
	pb.now = pb.now.Add(100 * units.Microsecond)
	mb.kernel.backlog += 4
	mb.mix.turn(pb.now)
	for p, _ := mb.mix.receive(pb.now, &pb.pool); p != nil; p, _ = mb.mix.receive(pb.now, &pb.pool) {
		if [4]byte(p.Bytes()[12:16]) == mb.kernel.src {
			pb.pool.Put(p)
			continue
		}
		pb.peer.Input(pb.now, p)
	}
	if pb.peer.NextDeadline() <= pb.now {
		pb.peer.OnTimer(pb.now)
	}
	if pb.in == nil {
		pb.in = pb.ln.Accept()
	}
	if pb.in != nil {
		pb.in.Discard(pb.in.Readable())
	}
	for p := pb.peer.Output(pb.now); p != nil; p = pb.peer.Output(pb.now) {
		mb.mix.deliver(pb.now, p, &pb.pool)
	}
	for range 4 {
		mb.mix.deliver(pb.now, ipv4Datagram(&pb.pool, 1500, mb.kernel.dst, mb.kernel.src), &pb.pool)
	}
}

func TestRelayMixAllocatesNothing(t *testing.T) {
	mb := newMixBench(t)
	for range 2000 {
		mb.step()
	}
	if mb.in == nil || mb.in.Probe().BytesRead == 0 {
		t.Fatal("no stack data crossed the port")
	}
	if mb.kernel.given != 4*2000 || mb.kernel.delivered != 4*2000 {
		t.Fatalf("kernel side gave %d and was given %d datagrams, want %d each", mb.kernel.given, mb.kernel.delivered, 4*2000)
	}
	if in, _ := mb.port.Counters(); in == 0 || in != mb.mix.toStack {
		t.Fatalf("stack took in %d datagrams, the port routed %d to it", in, mb.mix.toStack)
	}
	if a := testing.AllocsPerRun(1000, mb.step); a != 0 {
		t.Fatalf("a mixed port's turn allocates %v times, want 0", a)
	}
}

// BenchmarkMixPortTurn is one turn of a mixed side A: portBench's bulk
// turn through the stack, plus four kernel datagrams each way.
func BenchmarkMixPortTurn(b *testing.B) {
	mb := newMixBench(b)
	for range 2000 {
		mb.step()
	}
	b.ReportAllocs()
	for b.Loop() {
		mb.step()
	}
}

// BenchmarkMixPortDatagram is the multiplexer's own cost per datagram:
// one taken from a source and one routed by its destination.
func BenchmarkMixPortDatagram(b *testing.B) {
	var pool packet.Pool
	kernel := &fakePort{size: 1500, src: mixKernelAddr, dst: mixPeerAddr}
	stack := &fakePort{size: 1500, src: mixStackAddr, dst: mixPeerAddr}
	m := newMixPort(kernel, stack, net.IP(mixStackAddr[:]))
	b.ReportAllocs()
	for b.Loop() {
		kernel.backlog, stack.backlog = 1, 1
		p, _ := m.receive(0, &pool)
		copy(p.Bytes()[16:20], mixStackAddr[:])
		m.deliver(0, p, &pool)
	}
}
