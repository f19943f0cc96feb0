package netem

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

func testSchedule(t testing.TB) *Schedule {
	ms := units.Millisecond
	s, err := NewSchedule([]Change{
		{At: units.Time(100 * ms), Rate: 10 * units.MbitPerSecond, Delay: 20 * ms},
		{At: units.Time(200 * ms), Rate: 2 * units.MbitPerSecond, Delay: 20 * ms, LossRate: 0.01},
		{At: units.Time(200 * ms), Rate: 5 * units.MbitPerSecond, Delay: 40 * ms},
		{At: units.Time(500 * ms), Rate: 10 * units.MbitPerSecond, Delay: 10 * ms},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleAtAndAfter(t *testing.T) {
	s := testSchedule(t)
	ms := units.Time(units.Millisecond)
	cases := []struct {
		t     units.Time
		ok    bool
		rate  units.Rate
		after units.Time
	}{
		{0, false, 0, 100 * ms},
		{100*ms - 1, false, 0, 100 * ms},
		{100 * ms, true, 10 * units.MbitPerSecond, 200 * ms},
		{200*ms - 1, true, 10 * units.MbitPerSecond, 200 * ms},
		// Two changes at 200 ms: the later in the list is in force.
		{200 * ms, true, 5 * units.MbitPerSecond, 500 * ms},
		{499 * ms, true, 5 * units.MbitPerSecond, 500 * ms},
		{500 * ms, true, 10 * units.MbitPerSecond, units.Never},
		{units.Never - 1, true, 10 * units.MbitPerSecond, units.Never},
	}
	for _, c := range cases {
		got, ok := s.At(c.t)
		if ok != c.ok || got.Rate != c.rate {
			t.Errorf("At(%v) = %v %v, want rate %v %v", c.t, got, ok, c.rate, c.ok)
		}
		if a := s.After(c.t); a != c.after {
			t.Errorf("After(%v) = %v, want %v", c.t, a, c.after)
		}
	}
	// Queries need not be in order.
	if got, _ := s.At(250 * ms); got.Delay != 40*units.Millisecond {
		t.Errorf("At(250ms).Delay = %v, want 40ms", got.Delay)
	}
}

func TestNewScheduleRejects(t *testing.T) {
	cases := []struct {
		changes []Change
		want    string
	}{
		{[]Change{{At: -1}}, "change 0: At = "},
		{[]Change{{At: 5}, {At: 4}}, "change 1: At"},
		{[]Change{{Rate: -1}}, "Rate"},
		{[]Change{{Delay: -1}}, "Delay"},
		{[]Change{{LossRate: 1.5}}, "LossRate = 1.5"},
	}
	for _, c := range cases {
		if _, err := NewSchedule(c.changes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewSchedule(%v) = %v, want an error containing %q", c.changes, err, c.want)
		}
	}
	empty, err := NewSchedule(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.At(0); ok || empty.After(0) != units.Never {
		t.Fatal("an empty schedule has a change")
	}
}

func TestScheduleAllocatesNothing(t *testing.T) {
	s := testSchedule(t)
	now := units.Time(0)
	allocs := testing.AllocsPerRun(1000, func() {
		now += units.Time(units.Millisecond)
		s.At(now)
		s.After(now)
	})
	if allocs != 0 {
		t.Fatalf("At and After allocate %v", allocs)
	}
}

func BenchmarkScheduleAt(b *testing.B) {
	s := testSchedule(b)
	now := units.Time(0)
	b.ReportAllocs()
	for b.Loop() {
		now += units.Time(units.Microsecond)
		s.At(now)
		s.After(now)
	}
}
