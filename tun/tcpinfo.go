// Sampling the Linux kernel's view of a TCP connection through TCP_INFO
// (struct tcp_info in include/uapi/linux/tcp.h), the kernel-endpoint
// counterpart of the sim driver's probes on ccbench's own stack.

package tun

import (
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/units"
)

// Option bits of tcpi_options: what the handshake negotiated.
const (
	OptTimestamps = 1 << 0 // TCPI_OPT_TIMESTAMPS, RFC 7323
	OptSACK       = 1 << 1 // TCPI_OPT_SACK, RFC 2018
	OptWindScale  = 1 << 2 // TCPI_OPT_WSCALE, RFC 7323
	OptECN        = 1 << 3 // TCPI_OPT_ECN, RFC 3168
)

// KernelSample is one reading of TCP_INFO, in ccbench's units.
type KernelSample struct {
	T units.Time `json:"t_ns"`
	// CwndPackets and SsthreshPackets are in segments, as the kernel keeps
	// them.
	CwndPackets     uint32 `json:"cwnd_pkts"`
	SsthreshPackets uint32 `json:"ssthresh_pkts"`
	// SRTT, RTTVar and RTO are the kernel's estimator state (RFC 6298).
	SRTT   units.Duration `json:"srtt_ns"`
	RTTVar units.Duration `json:"rttvar_ns"`
	RTO    units.Duration `json:"rto_ns"`
	MinRTT units.Duration `json:"min_rtt_ns"`
	// DeliveryRate is the kernel's latest delivery-rate sample, as BBR
	// sees it.
	DeliveryRate units.Rate `json:"delivery_rate_bps"`
	// TotalRetrans counts every retransmitted segment so far.
	TotalRetrans uint32 `json:"total_retrans"`
	// InFlightPackets is packets_in_flight as tcp_packets_in_flight
	// computes it: sent and not acked, sacked or marked lost, plus
	// retransmissions in flight.
	InFlightPackets uint32 `json:"in_flight_pkts"`
	BytesAcked      uint64 `json:"bytes_acked"`
	// Options holds the Opt* bits the handshake negotiated.
	Options uint8 `json:"options"`
	// BusyTime, RwndLimited and SndbufLimited are the kernel's chrono
	// accounting (tcp_chrono_start and tcp_chrono_stop; Linux 4.10 on, 0
	// before): how long the sender had data queued or in flight, and how
	// much of that time the peer's receive window or its own send buffer
	// held it back. The runner turns them into the flow's SenderLimits, as
	// ccbench's stack times its own (stack/chrono.go).
	BusyTime      units.Duration `json:"busy_time_ns"`
	RwndLimited   units.Duration `json:"rwnd_limited_ns"`
	SndbufLimited units.Duration `json:"sndbuf_limited_ns"`
}

// ReadTCPInfo reads c's TCP_INFO and stamps it with now.
func ReadTCPInfo(c *net.TCPConn, now units.Time) (KernelSample, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return KernelSample{}, err
	}
	var info *unix.TCPInfo
	var infoErr error
	if err := rc.Control(func(fd uintptr) {
		info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return KernelSample{}, err
	}
	if infoErr != nil {
		return KernelSample{}, fmt.Errorf("tun: TCP_INFO: %w", infoErr)
	}
	us := func(v uint32) units.Duration { return units.Duration(v) * units.Microsecond }
	return KernelSample{
		T:               now,
		CwndPackets:     info.Snd_cwnd,
		SsthreshPackets: info.Snd_ssthresh,
		SRTT:            us(info.Rtt),
		RTTVar:          us(info.Rttvar),
		RTO:             us(info.Rto),
		MinRTT:          us(info.Min_rtt),
		DeliveryRate:    units.Rate(info.Delivery_rate * 8),
		TotalRetrans:    info.Total_retrans,
		InFlightPackets: info.Unacked - info.Sacked - info.Lost + info.Retrans,
		BytesAcked:      info.Bytes_acked,
		Options:         info.Options,
		BusyTime:        units.Duration(info.Busy_time) * units.Microsecond,
		RwndLimited:     units.Duration(info.Rwnd_limited) * units.Microsecond,
		SndbufLimited:   units.Duration(info.Sndbuf_limited) * units.Microsecond,
	}, nil
}

// Sampler reads a kernel connection's TCP_INFO at a fixed interval. Go's
// timers are precise enough here: samples are stamped with the clock when
// taken, so a late tick shifts a sample, it does not misdate it.
type Sampler struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	samples []KernelSample
	err     error
}

// StartSampler samples c every interval until Stop.
func StartSampler(c *net.TCPConn, clock Clock, interval units.Duration) *Sampler {
	s := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(time.Duration(interval))
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			k, err := ReadTCPInfo(c, clock.Now())
			s.mu.Lock()
			if err != nil {
				s.err = err
				s.mu.Unlock()
				return
			}
			s.samples = append(s.samples, k)
			s.mu.Unlock()
		}
	}()
	return s
}

// Stop ends sampling and returns the samples and the error that ended it
// early, if any.
func (s *Sampler) Stop() ([]KernelSample, error) {
	close(s.stop)
	<-s.done
	return s.samples, s.err
}
