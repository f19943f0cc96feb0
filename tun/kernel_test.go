package tun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

// TestKernelTransfer sends pseudo-random bytes from a kernel client in A to
// a kernel listener in B through a 50 Mbit/s, 20 ms-each-way emulated link
// and checks the bytes, the negotiated options and the relay's timing.
func TestKernelTransfer(t *testing.T) {
	for _, algorithm := range []string{"cubic", "reno"} {
		t.Run(algorithm, func(t *testing.T) { kernelTransfer(t, algorithm) })
	}
}

func kernelTransfer(t *testing.T, algorithm string) {
	size := 20 << 20
	if testing.Short() {
		size = 2 << 20
	}
	link := netem.LinkConfig{
		Rate:         50 * units.MbitPerSecond,
		Delay:        20 * units.Millisecond,
		QueuePackets: 256,
	}
	ack := netem.LinkConfig{Delay: 20 * units.Millisecond}
	topo, relay := newTestTopology(t, link, ack)

	ln, err := topo.ListenB(5001, algorithm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	type received struct {
		sum [32]byte
		n   int64
		err error
	}
	got := make(chan received, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- received{err: err}
			return
		}
		defer c.Close()
		h := sha256.New()
		n, err := io.Copy(h, c)
		var r received
		copy(r.sum[:], h.Sum(nil))
		r.n, r.err = n, err
		got <- r
	}()

	payload := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	want := sha256.Sum256(payload)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := topo.DialFromA(ctx, 5001, algorithm)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	sampler := StartSampler(conn, relay.clock, 10*units.Millisecond)
	start := time.Now()
	if _, err := io.Copy(conn, bytes.NewReader(payload)); err != nil {
		t.Fatal(err)
	}
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var r received
	select {
	case r = <-got:
	case <-ctx.Done():
		t.Fatal("receiver did not finish in 30 s")
	}
	elapsed := time.Since(start)
	final, err := ReadTCPInfo(conn, relay.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	samples, err := sampler.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.Stop(); err != nil {
		t.Fatal(err)
	}

	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.n != int64(size) || r.sum != want {
		t.Fatalf("received %d bytes with SHA-256 %x, sent %d with %x", r.n, r.sum, size, want)
	}
	for _, o := range []struct {
		bit  uint8
		name string
	}{{OptSACK, "SACK"}, {OptTimestamps, "timestamps"}, {OptWindScale, "window scale"}} {
		if final.Options&o.bit == 0 {
			t.Errorf("kernel did not negotiate %s: tcpi_options = %#x", o.name, final.Options)
		}
	}
	// The path's RTT is 40 ms plus serialization and queueing; the
	// kernel's minimum must be at least the propagation delay.
	if final.MinRTT < 40*units.Millisecond || final.MinRTT > 60*units.Millisecond {
		t.Errorf("kernel min RTT %v, want 40-60 ms", final.MinRTT)
	}
	if len(samples) == 0 {
		t.Error("no TCP_INFO samples")
	}
	goodput := float64(size) * 8 / elapsed.Seconds()
	if goodput > 50e6*1.02 {
		t.Errorf("goodput %.1f Mbit/s exceeds the 50 Mbit/s link", goodput/1e6)
	}
	fwd, _ := relay.Links()
	timing := relay.Timing()
	t.Logf("%s: %d MiB in %v = %.1f Mbit/s, min RTT %v, retransmits %d, max queue %d pkts, drops %d",
		algorithm, size>>20, elapsed.Round(time.Millisecond), goodput/1e6, final.MinRTT,
		final.TotalRetrans, fwd.MaxQueuePackets, fwd.DroppedPackets)
	t.Logf("release error over %d packets: p50 %v p99 %v p99.9 %v max %v; counters %+v",
		timing.Packets, timing.P50, timing.P99, timing.P999, timing.Max, relay.Counters())
	// On a two-core machine shared with the endpoints the tail depends on
	// the kernel's scheduling, so only the median is held to the design's
	// tens of microseconds; the tail is reported above.
	if timing.P50 > 50*units.Microsecond {
		t.Errorf("median release error %v, want under 50 µs", timing.P50)
	}
}
