package experiment

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The lifecycle defaults every experiment resolves to.
var (
	defaultTCPLifecycle = TCPLifecycle{MSL: 30 * units.Second, SYNRetries: 6, SYNACKRetries: 5,
		SYNCookies: true, EphemeralPorts: PortRange{32768, 60999}}
	defaultServer = Server{Backlog: 128, Close: "after_peer", Response: 10 << 10, CC: "cubic"}
)

const lifecycleFile = `
duration = "20s"
[tcp]
msl = "5s"
ephemeral_ports = "40000-40999"
fast_open = true
[server]
backlog = 64
close = "never"
response = "1KiB"
[[clients]]
count = 2
rate = 2.5
[[clients]]
arrivals = "poisson"
ports = "32768-33767"
fast_open = false
request = "1KB"
start = "1s"
stop = "10s"
[[flood]]
rate = 10000
start = "5s"
`

func TestLifecycleFile(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, lifecycleFile)
	if !c.Active() || len(c.Flows) != 0 {
		t.Fatalf("active %v, flows %d: a lifecycle file without [[flows]] has none", c.Active(), len(c.Flows))
	}
	want := Lifecycle{
		Server: Server{Backlog: 64, Close: "never", Response: 1024, CC: "cubic"},
		Clients: []ClientGroup{
			{Count: 2, Rate: 2.5, Arrivals: "periodic", Request: 100, Ports: PortRange{40000, 40999}, FastOpen: true, CC: "cubic"},
			{Count: 1, Rate: 20, Arrivals: "poisson", Request: 1000, Ports: PortRange{32768, 33767}, CC: "cubic",
				Start: units.Second, Stop: 10 * units.Second},
		},
		Flood: []FloodGroup{{Rate: 10000, Start: 5 * units.Second}},
	}
	if !reflect.DeepEqual(c.Lifecycle, want) {
		t.Errorf("got  %+v\nwant %+v", c.Lifecycle, want)
	}
	if c.TCP.MSL != 5*units.Second || !c.TCP.FastOpen || c.TCP.SYNRetries != 6 {
		t.Errorf("tcp %+v", c.TCP.TCPLifecycle)
	}
	// Resolved and loaded back, it is the same experiment.
	back := load(t, string(c.resolvedTOML()))
	back.Name = c.Name
	if !reflect.DeepEqual(back, c) {
		t.Errorf("resolved file loads back as\n%+v\nwant\n%+v", back, c)
	}
}

func TestLifecycleKeepsFlowsBeside(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, "[[clients]]\n[[flows]]\ncc = \"reno\"\n")
	if len(c.Flows) != 1 || len(c.Clients) != 1 || c.Flood != nil {
		t.Errorf("flows %d clients %d flood %v", len(c.Flows), len(c.Clients), c.Flood)
	}
}

func TestLifecycleSets(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, lifecycleFile, "server.backlog=256", "tcp.syn_cookies=false", "tcp.msl=1s",
		"tcp.fast_open=false", "clients[0].rate=40", "flood[0].rate=500.5", "tcp.synack_retries=2",
		"clients[1].ports=1000-1009")
	if c.Server.Backlog != 256 || c.TCP.SYNCookies || c.TCP.MSL != units.Second || c.TCP.FastOpen ||
		c.Clients[0].Rate != 40 || c.Flood[0].Rate != 500.5 || c.TCP.SYNACKRetries != 2 ||
		c.Clients[1].Ports != (PortRange{1000, 1009}) {
		t.Errorf("overrides not applied: %+v %+v", c.TCP.TCPLifecycle, c.Lifecycle)
	}
	// clients[0] takes its ports from tcp.ephemeral_ports, whatever sets it.
	c = load(t, lifecycleFile, "tcp.ephemeral_ports=50000-50099")
	if c.Clients[0].Ports != (PortRange{50000, 50099}) {
		t.Errorf("clients[0].ports %v, want tcp.ephemeral_ports", c.Clients[0].Ports)
	}
}

func TestLifecycleSweep(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	sw, err := LoadSweepBytes("s.toml", []byte(lifecycleFile+"[sweep]\n\"server.backlog\" = [16, 128]\n\"tcp.syn_cookies\" = [true, false]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 4 || sw.Points[3].Config.Server.Backlog != 128 || sw.Points[3].Config.TCP.SYNCookies {
		t.Errorf("%d points, last %+v", len(sw.Points), sw.Points[len(sw.Points)-1].Config.Server)
	}
}

func TestLifecycleErrors(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	for _, tc := range []struct{ doc, want string }{
		{"[tcp]\nephemeral_ports = \"5000-4000\"\n", `test.toml: tcp.ephemeral_ports: "5000-4000" is not allowed: must be a port range "low-high" with 1 <= low <= high <= 65535, e.g. "32768-60999"`},
		{"[tcp]\nmsl = 0\n", `test.toml: tcp.msl: 0 is not allowed: must be longer than 0s, e.g. "30s"`},
		{"[[clients]]\nrate = 0\n", `test.toml: clients[0].rate: 0 is not allowed: must be a number of connections per second above 0 and at most 1e9, e.g. 20 or 0.5`},
		{"[[clients]]\nrequest = 3\n", `test.toml: clients[0].request: 3 is not allowed: must be from 4 bytes (the length prefix) to 2 GiB`},
		{"[[clients]]\ncc = \"vegas\"\n", `test.toml: clients[0].cc: "vegas" is not a registered algorithm; allowed: cubic, reno`},
		{"[[clients]]\ncount = 200\n[[clients]]\ncount = 51\n", `test.toml: clients[1].count: 51 is not allowed: brings the client hosts to 251; at most 250 in all`},
		{"[server]\nclose = \"later\"\n[[flood]]\n", `test.toml: server.close: "later" is not a close behaviour; allowed: after_peer, after_response, never`},
		{"[server]\nbacklog = 0\n", `test.toml: server.backlog: 0 is not allowed: must be a whole number from 1 to 4096 (Linux's somaxconn)`},
		{"[[flood]]\nstop = \"1s\"\nstart = \"2s\"\n", `test.toml: flood[0].stop: "1s" is not allowed: must be 0s (the end of the run) or after start`},
		{"[[clients]]\nport = \"1-2\"\n", `test.toml: clients[0].port: unknown key; did you mean "clients[0].ports"?`},
	} {
		_, err := LoadBytes("test.toml", []byte(tc.doc), nil)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got  %v\n want %s", tc.doc, err, tc.want)
		}
	}
}
