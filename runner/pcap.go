// Packet capture of the bottleneck: every packet that enters the forward
// and reverse links, in the classic pcap format (the libpcap file format
// of draft-ietf-opsawg-pcap), so Wireshark, tshark and tcptrace can read a
// simulated run like a real one.
//
// The capture point is each link's ingress, at the moment a host sends the
// packet, which is where tcpdump on the bottleneck router's input would
// see it: packets the link then loses or drops are in the capture, so every
// transmission and retransmission of a segment is there, and tshark's
// retransmission analysis counts exactly what the sender retransmitted.
// Timestamps are the run's virtual time since its start. Packets are whole
// IPv4 datagrams already, so the link type is LINKTYPE_RAW (101) and a
// record is a 16-byte header followed by the packet's own bytes, written
// straight from its buffer.

package runner

import (
	"bufio"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// PcapFile is the name of the capture in a run's folder.
const PcapFile = "bottleneck.pcap"

// pcapSnaplen is the largest packet recorded whole: a packet buffer's
// capacity, so no packet of the simulator is ever truncated.
const pcapSnaplen = 2048

// pcapTap records delivered packets into a pcap stream.
type pcapTap struct {
	w *pcapgo.Writer
}

// newPcapTap writes the file header to out. Errors writing packets are
// not returned per packet: a bufio.Writer keeps its first error, and the
// owner of out sees it when it flushes at the end of the run.
func newPcapTap(out *bufio.Writer) (*pcapTap, error) {
	w := pcapgo.NewWriterNanos(out)
	if err := w.WriteFileHeader(pcapSnaplen, layers.LinkTypeRaw); err != nil {
		return nil, err
	}
	return &pcapTap{w: w}, nil
}

// capture records p as it leaves a link at virtual time at.
func (c *pcapTap) capture(at units.Time, p *packet.Packet) {
	// A run that captures keeps real headers; this only guards that.
	wire.Materialize(p)
	b := p.Bytes()
	ci := gopacket.CaptureInfo{
		// The epoch stands for the start of the run.
		Timestamp:     time.Unix(0, int64(at)),
		CaptureLength: len(b),
		Length:        len(b),
	}
	_ = c.w.WritePacket(ci, b) // the error stays in the bufio.Writer
}
