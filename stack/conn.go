// Package stack is a TCP/IPv4 implementation written as a pure state
// machine: no goroutines, no clock reads, no I/O. A driver hands it packets
// and the current time and takes packets out:
//
//	Host.Input(now, pkt)   one arriving IPv4 packet
//	Host.Output(now)       the next packet that may leave, or nil
//	Host.NextDeadline()    when to call OnTimer next
//	Host.OnTimer(now)      run expired timers
//
// The application side of a connection is a byte stream: Conn.Write,
// Conn.Read, Conn.Close.
//
// What it follows: RFC 9293 (TCP), RFC 6298 (retransmission timer),
// RFC 5681 (congestion control: slow start and congestion avoidance
// delegated to a cc.CongestionControl; fast retransmit and fast recovery
// kept here, with the window during recovery set by proportional rate
// reduction, RFC 6937, as Linux's core does), RFC 6582 (NewReno's
// recovery point, so one loss episode is one congestion event), RFC 7323
// (window scale and timestamps), RFC 5961 (RST and SYN checks), RFC 1122
// §4.2.3.2 and RFC 5681 §4.2 (delayed ACKs), RFC 7413 (Fast Open).
package stack

import (
	"errors"
	"io"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Errors a connection reports to its application.
var (
	ErrConnectionReset   = errors.New("connection reset by peer")
	ErrConnectionRefused = errors.New("connection refused")
	ErrTimedOut          = errors.New("connection timed out")
	ErrClosed            = errors.New("connection closed")
)

// fourTuple identifies a connection on a host.
type fourTuple struct {
	localAddr, remoteAddr wire.Addr
	localPort, remotePort uint16
}

// Conn is one TCP connection.
type Conn struct {
	host  *Host
	id    fourTuple
	cfg   *Config
	state State
	err   error // why the connection ended, for the application

	// Send sequence space (RFC 9293 §3.3.1).
	iss    Seq
	sndUna Seq // oldest unacknowledged sequence number
	sndNxt Seq // next sequence number to send
	sndMax Seq // highest sequence number ever sent plus one
	sndWnd int // peer's receive window, scaled
	sndWl1 Seq // segment sequence number of the last window update
	sndWl2 Seq // segment acknowledgment number of the last window update
	sndBuf sendBuffer
	sent   sentQueue
	// finQueued is set when the application has closed: a FIN follows the
	// last byte in the send buffer, at sequence number finSeq.
	finQueued bool
	finSeq    Seq
	// chrono times what held the sender back (chrono.go).
	chrono chrono
	// PSH and corking (push.go): the push point among unsent bytes, the
	// segments of the GSO packet being sent and where its next one
	// starts, the end of the last sub-MSS packet (Minshall's snd_sml),
	// TCP_CORK and a held MSG_MORE write, and the last retransmission.
	pushSeq   Seq
	pushValid bool
	gsoSegs   int
	gsoNext   Seq
	sndSml    Seq
	cork      bool
	moreHeld  bool
	nagleOff  bool // for one call: a tail loss probe ignores Nagle
	// pushQueued lets the data queued when TCP_NODELAY was set go past
	// the cork and Nagle (PushQueued).
	pushQueued bool
	rtxRunEnd  Seq
	rtxRunAt   units.Time

	// Receive sequence space.
	irs    Seq
	rcvBuf recvBuffer
	rcvWup Seq // RCV.NXT when the last window was advertised
	rcvAdv Seq // right edge of the last advertised window
	// Linux's window growth (rcvwnd.go): rcv_ssthresh, window_clamp, the
	// payload-to-truesize ratio in 1/256 (0 until measured) and
	// tp->advmss.
	rcvSsthresh  int
	windowClamp  int
	scalingRatio int
	tpAdvMSS     int
	winMemo      windowMemo // advertiseLinux's
	finRcvd      bool
	peerFin      Seq
	finValid     bool // peerFin holds the sequence number of a FIN seen out of order

	// Negotiated options.
	sndMSS   int   // payload bytes per segment, after options
	sndShift uint8 // window-scale shift applied to the peer's windows
	rcvShift uint8 // shift the peer applies to ours
	tsOK     bool
	tsRecent uint32
	sackOK   bool
	// sackRecovery and recMode are useSACK's and recoveryMode's
	// answers, fixed with sackOK (setSACKOK): the sender's window
	// arithmetic and every ACK ask them several times.
	sackRecovery bool
	recMode      RecoveryMode
	synOptsSent  wire.Options

	// SACK generation (RFC 2018, RFC 2883): the starts of the most recently
	// received out-of-order segments, newest first, and a D-SACK owed.
	sackRecent   [wire.MaxSACKBlocks]Seq
	nSackRecent  int
	dsack        seqRange
	dsackPending bool
	maxSndWnd    int // largest window the peer has offered

	// ACK generation.
	ackNow     bool       // send an ACK at the next Output
	ackPending int        // full-sized segments received and not yet acknowledged
	ackAt      units.Time // delayed-ACK deadline, Never if none
	// drained is set by output when the packet it returns leaves nothing
	// to send: a visit at the same instant would find nothing and repeat
	// only what this one did, so the host takes the connection out of
	// its ready set without making it (Host.Output).
	drained bool
	// ackSched is set while received data awaits an acknowledgment
	// (Linux's ICSK_ACK_SCHED); quickAcks counts the ACKs quick-ACK mode
	// still sends at once (icsk_ack.quick); dataSeen and lastDataAt
	// follow tcp_event_data_recv (icsk_ack.ato != 0, lrcvtime).
	ackSched   bool
	quickAcks  int
	dataSeen   bool
	lastDataAt units.Time
	// rcvMSSEst is the receiver's estimate of the peer's segment size
	// (Linux's icsk_ack.rcv_mss, tcp_measure_rcv_mss).
	rcvMSSEst int
	// lastSegSize and the two "pushed" marks are tcp_measure_rcv_mss's
	// icsk_ack.last_seg_size, ICSK_ACK_PUSHED and ICSK_ACK_PUSHED2: a
	// short segment arrived since the last ACK (twice, for the second).
	lastSegSize           int
	ackPushed, ackPushed2 bool
	// ato is the adaptive delayed-ACK timeout (icsk_ack.ato), pingpong
	// Linux's interactive mode (inet_csk_in_pingpong_mode), and ackCheck
	// asks for the ACK decision once the segment is processed.
	ato          units.Duration
	pingpong     bool
	ackCheck     bool
	challengeAt  units.Time
	challengeCnt int

	// Retransmission timer (RFC 6298) and the other single-shot timers.
	rtt      rttEstimator
	rtxAt    units.Time // retransmission deadline, Never when stopped
	timeWait units.Time // end of TIME-WAIT or of an orphaned FIN-WAIT-2
	retries  int        // consecutive expiries without progress
	tsOffset uint32
	listener *Listener // set until a passive open completes
	tfo      tfoState  // TCP Fast Open (fastopen.go)

	// firstSYNAt is when an active open sent its first SYN (Linux's
	// retrans_stamp for the handshake, synExpired).
	firstSYNAt units.Time
	// ACKs for dropped segments (challenge.go): when the last one went
	// (Linux's last_oow_ack_time), oowAcked once there is one; the
	// challenge ACKs of the current second are challengeAt, challengeCnt.
	lastOOWAck units.Time
	oowAcked   bool

	// Loss recovery (recovery.go, rack.go).
	cc         cc.CongestionControl
	dupAcks    int
	inRecovery bool
	// rtoRecovery is set from a retransmission timeout until everything
	// outstanding at it is acknowledged (Linux's CA_Loss state).
	rtoRecovery bool
	// frto is Linux's tp->frto: this Loss state may still turn out to be
	// a spurious timeout (Config.FRTO, Conn.processLoss). frtoNew asks
	// Output to send new data instead of retransmissions after the ACK
	// that found SND.UNA advanced (Linux's REXMIT_NEW).
	frto, frtoNew bool
	// origAcked and rtxAcked say what the ACK being processed reported
	// delivered: some data never retransmitted, up to "recover", that was
	// not SACKed before (Linux's FLAG_ORIG_SACK_ACKED), and some
	// retransmitted data covered cumulatively (FLAG_RETRANS_DATA_ACKED).
	origAcked, rtxAcked bool
	recover             Seq // RFC 6582 "recover": SND.MAX when recovery began
	partialAcks         int // partial ACKs in the current NewReno recovery
	// renoPartialExits counts the reno mode's recoveries ended by an ACK
	// below their "recover" since SND.UNA last reached it.
	renoPartialExits int
	// rtxPending asks Output to send the oldest lost record at once,
	// whatever the window (the fast retransmission).
	rtxPending bool
	// Proportional rate reduction (RFC 6937, Linux's tcp_cwnd_reduction):
	// bytes delivered and sent since recovery began, cwnd when it began,
	// and the window PRR set on the last ACK, which is the congestion
	// window until recovery ends (unless the algorithm controls recovery).
	prrDelivered, prrOut, priorCwnd, recoveryCwnd int
	// renoSacked is Linux's sacked_out for a sender without SACK recovery
	// (tcp_add_reno_sack): one segment per duplicate ACK, the data that
	// left the network to cause it, taken back as cumulative ACKs cover it.
	renoSacked int
	// lastSACK is the first SACK block of the last ACK that carried one,
	// kept when the peer sends SACK but the recovery mode ignores it: a
	// change in it is RFC 5681 §2's "previously unknown SACK information",
	// which makes an ACK a duplicate even when its window changed.
	lastSACK wire.SACKBlock
	// ccControlsRecovery caches cc.ControlsRecovery(cc).
	ccControlsRecovery bool
	// ccTSO is cc as a cc.TSOSizer, or nil.
	ccTSO cc.TSOSizer
	rack  rackState
	// Undo of a spurious reduction (Linux's undo_marker, undo_retrans,
	// prior_cwnd and prior_ssthresh): set when fast recovery begins; the
	// retransmissions of the episode not yet reported by a D-SACK; the
	// window and threshold to restore.
	undoActive, undoRetransSent   bool
	undoMarker                    Seq
	undoRetrans                   int
	undoPriorCwnd, undoPriorSsthr int
	// cwndLimited is Linux's is_cwnd_limited, latched until SND.UNA passes
	// cwndUsageSeq (tcp_cwnd_validate).
	cwndLimited  bool
	cwndUsageSeq Seq
	lastSend     units.Time

	// Timers beyond the retransmission timer: the RACK reordering timer,
	// the keepalive timer, and which kind the retransmission timer is.
	rtxKind     timerKind
	reorderAt   units.Time
	keepaliveAt units.Time
	kaProbes    int
	swsOverride bool // the persist timer lets a small segment out
	// Pacing: the earliest time the next data segment may leave, and
	// whether Output held one back for it.
	nextSendAt units.Time
	// pacingTx keeps the pacer's last transmission time: at one rate,
	// full segments cost the same.
	pacingTx units.TxTimeMemo
	// lastPayload is the payload of the segment build made last, what
	// an algorithm's pacing rate charges for it.
	lastPayload int
	// tsoMemo is computeTSOSegs' last answer, which is tsoSegs' GSO
	// size while tsoValid (push.go).
	tsoMemo tsoMemo
	// tsoDeferred is set when tsoDefer held new data back, until the next
	// arriving segment, timer or write: Linux looks again only when one of
	// those runs tcp_write_xmit, not as time passes.
	tsoDeferred bool
	// synRepeat is set while a Fast Open child builds a repeated SYN-ACK
	// (repeatSynAck), whose window is the SYN's again (advertise).
	synRepeat  bool
	pacingWait bool
	tsoValid   bool // tsoMemo's answer is tsoSegs' (push.go)
	// persistBackoff counts zero-window probes sent in this episode.
	persistBackoff int
	persisting     bool // zero-window probing (RFC 9293 §3.8.6.1)
	// Probes owed at the next Output: a zero-window probe, a keepalive, a
	// tail loss probe.
	zwpPending, kaPending, tlpProbe bool
	// orphaned is set once the application has closed: FIN-WAIT-2 then
	// times out (Linux's tcp_fin_timeout).
	orphaned bool

	// ECN (RFC 3168): negotiated, owed echo, and the end of the window in
	// which the sender last reacted.
	ecnOK   bool
	eceEcho bool
	// An ACK owed for the data before a CE-state change (RFC 8257 §3.2):
	// its acknowledgment number and ECE flag.
	stateAck    bool
	stateAckSeq Seq
	stateAckECE bool
	cwrPending  bool
	cwrEnd      Seq
	// inCWR is Linux's CA_CWR state: an ECN-Echo reduced ssthresh, and
	// the window falls to it by proportional rate reduction, with PRR's
	// counters, until an ACK passes cwrEnd (tcp_enter_cwr,
	// tcp_cwnd_reduction, tcp_end_cwnd_reduction).
	inCWR bool

	stats ConnStats
	rate  rateState

	// The host's scheduling of the connection (schedule.go): its index in
	// the host's list (-1 once closed), its index and key in the deadline
	// heap (-1 and Never when out of it), and whether the key is stale.
	pos      int
	heapIdx  int
	deadline units.Time
	staleKey bool

	// OnRTTSample, if set, is called with every RTT sample the connection
	// takes, for delay distributions in the metrics layer.
	OnRTTSample func(units.Duration)

	// Scratch values reused on every segment so the per-packet path
	// allocates nothing.
	ack cc.Ack
	ev  cc.Event
	seg wire.Segment
	// segFixed is set once build has written seg's fields that never
	// change: the addresses, ports, TTL and (nil) payload.
	segFixed bool
}

// ConnStats are a connection's counters.
type ConnStats struct {
	SegmentsSent, SegmentsReceived int64
	BytesSent                      int64 // payload bytes, including retransmissions
	BytesAcked                     int64 // payload bytes cumulatively acknowledged
	BytesReceived                  int64 // in-order payload bytes accepted
	BytesRead                      int64 // bytes the application has read
	Retransmits                    int64 // segments retransmitted
	RetransmittedBytes             int64
	FastRetransmits                int64
	Timeouts                       int64
	LossUndos                      int64 // timeouts undone (F-RTO or D-SACKs, Linux's TCPLossUndo)
	DupAcksReceived                int64
	OutOfOrderSegments             int64
	DroppedSegments                int64 // unacceptable segments
	DSACKsReceived                 int64
	DSACKsSent                     int64
	PAWSDrops                      int64
	TLPProbes                      int64
	ZeroWindowProbes               int64
	KeepaliveProbes                int64
	ECNReductions                  int64 // window reductions in answer to ECN-Echo
	CEReceived                     int64 // data segments that arrived marked CE
}

// Probe is a snapshot of a connection's state for metrics.
type Probe struct {
	State      State
	Cwnd       int
	Ssthresh   int
	SRTT       units.Duration
	RTTVar     units.Duration
	RTO        units.Duration
	LastRTT    units.Duration
	MinRTT     units.Duration
	Inflight   int
	PacingRate units.Rate
	Phase      string
	InRecovery bool
	ConnStats
}

// Probe returns a snapshot of the connection's state.
func (c *Conn) Probe() Probe {
	return Probe{
		State:      c.state,
		Cwnd:       c.cwnd(),
		Ssthresh:   c.cc.Ssthresh(),
		SRTT:       c.rtt.srtt,
		RTTVar:     c.rtt.rttvar,
		RTO:        c.rtt.current(),
		LastRTT:    c.rtt.latest,
		MinRTT:     c.rtt.minRTT,
		Inflight:   c.pipe(),
		PacingRate: c.pacingRate(),
		Phase:      c.cc.Phase(),
		InRecovery: c.inRecovery,
		ConnStats:  c.stats,
	}
}

// State returns the connection's state.
func (c *Conn) State() State { return c.state }

// Err returns why the connection ended abnormally, or nil.
func (c *Conn) Err() error { return c.err }

// LocalPort and RemotePort identify the connection.
func (c *Conn) LocalPort() uint16  { return c.id.localPort }
func (c *Conn) RemotePort() uint16 { return c.id.remotePort }

// CC returns the connection's congestion controller.
func (c *Conn) CC() cc.CongestionControl { return c.cc }

// newConn makes a connection with initial send sequence number iss and no
// buffers: a half-open connection in a listener's SYN queue costs about
// 1.5 KB, not the megabytes of its buffers, which allocateBuffers adds when
// the connection can carry data.
func newConn(h *Host, id fourTuple, iss Seq, alg cc.CongestionControl) *Conn {
	cfg := &h.cfg
	c := &Conn{
		host:   h,
		id:     id,
		cfg:    cfg,
		sent:   newSentQueue(1),
		rcvBuf: recvBuffer{limit: cfg.RcvBuf},
		rtt:    newRTTEstimator(cfg),
		cc:     alg,
		ackAt:  units.Never,
		// A nil alg (a test's) controls nothing.
		ccControlsRecovery: cc.ControlsRecovery(alg),
		ccTSO:              tsoSizer(alg),
		rtxAt:              units.Never,
		timeWait:           units.Never,
		reorderAt:          units.Never,
		keepaliveAt:        units.Never,
		sndMSS:             536,
		pos:                -1,
		heapIdx:            -1,
		deadline:           units.Never,
	}
	c.setSACKOK(false)
	c.iss = iss
	c.sndUna, c.sndNxt, c.sndMax, c.recover = iss, iss, iss, iss
	c.sndSml = iss
	c.sent.highSacked = iss
	c.cwrEnd, c.cwndUsageSeq = iss, iss
	c.sndBuf.start = iss.Add(1)
	return c
}

// allocateBuffers gives a connection its send and receive buffers, which
// nothing has been written to yet. They take memory only as data fills
// them (chunks.go), and the retransmission queue doubles as the window
// first reaches each size, so an established connection with nothing to
// send or read costs about what a half-open one does, and the data path
// allocates only while a connection's window first grows, never in a
// steady state.
func (c *Conn) allocateBuffers() {
	if c.sndBuf.ready() {
		return
	}
	virtual := c.cfg.VirtualPayload
	sb := newSendBuffer(c.cfg.SndBuf, c.host.chunks, virtual)
	sb.start = c.sndBuf.start
	c.sndBuf = sb
	rb := newRecvBuffer(c.cfg.RcvBuf, c.host.chunks, virtual)
	rb.nxt = c.rcvBuf.nxt
	c.rcvBuf = rb
}

// inflight is FlightSize (RFC 5681 §2): data sent and not yet acknowledged.
func (c *Conn) inflight() int { return c.sndNxt.Sub(c.sndUna) }

// Write queues application data and returns how much fit in the send buffer.
// It returns ErrClosed once the connection can no longer send.
// The write is pushed: its end is a push point (push.go).
func (c *Conn) Write(p []byte) (int, error) { return c.write(p, false) }

// WriteCount queues up to n bytes whose content the application does not
// choose, as Write would queue them: zero bytes, or with
// Config.VirtualPayload bytes that exist only as a count. It returns how
// many fit.
func (c *Conn) WriteCount(n int) (int, error) { return c.writeCount(n) }

// WriteSpace is how many bytes Write would accept now.
func (c *Conn) WriteSpace() int {
	if c.finQueued {
		return 0
	}
	return c.sndBuf.free()
}

// Unsent is how many written bytes have not been sent yet.
func (c *Conn) Unsent() int { return c.sndBuf.end().Sub(c.sndNxt) }

// Buffered is how many written bytes are not yet acknowledged.
func (c *Conn) Buffered() int { return c.sndBuf.n }

// Read copies received in-order data into p (with Config.VirtualPayload
// it counts them and leaves p as it was). Once the peer's FIN has
// arrived and everything before it has been read, it returns io.EOF; with
// nothing to read yet it returns 0 and no error.
func (c *Conn) Read(p []byte) (int, error) {
	c.host.touch(c)
	n := c.rcvBuf.read(p)
	if n > 0 {
		c.stats.BytesRead += int64(n)
		c.afterRead(n)
		return n, nil
	}
	if c.finRcvd {
		return 0, io.EOF
	}
	if c.err != nil {
		return 0, c.err
	}
	return 0, nil
}

// Peek returns the first received in-order bytes not yet read, without
// copying, as up to two slices that stay valid until the next call into
// the connection: all of them when they fit (up to ChunkSize bytes always
// do), otherwise a prefix, so an application that wants everything peeks
// and discards until Peek returns nothing. Discard consumes them. With
// Config.VirtualPayload there are no bytes and Peek returns nothing;
// Readable counts them.
func (c *Conn) Peek() (first, second []byte) { return c.rcvBuf.peek() }

// Discard consumes the first n bytes Peek returned, as Read would.
func (c *Conn) Discard(n int) {
	c.host.touch(c)
	n = min(n, c.rcvBuf.unread)
	if n <= 0 {
		return
	}
	c.rcvBuf.discard(n)
	c.stats.BytesRead += int64(n)
	c.afterRead(n)
}

// Readable is how many bytes Read would return now.
func (c *Conn) Readable() int { return c.rcvBuf.unread }

// PeerClosed reports whether the peer's FIN has arrived and every byte
// before it has been read.
func (c *Conn) PeerClosed() bool { return c.finRcvd && c.rcvBuf.unread == 0 }

// Close is the application's close(2): it is done with the connection in
// both directions. A FIN follows any queued data (RFC 9293 §3.10.4); data
// still unread, or arriving later, is answered with RST (RFC 9293 §3.6,
// RFC 2525 §2.17, and Linux for an orphaned socket); FIN-WAIT-2 times out
// after Config.FinWait2Timeout. CloseWrite is the half-close.
func (c *Conn) Close() {
	c.host.touch(c)
	if c.rcvBuf.unread > 0 && (c.state.synchronized() || c.state == SynReceived) {
		// Also a Fast Open child whose SYN data was not read, as Linux's
		// tcp_close resets for unread data whatever the state.
		c.Abort()
		return
	}
	c.orphaned = true
	c.CloseWrite()
}

// CloseWrite is shutdown(SHUT_WR): a FIN follows any queued data, and the
// application goes on reading until the peer's FIN.
func (c *Conn) CloseWrite() {
	c.host.touch(c)
	c.tsoDeferred = false // the FIN ends the last buffer: it will not wait
	switch c.state {
	case SynSent:
		c.terminate(ErrClosed)
		return
	case SynReceived:
		// The FIN follows once the handshake completes (RFC 9293 §3.10.4).
	case Established:
		c.state = FinWait1
	case CloseWait:
		c.state = LastAck
	default:
		return
	}
	if !c.finQueued {
		c.finQueued = true
		c.finSeq = c.sndBuf.end()
	}
}

// Abort resets the connection: a RST goes to the peer and the connection is
// closed at once. The RST carries an ACK of what was received, as Linux's
// tcp_send_active_reset sends it (RFC 9293 §3.10.4 names only the RST).
func (c *Conn) Abort() {
	if c.state.synchronized() || c.state == SynReceived {
		c.queueActiveReset()
	}
	c.terminate(ErrClosed)
}

// queueActiveReset queues the RST|ACK of an abort, with the connection's
// timestamps when it uses them, its value read as the RST leaves
// (tcp_send_active_reset builds it with the socket's options).
func (c *Conn) queueActiveReset() {
	r := ctlSegment{id: c.id, seq: c.sndNxt, ack: c.rcvNxt(), flags: FlagRST | FlagACK}
	if c.tsOK {
		r.opts.HasTimestamps = true
		r.opts.TSEcr = c.tsRecent
		r.stampTS, r.tsOff = true, c.tsOffset
	}
	c.host.queueControl(&r)
}

// terminate moves to CLOSED and releases the connection from the host.
func (c *Conn) terminate(err error) {
	if c.state == Closed {
		return
	}
	if c.err == nil && err != ErrClosed {
		c.err = err
	}
	c.state = Closed
	c.chronoStop()
	// Nothing more is sent: the unacknowledged bytes' chunks go back to
	// the pool. Received bytes stay readable.
	c.sndBuf.dropChunks()
	c.rtxAt, c.ackAt, c.timeWait = units.Never, units.Never, units.Never
	c.reorderAt, c.keepaliveAt, c.pacingWait = units.Never, units.Never, false
	c.host.remove(c)
}

// packet gives the connection a fresh buffer from its host's pool.
func (c *Conn) packet() *packet.Packet { return c.host.pool.Get() }
