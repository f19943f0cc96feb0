// Sizing the devices and the namespaces' TCP buffers for the emulated
// link, so that the link is the only place a run's packets can queue long
// or be dropped.
//
// A TUN device's transmit queue is the ring of datagrams the kernel has
// routed to the device and the relay has not read yet (tun_net_xmit puts
// each on a ring of txqueuelen entries and drops it, counting a TX drop,
// when the ring is full; the qdisc in front never holds anything back). Its
// default length is 500, 6 ms at 1 Gbit/s: a relay late by that much, or a
// sender's burst of more than 500 datagrams, loses packets before the
// emulated link ever sees them. SizeFor makes the ring long enough for
// everything the flows can have in flight: a window-limited sender's
// window is at most the path's bandwidth-delay product plus the link's
// buffer, and up to twice that at the end of slow start, before the first
// loss is noticed. Then no relay stall, however long, drops at the ring:
// it shows as a stall in the relay's profile and in the release error.
//
// The kernel endpoints' windows are bounded by net.ipv4.tcp_rmem and
// tcp_wmem, which are per network namespace in Linux 6.x (a new namespace
// starts with the initial namespace's values). SizeFor raises their
// maxima in both namespaces when they could not cover that window with
// room for the kernel's bookkeeping, and never lowers them.
//
// The TUN socket's send buffer (TUNSETSNDBUF), which bounds the relay's
// writes into a device, is left at the kernel's default, INT_MAX, which
// no run reaches (TestSizeForSetsDevicesAndBuffers checks it).

package tun

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

const (
	// sizingMTU is the datagram size queue lengths are counted in: the
	// devices' MTU, the largest a sender can queue, so the fewest.
	sizingMTU = 1500
	// minTxQueue is the shortest transmit queue SizeFor sets: Ethernet's
	// default, 12 ms at 1 Gbit/s, enough for a short path's bursts.
	minTxQueue = 1000
	// maxTxQueue bounds the ring (8 bytes of kernel memory per entry,
	// allocated when the length is set) for absurd rates and delays.
	maxTxQueue = 1 << 20
	// slowStartOvershoot is how far past the path's capacity a window
	// can grow before the sender learns of the first loss: slow start
	// doubles it once per round trip.
	slowStartOvershoot = 2
	// bufferOverhead is the socket memory per byte of window: the
	// receiver advertises half its buffer (tcp_adv_win_scale = 1), and
	// each 1500-byte segment is charged its skb's truesize, about 1.5
	// times its length, so four times the window covers both ends.
	bufferOverhead = 4
	// minBufferMax is the least tcp_rmem/tcp_wmem maximum SizeFor
	// leaves: the kernel's default tcp_wmem maximum.
	minBufferMax = 4 << 20
	// unlimitedRate is the rate a link with none (unlimited, or shaped by
	// a trace or a schedule) is sized for: above what one relay thread
	// moves, so the relay, not the device, is that run's bottleneck.
	unlimitedRate = 4 * units.GbitPerSecond
	// unlimitedBuffer is the buffer time assumed for a link whose queue
	// has no limit, where only the receivers' windows bound what is in
	// flight.
	unlimitedBuffer = 100 * units.Millisecond
)

// Sizing is what SizeFor set.
type Sizing struct {
	// TxQueueLen is both devices' transmit queue length, in datagrams.
	TxQueueLen int `json:"txqueuelen"`
	// TCPRmemMax and TCPWmemMax are the maxima of net.ipv4.tcp_rmem and
	// tcp_wmem in each namespace, in bytes, after SizeFor.
	TCPRmemMax [2]int `json:"tcp_rmem_max"`
	TCPWmemMax [2]int `json:"tcp_wmem_max"`
}

// LinkPath is what SizeFor needs to know about a pair of links: the
// higher of their rates (unlimitedRate when neither has one, or either
// follows a trace), the round trip's propagation delay (both delays
// and jitters), and the longest time the forward link's buffer holds.
func LinkPath(forward, reverse netem.LinkConfig) (rate units.Rate, rtt, buffer units.Duration) {
	rate = max(forward.Rate, reverse.Rate)
	if rate == 0 || forward.Trace != nil || reverse.Trace != nil {
		rate = max(rate, unlimitedRate)
	}
	rtt = forward.Delay + reverse.Delay + forward.Jitter.Jitter + reverse.Jitter.Jitter
	switch {
	case forward.QueuePackets == 0 && forward.QueueBytes == 0:
		buffer = unlimitedBuffer
	case forward.QueueBytes == 0:
		buffer = rate.TxTime(forward.QueuePackets * sizingMTU)
	case forward.QueuePackets == 0:
		buffer = rate.TxTime(forward.QueueBytes)
	default:
		buffer = rate.TxTime(min(forward.QueueBytes, forward.QueuePackets*sizingMTU))
	}
	return rate, rtt, buffer
}

// txQueueFor is the transmit queue length for a path: every datagram of
// the largest window the flows can have, within [minTxQueue, maxTxQueue].
func txQueueFor(rate units.Rate, rtt, buffer units.Duration) int {
	window := rate.BytesIn(rtt + buffer)
	n := (slowStartOvershoot*window + sizingMTU - 1) / sizingMTU
	return int(min(max(n, minTxQueue), maxTxQueue))
}

// bufferMaxFor is the least tcp_rmem/tcp_wmem maximum for a path.
func bufferMaxFor(rate units.Rate, rtt, buffer units.Duration) int {
	window := rate.BytesIn(rtt + buffer)
	return int(max(bufferOverhead*window, minBufferMax))
}

// SizeFor sizes both devices' transmit queues and both namespaces' TCP
// buffer maxima for a link of rate, a round trip of rtt and a buffer that
// holds buffer of queueing; LinkPath computes the three from the links'
// configurations. Call it before any traffic flows.
func (t *Topology) SizeFor(rate units.Rate, rtt, buffer units.Duration) (Sizing, error) {
	if rate <= 0 || rtt < 0 || buffer < 0 {
		return Sizing{}, fmt.Errorf("tun: sizing for rate %v, rtt %v, buffer %v: want a positive rate and no negative time", rate, rtt, buffer)
	}
	s := Sizing{TxQueueLen: txQueueFor(rate, rtt, buffer)}
	need := bufferMaxFor(rate, rtt, buffer)
	for i, ns := range []*namespace{t.nsA, t.nsB} {
		if err := setTxQueueLen(ns, s.TxQueueLen); err != nil {
			return s, err
		}
		err := ns.do(func() error {
			var err error
			if s.TCPRmemMax[i], err = raiseBufferMax("net/ipv4/tcp_rmem", need); err != nil {
				return err
			}
			s.TCPWmemMax[i], err = raiseBufferMax("net/ipv4/tcp_wmem", need)
			return err
		})
		if err != nil {
			return s, fmt.Errorf("tun: sizing TCP buffers in %s: %w", ns.name, err)
		}
	}
	return s, nil
}

// setTxQueueLen sets the transmit queue length of ns's device.
func setTxQueueLen(ns *namespace, n int) error {
	return onDevice(ns, deviceName, func(h *netlink.Handle, link netlink.Link) error {
		if err := h.LinkSetTxQLen(link, n); err != nil {
			return fmt.Errorf("tun: setting txqueuelen %d on %s in %s: %w", n, deviceName, ns.name, err)
		}
		return nil
	})
}

// raiseBufferMax raises the third field (the maximum) of the calling
// thread's namespace's sysctl name, a "min default max" triple, to at least
// need, and returns the maximum now in force. The sysctl files under
// /proc/sys/net resolve to the namespace of the thread that opens them.
func raiseBufferMax(name string, need int) (int, error) {
	path := "/proc/sys/" + name
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data))
	if len(f) != 3 {
		return 0, fmt.Errorf("%s = %q: want three numbers", path, strings.TrimSpace(string(data)))
	}
	cur, err := strconv.Atoi(f[2])
	if err != nil {
		return 0, fmt.Errorf("%s = %q: %w", path, strings.TrimSpace(string(data)), err)
	}
	if cur >= need {
		return cur, nil
	}
	f[2] = strconv.Itoa(need)
	if err := os.WriteFile(path, []byte(strings.Join(f, " ")+"\n"), 0); err != nil {
		return cur, err
	}
	return need, nil
}

// sendBuffer is the TUN socket's send buffer (TUNGETSNDBUF).
func (d *Device) sendBuffer() (int, error) {
	var v int32
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), unix.TUNGETSNDBUF, uintptr(unsafe.Pointer(&v)))
	if errno != 0 {
		return 0, errno
	}
	return int(v), nil
}
