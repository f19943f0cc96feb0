package runner

// The connection-state census: every sample interval, each lifecycle host's
// connections counted by state, with its listener's SYN-queue and
// accept-queue occupancy, the way `ss -tan` and `ss -ltn` (Recv-Q on a
// listening socket) show them. Rows go into storage sized for the whole
// run when the world is built, so a sample allocates nothing.

import (
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// census samples the lifecycle hosts: the server first, then the clients.
type census struct {
	data      metrics.Census
	hosts     []*stack.Host
	listeners []*stack.Listener
	counts    [stack.NumStates]int
}

func (c *census) init(w *world) {
	life := w.life
	c.data.Hosts = append(c.data.Hosts, "server")
	c.hosts = append(c.hosts, life.server.host)
	c.listeners = append(c.listeners, life.listener)
	for i, cl := range life.clients {
		c.data.Hosts = append(c.data.Hosts, "client"+itoa(i))
		c.hosts = append(c.hosts, cl.node.host)
		c.listeners = append(c.listeners, nil)
	}
	// The periodic samples, the one at the end, and one to spare.
	samples := int(w.sc.Duration/w.sc.SampleInterval) + 3
	c.data.Times = make([]units.Time, 0, samples)
	c.data.Rows = make([]metrics.CensusRow, 0, samples*len(c.hosts))
}

// sample counts every host's connections now.
func (c *census) sample(now units.Time) {
	c.data.Times = append(c.data.Times, now)
	for h, host := range c.hosts {
		host.StateCounts(&c.counts)
		var row metrics.CensusRow
		for s := stack.Listen; s <= stack.TimeWait; s++ {
			row.States[s-stack.Listen] = int32(c.counts[s])
		}
		if l := c.listeners[h]; l != nil {
			row.SYNQueue, row.AcceptQueue = int32(l.HalfOpen()), int32(l.Pending())
		}
		c.data.Rows = append(c.data.Rows, row)
	}
}
