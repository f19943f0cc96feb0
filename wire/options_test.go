package wire

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want Options
	}{
		{"none", "", Options{}},
		{"linux syn", "020405b40402080a0000000100000002" + "0103030a", Options{
			HasMSS: true, MSS: 1460, SACKPermitted: true,
			HasTimestamps: true, TSVal: 1, TSEcr: 2, HasWScale: true, WScale: 10,
		}},
		{"any order, unknown kinds skipped", "1e06aabbccdd" + "030302" + "01" + "080a0000000300000004" +
			"fd02" + "0402" + "0204ffff", Options{
			HasMSS: true, MSS: 0xffff, SACKPermitted: true,
			HasTimestamps: true, TSVal: 3, TSEcr: 4, HasWScale: true, WScale: 2,
		}},
		{"timestamps", "0101080a" + "0000000700000008", Options{HasTimestamps: true, TSVal: 7, TSEcr: 8}},
		{"timestamps then padding", "080a" + "0000000700000008" + "0101", Options{HasTimestamps: true, TSVal: 7, TSEcr: 8}},
		{"EOL ends parsing", "020405b4" + "00" + "02ff", Options{HasMSS: true, MSS: 1460}},
		{"only padding", "01010100", Options{}},
		{"last of a repeated option wins", "02040200" + "020405b4", Options{HasMSS: true, MSS: 1460}},
		{"four SACK blocks", "0101" + "0522" + "0000000100000002" + "0000000300000004" +
			"0000000500000006" + "fffffff000000010", Options{
			NumSACK: 4, SACK: [MaxSACKBlocks]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {0xfffffff0, 0x10}},
		}},
		{"SACK without blocks", "0101" + "0502", Options{}},
		{"window scale above 14 is kept as sent", "01030320", Options{HasWScale: true, WScale: 32}},
	} {
		o := Options{HasMSS: true, MSS: 1, NumSACK: 3} // must be replaced
		if err := ParseOptions(mustHex(t, tc.hex), &o); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if o != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, o, tc.want)
		}
	}
}

func TestParseOptionsRejectsMalformed(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"kind without length", "010102"},
		{"unknown kind without length", "1e"},
		{"length 0", "1e000000"},
		{"length 1", "1e010000"},
		{"length past end", "1e06aabbcc"},
		{"length past end after valid options", "020405b4" + "1e28"},
		{"MSS length 3", "020305"},
		{"MSS length 5", "0205000000"},
		{"window scale length 2", "0302"},
		{"window scale length 4", "03040700"},
		{"SACK-permitted length 3", "040300"},
		{"aligned timestamps, cut short", "0101080a" + "00000001" + "000000"},
		{"timestamps length 8", "0808000000010000"},
		{"timestamps length 12", "080c" + "00000001" + "00000002" + "0000"},
		{"SACK length 9", "0509" + "00000001" + "000000"},
		{"SACK length 3", "050300"},
		{"five SACK blocks", "052a" + strings.Repeat("0000000100000002", 5)},
	} {
		var o Options
		b := mustHex(t, tc.hex)
		if err := ParseOptions(b, &o); err != DropBadOptions {
			t.Errorf("%s (%x): got %v, want %v", tc.name, b, err, DropBadOptions)
		}
	}
}

func TestEncodeOptionsLayout(t *testing.T) {
	blocks := [MaxSACKBlocks]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}
	const sack1, sack2, sack3, sack4 = "0000000100000002", "0000000300000004", "0000000500000006", "0000000700000008"
	for _, tc := range []struct {
		name string
		o    Options
		hex  string
	}{
		{"none", Options{}, ""},
		{"linux syn", Options{
			HasMSS: true, MSS: 1460, SACKPermitted: true,
			HasTimestamps: true, TSVal: 0x01020304, TSEcr: 0, HasWScale: true, WScale: 7,
		}, "020405b4" + "0402080a0102030400000000" + "01030307"},
		{"syn without timestamps", Options{HasMSS: true, MSS: 1460, SACKPermitted: true, HasWScale: true, WScale: 7},
			"020405b4" + "01010402" + "01030307"},
		{"syn with MSS only", Options{HasMSS: true, MSS: 536}, "02040218"},
		{"timestamps", Options{HasTimestamps: true, TSVal: 5, TSEcr: 6}, "0101080a0000000500000006"},
		{"timestamps and three SACK blocks", Options{HasTimestamps: true, TSVal: 5, TSEcr: 6, NumSACK: 3, SACK: blocks},
			"0101080a0000000500000006" + "0101051a" + sack1 + sack2 + sack3},
		{"timestamps leave no room for a fourth block", Options{HasTimestamps: true, TSVal: 5, TSEcr: 6, NumSACK: 4, SACK: blocks},
			"0101080a0000000500000006" + "0101051a" + sack1 + sack2 + sack3},
		{"four SACK blocks", Options{NumSACK: 4, SACK: blocks}, "01010522" + sack1 + sack2 + sack3 + sack4},
		{"everything", Options{
			HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 5, TSEcr: 6,
			HasWScale: true, WScale: 14, NumSACK: 4, SACK: blocks,
		}, "020405b4" + "0402080a0000000500000006" + "0103030e" + "01010512" + sack1 + sack2},
		{"negative NumSACK", Options{NumSACK: -1, SACK: blocks}, ""},
		{"NumSACK above the maximum", Options{NumSACK: 9, SACK: blocks}, "01010522" + sack1 + sack2 + sack3 + sack4},
	} {
		want := mustHex(t, tc.hex)
		if n := tc.o.EncodedLen(); n != len(want) {
			t.Errorf("%s: EncodedLen %d, want %d", tc.name, n, len(want))
		}
		buf := bytes.Repeat([]byte{0xee}, TCPMaxOptionsLen+4)
		n := tc.o.Encode(buf)
		if !bytes.Equal(buf[:n], want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.name, buf[:n], want)
		}
		if !bytes.Equal(buf[n:], bytes.Repeat([]byte{0xee}, len(buf)-n)) {
			t.Errorf("%s: wrote past the %d bytes it reported", tc.name, n)
		}
	}
}

// TestEncodeOptionsAllCombinations checks every combination of options and
// SACK block count: the length is a multiple of 4 within the option space,
// as many blocks as fit are kept, and parsing gives the options back.
func TestEncodeOptionsAllCombinations(t *testing.T) {
	for mask := range 16 {
		for numSACK := 0; numSACK <= MaxSACKBlocks; numSACK++ {
			o := Options{
				HasMSS: mask&1 != 0, HasWScale: mask&2 != 0,
				SACKPermitted: mask&4 != 0, HasTimestamps: mask&8 != 0,
				NumSACK: numSACK,
			}
			if o.HasMSS {
				o.MSS = 1448
			}
			if o.HasWScale {
				o.WScale = 9
			}
			if o.HasTimestamps {
				o.TSVal, o.TSEcr = 0xdeadbeef, 0x01020304
			}
			for i := range numSACK {
				o.SACK[i] = SACKBlock{Seq(100 * i), Seq(100*i + 50)}
			}

			fixed := 0
			if o.HasMSS {
				fixed += 4
			}
			if o.HasTimestamps || o.SACKPermitted {
				fixed += 4
			}
			if o.HasTimestamps {
				fixed += 8
			}
			if o.HasWScale {
				fixed += 4
			}
			wantSACK := min(numSACK, (TCPMaxOptionsLen-fixed-4)/8)

			var buf [TCPMaxOptionsLen]byte
			n := o.Encode(buf[:])
			if n != o.EncodedLen() || n%4 != 0 || n > TCPMaxOptionsLen {
				t.Fatalf("%+v: encoded %d bytes, EncodedLen %d", o, n, o.EncodedLen())
			}
			var got Options
			if err := ParseOptions(buf[:n], &got); err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			want := o
			want.NumSACK = wantSACK
			for i := wantSACK; i < MaxSACKBlocks; i++ {
				want.SACK[i] = SACKBlock{}
			}
			if got != want {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
		}
	}
}

// The Fast Open option (RFC 7413 §4.1.1) on the wire.

func TestFastOpenOptionEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		hex  string
	}{
		// The layout of a Linux SYN asking for a cookie: the empty option
		// last, padded with two NOPs.
		{"request on a Linux SYN", Options{
			HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 1,
			HasWScale: true, WScale: 7, FastOpen: true,
		}, "020405b4" + "0402080a0000000100000000" + "01030307" + "22020101"},
		{"8-byte cookie", Options{
			HasMSS: true, MSS: 1000, FastOpen: true, FastOpenCookieLen: 8,
			FastOpenCookie: [16]byte{1, 2, 3, 4, 5, 6, 7, 8},
		}, "020403e8" + "220a0102030405060708" + "0101"},
		{"4-byte cookie needs no padding", Options{
			FastOpen: true, FastOpenCookieLen: 4, FastOpenCookie: [16]byte{0xa, 0xb, 0xc, 0xd},
		}, "22060a0b0c0d" + "0101"},
		{"16-byte cookie", Options{
			FastOpen: true, FastOpenCookieLen: 16,
			FastOpenCookie: [16]byte{0: 0xff, 15: 0xee},
		}, "2212ff" + strings.Repeat("00", 14) + "ee" + "0101"},
	} {
		var b [TCPMaxOptionsLen]byte
		n := tc.o.Encode(b[:])
		if got := hex.EncodeToString(b[:n]); got != tc.hex || n != tc.o.EncodedLen() {
			t.Errorf("%s: encoded %s (EncodedLen %d), want %s", tc.name, got, tc.o.EncodedLen(), tc.hex)
			continue
		}
		var back Options
		if err := ParseOptions(b[:n], &back); err != nil || back != tc.o {
			t.Errorf("%s: parsed back %+v, %v", tc.name, back, err)
		}
	}
}

func TestFastOpenOptionParsing(t *testing.T) {
	for _, tc := range []struct {
		name, hex string
		want      Options
	}{
		{"request", "22020101", Options{FastOpen: true}},
		{"cookie of 6", "2208010203040506", Options{FastOpen: true, FastOpenCookieLen: 6, FastOpenCookie: [16]byte{1, 2, 3, 4, 5, 6}}},
		// Impossible cookie lengths are skipped like an unknown option;
		// what follows is still read.
		{"cookie of 2 ignored", "22040102" + "020405b4", Options{HasMSS: true, MSS: 1460}},
		{"odd cookie ignored", "2207" + "0102030405" + "01", Options{}},
		{"cookie of 18 ignored", "2214" + "000102030405060708090a0b0c0d0e0f1011", Options{}},
		// A later option replaces an earlier one entirely, stale bytes
		// of a longer cookie included.
		{"repeated", "220a0102030405060708" + "22061112131401", Options{
			FastOpen: true, FastOpenCookieLen: 4, FastOpenCookie: [16]byte{0x11, 0x12, 0x13, 0x14},
		}},
	} {
		var o Options
		if err := ParseOptions(mustHex(t, tc.hex), &o); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if o != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, o, tc.want)
		}
	}
	// A length running past the option space is malformed, as for any kind.
	var o Options
	if err := ParseOptions(mustHex(t, "220a0102"), &o); err != DropBadOptions {
		t.Errorf("truncated option: %v, want DropBadOptions", err)
	}
}

func TestNextOptionWalk(t *testing.T) {
	b := mustHex(t, "01"+"020405b4"+"00"+"fe03ff")
	type step struct {
		kind uint8
		body string
		n    int
	}
	want := []step{{optNOP, "", 1}, {optMSS, "05b4", 4}, {optEOL, "", 1}, {254, "ff", 3}}
	for i, w := range want {
		kind, body, n, ok := NextOption(b)
		if !ok || kind != w.kind || hex.EncodeToString(body) != w.body || n != w.n {
			t.Fatalf("option %d: kind %d body %x n %d ok %v, want %+v", i, kind, body, n, ok, w)
		}
		b = b[n:]
	}
	for _, bad := range []string{"02", "0201", "020a0000"} {
		if _, _, _, ok := NextOption(mustHex(t, bad)); ok {
			t.Errorf("%s: accepted", bad)
		}
	}
}
