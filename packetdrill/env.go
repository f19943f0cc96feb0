package packetdrill

// The environment a script sets up: shell commands (sysctls and the
// upstream suite's defaults.sh), socket options, symbols and flags. The
// policy for what the runner accepts is in doc.go.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// symbols are the Linux values of the constants scripts use.
var symbols = map[string]int64{
	"AF_INET": 2, "AF_INET6": 10, "AF_UNSPEC": 0, "PF_INET": 2,
	"SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_NONBLOCK": 0o4000,
	"IPPROTO_TCP": 6, "IPPROTO_UDP": 17, "IPPROTO_IP": 0,
	"SOL_SOCKET": 1, "SOL_TCP": 6, "SOL_IP": 0,
	"O_RDONLY": 0, "O_WRONLY": 1, "O_RDWR": 2, "O_NONBLOCK": 0o4000,
	"F_GETFL": 3, "F_SETFL": 4,
	"SHUT_RD": 0, "SHUT_WR": 1, "SHUT_RDWR": 2,
	"MSG_OOB": 1, "MSG_PEEK": 2, "MSG_DONTROUTE": 4, "MSG_TRUNC": 0x20, "MSG_DONTWAIT": 0x40,
	"MSG_EOR": 0x80, "MSG_WAITALL": 0x100, "MSG_NOSIGNAL": 0x4000, "MSG_MORE": 0x8000,
	"MSG_ERRQUEUE": 0x2000, "MSG_FASTOPEN": 0x20000000, "MSG_ZEROCOPY": 0x4000000,
	"SO_DEBUG": 1, "SO_REUSEADDR": 2, "SO_TYPE": 3, "SO_ERROR": 4, "SO_SNDBUF": 7, "SO_RCVBUF": 8,
	"SO_KEEPALIVE": 9, "SO_LINGER": 13, "SO_REUSEPORT": 15, "SO_RCVLOWAT": 18,
	"TCP_NODELAY": 1, "TCP_MAXSEG": 2, "TCP_CORK": 3, "TCP_KEEPIDLE": 4, "TCP_KEEPINTVL": 5,
	"TCP_KEEPCNT": 6, "TCP_SYNCNT": 7, "TCP_LINGER2": 8, "TCP_DEFER_ACCEPT": 9,
	"TCP_WINDOW_CLAMP": 10, "TCP_INFO": 11, "TCP_QUICKACK": 12, "TCP_CONGESTION": 13,
	"TCP_USER_TIMEOUT": 18, "TCP_FASTOPEN": 23, "TCP_NOTSENT_LOWAT": 25,
	"TCP_FASTOPEN_CONNECT": 30, "TCP_FASTOPEN_KEY": 33, "TCP_INQ": 36,
	"SIOCINQ": 0x541B, "FIONREAD": 0x541B, "SIOCOUTQ": 0x5411, "NULL": 0,
}

// sockopt names the socket options the runner maps onto the stack.
var sockoptNames = map[[2]int64]string{}

func init() {
	for _, n := range []string{"SO_REUSEADDR", "SO_REUSEPORT", "SO_KEEPALIVE", "SO_SNDBUF", "SO_RCVBUF", "SO_LINGER", "SO_ERROR", "SO_TYPE"} {
		sockoptNames[[2]int64{symbols["SOL_SOCKET"], symbols[n]}] = n
	}
	for _, n := range []string{"TCP_NODELAY", "TCP_MAXSEG", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_SYNCNT",
		"TCP_CONGESTION", "TCP_FASTOPEN", "TCP_FASTOPEN_CONNECT", "TCP_CORK", "TCP_INFO", "TCP_NOTSENT_LOWAT",
		"TCP_USER_TIMEOUT", "TCP_QUICKACK", "TCP_FASTOPEN_KEY", "TCP_INQ", "TCP_WINDOW_CLAMP", "TCP_LINGER2", "TCP_DEFER_ACCEPT"} {
		sockoptNames[[2]int64{symbols["SOL_TCP"], symbols[n]}] = n
	}
}

// envState is what the script's commands have set beyond stack.Config.
type envState struct {
	// fastOpen is net.ipv4.tcp_fastopen (Linux's default 1: client only).
	fastOpen int64
	// fastOpenKey is set once a script chooses the server's key.
	fastOpenKey bool
	// ecn is net.ipv4.tcp_ecn: 0 off, 1 request and accept, 2 (Linux's
	// default) accept only.
	ecn int
}

func (e *envState) init() { e.fastOpen, e.ecn = 1, 2 }

// Linux's tcp_fastopen bits.
const (
	tfoClient          = 0x1
	tfoServer          = 0x2
	tfoClientNoCookie  = 0x4
	tfoServerNoCookie  = 0x200
	tfoServerNoSockopt = 0x400
)

// applyFastOpen sets the host's Fast Open and ECN switches for the socket
// about to open: the stack's one switch stands for Linux's per-socket choice
// (MSG_FASTOPEN or TCP_FASTOPEN_CONNECT on a client, TCP_FASTOPEN or
// tcp_fastopen's 0x400 bit on a listener).
func (r *runner) applyFastOpen(s *socket, active bool) {
	on := false
	if active {
		on = s.tfoConnect && r.env.fastOpen&tfoClient != 0
	} else {
		on = r.env.fastOpen&tfoServer != 0 && (s.tfoListen || r.env.fastOpen&tfoServerNoSockopt != 0)
	}
	r.config().FastOpen = on
	r.config().FastOpenNoCookie = !active && r.env.fastOpen&tfoServerNoCookie != 0
	// ECN likewise: tcp_ecn=2 accepts on a listener, does not request on
	// a connect.
	if active {
		r.config().ECN = r.env.ecn == 1
	} else {
		r.config().ECN = r.env.ecn != 0
	}
}

// acceptedSysctls are sysctls accepted at the value the upstream suite's
// defaults.sh sets (Linux's defaults or values with no effect on the
// stack); another value is unsupported. "*" accepts any value: the TSO
// sizing sysctls, since the stack sends MSS-sized segments and the runner
// joins them as packetdrill joins TSO and GSO segments. The ones with a stack.Config
// equivalent are in sysctlSetters instead.
var acceptedSysctls = map[string]string{
	"tcp_frto":                  "2",
	"tcp_dsack":                 "1",
	"tcp_fack":                  "0",
	"tcp_reordering":            "3",
	"tcp_slow_start_after_idle": "0|1",
	"tcp_tso_win_divisor":       "*",
	"tcp_ecn_option":            "2",
	"tcp_pacing_ss_ratio":       "200",
	"tcp_pacing_ca_ratio":       "120",
	"tcp_notsent_lowat":         "4294967295",
	"tcp_early_retrans":         "4",
	"tcp_min_tso_segs":          "*",
	"tcp_autocorking":           "1",
	// The stack has no Fast Open blackhole detection, which 0 turns off.
	"tcp_fastopen_blackhole_timeout_sec": "0",
	// Linux's defaults, or settings with nothing to act on in a one-host
	// script (the metrics cache, route refreshes, receive-buffer
	// autotuning, which the stack does not do: its window is its buffer).
	"tcp_no_metrics_save":    "*",
	"tcp_retries1":           "*",
	"tcp_moderate_rcvbuf":    "0|1",
	"tcp_adv_win_scale":      "1",
	"tcp_app_win":            "31",
	"tcp_tw_reuse":           "*",
	"tcp_limit_output_bytes": "*",
}

// sysctlSetters map sysctls onto the configuration; a setter returns an
// error for a value it cannot express.
var sysctlSetters = map[string]func(r *runner, v string) error{
	"tcp_timestamps":     boolSysctl(func(c *stack.Config, b bool) { c.Timestamps = b }),
	"tcp_sack":           boolSysctl(func(c *stack.Config, b bool) { c.SACK = b }),
	"tcp_window_scaling": boolSysctl(func(c *stack.Config, b bool) { c.WindowScaling = b }),
	"tcp_syncookies": func(r *runner, v string) error {
		switch v {
		case "0", "1", "2":
			r.config().SYNCookies = v != "0"
			r.config().SYNCookiesAlways = v == "2"
			return nil
		}
		return fmt.Errorf("tcp_syncookies=%s is not 0, 1 or 2", v)
	},
	"tcp_ecn": func(r *runner, v string) error {
		switch v {
		case "0", "1", "2":
			// The stack's one switch covers both roles; it is set when a
			// socket connects or listens (applyRoleConfig).
			r.env.ecn = int(v[0] - '0')
			r.config().ECN = v == "1"
			return nil
		}
		return fmt.Errorf("tcp_ecn=%s is not modelled", v)
	},
	"tcp_syn_retries":    intSysctl(func(c *stack.Config, n int64) { c.SYNRetries = int(n) }),
	"tcp_synack_retries": intSysctl(func(c *stack.Config, n int64) { c.SYNACKRetries = int(n) }),
	"tcp_syn_linear_timeouts": intSysctl(func(c *stack.Config, n int64) {
		c.SYNLinearTimeouts = int(n)
	}),
	"tcp_retries2":       intSysctl(func(c *stack.Config, n int64) { c.DataRetries = int(n) }),
	"tcp_fin_timeout":    intSysctl(func(c *stack.Config, n int64) { c.FinWait2Timeout = units.Duration(n) * units.Second }),
	"tcp_keepalive_time": intSysctl(func(c *stack.Config, n int64) { c.KeepaliveIdle = units.Duration(n) * units.Second }),
	"tcp_keepalive_intvl": intSysctl(func(c *stack.Config, n int64) {
		c.KeepaliveInterval = units.Duration(n) * units.Second
	}),
	"tcp_keepalive_probes":    intSysctl(func(c *stack.Config, n int64) { c.KeepaliveProbes = int(n) }),
	"tcp_challenge_ack_limit": intSysctl(func(c *stack.Config, n int64) { c.ChallengeACKsPerSecond = int(min(n, 1<<31-1)) }),
	"tcp_invalid_ratelimit": intSysctl(func(c *stack.Config, n int64) {
		c.InvalidRateLimit = units.Duration(n) * units.Millisecond
	}),
	"tcp_rto_min_us": intSysctl(func(c *stack.Config, n int64) { c.MinRTO = units.Duration(n) * units.Microsecond }),
	"tcp_rto_max_ms": intSysctl(func(c *stack.Config, n int64) { c.MaxRTO = units.Duration(n) * units.Millisecond }),
	"tcp_rfc1337":    boolSysctl(func(c *stack.Config, b bool) { c.RFC1337 = b }),
	"tcp_abort_on_overflow": boolSysctl(func(c *stack.Config, b bool) {
		c.AbortOnOverflow = b
	}),
	"tcp_recovery": func(r *runner, v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return err
		}
		if n&1 != 0 {
			r.config().Recovery = stack.RecoveryRACK
		} else {
			r.config().Recovery = stack.RecoverySACK
		}
		return nil
	},
	// The receive buffer is tcp_rmem's maximum, from which Linux derives
	// its window scale (tcp_select_initial_window), and the SYN's window
	// comes from tcp_rmem's default at the default skb->len/truesize ratio
	// of ½ (tcp_full_space), as does the buffer the window clamp starts
	// from (RcvBufInitial); the send buffer is tcp_wmem's default, where
	// Linux's starts.
	"tcp_rmem": func(r *runner, v string) error {
		if err := bufSysctl(2, func(c *stack.Config, n int) { c.RcvBuf, c.RcvBufMax = n, n })(r, v); err != nil {
			return err
		}
		return bufSysctl(1, func(c *stack.Config, n int) { c.RcvSpaceInitial, c.RcvBufInitial = max(n/2, 1), n })(r, v)
	},
	"tcp_wmem": bufSysctl(1, func(c *stack.Config, n int) { c.SndBuf = n }),
	"tcp_congestion_control": func(r *runner, v string) error {
		if _, err := cc.New(v); err != nil {
			return fmt.Errorf("congestion control %q: %v", v, err)
		}
		r.ccName = v
		return nil
	},
	"tcp_fastopen": func(r *runner, v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return err
		}
		if n&tfoClientNoCookie != 0 {
			return fmt.Errorf("tcp_fastopen=%s: client Fast Open without cookies is not modelled", v)
		}
		r.env.fastOpen = n
		return nil
	},
	"tcp_fastopen_key": func(r *runner, v string) error {
		// The stack's cookies are not Linux's AES of the key: scripts
		// that depend on a cookie's value are unsupported (checkSupported).
		r.env.fastOpenKey = true
		return nil
	},
}

func boolSysctl(set func(*stack.Config, bool)) func(*runner, string) error {
	return func(r *runner, v string) error {
		switch v {
		case "0", "1":
			set(r.config(), v == "1")
			return nil
		}
		return fmt.Errorf("value %q is not 0 or 1", v)
	}
}

func intSysctl(set func(*stack.Config, int64)) func(*runner, string) error {
	return func(r *runner, v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("value %q is not a count", v)
		}
		set(r.config(), n)
		return nil
	}
}

// bufSysctl takes one of the three values (min, default, max) of
// tcp_rmem or tcp_wmem as the buffer size.
func bufSysctl(which int, set func(*stack.Config, int)) func(*runner, string) error {
	return func(r *runner, v string) error {
		f := strings.Fields(v)
		if len(f) != 3 {
			return fmt.Errorf("value %q is not three sizes", v)
		}
		n, err := strconv.Atoi(f[which])
		if err != nil || n <= 0 {
			return fmt.Errorf("value %q: bad size", v)
		}
		set(r.config(), n)
		return nil
	}
}

// defaultsSh is what gtests/net/common/defaults.sh sets, the environment
// of the upstream suite.
var defaultsSh = [][2]string{
	{"tcp_rmem", "4096 540000 15728640"},
	{"tcp_wmem", "4096 262144 4194304"},
	{"tcp_timestamps", "1"},
	{"tcp_syn_retries", "5"},
	{"tcp_synack_retries", "5"},
	{"tcp_frto", "2"},
	{"tcp_sack", "1"},
	{"tcp_dsack", "1"},
	{"tcp_fack", "0"},
	{"tcp_reordering", "3"},
	{"tcp_congestion_control", "cubic"},
	{"tcp_slow_start_after_idle", "0"},
	{"tcp_early_retrans", "4"},
	{"tcp_recovery", "1"},
	{"tcp_tso_win_divisor", "3"},
	{"tcp_ecn", "0"},
	{"tcp_ecn_option", "2"},
	{"tcp_pacing_ss_ratio", "200"},
	{"tcp_pacing_ca_ratio", "120"},
	{"tcp_notsent_lowat", "4294967295"},
	{"tcp_fastopen", "0x70403"},
	{"tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"},
	{"tcp_syncookies", "1"},
}

// sysctl applies one net.ipv4 setting.
func (r *runner) sysctl(name, value string) error {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "/proc/sys/"), "net.ipv4.")
	name = strings.TrimPrefix(name, "net/ipv4/")
	value = strings.Trim(value, "\"'")
	if set, ok := sysctlSetters[name]; ok {
		return set(r, value)
	}
	if want, ok := acceptedSysctls[name]; ok {
		if want == "*" || slices.Contains(strings.Split(want, "|"), value) {
			return nil
		}
		return fmt.Errorf("%s=%s: only %s (the upstream default) is accepted", name, value, strings.ReplaceAll(want, "|", " or "))
	}
	return fmt.Errorf("sysctl %s is not modelled", name)
}

// command runs a backtick shell line: sysctls and the defaults are
// applied, known no-ops skipped, anything else is unsupported.
func (r *runner) command(c *CommandSpec) {
	for _, cmd := range splitShell(c.Command) {
		if err := r.shell(cmd); err != nil {
			r.unsupported("%v", err)
		}
	}
}

// splitShell cuts a command line at ;, && and newlines (outside quotes).
func splitShell(s string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n'):
			// A comment runs to the end of the line.
			for i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
		case c == ';' || c == '\n' || c == '&' && i+1 < len(s) && s[i+1] == '&':
			if c == '&' {
				i++
			}
			if t := strings.TrimSpace(cur.String()); t != "" {
				out = append(out, t)
			}
			cur.Reset()
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++
			cur.WriteByte(' ')
		default:
			cur.WriteByte(c)
		}
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}

// shellFields splits a command into words, keeping quoted strings whole
// (their quotes removed).
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func (r *runner) shell(cmd string) error {
	f := shellFields(cmd)
	if len(f) == 0 {
		return nil
	}
	// Output redirections do not matter here.
	for i := 0; i < len(f); i++ {
		if strings.HasPrefix(f[i], ">") || strings.HasPrefix(f[i], "2>") || strings.HasPrefix(f[i], "&>") {
			if f[i] == ">" || f[i] == "2>" || f[i] == "&>" {
				f = append(f[:i], f[min(i+2, len(f)):]...)
			} else {
				f = append(f[:i], f[i+1:]...)
			}
			i--
		}
	}
	prog := f[0]
	switch {
	case strings.HasSuffix(prog, "defaults.sh"):
		for _, kv := range defaultsSh {
			if err := r.sysctl(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	case prog == "sysctl":
		for _, a := range f[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return fmt.Errorf("sysctl without a value")
			}
			if err := r.sysctl(k, v); err != nil {
				return err
			}
		}
		return nil
	case strings.HasSuffix(prog, "set_sysctls.py"):
		for _, a := range f[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return fmt.Errorf("set_sysctls.py argument %q", a)
			}
			if err := r.sysctl(k, v); err != nil {
				return err
			}
		}
		return nil
	case strings.HasPrefix(prog, "/tmp/sysctl_restore"):
		// The upstream suite's cleanup of its own sysctls.
		return nil
	case prog == "ip" && len(f) >= 3 && f[1] == "tcp_metrics" && f[2] == "flush":
		// Forgets Fast Open cookies: a no-op before the host has any.
		if r.host == nil || r.host.FastOpenCookie(peerAddr) == nil {
			return nil
		}
		return fmt.Errorf("flushing the Fast Open cookie cache is not modelled")
	case prog == "tc" && strings.Contains(cmd, "pfifo") && !strings.Contains(cmd, "limit"):
		// A FIFO qdisc with no limit: the runner's link is one.
		return nil
	case prog == "tc" && len(f) >= 2 && f[len(f)-1] == "fq" && (f[1] == "qdisc"):
		// The fq qdisc paces every flow: the stack's Linux-like pacing.
		r.config().Pacing = true
		return nil
	case prog == "nstat" && len(f) == 1:
		return nil
	case prog == "ethtool" && len(f) >= 3 && f[1] == "-K" && !strings.Contains(cmd, " on"):
		// Turning segmentation offloads off: the stack has none.
		return nil
	}
	return fmt.Errorf("shell commands other than sysctls are not modelled")
}

// applyFlag applies a packetdrill command-line flag written in a script
// or on the command line.
func applyFlag(o *Options, flag string) error {
	name, val, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
	switch name {
	case "tolerance_usecs":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("bad --tolerance_usecs %q", val)
		}
		o.ToleranceUsecs = n
	case "tolerance_percent":
		v, err := strconv.ParseFloat(val, 64)
		if err != nil || v < 0 || v > 100 {
			return fmt.Errorf("bad --tolerance_percent %q", val)
		}
		o.TolerancePercent = v
	case "tcp_ts_tick_usecs":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad --tcp_ts_tick_usecs %q", val)
		}
		o.TSTickUsecs = n
	case "mss":
		n, err := strconv.Atoi(val)
		if err != nil || n < 88 || n > 1460 {
			return fmt.Errorf("bad --mss %q", val)
		}
		o.InboundMSS = n
	case "strict_segments":
		o.StrictSegments = true
	case "tcp_ts_ecr_scaled":
		// The runner always extrapolates an unknown TS ecr.
	case "local_ip", "remote_ip", "gateway_ip", "netmask_ip", "bind_port", "connect_port", "ip_version", "mtu",
		"init_delay_usecs", "wire_client", "verbose", "dry_run", "speed":
		// Addresses and ports are the runner's own; the stack does not
		// care. An MTU other than 1500 would matter.
		if (name == "mtu" && val != "1500") || (name == "ip_version" && val != "ipv4") {
			return fmt.Errorf("--%s=%s is not supported (IPv4, MTU 1500 only)", name, val)
		}
	default:
		return fmt.Errorf("packetdrill flag --%s is not supported", name)
	}
	return nil
}
