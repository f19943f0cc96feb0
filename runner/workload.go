package runner

// Short-flow workloads and unresponsive cross traffic.
//
// A workload is an open-loop arrival process of sized TCP flows, the
// traffic model of flow-completion-time studies (Dukkipati and McKeown,
// "Why flow-completion time is the right metric for congestion control",
// 2006): flows arrive as a Poisson process whose rate offers a fraction
// load of the bottleneck, each with a size drawn from a distribution:
// fixed, exponential, or an empirical CDF such as the web-search and
// data-mining workloads of pFabric and HPCC (experiment.SizeCDF). It is
// expanded into ordinary FlowSpec entries before the run, so the world
// runs it like any set of sized flows with start times.
//
// Cross traffic is a UDP-like source that ignores congestion: IPv4 packets
// of protocol 17 (RFC 768) entering the forward bottleneck at an exact rate,
// constantly or in on/off bursts, and counted by a sink at the far end. It
// takes its share of the bottleneck and of its queue without reacting to
// loss or delay, which is what the TCP flows beside it must live with.

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// SizeDistribution is how a workload draws flow sizes.
type SizeDistribution uint8

const (
	// SizeFixed gives every flow the mean size.
	SizeFixed SizeDistribution = iota
	// SizeExponential draws sizes from an exponential distribution of the
	// mean size, rounded to whole bytes and at least one byte.
	SizeExponential
	// SizeEmpirical draws sizes from Workload.CDF by inverse transform,
	// rounded to whole bytes and at least one byte; the CDF's mean is
	// the mean size.
	SizeEmpirical
)

// MaxWorkloadFlows bounds the flows one workload may expand into: each is a
// pair of hosts for the whole run.
const MaxWorkloadFlows = 20000

// Workload is a Poisson arrival process of sized flows of one algorithm.
type Workload struct {
	CC       string
	Recovery stack.RecoveryMode
	// Start is when arrivals begin; they continue until the run ends.
	Start units.Duration
	// Load is the offered load as a fraction of the bottleneck rate.
	Load     float64
	Dist     SizeDistribution
	MeanSize int64
	// CDF is the distribution of SizeEmpirical, which ignores MeanSize.
	CDF *experiment.SizeCDF
	// Group is the [[flows]] entry the workload came from; its flows
	// carry it for per-group summaries.
	Group int
}

// NewWorkload makes the workload of [[flows]] entry g, reading its size
// CDF file if it has one; the error names the entry's key, the file and
// the line.
func NewWorkload(fg experiment.FlowGroup, g int, recovery stack.RecoveryMode) (Workload, error) {
	wl := Workload{CC: fg.CC, Recovery: recovery, Start: fg.Start, Load: fg.Load, MeanSize: fg.MeanSize, Group: g}
	switch fg.SizeDistribution {
	case "exponential":
		wl.Dist = SizeExponential
	case "empirical":
		cdf, err := experiment.LoadSizeCDF(fg.SizeCDF)
		if err != nil {
			return wl, fmt.Errorf("flows[%d].size_cdf: %w", g, err)
		}
		wl.Dist, wl.CDF = SizeEmpirical, cdf
	}
	return wl, nil
}

// Expand draws the workload's flows for a bottleneck of rate and a run of
// length end, from seed. The arrival rate is Load × rate / (8 × mean size)
// flows per second; the same seed always gives the same flows.
func (wl Workload) Expand(rate units.Rate, end units.Duration, seed uint64) ([]FlowSpec, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("a workload needs a bottleneck with a rate: its arrival rate is a fraction of it")
	}
	if wl.Load <= 0 || math.IsInf(wl.Load, 0) || math.IsNaN(wl.Load) {
		return nil, fmt.Errorf("workload load %v must be above 0", wl.Load)
	}
	mean := float64(wl.MeanSize)
	if wl.Dist == SizeEmpirical {
		if wl.CDF == nil {
			return nil, fmt.Errorf("an empirical workload needs a size CDF")
		}
		mean = wl.CDF.Mean()
	}
	if mean < 1 {
		return nil, fmt.Errorf("workload mean size %v must be at least 1 byte", mean)
	}
	if wl.Dist == SizeEmpirical && mean > maxFlowSize {
		return nil, fmt.Errorf("workload mean size %s bytes is above the largest flow size, %d bytes", strconv.FormatFloat(mean, 'g', 4, 64), int64(math.MaxInt64))
	}
	lambda := wl.Load * float64(rate) / (8 * mean)       // flows per second
	r := rand.New(rand.NewPCG(seed, 0x776f726b6c6f6164)) // "workload"
	var flows []FlowSpec
	t := wl.Start.Seconds()
	for {
		t += r.ExpFloat64() / lambda
		// The arrival is compared with the end in floating point before
		// it becomes a Duration: at a low enough rate it is centuries
		// away, beyond int64 nanoseconds, and converting first would
		// wrap it to a negative time.
		ns := t * 1e9
		if !(ns < float64(end)) {
			return flows, nil
		}
		at := units.Duration(ns) // 0 <= ns < end, so in range
		if at >= end {
			return flows, nil
		}
		if len(flows) == MaxWorkloadFlows {
			return nil, fmt.Errorf("workload of %s flows/s over %v would exceed %d flows: lower load or duration, or raise mean size", strconv.FormatFloat(lambda, 'g', 3, 64), end-wl.Start, MaxWorkloadFlows)
		}
		size := wl.MeanSize
		switch wl.Dist {
		case SizeExponential:
			size = flowSize(r.ExpFloat64() * float64(wl.MeanSize))
		case SizeEmpirical:
			size = flowSize(wl.CDF.Quantile(r.Float64()))
		}
		if size < 0 {
			return nil, fmt.Errorf("workload drew a flow size above the largest a flow can send, %d bytes: lower mean_size", int64(math.MaxInt64))
		}
		flows = append(flows, FlowSpec{CC: wl.CC, Start: at, Size: size, Recovery: wl.Recovery, Group: wl.Group})
	}
}

// maxFlowSize is the largest flow size as a float64: 2^63 - 1024, the
// last float below 2^63, which int64 cannot hold.
const maxFlowSize = 0x1p63 - 1024

// flowSize rounds a drawn size to whole bytes, at least one, or returns -1
// when it is beyond int64 (or NaN), where a conversion would wrap.
func flowSize(x float64) int64 {
	x = math.Round(x)
	if !(x <= maxFlowSize) {
		return -1
	}
	return max(1, int64(x))
}

// idealCompletion is the shortest completion time a flow of size bytes
// could have: one base RTT plus its bytes serialized at the bottleneck
// rate. A flow's slowdown is its completion time over this. The stack's
// handshake costs one RTT before data and the last byte needs half an RTT
// more to arrive, so a real flow's slowdown is above 1 even on an idle
// link; the definition is the usual one of FCT studies, kept simple so that
// slowdowns compare across experiments.
func idealCompletion(size int64, baseRTT units.Duration, rate units.Rate) units.Duration {
	if rate <= 0 {
		return baseRTT
	}
	// In floating point, as slowdowns always were, but compared with the
	// room left before the conversion, which would wrap a flow of
	// exabytes at a few bit/s.
	tx := float64(size) * 8e9 / float64(rate)
	if !(tx < float64(units.MaxDuration-baseRTT)) {
		return units.MaxDuration
	}
	return baseRTT + units.Duration(tx)
}

// CrossSpec is one source of unresponsive cross traffic.
type CrossSpec struct {
	Rate units.Rate
	// On and Off are the burst and silence lengths of an on/off source;
	// Off = 0 makes a constant source.
	On, Off units.Duration
	// Start and Stop bound the source; Stop = 0 runs to the end.
	Start, Stop units.Duration
	// PacketSize is each packet's IP length, headers included.
	PacketSize int
}

// crossHeaderBytes is an IPv4 header without options and a UDP header.
const crossHeaderBytes = 20 + 8

func (c CrossSpec) validate(i int) error {
	switch {
	case c.Rate <= 0:
		return fmt.Errorf("cross[%d]: rate must be above 0", i)
	case c.PacketSize < crossHeaderBytes || c.PacketSize > packet.Capacity-packet.Headroom:
		return fmt.Errorf("cross[%d]: packet size %d must be from %d to %d bytes", i, c.PacketSize, crossHeaderBytes, packet.Capacity-packet.Headroom)
	case c.Off < 0 || c.Off > 0 && c.On <= 0:
		return fmt.Errorf("cross[%d]: an on/off source needs on above 0s and off not negative", i)
	case c.Start < 0 || c.Stop < 0 || c.Stop > 0 && c.Stop <= c.Start:
		return fmt.Errorf("cross[%d]: start %v and stop %v must satisfy 0 <= start < stop", i, c.Start, c.Stop)
	}
	return nil
}

// crossSource emits one CrossSpec's packets. Packet k is due when the
// source has been on for exactly k × PacketSize × 8 / Rate, computed from k
// each time rather than by adding rounded gaps, so the rate is exact over
// any span.
type crossSource struct {
	spec CrossSpec
	idx  int32
	// k is the number of packets sent; stop is when the source ends.
	k    uint64
	stop units.Time
	// delivered counts the bytes the sink received.
	delivered int64
	src, dst  wire.Addr
}

// crossFlowTag marks a cross packet in packet.Packet.Flow: -2 - source
// index, below the pool's -1 and the flows' indices.
func crossFlowTag(i int32) int32 { return -2 - i }

// due is when packet k leaves the source, or units.Never after stop.
func (c *crossSource) due(k uint64) units.Time {
	// Nanoseconds of on-time: k × bits per packet × 1e9 / rate, in 128
	// bits so that long runs at high rates do not overflow.
	hi, lo := bits.Mul64(k, uint64(c.spec.PacketSize)*8*uint64(units.Second))
	if hi >= uint64(c.spec.Rate) {
		return units.Never
	}
	on, _ := bits.Div64(hi, lo, uint64(c.spec.Rate))
	if c.spec.Off > 0 {
		// Whole bursts of on-time take on + off each, in 128 bits: a
		// long off can put the next burst beyond any time.
		period := uint64(c.spec.On)
		hi, lo := bits.Mul64(on/period, uint64(c.spec.On)+uint64(c.spec.Off))
		var carry uint64
		on, carry = bits.Add64(lo, on%period, 0)
		if hi != 0 || carry != 0 {
			return units.Never
		}
	}
	if on >= uint64(c.stop) || on > uint64(units.Never-units.Time(c.spec.Start)) {
		return units.Never
	}
	at := units.Time(c.spec.Start) + units.Time(on)
	if at >= c.stop {
		return units.Never
	}
	return at
}

// build fills p with the next packet: an IPv4 header with a valid checksum
// and a UDP header whose checksum is 0, which RFC 768 allows over IPv4 and
// means none was computed. The payload is whatever the pooled buffer held.
func (c *crossSource) build(p *packet.Packet) {
	n := c.spec.PacketSize
	p.SetLen(n)
	ip := wire.IPv4Header(p.Bytes())
	ip.SetVersionAndHeaderLen(wire.IPv4MinHeaderLen)
	ip.SetTOS(wire.ECNNotECT) // an AQM drops it rather than marks it
	ip.SetTotalLen(uint16(n))
	ip.SetID(uint16(c.k))
	ip.SetFlagsAndFragmentOffset(0, 0)
	ip.SetTTL(wire.IPv4DefaultTTL)
	ip.SetProtocol(wire.IPv4ProtocolUDP)
	ip.SetSrc(c.src)
	ip.SetDst(c.dst)
	ip.SetChecksum(ip.ComputeChecksum())
	udp := wire.UDPHeader(ip[wire.IPv4MinHeaderLen:])
	udp.SetSrcPort(9) // discard, RFC 863
	udp.SetDstPort(9)
	udp.SetLength(uint16(n - wire.IPv4MinHeaderLen))
	udp.SetChecksum(0)
	p.Flow = crossFlowTag(c.idx)
}

// addCross sets up the scenario's cross-traffic sources.
func (w *world) addCross() error {
	if len(w.sc.Cross) > 250 {
		return fmt.Errorf("%d cross-traffic sources is too many: at most 250", len(w.sc.Cross))
	}
	for i, spec := range w.sc.Cross {
		if err := spec.validate(i); err != nil {
			return err
		}
		c := &crossSource{spec: spec, idx: int32(i), stop: w.end + 1,
			src: wire.Addr{198, 18, 255, byte(i + 1)}, dst: wire.Addr{198, 19, 255, byte(i + 1)}}
		if spec.Stop > 0 {
			c.stop = units.Time(spec.Stop)
		}
		w.cross = append(w.cross, c)
		if at := c.due(0); at != units.Never {
			if err := w.addOpenLoop(c, at, crossSink{w, c}); err != nil {
				return err
			}
		}
	}
	return nil
}

// crossSink is where cross traffic ends: past the bottleneck, it counts
// what was delivered and frees the packets.
type crossSink struct {
	w *world
	c *crossSource
}

func (s crossSink) Receive(_ units.Time, p *packet.Packet) {
	s.c.delivered += int64(p.Len())
	s.w.pool.Put(p)
}

// fillWorkloadSummary adds what only the runner knows to the summary: each
// completed sized flow's slowdown and the cross traffic delivered.
func (w *world) fillWorkloadSummary(s *metrics.Summary) {
	path := w.sc.Forward.Delay + w.sc.Reverse.Delay
	for i, f := range w.flows {
		fs := &s.Flows[i]
		if f.spec.Size <= 0 || fs.CompletionSeconds == nil {
			continue
		}
		rtt, rate := path+f.spec.ExtraDelay, w.sc.Forward.Rate
		if f.spec.BaseRTT > 0 {
			rtt = f.spec.BaseRTT
		}
		if f.spec.Data != nil {
			rate = w.sc.pathRate(f.spec)
		}
		ideal := idealCompletion(f.spec.Size, rtt, rate)
		sd := *fs.CompletionSeconds / ideal.Seconds()
		fs.Slowdown = &sd
	}
	for _, c := range w.cross {
		s.Link.CrossDeliveredBytes += c.delivered
	}
}

// pathRate is the slowest rate on a flow's data path, its access link
// included (0 when no link limits it).
func (sc *Scenario) pathRate(spec FlowSpec) units.Rate {
	var slowest units.Rate
	consider := func(r units.Rate) {
		if r > 0 && (slowest == 0 || r < slowest) {
			slowest = r
		}
	}
	consider(spec.AccessRate)
	for _, l := range spec.Data {
		consider(sc.network()[l].Config.Rate)
	}
	return slowest
}

// openLoopSource is a source that sends at its own pace whatever the
// network does: cross traffic and SYN floods. Packet k is built into a
// pooled buffer and leaves at due(k).
type openLoopSource interface {
	build(p *packet.Packet)
	// sent counts the packet just built and returns when the next one is
	// due, or units.Never when the source has ended.
	sent() units.Time
}

func (c *crossSource) sent() units.Time { c.k++; return c.due(c.k) }

// openLoop is the agent of an open-loop source: it sends the source's
// packets into the bottleneck (link 0) at the times the source gives,
// whatever the network does.
type openLoop struct {
	w     *world
	src   openLoopSource
	route sim.RouteID
	agent sim.AgentID
}

// addOpenLoop adds src, whose first packet is due at first and whose
// packets end at dst after the bottleneck.
func (w *world) addOpenLoop(src openLoopSource, first units.Time, dst sim.Receiver) error {
	r, err := w.net.AddRoute([]sim.LinkID{w.links[0]}, dst)
	if err != nil {
		return err
	}
	o := &openLoop{w: w, src: src, route: r}
	o.agent = w.net.AddAgent(o)
	w.net.Wake(o.agent, first)
	return nil
}

// Wake sends the source's due packet and asks for the next.
func (o *openLoop) Wake(now units.Time) error {
	w := o.w
	w.now = now
	p := w.pool.Get()
	o.src.build(p)
	w.net.Send(p, o.route)
	w.net.Flush()
	if at := o.src.sent(); at != units.Never {
		w.net.Wake(o.agent, at)
	}
	return nil
}
