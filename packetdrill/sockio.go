package packetdrill

// The calls that move data and connections: connect (and Fast Open's
// deferred connect), write, send and sendto, read and recv, close. Each
// returns a try function that the runner calls until the call returns, so
// that a blocking call can wait in virtual time.

import (
	"errors"
	"io"

	"github.com/ccbench/ccbench/stack"
)

// connect starts an active open on s, to the peer's port 8080.
func (r *runner) startConnect(s *socket) {
	h := r.ensureHost()
	r.applyFastOpen(s, true)
	c, err := h.Connect(r.now, 0, peerAddr, defaultBindPort, r.newCC(s)())
	if err != nil {
		r.unsupported("connect: %v", err)
	}
	s.conn, s.state = c, sockConnecting
	s.conn.SetCork(s.opts["TCP_CORK"] != 0)
	r.sut = &sut{sock: s, hostPort: c.LocalPort(), peerPort: defaultBindPort, tsMap: map[uint32]uint32{}}
}

func (r *runner) sysConnect(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	switch {
	case s.state == sockListening:
		return now(true, -1, "EISCONN")
	case s.state == sockNew && s.tfoConnect && r.env.fastOpen&tfoClient != 0 &&
		r.host != nil && r.host.FastOpenCookie(peerAddr) != nil:
		// TCP_FASTOPEN_CONNECT with a cookie: connect returns at once and
		// the SYN leaves with the first write. Without one the SYN leaves
		// now, asking for a cookie.
		s.tfoDeferred, s.state, s.connectDone = true, sockConnecting, true
		return now(true, 0, "")
	case s.state == sockNew:
		r.startConnect(s)
		if s.nonblock {
			r.step()
			return now(true, -1, "EINPROGRESS")
		}
	case s.connectDone && s.conn != nil && s.conn.Err() == nil:
		return now(true, -1, "EISCONN")
	}
	nonblock := s.nonblock
	return func() (bool, int64, string) {
		c := s.conn
		if c == nil {
			return true, -1, "EISCONN"
		}
		if err := c.Err(); err != nil && !s.errTaken {
			s.errTaken = true
			return true, -1, connErrno(err)
		}
		switch c.State() {
		case stack.SynSent, stack.SynReceived:
			if nonblock {
				return true, -1, "EALREADY"
			}
			return false, 0, ""
		case stack.Closed:
			return true, -1, "ECONNABORTED"
		}
		if s.connectDone {
			return true, -1, "EISCONN"
		}
		s.connectDone, s.state = true, sockConnected
		return true, 0, ""
	}
}

// pendingErr returns the connection's error once, as Linux's sk_err.
func pendingErr(s *socket) string {
	if s.conn == nil || s.errTaken {
		return ""
	}
	if err := s.conn.Err(); err != nil {
		s.errTaken = true
		return connErrno(err)
	}
	return ""
}

// sysWrite is write(2), and send(2) with MSG_MORE when more is set.
func (r *runner) sysWrite(s *socket, n int64, nonblock, more bool) func() (bool, int64, string) {
	if s.tfoDeferred {
		// The first write of a TCP_FASTOPEN_CONNECT socket sends the SYN
		// with its data.
		s.tfoDeferred = false
		r.startConnect(s)
		return r.fastOpenSend(s, n, nonblock)
	}
	written := int64(0)
	return func() (bool, int64, string) {
		if s.conn == nil {
			return true, -1, "EPIPE"
		}
		if e := pendingErr(s); e != "" {
			return true, -1, e
		}
		if s.shutWr || s.conn.State() == stack.Closed {
			return true, -1, "EPIPE"
		}
		switch st := s.conn.State(); {
		case st == stack.SynReceived && s.conn.Negotiated().FastOpen:
			// A Fast Open child may send before the handshake completes
			// (tcp_sendmsg_locked's tcp_passive_fastopen exception).
		case st == stack.SynSent, st == stack.SynReceived:
			if nonblock {
				return true, -1, "EAGAIN"
			}
			return false, 0, ""
		}
		write := s.conn.Write
		if more {
			write = s.conn.WriteMore
		}
		k, err := write(make([]byte, n-written))
		written += int64(k)
		if err != nil && written == 0 {
			return true, -1, "EPIPE"
		}
		if k > 0 {
			r.drain()
		}
		if written == n || err != nil {
			return true, written, ""
		}
		if nonblock {
			if written > 0 {
				return true, written, ""
			}
			return true, -1, "EAGAIN"
		}
		return false, 0, ""
	}
}

func (r *runner) sysRead(s *socket, n int64, nonblock, peek bool) func() (bool, int64, string) {
	return func() (bool, int64, string) {
		if s.conn == nil {
			return true, -1, "ENOTCONN"
		}
		if s.shutRd && s.conn.Readable() == 0 {
			return true, 0, ""
		}
		if peek {
			if k := min(int64(s.conn.Readable()), n); k > 0 {
				return true, k, ""
			}
		} else {
			buf := make([]byte, n)
			k, err := s.conn.Read(buf)
			if k > 0 {
				r.drain()
				return true, int64(k), ""
			}
			if errors.Is(err, io.EOF) {
				return true, 0, ""
			}
		}
		if s.conn.PeerClosed() {
			return true, 0, ""
		}
		if e := pendingErr(s); e != "" {
			return true, -1, e
		}
		if s.conn.State() == stack.Closed {
			return true, 0, ""
		}
		if nonblock {
			return true, -1, "EAGAIN"
		}
		return false, 0, ""
	}
}

func (r *runner) sysSendto(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	if len(sc.Args) > 1 && sc.Args[1].Kind == ExprWord && sc.Args[1].Word == "NULL" {
		return now(true, -1, "EFAULT")
	}
	n := r.intArg(sc, 2)
	flags := r.intArg(sc, 3)
	nonblock := s.nonblock || r.sendFlags(sc, 3)
	if flags&symbols["MSG_FASTOPEN"] != 0 && s.conn != nil && s.conn.State() == stack.SynSent {
		// A second Fast Open sendto while the first connect is under way.
		return now(true, -1, "EALREADY")
	}
	if flags&symbols["MSG_FASTOPEN"] == 0 || s.state != sockNew {
		return r.sysWrite(s, n, nonblock, flags&symbols["MSG_MORE"] != 0)
	}
	if len(sc.Args) > 4 && sc.Args[4].Kind == ExprWord && sc.Args[4].Word == "AF_UNSPEC" ||
		r.env.fastOpen&tfoClient == 0 {
		// Linux: a Fast Open sendto to an AF_UNSPEC address, or with
		// client Fast Open off in tcp_fastopen.
		return now(true, -1, "EOPNOTSUPP")
	}
	// MSG_FASTOPEN: connect and send in one call.
	s.tfoConnect = true
	r.startConnect(s)
	cookie := r.host.FastOpenCookie(peerAddr) != nil
	if !cookie || n == 0 {
		// Without a cookie Linux sends a SYN with a cookie request and
		// keeps none of the data: the call acts as a connect.
		r.step()
		if nonblock {
			return now(true, -1, "EINPROGRESS")
		}
		return r.sysWrite(s, n, false, false)
	}
	return r.fastOpenSend(s, n, nonblock)
}

// fastOpenSend writes the data of a Fast Open connect that has a cookie:
// it leaves on the SYN; a blocking call returns once the handshake is
// done, a non-blocking one at once with what the SYN carries.
func (r *runner) fastOpenSend(s *socket, n int64, nonblock bool) func() (bool, int64, string) {
	if nonblock {
		// Linux queues and returns only what the SYN carries
		// (tcp_send_syn_data): the rest is the application's to send
		// again once connected.
		n = min(n, int64(s.conn.FastOpenSYNRoom()))
	}
	k, _ := s.conn.Write(make([]byte, n))
	r.step()
	if nonblock {
		if k == 0 {
			// Nothing rode on the SYN: the handshake must come first.
			return now(true, -1, "EINPROGRESS")
		}
		return now(true, int64(k), "")
	}
	return func() (bool, int64, string) {
		switch s.conn.State() {
		case stack.SynSent:
			return false, 0, ""
		}
		if e := pendingErr(s); e != "" {
			return true, -1, e
		}
		return true, int64(k), ""
	}
}

func (r *runner) sysClose(sc *SyscallSpec) func() (bool, int64, string) {
	s := r.sock(sc, 0)
	switch {
	case s.listener != nil:
		s.listener.Close()
	case s.conn != nil && s.linger0:
		s.conn.Abort()
	case s.conn != nil:
		s.conn.Close()
	}
	s.state = sockClosed
	delete(r.sockets, s.fd)
	return now(true, 0, "")
}
