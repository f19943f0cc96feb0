package topology

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

const ms = units.Millisecond

// build makes a graph from node specs "name" (router) or "name:h" (host)
// and links "a>b/delayms".
func build(t testing.TB, nodes []string, links []string) *Graph {
	t.Helper()
	g := new(Graph)
	for _, n := range nodes {
		name, host := strings.CutSuffix(n, ":h")
		k := Router
		if host {
			k = Host
		}
		g.Nodes = append(g.Nodes, Node{Name: name, Kind: k})
	}
	for _, l := range links {
		ends, delay, _ := strings.Cut(l, "/")
		a, b, _ := strings.Cut(ends, ">")
		from, ok1 := g.Node(a)
		to, ok2 := g.Node(b)
		if !ok1 || !ok2 {
			t.Fatalf("bad link %q", l)
		}
		var d units.Duration
		if delay != "" {
			var err error
			if d, err = units.ParseDuration(delay); err != nil {
				t.Fatal(err)
			}
		}
		g.Links = append(g.Links, Link{From: from, To: to, Delay: d})
	}
	return g
}

func TestShortestPathTieBreaking(t *testing.T) {
	tests := []struct {
		name  string
		nodes []string
		links []string
		from  string
		to    string
		want  []int
	}{
		{"direct", []string{"a", "b"}, []string{"a>b/5ms"}, "a", "b", []int{0}},
		{"fewer hops beat less delay", []string{"a", "b", "c"},
			[]string{"a>c/1ms", "c>b/1ms", "a>b/100ms"}, "a", "b", []int{2}},
		{"less delay breaks a hop tie", []string{"a", "x", "y", "b"},
			[]string{"a>x/10ms", "x>b/10ms", "a>y/5ms", "y>b/10ms"}, "a", "b", []int{2, 3}},
		{"lowest link sequence breaks a delay tie", []string{"a", "x", "y", "b"},
			[]string{"a>y/5ms", "y>b/5ms", "a>x/5ms", "x>b/5ms"}, "a", "b", []int{0, 1}},
		{"sequence compared from the first link", []string{"a", "x", "y", "b"},
			[]string{"x>b/5ms", "a>y/5ms", "y>b/5ms", "a>x/5ms"}, "a", "b", []int{1, 2}},
		{"hosts do not forward", []string{"a", "h:h", "r", "b"},
			[]string{"a>h", "h>b", "a>r/50ms", "r>b/50ms"}, "a", "b", []int{2, 3}},
		{"a route may start and end at hosts", []string{"s:h", "r", "d:h"},
			[]string{"s>r", "r>d"}, "s", "d", []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(t, tt.nodes, tt.links)
			from, _ := g.Node(tt.from)
			to, _ := g.Node(tt.to)
			got, err := g.ShortestPath(from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ShortestPath = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPathErrors(t *testing.T) {
	g := build(t, []string{"a", "h:h", "b", "c"}, []string{"a>h", "h>b", "b>a", "a>b", "b>c"})
	idx := func(n string) int { i, _ := g.Node(n); return i }
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"no route through a host only", func() error {
			_, err := g.ShortestPath(idx("c"), idx("a"))
			return err
		}, `no route from "c" to "a"`},
		{"route to itself", func() error {
			_, err := g.ShortestPath(idx("a"), idx("a"))
			return err
		}, "to itself"},
		{"unknown node", func() error {
			_, err := g.ShortestPath(0, 9)
			return err
		}, "does not exist"},
		{"pinned path with a missing link", func() error {
			_, err := g.PinnedPath([]int{idx("c"), idx("b")})
			return err
		}, `no link from "c" to "b"`},
		{"pinned path that loops", func() error {
			_, err := g.PinnedPath([]int{idx("a"), idx("b"), idx("a")})
			return err
		}, `visits "a" twice`},
		{"pinned path through a host", func() error {
			_, err := g.PinnedPath([]int{idx("a"), idx("h"), idx("b")})
			return err
		}, `passes through host "h"`},
		{"pinned path too short", func() error {
			_, err := g.PinnedPath([]int{idx("a")})
			return err
		}, "at least two nodes"},
		{"reverse path missing a link", func() error {
			_, err := g.ReversePath([]int{4})
			return err
		}, `no link back from "c" to "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
	if _, err := g.ShortestPath(idx("c"), idx("a")); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("no-route error %v does not wrap ErrNoRoute", err)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
		want string
	}{
		{"duplicate name", Graph{Nodes: []Node{{Name: "a"}, {Name: "a"}}}, `node 1 is called "a", like node 0`},
		{"empty name", Graph{Nodes: []Node{{Name: ""}}}, "no name"},
		{"self link", Graph{Nodes: []Node{{Name: "a"}}, Links: []Link{{From: 0, To: 0}}}, `from "a" to itself`},
		{"unknown node", Graph{Nodes: []Node{{Name: "a"}}, Links: []Link{{From: 0, To: 3}}}, "nodes are 0 to 0"},
		{"parallel links", Graph{Nodes: []Node{{Name: "a"}, {Name: "b"}}, Links: []Link{{From: 0, To: 1}, {From: 0, To: 1}}}, "link 1 repeats link 0 (a->b)"},
		{"negative delay", Graph{Nodes: []Node{{Name: "a"}, {Name: "b"}}, Links: []Link{{From: 0, To: 1, Delay: -1}}}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.Check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	ok := build(t, []string{"a", "b"}, []string{"a>b", "b>a"})
	if err := ok.Check(); err != nil {
		t.Fatalf("Check of a valid graph: %v", err)
	}
}

func TestPathDelayReverseAndDescribe(t *testing.T) {
	g := build(t, []string{"left", "mid", "right"}, []string{"left>mid/10ms", "mid>right/5ms", "right>mid/2ms", "mid>left/1ms"})
	data, err := g.PinnedPath([]int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := g.ReversePath(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ack, []int{2, 3}) {
		t.Fatalf("ReversePath = %v, want [2 3]", ack)
	}
	if d := g.PathDelay(data) + g.PathDelay(ack); d != 18*ms {
		t.Fatalf("round trip = %v, want 18ms", d)
	}
	if got, want := g.Describe(data), "left -> mid -> right  via links 0 (left->mid), 1 (mid->right)"; got != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
	if s := g.String(); !strings.Contains(s, "left->mid") || !strings.Contains(s, "unlimited") || !strings.Contains(s, "10ms") {
		t.Fatalf("String lacks a link:\n%s", s)
	}
	huge := Graph{Nodes: []Node{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Links: []Link{{From: 0, To: 1, Delay: units.MaxDuration}, {From: 1, To: 2, Delay: units.MaxDuration}}}
	if d := huge.PathDelay([]int{0, 1}); d != units.MaxDuration {
		t.Fatalf("PathDelay overflowed to %v", d)
	}
}

// reachable is plain breadth-first reachability with transit hosts
// excluded, the reference ShortestPath's errors are checked against.
func reachable(g *Graph, from, to int) bool {
	seen := map[int]bool{from: true}
	queue := []int{from}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if u == to {
			return true
		}
		if u != from && g.Nodes[u].Kind == Host {
			continue
		}
		for _, l := range g.Links {
			if l.From == u && !seen[l.To] {
				seen[l.To] = true
				queue = append(queue, l.To)
			}
		}
	}
	return false
}

func FuzzShortestPath(f *testing.F) {
	f.Add([]byte{4, 0, 3, 0, 1, 5, 1, 2, 5, 2, 3, 5, 0, 2, 9})
	f.Add([]byte{6, 1, 5, 0x80, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 0, 5, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		n := int(data[0]%12) + 2
		from, to := int(data[1])%n, int(data[2])%n
		g := new(Graph)
		for i := range n {
			k := Router
			if len(data) > 3 && data[3]>>(i%8)&1 == 1 && i != from && i != to {
				k = Host
			}
			g.Nodes = append(g.Nodes, Node{Name: "n" + string(rune('a'+i)), Kind: k})
		}
		for i := 4; i+2 < len(data); i += 3 {
			a, b := int(data[i])%n, int(data[i+1])%n
			g.Links = append(g.Links, Link{From: a, To: b, Delay: units.Duration(data[i+2]) * ms})
		}
		path, err := g.ShortestPath(from, to)
		if from == to {
			if err == nil {
				t.Fatalf("route from a node to itself: %v", path)
			}
			return
		}
		if err != nil {
			if reachable(g, from, to) {
				t.Fatalf("ShortestPath(%d, %d) = %v, but %d reaches %d", from, to, err, from, to)
			}
			return
		}
		if err := g.CheckPath(from, to, path); err != nil {
			t.Fatalf("ShortestPath(%d, %d) = %v: %v", from, to, path, err)
		}
		again, _ := g.ShortestPath(from, to)
		if !slices.Equal(path, again) {
			t.Fatalf("ShortestPath is not deterministic: %v then %v", path, again)
		}
		// Routes kept across calls answer every pair as a fresh search.
		r := NewRoutes(g)
		for a := range n {
			for b := range n {
				shared, err1 := r.ShortestPath(a, b)
				fresh, err2 := g.ShortestPath(a, b)
				if (err1 == nil) != (err2 == nil) || !slices.Equal(shared, fresh) {
					t.Fatalf("Routes.ShortestPath(%d, %d) = %v, %v; a fresh search gives %v, %v", a, b, shared, err1, fresh, err2)
				}
			}
		}
	})
}
