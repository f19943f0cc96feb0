// Networks described as data: the [topology] table, the [[nodes]] and
// [[links]] of a custom network, and the [[flows]] keys that place a flow
// on it (from, to, path, direction, stop, rtt, access_delay, access_rate).
//
// A network is nodes and one-directional links. A host is an endpoint that
// never forwards transit traffic; a router forwards, and flows may attach
// at it too, each flow endpoint being its own TCP stack attached at that
// node. Every link direction is a full emulated link with the settings of
// [link].
//
// The presets:
//
//   - dumbbell (the default, and what every file without [topology] runs):
//     routers "left" and "right"; link 0 is left->right with [link]'s
//     settings, link 1 right->left with [reverse]'s. Flows go from left to
//     right.
//   - parking_lot: routers r0 to rN, N = hops; hop i is r(i-1)->r(i) with
//     [link]'s settings (link 2(i-1)) and r(i)->r(i-1) with [reverse]'s
//     (link 2(i-1)+1). Flows go from r0 to rN unless from and to say
//     otherwise; a cross flow on hop i has from = "r{i-1}", to = "r{i}".
//   - star (incast): hosts s0 to s{N-1}, N = senders, router "switch", host
//     "receiver". Link 0 is switch->receiver, the shared port, with
//     [link]'s settings; link 1 receiver->switch with [reverse]'s; then
//     s_i->switch and switch->s_i for each sender, with the access_*
//     settings. Flows go from "senders", the group name that spreads a
//     [[flows]] entry's members over the senders (member m at s_{m mod N}),
//     to "receiver".
//   - custom: [[nodes]] and [[links]] give the network; [link] and
//     [reverse] are not used and may not be given.
//
// from, to and path name the nodes as above. Routes are the shortest
// (fewest hops, then least propagation delay, then lowest link indices);
// path pins a flow's data path, its ACKs taking the same nodes back.
//
// A buffer written in BDP multiples on the dumbbell keeps its one meaning,
// link.rate × (link.delay + reverse.delay). On the other networks it is
// the link's rate times the largest base RTT of the flows whose data or
// ACKs cross that link (Network resolves it; Config.Link and
// Config.Reverse then still hold the dumbbell's bytes, so an engine reads
// every link's settings from Network).
//
// A flow's own access link (rtt, access_delay, access_rate) sits between
// its sender and the node it attaches at, on the data direction only: it
// adds propagation delay (and, with access_rate, serialization) to the
// data, none to the ACKs. It is not a link of the graph, so the links of a
// network do not depend on the flows.

package experiment

import (
	"math"
	"strconv"

	"github.com/ccbench/ccbench/units"
)

// The topology presets, and the values of a flow's direction and of a
// node's kind.
var (
	Presets    = []string{"dumbbell", "parking_lot", "star", "custom"}
	Directions = []string{"forward", "reverse"}
	NodeKinds  = []string{"host", "router"}
)

// SendersGroup is the from of a star's [[flows]] entry that spreads its
// members over the senders s0 to s{N-1}.
const SendersGroup = "senders"

// Limits of the presets' sizes: far above the experiments of the
// literature (parking lots of a few hops, incast of tens to hundreds of
// senders), they stop a typo from building a network that exhausts memory.
const (
	maxHops    = 1000
	maxSenders = 10000
	maxNodes   = 10000
)

// Topology is the [topology] table.
type Topology struct {
	// Preset is one of Presets.
	Preset string
	// Hops is the parking lot's number of hops (links in each direction).
	Hops int
	// Senders is the star's number of sender hosts.
	Senders int
	// Access is the star's link between each sender and the switch, in
	// both directions: Rate, Delay and Buffer from access_rate,
	// access_delay and access_buffer, every other setting as a [link]
	// left at its defaults. A buffer in BDP multiples is resolved by
	// Network.
	Access Link
}

// NodeSpec is one [[nodes]] entry of a custom network.
type NodeSpec struct {
	Name string
	// Kind is "host" or "router".
	Kind string
}

// LinkSpec is one [[links]] entry of a custom network: the From->To
// direction with Link's settings and, when Duplex, To->From with the same
// settings unless another entry gives that direction. A buffer or ECN
// threshold in BDP multiples keeps Bytes 0 here; Network resolves it.
type LinkSpec struct {
	From, To string
	Duplex   bool
	Link
}

func init() {
	flows := tableNamed("flows")
	flows.keys = append(flows.keys,
		key{"from", kindString, nil, `node the flows send from; defaults to the preset's: "left" (dumbbell), "r0" (parking_lot), "senders" (star: member m at s{m mod senders}), the first node of path (custom, where from or path is required)`,
			at(func(g *FlowGroup) any { return &g.From }), nil},
		key{"to", kindString, nil, `node the flows send to; defaults to the preset's: "right" (dumbbell), "r<hops>" (parking_lot), "receiver" (star), the last node of path`,
			at(func(g *FlowGroup) any { return &g.To }), nil},
		key{"path", kindNodeList, nil, `pinned data path, the node names from from to to, e.g. ["r0", "r1", "r2"]; the ACKs take the same nodes reversed; default: the shortest path (fewest hops, then least delay, then lowest link numbers), ACKs the shortest path back`,
			at(func(g *FlowGroup) any { return &g.Path }), nil},
		key{"direction", kindString, "forward", `"forward", or "reverse": data goes from to to from across the same path, for reverse-path data and ACK-compression studies`,
			at(func(g *FlowGroup) any { return &g.Direction }), oneOf(Directions, "a direction")},
		key{"stop", kindDuration, "0s", "when the sender's application closes the connection, like close(2): data already queued is still delivered, then FIN; 0s never",
			at(func(g *FlowGroup) any { return &g.Stop }),
			on(func(c *Config, g *FlowGroup) string {
				if !(g.Stop == 0 || g.Stop > g.Start && g.Stop <= c.Duration) {
					return unless(false, "must be 0s (never) or after start ("+g.Start.String()+") and at most the duration ("+c.Duration.String()+")")
				}
				return unless(g.Stop == 0 || !g.Workload(), "must be 0s with arrivals = poisson: each flow of a workload closes once its size is sent")
			})},
		key{"rtt", kindDuration, "0s", "target base RTT: the flow gets its own access link whose one-way delay, data direction only, is rtt minus its path's base RTT; 0s for none",
			at(func(g *FlowGroup) any { return &g.RTT }),
			on(func(_ *Config, g *FlowGroup) string {
				return unless(g.RTT >= 0 && g.RTT <= maxTimer, "must be 0s (none) or a round-trip time such as \"80ms\"")
			})},
		key{"access_delay", kindDuration, "0s", "one-way delay of the flow's own access link between the sender and the node it attaches at, data direction only; 0s for none",
			at(func(g *FlowGroup) any { return &g.AccessDelay }),
			on(func(_ *Config, g *FlowGroup) string {
				return unless(g.AccessDelay >= 0 && g.AccessDelay <= maxTimer, `must not be negative; "0s" for none`)
			})},
		key{"access_rate", kindRate, "unlimited", "rate of the flow's own access link, data direction only", at(func(g *FlowGroup) any { return &g.AccessRate }), nil},
		key{"rounds", kindInt, int64(0), `arrivals = "incast" (the count flows answer a receiver's requests in synchronized rounds, each round a block of size bytes split among them): how many rounds to run; 0 runs rounds until the end`,
			at(func(g *FlowGroup) any { return &g.Rounds }), between(0, 1<<30, "must be a whole number of rounds, 0 for as many as the run holds")},
	)
	schema = append(schema,
		table{name: "topology", doc: "the network: a preset, or custom [[nodes]] and [[links]]", dst: func(c *Config, _ int) any { return &c.Topology }, keys: []key{
			{"preset", kindString, "dumbbell", "dumbbell (left and right: [link] and [reverse]), parking_lot (r0..r<hops>), star (senders s0.., switch, receiver) or custom ([[nodes]], [[links]])",
				at(func(t *Topology) any { return &t.Preset }), oneOf(Presets, "a topology preset")},
			{"hops", kindInt, int64(3), "parking_lot: number of hops r(i-1) -> r(i), each with [link]'s settings and [reverse]'s back",
				at(func(t *Topology) any { return &t.Hops }), between(1, maxHops, "must be a whole number of hops from 1 to "+strconv.Itoa(maxHops))},
			{"senders", kindInt, int64(8), "star: number of sender hosts s0 .. s<senders-1>",
				at(func(t *Topology) any { return &t.Senders }), between(1, maxSenders, "must be a whole number of senders from 1 to "+strconv.Itoa(maxSenders))},
			{"access_rate", kindRate, derive(func(c *Config, dst any) { dst.(*Topology).Access.Rate = c.Link.Rate }), "star: rate of every sender's link to and from the switch; defaults to link.rate",
				at(func(t *Topology) any { return &t.Access.Rate }), nil},
			{"access_delay", kindDuration, "0s", "star: one-way delay of every sender's link to and from the switch", at(func(t *Topology) any { return &t.Access.Delay }), nonNegative},
			{"access_buffer", kindBuffer, "1bdp", `star: buffer of every sender's link to and from the switch; "1bdp" (the default) is "unlimited" when access_rate is`,
				at(func(t *Topology) any { return &t.Access.Buffer }), nil},
		}},
		table{name: "nodes", array: true, doc: "custom network: one node", dst: func(c *Config, i int) any { return &c.Nodes[i] }, count: func(c *Config) int { return len(c.Nodes) }, keys: []key{
			{"name", kindString, nil, "the node's name, used by from, to and path", at(func(n *NodeSpec) any { return &n.Name }),
				on(func(_ *Config, n *NodeSpec) string { return unless(validNodeName(n.Name), nodeNameAllowed) })},
			{"kind", kindString, "router", "router (forwards, flows may attach) or host (an endpoint, never forwards)", at(func(n *NodeSpec) any { return &n.Kind }), oneOf(NodeKinds, "a node kind")},
		}},
		table{name: "links", array: true, doc: "custom network: the link from -> to (and back when duplex)", dst: func(c *Config, i int) any { return &c.Links[i] }, count: func(c *Config) int { return len(c.Links) }, keys: append([]key{
			{"from", kindString, nil, "node the link leaves", at(func(l *LinkSpec) any { return &l.From }), nil},
			{"to", kindString, nil, "node the link reaches", at(func(l *LinkSpec) any { return &l.To }), nil},
			{"duplex", kindBool, true, "also create to -> from with the same settings, unless another [[links]] entry gives that direction", at(func(l *LinkSpec) any { return &l.Duplex }), nil},
		}, customLinkKeys()...)},
	)
}

// customLinkKeys are a [[links]] entry's link settings: those of [link],
// with no default rate, no delay by default and a buffer of one BDP when
// the rate is finite, bound to the entry's Link.
func customLinkKeys() []key {
	keys := linkKeys(nil, "0s", "1bdp", "one-way propagation delay")
	keys[0].doc = `serialization rate, required: "100Mbit/s", or "unlimited" for none`
	keys[2].doc += `; "1bdp" (the default) is "unlimited" when rate is`
	for i, k := range keys {
		keys[i].at = func(dst any) any { return k.at(&dst.(*LinkSpec).Link) }
		if k.check != nil {
			keys[i].check = func(c *Config, dst, v any) string { return k.check(c, &dst.(*LinkSpec).Link, v) }
		}
		if f, ok := k.def.(derive); ok {
			keys[i].def = derive(func(c *Config, dst any) { f(c, &dst.(*LinkSpec).Link) })
		}
	}
	return keys
}

// topologyTable reads [topology], [[nodes]] and [[links]]. It runs before
// the flows, whose defaults depend on the preset.
func (d *decoder) topologyTable(c *Config) {
	t := d.table("topology")
	tp := &c.Topology
	tp.Access = plainLink(0, 0, Buffer{})
	d.fill(t, c, tp)
	uses := map[string]string{
		"hops": "parking_lot", "senders": "star",
		"access_rate": "star", "access_delay": "star", "access_buffer": "star",
	}
	for _, name := range t.t.keyNames()[1:] {
		if _, given := d.raw(t, name); given && uses[name] != tp.Preset {
			d.reject(t, name, "only with topology.preset = "+strconv.Quote(uses[name])+` (the preset is `+strconv.Quote(tp.Preset)+`)`)
		}
	}
	if _, given := d.raw(t, "access_buffer"); !given && tp.Access.Rate == 0 {
		tp.Access.Buffer = Buffer{}
	}
	d.check(t, "access_buffer", tp.Access.Rate > 0 || tp.Access.Buffer.Unit != BufferBDP,
		`a multiple of the bandwidth-delay product needs a finite topology.access_rate; give bytes ("256KiB"), packets ("100pkt") or "unlimited"`)
	tp.Access.Buffer = d.fixedBuffer(t, "access_buffer", tp.Access.Buffer, c.TCP)
	if tp.Preset != "dumbbell" && c.Driver == "tun" {
		d.reject(t, "preset", `needs driver = "sim": the tun driver relays one path; allowed with driver = "tun": dumbbell`)
	}
	if tp.Preset == "custom" {
		for _, name := range [...]string{"link", "reverse"} {
			if _, given := d.tree[name]; given && d.err == nil {
				d.err = &Error{Source: d.source, Key: name, Msg: "[" + name + `] is not allowed with topology.preset = "custom": give every link in [[links]]`}
			}
		}
	}
	c.Nodes, c.Links = d.customNetwork(tp.Preset, c)
	var horizon []horizonTerm
	horizon = append(horizon, horizonTerm{d.table(""), "duration", c.Duration})
	for i, s := range d.entries("links") {
		if i < len(c.Links) {
			horizon = append(horizon, longestDelay(s, c.Links[i].Link), horizonTerm{s, "jitter", c.Links[i].Jitter})
		}
	}
	if len(c.Links) > 0 {
		d.checkHorizon(horizon)
	}
}

// plainLink is a link with the given rate, delay and buffer and every
// other setting at [link]'s defaults.
func plainLink(rate units.Rate, delay units.Duration, buf Buffer) Link {
	return Link{Rate: rate, Delay: delay, Buffer: buf, Qdisc: "droptail", JitterDistribution: "uniform",
		LossModel: "bernoulli", GE: GilbertElliott{R: 1, LossBad: 1}, PolicerBurst: 64 << 10}
}

// fixedBuffer resolves a buffer given in bytes or packets; a BDP multiple
// is left for Network, which knows the paths.
func (d *decoder) fixedBuffer(s scope, name string, b Buffer, tcp TCP) Buffer {
	pkt := int64(tcp.PacketBytes())
	switch b.Unit {
	case BufferBytes:
		b.Packets = b.Bytes / pkt
	case BufferPackets:
		if b.Packets > math.MaxInt64/pkt {
			d.reject(s, name, "too many packets")
			return b
		}
		b.Bytes = b.Packets * pkt
	}
	return b
}

// customNetwork reads [[nodes]] and [[links]]: required with preset =
// custom, refused with any other.
func (d *decoder) customNetwork(preset string, c *Config) ([]NodeSpec, []LinkSpec) {
	_, nodesGiven := d.tree["nodes"]
	_, linksGiven := d.tree["links"]
	if preset != "custom" {
		for _, name := range [...]string{"nodes", "links"} {
			if _, given := d.tree[name]; given && d.err == nil {
				d.err = &Error{Source: d.source, Key: name, Msg: "[[" + name + "]] is not allowed with topology.preset = " +
					strconv.Quote(preset) + `: [[nodes]] and [[links]] describe a custom network; set topology.preset = "custom"`}
			}
		}
		return nil, nil
	}
	if (!nodesGiven || !linksGiven) && d.err == nil {
		missing := "nodes"
		if nodesGiven {
			missing = "links"
		}
		d.err = &Error{Source: d.source, Key: missing, Msg: `missing; topology.preset = "custom" needs [[nodes]] entries (name, kind) and [[links]] entries (from, to, rate, ...)`}
		return nil, nil
	}
	var nodes []NodeSpec
	scopes := d.entries("nodes")
	if len(scopes) > maxNodes && d.err == nil {
		d.err = &Error{Source: d.source, Key: "nodes", Msg: strconv.Itoa(len(scopes)) + " entries are not allowed: at most " + strconv.Itoa(maxNodes)}
	}
	for _, s := range scopes {
		var n NodeSpec
		d.fill(s, c, &n)
		d.required(s, "name", `give the node a name such as "r1"`)
		nodes = append(nodes, n)
	}
	var links []LinkSpec
	for _, s := range d.entries("links") {
		var l LinkSpec
		d.fill(s, c, &l)
		d.required(s, "from", "give the name of the node the link leaves")
		d.required(s, "to", "give the name of the node the link reaches")
		d.required(s, "rate", `give a rate such as "100Mbit/s" or "unlimited"`)
		if d.err != nil {
			return nodes, links
		}
		d.linkRules(s, &l.Link)
		if _, given := d.raw(s, "buffer"); !given && l.Rate == 0 {
			l.Buffer = Buffer{}
		}
		d.check(s, "buffer", l.Rate > 0 || l.Buffer.Unit != BufferBDP,
			`a multiple of the bandwidth-delay product needs a finite rate; give bytes ("256KiB"), packets ("100pkt") or "unlimited"`)
		d.check(s, "ecn_threshold", l.Rate > 0 || l.ECNThreshold.Unit != BufferBDP,
			`a multiple of the bandwidth-delay product needs a finite rate; give bytes ("30KB") or packets ("20pkt")`)
		l.Buffer = d.fixedBuffer(s, "buffer", l.Buffer, c.TCP)
		l.ECNThreshold = d.fixedBuffer(s, "ecn_threshold", l.ECNThreshold, c.TCP)
		links = append(links, l)
	}
	return nodes, links
}

// sourceOf is where the setting key came from: the file or --set.
func (d *decoder) sourceOf(key string) string {
	if d.fromSet[key] {
		return SetSource
	}
	return d.source
}

// required records that name, which has no default, is missing from s.
func (d *decoder) required(s scope, name, hint string) {
	if _, given := d.raw(s, name); !given && d.err == nil {
		d.err = &Error{Source: d.sourceOf(s.prefix + name), Key: s.prefix + name, Msg: "missing; " + hint}
	}
}

const nodeNameAllowed = "must be 1 to 64 letters, digits, '-', '_' or '.'"

func validNodeName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// defaultEnds are the preset's from and to of a flow.
func (t Topology) defaultEnds() (from, to string) {
	switch t.Preset {
	case "dumbbell":
		return "left", "right"
	case "parking_lot":
		return "r0", "r" + strconv.Itoa(t.Hops)
	case "star":
		return SendersGroup, "receiver"
	}
	return "", ""
}

// flowPlacement applies the rules that place one [[flows]] entry on the
// network: the ends default to the path's or the preset's, must differ,
// and must be the path's.
func (d *decoder) flowPlacement(f scope, g *FlowGroup, tp Topology) {
	defFrom, defTo := tp.defaultEnds()
	path := g.Path.Nodes()
	if len(path) > 0 {
		defFrom, defTo = path[0], path[len(path)-1]
	}
	if _, given := d.raw(f, "from"); !given {
		g.From = defFrom
	}
	if _, given := d.raw(f, "to"); !given {
		g.To = defTo
	}
	if g.From == "" {
		d.required(f, "from", "topology.preset = \"custom\" has no default; give the node the flows send from, or a path")
	}
	if g.To == "" {
		d.required(f, "to", "topology.preset = \"custom\" has no default; give the node the flows send to, or a path")
	}
	if g.To == g.From && g.To != "" && d.err == nil {
		value := strconv.Quote(g.To)
		if _, given := d.raw(f, "to"); !given {
			value += " (the default)"
		}
		d.err = &Error{Source: d.sourceOf(f.prefix + "to"), Key: f.prefix + "to",
			Msg: value + " is not allowed: must differ from from (" + strconv.Quote(g.From) + "): a flow needs two different nodes"}
	}
	if len(path) > 0 {
		d.check(f, "path", path[0] == g.From && path[len(path)-1] == g.To,
			"must start at from ("+strconv.Quote(g.From)+") and end at to ("+strconv.Quote(g.To)+")")
		d.check(f, "from", g.From != SendersGroup || tp.Preset != "star",
			`is a group of nodes, and a pinned path needs one; name a sender such as "s0"`)
	}
	_, rttGiven := d.raw(f, "rtt")
	_, accessGiven := d.raw(f, "access_delay")
	d.check(f, "access_delay", !rttGiven || !accessGiven, "is not allowed beside rtt, which sets the access link's delay itself; give one of them")
}

// nodeList reads an array of node names.
func (d *decoder) nodeList(s scope, name string, raw any) []string {
	const allowed = `must be a list of at least two node names (letters, digits, '-', '_', '.'), e.g. ["r0", "r1", "r2"]`
	list, ok := raw.([]any)
	var names []string
	for _, v := range list {
		n, isString := v.(string)
		if !isString || !validNodeName(n) {
			ok = false
			break
		}
		names = append(names, n)
	}
	d.check(s, name, ok && len(names) >= 2, allowed)
	return names
}

// writesTopology says whether the resolved file writes key name of table
// (entry i of an array of tables): the network's settings are written only
// when they say something a file without them would not, so the resolved
// file of every experiment written before networks existed is unchanged.
func (c *Config) writesTopology(table, name string, i int) bool {
	tp := c.Topology
	switch table {
	case "":
		// The tun driver's self-check and idle polling change nothing in
		// a simulated run, whose resolved file (and fingerprint) stays as
		// it was before the keys existed.
		return (name != "self_check" && name != "idle_poll") || c.Driver != "sim"
	case "topology":
		switch name {
		case "preset":
			return tp.Preset != "dumbbell"
		case "hops":
			return tp.Preset == "parking_lot"
		default:
			return tp.Preset == "star"
		}
	case "link", "reverse":
		return tp.Preset != "custom"
	case "flows":
		f := c.Flows[i]
		switch name {
		case "from", "to":
			from, to := tp.defaultEnds()
			return tp.Preset != "dumbbell" || f.From != from || f.To != to
		case "path":
			return f.Path != ""
		case "direction":
			return f.Direction != "forward"
		case "stop":
			return f.Stop != 0
		case "rtt":
			return f.RTT != 0
		case "access_delay":
			return f.AccessDelay != 0
		case "access_rate":
			return f.AccessRate != 0
		case "rounds":
			return f.Incast()
		}
	}
	return true
}

// memberFrom is the node a member of a group sends from: a star's
// "senders" group spreads its members over the senders.
func (c *Config) memberFrom(from string, member int) string {
	if c.Topology.Preset == "star" && from == SendersGroup {
		return "s" + strconv.Itoa(member%c.Topology.Senders)
	}
	return from
}

// sendersOf lists the nodes a group's from stands for.
func (c *Config) sendersOf(from string) []string {
	if c.Topology.Preset == "star" && from == SendersGroup {
		out := make([]string, c.Topology.Senders)
		for i := range out {
			out[i] = "s" + strconv.Itoa(i)
		}
		return out
	}
	return []string{from}
}
