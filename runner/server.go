package runner

// The server application of a lifecycle experiment: it accepts every
// connection its listener completes, reads the whole request (whose first
// four bytes give its length), writes the response and then closes as
// ServerSpec.Close says. CloseNever is the classic leak: the application
// never calls close(2), so every connection whose client has closed stays
// in CLOSE-WAIT (RFC 9293 §3.6) for as long as the process lives.

import (
	"encoding/binary"

	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// serverApp is the server host's application.
type serverApp struct {
	spec     ServerSpec
	listener *stack.Listener
	// active are the connections the application still looks after.
	active []serverConn
	filler []byte
}

// serverConn is one accepted connection.
type serverConn struct {
	c *stack.Conn
	// header collects the request's length prefix; need is the request
	// length once it is known.
	header  [4]byte
	headerN int
	need    int64
	read    int64
	written int64
}

func newServerApp(spec ServerSpec, l *stack.Listener) *serverApp {
	return &serverApp{spec: spec, listener: l, filler: make([]byte, min(spec.Response, fillerLen))}
}

// act accepts what the listener holds and moves every connection forward.
func (s *serverApp) act(now units.Time) {
	for c := s.listener.Accept(); c != nil; c = s.listener.Accept() {
		s.active = append(s.active, serverConn{c: c, need: -1})
	}
	kept := s.active[:0]
	for i := range s.active {
		if s.progress(&s.active[i]) {
			kept = append(kept, s.active[i])
		}
	}
	clear(s.active[len(kept):])
	s.active = kept
}

// progress reads x's request, writes its response once the request is
// complete, and closes; it reports whether the application keeps x.
func (s *serverApp) progress(x *serverConn) bool {
	c := x.c
	if c.State() == stack.Closed {
		return false
	}
	if x.headerN < len(x.header) {
		first, second := c.Peek()
		x.takeHeader(first)
		x.takeHeader(second)
	}
	if n := c.Readable(); n > 0 {
		c.Discard(n)
		x.read += int64(n)
	}
	complete := x.need >= 0 && x.read >= x.need
	for complete && x.written < s.spec.Response {
		n, _ := c.Write(s.filler[:min(int64(len(s.filler)), s.spec.Response-x.written)])
		if n == 0 {
			break
		}
		x.written += int64(n)
	}
	switch {
	case complete && x.written == s.spec.Response:
		switch s.spec.Close {
		case CloseAfterResponse:
			c.Close()
			return false
		case CloseNever:
			return false
		}
		if c.PeerClosed() {
			c.Close()
			return false
		}
	case c.PeerClosed():
		// The client gave up before its request was complete.
		if s.spec.Close != CloseNever {
			c.Close()
		}
		return false
	}
	return true
}

// takeHeader copies the first bytes of the request into the length
// prefix until it is complete.
func (x *serverConn) takeHeader(b []byte) {
	for _, v := range b {
		if x.headerN == len(x.header) {
			break
		}
		x.header[x.headerN] = v
		x.headerN++
		if x.headerN == len(x.header) {
			x.need = max(int64(binary.BigEndian.Uint32(x.header[:])), int64(len(x.header)))
		}
	}
}
