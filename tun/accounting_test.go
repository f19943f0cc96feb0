package tun

import (
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
)

// parseSnmp reads every counter of a header line and its value line, and
// skips lines that do not pair up.
func TestParseSnmp(t *testing.T) {
	text := "Ip: Forwarding InHdrErrors InDiscards\nIp: 2 3 7\n" +
		"Icmp: InMsgs\nIcmp: 5\n" +
		"TcpExt: TCPRcvQDrop TCPOFODrop TCPBacklogDrop ListenDrops\nTcpExt: 11 12 13 14\n" +
		"Udp: RcvbufErrors\nUdp: 9\n" +
		"Broken: A B\nBroken: 1\n"
	got := map[string]int64{}
	parseSnmp(text, got)
	want := map[string]int64{"Ip.Forwarding": 2, "Ip.InHdrErrors": 3, "Ip.InDiscards": 7, "Icmp.InMsgs": 5,
		"TcpExt.TCPRcvQDrop": 11, "TcpExt.TCPOFODrop": 12, "TcpExt.TCPBacklogDrop": 13, "TcpExt.ListenDrops": 14,
		"Udp.RcvbufErrors": 9}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// LossesSince lists the counters that grew, side A's first, with their
// growth and the place they name; counters that stayed put are left out.
func TestLossesSince(t *testing.T) {
	var before, after LossCounters
	before.side[0][devTxDropped] = 100
	after.side[0][devTxDropped] = 2435
	after.side[0][tcpBacklogDrop] = 3
	before.side[1][devRxDropped] = 5
	after.side[1][devRxDropped] = 5
	after.side[1][tcpRcvQDrop] = 7
	got := after.LossesSince(before)
	want := []metrics.LossPlace{
		{Where: "TUN device A transmit queue (tx_dropped)", Packets: 2335},
		{Where: "namespace A TCP socket backlog full (TcpExt TCPBacklogDrop)", Packets: 3},
		{Where: "namespace B TCP receive queue full (TcpExt TCPRcvQDrop)", Packets: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := after.LossesSince(after); got != nil {
		t.Errorf("no change: got %+v", got)
	}
}

// A datagram is malformed when its length is not the one its IPv4 or IPv6
// header gives, or it is not IP at all.
func TestMalformed(t *testing.T) {
	v4 := make([]byte, 60)
	v4[0], v4[3] = 0x45, 60
	v6 := make([]byte, 48)
	v6[0], v6[5] = 0x60, 8
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"whole IPv4", v4, false},
		{"IPv4 cut short", v4[:59], true},
		{"IPv4 shorter than its header", v4[:19], true},
		{"whole IPv6", v6, false},
		{"IPv6 cut short", v6[:47], true},
		{"empty", nil, true},
		{"not IP", []byte{0x10, 0, 0, 4}, true},
	} {
		if got := malformed(c.b); got != c.want {
			t.Errorf("%s: malformed = %v, want %v", c.name, got, c.want)
		}
	}
}

// Reading the loss counters of a fresh topology works in both
// namespaces, and a datagram dropped nowhere leaves them equal.
func TestReadLossCounters(t *testing.T) {
	requireTUN(t)
	topo, err := NewTopology()
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	before, err := topo.ReadLossCounters()
	if err != nil {
		t.Fatal(err)
	}
	after, err := topo.ReadLossCounters()
	if err != nil {
		t.Fatal(err)
	}
	if got := after.LossesSince(before); len(got) != 0 {
		t.Errorf("losses in an idle topology: %+v", got)
	}
	topo.Close()
	if _, err := topo.ReadLossCounters(); err == nil {
		t.Error("reading a closed topology's counters did not fail")
	}
}

// A UDP socket in B with a tiny receive buffer, sent 50 datagrams it does
// not read, loses all but the few that fit: the counters read in B's
// namespace name the place, and what B's socket held plus what it lost is
// every datagram A sent.
func TestLossCountersAreTheNamespaces(t *testing.T) {
	topo, relay := newTestTopology(t, netem.LinkConfig{}, netem.LinkConfig{})
	sendFd, recvFd := udpPair(t, topo)
	if err := unix.SetsockoptInt(recvFd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4096); err != nil {
		t.Fatal(err)
	}
	before, err := topo.ReadLossCounters()
	if err != nil {
		t.Fatal(err)
	}
	const sent = 50
	payload := make([]byte, udpPayload)
	for range sent {
		if _, err := unix.Write(sendFd, payload); err != nil {
			t.Fatal(err)
		}
	}
	// Everything crosses an unlimited link within a millisecond or so,
	// but the relay's count of written packets cannot say when: the
	// namespaces send packets of their own (IPv6 autoconfiguration) that
	// it counts too, and a packet written to B's device reaches B's socket,
	// or its drop counter, through a backlog queue a moment later. So read
	// the socket and the counters, with the relay running, until every
	// datagram sent is one or the other.
	held := 0
	buf := make([]byte, 2048)
	var after LossCounters
	deadline := time.Now().Add(2 * time.Second)
	for {
		for {
			if _, err := unix.Read(recvFd, buf); err != nil {
				break
			}
			held++
		}
		var err error
		if after, err = topo.ReadLossCounters(); err != nil {
			t.Fatal(err)
		}
		lost := int64(0)
		for _, p := range after.LossesSince(before) {
			lost += p.Packets
		}
		if int64(held)+lost >= sent || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := relay.Stop(); err != nil {
		t.Fatal(err)
	}
	places := after.LossesSince(before)
	want := []metrics.LossPlace{{Where: "namespace B UDP receive buffer full (Udp RcvbufErrors)", Packets: int64(sent - held)}}
	if held == 0 || held == sent || !reflect.DeepEqual(places, want) {
		t.Errorf("B's socket held %d of %d; places %+v, want %+v; relay %+v", held, sent, places, want, relay.Counters())
	}
}
