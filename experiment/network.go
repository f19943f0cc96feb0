// The network a run emulates, as the engine consumes it: the graph, every
// link direction's settings with BDP buffers resolved, and every flow's
// data and ACK path.

package experiment

import (
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/topology"
	"github.com/ccbench/ccbench/units"
)

// satAdd is a + b, held at units.MaxDuration rather than wrapping.
func satAdd(a, b units.Duration) units.Duration {
	if s, ok := units.AddDurations(a, b); ok {
		return s
	}
	return units.MaxDuration
}

// Network is the emulated network of a Config.
type Network struct {
	// Graph holds the nodes and links; graph link i is Links[i].
	Graph topology.Graph
	// Links are the settings of every link direction.
	Links []NetLink
	// Flows has one entry per flow of Config.FlowList, in its order.
	Flows []FlowPath
	// workloads holds, per [[flows]] entry, the paths of a workload's
	// flows (one per sender of a star's "senders" group), nil for fixed
	// entries.
	workloads [][]FlowPath
	// router and routes route the flows while Network builds them,
	// routes remembering each pair of nodes' shortest path.
	router *topology.Routes
	routes map[[2]int][]int
	byName map[string]int
}

// NetLink is one link direction.
type NetLink struct {
	// Name is "from->to" in node names.
	Name string
	// Settings are the link's, fully resolved: a buffer or ECN threshold
	// in BDP multiples is in bytes and packets.
	Settings Link
	// Role is where the settings come from: "link" ([link]), "reverse"
	// ([reverse]), "access" (a star's sender links, topology.access_*) or
	// "custom" ([[links]]).
	Role string
	// key is the table its settings are written in, for errors:
	// "link.", "links[2].", "topology.access_".
	key string
}

// Table is the table the link's settings are written in, as errors name
// it: "link", "reverse", "links[2]" or "topology.access".
func (l NetLink) Table() string { return strings.TrimSuffix(strings.TrimSuffix(l.key, "."), "_") }

// FlowPath is where one flow runs.
type FlowPath struct {
	// Src and Dst are the nodes the sender and the receiver attach at:
	// From and To, swapped for Direction = "reverse".
	Src, Dst int
	// Data and Ack are the links, in order, that data and ACKs cross.
	Data, Ack []int
	// AccessDelay and AccessRate describe the flow's own access link: a
	// link on the data direction only, between the sender and Src, with
	// this one-way delay and rate (0: unlimited) and no queue limit of
	// its own; none when both are 0. It is not a graph link, so link
	// indices do not depend on it. With AccessRate 0 it is exactly the
	// runner's FlowSpec.ExtraDelay.
	AccessDelay units.Duration
	AccessRate  units.Rate
	// Stop is when the sender's application closes, 0 never.
	Stop units.Duration
	// BaseRTT is the flow's round-trip propagation delay: the delays of
	// Data and Ack plus AccessDelay.
	BaseRTT units.Duration
}

// Workload returns the path of member (counting from 0 in arrival order)
// of the workload of [[flows]] entry group: a star's "senders" group
// places arrival m at sender s{m mod senders}. It is false when the entry
// is not a workload.
func (n *Network) Workload(group, member int) (FlowPath, bool) {
	if group < 0 || group >= len(n.workloads) || len(n.workloads[group]) == 0 || member < 0 {
		return FlowPath{}, false
	}
	paths := n.workloads[group]
	return paths[member%len(paths)], true
}

// Network builds the run's network from c. It is deterministic: the same
// Config always gives the same network. The error is an *Error naming the
// setting at fault, without a Source (Load, which calls Network, adds it).
func (c *Config) Network() (*Network, error) {
	n := new(Network)
	if err := c.buildGraph(n); err != nil {
		return nil, err
	}
	if err := n.Graph.Check(); err != nil {
		return nil, &Error{Key: "links", Msg: err.Error()}
	}
	n.router = topology.NewRoutes(&n.Graph)
	n.routes = make(map[[2]int][]int)
	n.byName = make(map[string]int, len(n.Graph.Nodes))
	for i, node := range n.Graph.Nodes {
		n.byName[node.Name] = i
	}
	for _, f := range c.FlowList() {
		p, err := c.flowPath(n, f.Group, f.Placement)
		if err != nil {
			return nil, err
		}
		n.Flows = append(n.Flows, p)
	}
	n.workloads = make([][]FlowPath, len(c.Flows))
	for g, fg := range c.Flows {
		if !fg.Workload() {
			continue
		}
		for _, from := range c.sendersOf(fg.From) {
			pl := fg.Placement
			pl.From = from
			p, err := c.flowPath(n, g, pl)
			if err != nil {
				return nil, err
			}
			n.workloads[g] = append(n.workloads[g], p)
		}
	}
	n.router, n.routes, n.byName = nil, nil, nil
	if c.Topology.Preset != "dumbbell" {
		if err := c.resolveNetBuffers(n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// addLink appends a link direction to the graph and to n.Links.
func (n *Network) addLink(from, to int, l Link, role, key string) {
	name := n.Graph.Nodes[from].Name + "->" + n.Graph.Nodes[to].Name
	n.Graph.Links = append(n.Graph.Links, topology.Link{Name: name, From: from, To: to, Delay: l.Delay, Rate: l.Rate})
	n.Links = append(n.Links, NetLink{Name: name, Settings: l, Role: role, key: key})
}

// buildGraph makes the preset's nodes and links, or the custom ones.
func (c *Config) buildGraph(n *Network) error {
	g := &n.Graph
	router := func(name string) int {
		g.Nodes = append(g.Nodes, topology.Node{Name: name, Kind: topology.Router})
		return len(g.Nodes) - 1
	}
	host := func(name string) int {
		g.Nodes = append(g.Nodes, topology.Node{Name: name, Kind: topology.Host})
		return len(g.Nodes) - 1
	}
	switch c.Topology.Preset {
	case "dumbbell":
		l, r := router("left"), router("right")
		n.addLink(l, r, c.Link, "link", "link.")
		n.addLink(r, l, c.Reverse, "reverse", "reverse.")
	case "parking_lot":
		prev := router("r0")
		for i := 1; i <= c.Topology.Hops; i++ {
			r := router("r" + strconv.Itoa(i))
			n.addLink(prev, r, c.Link, "link", "link.")
			n.addLink(r, prev, c.Reverse, "reverse", "reverse.")
			prev = r
		}
	case "star":
		senders := make([]int, c.Topology.Senders)
		for i := range senders {
			senders[i] = host("s" + strconv.Itoa(i))
		}
		sw, rcv := router("switch"), host("receiver")
		n.addLink(sw, rcv, c.Link, "link", "link.")
		n.addLink(rcv, sw, c.Reverse, "reverse", "reverse.")
		for _, s := range senders {
			n.addLink(s, sw, c.Topology.Access, "access", "topology.access_")
			n.addLink(sw, s, c.Topology.Access, "access", "topology.access_")
		}
	case "custom":
		return c.customGraph(n)
	}
	return nil
}

// customGraph makes the [[nodes]] and [[links]] of a custom network: the
// entries' own directions first, in file order (graph link i is links[i]),
// then the directions their duplex adds, in the same order.
func (c *Config) customGraph(n *Network) error {
	g := &n.Graph
	for i, ns := range c.Nodes {
		if j, dup := g.Node(ns.Name); dup {
			return &Error{Key: "nodes[" + strconv.Itoa(i) + "].name",
				Msg: strconv.Quote(ns.Name) + " is not allowed: nodes[" + strconv.Itoa(j) + "] has that name; node names must be unique"}
		}
		k := topology.Router
		if ns.Kind == "host" {
			k = topology.Host
		}
		g.Nodes = append(g.Nodes, topology.Node{Name: ns.Name, Kind: k})
	}
	ends := make([][2]int, len(c.Links))
	given := make(map[[2]int]int)
	for i, ls := range c.Links {
		prefix := "links[" + strconv.Itoa(i) + "]."
		for j, name := range [2]string{ls.From, ls.To} {
			idx, ok := g.Node(name)
			if !ok {
				key := prefix + [2]string{"from", "to"}[j]
				return &Error{Key: key, Msg: strconv.Quote(name) + " is not allowed: no such node; " + nodesAllowed(g)}
			}
			ends[i][j] = idx
		}
		if ends[i][0] == ends[i][1] {
			return &Error{Key: prefix + "to", Msg: strconv.Quote(ls.To) + " is not allowed: a link goes from one node to another, and from is " + strconv.Quote(ls.From)}
		}
		if j, dup := given[ends[i]]; dup {
			return &Error{Key: prefix + "to", Msg: strconv.Quote(ls.To) + " is not allowed: links[" + strconv.Itoa(j) +
				"] is already " + ls.From + " -> " + ls.To + "; one [[links]] entry per direction"}
		}
		given[ends[i]] = i
	}
	for i, ls := range c.Links {
		n.addLink(ends[i][0], ends[i][1], ls.Link, "custom", "links["+strconv.Itoa(i)+"].")
	}
	for i, ls := range c.Links {
		back := [2]int{ends[i][1], ends[i][0]}
		if _, explicit := given[back]; ls.Duplex && !explicit {
			n.addLink(back[0], back[1], ls.Link, "custom", "links["+strconv.Itoa(i)+"].")
		}
	}
	return nil
}

// nodesAllowed lists the nodes a name may be, for messages.
func nodesAllowed(g *topology.Graph) string {
	names := g.NodeNames()
	if len(names) > 12 {
		names = append(names[:12], "... ("+strconv.Itoa(len(g.Nodes))+" nodes)")
	}
	return "allowed: " + strings.Join(names, ", ")
}

// flowPath routes a flow of [[flows]] entry group placed as p.
func (c *Config) flowPath(n *Network, group int, p Placement) (FlowPath, error) {
	g := &n.Graph
	prefix := "flows[" + strconv.Itoa(group) + "]."
	node := func(key, name string) (int, error) {
		if i, ok := n.byName[name]; ok {
			return i, nil
		}
		return -1, &Error{Key: prefix + key, Msg: strconv.Quote(name) + " is not allowed: no such node; " + nodesAllowed(g)}
	}
	from, err := node("from", p.From)
	if err != nil {
		return FlowPath{}, err
	}
	to, err := node("to", p.To)
	if err != nil {
		return FlowPath{}, err
	}
	var fwd, back []int
	if path := p.Path.Nodes(); len(path) > 0 {
		nodes := make([]int, len(path))
		for i, name := range path {
			if nodes[i], err = node("path", name); err != nil {
				return FlowPath{}, err
			}
		}
		pathErr := func(err error) error {
			return &Error{Key: prefix + "path", Msg: pathValue(path) + " is not allowed: it " + err.Error() +
				"; a path is node names joined by links, each node once, hosts only at its ends, with a link back for every hop (the ACKs' path)"}
		}
		if fwd, err = g.PinnedPath(nodes); err != nil {
			return FlowPath{}, pathErr(err)
		}
		if back, err = g.ReversePath(fwd); err != nil {
			return FlowPath{}, pathErr(err)
		}
	} else {
		route := func(key string, a, b int) ([]int, error) {
			if r, ok := n.routes[[2]int{a, b}]; ok {
				return r, nil
			}
			r, err := n.router.ShortestPath(a, b)
			if err == nil {
				n.routes[[2]int{a, b}] = r
			}
			if err != nil {
				name := p.To
				if key == "from" {
					name = p.From
				}
				return nil, &Error{Key: prefix + key, Msg: strconv.Quote(name) + " is not allowed: " + err.Error() +
					"; add links, make a node on the way a router, or pin a path"}
			}
			return r, nil
		}
		if fwd, err = route("to", from, to); err != nil {
			return FlowPath{}, err
		}
		if back, err = route("from", to, from); err != nil {
			return FlowPath{}, err
		}
	}
	fp := FlowPath{Src: from, Dst: to, Data: fwd, Ack: back, AccessRate: p.AccessRate, Stop: p.Stop, AccessDelay: p.AccessDelay}
	if p.Direction == "reverse" {
		fp.Src, fp.Dst, fp.Data, fp.Ack = to, from, back, fwd
	}
	pathRTT, ok := units.AddDurations(g.PathDelay(fp.Data), g.PathDelay(fp.Ack))
	if !ok {
		return FlowPath{}, &Error{Key: prefix + "to", Msg: strconv.Quote(p.To) + " is not allowed: the path's delays add up beyond the simulator's clock"}
	}
	if p.RTT != 0 {
		if p.RTT < pathRTT {
			return FlowPath{}, &Error{Key: prefix + "rtt", Msg: strconv.Quote(p.RTT.String()) + " is not allowed: below the base RTT of the flow's path, " +
				pathRTT.String() + " (" + g.Describe(fp.Data) + ", and back); allowed: at least " + pathRTT.String()}
		}
		fp.AccessDelay = p.RTT - pathRTT
	}
	if fp.BaseRTT, ok = units.AddDurations(pathRTT, fp.AccessDelay); !ok || fp.BaseRTT > maxHorizon {
		return FlowPath{}, &Error{Key: prefix + "access_delay", Msg: strconv.Quote(fp.AccessDelay.String()) + " is not allowed: the flow's base RTT would pass " + maxHorizon.String()}
	}
	return fp, nil
}

// pathValue writes a path as written in the file.
func pathValue(path []string) string {
	quoted := make([]string, len(path))
	for i, s := range path {
		quoted[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// resolveNetBuffers resolves the buffers and ECN thresholds written in
// BDP multiples on a network other than the dumbbell: the link's rate
// times the largest base RTT of the flows whose data or ACKs cross it.
// A preset's link that no flow crosses keeps the BDP of its own hop: a
// [link] or [reverse] link the dumbbell's (link.delay + reverse.delay),
// a star's access link that of a flow from its sender without an access
// link of its own (2 × access_delay + link.delay + reverse.delay). A
// custom link that no flow crosses has no BDP, and is an error.
func (c *Config) resolveNetBuffers(n *Network) error {
	rtt := make([]units.Duration, len(n.Links))
	crossed := make([]bool, len(n.Links))
	note := func(p FlowPath) {
		for _, path := range [2][]int{p.Data, p.Ack} {
			for _, e := range path {
				crossed[e] = true
				rtt[e] = max(rtt[e], p.BaseRTT)
			}
		}
	}
	for _, p := range n.Flows {
		note(p)
	}
	for _, ws := range n.workloads {
		for _, p := range ws {
			note(p)
		}
	}
	pkt := int64(c.TCP.PacketBytes())
	for i := range n.Links {
		l := &n.Links[i]
		for _, which := range [2]string{"buffer", "ecn_threshold"} {
			b := &l.Settings.Buffer
			if which == "ecn_threshold" {
				b = &l.Settings.ECNThreshold
			}
			if b.Unit != BufferBDP {
				continue
			}
			key := l.key + which
			if l.Role == "access" {
				key = "topology.access_buffer"
			}
			value := strconv.Quote(b.String())
			linkRTT := rtt[i]
			if !crossed[i] || linkRTT == 0 {
				switch l.Role {
				case "link", "reverse":
					// As on the dumbbell: Load resolved it from
					// link.delay + reverse.delay.
					continue
				case "access":
					linkRTT = satAdd(satAdd(c.Link.Delay, c.Reverse.Delay), 2*min(c.Topology.Access.Delay, maxHorizon))
				}
			}
			switch {
			case l.Settings.Rate == 0:
				return &Error{Key: key, Msg: value + " is not allowed: a multiple of the bandwidth-delay product needs a finite rate on " + l.Name + `; give bytes ("256KiB") or packets ("100pkt")`}
			case linkRTT == 0:
				return &Error{Key: key, Msg: value + " is not allowed on " + l.Name + ": no flow with a base RTT above 0s crosses it, so it has no bandwidth-delay product; give bytes (\"256KiB\") or packets (\"100pkt\")"}
			}
			bytes, bdp := bdpBytes(b.Multiple, l.Settings.Rate, linkRTT)
			if bytes.Sign() < 1 || bytes.Cmp(big.NewInt(maxBufferBytes)) > 0 {
				return &Error{Key: key, Msg: value + " is not allowed: on " + l.Name + " it comes to " + bigCount(bytes) + " bytes at " +
					l.Settings.Rate.String() + " and a base RTT of " + linkRTT.String() + " (one BDP is " + bigCount(bdp) + " bytes); allowed from 1 to " +
					strconv.FormatInt(maxBufferBytes, 10) + ` bytes; give bytes ("256KiB") or packets ("100pkt")`}
			}
			b.Bytes = bytes.Int64()
			b.Packets = b.Bytes / pkt
		}
	}
	return nil
}

// checkNetwork builds the network at Load, so that a run refuses a bad
// one before it writes anything, and refuses what the other presets do
// not define: cross traffic and lifecycle hosts are placed on the
// dumbbell's [link], and a custom network has no [link] for a workload's
// load to be a fraction of.
func (d *decoder) checkNetwork(c *Config) {
	if d.err != nil {
		return
	}
	preset := c.Topology.Preset
	if preset != "dumbbell" {
		for _, name := range [...]string{"cross", "clients", "flood"} {
			if _, given := d.tree[name]; given {
				d.err = &Error{Source: d.source, Key: name, Msg: "[[" + name + "]] is not allowed with topology.preset = " + strconv.Quote(preset) +
					`: it runs on the dumbbell's [link]; allowed with topology.preset = "dumbbell"`}
				return
			}
		}
	}
	if preset == "custom" {
		for g, fg := range c.Flows {
			if fg.Workload() {
				d.err = &Error{Source: d.source, Key: "flows[" + strconv.Itoa(g) + "].arrivals",
					Msg: `"poisson" is not allowed with topology.preset = "custom": a workload's load is a fraction of link.rate, which a custom network has not; allowed: none`}
				return
			}
		}
	}
	if _, err := c.Network(); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			d.err = &Error{Source: d.source, Key: "topology", Msg: err.Error()}
			return
		}
		out := *e
		out.Source = d.source
		if d.fromSet[e.Key] {
			out.Source = SetSource
		}
		d.err = &out
	}
}

// Render writes the network and each flow's paths for people (ccbench
// show): the nodes, every link direction with its rate, delay, buffer and
// queue discipline, and for each flow (named as in flows, c.FlowList())
// its data path, its ACK path and its base RTT:
//
//	f0.0  left -> right  base RTT 40ms
//	      data  via link 0 (left->right)
//	      ACKs  via link 1 (right->left)
func (n *Network) Render(flows []Flow) string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for _, node := range n.Graph.Nodes {
		fmt.Fprintf(&b, "  %-12s %s\n", node.Name, node.Kind)
	}
	b.WriteString("links:\n")
	for i, l := range n.Links {
		s := l.Settings
		rate := "unlimited"
		if s.Rate > 0 {
			rate = s.Rate.String()
		}
		if s.Trace != "" {
			rate = "trace " + filepath.Base(s.Trace)
		}
		buf := "unlimited"
		switch {
		case s.Buffer.Bytes > 0:
			buf = strconv.FormatInt(s.Buffer.Bytes, 10) + " B"
		case s.Buffer.Packets > 0:
			buf = strconv.FormatInt(s.Buffer.Packets, 10) + " pkt"
		}
		fmt.Fprintf(&b, "  %3d  %-16s %s, delay %s, buffer %s, %s  [%s]\n", i, l.Name, rate, s.Delay, buf, s.Qdisc, l.Role)
	}
	b.WriteString("flows:\n")
	for i, p := range n.Flows {
		id := "flow" + strconv.Itoa(i)
		if i < len(flows) {
			id = flows[i].ID
		}
		ends := n.Graph.Nodes[p.Src].Name + " -> " + n.Graph.Nodes[p.Dst].Name
		line := "  " + id + "  " + ends + "  base RTT " + p.BaseRTT.String()
		if p.AccessDelay > 0 || p.AccessRate > 0 {
			line += " (own access link: " + p.AccessDelay.String()
			if p.AccessRate > 0 {
				line += " at " + p.AccessRate.String()
			}
			line += ")"
		}
		if p.Stop > 0 {
			line += ", stops at " + p.Stop.String()
		}
		pad := strings.Repeat(" ", len(id)+4)
		b.WriteString(line + "\n")
		b.WriteString(pad + "data  " + n.Graph.Describe(p.Data) + "\n")
		b.WriteString(pad + "ACKs  " + n.Graph.Describe(p.Ack) + "\n")
	}
	return b.String()
}
