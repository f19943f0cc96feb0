package runner

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"math/rand/v2"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// flow is one sender and receiver application pair: a bulk (or fixed-size)
// writer on one side and a reader that drains everything on the other, like
// iperf.
type flow struct {
	id   int
	spec FlowSpec
	// accessLink is the flow's access link's place in world.links, -1
	// when it has none.
	accessLink int
	sender     *hostNode
	receiver   *hostNode
	listener   *stack.Listener
	conn       *stack.Conn // sender side
	peer       *stack.Conn // receiver side
	started    units.Time

	written, read int64
	closed        bool
	completedAt   units.Time // when the receiver read the last byte, or -1

	// The sender's bytes: a fixed pseudo-random block reused cyclically
	// (cheap), or a ChaCha8 stream hashed on both ends when verifying, or
	// none with virtual payload.
	block    []byte
	chacha   *rand.ChaCha8
	chunk    []byte
	sentHash hash.Hash
	readHash hash.Hash
	// expect regenerates the sender's stream at the receiver, so every
	// byte read is compared with the byte written at that offset, which
	// also works for bulk flows still in flight when the run ends.
	expect     *rand.ChaCha8
	expBuf     []byte
	mismatched bool
	// checked counts the bytes check compared, and intact the first of
	// them that matched, up to the first one that did not.
	checked, intact int64

	// An incast flow (incast.go): its group, the bytes of requests read
	// and not yet answered, what the sender may write so far, whether
	// the receiver owes a request, and the rounds it has answered.
	incast         *incastGroup
	requestBytes   int64
	quota          int64
	requestPending bool
	answeredRounds int
}

// appAhead is how much unsent data the bulk application keeps queued at
// least.
const appAhead = 256 << 10

// blockLen is prime so that the cyclic pattern does not line up with
// segment or buffer sizes.
const blockLen = 65521

// newFlow makes a flow whose sender writes real bytes, as the tun driver
// needs.
func newFlow(id int, spec FlowSpec, sc Scenario) *flow { return newFlowPayload(id, spec, sc, false) }

// newFlowPayload makes a flow; with virtual its sender writes lengths
// only (stack.Config.VirtualPayload), unless sc.Verify asks for bytes.
func newFlowPayload(id int, spec FlowSpec, sc Scenario, virtual bool) *flow {
	f := &flow{id: id, spec: spec, completedAt: -1, accessLink: -1}
	seed := seedFor(sc.Seed, "payload", id)
	if sc.Verify {
		var key [32]byte
		for i := range 4 {
			v := seedFor(seed, "key", i)
			for j := range 8 {
				key[8*i+j] = byte(v >> (8 * j))
			}
		}
		f.chacha = rand.NewChaCha8(key)
		f.expect = rand.NewChaCha8(key)
		f.chunk = make([]byte, 64<<10)
		f.expBuf = make([]byte, 64<<10)
		f.sentHash, f.readHash = sha256.New(), sha256.New()
	} else if !virtual {
		r := rand.New(rand.NewPCG(seed, 1))
		f.block = make([]byte, 2*blockLen)
		for i := range blockLen {
			f.block[i] = byte(r.Uint32())
		}
		copy(f.block[blockLen:], f.block[:blockLen])
	}
	return f
}

func (f *flow) start(now units.Time) error {
	alg, err := cc.New(f.spec.CC)
	if err != nil {
		return err
	}
	h := f.sender.host
	f.conn, err = h.Connect(now, 0, f.receiver.host.Addr(), serverPort, alg)
	if err != nil {
		return err
	}
	f.started = now
	return nil
}

// stop ends the sender's writing and closes the connection; a flow that
// has not started by then never does.
func (f *flow) stop() {
	if f.sender.startPending {
		f.sender.startPending = false
	}
	if f.conn == nil || f.closed {
		f.closed = true
		return
	}
	f.conn.Close()
	f.closed = true
}

// senderApp keeps the send buffer full until the flow's size is written,
// then closes.
func (f *flow) senderApp(now units.Time) {
	c := f.conn
	if c == nil || f.closed {
		return
	}
	if f.incast != nil {
		f.incastSenderApp()
	}
	// Like a real bulk sender the application always has data ready, but
	// it keeps only a bounded amount queued beyond what the window can
	// take: the send buffer then stays warm in the cache, which matters
	// more for simulation speed than anything the stack does. The sender
	// is never application-limited either way.
	lowWater := max(appAhead, 2*c.CC().Cwnd())
	for c.Unsent() < lowWater {
		room := int64(c.WriteSpace())
		if f.spec.Size > 0 {
			room = min(room, f.spec.Size-f.written)
		}
		if f.incast != nil {
			room = min(room, f.quota-f.written)
		}
		if room <= 0 {
			break
		}
		var p []byte
		var n int
		var err error
		switch {
		case f.chacha != nil:
			p = f.chunk[:min(room, int64(len(f.chunk)))]
			f.chacha.Read(p)
			n, err = c.Write(p)
		case f.block != nil:
			off := int(f.written % blockLen)
			p = f.block[off : off+int(min(room, blockLen))]
			n, err = c.Write(p)
		default:
			// Virtual payload: the same writes, of lengths only.
			n, err = c.WriteCount(int(min(room, blockLen)))
		}
		if err != nil || n == 0 {
			return
		}
		if f.sentHash != nil {
			f.sentHash.Write(p[:n])
		}
		f.written += int64(n)
	}
	// CLOSE in SYN-SENT deletes the connection (RFC 9293 §3.10.4), so a
	// flow whose bytes all fit in the send buffer before the handshake
	// completes closes once it has: the SYN-ACK pumps the sender again.
	if f.spec.Size > 0 && f.written == f.spec.Size && c.State() != stack.SynSent {
		c.Close()
		f.closed = true
	}
}

// receiverApp accepts the connection and reads everything that arrived.
func (f *flow) receiverApp(now units.Time) {
	if f.peer == nil {
		if f.peer = f.listener.Accept(); f.peer == nil {
			return
		}
	}
	c := f.peer
	// Consume in place: the application looks at the bytes where the
	// stack holds them, like a zero-copy socket read, when verifying;
	// otherwise it only counts them.
	if f.readHash != nil {
		for a, b := c.Peek(); len(a)+len(b) > 0; a, b = c.Peek() {
			f.readHash.Write(a)
			f.readHash.Write(b)
			f.check(a)
			f.check(b)
			c.Discard(len(a) + len(b))
			f.read += int64(len(a) + len(b))
		}
	} else if n := c.Readable(); n > 0 {
		c.Discard(n)
		f.read += int64(n)
	}
	if f.spec.Size > 0 && f.read == f.spec.Size && f.completedAt < 0 {
		f.completedAt = now
	}
	if f.incast != nil {
		f.incastReceiverApp(now)
	}
	if c.PeerClosed() && c.State() == stack.CloseWait {
		c.Close()
	}
}

// check compares bytes read with the sender's stream at the same offset.
func (f *flow) check(p []byte) {
	for len(p) > 0 {
		n := min(len(p), len(f.expBuf))
		f.expect.Read(f.expBuf[:n])
		if !f.mismatched && !bytes.Equal(p[:n], f.expBuf[:n]) {
			f.mismatched = true
			i := 0
			for p[i] == f.expBuf[i] {
				i++
			}
			f.intact = f.checked + int64(i)
		}
		f.checked += int64(n)
		p = p[n:]
	}
	if !f.mismatched {
		f.intact = f.checked
	}
}

// verification is what Scenario.Verify checked of the flow, for its
// summary. Only meaningful with Scenario.Verify.
func (f *flow) verification() metrics.Verification {
	v := metrics.Verification{
		SizeBytes:      f.spec.Size,
		WrittenBytes:   f.written,
		DeliveredBytes: f.read,
		VerifiedBytes:  f.intact,
	}
	v.Complete = f.spec.Size > 0 && f.completedAt >= 0 && f.verified()
	return v
}

// verified reports whether every byte the receiver read equals the byte
// the sender wrote at that offset, and, for a flow that finished, whether
// the SHA-256 of everything read equals that of everything written. Only
// meaningful with Scenario.Verify.
func (f *flow) verified() bool {
	if f.sentHash == nil || f.mismatched || f.read > f.written {
		return false
	}
	if f.spec.Size > 0 && f.completedAt >= 0 {
		return f.written == f.read && bytes.Equal(f.sentHash.Sum(nil), f.readHash.Sum(nil))
	}
	return true
}
