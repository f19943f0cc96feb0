package sim

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// arrival is one packet a test receiver got.
type arrival struct {
	at  units.Time
	len int
}

type recorder struct {
	pool *packet.Pool
	got  []arrival
}

func (r *recorder) Receive(now units.Time, p *packet.Packet) {
	r.got = append(r.got, arrival{now, p.Len()})
	r.pool.Put(p)
}

// sender is an agent that sends one packet of each length in lens, one
// per wake-up every gap, along route.
type sender struct {
	n     *Network
	pool  *packet.Pool
	id    AgentID
	route RouteID
	lens  []int
	gap   units.Duration
}

func (s *sender) Wake(now units.Time) error {
	p := s.pool.Get()
	p.SetLen(s.lens[0])
	s.lens = s.lens[1:]
	s.n.Send(p, s.route)
	s.n.Flush()
	if len(s.lens) > 0 {
		s.n.Wake(s.id, now.Add(s.gap))
	}
	return nil
}

func newLink(t testing.TB, cfg netem.LinkConfig, pool *packet.Pool) *netem.Link {
	t.Helper()
	l, err := netem.NewLink(cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRouteCrossesEveryLinkInOrder sends packets over three links of
// different rates and delays and checks each arrival time by hand: a
// packet is serialized on every hop in turn (store and forward) and waits
// behind the one before it where a slower link follows a faster one.
func TestRouteCrossesEveryLinkInOrder(t *testing.T) {
	var n Network
	var pool packet.Pool
	// 1000-byte packets: 80 µs at 100 Mbit/s, 800 µs at 10 Mbit/s.
	a := n.AddLink(newLink(t, netem.LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: units.Millisecond}, &pool))
	b := n.AddLink(newLink(t, netem.LinkConfig{Rate: 10 * units.MbitPerSecond, Delay: 2 * units.Millisecond}, &pool))
	c := n.AddLink(newLink(t, netem.LinkConfig{Delay: 5 * units.Millisecond}, &pool))
	rec := &recorder{pool: &pool}
	r, err := n.AddRoute([]LinkID{a, b, c}, rec)
	if err != nil {
		t.Fatal(err)
	}
	s := &sender{n: &n, pool: &pool, route: r, lens: []int{1000, 1000, 1000}, gap: 0}
	s.id = n.AddAgent(s)
	n.Wake(s.id, 0)
	if err := n.Run(units.Time(units.Second)); err != nil {
		t.Fatal(err)
	}
	us := units.Time(units.Microsecond)
	// Packet k leaves link a at 80(k+1) µs, reaches b at +1 ms; b
	// serializes one at a time (800 µs each) from the first arrival at
	// 1080 µs; then 2 ms and 5 ms of propagation.
	want := []arrival{
		{1080*us + 800*us + 7000*us, 1000},
		{1080*us + 1600*us + 7000*us, 1000},
		{1080*us + 2400*us + 7000*us, 1000},
	}
	if len(rec.got) != len(want) {
		t.Fatalf("got %d arrivals %v, want %v", len(rec.got), rec.got, want)
	}
	for i := range want {
		if rec.got[i] != want[i] {
			t.Errorf("packet %d arrived at %v, want %v", i, rec.got[i].at, want[i].at)
		}
	}
}

// TestRoutesShareLinks runs two routes over one shared middle link and
// checks each packet reaches its own route's receiver.
func TestRoutesShareLinks(t *testing.T) {
	var n Network
	var pool packet.Pool
	cfg := netem.LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: units.Millisecond}
	in1, in2 := n.AddLink(newLink(t, cfg, &pool)), n.AddLink(newLink(t, cfg, &pool))
	mid := n.AddLink(newLink(t, cfg, &pool))
	out1, out2 := n.AddLink(newLink(t, cfg, &pool)), n.AddLink(newLink(t, cfg, &pool))
	rec1, rec2 := &recorder{pool: &pool}, &recorder{pool: &pool}
	r1, _ := n.AddRoute([]LinkID{in1, mid, out1}, rec1)
	r2, _ := n.AddRoute([]LinkID{in2, mid, out2}, rec2)
	s1 := &sender{n: &n, pool: &pool, route: r1, lens: []int{100, 101, 102}, gap: units.Millisecond}
	s2 := &sender{n: &n, pool: &pool, route: r2, lens: []int{200, 201}, gap: units.Millisecond}
	s1.id, s2.id = n.AddAgent(s1), n.AddAgent(s2)
	n.Wake(s1.id, 0)
	n.Wake(s2.id, 0)
	if err := n.Run(units.Time(units.Second)); err != nil {
		t.Fatal(err)
	}
	lens := func(r *recorder) (out []int) {
		for _, a := range r.got {
			out = append(out, a.len)
		}
		return out
	}
	if g := lens(rec1); len(g) != 3 || g[0] != 100 || g[2] != 102 {
		t.Errorf("route 1 delivered %v, want [100 101 102]", g)
	}
	if g := lens(rec2); len(g) != 2 || g[0] != 200 || g[1] != 201 {
		t.Errorf("route 2 delivered %v, want [200 201]", g)
	}
	if st := n.Link(mid).Stats(); st.DeliveredPackets != 5 {
		t.Errorf("the shared link delivered %d packets, want 5", st.DeliveredPackets)
	}
}

// TestWakeEarliestWins checks that an agent asked to wake twice wakes once,
// at the earlier time, and that a later request is ignored.
func TestWakeEarliestWins(t *testing.T) {
	var n Network
	var woke []units.Time
	a := &wakeLog{log: &woke}
	id := n.AddAgent(a)
	n.Wake(id, 50)
	n.Wake(id, 20)
	n.Wake(id, 70)
	if err := n.Run(1000); err != nil {
		t.Fatal(err)
	}
	if len(woke) != 1 || woke[0] != 20 {
		t.Fatalf("woke at %v, want once at 20", woke)
	}
}

type wakeLog struct{ log *[]units.Time }

func (w *wakeLog) Wake(now units.Time) error { *w.log = append(*w.log, now); return nil }

func TestAddRouteRejectsBadRoutes(t *testing.T) {
	var n Network
	var pool packet.Pool
	l := n.AddLink(newLink(t, netem.LinkConfig{Delay: 1}, &pool))
	rec := &recorder{pool: &pool}
	for _, c := range []struct {
		hops []LinkID
		dst  Receiver
		want string
	}{
		{nil, rec, "at least one link"},
		{[]LinkID{l, 3}, rec, "names link 3"},
		{[]LinkID{l}, nil, "receiver"},
	} {
		if _, err := n.AddRoute(c.hops, c.dst); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AddRoute(%v): %v, want an error about %q", c.hops, err, c.want)
		}
	}
}

// echo bounces every packet back along the other route, forever: the
// steady state of forwarding, with no allocation once warm.
type echo struct {
	n    *Network
	back RouteID
}

func (e *echo) Receive(_ units.Time, p *packet.Packet) {
	e.n.Send(p, e.back)
	e.n.Flush()
}

func pingPong(tb testing.TB, hops int) (*Network, units.Time) {
	n := &Network{}
	pool := &packet.Pool{}
	cfg := netem.LinkConfig{Rate: units.GbitPerSecond, Delay: 10 * units.Microsecond}
	var there, back []LinkID
	for range hops {
		there = append(there, n.AddLink(newLink(tb, cfg, pool)))
		back = append(back, n.AddLink(newLink(tb, cfg, pool)))
	}
	a, b := &echo{n: n}, &echo{n: n}
	ra, err := n.AddRoute(there, b)
	if err != nil {
		tb.Fatal(err)
	}
	rb, _ := n.AddRoute(back, a)
	a.back, b.back = ra, rb
	for range 8 {
		p := pool.Get()
		p.SetLen(1500)
		n.Send(p, ra)
	}
	n.Flush()
	return n, units.Time(units.Second)
}

// TestForwardingAllocatesNothing checks the steady state of packets
// crossing multi-hop routes: no allocation per event.
func TestForwardingAllocatesNothing(t *testing.T) {
	n, end := pingPong(t, 3)
	for range 1000 {
		n.Step(end)
	}
	if a := testing.AllocsPerRun(100, func() {
		for range 100 {
			n.Step(end)
		}
	}); a != 0 {
		t.Fatalf("%v allocations per 100 events, want 0", a)
	}
}

// BenchmarkForwardHop is the cost of one packet crossing one link of a
// route and being handed on: the event, the link's enqueue and dequeue,
// and the next-hop read. The per-hop cost is the same for 1 and 3 hops.
func BenchmarkForwardHop(b *testing.B) {
	for _, hops := range []int{1, 3} {
		b.Run(map[int]string{1: "1hop", 3: "3hops"}[hops], func(b *testing.B) {
			n, _ := pingPong(b, hops)
			end := units.Never - 1
			for range 1000 {
				n.Step(end)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				n.Step(end)
			}
		})
	}
}
