package tun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// stackSender is a stack port's application that connects to B, writes
// payload and half-closes. It runs on the relay's thread; the test reads
// its fields only after the relay has stopped.
type stackSender struct {
	remote  wire.Addr
	port    uint16
	alg     string
	payload []byte
	conn    *stack.Conn
	off     int
	closed  bool
	err     error
	started units.Time
}

func (s *stackSender) run(now units.Time, h *stack.Host) {
	if s.err != nil {
		return
	}
	if s.conn == nil {
		alg, err := cc.New(s.alg)
		if err == nil {
			s.conn, err = h.Connect(now, 0, s.remote, s.port, alg)
		}
		if err != nil {
			s.err = err
			return
		}
		s.started = now
	}
	if s.off < len(s.payload) {
		n, err := s.conn.Write(s.payload[s.off:])
		s.off += n
		s.err = err
		return
	}
	// CloseWrite before the handshake completes would abandon the
	// connection (RFC 9293 §3.10.4), not queue a FIN.
	if !s.closed && s.conn.State() != stack.SynSent {
		s.conn.CloseWrite()
		s.closed = true
	}
}

// stackTestConfig is a stack with everything Linux negotiates by default
// on: SACK, timestamps, window scaling, and RACK-TLP loss detection.
func stackTestConfig() stack.Config {
	cfg := stack.DefaultConfig()
	cfg.SACK, cfg.Timestamps, cfg.WindowScaling = true, true, true
	cfg.Recovery = stack.RecoveryRACK
	return cfg
}

// newStackTopology builds a topology whose side A is a stack port running
// app, starts its relay, and registers the teardown so that it runs even
// when the test fails.
func newStackTopology(t *testing.T, fwd, rev netem.LinkConfig, app StackApp) (*Topology, *Relay, *StackPort) {
	t.Helper()
	topo := openTopology(t)
	relay, sp, err := NewStackRelay(topo, fwd, rev, NewClock(), stackTestConfig(), 7, app)
	if err != nil {
		t.Fatal(err)
	}
	return topo, relay, sp
}

// lossyPath is 50 Mbit/s with 20 ms each way and 1% random loss on the
// data direction.
func lossyPath() (fwd, rev netem.LinkConfig) {
	fwd = netem.LinkConfig{
		Rate:         50 * units.MbitPerSecond,
		Delay:        20 * units.Millisecond,
		QueuePackets: 256,
		LossRate:     0.01,
		Seed:         11,
	}
	return fwd, netem.LinkConfig{Delay: 20 * units.Millisecond}
}

func testPayload(size int) ([]byte, [32]byte) {
	payload := make([]byte, size)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	return payload, sha256.Sum256(payload)
}

// TestStackSendsToKernel sends 20 MiB from ccbench's cubic, on the stack at
// A, to a kernel listener in B through a lossy 50 Mbit/s, 40 ms RTT path,
// and checks the bytes and what both ends negotiated.
func TestStackSendsToKernel(t *testing.T) {
	size := interopSize()
	if testing.Short() {
		size = 2 << 20
	}
	payload, want := testPayload(size)
	fwd, rev := lossyPath()
	sender := &stackSender{port: 5002, alg: "cubic", payload: payload}
	topo, relay, sp := newStackTopology(t, fwd, rev, sender.run)
	sender.remote = stackAddr(topo.AddrB)

	ln, err := topo.ListenB(int(sender.port), "cubic")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	type received struct {
		sum  [32]byte
		n    int64
		opts uint8
		err  error
	}
	got := make(chan received, 1)
	go func() {
		var r received
		c, err := ln.AcceptTCP()
		if err != nil {
			r.err = err
			got <- r
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(interopTimeout(60 * time.Second)))
		h := sha256.New()
		r.n, r.err = io.Copy(h, c)
		copy(r.sum[:], h.Sum(nil))
		if info, err := ReadTCPInfo(c, 0); err == nil {
			r.opts = info.Options
		} else if r.err == nil {
			r.err = err
		}
		got <- r
	}()

	start := time.Now()
	relay.Start()
	t.Cleanup(func() { relay.Stop() })
	var r received
	select {
	case r = <-got:
	case <-time.After(interopTimeout(120 * time.Second)):
		relay.Stop()
		in, out := sp.Counters()
		state := "no connection"
		if sender.conn != nil {
			state = fmt.Sprintf("%v %+v", sender.conn.State(), sender.conn.Probe())
		}
		t.Fatalf("kernel receiver did not finish in 120 s: stack sent %d of %d bytes (%v), took in %d and gave out %d datagrams, host %+v, relay %+v",
			sender.off, size, state, in, out, sp.Host().Stats(), relay.Counters())
	}
	elapsed := time.Since(start)
	if err := relay.Stop(); err != nil {
		t.Fatal(err)
	}
	if sender.err != nil {
		t.Fatal(sender.err)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.n != int64(size) || r.sum != want {
		t.Fatalf("kernel received %d bytes with SHA-256 %x, stack sent %d with %x", r.n, r.sum, size, want)
	}

	neg := sender.conn.Negotiated()
	if !neg.SACK || !neg.Timestamps || neg.SndShift == 0 || neg.RcvShift == 0 {
		t.Errorf("stack negotiated %+v, want SACK, timestamps and window scale both ways", neg)
	}
	// Timestamps take 12 bytes of every segment's 1460.
	if neg.MSS != 1448 {
		t.Errorf("stack's MSS %d, want 1448", neg.MSS)
	}
	for _, o := range []struct {
		bit  uint8
		name string
	}{{OptSACK, "SACK"}, {OptTimestamps, "timestamps"}, {OptWindScale, "window scale"}} {
		if r.opts&o.bit == 0 {
			t.Errorf("kernel did not negotiate %s: tcpi_options = %#x", o.name, r.opts)
		}
	}

	probe := sender.conn.Probe()
	fwdStats, _ := relay.Links()
	if fwdStats.LostPackets == 0 || probe.Retransmits < fwdStats.LostPackets {
		t.Errorf("link lost %d packets, stack retransmitted %d: every loss needs a retransmission",
			fwdStats.LostPackets, probe.Retransmits)
	}
	goodput := float64(size) * 8 / elapsed.Seconds()
	if goodput > 50e6*1.02 {
		t.Errorf("goodput %.1f Mbit/s exceeds the 50 Mbit/s link", goodput/1e6)
	}
	if probe.MinRTT < 40*units.Millisecond || probe.MinRTT > 60*units.Millisecond {
		t.Errorf("stack's min RTT %v, want 40-60 ms", probe.MinRTT)
	}
	timing := relay.Timing()
	in, out := sp.Counters()
	t.Logf("stack cubic -> kernel: %d MiB in %v = %.1f Mbit/s; lost %d, retransmits %d (fast %d, timeouts %d, TLP %d); min RTT %v; negotiated %+v",
		size>>20, elapsed.Round(time.Millisecond), goodput/1e6, fwdStats.LostPackets, probe.Retransmits,
		probe.FastRetransmits, probe.Timeouts, probe.TLPProbes, probe.MinRTT, neg)
	t.Logf("release error over %d packets: p50 %v p99 %v p99.9 %v max %v; stack in %d out %d; counters %+v",
		timing.Packets, timing.P50, timing.P99, timing.P999, timing.Max, in, out, relay.Counters())
	if timing.P50 > 50*units.Microsecond {
		t.Errorf("median release error %v, want under 50 µs", timing.P50)
	}
}

// stackReceiver is a stack port's application that listens, accepts one
// connection, hashes everything it reads, and closes after the peer's FIN.
// Like stackSender it runs on the relay's thread; done is closed once the
// peer has closed and everything is read.
type stackReceiver struct {
	port     uint16
	listener *stack.Listener
	conn     *stack.Conn
	sum      hash.Hash
	n        int64
	err      error
	done     chan struct{}
	finished bool
}

func (s *stackReceiver) run(now units.Time, h *stack.Host) {
	if s.err != nil || s.finished {
		return
	}
	if s.listener == nil {
		s.listener, s.err = h.Listen(s.port, 16, func() cc.CongestionControl {
			c, _ := cc.New("cubic")
			return c
		})
		return
	}
	if s.conn == nil {
		if s.conn = s.listener.Accept(); s.conn == nil {
			return
		}
	}
	for a, b := s.conn.Peek(); len(a)+len(b) > 0; a, b = s.conn.Peek() {
		s.sum.Write(a)
		s.sum.Write(b)
		s.conn.Discard(len(a) + len(b))
		s.n += int64(len(a) + len(b))
	}
	if s.conn.PeerClosed() {
		s.conn.Close()
		s.finished = true
		close(s.done)
		return
	}
	s.err = s.conn.Err()
}

// TestKernelSendsToStack is the reverse: a kernel CUBIC sender in B dials
// ccbench's stack listening at A and sends 20 MiB through the same lossy
// path, now on the reverse link.
func TestKernelSendsToStack(t *testing.T) {
	size := interopSize()
	if testing.Short() {
		size = 2 << 20
	}
	payload, want := testPayload(size)
	data, ack := lossyPath()
	recv := &stackReceiver{port: 5003, sum: sha256.New(), done: make(chan struct{})}
	topo, relay, _ := newStackTopology(t, ack, data, recv.run)
	relay.Start()
	t.Cleanup(func() { relay.Stop() })

	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout(120*time.Second))
	defer cancel()
	var conn *net.TCPConn
	addr := net.JoinHostPort(topo.AddrA.String(), strconv.Itoa(int(recv.port)))
	err := topo.InB(func() error {
		d := net.Dialer{Control: setCongestion("cubic")}
		// The stack's listener opens on the relay's first turn; a SYN
		// that arrives before is answered with RST, so retry briefly.
		for {
			c, err := d.DialContext(ctx, "tcp4", addr)
			if err == nil {
				conn = c.(*net.TCPConn)
				return nil
			}
			if ctx.Err() != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(interopTimeout(120 * time.Second)))
	start := time.Now()
	if _, err := io.Copy(conn, bytes.NewReader(payload)); err != nil {
		t.Fatal(err)
	}
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-recv.done:
	case <-ctx.Done():
		relay.Stop()
		t.Fatalf("stack did not finish reading in 120 s: read %d of %d bytes, err %v", recv.n, size, recv.err)
	}
	elapsed := time.Since(start)
	info, err := ReadTCPInfo(conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.Stop(); err != nil {
		t.Fatal(err)
	}
	if recv.err != nil {
		t.Fatal(recv.err)
	}
	var got [32]byte
	copy(got[:], recv.sum.Sum(nil))
	if recv.n != int64(size) || got != want {
		t.Fatalf("stack received %d bytes with SHA-256 %x, kernel sent %d with %x", recv.n, got, size, want)
	}
	neg := recv.conn.Negotiated()
	if !neg.SACK || !neg.Timestamps || neg.SndShift == 0 || neg.RcvShift == 0 {
		t.Errorf("stack negotiated %+v, want SACK, timestamps and window scale both ways", neg)
	}
	if info.Options&(OptSACK|OptTimestamps|OptWindScale) != OptSACK|OptTimestamps|OptWindScale {
		t.Errorf("kernel's tcpi_options = %#x, want SACK, timestamps and window scale", info.Options)
	}
	_, rev := relay.Links()
	goodput := float64(size) * 8 / elapsed.Seconds()
	timing := relay.Timing()
	t.Logf("kernel cubic -> stack: %d MiB in %v = %.1f Mbit/s; lost %d, kernel retransmits %d, min RTT %v; stack negotiated %+v",
		size>>20, elapsed.Round(time.Millisecond), goodput/1e6, rev.LostPackets, info.TotalRetrans, info.MinRTT, neg)
	t.Logf("release error over %d packets: p50 %v p99 %v p99.9 %v max %v; counters %+v",
		timing.Packets, timing.P50, timing.P99, timing.P999, timing.Max, relay.Counters())
	if goodput > 50e6*1.02 {
		t.Errorf("goodput %.1f Mbit/s exceeds the 50 Mbit/s link", goodput/1e6)
	}
}

// portBench drives a stack port by hand against a second stack host that
// stands for the kernel in B: no devices, no links, no root. The port's
// host sends bulk data from a fixed block; the peer accepts and discards.
type portBench struct {
	pool  packet.Pool
	port  *StackPort
	peer  *stack.Host
	ln    *stack.Listener
	in    *stack.Conn
	out   *stack.Conn
	block []byte
	now   units.Time
}

func newPortBench(t testing.TB) *portBench {
	pb := &portBench{block: make([]byte, 10*1448)}
	cfg := stackTestConfig()
	a, b := wire.Addr{198, 18, 0, 1}, wire.Addr{198, 18, 0, 2}
	host, err := stack.NewHost(a, cfg, &pb.pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	if pb.peer, err = stack.NewHost(b, cfg, &pb.pool, 2); err != nil {
		t.Fatal(err)
	}
	newCC := func() cc.CongestionControl { c, _ := cc.New("cubic"); return c }
	if pb.ln, err = pb.peer.Listen(5001, 4, newCC); err != nil {
		t.Fatal(err)
	}
	pb.port = &StackPort{host: host, app: func(now units.Time, h *stack.Host) {
		if pb.out == nil {
			pb.out, _ = h.Connect(now, 0, b, 5001, newCC())
		}
		// Ten segments a turn keeps the turn's work per packet steady
		// however far the window has opened.
		if pb.out.Unsent() == 0 {
			pb.out.Write(pb.block)
		}
	}}
	return pb
}

// step is one relay turn for the port, with a zero-delay path to the peer
// and back: 100 µs of time, the port's turn, everything it sends into the
// peer, and everything the peer answers delivered to the port.
func (pb *portBench) step() {
	pb.now = pb.now.Add(100 * units.Microsecond)
	pb.port.turn(pb.now)
	for p, _ := pb.port.receive(pb.now, &pb.pool); p != nil; p, _ = pb.port.receive(pb.now, &pb.pool) {
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
		pb.port.deliver(pb.now, p, &pb.pool)
	}
}

func TestStackPortAllocatesNothing(t *testing.T) {
	pb := newPortBench(t)
	for range 2000 {
		pb.step()
	}
	if pb.in == nil || pb.in.Probe().BytesRead == 0 {
		t.Fatal("no data crossed the port")
	}
	in, out := pb.port.Counters()
	if in == 0 || out == 0 {
		t.Fatalf("port took in %d and gave out %d datagrams", in, out)
	}
	if a := testing.AllocsPerRun(1000, pb.step); a != 0 {
		t.Fatalf("a stack port's turn allocates %v times, want 0", a)
	}
}

// BenchmarkStackPortTurn is the cost of one turn of bulk transfer through
// a stack port, ten data segments and their ACKs: the port's host and its
// peer together.
func BenchmarkStackPortTurn(b *testing.B) {
	pb := newPortBench(b)
	for range 2000 {
		pb.step()
	}
	b.ReportAllocs()
	for b.Loop() {
		pb.step()
	}
}

// interopSize is how much each interop test moves: 20 MiB, or
// $CCBENCH_INTEROP_MIB MiB (make tun-interop moves the 100 MiB the issue of
// record asks for, which at 1% loss takes several minutes per direction).
func interopSize() int {
	if v, err := strconv.Atoi(os.Getenv("CCBENCH_INTEROP_MIB")); err == nil && v > 0 {
		return v << 20
	}
	return 20 << 20
}

// interopTimeout scales a 20 MiB test's time limit to the size moved.
func interopTimeout(d time.Duration) time.Duration {
	return d * time.Duration(max(interopSize()>>20, 20)) / 20
}
