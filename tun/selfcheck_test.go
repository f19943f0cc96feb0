package tun

import (
	"context"
	"testing"
	"time"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

// The self-check releases one synthetic datagram per packet time of the
// link for the whole check, less those still on the link at its end, and
// reports its release error over them.
func TestSelfCheck(t *testing.T) {
	const length = 300 * time.Millisecond
	link := netem.LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: 5 * units.Millisecond}
	res, err := SelfCheck(context.Background(), link, length, DefaultThreadPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if res.Spacing != 120*units.Microsecond {
		t.Errorf("spacing %v, want 120µs (1500 B at 100 Mbit/s)", res.Spacing)
	}
	// At most one datagram per 120 µs of the check is offered; the last
	// 5 ms of them (about 42) are still on the link when it ends, and the
	// relay's start takes a little of the check.
	if res.Length < units.Duration(length) {
		t.Errorf("length %v, shorter than the %v asked for", res.Length, length)
	}
	// A relay kept off its core at the end of the check (a stall) never
	// releases what fell due meanwhile.
	offered := uint64(res.Length/res.Spacing) + 1
	least := uint64(res.Length-res.Stalls.Total-link.Delay) / uint64(res.Spacing) * 9 / 10
	if res.Timing.Packets > offered || res.Timing.Packets < least {
		t.Errorf("%d releases, want between %d and %d; stalls %+v", res.Timing.Packets, least, offered, res.Stalls)
	}
	if res.Timing.Max < res.Timing.P99 || res.Timing.P99 < res.Timing.P50 {
		t.Errorf("inconsistent quantiles %+v", res.Timing)
	}
	t.Logf("load %s: %s", loadavg(), res)
	if !res.Passes(res.Timing.P99) || res.Passes(res.Timing.P99-1) {
		t.Errorf("Passes is not p99 <= limit")
	}
}

// A link without a rate is checked at a 1500-byte datagram's time at 1
// Gbit/s, the relay's design load.
func TestSelfCheckUnlimited(t *testing.T) {
	res, err := SelfCheck(context.Background(), netem.LinkConfig{}, 50*time.Millisecond, ThreadPolicy{CPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Spacing != 12*units.Microsecond || res.Timing.Packets == 0 {
		t.Errorf("spacing %v with %d releases, want 12µs and some", res.Spacing, res.Timing.Packets)
	}
}
