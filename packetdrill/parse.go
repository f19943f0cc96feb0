package packetdrill

// The script parser. packetdrill's own grammar is a yacc file; this one is
// hand-written and line-oriented, which is enough for the language as the
// upstream suite writes it: a statement starts on a line that begins with
// a time (or with a backtick, "%{" or "--" before the first event) and
// runs on over any following lines that do not.

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ParseError is a syntax error at a line of a script.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

// ParseFile reads and parses a script file.
func ParseFile(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(b))
}

// rawStmt is a statement's text with the line it starts on.
type rawStmt struct {
	line int
	text string
}

// Parse parses the text of a script; path names it in errors.
func Parse(path, text string) (*Script, error) {
	stmts, err := split(path, stripComments(text))
	if err != nil {
		return nil, err
	}
	s := &Script{Path: path}
	for _, st := range stmts {
		t := strings.TrimSpace(st.text)
		bad := func(format string, args ...any) error {
			return &ParseError{Path: path, Line: st.line, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case strings.HasPrefix(t, "--"):
			if len(s.Events) > 0 {
				return nil, bad("option %q after the first event", t)
			}
			s.Options = append(s.Options, strings.Fields(t)...)
			continue
		case strings.HasPrefix(t, "`"):
			cmd, rest, ok := cutQuoted(t, '`')
			if !ok || strings.TrimSpace(rest) != "" {
				return nil, bad("unterminated or trailing text after command")
			}
			if len(s.Events) > 0 {
				// An untimed command after the events is the cleanup
				// command, which undoes the script's sysctls.
				if s.Cleanup != "" {
					return nil, bad("a command needs a time once events have begun")
				}
				s.Cleanup = cmd
				continue
			}
			s.Events = append(s.Events, &Event{Line: st.line, Text: t, Time: EventTime{Kind: TimeAbsolute},
				Command: &CommandSpec{Command: cmd, Init: true}})
			continue
		}
		if s.Cleanup != "" {
			return nil, bad("events after the cleanup command")
		}
		ev, err := parseEvent(st.line, t)
		var unsup *unsupportedError
		if errors.As(err, &unsup) {
			// Valid packetdrill the runner cannot play: kept as an event
			// so the runner reports it by line.
			tm, rest, _ := parseTime(t)
			ev, err = &Event{Line: st.line, Time: tm, Text: strings.Join(strings.Fields(rest), " "), Unsupported: unsup.what}, nil
		}
		if err != nil {
			return nil, bad("%v", err)
		}
		s.Events = append(s.Events, ev)
	}
	return s, nil
}

// stripComments removes // and /* */ comments outside strings, backticks
// and %{ }% blocks, keeping line breaks so that line numbers hold.
func stripComments(text string) string {
	var b strings.Builder
	inCode := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inCode:
			if strings.HasPrefix(text[i:], "}%") {
				inCode = false
				b.WriteString("}%")
				i++
				continue
			}
			b.WriteByte(c)
		case strings.HasPrefix(text[i:], "%{"):
			inCode = true
			b.WriteString("%{")
			i++
		case c == '"' || c == '`':
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				b.WriteString(text[i:])
				return b.String()
			}
			b.WriteString(text[i : i+j+2])
			i += j + 1
		case strings.HasPrefix(text[i:], "//"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j - 1
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return b.String()
			}
			b.WriteString(strings.Repeat("\n", strings.Count(text[i:i+2+j], "\n")))
			i += j + 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// startsStatement reports whether a line begins a new statement.
func startsStatement(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	switch t[0] {
	case '+', '*', '`', '.':
		return true
	case '-':
		return strings.HasPrefix(t, "--")
	case '%':
		return strings.HasPrefix(t, "%{")
	}
	return t[0] >= '0' && t[0] <= '9'
}

// split cuts the text into statements. Backtick commands and %{ }% blocks
// may span lines and contain anything.
func split(path, text string) ([]rawStmt, error) {
	lines := strings.Split(text, "\n")
	var out []rawStmt
	var cur *rawStmt
	open := byte(0) // '`' or '%' while inside a multi-line command or code block
	for i, ln := range lines {
		if open != 0 {
			cur.text += "\n" + ln
			if open == '`' && strings.Count(ln, "`")%2 == 1 || open == '%' && strings.Contains(ln, "}%") {
				open = 0
			}
			continue
		}
		if startsStatement(ln) || cur == nil && strings.TrimSpace(ln) != "" {
			out = append(out, rawStmt{line: i + 1, text: ln})
			cur = &out[len(out)-1]
		} else if strings.TrimSpace(ln) != "" {
			cur.text += "\n" + ln
		} else {
			continue
		}
		if strings.Count(ln, "`")%2 == 1 {
			open = '`'
		} else if strings.Contains(ln, "%{") && !strings.Contains(ln[strings.Index(ln, "%{"):], "}%") {
			open = '%'
		}
	}
	if open != 0 {
		return nil, &ParseError{Path: path, Line: cur.line, Msg: "unterminated command or code block"}
	}
	return out, nil
}

// cutQuoted takes s starting with q and returns the text up to the next q
// and what follows it.
func cutQuoted(s string, q byte) (inner, rest string, ok bool) {
	j := strings.IndexByte(s[1:], q)
	if j < 0 {
		return "", "", false
	}
	return s[1 : j+1], s[j+2:], true
}

// parseEvent parses one timed statement.
func parseEvent(line int, t string) (*Event, error) {
	tm, rest, err := parseTime(t)
	if err != nil {
		return nil, err
	}
	rest = strings.TrimSpace(rest)
	ev := &Event{Line: line, Time: tm, Text: strings.Join(strings.Fields(rest), " ")}
	switch {
	case rest == "":
		return nil, fmt.Errorf("a time with no action")
	case rest[0] == '<' || rest[0] == '>':
		p, err := parsePacket(rest)
		if err != nil {
			return nil, err
		}
		ev.Packet = p
	case rest[0] == '`':
		cmd, tail, ok := cutQuoted(rest, '`')
		if !ok || strings.TrimSpace(tail) != "" {
			return nil, fmt.Errorf("unterminated command")
		}
		ev.Command = &CommandSpec{Command: cmd}
	case strings.HasPrefix(rest, "%{"):
		end := strings.LastIndex(rest, "}%")
		if end < 0 {
			return nil, fmt.Errorf("unterminated %%{ block")
		}
		ev.Code = &CodeSpec{Code: rest[2:end]}
	default:
		sc, err := parseSyscall(rest)
		if err != nil {
			return nil, err
		}
		ev.Syscall = sc
	}
	if (tm.Kind == TimeAny || tm.Kind == TimeAbsoluteRange || tm.Kind == TimeRelativeRange) &&
		(ev.Packet == nil || ev.Packet.Dir != Outbound) {
		return nil, fmt.Errorf("a time range or * can only be used with outbound packets")
	}
	return ev, nil
}

// scanSeconds reads a non-negative decimal number of seconds ("0.1",
// ".1", "2") and returns it in microseconds. It stops before "...".
func scanSeconds(s string) (int64, string, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && s[i] == '.' && !strings.HasPrefix(s[i:], "...") {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i == 0 || s[:i] == "." {
		return 0, s, fmt.Errorf("expected a time in seconds at %q", head(s))
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, s, err
	}
	// Round to the microsecond as packetdrill truncates a float: adding
	// half a microsecond first keeps 0.1 from becoming 99999 us.
	return int64(v*1e6 + 0.5), s[i:], nil
}

func head(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// parseTime reads the time at the start of a statement.
func parseTime(s string) (EventTime, string, error) {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, "*") {
		return EventTime{Kind: TimeAny}, s[1:], nil
	}
	rel := strings.HasPrefix(s, "+")
	if rel {
		s = s[1:]
	}
	start, rest, err := scanSeconds(s)
	if err != nil {
		return EventTime{}, "", err
	}
	t := EventTime{Kind: TimeAbsolute, StartUs: start}
	if rel {
		t.Kind = TimeRelative
	}
	if strings.HasPrefix(rest, "~") {
		rest = rest[1:]
		endRel := strings.HasPrefix(rest, "+")
		if endRel != rel {
			return EventTime{}, "", fmt.Errorf("a time range must be both absolute or both relative")
		}
		if endRel {
			rest = rest[1:]
		}
		end, r, err := scanSeconds(rest)
		if err != nil {
			return EventTime{}, "", err
		}
		if end < start {
			return EventTime{}, "", fmt.Errorf("time range is backwards")
		}
		t.EndUs, rest = end, r
		t.Kind = TimeAbsoluteRange
		if rel {
			t.Kind = TimeRelativeRange
		}
	}
	return t, rest, nil
}

// parsePacket reads a packet line starting with its direction.
func parsePacket(s string) (*PacketSpec, error) {
	p := &PacketSpec{ECN: ecnNone, TOS: -1}
	if s[0] == '>' {
		p.Dir = Outbound
	}
	rest := strings.TrimSpace(s[1:])
	// IP information in brackets or parentheses: [ect0], (tos 0x2), [ttl 64].
	if rest != "" && (rest[0] == '[' || rest[0] == '(') {
		closer := map[byte]byte{'[': ']', '(': ')'}[rest[0]]
		j := strings.IndexByte(rest, closer)
		if j < 0 {
			return nil, fmt.Errorf("unclosed %c", rest[0])
		}
		if err := parseIPInfo(rest[1:j], p); err != nil {
			return nil, err
		}
		rest = strings.TrimSpace(rest[j+1:])
	}
	// The options, if any, are the last thing on the line.
	if i := strings.IndexByte(rest, '<'); i >= 0 {
		j := strings.LastIndexByte(rest, '>')
		if j < i {
			return nil, fmt.Errorf("unclosed <")
		}
		if strings.TrimSpace(rest[j+1:]) != "" {
			return nil, fmt.Errorf("unexpected %q after the options", strings.TrimSpace(rest[j+1:]))
		}
		body := strings.TrimSpace(rest[i+1 : j])
		if body == "..." {
			if p.Dir == Inbound {
				return nil, fmt.Errorf("<...> for TCP options can only be used with outbound packets")
			}
			p.NoCheck = true
		} else {
			opts, err := parseOptions(body)
			if err != nil {
				return nil, err
			}
			p.Options = opts
		}
		rest = rest[:i]
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return nil, fmt.Errorf("a packet needs flags")
	}
	switch strings.ToLower(f[0]) {
	case "udp", "icmp", "ipv4", "ipv6", "gre", "mpls", "encap":
		return nil, &unsupportedError{what: strings.ToLower(f[0]) + " packets"}
	}
	// Ports: "1234>80".
	if k := strings.IndexByte(f[0], '>'); k > 0 {
		src, e1 := strconv.ParseUint(f[0][:k], 10, 16)
		dst, e2 := strconv.ParseUint(f[0][k+1:], 10, 16)
		if e1 != nil || e2 != nil {
			return nil, fmt.Errorf("bad ports %q", f[0])
		}
		p.SrcPort, p.DstPort = uint16(src), uint16(dst)
		f = f[1:]
		if len(f) == 0 {
			return nil, fmt.Errorf("a packet needs flags")
		}
	}
	if f[0] == "udp" || f[0] == "icmp" {
		return nil, &unsupportedError{what: f[0] + " packets"}
	}
	if err := parseFlags(f[0], p); err != nil {
		return nil, err
	}
	f = f[1:]
	if len(f) == 0 {
		return nil, fmt.Errorf("a TCP packet needs a sequence range start:end(len)")
	}
	var start, end uint64
	var n int
	if _, err := fmt.Sscanf(f[0], "%d:%d(%d)", &start, &end, &n); err != nil {
		return nil, fmt.Errorf("bad sequence range %q", f[0])
	}
	if start > 0xffffffff || end > 0xffffffff || n < 0 || n > 0xffff {
		return nil, fmt.Errorf("sequence range %q out of range", f[0])
	}
	if uint32(start)+uint32(n) != uint32(end) {
		return nil, fmt.Errorf("inconsistent TCP sequence numbers and payload size in %q", f[0])
	}
	p.Seq, p.Len = uint32(start), n
	f = f[1:]
	for len(f) > 0 {
		if len(f) < 2 {
			return nil, fmt.Errorf("%q needs a value", f[0])
		}
		v, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s %q: not a number", f[0], f[1])
		}
		switch f[0] {
		case "ack":
			p.Ack, p.HasAck = uint32(v), true
		case "win":
			if v > 0xffff {
				return nil, fmt.Errorf("TCP window value out of range")
			}
			p.Win, p.HasWin = int(v), true
		case "urg":
			p.Urg = int(v)
		default:
			return nil, fmt.Errorf("unknown packet field %q", f[0])
		}
		f = f[2:]
	}
	if p.Dir == Inbound && !p.HasWin {
		return nil, fmt.Errorf("window must be specified for inbound packets")
	}
	return p, nil
}

var ecnWords = map[string]int{"noecn": 0, "ect1": 1, "ect0": 2, "ce": 3, "ect01": ecnECT01}

func parseIPInfo(s string, p *PacketSpec) error {
	for _, item := range strings.Split(s, ",") {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		switch {
		case len(f) == 1:
			v, ok := ecnWords[strings.ToLower(f[0])]
			if !ok {
				return fmt.Errorf("unknown IP field %q", f[0])
			}
			if v == ecnECT01 && p.Dir == Inbound {
				return fmt.Errorf("[ect01] can only be used with outbound packets")
			}
			p.ECN = v
		case f[0] == "tos" && len(f) == 2:
			v, err := strconv.ParseUint(f[1], 0, 8)
			if err != nil {
				return fmt.Errorf("bad tos %q", f[1])
			}
			p.TOS = int(v)
		case f[0] == "ttl" && len(f) == 2:
			v, err := strconv.ParseUint(f[1], 10, 8)
			if err != nil {
				return fmt.Errorf("bad ttl %q", f[1])
			}
			p.TTL = int(v)
		case f[0] == "flowlabel":
			return &unsupportedError{what: "IPv6 flow labels"}
		default:
			return fmt.Errorf("unknown IP field %q", item)
		}
	}
	return nil
}

// parseFlags reads packetdrill's flag letters; "-" is no flags.
func parseFlags(s string, p *PacketSpec) error {
	if s == "-" {
		return nil
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'S':
			p.Flags |= flagSYN
		case 'F':
			p.Flags |= flagFIN
		case 'R':
			p.Flags |= flagRST
		case 'P':
			p.Flags |= flagPSH
		case '.':
			p.Flags |= flagACK
		case 'U':
			p.Flags |= flagURG
		case 'E':
			p.Flags |= flagECE
		case 'W':
			p.Flags |= flagCWR
		case 'A', '0', '1', '2', '3', '4', '5', '6', '7':
			return &unsupportedError{what: "AccECN flags (" + s + ")"}
		default:
			return fmt.Errorf("invalid TCP flag %q in %q", s[i], s)
		}
	}
	return nil
}

// parseOptions reads a comma-separated TCP option list.
func parseOptions(body string) ([]Option, error) {
	var out []Option
	for _, item := range strings.Split(body, ",") {
		f := strings.Fields(item)
		if len(f) == 0 {
			return nil, fmt.Errorf("empty TCP option")
		}
		num := func(w string, bits int) (uint64, error) {
			v, err := strconv.ParseUint(w, 10, bits)
			if err != nil {
				return 0, fmt.Errorf("option %q: bad number %q", item, w)
			}
			return v, nil
		}
		var o Option
		switch f[0] {
		case "nop":
			o.Kind = optNOP
		case "eol":
			o.Kind = optEOL
		case "sackOK":
			o.Kind = optSACKOK
		case "mss":
			if len(f) != 2 {
				return nil, fmt.Errorf("mss needs one value")
			}
			v, err := num(f[1], 16)
			if err != nil {
				return nil, err
			}
			o.Kind, o.Value = optMSS, int(v)
		case "wscale":
			if len(f) != 2 {
				return nil, fmt.Errorf("wscale needs one value")
			}
			v, err := num(f[1], 8)
			if err != nil {
				return nil, err
			}
			o.Kind, o.Value = optWScale, int(v)
		case "TS":
			if len(f) != 5 || f[1] != "val" || f[3] != "ecr" {
				return nil, fmt.Errorf("TS is written TS val V ecr E")
			}
			val, err := num(f[2], 32)
			if err != nil {
				return nil, err
			}
			ecr, err := num(f[4], 32)
			if err != nil {
				return nil, err
			}
			o.Kind, o.TSVal, o.TSEcr = optTS, uint32(val), uint32(ecr)
		case "sack":
			o.Kind = optSACK
			if len(f) < 2 {
				return nil, fmt.Errorf("sack needs at least one block")
			}
			for _, b := range f[1:] {
				var l, r uint64
				if _, err := fmt.Sscanf(b, "%d:%d", &l, &r); err != nil || l > 0xffffffff || r > 0xffffffff {
					return nil, fmt.Errorf("bad sack block %q", b)
				}
				o.SACK = append(o.SACK, [2]uint32{uint32(l), uint32(r)})
			}
		case "FO":
			o.Kind = optFastOpen
			if len(f) > 2 {
				return nil, fmt.Errorf("FO takes at most one cookie")
			}
			if len(f) == 2 {
				c, err := hex.DecodeString(f[1])
				if err != nil {
					return nil, &unsupportedError{what: fmt.Sprintf("Fast Open cookie %q (a --define symbol?)", f[1])}
				}
				if len(c) > 16 {
					return nil, &unsupportedError{what: fmt.Sprintf("Fast Open cookies of %d bytes (the stack holds at most 16)", len(c))}
				}
				o.Cookie = c
			}
		case "FOEXP":
			return nil, &unsupportedError{what: "the experimental Fast Open option (FOEXP)"}
		case "md5":
			return nil, &unsupportedError{what: "the TCP MD5 signature option"}
		case "AccECN0", "AccECN1", "AccECN", "AE":
			return nil, &unsupportedError{what: "AccECN options"}
		default:
			return nil, fmt.Errorf("unknown TCP option %q", f[0])
		}
		out = append(out, o)
	}
	return out, nil
}

// unsupportedError marks syntax that is valid packetdrill but names
// something the runner cannot play against the stack.
type unsupportedError struct{ what string }

func (e *unsupportedError) Error() string { return e.what + " are not supported" }
