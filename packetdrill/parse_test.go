package packetdrill

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want EventTime
		rest string
	}{
		{"0 socket", EventTime{Kind: TimeAbsolute}, " socket"},
		{"0.100 <", EventTime{Kind: TimeAbsolute, StartUs: 100000}, " <"},
		{"+.1 <", EventTime{Kind: TimeRelative, StartUs: 100000}, " <"},
		{"+0 >", EventTime{Kind: TimeRelative}, " >"},
		{"0.1~0.2 >", EventTime{Kind: TimeAbsoluteRange, StartUs: 100000, EndUs: 200000}, " >"},
		{"+0~+0.01 >", EventTime{Kind: TimeRelativeRange, EndUs: 10000}, " >"},
		{"* >", EventTime{Kind: TimeAny}, " >"},
		{"+0...0.200 accept", EventTime{Kind: TimeRelative}, "...0.200 accept"},
	} {
		got, rest, err := parseTime(c.in)
		if err != nil || got != c.want || rest != c.rest {
			t.Errorf("parseTime(%q) = %+v, %q, %v; want %+v, %q", c.in, got, rest, err, c.want, c.rest)
		}
	}
	for _, bad := range []string{"x", "+", "0.2~0.1 >", "0.1~+0.2 >"} {
		if _, _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) succeeded", bad)
		}
	}
}

func TestParsePacket(t *testing.T) {
	p, err := parsePacket("> S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8,FO abcd1234,nop,nop>")
	if err != nil {
		t.Fatal(err)
	}
	want := &PacketSpec{Dir: Outbound, Flags: flagSYN | flagACK, Ack: 1, HasAck: true, Win: 65535, HasWin: true,
		ECN: ecnNone, TOS: -1, Options: []Option{
			{Kind: optMSS, Value: 1460}, {Kind: optSACKOK}, {Kind: optTS, TSVal: 100}, {Kind: optNOP},
			{Kind: optWScale, Value: 8}, {Kind: optFastOpen, Cookie: []byte{0xab, 0xcd, 0x12, 0x34}}, {Kind: optNOP}, {Kind: optNOP},
		}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}

	p, err = parsePacket("< [ect0] P. 1001:2001(1000) ack 1 win 257 <sack 1:2 3:4,nop,nop>")
	if err != nil {
		t.Fatal(err)
	}
	if p.Dir != Inbound || p.ECN != 2 || p.Seq != 1001 || p.Len != 1000 || p.Flags != flagPSH|flagACK ||
		len(p.Options) != 3 || !reflect.DeepEqual(p.Options[0].SACK, [][2]uint32{{1, 2}, {3, 4}}) {
		t.Errorf("got %+v", p)
	}

	p, err = parsePacket("> F. 5:5(0) ack 2 <...>")
	if err != nil || !p.NoCheck || p.HasWin || p.Flags != flagFIN|flagACK {
		t.Errorf("got %+v, %v", p, err)
	}
	p, err = parsePacket("> - 1:1(0)")
	if err != nil || p.Flags != 0 {
		t.Errorf("got %+v, %v", p, err)
	}

	for _, bad := range []string{
		"< S 0:0(0)",              // inbound without a window
		"> S 0:1(0)",              // inconsistent range
		"> Q 0:0(0)",              // unknown flag
		"< S 0:0(0) win 1 <...>",  // <...> inbound
		"> S 0:0(0) <mss>",        // option without value
		"> S 0:0(0) ack",          // field without value
		"> S 0:0(0) <bogus 1>",    // unknown option
		"> S 0:0(0) win 70000",    // window out of range
		"> S 0:0(0) <mss 1> junk", // text after options
	} {
		if _, err := parsePacket(bad); err == nil {
			t.Errorf("parsePacket(%q) succeeded", bad)
		}
	}
	var u *unsupportedError
	for _, unsup := range []string{"> udp (1)", "< S 0:0(0) win 1 <md5 0011>", "> SA 0:0(0)", "< S 0:0(0) win 1 <FOEXP>"} {
		if _, err := parsePacket(unsup); !errors.As(err, &u) {
			t.Errorf("parsePacket(%q) = %v, want unsupported", unsup, err)
		}
	}
}

func TestParseSyscall(t *testing.T) {
	sc, err := parseSyscall("...0.200 accept(3, ..., ...) = 4")
	if err != nil || sc.Name != "accept" || !sc.HasEnd || sc.EndUs != 200000 || len(sc.Args) != 3 ||
		sc.Args[1].Kind != ExprEllipsis || sc.Result.Int != 4 {
		t.Errorf("got %+v, %v", sc, err)
	}
	sc, err = parseSyscall(`connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)`)
	if err != nil || sc.Result.Int != -1 || sc.Errno != "EINPROGRESS" || sc.Note != "Operation now in progress" {
		t.Errorf("got %+v, %v", sc, err)
	}
	sc, err = parseSyscall(`setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0`)
	if err != nil || sc.Args[3].String() != "{onoff=1, linger=0}" {
		t.Errorf("got %+v, %v", sc, err)
	}
	sc, err = parseSyscall(`fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0`)
	if err != nil || sc.Args[2].Kind != ExprOr || len(sc.Args[2].Elems) != 2 {
		t.Errorf("got %+v, %v", sc, err)
	}
	sc, err = parseSyscall(`setsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", 4) = 0`)
	if err != nil || sc.Args[3].Kind != ExprString || sc.Args[3].Word != "reno" {
		t.Errorf("got %+v, %v", sc, err)
	}
	sc, err = parseSyscall(`fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)`)
	if err != nil || sc.Result.Int != 0x802 {
		t.Errorf("got %+v, %v", sc, err)
	}
	for _, bad := range []string{"close(3)", "close(3 = 0", "= 0", "close(3) = 0 ENOENT junk"} {
		if _, err := parseSyscall(bad); err == nil {
			t.Errorf("parseSyscall(%q) succeeded", bad)
		}
	}
}

func TestParseScript(t *testing.T) {
	text := `// A comment
--tolerance_usecs=10000
` + "`../common/defaults.sh`" + `

/* a block
   comment */
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET,
                 SO_REUSEADDR, [1], 4) = 0   // continued
  +.1 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
   +0 %{
assert tcpi_snd_cwnd == 10
}%
   +0 ` + "`sysctl -q net.ipv4.tcp_sack=0`" + `
` + "`/tmp/sysctl_restore_${PPID}.sh`" + `
`
	s, err := Parse("x.pkt", text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Options, []string{"--tolerance_usecs=10000"}) {
		t.Errorf("options %v", s.Options)
	}
	if len(s.Events) != 6 {
		t.Fatalf("%d events, want 6", len(s.Events))
	}
	lines := []int{3, 7, 8, 10, 11, 14}
	for i, ev := range s.Events {
		if ev.Line != lines[i] {
			t.Errorf("event %d at line %d, want %d", i, ev.Line, lines[i])
		}
	}
	if c := s.Events[0].Command; c == nil || !c.Init || c.Command != "../common/defaults.sh" {
		t.Errorf("init command %+v", s.Events[0])
	}
	if sc := s.Events[2].Syscall; sc == nil || len(sc.Args) != 5 {
		t.Errorf("continued setsockopt %+v", s.Events[2])
	}
	if s.Events[4].Code == nil || !strings.Contains(s.Events[4].Code.Code, "tcpi_snd_cwnd") {
		t.Errorf("code block %+v", s.Events[4])
	}
	if s.Cleanup == "" {
		t.Error("no cleanup command")
	}

	// Valid packetdrill the runner cannot play parses, marked.
	s, err = Parse("y.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > udp (1)\n")
	if err != nil || s.Events[1].Unsupported == "" {
		t.Errorf("got %+v, %v", s, err)
	}

	for _, bad := range []string{
		"0 < S 0:0(0)\n",               // no window
		"+0~+1 write(3, ..., 1) = 1\n", // range on a system call
		"0 socket(\n",                  // broken call
		"0 `sysctl -q x=1\n",           // unterminated command
	} {
		if _, err := Parse("bad.pkt", bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		} else if pe := (*ParseError)(nil); !errors.As(err, &pe) || pe.Line != 1 {
			t.Errorf("Parse(%q) = %v, want a ParseError at line 1", bad, err)
		}
	}
}
