// The schema of an experiment file: every table, every key, its kind, its
// default as it would be written in the file, its doc, the field it is
// decoded into and written from, and the rule its value must meet.
// Unknown-key detection, suggestions, --set, decoding and the resolved
// output all read this one list, so a key cannot be known to one of them
// and missing from another; adding a key is adding its entry (see bind.go).

package experiment

import (
	"math"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/units"
)

// kind is how a key's value is written and read.
type kind uint8

const (
	kindString   kind = iota
	kindInt           // a TOML integer
	kindBool          // a TOML boolean
	kindDuration      // "20ms"; 0 accepted bare
	kindRate          // "100Mbit/s", or "unlimited"/"0"
	kindSize          // "4MiB" or a byte count
	kindBuffer        // bytes, "100pkt", "1bdp" or "unlimited"
	kindLoss          // a loss probability 0 <= p < 1, or "1%"
	kindProb          // a probability 0 <= p <= 1, or "1%"
	kindFraction      // a fraction 0 <= x <= 1, or "50%", written back as the shortest number
	kindNumber        // an integer or a float
	kindNodeList      // an array of node names: ["r0", "r1"]
)

// key is one setting of a table.
type key struct {
	name string
	kind kind
	// def is the default as written in a file; a derive when the default
	// follows other settings, nil when the table's rules set it (see doc).
	def any
	// doc says what the key means, for the resolved file.
	doc string
	// at is the field of the table's destination the value goes to.
	at field
	// check is the rule the value alone must meet, or nil for any value
	// of the field's type.
	check rule
}

// table is the top level of the file (name ""), a [table] or an array of
// tables written [[name]].
type table struct {
	name  string
	array bool
	keys  []key
	doc   string
	// dst is the destination of the table, entry i of an array of tables,
	// in c: the value every key's at is applied to.
	dst func(c *Config, i int) any
	// count is how many entries of an array of tables c has.
	count func(c *Config) int
}

// receivers lists who may receive a flow: the kernel's TCP in the far
// namespace, or ccbench's stack.
var receivers = []string{"kernel", "stack"}

// profiles lists the TCP behaviours the [tcp] defaults can follow.
var profiles = []string{"linux", "rfc"}

// recoveryModes lists the loss-recovery modes a flow may use.
var recoveryModes = []string{"reno", "newreno", "sack", "rack"}

// drivers lists the drivers an experiment may name.
var drivers = []string{"sim", "tun"}

// Rules several tables share.
var (
	// beforeEnd allows a start from 0s to before the end of the run.
	beforeEnd rule = func(c *Config, _, v any) string {
		t := *v.(*units.Duration)
		return unless(t >= 0 && t < c.Duration, "must be from 0s to before the end of the run (duration = "+c.Duration.String()+")")
	}
	// recoveryRule allows a loss-recovery mode, SACK's only with tcp.sack.
	recoveryRule rule = func(c *Config, dst, v any) string {
		r := *v.(*string)
		if msg := notOneOf(r, recoveryModes, "a loss-recovery mode"); msg != "" {
			return msg
		}
		sack := c.TCP.SACK
		if t, ok := dst.(*TCP); ok {
			sack = t.SACK
		}
		return unless(sack || (r != "sack" && r != "rack"), "needs tcp.sack = true; without SACK: reno or newreno")
	}
)

// afterStart allows a stop of 0s (the end of the run) or after the start
// the field start holds.
func afterStart(start field) rule {
	return func(_ *Config, dst, v any) string {
		stop := *v.(*units.Duration)
		return unless(stop == 0 || stop > *start(dst).(*units.Duration), "must be 0s (the end of the run) or after start")
	}
}

// linkKeys are the keys of a path direction; the two directions differ only
// in their defaults.
func linkKeys(rate, delay, buffer any, delayDoc string) []key {
	return []key{
		{"rate", kindRate, rate, `serialization rate; "unlimited" (or "0") for none`, at(func(l *Link) any { return &l.Rate }), nil},
		{"delay", kindDuration, delay, delayDoc, at(func(l *Link) any { return &l.Delay }), nonNegative},
		{"buffer", kindBuffer, buffer, `drop-tail queue: bytes ("256KiB"), packets ("100pkt"), BDP multiples ("1bdp") or "unlimited"`, at(func(l *Link) any { return &l.Buffer }), nil},
		{"loss", kindLoss, 0.0, "Bernoulli loss probability, 0 <= loss < 1", at(func(l *Link) any { return &l.Loss }), nil},
		{"ecn_threshold", kindBuffer, "off", `mark ECN-capable packets CE when the queue holds this much ("20pkt", "30KB", "0.2bdp") or "off"`, at(func(l *Link) any { return &l.ECNThreshold }), nil},
		{"qdisc", kindString, "droptail", "queue discipline, as tc names it: droptail, drophead, red, codel, fq_codel or pie", at(func(l *Link) any { return &l.Qdisc }), oneOf(QdiscNames, "a queue discipline")},
		{"jitter", kindDuration, "0s", "random term added to each packet's delay (netem's delay jitter); 0s for none", at(func(l *Link) any { return &l.Jitter }), nonNegative},
		{"jitter_distribution", kindString, "uniform", "shape of the jitter: uniform (within ±jitter), normal, pareto or paretonormal (standard deviation jitter)", at(func(l *Link) any { return &l.JitterDistribution }), oneOf(JitterDistributions, "a jitter distribution")},
		{"jitter_correlation", kindProb, 0.0, "netem's correlation between successive jitter draws, 0 to 1", at(func(l *Link) any { return &l.JitterCorrelation }), nil},
		{"reorder", kindBool, false, "let a packet whose jitter is shorter overtake earlier ones, as netem does; false keeps order", at(func(l *Link) any { return &l.Reorder }),
			on(func(_ *Config, l *Link) string {
				return unless(!l.Reorder || l.Jitter > 0, "needs jitter above 0s: only jitter reorders packets")
			})},
		{"loss_model", kindString, "bernoulli", "loss model: bernoulli (uses loss), gilbert_elliott (ge_*) or 4state (state_*)", at(func(l *Link) any { return &l.LossModel }), oneOf(LossModels, "a loss model")},
		{"ge_p", kindProb, 0.0, "Gilbert-Elliott: probability of moving from Good to Bad before a packet", at(func(l *Link) any { return &l.GE.P }), nil},
		{"ge_r", kindProb, derive(func(_ *Config, dst any) { l := dst.(*Link); l.GE.R = 1 - l.GE.P }), "Gilbert-Elliott: probability of moving from Bad to Good; defaults to 1 - ge_p, as tc's", at(func(l *Link) any { return &l.GE.R }), nil},
		{"ge_loss_bad", kindProb, 1.0, "Gilbert-Elliott: loss probability in Bad (tc's 1-h)", at(func(l *Link) any { return &l.GE.LossBad }), nil},
		{"ge_loss_good", kindProb, 0.0, "Gilbert-Elliott: loss probability in Good (tc's 1-k)", at(func(l *Link) any { return &l.GE.LossGood }), nil},
		{"state_p13", kindProb, 0.0, "4-state loss: probability of entering a loss burst from a gap (tc's p13)", at(func(l *Link) any { return &l.State.P13 }), nil},
		{"state_p31", kindProb, 0.0, "4-state loss: probability of leaving a burst for a gap (tc's p31)", at(func(l *Link) any { return &l.State.P31 }), nil},
		{"state_p32", kindProb, 0.0, "4-state loss: probability of a received packet inside a burst (tc's p32)", at(func(l *Link) any { return &l.State.P32 }), nil},
		{"state_p23", kindProb, 0.0, "4-state loss: probability of a loss after a received packet inside a burst (tc's p23)", at(func(l *Link) any { return &l.State.P23 }), nil},
		{"state_p14", kindProb, 0.0, "4-state loss: probability of an isolated loss in a gap (tc's p14)", at(func(l *Link) any { return &l.State.P14 }), nil},
		{"duplicate", kindProb, 0.0, "probability that a packet is delivered twice (netem's duplicate)", at(func(l *Link) any { return &l.Duplicate }), nil},
		{"corrupt", kindProb, 0.0, "probability that a packet has one bit flipped past its IP header (netem's corrupt)", at(func(l *Link) any { return &l.Corrupt }), nil},
		{"policer_rate", kindRate, "unlimited", `token-bucket policer: traffic above this rate is dropped before the queue; "unlimited" for none`, at(func(l *Link) any { return &l.PolicerRate }), nil},
		{"policer_burst", kindSize, "64KiB", "policer's bucket depth: the burst passed at once", at(func(l *Link) any { return &l.PolicerBurst }),
			on(func(_ *Config, l *Link) string {
				if l.PolicerRate != 0 && !(l.PolicerBurst > 0 && l.PolicerBurst <= math.MaxInt32) {
					return unless(false, "must be at least one packet's bytes when policer_rate is set")
				}
				if _, err := l.PolicerRate.CheckedTxTime(l.PolicerBurst); err != nil && l.PolicerBurst > 0 {
					return unless(false, err.Error()) // the bucket holds the burst's transmission time
				}
				return ""
			})},
		{"trace", kindString, "", `Mahimahi delivery trace replacing rate, relative to this file's folder; "" for none`, at(func(l *Link) any { return &l.Trace }), nil},
		{"overhead", kindInt, int64(0), "bytes of framing below IP added to each packet's serialization (38 for Ethernet)", at(func(l *Link) any { return &l.Overhead }), between(0, 1024, "must be 0 to 1024 bytes of framing per packet")},
		{"schedule", kindString, "", `time-varying link: "10s rate=20Mbit/s; 20s rate=100Mbit/s delay=30ms loss=1%"; each change keeps what it does not set`, at(func(l *Link) any { return &l.Schedule }), nil},
	}
}

var schema = []table{
	{name: "", dst: func(c *Config, _ int) any { return c }, keys: []key{
		{"name", kindString, nil, "results go to results/<name>/<run>/; defaults to the file name", at(func(c *Config) any { return &c.Name }), nil},
		{"driver", kindString, "sim", "what runs the experiment: sim (virtual time)", at(func(c *Config) any { return &c.Driver }), oneOf(drivers, "a supported driver")},
		{"duration", kindDuration, "30s", "length of the run", at(func(c *Config) any { return &c.Duration }),
			on(func(c, _ *Config) string { return unless(c.Duration > 0, `must be longer than 0s, e.g. "30s"`) })},
		{"seed", kindInt, int64(1), "seeds every random source of the run", at(func(c *Config) any { return &c.Seed }), nil},
		{"sample_interval", kindDuration, "100ms", "probe sampling period", at(func(c *Config) any { return &c.SampleInterval }),
			on(func(c, _ *Config) string {
				return unless(c.SampleInterval > 0 && c.SampleInterval <= c.Duration,
					"must be longer than 0s and at most the duration ("+c.Duration.String()+")")
			})},
		{"throughput_window", kindDuration, "500ms", "window of the throughput column", at(func(c *Config) any { return &c.ThroughputWindow }),
			on(func(c, _ *Config) string {
				return unless(c.ThroughputWindow >= c.SampleInterval && c.ThroughputWindow <= c.Duration,
					"must be at least sample_interval ("+c.SampleInterval.String()+"), so every byte falls in some window, and at most the duration ("+c.Duration.String()+")")
			})},
		{"fairness_from", kindDuration, "0s", "start of the window over which fairness (Jain's index, per [[flows]] entry and overall) is computed", at(func(c *Config) any { return &c.FairnessFrom }),
			on(func(c, _ *Config) string {
				return unless(c.FairnessFrom >= 0 && c.FairnessFrom < c.Duration,
					"must be from 0s to before the end of the run (duration = "+c.Duration.String()+")")
			})},
		{"fairness_to", kindDuration, "0s", "end of the fairness window; 0s is the end of the run", at(func(c *Config) any { return &c.FairnessTo }),
			on(func(c, _ *Config) string {
				return unless(c.FairnessTo == 0 || c.FairnessTo > c.FairnessFrom && c.FairnessTo <= c.Duration,
					"must be 0s (the end of the run) or after fairness_from ("+c.FairnessFrom.String()+") and at most the duration ("+c.Duration.String()+")")
			})},
		{"max_release_p99", kindDuration, "100us", "driver = \"tun\": a run whose relay released packets later than this at the 99th percentile is marked invalid in summary.json", at(func(c *Config) any { return &c.MaxReleaseP99 }),
			on(func(c, _ *Config) string { return unless(c.MaxReleaseP99 > 0, `must be longer than 0s, e.g. "100us"`) })},
		{"self_check", kindString, "refuse", `driver = "tun": before the flows start, the relay runs for a second with synthetic traffic at the link's packet spacing; when its p99 release error is above max_release_p99, "refuse" fails the run with the figures, "warn" prints them and runs, "off" skips the check`, at(func(c *Config) any { return &c.SelfCheck }),
			oneOf(SelfCheckModes, "a self-check mode")},
		{"idle_poll", kindBool, true, `driver = "tun": while the relay runs, hold the CPU wake-up latency limit (/dev/cpu_dma_latency) at 0 so idle cores poll instead of halting; on a virtual machine a halted core can wake for the relay's timer milliseconds late. false lets idle cores sleep`, at(func(c *Config) any { return &c.IdlePoll }), nil},
	}},
	{name: "link", doc: "forward (data) direction: the bottleneck", dst: func(c *Config, _ int) any { return &c.Link },
		keys: linkKeys("100Mbit/s", "20ms", "1bdp", "one-way propagation delay")},
	{name: "reverse", doc: "ACK direction", dst: func(c *Config, _ int) any { return &c.Reverse },
		keys: linkKeys("unlimited", derive(func(c *Config, dst any) { dst.(*Link).Delay = c.Link.Delay }), "unlimited", "one-way propagation delay; defaults to link.delay")},
	{name: "tcp", doc: "settings every connection shares", dst: func(c *Config, _ int) any { return &c.TCP }, keys: []key{
		{"profile", kindString, "linux", `whose behaviour the defaults follow: "linux" (Linux 6.x: 200ms minimum RTO, RACK-TLP recovery, quick ACKs, slow start by every delivered segment) or "rfc" (the RFCs' own values: RFC 6298's 1s minimum RTO, RFC 6675 SACK recovery, RFC 3465's L = 2); keys given beside it override`,
			at(func(t *TCP) any { return &t.Profile }), oneOf(profiles, "a TCP profile")},
		{"mss", kindInt, int64(1460), "maximum segment size, bytes", at(func(t *TCP) any { return &t.MSS }),
			between(minMSS, maxMSS, "must be between "+strconv.Itoa(minMSS)+" and "+strconv.Itoa(maxMSS)+" bytes")},
		{"initial_window", kindInt, int64(10), "initial congestion window, segments (RFC 6928)", at(func(t *TCP) any { return &t.InitialWindow }),
			between(1, math.MaxInt32, "must be at least 1 segment")},
		{"delayed_ack", kindDuration, "40ms", "longest an ACK is held back; 0 disables delayed ACKs", at(func(t *TCP) any { return &t.DelayedACK }),
			on(func(_ *Config, t *TCP) string {
				return unless(t.DelayedACK >= 0 && t.DelayedACK < maxDelayedACK, `must be 0 (delayed ACKs off) or below 500ms (RFC 9293 §3.8.6.3)`)
			})},
		{"min_rto", kindDuration, derive(func(_ *Config, dst any) { t := dst.(*TCP); t.MinRTO = profileMinRTO(t.Profile) }),
			"floor of the retransmission timeout; defaults to the profile's: 200ms (linux, TCP_RTO_MIN), 1s (rfc, RFC 6298 §2.4)", at(func(t *TCP) any { return &t.MinRTO }),
			on(func(_ *Config, t *TCP) string {
				if t.MinRTO <= 0 {
					return unless(false, `must be longer than 0s, e.g. "200ms"`)
				}
				return unless(t.MinRTO <= maxTimer, timerAllowed(maxTimer, "a retransmission timer is set at least this far past the run's clock"))
			})},
		{"initial_rto", kindDuration, "1s", "retransmission timeout before the first RTT sample (RFC 6298)", at(func(t *TCP) any { return &t.InitialRTO }),
			on(func(_ *Config, t *TCP) string {
				if t.InitialRTO <= 0 {
					return unless(false, `must be longer than 0s, e.g. "1s" (RFC 6298)`)
				}
				return unless(t.InitialRTO <= maxTimer, timerAllowed(maxTimer, "the first retransmission timer is set this far past the run's clock"))
			})},
		{"rcv_buffer", kindSize, "4MiB", "receive buffer; bounds the advertised window", at(func(t *TCP) any { return &t.RcvBuffer }),
			on(func(_ *Config, t *TCP) string {
				return unless(t.RcvBuffer >= 2*t.MSS && t.RcvBuffer <= maxRcvBuffer,
					"must be between two segments ("+strconv.Itoa(2*t.MSS)+" bytes) and "+strconv.Itoa(maxRcvBuffer)+" bytes, the largest window RFC 7323 can advertise")
			})},
		{"snd_buffer", kindSize, "4MiB", "send buffer", at(func(t *TCP) any { return &t.SndBuffer }),
			on(func(_ *Config, t *TCP) string {
				return unless(t.SndBuffer >= 2*t.MSS && t.SndBuffer <= math.MaxInt32,
					"must be between two segments ("+strconv.Itoa(2*t.MSS)+" bytes) and "+strconv.Itoa(math.MaxInt32)+" bytes")
			})},
		{"sack", kindBool, true, "offer and accept selective acknowledgments (RFC 2018)", at(func(t *TCP) any { return &t.SACK }), nil},
		{"recovery", kindString, derive(func(_ *Config, dst any) { t := dst.(*TCP); t.Recovery = profileRecovery(t.Profile, t.SACK) }),
			"loss recovery: reno, newreno, sack (RFC 6675 + PRR) or rack (RFC 8985); defaults to the profile's: rack (linux) or sack (rfc) when tcp.sack is on, newreno without SACK",
			at(func(t *TCP) any { return &t.Recovery }), recoveryRule},
		{"ecn", kindBool, false, "negotiate explicit congestion notification (RFC 3168)", at(func(t *TCP) any { return &t.ECN }), nil},
		{"pacing", kindBool, false, "pace algorithms that set no rate of their own (as Linux with fq); BBR always paces", at(func(t *TCP) any { return &t.Pacing }), nil},
		{"frto", kindBool, derive(func(_ *Config, dst any) { t := dst.(*TCP); t.FRTO = t.Profile != "rfc" }),
			"detect a spurious retransmission timeout and undo it as Linux does by default (F-RTO, RFC 5682, tcp_frto = 2); defaults to the profile's: on (linux), off (rfc)",
			at(func(t *TCP) any { return &t.FRTO }), nil},
		{"tso_deferral", kindBool, false, "hold back a short GSO burst for the next ACK as Linux's tcp_tso_should_defer does (off: without a model of the receiver's GRO it makes the sim burstier than Linux, see stack.Config.TSODeferral)", at(func(t *TCP) any { return &t.TSODeferral }), nil},
	}},
	{name: "flows", array: true, doc: "one entry per group of identical flows", dst: func(c *Config, i int) any { return &c.Flows[i] }, count: func(c *Config) int { return len(c.Flows) }, keys: []key{
		{"cc", kindString, "reno", "congestion-control algorithm", at(func(g *FlowGroup) any { return &g.CC }),
			on(func(_ *Config, g *FlowGroup) string {
				if isKernelCC(g.CC) {
					// The kernel's own algorithms run under the tun
					// driver; the kernel itself says whether it has the
					// one named.
					return ""
				}
				return checkAlgorithm(g.CC)
			})},
		{"count", kindInt, int64(1), "number of flows in the group", at(func(g *FlowGroup) any { return &g.Count }),
			between(1, maxFlowCount, "must be a whole number of flows from 1 to "+strconv.Itoa(maxFlowCount))},
		{"start", kindDuration, "0s", "when the flows start", at(func(g *FlowGroup) any { return &g.Start }), beforeEnd},
		{"size", kindSize, "0", "bytes each flow sends; 0 = unlimited (bulk until the end)", at(func(g *FlowGroup) any { return &g.Size }), nil},
		{"recovery", kindString, derive(func(c *Config, dst any) { dst.(*FlowGroup).Recovery = c.TCP.Recovery }),
			"the group's loss recovery; defaults to tcp.recovery", at(func(g *FlowGroup) any { return &g.Recovery }), recoveryRule},
		{"receiver", kindString, derive(func(c *Config, dst any) {
			// The tun driver's default is the kernel, which every flow
			// had before the key existed; the sim driver has only
			// ccbench's stack at both ends.
			dst.(*FlowGroup).Receiver = "stack"
			if c.Driver == "tun" {
				dst.(*FlowGroup).Receiver = "kernel"
			}
		}), `who receives the flows: "kernel" (driver = "tun" only, its default) or "stack" (ccbench's stack; the sim driver's only receiver)`,
			at(func(g *FlowGroup) any { return &g.Receiver }),
			on(func(c *Config, g *FlowGroup) string {
				if msg := notOneOf(g.Receiver, receivers, "a receiver"); msg != "" {
					return msg
				}
				// "stack" is accepted by the sim driver as a no-op, which
				// lets one file run under both drivers.
				return unless(c.Driver == "tun" || g.Receiver == "stack", `needs driver = "tun"; allowed with driver = "`+c.Driver+`": stack`)
			})},
		{"arrivals", kindString, "none", `"none": count flows of size; "poisson": a workload of sized flows arriving from start to the end at load (count 1, size 0)`,
			at(func(g *FlowGroup) any { return &g.Arrivals }), oneOf(arrivalProcesses, "an arrival process")},
		{"load", kindFraction, 0.5, "poisson workload: offered load as a fraction of link.rate", at(func(g *FlowGroup) any { return &g.Load }), nil},
		{"size_distribution", kindString, "fixed", "poisson workload: flow sizes, fixed (mean_size), exponential (of mean mean_size) or empirical (size_cdf)",
			at(func(g *FlowGroup) any { return &g.SizeDistribution }), oneOf(sizeDistributions, "a size distribution")},
		{"mean_size", kindSize, "100KB", "poisson workload: mean flow size; arrivals per second are load × link.rate / (8 × mean_size); 0B with empirical, whose CDF gives the mean",
			at(func(g *FlowGroup) any { return &g.MeanSize }), nil},
		{"size_cdf", kindString, "", `empirical sizes: a CDF file of "size_bytes cdf" lines, relative to this file's folder (experiments/workloads/)`,
			at(func(g *FlowGroup) any { return &g.SizeCDF }), nil},
	}},
	{name: "cross", array: true, doc: "unresponsive UDP cross traffic into the bottleneck; none unless given", dst: func(c *Config, i int) any { return &c.Cross[i] }, count: func(c *Config) int { return len(c.Cross) }, keys: []key{
		{"rate", kindRate, "10Mbit/s", "sending rate while on", at(func(g *CrossGroup) any { return &g.Rate }),
			on(func(_ *Config, g *CrossGroup) string {
				return unless(g.Rate > 0, `must be a rate above 0, e.g. "10Mbit/s"`)
			})},
		{"pattern", kindString, "constant", "constant, or onoff (alternating on and off)", at(func(g *CrossGroup) any { return &g.Pattern }), oneOf(crossPatterns, "a traffic pattern")},
		{"on", kindDuration, "1s", "onoff: length of each burst", at(func(g *CrossGroup) any { return &g.On }),
			on(func(_ *Config, g *CrossGroup) string {
				return unless(g.Pattern != "onoff" || g.On > 0, "must be longer than 0s with pattern = onoff")
			})},
		{"off", kindDuration, "1s", "onoff: length of each silence", at(func(g *CrossGroup) any { return &g.Off }),
			on(func(_ *Config, g *CrossGroup) string { return unless(g.Off >= 0, `must not be negative`) })},
		{"start", kindDuration, "0s", "when the source starts", at(func(g *CrossGroup) any { return &g.Start }), beforeEnd},
		{"stop", kindDuration, "0s", "when the source stops; 0s runs to the end", at(func(g *CrossGroup) any { return &g.Stop }),
			afterStart(at(func(g *CrossGroup) any { return &g.Start }))},
		{"packet_size", kindInt, int64(1500), "IP packet length in bytes, IPv4 and UDP headers included", at(func(g *CrossGroup) any { return &g.PacketSize }),
			between(28, 1984, "must be from 28 (IPv4 and UDP headers) to 1984 bytes")},
	}},
}

// arrivalProcesses are a [[flows]] entry's arrivals; sizeDistributions the
// sizes of a workload; crossPatterns the shapes of cross traffic.
var (
	arrivalProcesses  = []string{"none", "poisson", "incast"}
	sizeDistributions = []string{"fixed", "exponential", "empirical"}
	crossPatterns     = []string{"constant", "onoff"}
)

// tableNamed returns the schema table called name, or nil.
func tableNamed(name string) *table {
	for i := range schema {
		if schema[i].name == name {
			return &schema[i]
		}
	}
	return nil
}

// key returns the key called name, or nil.
func (t *table) key(name string) *key {
	for i := range t.keys {
		if t.keys[i].name == name {
			return &t.keys[i]
		}
	}
	return nil
}

// header is the table as written in a file: [link], [[flows]].
func (t *table) header() string {
	if t.array {
		return "[[" + t.name + "]]"
	}
	return "[" + t.name + "]"
}

// keyNames lists the table's keys in schema order.
func (t *table) keyNames() []string {
	names := make([]string, len(t.keys))
	for i, k := range t.keys {
		names[i] = k.name
	}
	return names
}

// allowedKeys describes the keys allowed in t, for error messages.
func (t *table) allowedKeys() string {
	if t.name == "" {
		var tables []string
		for _, s := range schema[1:] {
			tables = append(tables, s.header())
		}
		return "allowed top-level keys: " + strings.Join(t.keyNames(), ", ") +
			", and the tables " + strings.Join(tables, ", ")
	}
	return "allowed keys in " + t.header() + ": " + strings.Join(t.keyNames(), ", ")
}
