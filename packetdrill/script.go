package packetdrill

// The parsed form of a script: a list of events, each with a time
// specification and one action (a packet, a system call, a shell command
// or an embedded code block), plus the command-line options the script
// sets for itself.

// TimeKind is how an event's time is written.
type TimeKind uint8

const (
	// TimeAbsolute is "0.100": seconds since the script's first event.
	TimeAbsolute TimeKind = iota
	// TimeRelative is "+0.1": seconds after the previous event.
	TimeRelative
	// TimeAbsoluteRange is "0.1~0.2": any time in the closed range.
	TimeAbsoluteRange
	// TimeRelativeRange is "+0~+0.01".
	TimeRelativeRange
	// TimeAny is "*": any time at all.
	TimeAny
)

// EventTime is an event's time specification, in microseconds as
// packetdrill keeps it.
type EventTime struct {
	Kind TimeKind
	// StartUs and EndUs are the written values (EndUs only for ranges).
	StartUs, EndUs int64
}

// Event is one statement of a script.
type Event struct {
	Line int
	Time EventTime
	// Text is the statement as written (after the time), for messages.
	Text string

	// Unsupported names what makes the statement unplayable when it is
	// valid packetdrill the runner cannot express (an IPv6 or UDP
	// packet, an AccECN flag); then no action is set.
	Unsupported string

	// Otherwise exactly one of these is set.
	Packet  *PacketSpec
	Syscall *SyscallSpec
	Command *CommandSpec
	Code    *CodeSpec
}

// Direction of a packet relative to the host under test.
type Direction uint8

const (
	Inbound  Direction = iota // "<": the script sends it to the host
	Outbound                  // ">": the host must send it
)

// ECN checks written in square brackets after the direction.
const (
	ecnNone  = -1 // not written: not checked, sent as not-ECT
	ecnECT01 = -2 // [ect01]: ECT(0) or ECT(1)
)

// TCP flag bits as on the wire.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
	flagURG = 0x20
	flagECE = 0x40
	flagCWR = 0x80
)

// PacketSpec is a TCP segment line.
type PacketSpec struct {
	Dir   Direction
	Flags uint8
	// Seq is the start of the sequence range, relative as packetdrill
	// writes it; Len the payload length.
	Seq    uint32
	Len    int
	Ack    uint32
	HasAck bool
	Win    int
	HasWin bool
	Urg    int
	// ECN is an IP ECN codepoint (0-3), ecnNone or ecnECT01.
	ECN int
	// TOS is set when written as (tos 0xNN); -1 otherwise.
	TOS int
	// TTL is set when written; 0 otherwise.
	TTL int
	// SrcPort and DstPort are set when written as "N>N"; 0 otherwise.
	SrcPort, DstPort uint16
	// Options is the option list in order; NoCheck is set for "<...>",
	// which on an outbound packet accepts any options.
	Options []Option
	NoCheck bool
}

// OptionKind is a TCP option kind number.
type OptionKind uint8

const (
	optEOL       OptionKind = 0
	optNOP       OptionKind = 1
	optMSS       OptionKind = 2
	optWScale    OptionKind = 3
	optSACKOK    OptionKind = 4
	optSACK      OptionKind = 5
	optTS        OptionKind = 8
	optMD5       OptionKind = 19
	optFastOpen  OptionKind = 34
	optExp       OptionKind = 254
	optAccECN0   OptionKind = 172
	optAccECN1   OptionKind = 174
	optUnknownTo OptionKind = 255
)

// Option is one TCP option as written.
type Option struct {
	Kind OptionKind
	// Value is the MSS or the window-scale shift.
	Value int
	// TSVal and TSEcr for TS.
	TSVal, TSEcr uint32
	// SACK blocks as written (relative sequence numbers).
	SACK [][2]uint32
	// Cookie is the Fast Open cookie (empty for a request).
	Cookie []byte
}

// SyscallSpec is a system call line.
type SyscallSpec struct {
	Name string
	Args []*Expr
	// EndUs is the end of the blocking window after "..."; HasEnd is set
	// when one is written, which makes the call blocking in packetdrill's
	// sense.
	EndUs  int64
	HasEnd bool
	Result *Expr
	// Errno is the expected errno symbol (EAGAIN), if written.
	Errno string
	Note  string
}

// CommandSpec is a shell command in backticks.
type CommandSpec struct {
	Command string
	// Init is set for a command before the first event, which packetdrill
	// runs before the script starts.
	Init bool
}

// CodeSpec is an embedded %{ ... }% block (Python in upstream scripts).
type CodeSpec struct {
	Code string
}

// Script is a parsed file.
type Script struct {
	Path string
	// Options are the --name=value lines at the head of the file.
	Options []string
	Events  []*Event
	// Cleanup is the untimed command after the last event, which
	// packetdrill runs whatever the outcome; the runner has nothing to
	// undo and ignores it.
	Cleanup string
}
