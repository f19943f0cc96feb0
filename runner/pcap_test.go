package runner

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ccbench/ccbench/packet"
)

// lossySets is a short bottleneck run with random loss on the data path,
// so the capture holds retransmissions.
var lossySets = []string{"duration=2s", "link.loss=0.01", "link.rate=20Mbit/s"}

// TestPcapHoldsEveryDeliveredPacket parses the capture back: one record
// per packet offered to the two links, in both directions, with
// nondecreasing virtual timestamps and the packets' own bytes.
func TestPcapHoldsEveryDeliveredPacket(t *testing.T) {
	sc := scenario(t, lossySets...)
	var buf bytes.Buffer
	sc.Pcap = bufio.NewWriter(&buf)
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.run(); err != nil {
		t.Fatal(err)
	}
	if err := sc.Pcap.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeRaw {
		t.Fatalf("link type %v, want raw (101)", r.LinkType())
	}
	var fwd, rev, fwdBytes int64
	var last int64
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if ts := ci.Timestamp.UnixNano(); ts < last {
			t.Fatalf("timestamp %d after %d: not in delivery order", ts, last)
		} else {
			last = ts
		}
		if data[0]>>4 != 4 || ci.Length != len(data) {
			t.Fatalf("record is not a whole IPv4 packet: % x", data[:4])
		}
		// Senders are 198.18/16, receivers 198.19/16 (see newWorld).
		switch data[13] {
		case 18:
			fwd++
			fwdBytes += int64(len(data))
		case 19:
			rev++
		default:
			t.Fatalf("source %v is no host of the run", data[12:16])
		}
	}
	fs, rs := w.fwd.Stats(), w.rev.Stats()
	if fwd != fs.EnqueuedPackets || rev != rs.EnqueuedPackets || fwdBytes != fs.EnqueuedBytes {
		t.Fatalf("capture holds %d forward (%d B) and %d reverse packets; links were offered %d (%d B) and %d",
			fwd, fwdBytes, rev, fs.EnqueuedPackets, fs.EnqueuedBytes, rs.EnqueuedPackets)
	}
	if fs.LostPackets == 0 || fwd == 0 || rev == 0 {
		t.Fatalf("scenario too tame: %d lost, %d forward, %d reverse", fs.LostPackets, fwd, rev)
	}
}

// TestPcapRetransmissionsMatchTshark runs the lossy scenario through
// Execute with --pcap and checks tshark's retransmission count against the
// sender's own counter. The capture is at delivery, after the loss, so
// the two are tied by bounds rather than equal:
//   - no more than Retransmits: the path neither reorders nor duplicates,
//     so a data segment below the highest sequence already delivered can
//     only be a retransmission;
//   - no fewer than Retransmits minus the forward link's lost and dropped
//     packets: a retransmission tshark misses is either one the link lost
//     or dropped, or one whose original and every later segment were lost
//     (it then looks new), and each such case spends at least one loss.
func TestPcapRetransmissionsMatchTshark(t *testing.T) {
	cfg := loadBottleneck(t, lossySets...)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := ExecuteWith(cfg, dir, "run", ExecOptions{Pcap: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, PcapFile)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
		n++
	}
	if n == 0 {
		t.Fatal("empty capture")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: retransmission cross-check skipped")
	}
	// tshark files a resent segment under retransmission, or under
	// out_of_order when its heuristics find the original only just sent
	// (its RTT estimate at a loss is rough); together they are every
	// segment it saw twice.
	out, err := exec.Command("tshark", "-r", path, "-Y", "tcp.analysis.retransmission || tcp.analysis.out_of_order").Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := int64(strings.Count(string(out), "\n"))
	fl := res.Summary.Flows[0]
	// The capture holds every transmission, so tshark's count is the
	// sender's exactly.
	if seen != fl.Retransmits {
		t.Fatalf("tshark saw %d retransmissions; the sender made %d", seen, fl.Retransmits)
	}
	t.Logf("tshark %d retransmissions, sender %d", seen, fl.Retransmits)
}

// TestPcapCaptureAllocatesNothing: recording a packet writes its bytes
// straight from the buffer.
func TestPcapCaptureAllocatesNothing(t *testing.T) {
	tap, p := benchTap(t)
	if a := testing.AllocsPerRun(1000, func() { tap.capture(1000, p) }); a != 0 {
		t.Fatalf("capture allocates %v times per packet", a)
	}
}

func BenchmarkPcapCapture(b *testing.B) {
	tap, p := benchTap(b)
	b.ReportAllocs()
	for b.Loop() {
		tap.capture(1000, p)
	}
}

func benchTap(tb testing.TB) (*pcapTap, *packet.Packet) {
	tb.Helper()
	tap, err := newPcapTap(bufio.NewWriter(discard{}))
	if err != nil {
		tb.Fatal(err)
	}
	var pool packet.Pool
	p := pool.Get()
	p.SetLen(1500)
	p.Bytes()[0] = 0x45
	return tap, p
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
