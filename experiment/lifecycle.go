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

	"github.com/ccbench/ccbench/units"
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
	retries := between(0, maxRetries, "must be a whole number from 0 to "+strconv.Itoa(maxRetries))
	tcp := tableNamed("tcp")
	tcp.keys = append(tcp.keys,
		key{"msl", kindDuration, "30s", "maximum segment lifetime; TIME-WAIT lasts 2·msl (60s, as Linux)", at(func(t *TCP) any { return &t.MSL }),
			on(func(_ *Config, t *TCP) string {
				if t.MSL <= 0 {
					return unless(false, `must be longer than 0s, e.g. "30s"`)
				}
				return unless(t.MSL <= maxTimer/2, timerAllowed(maxTimer/2, "TIME-WAIT ends twice msl past the run's clock"))
			})},
		key{"syn_retries", kindInt, int64(6), "SYN retransmissions before a connect times out (Linux's tcp_syn_retries)", at(func(t *TCP) any { return &t.SYNRetries }), retries},
		key{"synack_retries", kindInt, int64(5), "SYN-ACK retransmissions before a half-open connection is dropped (tcp_synack_retries)", at(func(t *TCP) any { return &t.SYNACKRetries }), retries},
		key{"syn_cookies", kindBool, true, "answer SYNs with SYN cookies when the SYN queue is full (tcp_syncookies)", at(func(t *TCP) any { return &t.SYNCookies }), nil},
		key{"fast_open", kindBool, false, "TCP Fast Open (RFC 7413) on every host", at(func(t *TCP) any { return &t.FastOpen }), nil},
		key{"ephemeral_ports", kindString, "32768-60999", "local ports of active opens, low-high (ip_local_port_range)", at(func(t *TCP) any { return &t.EphemeralPorts }), nil},
	)
	schema = append(schema,
		table{name: "server", doc: "lifecycle experiments: the server host, listening on port 80 on the B side", dst: func(c *Config, _ int) any { return &c.Server }, keys: []key{
			{"backlog", kindInt, int64(128), "bound of the SYN queue and of the accept queue, 1 to 4096", at(func(s *Server) any { return &s.Backlog }),
				between(1, 4096, "must be a whole number from 1 to 4096 (Linux's somaxconn)")},
			{"close", kindString, "after_peer", "after_peer (close when the client's FIN arrives), after_response (active close) or never (CLOSE-WAIT)",
				at(func(s *Server) any { return &s.Close }), oneOf(ServerCloses, "a close behaviour")},
			{"response", kindSize, "10KiB", "bytes written per request, once the whole request is read", at(func(s *Server) any { return &s.Response }),
				on(func(_ *Config, s *Server) string {
					return unless(s.Response >= 0 && s.Response <= math.MaxInt32, "must be from 0 to 2 GiB")
				})},
			{"cc", kindString, "cubic", "congestion control of the server's connections", at(func(s *Server) any { return &s.CC }), nil},
		}},
		table{name: "clients", array: true, doc: "lifecycle experiments: client hosts opening request/response connections", dst: func(c *Config, i int) any { return &c.Clients[i] }, count: func(c *Config) int { return len(c.Clients) }, keys: []key{
			{"count", kindInt, int64(1), "number of client hosts", at(func(g *ClientGroup) any { return &g.Count }),
				between(1, maxClientHosts, "must be a whole number of hosts from 1 to "+strconv.Itoa(maxClientHosts))},
			{"rate", kindNumber, int64(20), "new connections per second per host (a number, may be fractional)", at(func(g *ClientGroup) any { return &g.Rate }),
				positive("connections per second")},
			{"arrivals", kindString, "periodic", "periodic (every 1/rate) or poisson (seeded)", at(func(g *ClientGroup) any { return &g.Arrivals }),
				oneOf(clientArrivals, "an arrival process")},
			{"request", kindSize, "100B", "bytes written per connection, at least 4 (a length prefix)", at(func(g *ClientGroup) any { return &g.Request }),
				on(func(_ *Config, g *ClientGroup) string {
					return unless(g.Request >= minRequest && g.Request <= math.MaxInt32, "must be from 4 bytes (the length prefix) to 2 GiB")
				})},
			{"ports", kindString, derive(func(c *Config, dst any) { dst.(*ClientGroup).Ports = c.TCP.EphemeralPorts }),
				"ephemeral port range low-high; defaults to tcp.ephemeral_ports", at(func(g *ClientGroup) any { return &g.Ports }), nil},
			{"fast_open", kindBool, derive(func(c *Config, dst any) { dst.(*ClientGroup).FastOpen = c.TCP.FastOpen }),
				"TCP Fast Open for this host's connections; defaults to tcp.fast_open", at(func(g *ClientGroup) any { return &g.FastOpen }), nil},
			{"cc", kindString, "cubic", "congestion control of the client's connections", at(func(g *ClientGroup) any { return &g.CC }), nil},
			{"start", kindDuration, "0s", "first connection", at(func(g *ClientGroup) any { return &g.Start }), beforeEnd},
			{"stop", kindDuration, "0s", "no new connections from then; 0s runs to the end", at(func(g *ClientGroup) any { return &g.Stop }),
				afterStart(at(func(g *ClientGroup) any { return &g.Start }))},
		}},
		table{name: "flood", array: true, doc: "lifecycle experiments: a SYN flood from spoofed addresses", dst: func(c *Config, i int) any { return &c.Flood[i] }, count: func(c *Config) int { return len(c.Flood) }, keys: []key{
			{"rate", kindNumber, int64(10000), "SYNs per second (a number, may be fractional)", at(func(g *FloodGroup) any { return &g.Rate }), positive("SYNs per second")},
			{"start", kindDuration, "0s", "when the flood starts", at(func(g *FloodGroup) any { return &g.Start }), beforeEnd},
			{"stop", kindDuration, "0s", "when it stops; 0s runs to the end", at(func(g *FloodGroup) any { return &g.Stop }),
				afterStart(at(func(g *FloodGroup) any { return &g.Start }))},
		}},
	)
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
	algorithm := func(s scope, cc string) {
		if clientsGiven || floodGiven {
			if msg := checkAlgorithm(cc); msg != "" {
				d.fail(s, "cc", msg)
			}
		}
	}
	srv := d.table("server")
	d.fill(srv, c, &l.Server)
	algorithm(srv, l.Server.CC)

	hosts := 0
	for _, s := range d.entries("clients") {
		var g ClientGroup
		d.fill(s, c, &g)
		hosts += g.Count
		d.check(s, "count", !clientsGiven || hosts <= maxClientHosts, "brings the client hosts to "+strconv.Itoa(hosts)+"; at most "+strconv.Itoa(maxClientHosts)+" in all")
		algorithm(s, g.CC)
		l.Clients = append(l.Clients, g)
	}
	for _, s := range d.entries("flood") {
		var g FloodGroup
		d.fill(s, c, &g)
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

// tomlNumber writes a rate as a TOML integer when it is whole, so that
// the resolved file reads like the one written by hand.
func tomlNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
