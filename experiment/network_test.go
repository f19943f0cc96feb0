package experiment

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// dumbbellPlacement is where a [[flows]] entry that says nothing about
// the network runs.
var dumbbellPlacement = Placement{From: "left", To: "right", Direction: "forward"}

// defaultTopology is the [topology] table of a file without one, whose
// link.rate is rate.
func defaultTopology(rate units.Rate) Topology {
	return Topology{Preset: "dumbbell", Hops: 3, Senders: 8, Access: plainLink(rate, 0, Buffer{Unit: BufferBDP, Multiple: 1})}
}

// customLine is a custom network a (host) - r1 - r2 - b (host), duplex,
// with a 10 Mbit/s hop in the middle.
const customLine = `
[topology]
preset = "custom"
[[nodes]]
name = "a"
kind = "host"
[[nodes]]
name = "r1"
[[nodes]]
name = "r2"
[[nodes]]
name = "b"
kind = "host"
[[links]]
from = "a"
to = "r1"
rate = "unlimited"
[[links]]
from = "r1"
to = "r2"
rate = "10Mbit/s"
delay = "10ms"
[[links]]
from = "r2"
to = "b"
rate = "unlimited"
delay = "5ms"
[[flows]]
from = "a"
to = "b"
`

func network(t *testing.T, c *Config) *Network {
	t.Helper()
	n, err := c.Network()
	if err != nil {
		t.Fatalf("Network: %v", err)
	}
	return n
}

// The dumbbell of every shipped simulator experiment is the network it
// ran before networks existed: link 0 is [link], link 1 is [reverse],
// every flow crosses link 0 and is acknowledged over link 1.
func TestDumbbellIsTodaysPath(t *testing.T) {
	files, _ := filepath.Glob("../experiments/*.toml")
	lifecycle, _ := filepath.Glob("../experiments/lifecycle/*.toml")
	files = append(files, lifecycle...)
	checked := 0
	for _, f := range files {
		sw, err := LoadSweep(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range sw.Points {
			if pt.Config.Driver == "sim" {
				checked++
				checkDumbbell(t, f+" "+pt.Run, pt.Config)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d shipped simulator runs checked", checked)
	}
}

func checkDumbbell(t *testing.T, f string, c *Config) {
	t.Helper()
	{
		n := network(t, c)
		if len(n.Links) != 2 || !reflect.DeepEqual(n.Links[0].Settings, c.Link) || !reflect.DeepEqual(n.Links[1].Settings, c.Reverse) ||
			n.Links[0].Role != "link" || n.Links[1].Role != "reverse" {
			t.Errorf("%s: links %+v, want [link] then [reverse]", f, n.Links)
		}
		if got := n.Graph.NodeNames(); !slices.Equal(got, []string{"left", "right"}) {
			t.Errorf("%s: nodes %v", f, got)
		}
		if len(n.Flows) != len(c.FlowList()) {
			t.Fatalf("%s: %d paths for %d flows", f, len(n.Flows), len(c.FlowList()))
		}
		for i, p := range n.Flows {
			if !slices.Equal(p.Data, []int{0}) || !slices.Equal(p.Ack, []int{1}) || p.Src != 0 || p.Dst != 1 ||
				p.BaseRTT != c.BaseRTT() || p.AccessDelay != 0 || p.AccessRate != 0 || p.Stop != 0 {
				t.Errorf("%s: flow %d path %+v, want data [0], ACKs [1], base RTT %v", f, i, p, c.BaseRTT())
			}
		}
		for g, fg := range c.Flows {
			if p, ok := n.Workload(g, 5); ok != fg.Workload() || ok && (!slices.Equal(p.Data, []int{0}) || !slices.Equal(p.Ack, []int{1})) {
				t.Errorf("%s: workload path of entry %d: %+v, %v", f, g, p, ok)
			}
		}
	}
}

func TestDumbbellDefaults(t *testing.T) {
	withAlgorithms(t, "reno")
	c := load(t, "")
	n := network(t, c)
	if n.Links[0].Settings.Buffer.Bytes != c.BDPBytes() || c.BDPBytes() != 500000 {
		t.Errorf("buffer %d, BDP %d; want 500000", n.Links[0].Settings.Buffer.Bytes, c.BDPBytes())
	}
	want := "  f0.0  left -> right  base RTT 40ms\n" +
		"        data  left -> right  via link 0 (left->right)\n" +
		"        ACKs  right -> left  via link 1 (right->left)\n"
	if r := n.Render(c.FlowList()); !strings.HasSuffix(r, want) || !strings.Contains(r, "1  right->left      unlimited, delay 20ms, buffer unlimited, droptail  [reverse]") {
		t.Errorf("Render:\n%s\nwant it to end with %q", r, want)
	}
	// A flow of its own RTT gets an access link, not a graph link.
	c = load(t, "[[flows]]\nrtt = \"100ms\"\n[[flows]]\naccess_delay = \"5ms\"\naccess_rate = \"1Gbit/s\"\nstop = \"10s\"\ndirection = \"reverse\"\n")
	n = network(t, c)
	if len(n.Links) != 2 {
		t.Fatalf("%d links, want 2", len(n.Links))
	}
	if p := n.Flows[0]; p.AccessDelay != 60*units.Millisecond || p.BaseRTT != 100*units.Millisecond || !slices.Equal(p.Data, []int{0}) {
		t.Errorf("rtt flow %+v, want access delay 60ms, base RTT 100ms over link 0", p)
	}
	p := n.Flows[1]
	if p.AccessDelay != 5*units.Millisecond || p.AccessRate != units.GbitPerSecond || p.Stop != 10*units.Second ||
		p.Src != 1 || p.Dst != 0 || !slices.Equal(p.Data, []int{1}) || !slices.Equal(p.Ack, []int{0}) || p.BaseRTT != 45*units.Millisecond {
		t.Errorf("reverse flow %+v, want data right->left over link 1 with a 5ms, 1Gbit/s access link", p)
	}
	if c.Link.Buffer.Bytes != 500000 {
		t.Errorf("dumbbell buffer %d changed by the flows' RTTs; want 500000", c.Link.Buffer.Bytes)
	}
}

func TestParkingLot(t *testing.T) {
	withAlgorithms(t, "reno")
	c := load(t, "[[flows]]\n[[flows]]\nfrom = \"r1\"\nto = \"r2\"\nrtt = \"200ms\"\n", "topology.preset=parking_lot")
	n := network(t, c)
	if got := n.Graph.NodeNames(); !slices.Equal(got, []string{"r0", "r1", "r2", "r3"}) {
		t.Fatalf("nodes %v", got)
	}
	if len(n.Links) != 6 || n.Links[2].Name != "r1->r2" || n.Links[3].Name != "r2->r1" || n.Links[3].Role != "reverse" {
		t.Fatalf("links %+v", n.Links)
	}
	main, cross := n.Flows[0], n.Flows[1]
	if !slices.Equal(main.Data, []int{0, 2, 4}) || !slices.Equal(main.Ack, []int{5, 3, 1}) || main.BaseRTT != 120*units.Millisecond {
		t.Errorf("main flow %+v, want data [0 2 4], ACKs [5 3 1], base RTT 120ms", main)
	}
	if !slices.Equal(cross.Data, []int{2}) || !slices.Equal(cross.Ack, []int{3}) || cross.AccessDelay != 160*units.Millisecond {
		t.Errorf("cross flow %+v, want hop 2 with a 160ms access link", cross)
	}
	// 1bdp: 100 Mbit/s × the largest base RTT crossing the link.
	for i, want := range map[int]int64{0: 1500000, 2: 2500000, 4: 1500000} {
		if got := n.Links[i].Settings.Buffer.Bytes; got != want {
			t.Errorf("link %d buffer %d bytes, want %d", i, got, want)
		}
	}
	pinned := load(t, "", "topology.preset=parking_lot", `flows[0].path=["r1", "r2", "r3"]`)
	// Hop 1, which no flow crosses, keeps the BDP of its own hop.
	if b := network(t, pinned).Links[0].Settings.Buffer.Bytes; b != 500000 {
		t.Errorf("unused hop's buffer %d bytes, want 500000 (100Mbit/s × 40ms)", b)
	}
	if p := network(t, pinned).Flows[0]; !slices.Equal(p.Data, []int{2, 4}) || !slices.Equal(p.Ack, []int{5, 3}) {
		t.Errorf("path pinned by --set: %+v, want data [2 4], ACKs [5 3]", p)
	}
	if f := pinned.FlowList()[0]; f.From != "r1" || f.To != "r3" || !slices.Equal(f.Path.Nodes(), []string{"r1", "r2", "r3"}) {
		t.Errorf("flow placement %+v, want from r1 to r3 along the path", f.Placement)
	}
	hops := load(t, "[topology]\npreset = \"parking_lot\"\nhops = 1\n")
	one := network(t, hops)
	if !slices.Equal(one.Flows[0].Data, []int{0}) || !slices.Equal(one.Flows[0].Ack, []int{1}) {
		t.Errorf("one-hop parking lot paths %+v", one.Flows[0])
	}
}

func TestStar(t *testing.T) {
	withAlgorithms(t, "reno")
	c := load(t, "[topology]\npreset = \"star\"\nsenders = 4\naccess_delay = \"1ms\"\n[link]\nbuffer = \"50pkt\"\n[[flows]]\ncount = 6\n")
	n := network(t, c)
	if got := n.Graph.NodeNames(); !slices.Equal(got, []string{"s0", "s1", "s2", "s3", "switch", "receiver"}) {
		t.Fatalf("nodes %v", got)
	}
	if n.Graph.Nodes[0].Kind.String() != "host" || n.Graph.Nodes[4].Kind.String() != "router" {
		t.Errorf("kinds %+v", n.Graph.Nodes)
	}
	flows := c.FlowList()
	for m, p := range n.Flows {
		s := m % 4
		if flows[m].From != "s"+string(rune('0'+s)) {
			t.Errorf("flow %d from %q", m, flows[m].From)
		}
		if !slices.Equal(p.Data, []int{2 + 2*s, 0}) || !slices.Equal(p.Ack, []int{1, 3 + 2*s}) || p.BaseRTT != 42*units.Millisecond {
			t.Errorf("flow %d path %+v, want data [%d 0], ACKs [1 %d], base RTT 42ms", m, p, 2+2*s, 3+2*s)
		}
	}
	access := n.Links[2].Settings
	if n.Links[2].Role != "access" || access.Rate != c.Link.Rate || access.Delay != units.Millisecond || access.Buffer.Bytes != 525000 {
		t.Errorf("access link %+v, want link.rate, 1ms, 1bdp = 525000 bytes", access)
	}
	if n.Links[0].Settings.Buffer.Packets != 50 {
		t.Errorf("shared port buffer %+v, want 50pkt", n.Links[0].Settings.Buffer)
	}
	// A sender no flow uses keeps the BDP its own flow would have.
	idle := network(t, load(t, "[topology]\npreset = \"star\"\nsenders = 4\naccess_delay = \"5ms\"\n[[flows]]\ncount = 2\n"))
	if used, unused := idle.Links[2].Settings.Buffer.Bytes, idle.Links[6].Settings.Buffer.Bytes; used != 625000 || unused != 625000 {
		t.Errorf("access buffers %d (s0) and %d (s2, unused), want 625000 (100Mbit/s × 50ms)", used, unused)
	}
	// A workload spreads over the senders too.
	w := load(t, "[topology]\npreset = \"star\"\nsenders = 3\n[[flows]]\narrivals = \"poisson\"\n")
	wn := network(t, w)
	if p, ok := wn.Workload(0, 4); !ok || !slices.Equal(p.Data, []int{4, 0}) {
		t.Errorf("workload arrival 4: %+v, %v; want from s1, data [4 0]", p, ok)
	}
}

func TestCustom(t *testing.T) {
	withAlgorithms(t, "reno")
	c := load(t, customLine+"[[flows]]\npath = [\"a\", \"r1\", \"r2\", \"b\"]\ndirection = \"reverse\"\nrtt = \"50ms\"\n")
	n := network(t, c)
	var names []string
	for _, l := range n.Links {
		names = append(names, l.Name)
	}
	if want := []string{"a->r1", "r1->r2", "r2->b", "r1->a", "r2->r1", "b->r2"}; !slices.Equal(names, want) {
		t.Fatalf("links %v, want %v", names, want)
	}
	f := n.Flows[0]
	if !slices.Equal(f.Data, []int{0, 1, 2}) || !slices.Equal(f.Ack, []int{5, 4, 3}) || f.BaseRTT != 30*units.Millisecond {
		t.Errorf("flow %+v, want data [0 1 2], ACKs [5 4 3], base RTT 30ms", f)
	}
	r := n.Flows[1]
	if r.Src != 3 || r.Dst != 0 || !slices.Equal(r.Data, []int{5, 4, 3}) || r.AccessDelay != 20*units.Millisecond {
		t.Errorf("reverse flow %+v, want b to a with a 20ms access link", r)
	}
	if b := n.Links[1].Settings.Buffer; b.Bytes != 62500 || b.Unit != BufferBDP {
		t.Errorf("r1->r2 buffer %+v, want 1bdp of 50ms at 10Mbit/s = 62500 bytes", b)
	}
	if b := n.Links[0].Settings.Buffer; b.Limited() || !n.Links[0].Settings.Ideal() {
		t.Errorf("a->r1 %+v, want an ideal link with no buffer limit", n.Links[0].Settings)
	}
	if n.Links[2].Settings.Ideal() {
		t.Error("r2->b, with 5ms of delay, is ideal")
	}
	// One direction given explicitly is not duplicated.
	one := load(t, strings.Replace(customLine, "[[flows]]", "[[links]]\nfrom = \"r2\"\nto = \"r1\"\nrate = \"1Mbit/s\"\nbuffer = \"10pkt\"\n[[flows]]", 1))
	on := network(t, one)
	if len(on.Links) != 6 || on.Links[3].Name != "r2->r1" || on.Links[3].Settings.Rate != units.MbitPerSecond {
		t.Errorf("links %+v, want r2->r1 at 1Mbit/s as link 3 and no duplicate", on.Links)
	}
}

func TestIdeal(t *testing.T) {
	ideal := plainLink(0, 0, Buffer{})
	if !ideal.Ideal() {
		t.Fatal("an unlimited link of no delay is not ideal")
	}
	for name, change := range map[string]func(*Link){
		"rate":      func(l *Link) { l.Rate = 1 },
		"delay":     func(l *Link) { l.Delay = 1 },
		"loss":      func(l *Link) { l.Loss = 0.1 },
		"jitter":    func(l *Link) { l.Jitter = 1 },
		"ge":        func(l *Link) { l.LossModel = "gilbert_elliott" },
		"duplicate": func(l *Link) { l.Duplicate = 0.1 },
		"corrupt":   func(l *Link) { l.Corrupt = 0.1 },
		"policer":   func(l *Link) { l.PolicerRate = 1 },
		"trace":     func(l *Link) { l.Trace = "x" },
		"schedule":  func(l *Link) { l.Schedule = []Change{{At: 1}} },
	} {
		l := ideal
		change(&l)
		if l.Ideal() {
			t.Errorf("a link with %s is ideal", name)
		}
	}
}

func TestNetworkErrors(t *testing.T) {
	withAlgorithms(t, "reno")
	custom := func(extra string) string {
		return strings.Replace(customLine, "[[flows]]\nfrom = \"a\"\nto = \"b\"\n", extra, 1)
	}
	for _, tc := range []struct{ class, doc, want string }{
		{"unknown node", custom("[[flows]]\nfrom = \"a\"\nto = \"c\"\n"),
			`test.toml: flows[0].to: "c" is not allowed: no such node; allowed: a, r1, r2, b`},
		{"no route", strings.Replace(customLine, "name = \"r2\"", "name = \"r2\"\nkind = \"host\"", 1),
			`test.toml: flows[0].to: "b" is not allowed: no route from "a" to "b" (hosts do not forward transit traffic); add links, make a node on the way a router, or pin a path`},
		{"missing link", custom("[[flows]]\npath = [\"a\", \"r2\", \"b\"]\n"),
			`test.toml: flows[0].path: ["a", "r2", "b"] is not allowed: it has no link from "a" to "r2"; a path is node names joined by links, each node once, hosts only at its ends, with a link back for every hop (the ACKs' path)`},
		{"loop", custom("[[flows]]\npath = [\"a\", \"r1\", \"r2\", \"r1\", \"r2\", \"b\"]\n"),
			`test.toml: flows[0].path: ["a", "r1", "r2", "r1", "r2", "b"] is not allowed: it visits "r1" twice (positions 1 and 3): a path may not loop; a path is node names joined by links, each node once, hosts only at its ends, with a link back for every hop (the ACKs' path)`},
		{"no way back", strings.Replace(customLine, "delay = \"5ms\"", "delay = \"5ms\"\nduplex = false", 1),
			`test.toml: flows[0].from: "a" is not allowed: no route from "b" to "a" (hosts do not forward transit traffic); add links, make a node on the way a router, or pin a path`},
		{"missing rate", strings.Replace(customLine, "rate = \"unlimited\"\ndelay = \"5ms\"", "delay = \"5ms\"", 1),
			`test.toml: links[2].rate: missing; give a rate such as "100Mbit/s" or "unlimited"`},
		{"duplicate node", strings.Replace(customLine, "name = \"r2\"", "name = \"r1\"", 1),
			`test.toml: nodes[2].name: "r1" is not allowed: nodes[1] has that name; node names must be unique`},
		{"self link", strings.Replace(customLine, "from = \"r2\"\nto = \"b\"", "from = \"r2\"\nto = \"r2\"", 1),
			`test.toml: links[2].to: "r2" is not allowed: a link goes from one node to another, and from is "r2"`},
		{"unknown link node", strings.Replace(customLine, "from = \"r1\"\nto = \"r2\"", "from = \"r1\"\nto = \"r9\"", 1),
			`test.toml: links[1].to: "r9" is not allowed: no such node; allowed: a, r1, r2, b`},
		{"repeated direction", custom("[[links]]\nfrom = \"r1\"\nto = \"r2\"\nrate = \"1Mbit/s\"\n[[flows]]\nfrom = \"a\"\nto = \"b\"\n"),
			`test.toml: links[3].to: "r2" is not allowed: links[1] is already r1 -> r2; one [[links]] entry per direction`},
		{"bad node name", strings.Replace(customLine, "name = \"r2\"", "name = \"r 2\"", 1),
			`test.toml: nodes[2].name: "r 2" is not allowed: must be 1 to 64 letters, digits, '-', '_' or '.'`},
		{"bad node kind", strings.Replace(customLine, "kind = \"host\"", "kind = \"switch\"", 1),
			`test.toml: nodes[0].kind: "switch" is not a node kind; allowed: host, router`},
		{"no nodes", "[topology]\npreset = \"custom\"\n",
			`test.toml: nodes: missing; topology.preset = "custom" needs [[nodes]] entries (name, kind) and [[links]] entries (from, to, rate, ...)`},
		{"custom without from", custom("[[flows]]\nto = \"b\"\n"),
			`test.toml: flows[0].from: missing; topology.preset = "custom" has no default; give the node the flows send from, or a path`},
		{"link with custom", customLine + "[link]\nrate = \"1Mbit/s\"\n",
			`test.toml: link: [link] is not allowed with topology.preset = "custom": give every link in [[links]]`},
		{"workload with custom", custom("[[flows]]\nfrom = \"a\"\nto = \"b\"\narrivals = \"poisson\"\n"),
			`test.toml: flows[0].arrivals: "poisson" is not allowed with topology.preset = "custom": a workload's load is a fraction of link.rate, which a custom network has not; allowed: none`},
		{"bdp nobody crosses", custom("[[links]]\nfrom = \"r2\"\nto = \"a\"\nrate = \"1Mbit/s\"\nduplex = false\n[[flows]]\nfrom = \"a\"\nto = \"b\"\n"),
			`test.toml: links[1].buffer: "1bdp" is not allowed on r2->r1: no flow with a base RTT above 0s crosses it, so it has no bandwidth-delay product; give bytes ("256KiB") or packets ("100pkt")`},
		{"bdp of unlimited", strings.Replace(customLine, "rate = \"unlimited\"\n", "rate = \"unlimited\"\nbuffer = \"2bdp\"\n", 1),
			`test.toml: links[0].buffer: "2bdp" is not allowed: a multiple of the bandwidth-delay product needs a finite rate; give bytes ("256KiB"), packets ("100pkt") or "unlimited"`},
		{"nodes with dumbbell", "[[nodes]]\nname = \"a\"\n",
			`test.toml: nodes: [[nodes]] is not allowed with topology.preset = "dumbbell": [[nodes]] and [[links]] describe a custom network; set topology.preset = "custom"`},
		{"hops with dumbbell", "[topology]\nhops = 5\n",
			`test.toml: topology.hops: 5 is not allowed: only with topology.preset = "parking_lot" (the preset is "dumbbell")`},
		{"bad preset", "[topology]\npreset = \"ring\"\n",
			`test.toml: topology.preset: "ring" is not a topology preset; allowed: dumbbell, parking_lot, star, custom`},
		{"hops range", "[topology]\npreset = \"parking_lot\"\nhops = 0\n",
			`test.toml: topology.hops: 0 is not allowed: must be a whole number of hops from 1 to 1000`},
		{"cross on parking lot", "[topology]\npreset = \"parking_lot\"\n[[cross]]\n",
			`test.toml: cross: [[cross]] is not allowed with topology.preset = "parking_lot": it runs on the dumbbell's [link]; allowed with topology.preset = "dumbbell"`},
		{"tun", "driver = \"tun\"\n[topology]\npreset = \"star\"\n[[flows]]\ncc = \"reno\"\n",
			`test.toml: topology.preset: "star" is not allowed: needs driver = "sim": the tun driver relays one path; allowed with driver = "tun": dumbbell`},
		{"parking lot node", "[topology]\npreset = \"parking_lot\"\n[[flows]]\nto = \"r4\"\n",
			`test.toml: flows[0].to: "r4" is not allowed: no such node; allowed: r0, r1, r2, r3`},
		{"rtt too short", "[[flows]]\nrtt = \"30ms\"\n",
			`test.toml: flows[0].rtt: "30ms" is not allowed: below the base RTT of the flow's path, 40ms (left -> right  via link 0 (left->right), and back); allowed: at least 40ms`},
		{"rtt and access delay", "[[flows]]\nrtt = \"80ms\"\naccess_delay = \"1ms\"\n",
			`test.toml: flows[0].access_delay: "1ms" is not allowed: is not allowed beside rtt, which sets the access link's delay itself; give one of them`},
		{"same ends", "[[flows]]\nto = \"left\"\n",
			`test.toml: flows[0].to: "left" is not allowed: must differ from from ("left"): a flow needs two different nodes`},
		{"path ends", "[topology]\npreset = \"parking_lot\"\n[[flows]]\nfrom = \"r1\"\nto = \"r2\"\npath = [\"r0\", \"r1\"]\n",
			`test.toml: flows[0].path: ["r0", "r1"] is not allowed: must start at from ("r1") and end at to ("r2")`},
		{"same ends by default", "[topology]\npreset = \"parking_lot\"\n[[flows]]\nfrom = \"r1\"\npath = [\"r0\", \"r1\"]\n",
			`test.toml: flows[0].to: "r1" (the default) is not allowed: must differ from from ("r1"): a flow needs two different nodes`},
		{"path form", "[[flows]]\npath = [\"left\"]\n",
			`test.toml: flows[0].path: ["left"] is not allowed: must be a list of at least two node names (letters, digits, '-', '_', '.'), e.g. ["r0", "r1", "r2"]`},
		{"senders with a path", "[topology]\npreset = \"star\"\n[[flows]]\nfrom = \"senders\"\npath = [\"s0\", \"switch\", \"receiver\"]\n",
			`test.toml: flows[0].path: ["s0", "switch", "receiver"] is not allowed: must start at from ("senders") and end at to ("receiver")`},
		{"direction", "[[flows]]\ndirection = \"back\"\n",
			`test.toml: flows[0].direction: "back" is not a direction; allowed: forward, reverse`},
		{"stop", "[[flows]]\nstart = \"5s\"\nstop = \"2s\"\n",
			`test.toml: flows[0].stop: "2s" is not allowed: must be 0s (never) or after start (5s) and at most the duration (30s)`},
		{"access buffer", "[topology]\npreset = \"star\"\naccess_rate = \"unlimited\"\naccess_buffer = \"1bdp\"\n",
			`test.toml: topology.access_buffer: "1bdp" is not allowed: a multiple of the bandwidth-delay product needs a finite topology.access_rate; give bytes ("256KiB"), packets ("100pkt") or "unlimited"`},
	} {
		_, err := LoadBytes("test.toml", []byte(tc.doc), nil)
		checkOneLine(t, tc.class, err, tc.want)
	}
	_, err := LoadBytes("test.toml", nil, []string{"topology.preset=parking_lot", "flows[0].to=r9"})
	checkOneLine(t, "--set", err, `--set flows[0].to: "r9" is not allowed: no such node; allowed: r0, r1, r2, r3`)
}

// The resolved file of a network loads back to the same Config, and a
// file that does not use networks resolves without a word about them.
func TestResolvedNetworks(t *testing.T) {
	withAlgorithms(t, "reno")
	plain := string(load(t, "[[flows]]\ncount = 2\n").Canonical())
	for _, word := range []string{"topology", "preset", "[[nodes]]", "[[links]]", "\nfrom =", "\nto =", "\npath =", "\ndirection =", "\nstop =", "\nrtt =", "access_"} {
		if strings.Contains(plain, word) {
			t.Errorf("the resolved dumbbell mentions %q:\n%s", word, plain)
		}
	}
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"parking":  "[topology]\npreset = \"parking_lot\"\nhops = 2\n[[flows]]\nstop = \"3s\"\n[[flows]]\nfrom = \"r1\"\nto = \"r2\"\nrtt = \"90ms\"\ndirection = \"reverse\"\n",
		"star":     "[topology]\npreset = \"star\"\nsenders = 2\naccess_rate = \"1Gbit/s\"\naccess_buffer = \"100pkt\"\n[[flows]]\ncount = 3\naccess_delay = \"2ms\"\naccess_rate = \"10Gbit/s\"\n",
		"custom":   customLine + "[[flows]]\npath = [\"a\", \"r1\", \"r2\", \"b\"]\n",
		"dumbbell": "[[flows]]\nto = \"left\"\nfrom = \"right\"\n",
	} {
		c := load(t, doc)
		path := filepath.Join(dir, name+".toml")
		if err := c.WriteResolved(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path, nil)
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("%s: %v\n%s", name, err, data)
		}
		if name == "parking" {
			data, _ := os.ReadFile(path)
			for _, want := range []string{"# link 2 r1->r2: buffer_bytes = 1125000  # link\n", "# f1.0 r2 -> r1  via link 3 (r2->r1): base_rtt = \"90ms\"\n"} {
				if !strings.Contains(string(data), want) {
					t.Errorf("resolved parking lot lacks %q:\n%s", want, data)
				}
			}
		}
		back.Name = c.Name
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: resolved loads back as\n%+v\nwant\n%+v", name, back, c)
		}
	}
}
