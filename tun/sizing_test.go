package tun

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

func TestLinkPathAndSizes(t *testing.T) {
	ms := units.Millisecond
	cases := []struct {
		name        string
		fwd, rev    netem.LinkConfig
		rate        units.Rate
		rtt, buffer units.Duration
		txq, bufMax int
	}{
		// 1 Gbit/s, 40 ms round trip, 834 packets of buffer (10 ms):
		// window 6.25 MB, twice that in 1500-byte datagrams.
		{"1G-40ms", netem.LinkConfig{Rate: units.GbitPerSecond, Delay: 20 * ms, QueueBytes: 1_250_000},
			netem.LinkConfig{Rate: units.GbitPerSecond, Delay: 20 * ms}, units.GbitPerSecond, 40 * ms, 10 * ms, 8334, 25_000_000},
		// A slow short path takes the floors.
		{"10M-2ms", netem.LinkConfig{Rate: 10 * units.MbitPerSecond, Delay: ms, QueuePackets: 10},
			netem.LinkConfig{Delay: ms}, 10 * units.MbitPerSecond, 2 * ms, 12 * ms, 1000, 4 << 20},
		// Links without a rate are sized for unlimitedRate, 4 Gbit/s:
		// 10 packets are 30 µs of buffer, so 2.515 MB are in flight.
		{"unlimited-5ms", netem.LinkConfig{Delay: 5 * ms, QueuePackets: 10}, netem.LinkConfig{},
			unlimitedRate, 5 * ms, 30 * units.Microsecond, 3354, 10_060_000},
		// A queue without limit counts as unlimitedBuffer.
		{"1G-unlimited", netem.LinkConfig{Rate: units.GbitPerSecond}, netem.LinkConfig{Rate: units.GbitPerSecond},
			units.GbitPerSecond, 0, unlimitedBuffer, 16667, 50_000_000},
	}
	for _, c := range cases {
		rate, rtt, buffer := LinkPath(c.fwd, c.rev)
		if rate != c.rate || rtt != c.rtt || buffer != c.buffer {
			t.Errorf("%s: LinkPath = %v, %v, %v; want %v, %v, %v", c.name, rate, rtt, buffer, c.rate, c.rtt, c.buffer)
		}
		if n := txQueueFor(rate, rtt, buffer); n != c.txq {
			t.Errorf("%s: txQueueFor = %d, want %d", c.name, n, c.txq)
		}
		if n := bufferMaxFor(rate, rtt, buffer); n != c.bufMax {
			t.Errorf("%s: bufferMaxFor = %d, want %d", c.name, n, c.bufMax)
		}
	}
	if n := txQueueFor(100*units.GbitPerSecond, 10*units.Second, 0); n != maxTxQueue {
		t.Errorf("txQueueFor(100 Gbit/s, 10 s) = %d, want the cap %d", n, maxTxQueue)
	}
}

func TestSizeForSetsDevicesAndBuffers(t *testing.T) {
	topo := openTopology(t)
	if _, err := topo.SizeFor(0, 0, 0); err == nil {
		t.Error("SizeFor accepted a zero rate")
	}
	s, err := topo.SizeFor(units.GbitPerSecond, 40*units.Millisecond, 10*units.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if s.TxQueueLen != 8334 {
		t.Errorf("TxQueueLen = %d, want 8334", s.TxQueueLen)
	}
	for i, ns := range []*namespace{topo.nsA, topo.nsB} {
		h, err := netlink.NewHandleAt(ns.handle)
		if err != nil {
			t.Fatal(err)
		}
		l, err := h.LinkByName(deviceName)
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		if q := l.Attrs().TxQLen; q != 8334 {
			t.Errorf("%s: txqueuelen %d, want 8334", ns.name, q)
		}
		ns.do(func() error {
			for _, name := range []string{"tcp_rmem", "tcp_wmem"} {
				data, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
				if err != nil {
					t.Fatal(err)
				}
				f := strings.Fields(string(data))
				if v, _ := strconv.Atoi(f[2]); v < 25_000_000 {
					t.Errorf("%s: %s maximum %d, want at least 25000000", ns.name, name, v)
				}
			}
			return nil
		})
		if s.TCPRmemMax[i] < 25_000_000 || s.TCPWmemMax[i] < 25_000_000 {
			t.Errorf("Sizing reports %+v, want every maximum at least 25000000", s)
		}
	}
	for _, d := range []*Device{topo.DevA, topo.DevB} {
		if b, err := d.sendBuffer(); err != nil || b != math.MaxInt32 {
			t.Errorf("%s: TUN send buffer %d (%v), want INT_MAX", d.Name, b, err)
		}
	}
}
