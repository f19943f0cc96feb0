package tun

import (
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/units"
)

const ms = units.Millisecond

// Overlapping intervals are one stall from the earliest start to the
// latest end; disjoint ones are separate, listed in time order, and all of
// them are counted and summed.
func TestStallLog(t *testing.T) {
	var l StallLog
	at := func(m float64) units.Time { return units.Time(m * float64(ms)) }
	// A 50 ms pause of the loop from 1000 ms, then the late releases of
	// datagrams due during it, each later by less.
	l.add(at(1000), at(1050))
	l.add(at(1000.5), at(1050.2))
	l.add(at(1049), at(1050.4))
	// Another stall later, and a late release alone.
	l.add(at(2000), at(2002))
	l.add(at(3000), at(3001.5))
	s := l.Summary()
	want := []Stall{{at(1000), at(1050.4)}, {at(2000), at(2002)}, {at(3000), at(3001.5)}}
	if !reflect.DeepEqual(s.Listed, want) {
		t.Errorf("listed %v, want %v", s.Listed, want)
	}
	if s.Count != 3 || s.Total != at(1050.4).Sub(at(1000))+2*ms+1500*units.Microsecond || s.Longest != want[0] {
		t.Errorf("count %d, total %v, longest %v", s.Count, s.Total, s.Longest)
	}
}

// Beyond maxStallsListed, stalls are still counted and summed, and
// recording one allocates nothing.
func TestStallLogBounded(t *testing.T) {
	var l StallLog
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		start := units.Time(n) * units.Time(10*ms)
		l.add(start, start.Add(2*ms))
		n++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per stall", allocs)
	}
	// One longer stall at the end takes the place of the first of the
	// equally short listed ones; the list stays in time order.
	late := units.Time(n) * units.Time(10*ms)
	l.add(late, late.Add(5*ms))
	n++
	s := l.Summary()
	if s.Count != int64(n) || len(s.Listed) != maxStallsListed || s.Total != units.Duration(n-1)*2*ms+5*ms {
		t.Errorf("%d stalls: count %d, listed %d, total %v", n, s.Count, len(s.Listed), s.Total)
	}
	if last := s.Listed[len(s.Listed)-1]; last != (Stall{late, late.Add(5 * ms)}) || s.Listed[0].Start != units.Time(10*ms) || s.Longest != last {
		t.Errorf("listed from %v to %v, longest %v", s.Listed[0], last, s.Longest)
	}
}

// The profile reports a late release as a stall only from
// ReleaseStallThreshold on, and a step of the loop other than a sleep
// that long as one too.
func TestProfileStalls(t *testing.T) {
	var p RelayProfile
	p.begin(units.Time(ms), Polling)
	p.charge(units.Time(ms), ReleaseStallThreshold-1)
	p.begin(units.Time(1500*units.Microsecond), Sleeping) // a 0.5 ms poll is no stall
	p.begin(units.Time(40*ms), Polling)                   // a long sleep is no stall
	p.begin(units.Time(45*ms), Reading)                   // a 5 ms poll is
	p.charge(units.Time(44*ms), 2*ms)                     // and a release due in it, late to 46 ms, extends it
	s := p.Stalls.Summary()
	if s.Count != 1 || s.Longest != (Stall{units.Time(40 * ms), units.Time(46 * ms)}) {
		t.Errorf("stalls %+v", s)
	}
}
