// The schema of an experiment file: every table, every key, its kind and
// its default as it would be written in the file. Unknown-key detection,
// suggestions, --set, decoding and the resolved output all read this one
// list, so a key cannot be known to one of them and missing from another.

package experiment

import "strings"

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
	kindLoss          // a probability, or "1%"
	kindNodeList      // an array of node names: ["r0", "r1"]
)

// key is one setting of a table.
type key struct {
	name string
	kind kind
	// def is the default as written in a file; nil when the default is
	// derived from another setting (see doc).
	def any
	// doc says what the key means, for the resolved file.
	doc string
}

// table is the top level of the file (name ""), a [table] or an array of
// tables written [[name]].
type table struct {
	name  string
	array bool
	keys  []key
	doc   string
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

// linkKeys are the keys of a path direction; the two directions differ only
// in their defaults.
func linkKeys(rate, delay, buffer any, delayDoc string) []key {
	return []key{
		{"rate", kindRate, rate, `serialization rate; "unlimited" (or "0") for none`},
		{"delay", kindDuration, delay, delayDoc},
		{"buffer", kindBuffer, buffer, `drop-tail queue: bytes ("256KiB"), packets ("100pkt"), BDP multiples ("1bdp") or "unlimited"`},
		{"loss", kindLoss, 0.0, "Bernoulli loss probability, 0 <= loss < 1"},
		{"ecn_threshold", kindBuffer, "off", `mark ECN-capable packets CE when the queue holds this much ("20pkt", "30KB", "0.2bdp") or "off"`},
		{"qdisc", kindString, "droptail", "queue discipline, as tc names it: droptail, drophead, red, codel, fq_codel or pie"},
		{"jitter", kindDuration, "0s", "random term added to each packet's delay (netem's delay jitter); 0s for none"},
		{"jitter_distribution", kindString, "uniform", "shape of the jitter: uniform (within ±jitter), normal, pareto or paretonormal (standard deviation jitter)"},
		{"jitter_correlation", kindLoss, 0.0, "netem's correlation between successive jitter draws, 0 to 1"},
		{"reorder", kindBool, false, "let a packet whose jitter is shorter overtake earlier ones, as netem does; false keeps order"},
		{"loss_model", kindString, "bernoulli", "loss model: bernoulli (uses loss), gilbert_elliott (ge_*) or 4state (state_*)"},
		{"ge_p", kindLoss, 0.0, "Gilbert-Elliott: probability of moving from Good to Bad before a packet"},
		{"ge_r", kindLoss, nil, "Gilbert-Elliott: probability of moving from Bad to Good; defaults to 1 - ge_p, as tc's"},
		{"ge_loss_bad", kindLoss, 1.0, "Gilbert-Elliott: loss probability in Bad (tc's 1-h)"},
		{"ge_loss_good", kindLoss, 0.0, "Gilbert-Elliott: loss probability in Good (tc's 1-k)"},
		{"state_p13", kindLoss, 0.0, "4-state loss: probability of entering a loss burst from a gap (tc's p13)"},
		{"state_p31", kindLoss, 0.0, "4-state loss: probability of leaving a burst for a gap (tc's p31)"},
		{"state_p32", kindLoss, 0.0, "4-state loss: probability of a received packet inside a burst (tc's p32)"},
		{"state_p23", kindLoss, 0.0, "4-state loss: probability of a loss after a received packet inside a burst (tc's p23)"},
		{"state_p14", kindLoss, 0.0, "4-state loss: probability of an isolated loss in a gap (tc's p14)"},
		{"duplicate", kindLoss, 0.0, "probability that a packet is delivered twice (netem's duplicate)"},
		{"corrupt", kindLoss, 0.0, "probability that a packet has one bit flipped past its IP header (netem's corrupt)"},
		{"policer_rate", kindRate, "unlimited", `token-bucket policer: traffic above this rate is dropped before the queue; "unlimited" for none`},
		{"policer_burst", kindSize, "64KiB", "policer's bucket depth: the burst passed at once"},
		{"trace", kindString, "", `Mahimahi delivery trace replacing rate, relative to this file's folder; "" for none`},
		{"overhead", kindInt, int64(0), "bytes of framing below IP added to each packet's serialization (38 for Ethernet)"},
		{"schedule", kindString, "", `time-varying link: "10s rate=20Mbit/s; 20s rate=100Mbit/s delay=30ms loss=1%"; each change keeps what it does not set`},
	}
}

var schema = []table{
	{name: "", keys: []key{
		{"name", kindString, nil, "results go to results/<name>/<run>/; defaults to the file name"},
		{"driver", kindString, "sim", "what runs the experiment: sim (virtual time)"},
		{"duration", kindDuration, "30s", "length of the run"},
		{"seed", kindInt, int64(1), "seeds every random source of the run"},
		{"sample_interval", kindDuration, "100ms", "probe sampling period"},
		{"throughput_window", kindDuration, "500ms", "window of the throughput column"},
		{"fairness_from", kindDuration, "0s", "start of the window over which fairness (Jain's index, per [[flows]] entry and overall) is computed"},
		{"fairness_to", kindDuration, "0s", "end of the fairness window; 0s is the end of the run"},
		{"max_release_p99", kindDuration, "100us", "driver = \"tun\": a run whose relay released packets later than this at the 99th percentile is marked invalid in summary.json"},
	}},
	{name: "link", doc: "forward (data) direction: the bottleneck",
		keys: linkKeys("100Mbit/s", "20ms", "1bdp", "one-way propagation delay")},
	{name: "reverse", doc: "ACK direction",
		keys: linkKeys("unlimited", nil, "unlimited", "one-way propagation delay; defaults to link.delay")},
	{name: "tcp", doc: "settings every connection shares", keys: []key{
		{"profile", kindString, "linux", `whose behaviour the defaults follow: "linux" (Linux 6.x: 200ms minimum RTO, RACK-TLP recovery, quick ACKs, slow start by every delivered segment) or "rfc" (the RFCs' own values: RFC 6298's 1s minimum RTO, RFC 6675 SACK recovery, RFC 3465's L = 2); keys given beside it override`},
		{"mss", kindInt, int64(1460), "maximum segment size, bytes"},
		{"initial_window", kindInt, int64(10), "initial congestion window, segments (RFC 6928)"},
		{"delayed_ack", kindDuration, "40ms", "longest an ACK is held back; 0 disables delayed ACKs"},
		{"min_rto", kindDuration, nil, "floor of the retransmission timeout; defaults to the profile's: 200ms (linux, TCP_RTO_MIN), 1s (rfc, RFC 6298 §2.4)"},
		{"initial_rto", kindDuration, "1s", "retransmission timeout before the first RTT sample (RFC 6298)"},
		{"rcv_buffer", kindSize, "4MiB", "receive buffer; bounds the advertised window"},
		{"snd_buffer", kindSize, "4MiB", "send buffer"},
		{"sack", kindBool, true, "offer and accept selective acknowledgments (RFC 2018)"},
		{"recovery", kindString, nil, "loss recovery: reno, newreno, sack (RFC 6675 + PRR) or rack (RFC 8985); defaults to the profile's: rack (linux) or sack (rfc) when tcp.sack is on, newreno without SACK"},
		{"ecn", kindBool, false, "negotiate explicit congestion notification (RFC 3168)"},
		{"pacing", kindBool, false, "pace algorithms that set no rate of their own (as Linux with fq); BBR always paces"},
		{"tso_deferral", kindBool, false, "hold back a short GSO burst for the next ACK as Linux's tcp_tso_should_defer does (off: without a model of the receiver's GRO it makes the sim burstier than Linux, see stack.Config.TSODeferral)"},
	}},
	{name: "flows", array: true, doc: "one entry per group of identical flows", keys: []key{
		{"cc", kindString, "reno", "congestion-control algorithm"},
		{"count", kindInt, int64(1), "number of flows in the group"},
		{"start", kindDuration, "0s", "when the flows start"},
		{"size", kindSize, "0", "bytes each flow sends; 0 = unlimited (bulk until the end)"},
		{"recovery", kindString, nil, "the group's loss recovery; defaults to tcp.recovery"},
		{"receiver", kindString, nil, `who receives the flows: "kernel" (driver = "tun" only, its default) or "stack" (ccbench's stack; the sim driver's only receiver)`},
		{"arrivals", kindString, "none", `"none": count flows of size; "poisson": a workload of sized flows arriving from start to the end at load (count 1, size 0)`},
		{"load", kindLoss, 0.5, "poisson workload: offered load as a fraction of link.rate"},
		{"size_distribution", kindString, "fixed", "poisson workload: flow sizes, fixed (mean_size), exponential (of mean mean_size) or empirical (size_cdf)"},
		{"mean_size", kindSize, "100KB", "poisson workload: mean flow size; arrivals per second are load × link.rate / (8 × mean_size); 0B with empirical, whose CDF gives the mean"},
		{"size_cdf", kindString, "", `empirical sizes: a CDF file of "size_bytes cdf" lines, relative to this file's folder (experiments/workloads/)`},
	}},
	{name: "cross", array: true, doc: "unresponsive UDP cross traffic into the bottleneck; none unless given", keys: []key{
		{"rate", kindRate, "10Mbit/s", "sending rate while on"},
		{"pattern", kindString, "constant", "constant, or onoff (alternating on and off)"},
		{"on", kindDuration, "1s", "onoff: length of each burst"},
		{"off", kindDuration, "1s", "onoff: length of each silence"},
		{"start", kindDuration, "0s", "when the source starts"},
		{"stop", kindDuration, "0s", "when the source stops; 0s runs to the end"},
		{"packet_size", kindInt, int64(1500), "IP packet length in bytes, IPv4 and UDP headers included"},
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
