package runner

// The client application of a lifecycle experiment: short
// request/response connections opened at a fixed rate, the load of a web
// or RPC client. Each connection, at its arrival time, connects from an
// ephemeral port, writes its request, reads the whole response and closes,
// which makes the client the active closer that holds TIME-WAIT for 2·MSL
// (RFC 9293 §3.6) unless the server closes first. With a bounded port
// range and enough connections per second, every port is in TIME-WAIT at
// once and connect fails: port exhaustion, counted, never fatal.
//
// The request starts with its own length as four big-endian bytes, so the
// server knows where it ends without a close; the response length is the
// server's setting, which the client knows as an HTTP client knows a
// Content-Length.

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// hostApp is the application on a lifecycle host; pump runs it before
// taking the host's packets.
type hostApp interface {
	act(now units.Time)
}

// clientApp is one client host's application.
type clientApp struct {
	life *lifecycle
	id   int
	spec ClientSpec
	node *hostNode
	// arrivals is the agent that opens its connections.
	arrivals sim.AgentID
	// censusHost is the host's index in the census and its attempts.
	censusHost int
	response   int64
	// k counts arrivals; t is the Poisson process's last arrival.
	k    uint64
	t    float64
	rng  *rand.Rand
	stop units.Time
	// active are the connections still reading their response.
	active []clientConn
	// request holds the request's first bytes, its length prefix in
	// front; the rest of a longer request repeats its body.
	request []byte
}

// clientConn is one connection in progress.
type clientConn struct {
	c       *stack.Conn
	attempt int
	written int64
	read    int64
}

// fillerLen bounds the buffer request bodies are written from.
const fillerLen = 16 << 10

func newClientApp(w *world, id int, spec ClientSpec, seed uint64) *clientApp {
	c := &clientApp{
		life: w.life, id: id, spec: spec, censusHost: 1 + id,
		response: w.sc.Lifecycle.Server.Response,
		rng:      rand.New(rand.NewPCG(seed, 0x636c69656e74)), // "client"
		stop:     w.end + 1,
		t:        spec.Start.Seconds(),
		request:  make([]byte, min(spec.Request, fillerLen)),
	}
	if spec.Stop > 0 {
		c.stop = units.Time(spec.Stop)
	}
	binary.BigEndian.PutUint32(c.request, uint32(spec.Request))
	return c
}

// nextArrival is when the next connection opens, or units.Never. Periodic
// arrival k is at Start + k/Rate, computed from k so the rate is exact over
// any span.
func (c *clientApp) nextArrival() units.Time {
	// Each time is compared with the stop before it becomes a Time: at a
	// tiny rate it is beyond int64 nanoseconds, or +Inf, and would wrap.
	k := c.k
	c.k++
	var at units.Time
	if c.spec.Poisson {
		c.t += c.rng.ExpFloat64() / c.spec.Rate
		ns := math.Round(c.t * 1e9)
		if !(ns < float64(c.stop)) {
			return units.Never
		}
		at = units.Time(ns)
	} else {
		ns := math.Round(float64(k) * 1e9 / c.spec.Rate)
		if !(ns < float64(c.stop-units.Time(c.spec.Start))) {
			return units.Never
		}
		at = units.Time(c.spec.Start) + units.Time(ns)
	}
	if at >= c.stop {
		return units.Never
	}
	return at
}

// connect opens one connection. A connect that finds no free port is
// recorded as a failed attempt at once; any other error is a fault of the
// scenario.
func (c *clientApp) connect(now units.Time) error {
	alg, err := cc.New(c.spec.CC)
	if err != nil {
		return err
	}
	a := metrics.Attempt{Host: c.censusHost, Start: now, Established: -1, Done: -1}
	conn, err := c.node.host.Connect(now, 0, serverAddr, httpPort, alg)
	if errors.Is(err, stack.ErrNoEphemeralPort) {
		a.Done, a.Outcome = now, metrics.OutcomeNoPort
		if c.life.firstNoPort < 0 {
			c.life.firstNoPort = now
		}
		c.life.attempts = append(c.life.attempts, a)
		return nil
	}
	if err != nil {
		return err
	}
	a.LocalPort = conn.LocalPort()
	c.life.attempts = append(c.life.attempts, a)
	c.active = append(c.active, clientConn{c: conn, attempt: len(c.life.attempts) - 1})
	return nil
}

// act moves every connection in progress forward.
func (c *clientApp) act(now units.Time) {
	kept := c.active[:0]
	for i := range c.active {
		if c.progress(now, &c.active[i]) {
			kept = append(kept, c.active[i])
		}
	}
	clear(c.active[len(kept):])
	c.active = kept
}

// progress writes what remains of x's request and reads what arrived of
// its response; it reports whether x is still in progress.
func (c *clientApp) progress(now units.Time, x *clientConn) bool {
	a := &c.life.attempts[x.attempt]
	conn := x.c
	st := conn.State()
	if st == stack.Closed {
		a.Done, a.Outcome = now, failure(conn.Err())
		return false
	}
	if a.Established < 0 && st != stack.SynSent {
		a.Established = now
	}
	// The request is written at once, before the SYN leaves, so that a
	// Fast Open connection can carry it on the SYN, and in one piece up
	// to the buffer's size: a small request written in two pieces would
	// wait for the server's delayed ACK of the first (Nagle's algorithm).
	for x.written < c.spec.Request {
		var p []byte
		if x.written < int64(len(c.request)) {
			p = c.request[x.written:]
		} else {
			body := c.request[4:]
			p = body[:min(int64(len(body)), c.spec.Request-x.written)]
		}
		n, _ := conn.Write(p)
		if n == 0 {
			break
		}
		x.written += int64(n)
	}
	if n := conn.Readable(); n > 0 {
		conn.Discard(n)
		x.read += int64(n)
	}
	switch {
	case a.Established >= 0 && x.written == c.spec.Request && x.read >= c.response:
		a.Done, a.Outcome = now, metrics.OutcomeOK
		conn.Close()
		return false
	case conn.PeerClosed():
		// The server closed before the whole response arrived.
		a.Done, a.Outcome = now, metrics.OutcomeReset
		conn.Close()
		return false
	}
	return true
}

// failure maps why a connection ended to the attempt's outcome.
func failure(err error) metrics.Outcome {
	switch {
	case errors.Is(err, stack.ErrConnectionRefused):
		return metrics.OutcomeRefused
	case errors.Is(err, stack.ErrTimedOut):
		return metrics.OutcomeTimeout
	}
	return metrics.OutcomeReset
}
