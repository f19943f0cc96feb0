package stack

import (
	"fmt"

	"github.com/ccbench/ccbench/units"
)

// Profiles. The linux profile (DefaultConfig) follows Linux 6.x, read
// against 6.18; the rfc profile (RFCConfig) follows the RFCs as written.
// Where they differ:
//
//	behaviour                  linux (function)                           rfc
//	minimum RTO                200 ms (TCP_RTO_MIN)                        1 s (RFC 6298 §2.4)
//	RTO formula                SRTT + max(4·mdev, rto_min), per-RTT decay  max(min, SRTT + 4·RTTVAR)
//	                           (tcp_rtt_estimator, __tcp_set_rto)          (RFC 6298 §2.2-2.3)
//	slow-start growth per ACK  all segments acked (tcp_slow_start)         L = 2 (RFC 3465 §2.3)
//	loss recovery              RACK-TLP with SACK (tcp_rack_mark_lost,     RFC 6675 + PRR
//	                           tcp_schedule_loss_probe)
//	without SACK               NewReno (tcp_is_reno path)                  NewReno (RFC 6582)
//	delayed ACK                quick-ACK mode, then every 2nd segment or   every 2nd full-sized segment
//	                           40 ms (tcp_incr_quickack, __tcp_ack_snd_check) or 40 ms (RFC 5681 §4.2)
//	ACKs for dropped segments  one per 500 ms per connection, challenge    every one; challenge ACKs 10/s
//	                           ACKs included (tcp_oow_rate_limited,        (RFC 5961 §7)
//	                           tcp_send_challenge_ack)
//	TIME-WAIT                  RST ends it, new SYN reuses it, ACKs        RST ignored (RFC 1337),
//	                           rate-limited (tcp_timewait_state_process)   RFC 9293 §3.10.7.4
//	SYN retransmissions        4 at 1 s, then backed off                   backed off from the first
//	                           (tcp_syn_linear_timeouts)                   (RFC 6298 §5.5)
//	segment acceptance         tcp_sequence, tcp_replace_ts_recent, ACK    RFC 9293 §3.10.7.4, RFC 7323 §4.3
//	                           of unsent data dropped (tcp_ack)
//	window scale               from tcp_rmem[2] = 32 MiB: 10               from the buffer: 7 at 4 MiB
//	                           (tcp_select_initial_window)                 (RFC 7323 §2.3)
//	receive window             capped by rcv_ssthresh, which grows 2 MSS   the free buffer, moved by
//	                           per segment from the SYN's window, with a   min(buffer/2, MSS)
//	                           quick ACK for each (tcp_grow_window,        (RFC 9293 §3.8.6.2.2)
//	                           __tcp_select_window)
//
// Choices that follow Linux in both profiles, because the RFCs leave them
// open: the initial window of 10 (RFC 6928), the window of our SYN and
// SYN-ACK (tcp_select_initial_window, see RcvSpaceInitial), a 40 ms delayed-ACK timeout
// (TCP_DELACK_MIN), the receiver's estimate of the peer's MSS
// (tcp_measure_rcv_mss), the TLP timeout (tcp_schedule_loss_probe) and the
// RACK reordering window and timer (tcp_rack_reo_wnd, tcp_rack_mark_lost),
// Fast Open's SYN data sized to leave 40 bytes of options
// (tcp_send_syn_data), the final FIN segment held by cwnd like any other
// (6.x's tcp_cwnd_test), RST|ACK on an abort (tcp_send_active_reset), a
// crossed SYN's data discarded (tcp_rcv_synsent_state_process), SYN and
// SYN-ACK retries (tcp_syn_retries 6, tcp_synack_retries 5), tcp_retries2
// = 15, TIME-WAIT of 60 s, keepalive 2 h/75 s/9.
//
// Known differences from Linux that remain: no SACK compression
// (tcp_comp_sack); a SACK block that covers part of a segment SACKs that
// part, where Linux ignores it for a one-MSS skb (tcp_match_skb_to_sack); TSO deferral (tcp_tso_should_defer) is off unless
// asked for (see TSODeferral); of Linux's undo of a spurious
// reduction only the D-SACK undo outside recovery (tcp_try_undo_dsack),
// and the undo of a timeout by F-RTO (tcp_process_loss, tcp_try_undo_loss,
// see FRTO), not the undo in recovery or by timestamps
// (tcp_packet_delayed); no receive-buffer autotuning
// (tcp_rcv_space_adjust): the window clamp is RcvBuf from the start,
// where Linux's starts at tcp_rmem[1] and grows each round trip (see
// RcvBufInitial), and no socket memory, so a segment's truesize is a
// constant (RcvTruesize) and there is no tcp_clamp_window or memory
// pressure; pacing one segment at a time, not in tcp_tso_autosize-sized skbs
// (see sendNext); the RACK reordering timer and the probe timer are
// separate timers, not Linux's one retransmit timer.

// Config holds the tunables of a host's connections. The zero value is not
// usable; start from DefaultConfig (the linux profile) or RFCConfig (the
// rfc profile).
//
// The linux profile follows Linux 6.x (read against 6.18, the kernel the
// project's machines run): every field that differs between the profiles
// names the Linux function it follows and the RFC section the rfc profile
// follows instead. Individual fields may be changed after choosing a
// profile; Profile then only records where the settings started.
type Config struct {
	// Profile is the preset the configuration started from.
	Profile Profile
	// MSS is the maximum segment size this host advertises and sends with:
	// the MTU minus 40 bytes of IPv4 and TCP headers (RFC 9293 §3.7.1).
	MSS int
	// InitialWindow is the initial congestion window in segments. 10 follows
	// RFC 6928 and Linux; RFC 5681 §3.1 allows 2 to 4.
	InitialWindow int
	// SlowStartLimitSegments is the most slow start may grow cwnd on one
	// ACK, in segments: L of RFC 3465 §2.2 (Appropriate Byte Counting),
	// passed to the algorithm as cc.Ack.SlowStartLimit. 0, the default, is
	// Linux's tcp_slow_start, which has no limit: a stretch ACK grows cwnd
	// by every segment it acknowledges, up to ssthresh. 2 is RFC 3465's
	// recommendation.
	SlowStartLimitSegments int
	// DelayedACK is the longest an ACK may be held back (RFC 9293
	// §3.8.6.3 requires less than 0.5 s); 0 acknowledges every segment at
	// once. 40 ms is Linux's minimum delayed-ACK timeout (TCP_DELACK_MIN),
	// the value a bulk flow on Linux sees.
	DelayedACK units.Duration
	// InitialRTO is the retransmission timeout before any RTT sample: 1 s
	// per RFC 6298 §2.1.
	InitialRTO units.Duration
	// MinRTO is the floor of the computed RTO. RFC 6298 §2.4 says 1 s
	// (the rfc profile); linux uses its 200 ms TCP_RTO_MIN, because that is
	// what deployed TCPs and the kernel reference peer use, and comparisons
	// against them would otherwise be skewed by a five times slower recovery
	// from timeouts. How the floor enters the RTO depends on LinuxRTO.
	MinRTO units.Duration
	// LinuxRTO computes the RTO as Linux's tcp_rtt_estimator and
	// __tcp_set_rto do: SRTT + RTTVAR, where RTTVAR is never below MinRTO
	// (the variance term is max(4·mdev, rto_min), tracked per round trip
	// through mdev_max), so the floor is added to SRTT rather than applied
	// to the sum: 300 ms at a steady 100 ms RTT. Off (the rfc profile), RFC
	// 6298 §2.2-2.4: max(MinRTO, SRTT + max(G, 4·RTTVAR)), 250 ms there.
	// LinuxRTO also restarts the timer whenever SACK recovery retransmits
	// the oldest outstanding segment (tcp_xmit_retransmit_queue), where RFC
	// 6298 §5 restarts it only on an ACK of new data or an expiry.
	LinuxRTO bool
	// MaxRTO caps exponential backoff: 120 s as Linux (TCP_RTO_MAX); RFC
	// 6298 §2.5 allows any cap of at least 60 s.
	MaxRTO units.Duration
	// ClockGranularity is G in RFC 6298 §2.2-2.3: the smallest variance
	// term of the RTO. 1 ms, the resolution of Linux's RTT clock.
	ClockGranularity units.Duration
	// SndBuf and RcvBuf are the send and receive buffer sizes in bytes. The
	// receive buffer, counted in window bytes, bounds the advertised
	// window. Under LinuxRcvWindow the window opens towards it as Linux's
	// does (tcp_grow_window); otherwise the receiver offers all of its
	// free space after the handshake. Either way it stands for the buffer
	// Linux's autotuning (tcp_rcv_space_adjust) would grow to, which the
	// stack does not model: a bulk flow is never held below RcvBuf by a
	// buffer still growing.
	SndBuf, RcvBuf int
	// VirtualPayload makes payload a stream offset and a length: writes
	// advance the send buffer without storing bytes, segments leave with
	// their length and whatever the packet buffer held in place of data,
	// the receiver counts bytes without storing them, reads and discards
	// count, and no checksum is computed or verified. Headers go the same
	// way: a segment's IPv4 and TCP headers travel as metadata beside the
	// packet (wire.EncodeVirtual), which has their length on the wire but
	// never their bytes. The sequence of events and every packet length
	// are those of real payload; only bytes nobody observes are skipped. For a simulator run where no
	// application, capture or link reads or damages payload; both ends of
	// a connection must agree. Read then leaves its buffer untouched and
	// Peek returns nothing: applications use Readable and Discard.
	VirtualPayload bool
	// LinuxRcvWindow offers the receive window as Linux does (rcvwnd.go):
	// the free space capped by rcv_ssthresh, which starts at the SYN's
	// window and grows by two segments per data segment received up to
	// the window clamp (tcp_grow_window), rounded up to the window scale
	// (__tcp_select_window), the right edge never moving back
	// (tcp_select_window); each segment that grows it keeps quick-ACK mode
	// on (icsk_ack.quick |= 1), so the receiver ACKs every segment while
	// its window opens. An ACK for more than one full segment then leaves
	// at once only if the window it offers is no smaller than the last
	// (__tcp_ack_snd_check), and a read sends a window update when the
	// window offered could at least double (tcp_cleanup_rbuf). Off (the
	// rfc profile): the whole free buffer, moved only by at least
	// min(buffer/2, MSS) (RFC 9293 §3.8.6.2.2).
	LinuxRcvWindow bool
	// RcvTruesize is the memory Linux charges a received segment (skb
	// truesize), from which LinuxRcvWindow takes the payload-to-memory
	// ratio on full-sized segments (tcp_measure_rcv_mss, scaling_ratio)
	// and judges whether a segment may grow the window (tcp_grow_window's
	// check #2). 2304 bytes is the truesize of any frame from about 640
	// to 1660 bytes written to a tun device, as packetdrill and ccbench's
	// tun driver do: tun_alloc_skb puts it in one linear kmalloc-2048 head
	// (NET_SKB_PAD and the frame rounded up to 64 bytes, plus the
	// 320-byte skb_shared_info), and truesize adds the 256-byte sk_buff
	// to the 1728 bytes left for data: a ratio of 160/256 for 1448-byte
	// segments. The simulator uses the same value, so that it is
	// comparable with the kernel over tun; every segment is charged it,
	// whatever its size. 0 skips both uses (the ratio stays ½).
	RcvTruesize int
	// RcvBufInitial is Linux's receive buffer memory (sk_rcvbuf) when the
	// connection starts, tcp_rmem[1] = 131072, before autotuning grows
	// it: under LinuxRcvWindow the full space (tcp_full_space) is then
	// this times the payload-to-memory ratio (65536 at the default ½,
	// 56832 once a 1000-byte segment on the tun device measured 111/256),
	// at most RcvBuf, and the window clamp follows a new ratio
	// (tcp_measure_rcv_mss's tcp_set_window_clamp). The packetdrill runner
	// sets it, because its scripts are too short for autotuning to have
	// grown the buffer; 0, the default, takes the window clamp from
	// RcvBuf, the buffer autotuning would reach, since the stack does not
	// model tcp_rcv_space_adjust and a clamp stuck at 57 kB would hold
	// every simulated flow far below what Linux's reaches.
	RcvBufInitial int
	// RcvBufMax is the largest receive buffer the receive side could grow
	// to; only the window scale comes from it. Linux picks the scale of
	// its SYN and SYN-ACK (tcp_select_initial_window) as the shift that
	// fits max(buffer, tcp_rmem[2], rmem_max) into 16 bits, whatever the
	// buffer is at the time, so that autotuning may grow the window later:
	// 32 MiB, 6.18's tcp_rmem[2] (default "4096 131072 33554432"), gives
	// wscale 10 in the linux profile. 0 (the rfc profile): the smallest
	// shift that lets RcvBuf be advertised (RFC 7323 §2.3), 7 at 4 MiB.
	RcvBufMax int
	// RcvSpaceInitial is the receive space, in window bytes, that the
	// unscaled window of our SYN or SYN-ACK (RFC 7323 §2.2) is offered
	// from: Linux's tcp_full_space of a new socket, tcp_rmem[1] = 131072
	// bytes at the default skb->len/truesize ratio of ½
	// (TCP_DEFAULT_SCALING_RATIO), so 65536. As tcp_select_initial_window
	// does, the window is this space (at most RcvBuf) rounded down to a
	// multiple of the segment size the peer will send, capped at 65535:
	// 64240 at MSS 1460, 65160 at 1448 when timestamps are in use. Both
	// profiles: the RFCs leave the SYN's window open.
	RcvSpaceInitial int
	// Timestamps enables the RFC 7323 timestamp option when the peer also
	// offers it.
	Timestamps bool
	// WindowScaling enables the RFC 7323 window-scale option when the peer
	// also offers it.
	WindowScaling bool
	// NoDelay disables Nagle's algorithm (RFC 9293 §3.7.4), which the
	// stack applies in Minshall's variant, as Linux does (push.go).
	NoDelay bool
	// QuickACK is Linux's delayed-ACK engine: quick-ACK mode (tcp_incr_quickack,
	// tcp_enter_quickack_mode, tcp_in_quickack_mode): the first data of a
	// connection, data after a silence longer than the RTO, and a
	// duplicate or out-of-window segment each let the receiver acknowledge
	// every segment at once, for up to 16 ACKs bounded by
	// rcv_wnd/(2·rcv_mss); a CE mark grants two, and data carrying CWR
	// is acknowledged at once (tcp_ecn_accept_cwr); under LinuxRcvWindow,
	// every segment that grows the window grants one more. With it the
	// receiver also acknowledges at once when more than one full segment
	// (rcv_nxt − rcv_wup > rcv_mss) is unacknowledged and the window the
	// ACK would offer is no smaller than the last (__tcp_ack_snd_check;
	// under LinuxRcvWindow, the window __tcp_select_window picks), and on a
	// read that leaves such data, or that empties a queue of pushed data
	// (tcp_cleanup_rbuf); the delayed-ACK timeout adapts to the gaps
	// between arrivals (icsk_ack.ato, tcp_event_data_recv,
	// tcp_send_delayed_ack), and pingpong mode (tcp_fin,
	// tcp_event_data_sent) suspends quick ACKs. Off (the rfc profile), only
	// RFC 5681 §4.2 and RFC 1122 §4.2.3.2: an ACK for every second
	// full-sized segment, the rest delayed by up to DelayedACK.
	QuickACK bool
	// LinuxSegmentChecks accepts and answers segments as Linux's
	// tcp_validate_incoming, tcp_ack and tcp_data_queue do, where RFC 9293
	// §3.10.7.4 (the rfc profile) says otherwise:
	//   - the acceptability test is tcp_sequence: a segment ending at or
	//     after the last ACK sent (RCV.WUP) and starting inside the window
	//     is accepted, so a retransmission of data already acknowledged
	//     refreshes TS.Recent (tcp_replace_ts_recent) and its ACK echoes
	//     the retransmission's timestamp rather than a stale one; a segment
	//     running beyond the window is accepted whole only if no received
	//     data awaits the application, and otherwise dropped;
	//   - TS.Recent is refreshed in tcp_ack's order: not from a segment
	//     whose ACK is older than SND.UNA or beyond SND.NXT;
	//   - a segment whose ACK acknowledges data never sent is dropped with
	//     a rate-limited challenge ACK (tcp_ack, as 6.18's stable releases
	//     have it), where the RFC answers with a plain ACK; one whose ACK
	//     is older than SND.UNA less min(largest window, bytes acked) too
	//     (tcp_ack; RFC 5961 §5.2 with MAX.SND.WND alone under rfc);
	//   - data inside the window is kept whole up to the receive buffer's
	//     room, not trimmed at the advertised right edge (tcp_data_queue
	//     queues in-window segments whole);
	//   - TIME-WAIT answers as tcp_timewait_state_process (timewait.go);
	//   - a SYN-ACK with a bad ACK in SYN-SENT has the SYN resent after
	//     TCP_TIMEOUT_MIN (tcp_rcv_synsent_state_process), and a
	//     simultaneous open's repeated SYN is D-SACKed.
	LinuxSegmentChecks bool
	// RFC1337 keeps TIME-WAIT when a RST arrives for it, as RFC 1337 §3
	// advises against "TIME-WAIT assassination". Off in the linux profile,
	// which like Linux's default tcp_rfc1337 = 0 lets an in-window RST end
	// TIME-WAIT (tcp_timewait_state_process); on in the rfc profile. (The
	// rfc profile's TIME-WAIT follows RFC 9293 whatever this says, and
	// always ignores a RST.)
	RFC1337 bool
	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2·MSL. RFC 9293
	// §3.4.2 suggests 2 minutes; the default is 30 s, so TIME-WAIT lasts
	// 60 s like Linux's TCP_TIMEWAIT_LEN.
	MSL units.Duration
	// TTL is the IPv4 time-to-live of outgoing packets.
	TTL uint8

	// SYNRetries and SYNACKRetries bound handshake retransmissions, each
	// after an exponentially backed-off RTO starting at InitialRTO: Linux's
	// tcp_syn_retries = 6 and tcp_synack_retries = 5, so an unanswered
	// SYN-ACK is resent at 1, 3, 7, 15 and 31 s and the half-open
	// connection dropped at 63 s.
	SYNRetries, SYNACKRetries int
	// SYNLinearTimeouts is how many times an active open resends its SYN
	// at the initial RTO before backing off, in addition to SYNRetries:
	// Linux's tcp_syn_linear_timeouts = 4 (tcp_retransmit_timer,
	// tcp_write_timeout), so SYNs leave at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35
	// and 67 s and connect fails at 131 s (or, with fewer SYNRetries, once
	// the time SYNRetries backed-off timeouts would take has passed). The
	// rfc profile's 0 backs off from the first expiry (RFC 6298 §5.5).
	SYNLinearTimeouts int
	// DataRetries bounds consecutive retransmission timeouts without
	// progress before the connection is aborted: Linux's tcp_retries2 = 15.
	DataRetries int
	// SYNCookies lets a listener whose SYN queue is full answer with a SYN
	// cookie instead of dropping the SYN (Linux's tcp_syncookies = 1).
	SYNCookies bool
	// SYNCookiesAlways answers every SYN to a listener with a SYN cookie,
	// whether or not the SYN queue is full, and keeps no half-open
	// connections (Linux's tcp_syncookies = 2, tcp_conn_request's
	// want_cookie); it implies SYNCookies.
	SYNCookiesAlways bool
	// AbortOnOverflow answers the completing ACK with RST when the accept
	// queue is full, instead of dropping it (Linux's tcp_abort_on_overflow).
	AbortOnOverflow bool
	// FinWait2Timeout is how long an orphaned connection (closed by its
	// application) waits in FIN-WAIT-2 for the peer's FIN: Linux's
	// tcp_fin_timeout = 60 s.
	FinWait2Timeout units.Duration
	// InvalidRateLimit is the shortest interval between two ACKs a
	// connection sends in answer to segments it drops (Linux's
	// tcp_invalid_ratelimit, 500 ms, checked per socket by
	// tcp_oow_rate_limited): ACKs for out-of-window or PAWS-failed
	// segments that carry no data (one with data, or a FIN, is always
	// answered: it is not part of an ACK loop), and challenge ACKs
	// (tcp_send_challenge_ack), which share the budget. 0, the rfc
	// profile, answers every such segment (RFC 9293 §3.10.7.4), challenge
	// ACKs being limited by ChallengeACKsPerSecond alone.
	InvalidRateLimit units.Duration
	// ChallengeACKsPerSecond limits challenge ACKs (RFC 5961 §7) per
	// connection; 0 sets no limit. The rfc profile's 10 follows RFC 5961
	// §7's advice of a configurable limit. Linux's equivalent,
	// tcp_challenge_ack_limit, is per network namespace and has been off
	// (INT_MAX) since Linux 6.0, which the linux profile's 0 follows: there
	// the per-socket InvalidRateLimit is the limit.
	ChallengeACKsPerSecond int

	// SACK offers selective acknowledgments (RFC 2018) on SYNs and accepts
	// them when the peer offers them.
	SACK bool
	// Recovery is the loss-recovery algorithm (see RecoveryMode): rack
	// under linux, which like Linux (tcp_rack_mark_lost, sysctl
	// tcp_recovery = 1) detects loss by RACK-TLP whenever SACK is
	// negotiated; sack (RFC 6675 with PRR, no RACK) under rfc. A
	// connection whose peer did not agree to SACK recovers with NewReno
	// whatever the mode (Linux's tcp_is_reno path), see Conn.recoveryMode.
	Recovery RecoveryMode
	// TSODeferral holds back new data that would leave as a GSO packet
	// shorter than tsoSegs when the next ACK is expected within a
	// millisecond and will let a larger one go, as Linux does
	// (tcp_tso_should_defer, 6.18; see Conn.tsoDefer).
	//
	// Off in both profiles, a deliberate difference from Linux. Linux
	// defers because its packets leave as GSO bursts and its receivers
	// answer GRO-merged bursts with stretch ACKs; the stack sends segments
	// one by one to a receiver that ACKs every second segment. Deferral
	// alone on that model cut DCTCP at 1 Gbit/s, 1 ms, K = 20 packets from
	// 99% to 50% utilization (the flight splits into bursts of a third of
	// cwnd, each of which crosses K) and two CUBIC flows' Jain index from
	// above 0.95 to 0.83, results no Linux measurement here supports. The
	// packetdrill runner turns it on: packetdrill's kernel sends through a
	// GSO device, and the kernel-validated scripts check the rule exactly.
	TSODeferral bool
	// FRTO detects spurious retransmission timeouts as Linux does by
	// default (tcp_frto = 2: RFC 5682's F-RTO in its SACK-enhanced form,
	// tcp_process_loss) and undoes them (tcp_try_undo_loss): after a
	// timeout, when an ACK (or SACK) reports data that was never
	// retransmitted as delivered, the timeout was spurious: the lost marks
	// are taken back, the window and ssthresh from before it restored, and
	// the connection leaves the Loss state, so what is really missing is
	// repaired by fast recovery instead of go-back-N from a window of one.
	// The first ACK that advances SND.UNA after the timeout sends new data
	// rather than more retransmissions (step 2b), to tell the two cases
	// apart. See Conn.processLoss. On in the linux profile; off in the rfc
	// profile, whose timeout is RFC 6298 and RFC 5681's alone.
	FRTO bool
	// Pacing paces algorithms that set no pacing rate of their own, at
	// Linux's default rates (see Conn.pacingRate), as Linux does under the
	// fq qdisc. Algorithms that set a rate (BBR) are always paced.
	Pacing bool
	// ECN requests explicit congestion notification (RFC 3168) on active
	// opens and accepts it on passive ones.
	ECN bool

	// Keepalive probes an idle connection (RFC 9293 §3.8.4, RFC 1122
	// §4.2.3.6): off by default; after KeepaliveIdle without traffic, a
	// probe every KeepaliveInterval, and an abort after KeepaliveProbes
	// unanswered probes. Defaults are Linux's: 2 h, 75 s, 9.
	Keepalive         bool
	KeepaliveIdle     units.Duration
	KeepaliveInterval units.Duration
	KeepaliveProbes   int
	// MaxPersist caps the zero-window probe backoff (RFC 9293 §3.8.6.1):
	// 60 s as the issue of record asks, below Linux's 120 s TCP_RTO_MAX.
	MaxPersist units.Duration

	// EphemeralPortLow and EphemeralPortHigh bound, inclusively, the local
	// ports Host.Connect picks when given port 0: Linux's
	// ip_local_port_range, 32768 to 60999 by default.
	EphemeralPortLow, EphemeralPortHigh uint16

	// FastOpen enables TCP Fast Open (RFC 7413, fastopen.go) in both
	// roles, like Linux's net.ipv4.tcp_fastopen = 3: active opens request
	// or use a cookie and send data on the SYN, and listeners grant
	// cookies and accept data on SYNs that carry a valid one.
	FastOpen bool
	// FastOpenNoCookie lets a Fast Open listener accept the data of any
	// SYN that carries data or the Fast Open option without asking for a
	// cookie, and grant none (Linux's tcp_fastopen bit 0x200,
	// TFO_SERVER_COOKIE_NOT_REQD, in tcp_try_fastopen). It needs FastOpen.
	FastOpenNoCookie bool
}

// RecoveryMode selects how a sender recovers from loss.
type RecoveryMode uint8

const (
	// RecoveryNewReno: fast retransmit on three duplicate ACKs, fast
	// recovery until everything outstanding at the loss is acknowledged,
	// partial ACKs retransmit the next hole (RFC 6582).
	RecoveryNewReno RecoveryMode = iota
	// RecoveryReno: RFC 5681 §3.2 as written: recovery ends at the first
	// ACK of new data.
	RecoveryReno
	// RecoverySACK: the RFC 6675 scoreboard, pipe and NextSeg, limited
	// transmit (RFC 3042) and proportional rate reduction (RFC 6937).
	RecoverySACK
	// RecoveryRACK: SACK recovery with loss detected by RACK-TLP (RFC 8985)
	// instead of duplicate-ACK counting, as Linux does by default.
	RecoveryRACK
)

var recoveryNames = [...]string{"newreno", "reno", "sack", "rack"}

func (m RecoveryMode) String() string {
	if int(m) < len(recoveryNames) {
		return recoveryNames[m]
	}
	return "invalid"
}

// ParseRecoveryMode maps a name ("reno", "newreno", "sack", "rack") to its
// mode.
func ParseRecoveryMode(s string) (RecoveryMode, error) {
	for i, n := range recoveryNames {
		if n == s {
			return RecoveryMode(i), nil
		}
	}
	return 0, fmt.Errorf("recovery %q is not allowed: allowed: reno, newreno, sack, rack", s)
}

// usesSACK reports whether the mode needs SACK information.
func (m RecoveryMode) usesSACK() bool { return m == RecoverySACK || m == RecoveryRACK }

// Profile names a preset of Config: the behaviour of Linux 6.x, or that of
// the RFCs as written.
type Profile uint8

const (
	// ProfileLinux follows Linux 6.x (DefaultConfig).
	ProfileLinux Profile = iota
	// ProfileRFC follows the RFCs' own values (RFCConfig).
	ProfileRFC
)

var profileNames = [...]string{"linux", "rfc"}

func (p Profile) String() string {
	if int(p) < len(profileNames) {
		return profileNames[p]
	}
	return "invalid"
}

// ParseProfile maps a name ("linux", "rfc") to its profile.
func ParseProfile(s string) (Profile, error) {
	for i, n := range profileNames {
		if n == s {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("profile %q is not allowed: allowed: linux, rfc", s)
}

// ConfigFor returns the preset of profile p.
func ConfigFor(p Profile) Config {
	if p == ProfileRFC {
		return RFCConfig()
	}
	return DefaultConfig()
}

// RFCConfig returns the rfc profile: DefaultConfig with every behaviour
// that Linux chooses differently set to what the RFCs specify: RFC 6298's
// 1 s minimum RTO and its RTO formula, RFC 3465's L = 2, RFC 6675 SACK
// recovery with PRR and without RACK-TLP, no quick-ACK mode, a window scale
// just large enough for the receive buffer, and the whole free buffer
// offered as the receive window.
func RFCConfig() Config {
	c := DefaultConfig()
	c.Profile = ProfileRFC
	c.MinRTO = units.Second
	c.LinuxRTO = false
	c.QuickACK = false
	c.InvalidRateLimit = 0
	c.ChallengeACKsPerSecond = 10
	c.RFC1337 = true
	c.SYNLinearTimeouts = 0
	c.LinuxSegmentChecks = false
	c.SlowStartLimitSegments = 2
	c.Recovery = RecoverySACK
	c.RcvBufMax = 0
	c.LinuxRcvWindow = false
	c.FRTO = false
	return c
}

// DefaultConfig returns the linux profile, Linux 6.x's defaults, each
// explained on its field.
func DefaultConfig() Config {
	return Config{
		Profile:  ProfileLinux,
		LinuxRTO: true,
		QuickACK: true,

		LinuxSegmentChecks: true,
		MSS:                1460,
		InitialWindow:      10,
		DelayedACK:         40 * units.Millisecond,
		InitialRTO:         units.Second,
		MinRTO:             200 * units.Millisecond,
		MaxRTO:             120 * units.Second,
		ClockGranularity:   units.Millisecond,
		SndBuf:             4 << 20,
		RcvBuf:             4 << 20,
		RcvBufMax:          32 << 20,
		RcvSpaceInitial:    64 << 10,
		LinuxRcvWindow:     true,
		FRTO:               true,
		RcvTruesize:        2304,
		Timestamps:         true,
		WindowScaling:      true,
		MSL:                30 * units.Second,
		TTL:                64,

		SYNRetries:        6,
		SYNLinearTimeouts: 4,
		SYNACKRetries:     5,
		DataRetries:       15,
		SYNCookies:        true,
		FinWait2Timeout:   60 * units.Second,
		InvalidRateLimit:  500 * units.Millisecond,
		SACK:              true,
		Recovery:          RecoveryRACK,
		KeepaliveIdle:     2 * 60 * units.Minute,
		KeepaliveInterval: 75 * units.Second,
		KeepaliveProbes:   9,
		MaxPersist:        60 * units.Second,
		EphemeralPortLow:  32768,
		EphemeralPortHigh: 60999,
	}
}

// maxWindowShift is the largest window-scale shift RFC 7323 §2.3 allows.
const maxWindowShift = 14

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.MSS < 88 || c.MSS > 1460+512:
		// 88 leaves room for 40 bytes of options plus payload, and the upper
		// bound keeps a segment inside a packet buffer.
		return fmt.Errorf("tcp.mss: %d is not allowed: must be between 88 and 1972 bytes", c.MSS)
	case c.InitialWindow < 1:
		return fmt.Errorf("tcp.initial_window: %d is not allowed: must be at least 1 segment", c.InitialWindow)
	case c.DelayedACK < 0 || c.DelayedACK >= 500*units.Millisecond:
		return fmt.Errorf("tcp.delayed_ack: %v is not allowed: must be 0 (off) or below 500ms (RFC 9293)", c.DelayedACK)
	case c.InitialRTO <= 0:
		return fmt.Errorf("tcp.initial_rto: %v is not allowed: must be positive", c.InitialRTO)
	case c.MinRTO <= 0 || c.MinRTO > c.MaxRTO:
		return fmt.Errorf("tcp.min_rto: %v is not allowed: must be positive and at most max_rto (%v)", c.MinRTO, c.MaxRTO)
	case c.SndBuf < 2*c.MSS:
		return fmt.Errorf("tcp.snd_buffer: %d is not allowed: must be at least two segments (%d bytes)", c.SndBuf, 2*c.MSS)
	case c.RcvBuf < 2*c.MSS || c.RcvBuf > 65535<<maxWindowShift:
		return fmt.Errorf("tcp.rcv_buffer: %d is not allowed: must be between %d and %d bytes", c.RcvBuf, 2*c.MSS, 65535<<maxWindowShift)
	case c.RcvBufMax < 0 || c.RcvBufMax > 65535<<maxWindowShift:
		return fmt.Errorf("tcp.rcv_buffer_max: %d is not allowed: must be between 0 and %d bytes", c.RcvBufMax, 65535<<maxWindowShift)
	case c.RcvTruesize < 0 || c.RcvBufInitial < 0:
		return fmt.Errorf("tcp.rcv_truesize %d, tcp.rcv_buffer_initial %d are not allowed: must be 0 or more bytes", c.RcvTruesize, c.RcvBufInitial)
	case c.RcvSpaceInitial < 1:
		return fmt.Errorf("tcp.rcv_space_initial: %d is not allowed: must be at least 1 byte", c.RcvSpaceInitial)
	case c.MSL <= 0:
		return fmt.Errorf("tcp.msl: %v is not allowed: must be positive", c.MSL)
	case c.SYNRetries < 0 || c.SYNACKRetries < 0 || c.DataRetries < 0 || c.SYNLinearTimeouts < 0:
		return fmt.Errorf("tcp retries (%d SYN, %d linear SYN, %d SYN-ACK, %d data) are not allowed: must be 0 or more", c.SYNRetries, c.SYNLinearTimeouts, c.SYNACKRetries, c.DataRetries)
	case c.Profile > ProfileRFC:
		return fmt.Errorf("tcp.profile: %d is not allowed: allowed: linux, rfc", c.Profile)
	case c.SlowStartLimitSegments < 0:
		return fmt.Errorf("tcp.slow_start_limit: %d is not allowed: must be 0 (no limit) or a number of segments", c.SlowStartLimitSegments)
	case c.Recovery > RecoveryRACK:
		return fmt.Errorf("tcp.recovery: %d is not allowed: allowed: reno, newreno, sack, rack", c.Recovery)
	case c.Keepalive && (c.KeepaliveIdle <= 0 || c.KeepaliveInterval <= 0 || c.KeepaliveProbes < 1):
		return fmt.Errorf("tcp.keepalive: idle %v, interval %v, probes %d are not allowed: must all be positive", c.KeepaliveIdle, c.KeepaliveInterval, c.KeepaliveProbes)
	case c.InvalidRateLimit < 0 || c.ChallengeACKsPerSecond < 0:
		return fmt.Errorf("tcp challenge-ACK limits (%v interval, %d per second) are not allowed: must be 0 (none) or positive", c.InvalidRateLimit, c.ChallengeACKsPerSecond)
	case c.FinWait2Timeout <= 0:
		return fmt.Errorf("tcp.fin_timeout: %v is not allowed: must be positive", c.FinWait2Timeout)
	case c.MaxPersist <= 0:
		return fmt.Errorf("tcp.max_persist: %v is not allowed: must be positive", c.MaxPersist)
	case c.EphemeralPortLow < 1 || c.EphemeralPortLow > c.EphemeralPortHigh:
		return fmt.Errorf("tcp.ephemeral_ports: %d-%d is not allowed: must satisfy 1 <= low <= high <= 65535", c.EphemeralPortLow, c.EphemeralPortHigh)
	}
	return nil
}

// windowShift is the window scale we offer: the smallest shift that lets
// the larger of the receive buffer and RcvBufMax be advertised in a 16-bit
// field, which is Linux's ilog2(space) − 15 clamped to 0..14
// (tcp_select_initial_window).
func (c *Config) windowShift() uint8 {
	space := max(c.RcvBuf, c.RcvBufMax)
	var s uint8
	for space>>s > 65535 && s < maxWindowShift {
		s++
	}
	return s
}

// synWindow is the unscaled window our SYN or SYN-ACK offers (RFC 7323
// §2.2), rcv_wnd as Linux's tcp_select_initial_window sets it: the initial
// receive space, at most the buffer, rounded down to a multiple of mss
// (the payload of the peer's full-sized segments) and capped at 65535.
func (c *Config) synWindow(mss int) int {
	space := min(c.RcvSpaceInitial, c.RcvBuf)
	if space > mss {
		space -= space % mss
	}
	return min(space, 65535)
}
