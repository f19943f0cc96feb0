// Package topology holds the graph of an emulated network: named nodes and
// one-directional links between them, the routes flows take across it, and
// a text rendering of both for people.
//
// A node is a host or a router. A host is an endpoint: flows start and end
// there, but it never forwards traffic that is only passing through, so no
// route has a host in its middle. A router forwards, and flows may also
// attach at it (each flow endpoint is then its own TCP stack attached at
// that node, as a host would be).
//
// Routes are deterministic: the fewest hops, ties broken by the least total
// propagation delay, then by the lowest sequence of link indices compared
// element by element. The same graph always gives the same routes, so a run
// can be repeated exactly.
//
// The package knows only the graph; what each link does to packets (rate,
// queue, loss) lives with the caller, link i of the graph standing for the
// caller's link i.
package topology

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/units"
)

// Kind is what a node does with traffic.
type Kind uint8

const (
	// Router forwards traffic; flows may also attach at it.
	Router Kind = iota
	// Host is an endpoint that never forwards transit traffic.
	Host
)

func (k Kind) String() string {
	if k == Host {
		return "host"
	}
	return "router"
}

// Node is one node of the network.
type Node struct {
	Name string
	Kind Kind
}

// Link is one direction between two nodes. Delay and Rate are what routing
// and rendering need: the one-way propagation delay and the serialization
// rate (0 for unlimited).
type Link struct {
	Name     string
	From, To int
	Delay    units.Duration
	Rate     units.Rate
}

// Graph is a network: Nodes and the Links between them, both referred to
// by index.
type Graph struct {
	Nodes []Node
	Links []Link
}

// Node returns the index of the node called name.
func (g *Graph) Node(name string) (int, bool) {
	for i, n := range g.Nodes {
		if n.Name == name {
			return i, true
		}
	}
	return -1, false
}

// NodeNames lists the nodes' names in index order, for messages.
func (g *Graph) NodeNames() []string {
	names := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		names[i] = n.Name
	}
	return names
}

// Check reports the first structural problem of the graph: an empty or
// duplicate node name, a link naming a node that does not exist, a link
// from a node to itself, or two links in the same direction between the
// same nodes.
func (g *Graph) Check() error {
	seen := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.Name == "" {
			return fmt.Errorf("node %d has no name", i)
		}
		if j, dup := seen[n.Name]; dup {
			return fmt.Errorf("node %d is called %q, like node %d; node names must be unique", i, n.Name, j)
		}
		seen[n.Name] = i
	}
	dir := make(map[[2]int]int, len(g.Links))
	for i, l := range g.Links {
		if !g.valid(l.From) || !g.valid(l.To) {
			return fmt.Errorf("link %d joins node %d to node %d; nodes are 0 to %d", i, l.From, l.To, len(g.Nodes)-1)
		}
		if l.From == l.To {
			return fmt.Errorf("link %d goes from %q to itself", i, g.Nodes[l.From].Name)
		}
		if l.Delay < 0 || l.Rate < 0 {
			return fmt.Errorf("link %d (%s) has a negative delay or rate", i, g.linkName(i))
		}
		k := [2]int{l.From, l.To}
		if j, dup := dir[k]; dup {
			return fmt.Errorf("link %d repeats link %d (%s); one link per direction between two nodes", i, j, g.linkName(j))
		}
		dir[k] = i
	}
	return nil
}

func (g *Graph) valid(n int) bool { return n >= 0 && n < len(g.Nodes) }

// linkName is the link's Name, or "from->to" when it has none.
func (g *Graph) linkName(i int) string {
	l := g.Links[i]
	if l.Name != "" {
		return l.Name
	}
	return g.Nodes[l.From].Name + "->" + g.Nodes[l.To].Name
}

// ErrNoRoute is wrapped by the error of a route that does not exist.
var ErrNoRoute = errors.New("no route")

// ShortestPath returns the links of the route from node from to node to:
// the fewest hops, then the least propagation delay, then the lowest
// sequence of link indices. No host other than from and to is on it. An
// error wraps ErrNoRoute when no route exists; from == to is an error.
// Routing many pairs of one graph is faster through Routes.
func (g *Graph) ShortestPath(from, to int) ([]int, error) {
	return NewRoutes(g).ShortestPath(from, to)
}

// Routes routes across one graph, keeping what every route needs (the
// links out of each node, the per-node state of a search) between calls.
// The graph must not change while the Routes are used.
type Routes struct {
	g   *Graph
	out [][]int // links leaving each node, in index order
	// Per node, the best route found so far: its hop count (-1 none),
	// delay and last link; the route is the last link's source's best
	// route followed by that link.
	hops  []int
	delay []units.Duration
	last  []int
	// touched, frontier and next are scratch lists of nodes, kept between
	// calls.
	touched, frontier, next []int
}

// NewRoutes prepares to route across g.
func NewRoutes(g *Graph) *Routes {
	n := len(g.Nodes)
	r := &Routes{g: g, out: make([][]int, n), hops: make([]int, n), delay: make([]units.Duration, n), last: make([]int, n)}
	for e, l := range g.Links {
		if g.valid(l.From) {
			r.out[l.From] = append(r.out[l.From], e)
		}
	}
	for i := range r.hops {
		r.hops[i], r.last[i] = -1, -1
	}
	return r
}

// ShortestPath is Graph.ShortestPath.
func (r *Routes) ShortestPath(from, to int) ([]int, error) {
	g := r.g
	if !g.valid(from) || !g.valid(to) {
		return nil, fmt.Errorf("node %d or %d does not exist; nodes are 0 to %d", from, to, len(g.Nodes)-1)
	}
	if from == to {
		return nil, fmt.Errorf("route from %q to itself; a flow needs two different nodes", g.Nodes[from].Name)
	}
	r.touched = append(r.touched[:0], from)
	defer func() {
		for _, n := range r.touched {
			r.hops[n], r.delay[n], r.last[n] = -1, 0, -1
		}
	}()
	r.hops[from] = 0
	r.frontier = append(r.frontier[:0], from)
	for k := 0; len(r.frontier) > 0 && r.hops[to] < 0; k++ {
		r.next = r.next[:0]
		for _, u := range r.frontier {
			if u != from && g.Nodes[u].Kind == Host {
				continue // hosts do not forward
			}
			for _, e := range r.out[u] {
				w := g.Links[e].To
				if !g.valid(w) {
					continue
				}
				d := satAdd(r.delay[u], g.Links[e].Delay)
				switch {
				case r.hops[w] == -1:
					r.hops[w], r.delay[w], r.last[w] = k+1, d, e
					r.next = append(r.next, w)
					r.touched = append(r.touched, w)
				case r.hops[w] == k+1 && (d < r.delay[w] || d == r.delay[w] && r.lowerSequence(e, r.last[w])):
					r.delay[w], r.last[w] = d, e
				}
			}
		}
		r.frontier, r.next = r.next, r.frontier
	}
	if r.hops[to] < 0 {
		return nil, fmt.Errorf("%w from %q to %q (hosts do not forward transit traffic)", ErrNoRoute, g.Nodes[from].Name, g.Nodes[to].Name)
	}
	return r.route(to), nil
}

// route is the best route found to node n.
func (r *Routes) route(n int) []int {
	links := make([]int, r.hops[n])
	for i := len(links) - 1; i >= 0; i-- {
		links[i] = r.last[n]
		n = r.g.Links[links[i]].From
	}
	return links
}

// lowerSequence reports whether the best route to the source of link a
// followed by a has a lower sequence of link indices than the same for
// link b; both sources are the same number of hops out.
func (r *Routes) lowerSequence(a, b int) bool {
	sa := append(r.route(r.g.Links[a].From), a)
	sb := append(r.route(r.g.Links[b].From), b)
	for i := range sa {
		if sa[i] != sb[i] {
			return sa[i] < sb[i]
		}
	}
	return false
}

// PinnedPath returns the links of the route through nodes, in order: each
// consecutive pair must be joined by a link, no node may appear twice, and
// no node but the first and the last may be a host.
func (g *Graph) PinnedPath(nodes []int) ([]int, error) {
	if len(nodes) < 2 {
		return nil, fmt.Errorf("a path needs at least two nodes, has %d", len(nodes))
	}
	seen := make(map[int]int, len(nodes))
	for i, n := range nodes {
		if !g.valid(n) {
			return nil, fmt.Errorf("node %d does not exist; nodes are 0 to %d", n, len(g.Nodes)-1)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("visits %q twice (positions %d and %d): a path may not loop", g.Nodes[n].Name, j, i)
		}
		seen[n] = i
		if i > 0 && i < len(nodes)-1 && g.Nodes[n].Kind == Host {
			return nil, fmt.Errorf("passes through host %q, and hosts do not forward transit traffic", g.Nodes[n].Name)
		}
	}
	links := make([]int, 0, len(nodes)-1)
	for i := 1; i < len(nodes); i++ {
		e, ok := g.LinkBetween(nodes[i-1], nodes[i])
		if !ok {
			return nil, fmt.Errorf("has no link from %q to %q", g.Nodes[nodes[i-1]].Name, g.Nodes[nodes[i]].Name)
		}
		links = append(links, e)
	}
	return links, nil
}

// LinkBetween returns the lowest-indexed link from node a to node b.
func (g *Graph) LinkBetween(a, b int) (int, bool) {
	for e, l := range g.Links {
		if l.From == a && l.To == b {
			return e, true
		}
	}
	return -1, false
}

// PathNodes lists the nodes a route visits, from its first link's source
// to its last link's destination; nil for an empty route.
func (g *Graph) PathNodes(links []int) []int {
	if len(links) == 0 {
		return nil
	}
	nodes := []int{g.Links[links[0]].From}
	for _, e := range links {
		nodes = append(nodes, g.Links[e].To)
	}
	return nodes
}

// ReversePath returns the route back along the nodes of links: for each
// hop, in reverse order, the link in the opposite direction. It is an
// error when one of those links does not exist.
func (g *Graph) ReversePath(links []int) ([]int, error) {
	nodes := g.PathNodes(links)
	back := make([]int, 0, len(links))
	for i := len(nodes) - 1; i > 0; i-- {
		e, ok := g.LinkBetween(nodes[i], nodes[i-1])
		if !ok {
			return nil, fmt.Errorf("has no link back from %q to %q", g.Nodes[nodes[i]].Name, g.Nodes[nodes[i-1]].Name)
		}
		back = append(back, e)
	}
	return back, nil
}

// CheckPath reports whether links is a route from node from to node to
// that visits no node twice and passes through no host.
func (g *Graph) CheckPath(from, to int, links []int) error {
	if len(links) == 0 {
		return errors.New("empty route")
	}
	for _, e := range links {
		if e < 0 || e >= len(g.Links) {
			return fmt.Errorf("link %d does not exist", e)
		}
	}
	nodes := g.PathNodes(links)
	for i := 1; i < len(links); i++ {
		if g.Links[links[i]].From != g.Links[links[i-1]].To {
			return fmt.Errorf("link %d does not start where link %d ends", links[i], links[i-1])
		}
	}
	if nodes[0] != from || nodes[len(nodes)-1] != to {
		return fmt.Errorf("route goes from node %d to node %d, not %d to %d", nodes[0], nodes[len(nodes)-1], from, to)
	}
	seen := make(map[int]bool, len(nodes))
	for i, n := range nodes {
		if seen[n] {
			return fmt.Errorf("route visits %q twice", g.Nodes[n].Name)
		}
		seen[n] = true
		if i > 0 && i < len(nodes)-1 && g.Nodes[n].Kind == Host {
			return fmt.Errorf("route passes through host %q", g.Nodes[n].Name)
		}
	}
	return nil
}

// PathDelay is the sum of the links' propagation delays, held at
// units.MaxDuration rather than wrapping.
func (g *Graph) PathDelay(links []int) units.Duration {
	var d units.Duration
	for _, e := range links {
		d = satAdd(d, g.Links[e].Delay)
	}
	return d
}

func satAdd(a, b units.Duration) units.Duration {
	if s, ok := units.AddDurations(a, b); ok {
		return s
	}
	return math.MaxInt64
}

// Describe writes a route as the nodes it visits and the links it takes:
// "left -> right via 0 (left->right)".
func (g *Graph) Describe(links []int) string {
	nodes := g.PathNodes(links)
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = g.Nodes[n].Name
	}
	via := make([]string, len(links))
	for i, e := range links {
		via[i] = strconv.Itoa(e) + " (" + g.linkName(e) + ")"
	}
	word := "link"
	if len(links) > 1 {
		word = "links"
	}
	return strings.Join(names, " -> ") + "  via " + word + " " + strings.Join(via, ", ")
}

// String renders the graph for people: one line per node, then one line
// per link with its index, rate and delay.
func (g *Graph) String() string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  %-12s %s\n", n.Name, n.Kind)
	}
	b.WriteString("links:\n")
	for i, l := range g.Links {
		rate := "unlimited"
		if l.Rate > 0 {
			rate = l.Rate.String()
		}
		fmt.Fprintf(&b, "  %3d  %-24s %-12s %s\n", i, g.linkName(i), rate, l.Delay)
	}
	return b.String()
}
