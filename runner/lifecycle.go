package runner

// Connection-lifecycle hosts in the dumbbell: one server on the B side and
// client hosts on the A side that open many short request/response
// connections, plus SYN-flood sources, beside any flows and cross traffic
// of the run:
//
//	client_0 ─┐                              ┌─ server 198.19.251.1:80
//	client_1 ─┼─► forward link (A→B) ───────►┤
//	flood    ─┘◄─ reverse link (B→A) ◄───────┘    SYN-ACKs to spoofed
//	                                              sources end here
//
// A flow's hosts talk to one peer each, so its packets carry the flow's
// index and a link hands them over by index. The server talks to every
// client and to every spoofed source, so lifecycle packets carry
// addressRouted instead and the link's far end delivers them by
// destination address: to the server, to a client, or, for an address no
// host has (a flood's spoofed source), nowhere. Those are counted and
// freed: a spoofed source never answers, which is what makes the server's
// half-open connections wait for their SYN-ACK retries to run out.
//
// Addresses come from RFC 2544's benchmarking range 198.18.0.0/15, in
// parts the flows and cross traffic do not use: clients 198.18.251.x,
// the server 198.19.251.1, spoofed sources 198.19.252.0/23.

import (
	"fmt"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/sim"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// LifecycleSpec is the lifecycle part of a scenario; it is active when it
// has clients or floods.
type LifecycleSpec struct {
	Server  ServerSpec
	Clients []ClientSpec
	Floods  []FloodSpec
}

func (l *LifecycleSpec) active() bool { return len(l.Clients) > 0 || len(l.Floods) > 0 }

// ServerClose is when the server application closes a connection.
type ServerClose uint8

const (
	// CloseAfterPeer closes once the client's FIN has arrived: the client
	// closed first and holds TIME-WAIT; the server passes through LAST-ACK.
	CloseAfterPeer ServerClose = iota
	// CloseAfterResponse closes right after writing the response: the
	// server closes first and holds TIME-WAIT.
	CloseAfterResponse
	// CloseNever forgets the connection after the response: it stays in
	// CLOSE-WAIT once the client's FIN arrives.
	CloseNever
)

// ServerSpec is the server host: a listener on port 80.
type ServerSpec struct {
	Backlog  int
	Close    ServerClose
	Response int64
	CC       string
}

// ClientSpec is one client host.
type ClientSpec struct {
	// Rate is new connections per second.
	Rate    float64
	Poisson bool
	// Request is the bytes written per connection, at least 4.
	Request int64
	// PortLow and PortHigh bound the host's ephemeral ports.
	PortLow, PortHigh uint16
	FastOpen          bool
	CC                string
	// Start and Stop bound the arrivals; Stop 0 runs to the end.
	Start, Stop units.Duration
}

// FloodSpec is one SYN-flood source.
type FloodSpec struct {
	// Rate is SYNs per second.
	Rate        float64
	Start, Stop units.Duration
}

// httpPort is where the server listens.
const httpPort = 80

// addressRouted marks a packet in packet.Packet.Flow that the far end of a
// link delivers by destination address; it is below every cross-traffic
// tag.
const addressRouted int32 = -1 << 31

// maxClients is how many client hosts fit in the clients' /24.
const maxClients = 250

var (
	serverAddr   = wire.Addr{198, 19, 251, 1}
	clientPrefix = [3]byte{198, 18, 251}
)

func clientAddr(i int) wire.Addr {
	return wire.Addr{clientPrefix[0], clientPrefix[1], clientPrefix[2], byte(i + 1)}
}

// lifecycle is the lifecycle part of a world.
type lifecycle struct {
	spec     *LifecycleSpec
	server   *hostNode
	app      *serverApp
	listener *stack.Listener
	clients  []*clientApp
	floods   []*floodSource
	census   census
	// attempts has one record per connection attempt, in start order.
	attempts []metrics.Attempt
	// firstNoPort is when a connect first found no free port, or -1.
	firstNoPort units.Time
	// synAcksBlackholed counts SYN-ACKs to addresses no host has;
	// blackholed counts every packet to them.
	synAcksBlackholed, blackholed int64
}

// addLifecycle adds the server, the clients and the floods to the world.
func (w *world) addLifecycle() error {
	spec := &w.sc.Lifecycle
	if !spec.active() {
		return nil
	}
	if len(spec.Clients) > maxClients {
		return fmt.Errorf("%d client hosts is too many: at most %d", len(spec.Clients), maxClients)
	}
	if !validCC(spec.Server.CC) {
		return fmt.Errorf("server.cc: %q is not a registered algorithm", spec.Server.CC)
	}
	life := &lifecycle{spec: spec, firstNoPort: -1}
	w.life = life
	// Request/response applications turn Nagle's algorithm off, as web
	// servers do (nginx's tcp_nodelay is on by default): otherwise the
	// last, short segment of a response waits for the ACK of the one
	// before it, which the client delays by up to 40 ms.
	tcp := w.sc.TCP
	tcp.NoDelay = true
	sh, err := stack.NewHost(serverAddr, tcp, &w.pool, seedFor(w.sc.Seed, "server", 0))
	if err != nil {
		return err
	}
	sh.SetFlowTag(addressRouted)
	sh.SetChunkPool(&w.chunks)
	srvCC := spec.Server.CC
	life.listener, err = sh.Listen(httpPort, spec.Server.Backlog, func() cc.CongestionControl {
		c, _ := cc.New(srvCC)
		return c
	})
	if err != nil {
		return err
	}
	life.app = newServerApp(spec.Server, life.listener)
	life.server = w.addHost(sh, life.app)
	deliver := addressDelivery{w}
	if life.server.route, err = w.net.AddRoute([]sim.LinkID{w.links[1]}, deliver); err != nil {
		return err
	}
	for i, cs := range spec.Clients {
		if !validCC(cs.CC) {
			return fmt.Errorf("clients: host %d: %q is not a registered algorithm", i, cs.CC)
		}
		tcp := tcp
		tcp.EphemeralPortLow, tcp.EphemeralPortHigh = cs.PortLow, cs.PortHigh
		tcp.FastOpen = cs.FastOpen
		h, err := stack.NewHost(clientAddr(i), tcp, &w.pool, seedFor(w.sc.Seed, "client", i))
		if err != nil {
			return fmt.Errorf("clients: host %d: %w", i, err)
		}
		h.SetFlowTag(addressRouted)
		h.SetChunkPool(&w.chunks)
		c := newClientApp(w, i, cs, seedFor(w.sc.Seed, "arrivals", i))
		c.node = w.addHost(h, c)
		if c.node.route, err = w.net.AddRoute([]sim.LinkID{w.links[0]}, deliver); err != nil {
			return err
		}
		life.clients = append(life.clients, c)
		c.arrivals = w.net.AddAgent(arrivals{w, int32(i)})
		if at := c.nextArrival(); at != units.Never {
			w.net.Wake(c.arrivals, at)
		}
	}
	for i, fs := range spec.Floods {
		f, err := newFloodSource(fs, i, w.end, seedFor(w.sc.Seed, "flood", i))
		if err != nil {
			return err
		}
		life.floods = append(life.floods, f)
		if at := f.due(0); at != units.Never {
			if err := w.addOpenLoop(f, at, addressDelivery{w}); err != nil {
				return err
			}
		}
	}
	life.census.init(w)
	return nil
}

func validCC(name string) bool {
	_, err := cc.New(name)
	return err == nil
}

// addHost adds a host whose application is app (nil for a flow's, whose
// application is the flow); the caller gives it its route.
func (w *world) addHost(h *stack.Host, app hostApp) *hostNode {
	n := &hostNode{w: w, host: h, app: app}
	n.agent = w.net.AddAgent(n)
	w.hosts = append(w.hosts, n)
	return n
}

// addressDelivery is the far end of the lifecycle hosts' routes: it
// delivers by destination address, since a server answers many clients
// and floods spoof addresses no host has.
type addressDelivery struct{ w *world }

func (d addressDelivery) Receive(now units.Time, p *packet.Packet) {
	d.w.now = now
	d.w.deliverByAddress(now, p)
}

// deliverByAddress hands a lifecycle packet to the host it is addressed
// to, or counts and frees it when no host has that address.
func (w *world) deliverByAddress(now units.Time, p *packet.Packet) {
	life := w.life
	var dst wire.Addr
	if h := wire.VirtualHeader(p); h != nil {
		dst = h.Dst
	} else {
		dst = wire.IPv4Header(p.Bytes()).Dst()
	}
	var n *hostNode
	switch {
	case dst == serverAddr:
		n = life.server
	case [3]byte(dst[:3]) == clientPrefix && dst[3] >= 1 && int(dst[3]) <= len(life.clients):
		n = life.clients[dst[3]-1].node
	}
	if n == nil {
		life.blackhole(p)
		w.pool.Put(p)
		return
	}
	n.host.Input(now, p)
	w.pump(n)
}

// blackhole counts a packet addressed to no host.
func (l *lifecycle) blackhole(p *packet.Packet) {
	l.blackholed++
	const synAck = wire.FlagSYN | wire.FlagACK
	if h := wire.VirtualHeader(p); h != nil {
		if h.Flags&synAck == synAck {
			l.synAcksBlackholed++
		}
		return
	}
	ip := wire.IPv4Header(p.Bytes())
	ihl := ip.HeaderLen()
	if ip.Protocol() == wire.IPv4ProtocolTCP && len(ip) >= ihl+14 { // through the flags byte
		if wire.TCPHeader(ip[ihl:]).Flags()&synAck == synAck {
			l.synAcksBlackholed++
		}
	}
}

// arrivals opens client i's connections at the times its arrival process
// draws.
type arrivals struct {
	w *world
	i int32
}

// Wake opens the client's next connection and asks for the one after.
func (a arrivals) Wake(now units.Time) error {
	w := a.w
	w.now = now
	c := w.life.clients[a.i]
	if err := c.connect(now); err != nil {
		return err
	}
	w.pump(c.node)
	if at := c.nextArrival(); at != units.Never {
		w.net.Wake(c.arrivals, at)
	}
	return nil
}
