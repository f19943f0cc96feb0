package netem

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

func TestPolicerScript(t *testing.T) {
	// 1 Mbit/s, burst 3000 B: a 1500-byte packet costs 12 ms of a 24 ms
	// bucket.
	pol := NewPolicer(units.MbitPerSecond, 3000)
	p := sized(1500)
	ms := func(n int64) units.Time { return units.Time(n * int64(units.Millisecond)) }
	steps := []struct {
		at   units.Time
		want bool
	}{
		{0, true}, {0, true}, {0, false}, // the burst, then empty
		{ms(11), false},                                       // 11 ms of credit: short
		{ms(12), true},                                        // 12 ms: one packet
		{ms(13), false},                                       // the refused one took nothing, 1 ms is held
		{ms(24), true},                                        // 12 ms again
		{ms(1000), true}, {ms(1000), true}, {ms(1000), false}, // refilled to the depth only
	}
	for i, s := range steps {
		if got := pol.Conform(s.at, p); got != s.want {
			t.Fatalf("step %d at %v: conform=%v, want %v", i, s.at, got, s.want)
		}
	}
	if NewPolicer(units.MbitPerSecond, 1000).Conform(0, p) {
		t.Fatal("a packet larger than the burst conformed")
	}
}

func TestPolicerPassesRatePlusBurstUnderOverload(t *testing.T) {
	// Offer 20 Mbit/s of 1250-byte packets (one per 0.5 ms) to a 10 Mbit/s
	// policer with a 15000-byte burst for 10 s. What passes by time T is
	// at most burst + rate*T/8 (15000 + 12500000 bytes at 10 s) and at
	// least one packet less, since credit short of a packet is carried,
	// not lost; until the bucket first runs dry (12 ms: it drains at the
	// 10 Mbit/s excess) everything offered passes.
	const (
		size  = 1250
		burst = 15000
	)
	rate := 10 * units.MbitPerSecond
	pol := NewPolicer(rate, burst)
	p := sized(size)
	passed, offered := int64(0), int64(0)
	gap := units.Duration(500 * units.Microsecond)
	var now units.Time
	for now = 0; now <= units.Time(10*units.Second); now = now.Add(gap) {
		offered += size
		if pol.Conform(now, p) {
			passed += size
		}
		bound := burst + rate.BytesIn(units.Duration(now))
		if passed > min(offered, bound) || passed <= min(offered, bound-size)-1 {
			t.Fatalf("at %v passed %d of %d bytes, want in [%d, %d]", now, passed, offered,
				min(offered, bound-size), min(offered, bound))
		}
	}
	if want := int64(burst) + rate.BytesIn(10*units.Second); passed < want-size {
		t.Fatalf("passed %d bytes in 10 s, want at least %d", passed, want-size)
	}
}

func TestPolicerAllocatesNothing(t *testing.T) {
	pol := NewPolicer(10*units.MbitPerSecond, 15000)
	p := sized(1500)
	now := units.Time(0)
	if a := testing.AllocsPerRun(1000, func() { now += 1000; pol.Conform(now, p) }); a != 0 {
		t.Fatalf("Conform allocates %v", a)
	}
}

func BenchmarkPolicerConform(b *testing.B) {
	pol := NewPolicer(10*units.MbitPerSecond, 15000)
	p := sized(1500)
	now := units.Time(0)
	b.ReportAllocs()
	for b.Loop() {
		now += 1000
		pol.Conform(now, p)
	}
}
