package tun

import (
	"testing"

	"github.com/ccbench/ccbench/netem"
)

// requireTUN skips t when this process cannot create namespaces and TUN
// devices, saying why in one line.
func requireTUN(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err.Error())
	}
}

// newTestTopology builds a topology with a running relay over fwd and rev,
// and registers the teardown (relay first, then devices and namespaces)
// so that it runs even when the test fails.
func newTestTopology(t testing.TB, fwd, rev netem.LinkConfig) (*Topology, *Relay) {
	t.Helper()
	requireTUN(t)
	topo, err := NewTopology()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := topo.Close(); err != nil {
			t.Error(err)
		}
	})
	relay, err := NewRelay(topo, fwd, rev, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	relay.Start()
	t.Cleanup(func() { relay.Stop() })
	return topo, relay
}
