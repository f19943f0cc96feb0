// What a driver outside this package (the real-time one, package
// tun/tunrun) needs of the sim driver's parts to run the same scenario the
// same way: the flows' applications and their payload, the recorder, the
// flows' names, the seeds and the receivers' port.

package runner

import (
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// ServerPort is the port the sim driver's receivers listen on (iperf's
// traditional one); the tun driver's flow i listens on ServerPort+i.
const ServerPort = serverPort

// SeedFor is the seed of one component of a run whose seed is base: a
// label and an index give each component its own independent,
// reproducible stream.
func SeedFor(base uint64, label string, i int) uint64 { return seedFor(base, label, i) }

// NewRecorder is the recorder of a run of sc, for either driver; it keeps
// every sample.
func NewRecorder(sc *Scenario) *metrics.Recorder { return newRecorder(sc) }

// FlowName is flow id's name in a run's recorder and summary, with its
// algorithm cc.
func FlowName(id int, cc string) string { return flowName(id, cc) }

// AppFlow is one flow's applications as the sim driver runs them: a sender
// writing the flow's bytes (its size, or until the run ends for a bulk
// flow) and a receiver reading everything, checking the bytes against the
// sender's stream and its SHA-256 when Scenario.Verify is set. A flow on
// ccbench's stack runs them with SenderApp and ReceiverApp, exactly as the
// sim does; a flow over other sockets (the kernel's) writes what Payload
// gives, and reports what it wrote with Sent and what it read with
// Received, so the bytes and their verification are the same whichever
// driver and endpoints carry them. Its methods are not safe for
// concurrent use, except that the sender's (Payload, Sent) and the
// receiver's (Received) may run on different goroutines.
type AppFlow struct{ f *flow }

// NewAppFlow is flow id of sc, with spec, whose sender writes real bytes.
func NewAppFlow(id int, spec FlowSpec, sc Scenario) *AppFlow {
	return &AppFlow{f: newFlow(id, spec, sc)}
}

// Started records the time the sender connected, and its connection when
// it is on ccbench's stack (nil otherwise).
func (a *AppFlow) Started(now units.Time, c *stack.Conn) {
	a.f.conn = c
	a.f.started = now
}

// Conn is the sender's connection on ccbench's stack, nil before Started
// or when the sender is not on the stack.
func (a *AppFlow) Conn() *stack.Conn { return a.f.conn }

// Listen makes l the listener ReceiverApp accepts the flow's connection
// from.
func (a *AppFlow) Listen(l *stack.Listener) { a.f.listener = l }

// Peer is the receiver's connection on ccbench's stack, nil until
// ReceiverApp has accepted it.
func (a *AppFlow) Peer() *stack.Conn { return a.f.peer }

// SenderApp keeps the stack connection's send buffer full until the
// flow's size is written, then closes it.
func (a *AppFlow) SenderApp(now units.Time) { a.f.senderApp(now) }

// ReceiverApp accepts the flow's connection from its listener and reads,
// and checks, everything that arrived.
func (a *AppFlow) ReceiverApp(now units.Time) { a.f.receiverApp(now) }

// Payload is the next bytes of the sender's stream, at most max of them
// and no more than a sized flow has left to write; empty once a sized flow
// is written. Sent must follow with what of them was written.
func (a *AppFlow) Payload(max int64) []byte {
	f := a.f
	room := max
	if f.spec.Size > 0 {
		room = min(room, f.spec.Size-f.written)
	}
	if room <= 0 {
		return nil
	}
	if f.chacha != nil {
		p := f.chunk[:min(room, int64(len(f.chunk)))]
		f.chacha.Read(p)
		return p
	}
	off := int(f.written % blockLen)
	return f.block[off : off+int(min(room, blockLen))]
}

// Sent accounts for p, the first bytes of the last Payload, as written.
func (a *AppFlow) Sent(p []byte) {
	if a.f.sentHash != nil {
		a.f.sentHash.Write(p)
	}
	a.f.written += int64(len(p))
}

// Received accounts for p as read by the receiver at now, checking it when
// verifying; the flow completes at now if p is its last byte.
func (a *AppFlow) Received(now units.Time, p []byte) {
	f := a.f
	if f.readHash != nil {
		f.readHash.Write(p)
		f.check(p)
	}
	f.read += int64(len(p))
	if f.spec.Size > 0 && f.read == f.spec.Size && f.completedAt < 0 {
		f.completedAt = now
	}
}

// Written is how many bytes the sender wrote.
func (a *AppFlow) Written() int64 { return a.f.written }

// Read is how many bytes the receiver read.
func (a *AppFlow) Read() int64 { return a.f.read }

// CompletedAt is when the receiver read a sized flow's last byte, or -1.
func (a *AppFlow) CompletedAt() units.Time { return a.f.completedAt }

// Verified reports whether every byte read equals the byte written at that
// offset and, for a flow that completed, whether the SHA-256 of everything
// read equals that of everything written. Only meaningful with
// Scenario.Verify.
func (a *AppFlow) Verified() bool { return a.f.verified() }

// FillVerification records in each flow's summary in s what verification
// checked of it. flows are indexed by flow ID.
func FillVerification(s *metrics.Summary, flows []*AppFlow) {
	fs := make([]*flow, len(flows))
	for i, a := range flows {
		fs[i] = a.f
	}
	fillVerification(s, fs)
}
