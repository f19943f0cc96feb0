// Package experiment reads experiment files: TOML documents that describe
// one run of ccbench (the driver, the network, the TCP settings and the
// flows) in the units people write ("100Mbit/s", "20ms", "1bdp"), and
// resolves a file's network into links and each flow's paths (Network).
//
// Load reads a file through spf13/viper, applies command-line overrides
// (--set key=value), rejects unknown keys with a suggestion, fills in every
// default, converts every value to its typed form and checks it. The result
// is a Config whose values are resolved: a buffer written as "1bdp" is also
// known in bytes and packets, a flow group with count = 3 expands to three
// flows. Every problem is reported as one line that names the setting, its
// value and what is allowed, because the reader of the error is a person
// with the file open in an editor.
//
// An override is "key=value", the key written as in error messages: a
// top-level key ("duration=10s"), a key of a table ("link.rate=50Mbit/s"),
// or a key of one [[flows]] entry with its index from 0 in brackets
// ("flows[0].cc=reno"). The value is read as a TOML value when it is one
// and as a string otherwise, so units need no quotes.
//
// The path model is the one used throughout the congestion-control
// literature: a forward bottleneck [link] that carries data, and a
// [reverse] path that carries ACKs. The base round-trip time is the sum of
// the two one-way propagation delays, and the bandwidth-delay product (BDP)
// is the forward rate times that base RTT.
package experiment

import (
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/units"
)

// HeaderBytes is the IPv4 and TCP header overhead of a full-size segment
// without options (RFC 791, RFC 9293), so a full packet on the wire is
// MSS + HeaderBytes bytes. Buffers given in packets are converted to bytes,
// and buffers in bytes to packets, with this packet size.
const HeaderBytes = 40

// Config is one experiment, fully resolved: every setting has its typed
// value, defaults filled in. Load is the only way to make one that has been
// checked; a Config changed afterwards is not checked again.
type Config struct {
	// Name names the experiment; results go to results/<Name>/<run>/. It
	// defaults to the file name without its extension.
	Name string
	// Driver runs the experiment: "sim" (virtual time).
	Driver string
	// Duration is how long the run lasts, in the driver's time.
	Duration units.Duration
	// Seed seeds every random source of the run.
	Seed uint64
	// SampleInterval is the period at which probes sample connection state.
	SampleInterval units.Duration
	// ThroughputWindow is the span over which the throughput column of
	// the time series counts delivered bytes.
	ThroughputWindow units.Duration
	// MaxReleaseP99 is the real-time driver's validity bound: a run whose
	// relay released packets later than this at the 99th percentile is
	// marked invalid, since its links did not behave as configured.
	MaxReleaseP99 units.Duration
	// SelfCheck is what the real-time driver does when its relay, checked
	// before the flows start, cannot hold MaxReleaseP99: one of
	// SelfCheckModes.
	SelfCheck string
	// IdlePoll has the real-time driver hold the CPU wake-up latency
	// limit at zero while its relay runs, so idle cores poll instead of
	// halting (tun.ThreadPolicy).
	IdlePoll bool
	// FairnessFrom and FairnessTo bound the window over which Jain's
	// index is computed from the bytes each flow delivered in it, per
	// [[flows]] entry and over all flows; FairnessTo = 0 is the end of
	// the run, so by default the window is the whole run (FairnessWindow).
	FairnessFrom, FairnessTo units.Duration

	// Link is the forward path, which carries data: the bottleneck.
	Link Link
	// Reverse is the path that carries ACKs back to the senders.
	Reverse Link
	// TCP holds the settings every connection of the run shares.
	TCP TCP
	// Flows are the [[flows]] entries as written, in file order; FlowList
	// expands them into individual flows.
	Flows []FlowGroup
	// Cross are the [[cross]] entries, none unless the file has some.
	Cross []CrossGroup
	// Lifecycle is the server, clients and floods of a connection-lifecycle
	// experiment (lifecycle.go).
	Lifecycle

	// Topology is the [topology] table: which network the run emulates
	// (topology.go). Network builds its graph and the flows' paths.
	Topology Topology
	// Nodes and Links are the [[nodes]] and [[links]] entries of a custom
	// network, in file order; nil for the presets.
	Nodes []NodeSpec
	Links []LinkSpec
}

// Link is one direction of the emulated path.
type Link struct {
	// Rate is the serialization rate; 0 means unlimited (no serialization
	// delay and no queue).
	Rate units.Rate
	// Delay is the one-way propagation delay.
	Delay units.Duration
	// Buffer is the drop-tail queue in front of the link.
	Buffer Buffer
	// Loss is the probability that a packet is dropped at random, drawn
	// independently for every packet (Bernoulli loss), 0 <= Loss < 1.
	Loss float64
	// ECNThreshold is the queue occupancy at which ECN-capable packets are
	// marked CE (DCTCP's K); BufferUnlimited means no marking.
	ECNThreshold Buffer
	// Qdisc is the queue discipline's tc name (QdiscNames).
	Qdisc string
	// Jitter is the scale of the random term added to each packet's
	// delay, shaped by JitterDistribution (JitterDistributions) and
	// correlated by JitterCorrelation, 0 to 1; 0 turns jitter off.
	Jitter             units.Duration
	JitterDistribution string
	JitterCorrelation  float64
	// Reorder lets jittered packets overtake one another.
	Reorder bool
	// LossModel is one of LossModels; GE and State are the parameters of
	// gilbert_elliott and 4state.
	LossModel string
	GE        GilbertElliott
	State     FourState
	// Duplicate and Corrupt are per-packet probabilities, 0 to 1.
	Duplicate, Corrupt float64
	// PolicerRate, when above 0, polices arrivals with a bucket of
	// PolicerBurst bytes.
	PolicerRate  units.Rate
	PolicerBurst int64
	// Trace is the path of a Mahimahi trace, already joined to the
	// experiment file's folder; "" for none. Rate is 0 when it is set.
	Trace string
	// Overhead is framing added to each packet's serialization, in bytes.
	Overhead int
	// Schedule lists changes of rate, delay and loss at given times, each
	// complete (values it did not set are carried from before it).
	Schedule []Change
}

// Change is one step of a time-varying link.
type Change struct {
	At    units.Duration
	Rate  units.Rate
	Delay units.Duration
	Loss  float64
}

// GilbertElliott holds the Gilbert-Elliott loss model's probabilities.
type GilbertElliott struct {
	P, R, LossBad, LossGood float64
}

// FourState holds the 4-state loss model's transition probabilities.
type FourState struct {
	P13, P31, P32, P23, P14 float64
}

// The names the [link] choices accept.
var (
	QdiscNames          = []string{"droptail", "drophead", "red", "codel", "fq_codel", "pie"}
	JitterDistributions = []string{"uniform", "normal", "pareto", "paretonormal"}
	LossModels          = []string{"bernoulli", "gilbert_elliott", "4state"}
)

// Unlimited reports whether the link serializes instantly.
func (l Link) Unlimited() bool { return l.Rate == 0 }

// Ideal reports whether the link does nothing to packets: unlimited rate
// (so no serialization and no queue), no delay, no loss of any model, no
// jitter, duplication, corruption, policer, trace or schedule. An engine
// may pass packets through an ideal link at no cost.
func (l Link) Ideal() bool {
	return l.Rate == 0 && l.Delay == 0 && l.Jitter == 0 && l.Loss == 0 && l.LossModel == "bernoulli" &&
		l.Duplicate == 0 && l.Corrupt == 0 && l.PolicerRate == 0 && l.Trace == "" && len(l.Schedule) == 0
}

// BufferUnit says how a buffer was written.
type BufferUnit uint8

const (
	// BufferUnlimited: no limit, written "unlimited".
	BufferUnlimited BufferUnit = iota
	// BufferBytes: a size such as "256KiB".
	BufferBytes
	// BufferPackets: a packet count such as "100pkt".
	BufferPackets
	// BufferBDP: a multiple of the bandwidth-delay product such as "1bdp".
	BufferBDP
)

// Buffer is a queue limit, as written and resolved. A queue discipline that
// counts packets should use Packets when Unit is BufferPackets and Bytes
// otherwise, so that the limit the experimenter wrote is the one enforced.
type Buffer struct {
	Unit BufferUnit
	// Multiple is the BDP multiple when Unit is BufferBDP, else 0.
	Multiple float64
	// Bytes is the limit in bytes (for BufferPackets, Packets full-size
	// packets of MSS + HeaderBytes bytes); 0 when unlimited.
	Bytes int64
	// Packets is the limit in full-size packets (for BufferBytes and
	// BufferBDP, the whole packets that fit in Bytes); 0 when unlimited.
	Packets int64
}

// Limited reports whether the buffer has a limit.
func (b Buffer) Limited() bool { return b.Unit != BufferUnlimited }

// String writes the buffer as it would be written in an experiment file,
// in canonical form: "unlimited", "256KiB", "100pkt", "0.5bdp".
func (b Buffer) String() string {
	switch b.Unit {
	case BufferBytes:
		return units.FormatSize(b.Bytes)
	case BufferPackets:
		return strconv.FormatInt(b.Packets, 10) + "pkt"
	case BufferBDP:
		return strconv.FormatFloat(b.Multiple, 'f', -1, 64) + "bdp"
	default:
		return "unlimited"
	}
}

// TCP holds the connection settings shared by every flow of a run.
type TCP struct {
	// Profile is whose behaviour the defaults follow: "linux" (Linux
	// 6.x) or "rfc" (the RFCs' own values); stack.ProfileConfig holds
	// each.
	Profile string
	// MSS is the maximum segment size in bytes.
	MSS int
	// InitialWindow is the initial congestion window in segments
	// (RFC 6928).
	InitialWindow int
	// DelayedACK is the longest an ACK is held back; 0 acknowledges every
	// segment at once.
	DelayedACK units.Duration
	// MinRTO is the floor of the retransmission timeout (RFC 6298 §2.4).
	MinRTO units.Duration
	// InitialRTO is the retransmission timeout before the first RTT sample
	// (RFC 6298 §2.1).
	InitialRTO units.Duration
	// RcvBuffer and SndBuffer are the receive and send buffer sizes in
	// bytes.
	RcvBuffer, SndBuffer int
	// SACK enables selective acknowledgments (RFC 2018).
	SACK bool
	// Recovery is the default loss recovery: reno, newreno, sack or rack.
	Recovery string
	// ECN negotiates explicit congestion notification (RFC 3168).
	ECN bool
	// Pacing paces algorithms that set no pacing rate themselves.
	Pacing bool
	// TSODeferral turns on Linux's TSO deferral (stack.Config.TSODeferral).
	TSODeferral bool
	// FRTO detects and undoes spurious timeouts as Linux does
	// (stack.Config.FRTO); the profile's default when not given.
	FRTO bool
	// TCPLifecycle are the handshake and close settings (lifecycle.go).
	TCPLifecycle
}

// PacketBytes is the size of a full-size packet on the wire.
func (t TCP) PacketBytes() int { return t.MSS + HeaderBytes }

// FlowGroup is one [[flows]] entry: Count identical flows.
type FlowGroup struct {
	// CC is the registered name of the congestion-control algorithm.
	CC string
	// Count is how many flows the entry stands for, at least 1.
	Count int
	// Start is when the flows open their connections, from the start of
	// the run.
	Start units.Duration
	// Size is how many bytes each flow sends; 0 means unlimited: the flow
	// sends in bulk until the run ends.
	Size int64
	// Recovery is the flows' loss recovery (tcp.recovery unless given).
	Recovery string
	// Receiver is who receives the flows: "kernel", B's kernel TCP (the
	// tun driver's default), or "stack", ccbench's stack (the only
	// receiver of the sim driver).
	Receiver string
	// Arrivals is "" for Count flows of Size, or "poisson" for a
	// workload: sized flows arriving as a Poisson process from Start to
	// the end of the run, offering Load × link.rate, with sizes drawn from
	// SizeDistribution of mean MeanSize. The driver expands a workload
	// from the seed; FlowList leaves it out. These are zero for fixed
	// flows.
	Arrivals         string
	Load             float64
	SizeDistribution string
	MeanSize         int64
	// SizeCDF is the CDF file of an "empirical" SizeDistribution, joined
	// to the experiment file's folder; MeanSize is then 0, because the
	// file gives the mean (the driver reads it, see LoadSizeCDF).
	SizeCDF string
	// Rounds is an incast entry's number of request rounds, 0 for as many
	// as the run holds (see Incast).
	Rounds int
	// Placement on the network (topology.go); a workload's flows are
	// placed the same way.
	Placement
}

// Placement is where a [[flows]] entry's flows run on the network.
type Placement struct {
	// From and To are node names as written, or the preset's defaults
	// (left and right for the dumbbell). A star's From may be
	// SendersGroup, which spreads the members over the senders.
	From, To string
	// Path is the pinned data path, node names from From to To (Nodes
	// lists them); "" for the shortest path. It is a string, not a slice,
	// so that a FlowGroup and a Flow stay comparable with ==.
	Path NodePath
	// Direction is "forward", or "reverse": data goes from To to From
	// along the same path, and its ACKs from From to To.
	Direction string
	// Stop is when the sender's application closes the connection, as
	// close(2) does: data already queued is still delivered, then FIN;
	// 0 never.
	Stop units.Duration
	// RTT is the target base RTT of each flow, reached by the flow's own
	// access link (see FlowPath.AccessDelay); 0 for none.
	RTT units.Duration
	// AccessDelay and AccessRate are the one-way delay and the rate of
	// the flow's own access link, data direction only; 0 for none and
	// unlimited.
	AccessDelay units.Duration
	AccessRate  units.Rate
}

// Incast reports whether the entry's flows answer synchronized request
// rounds: each round a block of Size bytes split among the Count flows,
// for Rounds rounds (0: until the end).
func (g FlowGroup) Incast() bool { return g.Arrivals == "incast" }

// Workload reports whether the entry is an arrival process.
func (g FlowGroup) Workload() bool { return g.Arrivals == "poisson" }

// CrossGroup is one [[cross]] entry: an unresponsive UDP source sending
// into the bottleneck at Rate, constantly or On then Off in turn, from
// Start to Stop (0: the end of the run).
type CrossGroup struct {
	Rate                 units.Rate
	Pattern              string
	On, Off, Start, Stop units.Duration
	PacketSize           int
}

// NodePath is a list of node names, held as the names separated by single
// spaces (a node name has none): "r0 r1 r2".
type NodePath string

// Nodes lists the names, nil for an empty path.
func (p NodePath) Nodes() []string {
	if p == "" {
		return nil
	}
	return strings.Split(string(p), " ")
}

// Flow is one connection of the run.
type Flow struct {
	// ID names the flow "f<group>.<member>": f1.0 is the first flow of the
	// second [[flows]] entry. It stays the same when another entry's count
	// changes, so results of runs that differ in one group still line up.
	ID string
	// Index is the flow's position in FlowList, the number drivers and
	// metrics use for it.
	Index int
	// Group is the index of its [[flows]] entry; Member its index within
	// that entry's Count.
	Group, Member int
	CC            string
	// Start is when the flow opens its connection.
	Start units.Time
	// Size is the bytes it sends, 0 for unlimited.
	Size int64
	// Recovery is its loss-recovery mode.
	Recovery string
	// Receiver is "kernel" or "stack", as FlowGroup.Receiver.
	Receiver string
	// Placement is the group's, with From resolved to the member's own
	// node (a star's "senders" group gives member m the sender s{m mod
	// senders}); Network gives the flow's path.
	Placement
}

// FlowList expands the flow groups into individual flows, group by group
// in file order.
func (c *Config) FlowList() []Flow {
	var flows []Flow
	for g, fg := range c.Flows {
		if fg.Workload() {
			continue
		}
		for m := range fg.Count {
			flows = append(flows, Flow{
				ID:        "f" + strconv.Itoa(g) + "." + strconv.Itoa(m),
				Index:     len(flows),
				Group:     g,
				Member:    m,
				CC:        fg.CC,
				Start:     units.Time(fg.Start),
				Size:      fg.Size,
				Recovery:  fg.Recovery,
				Receiver:  fg.Receiver,
				Placement: fg.Placement,
			})
			flows[len(flows)-1].From = c.memberFrom(fg.From, m)
		}
	}
	return flows
}

// FairnessWindow is the fairness window with its end resolved.
func (c *Config) FairnessWindow() (from, to units.Duration) {
	if c.FairnessTo == 0 {
		return c.FairnessFrom, c.Duration
	}
	return c.FairnessFrom, c.FairnessTo
}

// BaseRTT is the round-trip propagation delay without queueing or
// serialization: link.delay + reverse.delay.
func (c *Config) BaseRTT() units.Duration { return c.Link.Delay + c.Reverse.Delay }

// BDPBytes is the forward bandwidth-delay product in bytes,
// link.rate × BaseRTT / 8, rounded down; 0 for an unlimited link. A buffer of
// "1bdp" is this many bytes: the queue a single loss-based flow needs to
// keep the link busy after halving its window (Villamizar and Song, 1994).
func (c *Config) BDPBytes() int64 { return c.Link.Rate.BytesIn(c.BaseRTT()) }

// SelfCheckModes are the values of self_check: refuse the run, warn and
// run it, or skip the check.
var SelfCheckModes = []string{"refuse", "warn", "off"}
