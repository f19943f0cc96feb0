package runner

// A SYN flood (RFC 4987 §2): SYNs from spoofed source addresses at an exact
// rate into the bottleneck, towards the server. Each SYN looks like one a
// Linux client sends (MSS 1460, SACK permitted, timestamps, window scale 7,
// window 64240), with a random source address from 198.19.252.0/23, where
// no host lives, a random source port, ISN, TSval and IP ID, all from the
// run's seed. The server's SYN-ACKs to those addresses are delivered
// nowhere and counted, so every half-open connection the flood makes waits
// out its SYN-ACK retries, as with a real spoofed flood.
//
// SYN k is due at Start + k/Rate, computed from k each time, like the cross
// traffic's packets, so the rate is exact over any span.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// floodSource emits one FloodSpec's SYNs.
type floodSource struct {
	spec FloodSpec
	// k counts SYNs sent; stop is when the source ends.
	k    uint64
	stop units.Time
	rng  *rand.Rand
	seg  wire.Segment
}

// maxFloodRate keeps SYNs at least 1 µs apart, far above any flood a
// simulated server meets in the literature (tens of thousands per second).
const maxFloodRate = 1e6

func newFloodSource(spec FloodSpec, i int, end units.Time, seed uint64) (*floodSource, error) {
	switch {
	case !(spec.Rate > 0 && spec.Rate <= maxFloodRate):
		return nil, fmt.Errorf("flood[%d]: rate %v must be above 0 and at most %v SYN/s", i, spec.Rate, maxFloodRate)
	case spec.Start < 0 || spec.Stop < 0 || spec.Stop > 0 && spec.Stop <= spec.Start:
		return nil, fmt.Errorf("flood[%d]: start %v and stop %v must satisfy 0 <= start < stop", i, spec.Start, spec.Stop)
	}
	f := &floodSource{spec: spec, stop: end + 1, rng: rand.New(rand.NewPCG(seed, 0x666c6f6f64))} // "flood"
	if spec.Stop > 0 {
		f.stop = units.Time(spec.Stop)
	}
	return f, nil
}

// due is when SYN k leaves, or units.Never after stop.
func (f *floodSource) due(k uint64) units.Time {
	// Compared with the time left before it becomes a Time: at a tiny
	// rate it is beyond int64 nanoseconds, or +Inf, and would wrap.
	ns := math.Round(float64(k) * 1e9 / f.spec.Rate)
	if !(ns < float64(f.stop-units.Time(f.spec.Start))) {
		return units.Never
	}
	at := units.Time(f.spec.Start) + units.Time(ns)
	if at >= f.stop {
		return units.Never
	}
	return at
}

// build fills p with the next spoofed SYN.
func (f *floodSource) build(p *packet.Packet) {
	v := f.rng.Uint64()
	u := f.rng.Uint64()
	f.seg = wire.Segment{
		Header: wire.Header{
			Src:     wire.Addr{198, 19, 252 + byte(v>>8&1), byte(v)},
			Dst:     serverAddr,
			SrcPort: uint16(1024 + (v>>16)%(65536-1024)),
			DstPort: httpPort,
			Seq:     wire.Seq(v >> 32),
			Flags:   wire.FlagSYN,
			Window:  64240,
			TTL:     64,
			IPID:    uint16(u >> 48),
			Opts: wire.Options{
				HasMSS: true, MSS: 1460,
				SACKPermitted: true,
				HasTimestamps: true, TSVal: uint32(u),
				HasWScale: true, WScale: 7,
			},
		},
	}
	wire.ReservePayload(p, 0)
	wire.EncodeSegment(p, &f.seg)
	p.Flow = addressRouted
}

func (f *floodSource) sent() units.Time { f.k++; return f.due(f.k) }
