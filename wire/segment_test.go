package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/packet"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encode returns the datagram EncodeSegment builds for seg around payload.
func encode(seg *Segment, payload []byte) []byte {
	p := new(packet.Packet)
	p.Reset()
	copy(ReservePayload(p, len(payload)), payload)
	EncodeSegment(p, seg)
	return bytes.Clone(p.Bytes())
}

// Four packets written by Linux 6.x's TCP into a TUN device: a client's
// SYN, its ACK of a SYN-ACK that offered SACK, timestamps and window scale
// 7, a 13-byte data segment, and the duplicate ACK with a SACK block that
// an out-of-order segment drew. They pin down the byte layout, option
// order and both checksums independently of this package's own code.
var linuxPackets = []struct {
	name string
	hex  string
	seg  Segment
}{
	{
		name: "syn",
		hex: "4500003c288440004006fe230a0900010a090002dfe2138915559da600000000" +
			"a002faf070a70000020405b40402080a85919c57000000000103030a",
		seg: Segment{
			Header: Header{
				Src:     Addr{10, 9, 0, 1},
				Dst:     Addr{10, 9, 0, 2},
				SrcPort: 57314,
				DstPort: 5001,
				Seq:     0x15559da6,
				Flags:   FlagSYN,
				Window:  64240,
				TTL:     64,
				IPID:    0x2884,
				Opts: Options{
					HasMSS: true, MSS: 1460, SACKPermitted: true,
					HasTimestamps: true, TSVal: 0x85919c57,
					HasWScale: true, WScale: 10,
				},
			},
		},
	},
	{
		name: "ack",
		hex: "45000034288540004006fe2a0a0900010a090002dfe2138915559da7000003e9" +
			"8010003f932600000101080a85919c5700000309",
		seg: Segment{
			Header: Header{
				Src:     Addr{10, 9, 0, 1},
				Dst:     Addr{10, 9, 0, 2},
				SrcPort: 57314,
				DstPort: 5001,
				Seq:     0x15559da7,
				Ack:     1001,
				Flags:   FlagACK,
				Window:  63,
				TTL:     64,
				IPID:    0x2885,
				Opts:    Options{HasTimestamps: true, TSVal: 0x85919c57, TSEcr: 777},
			},
		},
	},
	{
		name: "data",
		hex: "45000041288640004006fe1c0a0900010a090002dfe2138915559da7000003e9" +
			"8018003f48c500000101080a85919c570000030968656c6c6f2c20776f726c640a",
		seg: Segment{
			Header: Header{
				Src:     Addr{10, 9, 0, 1},
				Dst:     Addr{10, 9, 0, 2},
				SrcPort: 57314,
				DstPort: 5001,
				Seq:     0x15559da7,
				Ack:     1001,
				Flags:   FlagACK | FlagPSH,
				Window:  63,
				TTL:     64,
				IPID:    0x2886,
				Opts:    Options{HasTimestamps: true, TSVal: 0x85919c57, TSEcr: 777},
			},
			Payload: []byte("hello, world\n"),
		},
	},
	{
		name: "sack",
		hex: "45000040288740004006fe1c0a0900010a090002dfe2138915559db4000003e9" +
			"b010003f543600000101080a85919c57000003090101050a0000044d0000047f",
		seg: Segment{
			Header: Header{
				Src:     Addr{10, 9, 0, 1},
				Dst:     Addr{10, 9, 0, 2},
				SrcPort: 57314,
				DstPort: 5001,
				Seq:     0x15559db4,
				Ack:     1001,
				Flags:   FlagACK,
				Window:  63,
				TTL:     64,
				IPID:    0x2887,
				Opts: Options{
					HasTimestamps: true, TSVal: 0x85919c57, TSEcr: 777,
					NumSACK: 1, SACK: [MaxSACKBlocks]SACKBlock{{Start: 1101, End: 1151}},
				},
			},
		},
	},
}

// sameSegment reports how got differs from want, or "" if it does not.
func sameSegment(got, want *Segment) string {
	g, w := *got, *want
	g.Payload, w.Payload = nil, nil
	if !reflect.DeepEqual(g, w) {
		return "fields differ"
	}
	if !bytes.Equal(got.Payload, want.Payload) {
		return "payloads differ"
	}
	return ""
}

func TestDecodeLinuxPackets(t *testing.T) {
	for _, tc := range linuxPackets {
		var seg Segment
		if err := DecodeSegment(mustHex(t, tc.hex), &seg); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := sameSegment(&seg, &tc.seg); d != "" {
			t.Errorf("%s: %s:\n got %+v\nwant %+v", tc.name, d, seg, tc.seg)
		}
	}
}

func TestEncodeLinuxPackets(t *testing.T) {
	for _, tc := range linuxPackets {
		got := encode(&tc.seg, tc.seg.Payload)
		if want := mustHex(t, tc.hex); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.name, got, want)
		}
	}
}

// randomSegment fills seg with random fields and options; only the fields
// an option's flag enables are set, so a decode gives back exactly seg
// (after normalize).
func randomSegment(rng *rand.Rand, seg *Segment) {
	*seg = Segment{
		Header: Header{
			Src:     Addr{10, 0, byte(rng.IntN(256)), byte(rng.IntN(256))},
			Dst:     Addr{byte(rng.IntN(256)), 1, 2, byte(rng.IntN(256))},
			SrcPort: uint16(rng.Uint32()),
			DstPort: uint16(rng.Uint32()),
			Seq:     Seq(rng.Uint32()),
			Ack:     Seq(rng.Uint32()),
			Flags:   uint8(rng.Uint32()),
			Window:  uint16(rng.Uint32()),
			ECN:     uint8(rng.IntN(4)),
			TTL:     uint8(rng.Uint32()),
			IPID:    uint16(rng.Uint32()),
		},
	}
	o := &seg.Opts
	if rng.IntN(2) == 0 {
		o.HasMSS, o.MSS = true, uint16(rng.Uint32())
	}
	if rng.IntN(2) == 0 {
		o.HasWScale, o.WScale = true, uint8(rng.IntN(15))
	}
	o.SACKPermitted = rng.IntN(2) == 0
	if rng.IntN(2) == 0 {
		o.HasTimestamps, o.TSVal, o.TSEcr = true, rng.Uint32(), rng.Uint32()
	}
	o.NumSACK = rng.IntN(MaxSACKBlocks + 1)
	for i := range o.NumSACK {
		o.SACK[i] = SACKBlock{Start: Seq(rng.Uint32()), End: Seq(rng.Uint32())}
	}
}

// normalize is what a segment turns into on the wire: a zero TTL becomes
// the default, and SACK blocks that do not fit are left out.
func normalize(seg Segment) Segment {
	if seg.TTL == 0 {
		seg.TTL = IPv4DefaultTTL
	}
	_, n := seg.Opts.layout()
	seg.Opts.NumSACK = n
	for i := n; i < MaxSACKBlocks; i++ {
		seg.Opts.SACK[i] = SACKBlock{}
	}
	return seg
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9293, 1))
	payload := make([]byte, 1460)
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	var in, out Segment
	for n := 0; n <= len(payload); n++ {
		randomSegment(rng, &in)
		in.Payload = payload[:n]
		b := encode(&in, in.Payload)
		if err := DecodeSegment(b, &out); err != nil {
			t.Fatalf("payload %d, %+v: %v", n, in, err)
		}
		want := normalize(in)
		if d := sameSegment(&out, &want); d != "" {
			t.Fatalf("payload %d: %s:\n got %+v\nwant %+v", n, d, out, want)
		}
		ip := IPv4Header(b)
		if ip.Flags() != IPv4FlagDF || int(ip.TotalLen()) != len(b) || ip.TOS() != in.ECN {
			t.Fatalf("payload %d: IPv4 flags %d, total length %d of %d, TOS %d",
				n, ip.Flags(), ip.TotalLen(), len(b), ip.TOS())
		}
	}
}

func TestDecodeAcceptsPaddingAndIPOptions(t *testing.T) {
	seg := linuxPackets[2].seg
	b := encode(&seg, seg.Payload)

	// Ethernet pads short frames; the padding is not payload.
	padded := append(bytes.Clone(b), 0, 0, 0, 0, 0, 0)
	var got Segment
	if err := DecodeSegment(padded, &got); err != nil {
		t.Fatalf("padded: %v", err)
	}
	if d := sameSegment(&got, &seg); d != "" {
		t.Errorf("padded: %s", d)
	}

	// A router-alert option (RFC 2113) makes a 24-byte IPv4 header.
	withOpt := append(append(bytes.Clone(b[:20]), 0x94, 0x04, 0x00, 0x00), b[20:]...)
	ip := IPv4Header(withOpt)
	ip.SetVersionAndHeaderLen(24)
	ip.SetTotalLen(uint16(len(withOpt)))
	RefreshChecksums(withOpt)
	if err := DecodeSegment(withOpt, &got); err != nil {
		t.Fatalf("IP options: %v", err)
	}
	if d := sameSegment(&got, &seg); d != "" {
		t.Errorf("IP options: %s", d)
	}
}

func TestDecodeErrors(t *testing.T) {
	seg := linuxPackets[3].seg // with options
	seg.Payload = []byte("0123456789")
	valid := encode(&seg, seg.Payload)
	var scratch Segment
	if err := DecodeSegment(valid, &scratch); err != nil {
		t.Fatalf("base packet: %v", err)
	}

	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
		want DropReason
	}{
		{"empty", func(b []byte) []byte { return b[:0] }, DropShort},
		{"19 bytes", func(b []byte) []byte { return b[:19] }, DropShort},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, DropShort},
		{"tcp shorter than 20", func(b []byte) []byte {
			IPv4Header(b).SetTotalLen(20 + 19)
			RefreshChecksums(b)
			return b
		}, DropShort},
		{"version 6", func(b []byte) []byte { b[0] = 0x65; return b }, DropNotIPv4},
		{"version 0", func(b []byte) []byte { b[0] = 0x05; return b }, DropNotIPv4},
		{"IHL 4", func(b []byte) []byte { b[0] = 0x44; return b }, DropBadIPHeader},
		{"IHL 0", func(b []byte) []byte { b[0] = 0x40; return b }, DropBadIPHeader},
		{"IHL past total length", func(b []byte) []byte {
			IPv4Header(b).SetTotalLen(24)
			b[0] = 0x47
			return b
		}, DropBadIPHeader},
		{"IP checksum", func(b []byte) []byte { b[8]--; return b }, DropBadIPChecksum},
		{"IP checksum field", func(b []byte) []byte { b[11] ^= 0x80; return b }, DropBadIPChecksum},
		{"more fragments", func(b []byte) []byte {
			IPv4Header(b).SetFlagsAndFragmentOffset(IPv4FlagMF, 0)
			RefreshChecksums(b)
			return b
		}, DropFragment},
		{"fragment offset", func(b []byte) []byte {
			IPv4Header(b).SetFlagsAndFragmentOffset(0, 1480)
			RefreshChecksums(b)
			return b
		}, DropFragment},
		{"UDP", func(b []byte) []byte {
			IPv4Header(b).SetProtocol(17)
			RefreshChecksums(b)
			return b
		}, DropNotTCP},
		{"data offset 4", func(b []byte) []byte {
			b[20+12] = 4 << 4
			RefreshChecksums(b)
			return b
		}, DropBadTCPHeader},
		{"data offset past datagram", func(b []byte) []byte {
			// 60-byte header claimed, 54 bytes of TCP present.
			b[20+12] = 15 << 4
			RefreshChecksums(b)
			return b
		}, DropBadTCPHeader},
		{"TCP payload", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, DropBadTCPChecksum},
		{"TCP header", func(b []byte) []byte { b[20+4]++; return b }, DropBadTCPChecksum},
		{"pseudo-header address", func(b []byte) []byte {
			// A packet delivered to the wrong address fails TCP's check
			// even with a good IPv4 header.
			b[19]++
			IPv4Header(b).SetChecksum(IPv4Header(b).ComputeChecksum())
			return b
		}, DropBadTCPChecksum},
		{"options", func(b []byte) []byte {
			b[20+20+2] = optTimestamps
			b[20+20+3] = 9
			RefreshChecksums(b)
			return b
		}, DropBadOptions},
	} {
		b := tc.edit(bytes.Clone(valid))
		err := DecodeSegment(b, &scratch)
		var r DropReason
		if !errors.As(err, &r) || r != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestDecodeDetectsCorruption flips every bit, then replaces every byte,
// of encoded segments: each change must be rejected. A single-bit or
// single-byte change moves one 16-bit word by a nonzero amount modulo
// 0xffff, so one of the two checksums, if not an earlier check, must see
// it.
func TestDecodeDetectsCorruption(t *testing.T) {
	var packets [][]byte
	for _, tc := range linuxPackets {
		packets = append(packets, mustHex(t, tc.hex))
	}
	rng := rand.New(rand.NewPCG(9293, 2))
	var seg Segment
	for range 4 {
		randomSegment(rng, &seg)
		payload := make([]byte, rng.IntN(300))
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		packets = append(packets, encode(&seg, payload))
	}
	for pi, orig := range packets {
		b := bytes.Clone(orig)
		for i := range b {
			for bit := range 8 {
				b[i] ^= 1 << bit
				if err := DecodeSegment(b, &seg); err == nil {
					t.Fatalf("packet %d: flipping bit %d of byte %d went unnoticed", pi, bit, i)
				}
				b[i] ^= 1 << bit
			}
			for _, v := range []byte{b[i] + 1, b[i] - 1, ^b[i], b[i] + 0x80} {
				old := b[i]
				b[i] = v
				if err := DecodeSegment(b, &seg); err == nil {
					t.Fatalf("packet %d: byte %d %#02x -> %#02x went unnoticed", pi, i, old, v)
				}
				b[i] = old
			}
		}
		if err := DecodeSegment(b, &seg); err != nil {
			t.Fatalf("packet %d: restored packet rejected: %v", pi, err)
		}
	}
}

func TestDropReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := range DropReason(NumDropReasons) {
		name := r.String()
		if name == "" || name == "unknown" || seen[name] {
			t.Errorf("reason %d: name %q missing or repeated", r, name)
		}
		seen[name] = true
		if r.Error() == "" {
			t.Errorf("reason %d: no error text", r)
		}
	}
	if DropBadTCPChecksum.String() != "bad_tcp_checksum" {
		t.Errorf("DropBadTCPChecksum is %q", DropBadTCPChecksum.String())
	}
	if DropReason(NumDropReasons).String() != "unknown" {
		t.Errorf("out-of-range reason named %q", DropReason(NumDropReasons).String())
	}
	if DropReason(200).Error() == "" {
		t.Error("out-of-range reason has no error text")
	}
}

func TestHeaderViews(t *testing.T) {
	ip := IPv4Header(make([]byte, IPv4MinHeaderLen))
	ip.SetVersionAndHeaderLen(24)
	ip.SetTOS(0xb8 | ECNECT0)
	ip.SetECN(ECNCE)
	ip.SetTotalLen(1500)
	ip.SetID(0xbeef)
	ip.SetFlagsAndFragmentOffset(IPv4FlagMF, 1480)
	ip.SetTTL(3)
	ip.SetProtocol(IPv4ProtocolTCP)
	ip.SetChecksum(0x1234)
	ip.SetSrc(Addr{1, 2, 3, 4})
	ip.SetDst(Addr{5, 6, 7, 8})
	if want := mustHex(t, "46bb05dcbeef20b9030612340102030405060708"); !bytes.Equal(ip, want) {
		t.Errorf("IPv4 header %x, want %x", []byte(ip), want)
	}
	if ip.Version() != 4 || ip.HeaderLen() != 24 || ip.TOS() != 0xbb || ip.ECN() != ECNCE ||
		ip.TotalLen() != 1500 || ip.ID() != 0xbeef || ip.Flags() != IPv4FlagMF ||
		ip.FragmentOffset() != 1480 || ip.TTL() != 3 || ip.Protocol() != 6 ||
		ip.Checksum() != 0x1234 || ip.Src() != (Addr{1, 2, 3, 4}) || ip.Dst() != (Addr{5, 6, 7, 8}) {
		t.Errorf("IPv4 getters disagree with %x", []byte(ip))
	}

	tcp := TCPHeader(make([]byte, 24))
	tcp.SetSrcPort(443)
	tcp.SetDstPort(50000)
	tcp.SetSeqNum(0xfffffff0)
	tcp.SetAckNum(7)
	tcp.SetDataOffset(24)
	tcp.SetFlags(FlagSYN | FlagACK | FlagECE)
	tcp.SetWindow(65535)
	tcp.SetChecksum(0xabcd)
	tcp.SetUrgentPointer(9)
	copy(tcp[20:], []byte{1, 1, 1, 0})
	if want := mustHex(t, "01bbc350fffffff0000000076052ffffabcd000901010100"); !bytes.Equal(tcp, want) {
		t.Errorf("TCP header %x, want %x", []byte(tcp), want)
	}
	if tcp.SrcPort() != 443 || tcp.DstPort() != 50000 || tcp.SeqNum() != 0xfffffff0 ||
		tcp.AckNum() != 7 || tcp.DataOffset() != 24 || tcp.Flags() != FlagSYN|FlagACK|FlagECE ||
		tcp.Window() != 65535 || tcp.Checksum() != 0xabcd || tcp.UrgentPointer() != 9 ||
		!bytes.Equal(tcp.Options(), []byte{1, 1, 1, 0}) {
		t.Errorf("TCP getters disagree with %x", []byte(tcp))
	}
}

func TestReservePayload(t *testing.T) {
	var pool packet.Pool
	p := pool.Get()
	payload := ReservePayload(p, 1460)
	if len(payload) != 1460 || p.Len() != 1460 {
		t.Fatalf("reserved %d bytes, packet length %d", len(payload), p.Len())
	}
	// The longest headers fit, and the pool's headroom is still there
	// for the driver.
	seg := Segment{Header: Header{Opts: Options{HasTimestamps: true, NumSACK: 4}}}
	EncodeSegment(p, &seg)
	if p.Len() != 1460+MaxHeaderLen {
		t.Fatalf("encoded length %d, want %d", p.Len(), 1460+MaxHeaderLen)
	}
	p.Prepend(packet.Headroom)
}

func TestUpdateTOSKeepsChecksumValid(t *testing.T) {
	seg := Segment{Header: Header{Src: Addr{10, 0, 0, 1}, Dst: Addr{10, 0, 0, 2}, SrcPort: 1, DstPort: 2, Flags: FlagACK, ECN: ECNECT0}}
	for id := range 2000 {
		seg.IPID = uint16(id * 37)
		ip := IPv4Header(encode(&seg, nil))
		ip.UpdateTOS(ip.TOS() | ECNCE)
		if ip.ECN() != ECNCE || !ip.ChecksumValid() || ip.Checksum() != ip.ComputeChecksum() {
			t.Fatalf("ID %#04x: checksum %#04x after marking CE, want %#04x", seg.IPID, ip.Checksum(), ip.ComputeChecksum())
		}
	}
}

func TestUDPHeaderView(t *testing.T) {
	u := UDPHeader(make([]byte, UDPHeaderLen))
	u.SetSrcPort(9)
	u.SetDstPort(53)
	u.SetLength(1480)
	u.SetChecksum(0xfeed)
	if want := mustHex(t, "0009003505c8feed"); !bytes.Equal(u, want) {
		t.Errorf("UDP header %x, want %x", []byte(u), want)
	}
	if u.SrcPort() != 9 || u.DstPort() != 53 || u.Length() != 1480 || u.Checksum() != 0xfeed {
		t.Errorf("UDP getters disagree with %x", []byte(u))
	}
	if a := (Addr{198, 18, 0, 4}); a.Uint32() != 198<<24|18<<16|4 {
		t.Errorf("Addr.Uint32 %#08x", a.Uint32())
	}
}

func TestRefreshChecksumsRepairsAnEdit(t *testing.T) {
	seg := Segment{Header: Header{Src: Addr{10, 0, 0, 1}, Dst: Addr{10, 0, 0, 2}, SrcPort: 1, DstPort: 2, Seq: 5, Flags: FlagACK}}
	b := encode(&seg, []byte("payload"))
	TCPHeader(b[IPv4MinHeaderLen:]).SetSeqNum(6)
	IPv4Header(b).SetTTL(9)
	var got Segment
	if err := DecodeSegment(b, &got); err != DropBadIPChecksum {
		t.Fatalf("edited datagram: %v, want DropBadIPChecksum", err)
	}
	RefreshChecksums(b)
	if err := DecodeSegment(b, &got); err != nil || got.Seq != 6 || got.TTL != 9 {
		t.Fatalf("refreshed datagram: %v, seq %d, ttl %d", err, got.Seq, got.TTL)
	}
	for n := range IPv4MinHeaderLen + 2 {
		RefreshChecksums(b[:n]) // too short for what it claims: left alone
	}
}
