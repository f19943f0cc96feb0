package stack

import (
	"bytes"
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
