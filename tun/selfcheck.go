// The self-check a real-time run makes before its flows start: can this
// machine, as loaded as it is now, release datagrams on time at the run's
// link rate?
//
// It runs the relay itself, with its thread scheduled as a run's is, for
// SelfCheckDuration, between two synthetic ports: one offers a
// 1500-byte datagram every time the link can carry one (the link's packet
// spacing, as a bulk flow at the link's rate would), the other takes
// whatever is released. No device, namespace or packet leaves the
// process, so the check costs no privilege but what the relay's own
// scheduling asks for. What it measures is the loop's release error: the
// sleeps, the spins and the thread's hold on its core. What it cannot see
// is the cost of the devices' system calls, which a real run adds, so a
// machine that fails the check will fail the run, and one that passes may
// still fail it; the run's own release error remains the verdict.

package tun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// SelfCheckDuration is how long the self-check runs: long enough to hold
// tens of thousands of releases at 1 Gbit/s and to meet the machine's
// periodic disturbances (timer ticks, the fair server's slices), short
// enough to add little to a run.
const SelfCheckDuration = time.Second

// selfCheckPacket is the size of the synthetic datagrams, a full-sized
// Ethernet-MTU datagram as a bulk flow sends.
const selfCheckPacket = 1500

// unlimitedSpacing is the spacing used when the link has no rate: a
// 1500-byte datagram at 1 Gbit/s, the relay's design load.
const unlimitedSpacing = 12 * units.Microsecond

// SelfCheckResult is what the self-check measured.
type SelfCheckResult struct {
	// Timing is the release error over every synthetic datagram.
	Timing TimingError
	// Spacing is the datagrams' spacing; Length how long the check ran,
	// at least the length asked for.
	Spacing, Length units.Duration
	// Stalls are the relay's stalls during the check.
	Stalls StallSummary
	// Scheduling is how the relay's thread was scheduled.
	Scheduling Scheduling
}

// Passes reports whether the check's p99 release error is within limit.
func (r SelfCheckResult) Passes(limit units.Duration) bool { return r.Timing.P99 <= limit }

// String is the check's figures in one line.
func (r SelfCheckResult) String() string {
	return fmt.Sprintf("relay self-check over %.2f s with no traffic: %d synthetic releases every %v, release error p50 %.1f µs, p99 %.1f µs, max %.1f µs, %d stalls",
		r.Length.Seconds(), r.Timing.Packets, r.Spacing, us(r.Timing.P50), us(r.Timing.P99), us(r.Timing.Max), r.Stalls.Count)
}

func us(d units.Duration) float64 { return float64(d) / float64(units.Microsecond) }

// SelfCheck runs the relay for length between synthetic ports through a
// link of forward's rate and delay (none of its losses, queue or
// marking), its thread scheduled by policy, and returns its release error.
// Cancelling ctx ends it early with ctx's error.
func SelfCheck(ctx context.Context, forward netem.LinkConfig, length time.Duration, policy ThreadPolicy) (SelfCheckResult, error) {
	if err := ctx.Err(); err != nil {
		return SelfCheckResult{}, err
	}
	spacing := unlimitedSpacing
	if forward.Rate > 0 {
		spacing = forward.Rate.TxTime(selfCheckPacket)
	}
	r, err := newRelay(netem.LinkConfig{Rate: forward.Rate, Delay: forward.Delay}, netem.LinkConfig{}, NewClock())
	if err != nil {
		return SelfCheckResult{}, err
	}
	r.SetThreadPolicy(policy)
	r.setPorts(&synthSource{spacing: spacing}, synthSink{})
	r.Start()
	timer := time.NewTimer(length)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	if err := errors.Join(r.Stop(), ctx.Err()); err != nil {
		return SelfCheckResult{}, err
	}
	// The check lasted from the clock's start to the loop's end, which a
	// loaded machine makes longer than length.
	return SelfCheckResult{Timing: r.Timing(), Spacing: spacing, Length: r.clock.Now().Sub(0),
		Stalls: r.profile.Stalls.Summary(), Scheduling: r.Scheduling()}, nil
}

// synthSource offers a datagram every spacing, from the first turn on; a
// relay that fell behind finds the ones it missed waiting, as on a device.
type synthSource struct {
	spacing units.Duration
	next    units.Time
	started bool
}

func (s *synthSource) turn(now units.Time) {
	if !s.started {
		s.next, s.started = now, true
	}
}

func (s *synthSource) receive(now units.Time, pool *packet.Pool) (*packet.Packet, error) {
	if !s.started || now < s.next {
		return nil, nil
	}
	s.next = s.next.Add(s.spacing)
	p := pool.Get()
	p.SetLen(selfCheckPacket)
	b := p.Bytes()
	// An IPv4 header's version and total length, as the relay checks.
	b[0] = 0x45
	b[2], b[3] = byte(selfCheckPacket>>8), byte(selfCheckPacket&0xff)
	return p, nil
}

func (s *synthSource) deliver(_ units.Time, p *packet.Packet, pool *packet.Pool) (bool, error) {
	pool.Put(p)
	return true, nil
}

func (s *synthSource) nextDeadline() units.Time {
	if !s.started {
		return 0
	}
	return s.next
}

func (s *synthSource) pollFd() int32 { return -1 }

// synthSink takes every datagram released to it.
type synthSink struct{}

func (synthSink) turn(units.Time) {}
func (synthSink) receive(units.Time, *packet.Pool) (*packet.Packet, error) {
	return nil, nil
}
func (synthSink) deliver(_ units.Time, p *packet.Packet, pool *packet.Pool) (bool, error) {
	pool.Put(p)
	return true, nil
}
func (synthSink) nextDeadline() units.Time { return units.Never }
func (synthSink) pollFd() int32            { return -1 }
