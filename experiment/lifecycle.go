// Connection-lifecycle experiments: the settings of a run that watches
// connections being born and dying rather than one long transfer. One
// [server] listens on the B side; [[clients]] hosts on the A side open
// short request/response connections at a given rate from a bounded
// ephemeral port range; [[flood]] sources send spoofed SYNs. The new [tcp]
// keys are the handshake and close tunables these experiments sweep: the
// maximum segment lifetime (TIME-WAIT lasts 2·MSL, RFC 9293 §3.4.2), the
// SYN and SYN-ACK retry limits, SYN cookies (RFC 4987 §3.6) and TCP Fast
// Open (RFC 7413).
//
// A file with [[clients]] or [[flood]] is a lifecycle experiment; its
// [[flows]] and [[cross]] entries, when it has any, run beside it on the
// same bottleneck, and without [[flows]] it has no bulk flows at all
// (rather than the single default flow of other experiments).

package experiment

import (
	"math"
	"strconv"
	"strings"

	"ccbench/units"
)

// Lifecycle is the connection-lifecycle part of an experiment.
type Lifecycle struct {
	// Server is the [server] table; it exists only when Active.
	Server Server
	// Clients are the [[clients]] entries, each Count hosts.
	Clients []ClientGroup
	// Flood are the [[flood]] entries.
	Flood []FloodGroup
}

// Active reports whether the experiment has lifecycle hosts.
func (l *Lifecycle) Active() bool { return len(l.Clients) > 0 || len(l.Flood) > 0 }

// Server is the one server host: it listens on port 80, reads each whole
// request, writes Response bytes and closes as Close says.
type Server struct {
	// Backlog bounds the listener's SYN queue and accept queue.
	Backlog int
	// Close is one of ServerCloses.
	Close string
	// Response is the bytes written per request.
	Response int64
	// CC is the congestion control of the server's connections, which
	// carry the responses.
	CC string
}

// ServerCloses are when the server application closes a connection:
// after_peer once the client's FIN has arrived (the client closes first
// and holds TIME-WAIT), after_response right after writing the response
// (the server closes first and holds TIME-WAIT), never (the application
// forgets the connection, which stays in CLOSE-WAIT).
var ServerCloses = []string{"after_peer", "after_response", "never"}

// ClientGroup is one [[clients]] entry: Count identical client hosts.
type ClientGroup struct {
	Count int
	// Rate is new connections per second per host, arriving every 1/Rate
	// seconds (Arrivals "periodic") or as a Poisson process ("poisson").
	Rate     float64
	Arrivals string
	// Request is the bytes each connection writes, its first four a
	// big-endian length so the server knows where the request ends.
	Request int64
	// Ports is the host's ephemeral port range.
	Ports PortRange
	// FastOpen lets the host's connections use TCP Fast Open.
	FastOpen bool
	CC       string
	// Start and Stop bound the arrivals; Stop 0 is the end of the run.
	Start, Stop units.Duration
}

// FloodGroup is one [[flood]] entry: spoofed SYNs at Rate per second
// from Start to Stop (0: the end of the run).
type FloodGroup struct {
	Rate        float64
	Start, Stop units.Duration
}

// PortRange is an inclusive range of port numbers.
type PortRange struct{ Low, High uint16 }

// Size is the number of ports in the range.
func (r PortRange) Size() int { return int(r.High) - int(r.Low) + 1 }

func (r PortRange) String() string {
	return strconv.Itoa(int(r.Low)) + "-" + strconv.Itoa(int(r.High))
}

// TCPLifecycle are the [tcp] settings of handshakes and closes.
type TCPLifecycle struct {
	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2·MSL.
	MSL units.Duration
	// SYNRetries and SYNACKRetries bound handshake retransmissions.
	SYNRetries, SYNACKRetries int
	// SYNCookies answers SYNs with cookies when the SYN queue is full.
	SYNCookies bool
	// FastOpen enables TCP Fast Open on every host.
	FastOpen bool
	// EphemeralPorts is the default local port range of active opens.
	EphemeralPorts PortRange
}

// Arrival processes and limits of the lifecycle tables.
var clientArrivals = []string{"periodic", "poisson"}

const (
	// maxClientHosts bounds the client hosts of a run: each has an
	// address in one /24 of the benchmarking range.
	maxClientHosts = 250
	// minRequest holds the request's length prefix.
	minRequest = 4
	// maxRetries is far beyond Linux's limit of 255 for either retry count.
	maxRetries = 255
)

func init() {
	tcp := tableNamed("tcp")
	tcp.keys = append(tcp.keys,
		key{"msl", kindDuration, "30s", "maximum segment lifetime; TIME-WAIT lasts 2·msl (60s, as Linux)"},
		key{"syn_retries", kindInt, int64(6), "SYN retransmissions before a connect times out (Linux's tcp_syn_retries)"},
		key{"synack_retries", kindInt, int64(5), "SYN-ACK retransmissions before a half-open connection is dropped (tcp_synack_retries)"},
		key{"syn_cookies", kindBool, true, "answer SYNs with SYN cookies when the SYN queue is full (tcp_syncookies)"},
		key{"fast_open", kindBool, false, "TCP Fast Open (RFC 7413) on every host"},
		key{"ephemeral_ports", kindString, "32768-60999", "local ports of active opens, low-high (ip_local_port_range)"},
	)
	schema = append(schema,
		table{name: "server", doc: "lifecycle experiments: the server host, listening on port 80 on the B side", keys: []key{
			{"backlog", kindInt, int64(128), "bound of the SYN queue and of the accept queue, 1 to 4096"},
			{"close", kindString, "after_peer", "after_peer (close when the client's FIN arrives), after_response (active close) or never (CLOSE-WAIT)"},
			{"response", kindSize, "10KiB", "bytes written per request, once the whole request is read"},
			{"cc", kindString, "cubic", "congestion control of the server's connections"},
		}},
		table{name: "clients", array: true, doc: "lifecycle experiments: client hosts opening request/response connections", keys: []key{
			{"count", kindInt, int64(1), "number of client hosts"},
			{"rate", kindInt, int64(20), "new connections per second per host (a number, may be fractional)"},
			{"arrivals", kindString, "periodic", "periodic (every 1/rate) or poisson (seeded)"},
			{"request", kindSize, "100B", "bytes written per connection, at least 4 (a length prefix)"},
			{"ports", kindString, nil, "ephemeral port range low-high; defaults to tcp.ephemeral_ports"},
			{"fast_open", kindBool, nil, "TCP Fast Open for this host's connections; defaults to tcp.fast_open"},
			{"cc", kindString, "cubic", "congestion control of the client's connections"},
			{"start", kindDuration, "0s", "first connection"},
			{"stop", kindDuration, "0s", "no new connections from then; 0s runs to the end"},
		}},
		table{name: "flood", array: true, doc: "lifecycle experiments: a SYN flood from spoofed addresses", keys: []key{
			{"rate", kindInt, int64(10000), "SYNs per second (a number, may be fractional)"},
			{"start", kindDuration, "0s", "when the flood starts"},
			{"stop", kindDuration, "0s", "when it stops; 0s runs to the end"},
		}},
	)
}

// tcpLifecycle reads the lifecycle keys of [tcp] into tc.
func (d *decoder) tcpLifecycle(t scope, tc *TCP) {
	l := &tc.TCPLifecycle
	l.MSL = d.duration(t, "msl")
	d.check(t, "msl", l.MSL > 0, `must be longer than 0s, e.g. "30s"`)
	d.check(t, "msl", l.MSL <= maxTimer/2, timerAllowed(maxTimer/2, "TIME-WAIT ends twice msl past the run's clock"))
	retries := "must be a whole number from 0 to " + strconv.Itoa(maxRetries)
	l.SYNRetries = d.smallInt(t, "syn_retries", 0, maxRetries, retries)
	l.SYNACKRetries = d.smallInt(t, "synack_retries", 0, maxRetries, retries)
	l.SYNCookies = d.boolean(t, "syn_cookies")
	l.FastOpen = d.boolean(t, "fast_open")
	l.EphemeralPorts = d.portRange(t, "ephemeral_ports")
}

// lifecycle reads [server], [[clients]] and [[flood]] into c. In a
// lifecycle experiment without [[flows]] the default flow is dropped.
func (d *decoder) lifecycle(c *Config) {
	l := &c.Lifecycle
	_, clientsGiven := d.tree["clients"]
	_, floodGiven := d.tree["flood"]
	// Algorithms are checked against the registry only when they will
	// run: the defaults of an experiment without lifecycle hosts name one
	// that a build may not have.
	algorithm := func(s scope) string {
		if !clientsGiven && !floodGiven {
			return d.str(s, "cc")
		}
		return d.oneOf(s, "cc", algorithmNames(), "a registered algorithm")
	}
	srv := d.table("server")
	l.Server.Backlog = d.smallInt(srv, "backlog", 1, 4096, "must be a whole number from 1 to 4096 (Linux's somaxconn)")
	l.Server.Close = d.oneOf(srv, "close", ServerCloses, "a close behaviour")
	l.Server.Response = d.size(srv, "response")
	d.check(srv, "response", l.Server.Response >= 0 && l.Server.Response <= math.MaxInt32, "must be from 0 to 2 GiB")
	l.Server.CC = algorithm(srv)

	hosts := 0
	for _, s := range d.entries("clients") {
		var g ClientGroup
		g.Count = d.smallInt(s, "count", 1, maxClientHosts, "must be a whole number of hosts from 1 to "+strconv.Itoa(maxClientHosts))
		hosts += g.Count
		d.check(s, "count", !clientsGiven || hosts <= maxClientHosts, "brings the client hosts to "+strconv.Itoa(hosts)+"; at most "+strconv.Itoa(maxClientHosts)+" in all")
		g.Rate = d.positive(s, "rate", "connections per second")
		g.Arrivals = d.oneOf(s, "arrivals", clientArrivals, "an arrival process")
		g.Request = d.size(s, "request")
		d.check(s, "request", g.Request >= minRequest && g.Request <= math.MaxInt32, "must be from 4 bytes (the length prefix) to 2 GiB")
		g.Ports = c.TCP.EphemeralPorts
		if _, given := d.raw(s, "ports"); given {
			g.Ports = d.portRange(s, "ports")
		}
		g.FastOpen = c.TCP.FastOpen
		if _, given := d.raw(s, "fast_open"); given {
			g.FastOpen = d.boolean(s, "fast_open")
		}
		g.CC = algorithm(s)
		g.Start, g.Stop = d.window(s, c.Duration)
		l.Clients = append(l.Clients, g)
	}
	for _, s := range d.entries("flood") {
		var g FloodGroup
		g.Rate = d.positive(s, "rate", "SYNs per second")
		g.Start, g.Stop = d.window(s, c.Duration)
		l.Flood = append(l.Flood, g)
	}
	if !clientsGiven {
		l.Clients = nil
	}
	if !floodGiven {
		l.Flood = nil
	}
	if _, given := d.tree["flows"]; l.Active() && !given {
		c.Flows = nil
	}
}

// window reads the start and stop of an entry of a run of duration.
func (d *decoder) window(s scope, duration units.Duration) (start, stop units.Duration) {
	start = d.duration(s, "start")
	d.check(s, "start", start >= 0 && start < duration,
		"must be from 0s to before the end of the run (duration = "+duration.String()+")")
	stop = d.duration(s, "stop")
	d.check(s, "stop", stop == 0 || stop > start, "must be 0s (the end of the run) or after start")
	return start, stop
}

// positive reads a number above 0 written as an integer or a float; what
// names its unit.
func (d *decoder) positive(s scope, name, what string) float64 {
	raw, _ := d.raw(s, name)
	var v float64
	switch x := raw.(type) {
	case int64:
		v = float64(x)
	case float64:
		v = x
	default:
		v = math.NaN()
	}
	d.check(s, name, v > 0 && v <= 1e9, "must be a number of "+what+" above 0 and at most 1e9, e.g. 20 or 0.5")
	return v
}

// portRange reads "low-high", two port numbers with 1 <= low <= high.
func (d *decoder) portRange(s scope, name string) PortRange {
	text := d.str(s, name)
	if d.err != nil {
		return PortRange{}
	}
	lo, hi, ok := strings.Cut(strings.TrimSpace(text), "-")
	a, errA := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b, errB := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	valid := ok && errA == nil && errB == nil && a >= 1 && a <= b
	d.check(s, name, valid, `must be a port range "low-high" with 1 <= low <= high <= 65535, e.g. "32768-60999"`)
	return PortRange{uint16(a), uint16(b)}
}

// entryCount is how many entries of the array of tables name the resolved
// file writes.
func (c *Config) entryCount(name string) int {
	switch name {
	case "flows":
		return len(c.Flows)
	case "cross":
		return len(c.Cross)
	case "clients":
		return len(c.Clients)
	case "flood":
		return len(c.Flood)
	}
	return c.entryCountTopology(name)
}

// lifecycleLiteral is the resolved value of a lifecycle setting, and
// whether name is one.
func (c *Config) lifecycleLiteral(table, name string, i int) (string, bool) {
	switch table + "." + name {
	case "tcp.msl":
		return tomlString(c.TCP.MSL.String()), true
	case "tcp.syn_retries":
		return strconv.Itoa(c.TCP.SYNRetries), true
	case "tcp.synack_retries":
		return strconv.Itoa(c.TCP.SYNACKRetries), true
	case "tcp.syn_cookies":
		return strconv.FormatBool(c.TCP.SYNCookies), true
	case "tcp.fast_open":
		return strconv.FormatBool(c.TCP.FastOpen), true
	case "tcp.ephemeral_ports":
		return tomlString(c.TCP.EphemeralPorts.String()), true
	case "server.backlog":
		return strconv.Itoa(c.Server.Backlog), true
	case "server.close":
		return tomlString(c.Server.Close), true
	case "server.response":
		return tomlString(units.FormatSize(c.Server.Response)), true
	case "server.cc":
		return tomlString(c.Server.CC), true
	}
	switch table {
	case "clients":
		g := c.Clients[i]
		switch name {
		case "count":
			return strconv.Itoa(g.Count), true
		case "rate":
			return tomlNumber(g.Rate), true
		case "arrivals":
			return tomlString(g.Arrivals), true
		case "request":
			return tomlString(units.FormatSize(g.Request)), true
		case "ports":
			return tomlString(g.Ports.String()), true
		case "fast_open":
			return strconv.FormatBool(g.FastOpen), true
		case "cc":
			return tomlString(g.CC), true
		case "start":
			return tomlString(g.Start.String()), true
		case "stop":
			return tomlString(g.Stop.String()), true
		}
	case "flood":
		g := c.Flood[i]
		switch name {
		case "rate":
			return tomlNumber(g.Rate), true
		case "start":
			return tomlString(g.Start.String()), true
		case "stop":
			return tomlString(g.Stop.String()), true
		}
	}
	return "", false
}

// tomlNumber writes a rate as a TOML integer when it is whole, so that
// the resolved file reads like the one written by hand.
func tomlNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
