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

// openTopology builds a topology (namespaces and TUN devices) and registers
// its teardown, so that it runs even when the test fails; it skips t where
// TUN is not available.
func openTopology(t testing.TB) *Topology {
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
	return topo
}

// newTestTopology builds a topology with a running relay over fwd and rev,
// and registers the teardown (relay first, then devices and namespaces)
// so that it runs even when the test fails.
func newTestTopology(t testing.TB, fwd, rev netem.LinkConfig) (*Topology, *Relay) {
	t.Helper()
	topo := openTopology(t)
	relay, err := NewRelay(topo, fwd, rev, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	relay.Start()
	t.Cleanup(func() { relay.Stop() })
	return topo, relay
}
