package stack

import (
	"fmt"

	"ccbench/units"
)

// Config holds the tunables of a host's connections. The zero value is not
// usable; start from DefaultConfig.
type Config struct {
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
	// MinRTO is the floor of the computed RTO. RFC 6298 §2.4 says 1 s; the
	// default is Linux's 200 ms (TCP_RTO_MIN), because that is what deployed
	// TCPs and the kernel reference peer use, and comparisons against them
	// would otherwise be skewed by a five times slower recovery from timeouts.
	MinRTO units.Duration
	// MaxRTO caps exponential backoff: 120 s as Linux (TCP_RTO_MAX); RFC
	// 6298 §2.5 allows any cap of at least 60 s.
	MaxRTO units.Duration
	// ClockGranularity is G in RFC 6298 §2.2-2.3: the smallest variance
	// term of the RTO. 1 ms, the resolution of Linux's RTT clock.
	ClockGranularity units.Duration
	// SndBuf and RcvBuf are the send and receive buffer sizes in bytes. The
	// receive buffer bounds the advertised window.
	SndBuf, RcvBuf int
	// Timestamps enables the RFC 7323 timestamp option when the peer also
	// offers it.
	Timestamps bool
	// WindowScaling enables the RFC 7323 window-scale option when the peer
	// also offers it.
	WindowScaling bool
	// NoDelay disables Nagle's algorithm (RFC 9293 §3.7.4).
	NoDelay bool
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
	// DataRetries bounds consecutive retransmission timeouts without
	// progress before the connection is aborted: Linux's tcp_retries2 = 15.
	DataRetries int
	// SYNCookies lets a listener whose SYN queue is full answer with a SYN
	// cookie instead of dropping the SYN (Linux's tcp_syncookies = 1).
	SYNCookies bool
	// AbortOnOverflow answers the completing ACK with RST when the accept
	// queue is full, instead of dropping it (Linux's tcp_abort_on_overflow).
	AbortOnOverflow bool
	// FinWait2Timeout is how long an orphaned connection (closed by its
	// application) waits in FIN-WAIT-2 for the peer's FIN: Linux's
	// tcp_fin_timeout = 60 s.
	FinWait2Timeout units.Duration
	// ChallengeACKsPerSecond limits challenge ACKs (RFC 5961 §7) per
	// connection.
	ChallengeACKsPerSecond int

	// SACK offers selective acknowledgments (RFC 2018) on SYNs and accepts
	// them when the peer offers them.
	SACK bool
	// Recovery is the loss-recovery algorithm (see RecoveryMode).
	Recovery RecoveryMode
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

// DefaultConfig returns Linux-like defaults, each explained on its field.
func DefaultConfig() Config {
	return Config{
		MSS:              1460,
		InitialWindow:    10,
		DelayedACK:       40 * units.Millisecond,
		InitialRTO:       units.Second,
		MinRTO:           200 * units.Millisecond,
		MaxRTO:           120 * units.Second,
		ClockGranularity: units.Millisecond,
		SndBuf:           4 << 20,
		RcvBuf:           4 << 20,
		Timestamps:       true,
		WindowScaling:    true,
		MSL:              30 * units.Second,
		TTL:              64,

		SYNRetries:             6,
		SYNACKRetries:          5,
		DataRetries:            15,
		SYNCookies:             true,
		FinWait2Timeout:        60 * units.Second,
		ChallengeACKsPerSecond: 10,
		SACK:                   true,
		Recovery:               RecoveryNewReno,
		KeepaliveIdle:          2 * 60 * units.Minute,
		KeepaliveInterval:      75 * units.Second,
		KeepaliveProbes:        9,
		MaxPersist:             60 * units.Second,
		EphemeralPortLow:       32768,
		EphemeralPortHigh:      60999,
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
	case c.SlowStartLimitSegments < 0:
		return fmt.Errorf("tcp slow-start limit: %d is not allowed: must be 0 (no limit, Linux) or a number of segments", c.SlowStartLimitSegments)
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
	case c.MSL <= 0:
		return fmt.Errorf("tcp.msl: %v is not allowed: must be positive", c.MSL)
	case c.SYNRetries < 0 || c.SYNACKRetries < 0 || c.DataRetries < 0:
		return fmt.Errorf("tcp retries (%d SYN, %d SYN-ACK, %d data) are not allowed: must be 0 or more", c.SYNRetries, c.SYNACKRetries, c.DataRetries)
	case c.Recovery > RecoveryRACK:
		return fmt.Errorf("tcp.recovery: %d is not allowed: allowed: reno, newreno, sack, rack", c.Recovery)
	case c.Recovery.usesSACK() && !c.SACK:
		return fmt.Errorf("tcp.recovery: %q needs tcp.sack = true", c.Recovery)
	case c.Keepalive && (c.KeepaliveIdle <= 0 || c.KeepaliveInterval <= 0 || c.KeepaliveProbes < 1):
		return fmt.Errorf("tcp.keepalive: idle %v, interval %v, probes %d are not allowed: must all be positive", c.KeepaliveIdle, c.KeepaliveInterval, c.KeepaliveProbes)
	case c.FinWait2Timeout <= 0:
		return fmt.Errorf("tcp.fin_timeout: %v is not allowed: must be positive", c.FinWait2Timeout)
	case c.MaxPersist <= 0:
		return fmt.Errorf("tcp.max_persist: %v is not allowed: must be positive", c.MaxPersist)
	case c.EphemeralPortLow < 1 || c.EphemeralPortLow > c.EphemeralPortHigh:
		return fmt.Errorf("tcp.ephemeral_ports: %d-%d is not allowed: must satisfy 1 <= low <= high <= 65535", c.EphemeralPortLow, c.EphemeralPortHigh)
	}
	return nil
}

// windowShift is the smallest shift that lets the receive buffer be
// advertised in a 16-bit field.
func (c *Config) windowShift() uint8 {
	var s uint8
	for c.RcvBuf>>s > 65535 && s < maxWindowShift {
		s++
	}
	return s
}
