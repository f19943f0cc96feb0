// Where a real-time run's datagrams were lost outside the emulated links.
//
// A datagram of a run crosses, in order: the sending namespace's stack and
// its TUN device's qdisc and transmit ring, the relay's read, the emulated
// link, the relay's write into the other device, and the receiving
// namespace's input path up to the socket. Only the link's losses are part
// of the experiment; every other one changes what the endpoints saw and
// makes the run invalid. The relay counts its own (short reads, refused
// writes); the kernel counts the rest, and LossCounters reads those
// counters from both namespaces before and after the run, so the
// difference is the run's own. Linux 6.x semantics of each counter:
//
//   - tx_dropped of a TUN device: tun_net_xmit found the device's ring
//     (tx_queue_len datagrams) full because the relay had not read in
//     time, or the datagram was refused on the way in; the sender's stack
//     is not told (the driver returns NETDEV_TX_OK), so TCP sees a loss.
//   - rx_dropped of a TUN device: a datagram the relay wrote that the
//     namespace's input path dropped before IP, chiefly the per-CPU
//     backlog being full (netdev_max_backlog, enqueue_to_backlog counts it
//     on the device's core stats).
//   - rx_errors and tx_errors with their details (frame, over, fifo,
//     missed, aborted, carrier): the largest of the total and the sum of
//     the details is counted, since drivers differ in whether they fill
//     the total, and a detail is never a loss apart from the total.
//   - the root qdisc's drops: the device's qdisc (pfifo_fast by default,
//     limit tx_queue_len) dropped on enqueue.
//   - TcpExt TCPRcvQDrop: a segment in order that the receive queue had no
//     memory for (tcp_data_queue); TCPOFODrop: an out-of-order segment the
//     out-of-order queue had no memory for; TCPBacklogDrop: a segment that
//     arrived while the socket was owned by its reader and the backlog was
//     full; ListenDrops: a SYN or the handshake's last ACK the listener
//     dropped. Each is a segment that crossed the link and the endpoint
//     threw away.
//   - Ip InHdrErrors and InDiscards: datagrams the namespace's IP layer
//     refused (bad header or length) or discarded for want of resources.
//   - Udp RcvbufErrors: a UDP datagram the socket's buffer had no room for
//     (a run carries no UDP of its own; a test's load may).
//
// A write the receiving device fails with anything but ENOBUFS or EAGAIN,
// and a read that fails, end the relay with that error, and the run fails
// with it: such a run has no figures to be wrong.
//
// Left out on purpose: TcpExt TCPZeroWindowDrop (a segment beyond a zero
// window is TCP's flow control working, which ccbench's stack does too),
// checksum errors (a corrupting link makes them by design), and
// /proc/net/softnet_stat (per CPU and machine-wide, not per namespace;
// its backlog drops are on the device's rx_dropped already).

package tun

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/ccbench/ccbench/metrics"
)

// lossCounter is one counter a side of the topology keeps.
type lossCounter int

const (
	devTxDropped lossCounter = iota
	devRxDropped
	devTxErrors
	devRxErrors
	qdiscDrops
	tcpRcvQDrop
	tcpOFODrop
	tcpBacklogDrop
	listenDrops
	ipInHdrErrors
	ipInDiscards
	udpRcvbufErrors
	lossCounters
)

// lossPlaces names where each counter's losses happened; "%s" is the
// side, A or B.
var lossPlaces = [lossCounters]string{
	devTxDropped:    "TUN device %s transmit queue (tx_dropped)",
	devRxDropped:    "TUN device %s receive path (rx_dropped)",
	devTxErrors:     "TUN device %s transmit errors (tx_errors)",
	devRxErrors:     "TUN device %s receive errors and overruns (rx_errors)",
	qdiscDrops:      "TUN device %s qdisc (root qdisc drops)",
	tcpRcvQDrop:     "namespace %s TCP receive queue full (TcpExt TCPRcvQDrop)",
	tcpOFODrop:      "namespace %s TCP out-of-order queue full (TcpExt TCPOFODrop)",
	tcpBacklogDrop:  "namespace %s TCP socket backlog full (TcpExt TCPBacklogDrop)",
	listenDrops:     "namespace %s TCP listener (TcpExt ListenDrops)",
	ipInHdrErrors:   "namespace %s IP input header errors (Ip InHdrErrors)",
	ipInDiscards:    "namespace %s IP input discards (Ip InDiscards)",
	udpRcvbufErrors: "namespace %s UDP receive buffer full (Udp RcvbufErrors)",
}

// snmpCounters are the counters read from /proc/thread-self/net/snmp and
// netstat, by their "Prefix.Name" there.
var snmpCounters = map[lossCounter]string{
	tcpRcvQDrop:     "TcpExt.TCPRcvQDrop",
	tcpOFODrop:      "TcpExt.TCPOFODrop",
	tcpBacklogDrop:  "TcpExt.TCPBacklogDrop",
	listenDrops:     "TcpExt.ListenDrops",
	ipInHdrErrors:   "Ip.InHdrErrors",
	ipInDiscards:    "Ip.InDiscards",
	udpRcvbufErrors: "Udp.RcvbufErrors",
}

// LossCounters are both sides' loss counters at one instant.
type LossCounters struct {
	side [2][lossCounters]int64
}

// ReadLossCounters reads every loss counter of both namespaces and their
// devices. An error means the run's losses cannot be accounted for.
func (t *Topology) ReadLossCounters() (LossCounters, error) {
	var c LossCounters
	for i, ns := range []*namespace{t.nsA, t.nsB} {
		if ns == nil {
			return c, errors.New("tun: reading loss counters: the topology is closed")
		}
		if err := readDeviceCounters(ns, &c.side[i]); err != nil {
			return c, err
		}
		if err := ns.do(func() error { return readSnmpCounters(&c.side[i]) }); err != nil {
			return c, fmt.Errorf("tun: reading %s's counters: %w", ns.name, err)
		}
	}
	return c, nil
}

// readDeviceCounters reads the TUN device's statistics and its root
// qdisc's drops over netlink.
func readDeviceCounters(ns *namespace, c *[lossCounters]int64) error {
	return onDevice(ns, deviceName, func(h *netlink.Handle, l netlink.Link) error {
		return deviceCounters(ns, h, l, c)
	})
}

// deviceCounters reads l's statistics and its root qdisc's drops into c.
func deviceCounters(ns *namespace, h *netlink.Handle, l netlink.Link, c *[lossCounters]int64) error {
	s := l.Attrs().Statistics
	if s == nil {
		return fmt.Errorf("tun: %s in %s reports no statistics", deviceName, ns.name)
	}
	c[devTxDropped] = int64(s.TxDropped)
	c[devRxDropped] = int64(s.RxDropped)
	c[devTxErrors] = int64(max(s.TxErrors, s.TxAbortedErrors+s.TxCarrierErrors+s.TxFifoErrors+s.TxHeartbeatErrors+s.TxWindowErrors))
	c[devRxErrors] = int64(max(s.RxErrors, s.RxLengthErrors+s.RxOverErrors+s.RxCrcErrors+s.RxFrameErrors+s.RxFifoErrors+s.RxMissedErrors))
	qdiscs, err := h.QdiscList(l)
	if err != nil {
		return fmt.Errorf("tun: listing %s's qdiscs in %s: %w", deviceName, ns.name, err)
	}
	for _, q := range qdiscs {
		if a := q.Attrs(); a.Parent == netlink.HANDLE_ROOT && a.Statistics != nil && a.Statistics.Queue != nil {
			c[qdiscDrops] = int64(a.Statistics.Queue.Drops)
		}
	}
	return nil
}

// readSnmpCounters reads the calling thread's namespace's IP, UDP and TCP
// counters.
func readSnmpCounters(c *[lossCounters]int64) error {
	values := map[string]int64{}
	for _, file := range []string{"/proc/thread-self/net/snmp", "/proc/thread-self/net/netstat"} {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		parseSnmp(string(data), values)
	}
	for k, name := range snmpCounters {
		v, ok := values[name]
		if !ok {
			return fmt.Errorf("tun: the kernel reports no %s counter", name)
		}
		c[k] = v
	}
	return nil
}

// parseSnmp adds the counters of a /proc/net/snmp or netstat text, pairs
// of lines "Prefix: Name Name ..." and "Prefix: value value ...", to
// values as "Prefix.Name".
func parseSnmp(text string, values map[string]int64) {
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) < 2 || len(names) != len(vals) || names[0] != vals[0] {
			continue
		}
		prefix := strings.TrimSuffix(names[0], ":")
		for j := 1; j < len(names); j++ {
			if v, err := strconv.ParseInt(vals[j], 10, 64); err == nil {
				values[prefix+"."+names[j]] = v
			}
		}
		i++
	}
}

// LossesSince lists every place with losses between before and c, side A
// then B, in the order of the counters above; places without losses are
// left out.
func (c LossCounters) LossesSince(before LossCounters) []metrics.LossPlace {
	var places []metrics.LossPlace
	for i, side := range []string{"A", "B"} {
		for k := range lossCounters {
			if d := c.side[i][k] - before.side[i][k]; d > 0 {
				places = append(places, metrics.LossPlace{Where: fmt.Sprintf(lossPlaces[k], side), Packets: d})
			}
		}
	}
	return places
}

// Relay's own losses, named as the path's other places are.
const (
	PlaceRelayShortRead = "relay: datagrams read short or truncated (dropped by the relay)"
	PlaceRelayWrite     = "relay: writes the receiving TUN device refused (ENOBUFS/EAGAIN)"
)

// malformed reports whether b, a datagram as read from a port, is not a
// whole IP datagram: shorter than its header, or of another length than
// its header says (the device's read truncated it, or the kernel handed
// over something that is not a datagram). IPv6 is checked as well as
// IPv4, since a namespace's kernel may send IPv6 datagrams of its own.
func malformed(b []byte) bool {
	if len(b) < 1 {
		return true
	}
	switch b[0] >> 4 {
	case 4:
		return len(b) < 20 || int(binary.BigEndian.Uint16(b[2:4])) != len(b)
	case 6:
		return len(b) < 40 || 40+int(binary.BigEndian.Uint16(b[4:6])) != len(b)
	}
	return true
}
