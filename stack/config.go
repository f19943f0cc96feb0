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
}

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
	case c.MSL <= 0:
		return fmt.Errorf("tcp.msl: %v is not allowed: must be positive", c.MSL)
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
