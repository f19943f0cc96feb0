package packetdrill

// Socket options, and the static check that finds what a script uses that
// the runner cannot play before any of it runs.

import (
	"fmt"

	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// supportedSockopts are the options setsockopt and getsockopt accept.
var supportedSockopts = map[string]bool{
	"SO_REUSEADDR": true, "SO_REUSEPORT": true, "SO_KEEPALIVE": true, "SO_SNDBUF": true, "SO_RCVBUF": true,
	"SO_LINGER": true, "SO_ERROR": true, "SO_TYPE": true,
	"TCP_NODELAY": true, "TCP_MAXSEG": true, "TCP_KEEPIDLE": true, "TCP_KEEPINTVL": true, "TCP_KEEPCNT": true,
	"TCP_SYNCNT": true, "TCP_CONGESTION": true, "TCP_FASTOPEN": true, "TCP_FASTOPEN_CONNECT": true,
	"TCP_FASTOPEN_KEY": true, "TCP_CORK": true,
}

// supportedSyscalls are the calls the runner plays.
var supportedSyscalls = map[string]bool{
	"socket": true, "bind": true, "listen": true, "accept": true, "connect": true,
	"write": true, "send": true, "sendto": true, "read": true, "recv": true, "recvfrom": true,
	"close": true, "shutdown": true, "fcntl": true, "setsockopt": true, "getsockopt": true, "ioctl": true,
	"poll": true,
}

// sockoptName names a (level, option) pair, or "" if it is not known.
func (r *runner) sockoptName(sc *SyscallSpec) string {
	if len(sc.Args) < 3 {
		return ""
	}
	level, ok1 := r.eval(sc.Args[1])
	name, ok2 := r.eval(sc.Args[2])
	if !ok1 || !ok2 {
		return ""
	}
	if level == symbols["IPPROTO_TCP"] {
		level = symbols["SOL_TCP"]
	}
	return sockoptNames[[2]int64{level, name}]
}

// checkSupported finds the first statement the runner cannot play.
func (r *runner) checkSupported() *Result {
	listens := false
	cookies := false
	scratch := &runner{cfg: scriptConfig(), ccName: "cubic"}
	scratch.env.init()
	for _, ev := range r.script.Events {
		if ev.Syscall != nil && ev.Syscall.Name == "listen" {
			listens = true
		}
		if ev.Packet != nil {
			for _, o := range ev.Packet.Options {
				if o.Kind == optFastOpen && len(o.Cookie) > 0 {
					cookies = true
				}
			}
		}
	}
	for _, ev := range r.script.Events {
		u := func(format string, args ...any) *Result {
			return &Result{Path: r.script.Path, Kind: Unsupported, Line: ev.Line, Statement: ev.Text,
				Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case ev.Unsupported != "":
			return u("%s", ev.Unsupported)
		case ev.Code != nil:
			return u("%%{ }%% code blocks (tcp_info assertions)")
		case ev.Command != nil:
			for _, cmd := range splitShell(ev.Command.Command) {
				if err := scratch.shell(cmd); err != nil {
					return u("%v", err)
				}
			}
		case ev.Syscall != nil:
			sc := ev.Syscall
			if !supportedSyscalls[sc.Name] {
				return u("the system call %s", sc.Name)
			}
			switch sc.Name {
			case "setsockopt", "getsockopt":
				n := r.sockoptName(sc)
				if n == "" || !supportedSockopts[n] {
					name := "?"
					if len(sc.Args) > 2 {
						name = sc.Args[2].String()
					}
					return u("%s %s", sc.Name, name)
				}
				if n == "TCP_FASTOPEN_KEY" {
					scratch.env.fastOpenKey = true
				}
			case "send", "sendto", "recv", "recvfrom":
				if len(sc.Args) > 3 {
					f, ok := r.eval(sc.Args[3])
					allowed := symbols["MSG_DONTWAIT"] | symbols["MSG_NOSIGNAL"] | symbols["MSG_FASTOPEN"] | symbols["MSG_PEEK"]
					if sc.Name == "send" || sc.Name == "sendto" {
						allowed |= symbols["MSG_MORE"]
					}
					if !ok || f&^allowed != 0 {
						return u("%s flags %s", sc.Name, sc.Args[3])
					}
				}
			case "ioctl":
				if len(sc.Args) > 1 {
					if v, ok := r.eval(sc.Args[1]); !ok || v != symbols["SIOCINQ"] && v != symbols["SIOCOUTQ"] {
						return u("ioctl %s", sc.Args[1])
					}
				}
			case "socket":
				if len(sc.Args) == 3 {
					if d := sc.Args[0]; d.Kind == ExprWord && d.Word != "AF_INET" {
						return u("socket domain %s", d.Word)
					}
					if v, ok := r.eval(sc.Args[1]); !ok || v&^symbols["SOCK_NONBLOCK"] != symbols["SOCK_STREAM"] {
						return u("socket type %s", sc.Args[1])
					}
				}
			}
		}
	}
	if listens && cookies && scratch.env.fastOpenKey {
		// The stack's server cookies are a SipHash of the addresses, not
		// Linux's AES of tcp_fastopen_key, so scripted cookie values
		// cannot match.
		return &Result{Path: r.script.Path, Kind: Unsupported,
			Msg: "Fast Open server cookies derived from tcp_fastopen_key (the stack's cookies are not Linux's)"}
	}
	return nil
}

// optInt reads an option value written [N] or N.
func (r *runner) optInt(sc *SyscallSpec, i int) int64 {
	return r.intArg(sc, i)
}

func (r *runner) sysSetsockopt(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	name := r.sockoptName(sc)
	if len(sc.Args) != 5 {
		r.stop(Result{Kind: Error, Msg: "setsockopt takes 5 arguments"})
	}
	val := sc.Args[3]
	cfg := r.config()
	// Options that size a connection apply to connections created
	// afterwards, so a listener's children inherit them as in Linux; on a
	// connection that exists they cannot change.
	beforeConn := func() {
		if s.conn != nil {
			r.unsupported("setsockopt %s once the socket is connected", name)
		}
	}
	switch name {
	case "SO_LINGER":
		if val.Kind != ExprStruct {
			r.unsupported("SO_LINGER value %s", val)
		}
		var onoff, linger int64
		for _, f := range val.Elems {
			if f.Kind != ExprAssign {
				continue
			}
			v, _ := r.eval(f.Elems[0])
			switch f.Word {
			case "onoff", "l_onoff":
				onoff = v
			case "linger", "l_linger":
				linger = v
			}
		}
		if onoff != 0 && linger != 0 {
			r.unsupported("SO_LINGER with a timeout")
		}
		s.linger0 = onoff != 0
		return now(true, 0, "")
	case "TCP_CONGESTION":
		if val.Kind != ExprString {
			r.unsupported("TCP_CONGESTION value %s", val)
		}
		beforeConn()
		s.ccName = val.Word
		r.newCC(s)
		return now(true, 0, "")
	case "TCP_FASTOPEN_KEY":
		r.env.fastOpenKey = true
		return now(true, 0, "")
	}
	v := r.optInt(sc, 3)
	s.opts[name] = v
	switch name {
	case "SO_REUSEADDR", "SO_REUSEPORT":
	case "SO_KEEPALIVE":
		cfg.Keepalive = v != 0
	case "SO_SNDBUF":
		// Linux doubles the value for its bookkeeping overhead.
		if s.conn != nil {
			if !s.conn.SetSendBuffer(int(2 * v)) {
				r.unsupported("setsockopt SO_SNDBUF on a connection with data in its send buffer")
			}
			break
		}
		cfg.SndBuf = int(2 * v)
	case "SO_RCVBUF":
		// Linux sets sk_rcvbuf to 2v, of which its window offers half
		// (tcp_full_space at the default len/truesize ratio): v bytes.
		// The buffer is then locked, and the window scale comes from it
		// rather than from tcp_rmem[2] (the window clamp in
		// tcp_openreq_init_rwin and tcp_connect_init).
		beforeConn()
		cfg.RcvBuf = int(v)
		cfg.RcvBufMax = 0
		cfg.RcvBufInitial = int(2 * v)
	case "TCP_NODELAY":
		cfg.NoDelay = v != 0
		if v != 0 && s.conn != nil {
			// Setting it pushes what is queued, past even the cork
			// (__tcp_sock_set_nodelay).
			s.conn.PushQueued()
			r.drain()
		}
	case "TCP_CORK":
		// Kept in s.opts for a socket not yet connected; uncorking pushes
		// what was held (tcp_push_pending_frames in do_tcp_setsockopt).
		if s.conn != nil {
			s.conn.SetCork(v != 0)
			r.drain()
		}
	case "TCP_MAXSEG":
		beforeConn()
		cfg.MSS = int(v)
	case "TCP_KEEPIDLE":
		cfg.KeepaliveIdle = units.Duration(v) * units.Second
	case "TCP_KEEPINTVL":
		cfg.KeepaliveInterval = units.Duration(v) * units.Second
	case "TCP_KEEPCNT":
		cfg.KeepaliveProbes = int(v)
	case "TCP_SYNCNT":
		cfg.SYNRetries = int(v)
	case "TCP_FASTOPEN":
		s.tfoListen = v > 0
		if s.state == sockListening {
			// Linux sets the Fast Open queue of a listener that already
			// listens (the usual order in scripts: listen, then
			// TCP_FASTOPEN).
			r.applyFastOpen(s, false)
		}
	case "TCP_FASTOPEN_CONNECT":
		if r.env.fastOpen&tfoClient == 0 {
			delete(s.opts, name)
			return now(true, -1, "EOPNOTSUPP")
		}
		s.tfoConnect = v != 0
	default:
		r.unsupported("setsockopt %s", sc.Args[2])
	}
	switch name {
	case "SO_KEEPALIVE", "TCP_KEEPIDLE":
		if s.conn != nil {
			s.conn.RestartKeepalive(r.now)
		}
	}
	return now(true, 0, "")
}

func (r *runner) sysGetsockopt(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	name := r.sockoptName(sc)
	if len(sc.Args) != 5 {
		r.stop(Result{Kind: Error, Msg: "getsockopt takes 5 arguments"})
	}
	cfg := r.config()
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	var got int64
	switch name {
	case "SO_ERROR":
		if e := pendingErr(s); e != "" {
			got = errnoValue[e]
		}
	case "SO_TYPE":
		got = symbols["SOCK_STREAM"]
	case "SO_KEEPALIVE":
		got = b2i(cfg.Keepalive)
	case "SO_SNDBUF", "SO_RCVBUF":
		// A value set on the socket reads back doubled, as in Linux.
		if v, ok := s.opts[name]; ok {
			got = 2 * v
		} else if name == "SO_SNDBUF" {
			got = int64(cfg.SndBuf)
		} else {
			got = int64(cfg.RcvBuf)
		}
	case "TCP_NODELAY":
		got = b2i(cfg.NoDelay)
	case "TCP_MAXSEG":
		got = int64(cfg.MSS)
		if s.conn != nil && s.conn.State() != stack.SynSent {
			got = int64(s.conn.Negotiated().MSS)
		}
	case "TCP_KEEPIDLE":
		got = int64(cfg.KeepaliveIdle / units.Second)
	case "TCP_KEEPINTVL":
		got = int64(cfg.KeepaliveInterval / units.Second)
	case "TCP_KEEPCNT":
		got = int64(cfg.KeepaliveProbes)
	case "TCP_SYNCNT":
		got = int64(cfg.SYNRetries)
	case "TCP_CONGESTION":
		want := sc.Args[3]
		cur := s.ccName
		if cur == "" {
			cur = r.ccName
		}
		if want.Kind == ExprString && want.Word != cur {
			r.fail("getsockopt TCP_CONGESTION gave %q, expected %q", cur, want.Word)
		}
		return now(true, 0, "")
	default:
		if v, ok := s.opts[name]; ok {
			got = v
		} else {
			r.unsupported("getsockopt %s", sc.Args[2])
		}
	}
	if want := sc.Args[3]; want.Kind != ExprEllipsis {
		w, ok := r.eval(want)
		if !ok {
			r.unsupported("getsockopt value %s", want)
		}
		if w != got {
			r.fail("getsockopt %s gave %d, expected %d", name, got, w)
		}
	}
	return now(true, 0, "")
}
