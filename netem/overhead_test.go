package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// With 38 bytes of Ethernet framing, a 1500-byte packet occupies 1538
// bytes of a 100 Mbit/s line: 123.04 µs.
func TestOverheadCountsInSerialization(t *testing.T) {
	var pool packet.Pool
	l, err := NewLink(LinkConfig{Rate: 100 * units.MbitPerSecond, Overhead: 38}, &pool)
	if err != nil {
		t.Fatal(err)
	}
	p := pool.Get()
	p.SetLen(1500)
	l.Enqueue(0, p)
	if d := l.NextDeadline(); d != units.Time(123040*units.Nanosecond) {
		t.Fatalf("transmission ends at %v, want 123.04us", d)
	}
	if err := (LinkConfig{Overhead: -1}).Validate(); err == nil {
		t.Fatal("negative overhead accepted")
	}
}
