package packetdrill

// System calls, played against the stack's application interface
// (stack.Host.Listen and Connect, Listener.Accept, Conn.Write, Read,
// Close, CloseWrite, Abort) with Linux's return values and errno.

import (
	"errors"
	"fmt"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

type sockState uint8

const (
	sockNew sockState = iota
	sockListening
	sockConnecting
	sockConnected
	sockClosed
)

// socket is a script file descriptor.
type socket struct {
	fd       int
	state    sockState
	nonblock bool
	port     uint16
	listener *stack.Listener
	conn     *stack.Conn
	ccName   string
	// linger0 makes close an abort (SO_LINGER with a zero timeout).
	linger0 bool
	// tfoConnect defers the SYN of connect to the first write
	// (TCP_FASTOPEN_CONNECT); tfoListen enables Fast Open on a listener.
	tfoConnect, tfoListen bool
	tfoDeferred           bool // connect returned, SYN not sent yet
	// connectDone is set once connect has reported success; errTaken once
	// the connection's error has been returned to the application.
	connectDone bool
	errTaken    bool
	shutWr      bool
	// shutRd makes reads return end of file (shutdown SHUT_RD).
	shutRd bool
	// Values of options the stack has no per-socket notion of, returned
	// by getsockopt as set.
	opts map[string]int64
}

// call is a system call that may have to wait.
type call struct {
	ev             *Event
	startUs, endUs int64
	// try attempts the call; done reports whether it returned.
	try func() (done bool, ret int64, errno string)
}

// errnos Linux uses for the stack's errors.
var errnoValue = map[string]int64{
	"EPERM": 1, "ENOENT": 2, "EINTR": 4, "EIO": 5, "EBADF": 9, "EAGAIN": 11, "EWOULDBLOCK": 11,
	"ENOMEM": 12, "EFAULT": 14, "EBUSY": 16, "EEXIST": 17, "EINVAL": 22, "EPIPE": 32,
	"ENOPROTOOPT": 92, "EOPNOTSUPP": 95, "EADDRINUSE": 98, "EADDRNOTAVAIL": 99,
	"ENETUNREACH": 101, "ECONNABORTED": 103, "ECONNRESET": 104, "ENOBUFS": 105,
	"EISCONN": 106, "ENOTCONN": 107, "ETIMEDOUT": 110, "ECONNREFUSED": 111,
	"EHOSTUNREACH": 113, "EALREADY": 114, "EINPROGRESS": 115, "ENOMSG": 42,
}

func connErrno(err error) string {
	switch {
	case errors.Is(err, stack.ErrConnectionReset):
		return "ECONNRESET"
	case errors.Is(err, stack.ErrConnectionRefused):
		return "ECONNREFUSED"
	case errors.Is(err, stack.ErrTimedOut):
		return "ETIMEDOUT"
	}
	return "EPIPE"
}

// syscall runs a system-call event at its start time.
func (r *runner) syscall(ev *Event, startUs int64) {
	sc := ev.Syscall
	if r.blocking != nil {
		// packetdrill waits up to a second for a blocking call in
		// progress before it makes the next call; the host runs on
		// meanwhile.
		r.advanceWhileBlocked(r.now.Add(awaitIdle))
	}
	if r.blocking != nil {
		r.fail("%s while the blocking %s of line %d is still in progress (waited %v)",
			sc.Name, r.blocking.ev.Syscall.Name, r.blocking.ev.Line, awaitIdle)
	}
	try := r.prepare(sc)
	endUs := sc.EndUs
	if sc.HasEnd && (ev.Time.Kind == TimeRelative) {
		endUs += startUs - ev.Time.StartUs
	}
	c := &call{ev: ev, startUs: startUs, endUs: endUs, try: try}
	if done, ret, errno := try(); done {
		r.trace("%s [returned %d %s]", ev.Text, ret, errno)
		r.complete(c, ret, errno)
		r.step()
		return
	}
	if sc.HasEnd {
		r.blocking = c
		r.step()
		return
	}
	// A call that blocks without "..." holds the script up until it
	// returns.
	r.blocking = c
	r.step()
	r.advanceWhileBlocked(r.now.Add(blockingLimit))
	if r.blocking != nil {
		r.blocking = nil
		r.fail("%s blocked and never returned", sc.Name)
	}
}

// awaitIdle is how long packetdrill waits for a blocking call in
// progress before the next call.
const awaitIdle = units.Second

// advanceWhileBlocked runs time forward, timer by timer, until the
// blocking call returns or limit passes.
func (r *runner) advanceWhileBlocked(limit units.Time) {
	for i := 0; r.blocking != nil && r.now < limit && i < maxSteps; i++ {
		d := units.Never
		if r.host != nil {
			d = r.nextDeadline()
		}
		if d > limit {
			r.advance(limit)
			return
		}
		r.advance(d)
	}
}

// retryBlocking retries the call in progress; it reports whether it
// returned.
func (r *runner) retryBlocking() bool {
	c := r.blocking
	saved := r.ev
	r.ev = c.ev
	done, ret, errno := c.try()
	if !done {
		r.ev = saved
		return false
	}
	r.blocking = nil
	r.trace("%s [returned %d %s]", c.ev.Text, ret, errno)
	if c.ev.Syscall.HasEnd {
		if msg := r.checkTime(TimeAbsolute, c.endUs, c.endUs, c.startUs, r.now, "system call return"); msg != "" {
			r.fail("%s", msg)
		}
	}
	r.complete(c, ret, errno)
	r.ev = saved
	return true
}

// complete checks a returned call's result and errno.
func (r *runner) complete(c *call, ret int64, errno string) {
	sc := c.ev.Syscall
	if c.ev.Syscall.HasEnd && r.blocking == nil && c.startUs >= 0 && r.now == usToTime(c.startUs) {
		if msg := r.checkTime(TimeAbsolute, c.endUs, c.endUs, c.startUs, r.now, "system call return"); msg != "" {
			r.fail("%s", msg)
		}
	}
	want, ok := r.eval(sc.Result)
	if !ok {
		r.unsupported("the result %s of %s", sc.Result, sc.Name)
	}
	actual := fmt.Sprintf("%d", ret)
	if ret < 0 && errno != "" {
		actual += " " + errno
	}
	if sc.Name == "socket" || sc.Name == "accept" {
		// packetdrill's CHECK_FD: any descriptor for a non-negative result.
		if want >= 0 && ret >= 0 {
			return
		}
	}
	if ret != want {
		r.fail("%s returned %s, expected %s", sc.Name, actual, expectedString(sc))
	}
	if sc.Errno != "" && errno != sc.Errno && errnoValue[errno] != errnoValue[sc.Errno] {
		r.fail("%s returned %s, expected %s", sc.Name, actual, expectedString(sc))
	}
}

func expectedString(sc *SyscallSpec) string {
	s := sc.Result.String()
	if sc.Errno != "" {
		s += " " + sc.Errno
	}
	return s
}

// eval turns an expression into an integer: numbers, known symbols, ORs
// and one-element lists.
func (r *runner) eval(e *Expr) (int64, bool) {
	switch e.Kind {
	case ExprInt:
		return e.Int, true
	case ExprWord:
		v, ok := symbols[e.Word]
		if !ok {
			v, ok = errnoValue[e.Word]
		}
		return v, ok
	case ExprOr:
		var v int64
		for _, x := range e.Elems {
			xv, ok := r.eval(x)
			if !ok {
				return 0, false
			}
			v |= xv
		}
		return v, true
	case ExprList:
		if len(e.Elems) == 1 {
			return r.eval(e.Elems[0])
		}
	}
	return 0, false
}

// sock looks up an argument's descriptor.
func (r *runner) sock(sc *SyscallSpec, i int) *socket {
	if i >= len(sc.Args) {
		r.stop(Result{Kind: Error, Msg: fmt.Sprintf("%s needs at least %d arguments", sc.Name, i+1)})
	}
	fd, ok := r.eval(sc.Args[i])
	if !ok {
		r.stop(Result{Kind: Error, Msg: fmt.Sprintf("%s: %s is not a file descriptor", sc.Name, sc.Args[i])})
	}
	s := r.sockets[int(fd)]
	if s == nil {
		r.stop(Result{Kind: Error, Msg: fmt.Sprintf("%s: no socket with fd %d", sc.Name, fd)})
	}
	return s
}

func (r *runner) intArg(sc *SyscallSpec, i int) int64 {
	if i >= len(sc.Args) {
		r.stop(Result{Kind: Error, Msg: fmt.Sprintf("%s needs at least %d arguments", sc.Name, i+1)})
	}
	v, ok := r.eval(sc.Args[i])
	if !ok {
		r.unsupported("argument %s of %s", sc.Args[i], sc.Name)
	}
	return v
}

func now(done bool, ret int64, errno string) func() (bool, int64, string) {
	return func() (bool, int64, string) { return done, ret, errno }
}

// prepare does a call's immediate effects and returns how to try it.
func (r *runner) prepare(sc *SyscallSpec) func() (bool, int64, string) {
	switch sc.Name {
	case "socket":
		return r.sysSocket(sc)
	case "bind":
		s := r.sock(sc, 0)
		s.port = defaultBindPort
		return now(true, 0, "")
	case "listen":
		s := r.sock(sc, 0)
		backlog := int(r.intArg(sc, 1))
		h := r.ensureHost()
		if s.port == 0 {
			s.port = defaultBindPort
		}
		r.applyFastOpen(s, false)
		l, err := h.Listen(s.port, max(backlog, 1), r.newCC(s))
		if err != nil {
			return now(true, -1, "EADDRINUSE")
		}
		s.listener, s.state = l, sockListening
		if r.sut == nil || r.sut.sock == s {
			r.sut = &sut{sock: s, listening: true, hostPort: s.port, tsMap: map[uint32]uint32{}}
		}
		return now(true, 0, "")
	case "accept":
		return r.sysAccept(sc)
	case "connect":
		return r.sysConnect(sc)
	case "write", "send":
		s := r.sock(sc, 0)
		if len(sc.Args) > 1 && sc.Args[1].Kind == ExprWord && sc.Args[1].Word == "NULL" {
			return now(true, -1, "EFAULT")
		}
		n := r.intArg(sc, 2)
		nonblock, more := s.nonblock, false
		if sc.Name == "send" {
			nonblock = nonblock || r.sendFlags(sc, 3)
			more = r.intArg(sc, 3)&symbols["MSG_MORE"] != 0
		}
		return r.sysWrite(s, n, nonblock, more)
	case "sendto":
		return r.sysSendto(sc)
	case "read", "recv", "recvfrom":
		s := r.sock(sc, 0)
		if len(sc.Args) > 1 && sc.Args[1].Kind == ExprWord && sc.Args[1].Word == "NULL" {
			return now(true, -1, "EFAULT")
		}
		n := r.intArg(sc, 2)
		nonblock := s.nonblock
		peek := false
		if sc.Name != "read" {
			f := r.intArg(sc, 3)
			if f&^(symbols["MSG_DONTWAIT"]|symbols["MSG_PEEK"]) != 0 {
				r.unsupported("%s flags %s", sc.Name, sc.Args[3])
			}
			nonblock = nonblock || f&symbols["MSG_DONTWAIT"] != 0
			peek = f&symbols["MSG_PEEK"] != 0
		}
		return r.sysRead(s, n, nonblock, peek)
	case "close":
		return r.sysClose(sc)
	case "shutdown":
		s := r.sock(sc, 0)
		how := r.intArg(sc, 1)
		if s.conn == nil {
			return now(true, -1, "ENOTCONN")
		}
		if how == symbols["SHUT_RD"] || how == symbols["SHUT_RDWR"] {
			s.shutRd = true
		}
		if how == symbols["SHUT_WR"] || how == symbols["SHUT_RDWR"] {
			s.shutWr = true
			s.conn.CloseWrite()
		}
		return now(true, 0, "")
	case "fcntl":
		s := r.sock(sc, 0)
		switch cmd := r.intArg(sc, 1); cmd {
		case symbols["F_GETFL"]:
			fl := symbols["O_RDWR"]
			if s.nonblock {
				fl |= symbols["O_NONBLOCK"]
			}
			return now(true, fl, "")
		case symbols["F_SETFL"]:
			s.nonblock = r.intArg(sc, 2)&symbols["O_NONBLOCK"] != 0
			return now(true, 0, "")
		}
		r.unsupported("fcntl command %s", sc.Args[1])
	case "ioctl":
		s := r.sock(sc, 0)
		req := r.intArg(sc, 1)
		if s.conn == nil || len(sc.Args) != 3 {
			r.unsupported("ioctl on a socket that is not connected")
		}
		var got int64
		switch req {
		case symbols["SIOCINQ"]:
			got = int64(s.conn.Readable())
		case symbols["SIOCOUTQ"]:
			got = int64(s.conn.Buffered())
		default:
			r.unsupported("ioctl request %s", sc.Args[1])
		}
		if want := sc.Args[2]; want.Kind != ExprEllipsis {
			if w, ok := r.eval(want); !ok || w != got {
				r.fail("ioctl %s gave %d, expected %s", sc.Args[1], got, want)
			}
		}
		return now(true, 0, "")
	case "poll":
		return r.sysPoll(sc)
	case "setsockopt":
		return r.sysSetsockopt(sc)
	case "getsockopt":
		return r.sysGetsockopt(sc)
	}
	r.unsupported("the system call %s", sc.Name)
	return nil
}

// sendFlags checks send flags the stack can honour and reports
// MSG_DONTWAIT.
func (r *runner) sendFlags(sc *SyscallSpec, i int) bool {
	f := r.intArg(sc, i)
	allowed := symbols["MSG_DONTWAIT"] | symbols["MSG_NOSIGNAL"] | symbols["MSG_FASTOPEN"] | symbols["MSG_MORE"]
	if f&^allowed != 0 {
		r.unsupported("%s flags %s", sc.Name, sc.Args[i])
	}
	return f&symbols["MSG_DONTWAIT"] != 0
}

func (r *runner) newCC(s *socket) func() cc.CongestionControl {
	name := s.ccName
	if name == "" {
		name = r.ccName
	}
	if _, err := cc.New(name); err != nil {
		r.unsupported("congestion control %q: %v", name, err)
	}
	return func() cc.CongestionControl {
		alg, _ := cc.New(name)
		return alg
	}
}

func (r *runner) sysSocket(sc *SyscallSpec) func() (bool, int64, string) {
	if len(sc.Args) != 3 {
		r.stop(Result{Kind: Error, Msg: "socket takes 3 arguments"})
	}
	if d := sc.Args[0]; d.Kind != ExprEllipsis && !(d.Kind == ExprWord && d.Word == "AF_INET") {
		r.unsupported("socket domain %s", d)
	}
	typ := sc.Args[1]
	nonblock := false
	if v, ok := r.eval(typ); !ok || v&^symbols["SOCK_NONBLOCK"] != symbols["SOCK_STREAM"] {
		r.unsupported("socket type %s", typ)
	} else {
		nonblock = v&symbols["SOCK_NONBLOCK"] != 0
	}
	if p := sc.Args[2]; p.Kind != ExprEllipsis && !(p.Kind == ExprWord && p.Word == "IPPROTO_TCP") && !(p.Kind == ExprInt && p.Int == 0) {
		r.unsupported("socket protocol %s", p)
	}
	fd, ok := r.eval(sc.Result)
	if !ok || fd < 0 {
		r.unsupported("socket() expected to fail")
	}
	s := &socket{fd: int(fd), nonblock: nonblock, opts: map[string]int64{}}
	r.sockets[s.fd] = s
	r.sut = &sut{sock: s, tsMap: map[uint32]uint32{}}
	return now(true, fd, "")
}

func (r *runner) sysAccept(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	fd, ok := r.eval(sc.Result)
	if s.listener == nil {
		return now(true, -1, "EINVAL")
	}
	nonblock := s.nonblock
	return func() (bool, int64, string) {
		c := s.listener.Accept()
		if c == nil {
			if nonblock {
				return true, -1, "EAGAIN"
			}
			return false, 0, ""
		}
		if !ok || fd < 0 {
			fd = int64(len(r.sockets) + 3)
			for r.sockets[int(fd)] != nil {
				fd++
			}
		}
		child := &socket{fd: int(fd), state: sockConnected, conn: c, port: s.port, opts: map[string]int64{}}
		if s.opts["TCP_CORK"] != 0 {
			// An accepted socket inherits the listener's options.
			child.opts["TCP_CORK"] = 1
			c.SetCork(true)
		}
		r.sockets[child.fd] = child
		if u := r.sut; u != nil && u.hostPort == c.LocalPort() && u.peerPort == c.RemotePort() {
			u.sock = child
		}
		return true, fd, ""
	}
}
