package packetdrill

// poll(2) on the script's sockets, with the events Linux's tcp_poll
// reports:
//
//   - POLLIN: data to read, the peer's FIN, an error, or (on a listener)
//     a connection to accept.
//   - POLLOUT: a connection that can send with at least a third of its
//     send buffer free (Linux's sk_stream_is_writeable: free space at
//     least half the queued bytes), or a Fast Open connect whose SYN waits
//     for the first write.
//   - POLLERR: an error not yet reported; POLLHUP: a closed connection;
//     POLLRDHUP: the peer's FIN.
//
// POLLERR and POLLHUP are reported whether asked for or not. The call
// returns when some descriptor has events or when its timeout (in
// milliseconds; -1 waits for ever) expires, then with 0.

import (
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// Linux's poll bits.
const (
	pollIn    = 0x1
	pollPri   = 0x2
	pollOut   = 0x4
	pollErr   = 0x8
	pollHup   = 0x10
	pollRdHup = 0x2000
)

func init() {
	for k, v := range map[string]int64{"POLLIN": pollIn, "POLLPRI": pollPri, "POLLOUT": pollOut, "POLLERR": pollErr,
		"POLLHUP": pollHup, "POLLRDHUP": pollRdHup, "POLLRDNORM": 0x40, "POLLWRNORM": 0x100} {
		symbols[k] = v
	}
}

// pollFD is one entry of poll's array.
type pollFD struct {
	s               *socket
	events, revents int64
	hasRevents      bool
}

// pollEvents is what tcp_poll would report for s.
func pollEvents(s *socket) int64 {
	var m int64
	switch {
	case s.listener != nil:
		if s.listener.Pending() > 0 {
			m |= pollIn
		}
		return m
	case s.tfoDeferred:
		return pollOut
	case s.conn == nil:
		return pollOut | pollHup
	}
	c := s.conn
	if c.Err() != nil && !s.errTaken {
		m |= pollErr
	}
	st := c.State()
	if st == stack.Closed {
		m |= pollHup | pollIn | pollRdHup
		return m
	}
	if st == stack.SynSent || st == stack.SynReceived && c.Readable() == 0 {
		return m
	}
	if c.Readable() > 0 || c.PeerClosed() || s.shutRd {
		m |= pollIn
	}
	if c.PeerClosed() {
		m |= pollRdHup
		if s.shutWr {
			m |= pollHup
		}
	}
	if !s.shutWr && c.WriteSpace() > 0 && c.WriteSpace() >= c.Buffered()/2 {
		m |= pollOut
	}
	return m
}

func (r *runner) sysPoll(sc *SyscallSpec) func() (bool, int64, string) {
	if len(sc.Args) != 3 || sc.Args[0].Kind != ExprList {
		r.stop(Result{Kind: Error, Msg: "poll takes [{fd=N, events=E, revents=R}, ...], nfds, timeout"})
	}
	var fds []pollFD
	for _, e := range sc.Args[0].Elems {
		if e.Kind != ExprStruct {
			r.stop(Result{Kind: Error, Msg: "poll: each entry is {fd=N, events=E, revents=R}"})
		}
		var p pollFD
		for _, f := range e.Elems {
			if f.Kind != ExprAssign {
				continue
			}
			v, ok := r.eval(f.Elems[0])
			if !ok {
				r.unsupported("poll field %s", f)
			}
			switch f.Word {
			case "fd":
				p.s = r.sockets[int(v)]
				if p.s == nil {
					r.stop(Result{Kind: Error, Msg: "poll: no socket with fd " + f.Elems[0].String()})
				}
			case "events":
				p.events = v
			case "revents":
				p.revents, p.hasRevents = v, true
			}
		}
		if p.s == nil {
			r.stop(Result{Kind: Error, Msg: "poll: an entry without fd"})
		}
		fds = append(fds, p)
	}
	timeoutMs := r.intArg(sc, 2)
	deadline := units.Time(-1)
	if timeoutMs >= 0 {
		deadline = r.now.Add(units.Duration(timeoutMs) * units.Millisecond)
		r.wakeAt = deadline
	}
	return func() (bool, int64, string) {
		n := int64(0)
		got := make([]int64, len(fds))
		for i, p := range fds {
			got[i] = pollEvents(p.s) & (p.events | pollErr | pollHup)
			if got[i] != 0 {
				n++
			}
		}
		if n == 0 && (deadline < 0 || r.now < deadline) {
			return false, 0, ""
		}
		r.wakeAt = units.Never
		for i, p := range fds {
			if p.hasRevents && got[i] != p.revents {
				r.fail("poll: fd %d revents %s, expected %s", p.s.fd, pollString(got[i]), pollString(p.revents))
			}
		}
		return true, n, ""
	}
}

func pollString(m int64) string {
	if m == 0 {
		return "0"
	}
	s := ""
	for _, b := range []struct {
		bit  int64
		name string
	}{{pollIn, "POLLIN"}, {pollPri, "POLLPRI"}, {pollOut, "POLLOUT"}, {pollErr, "POLLERR"}, {pollHup, "POLLHUP"}, {pollRdHup, "POLLRDHUP"}} {
		if m&b.bit != 0 {
			if s != "" {
				s += "|"
			}
			s += b.name
		}
	}
	return s
}
