package main

import (
	"fmt"
	"slices"

	"github.com/ccbench/ccbench/metrics"
)

// cell is one row of the table: one algorithm at one buffer run one way,
// every repeat's figures of flow 0.
type cell struct {
	Algorithm, Buffer, Way string
	Repeats                []repeat
	// Invalid are the repeats whose summary says their figures cannot be
	// trusted, with the reasons.
	Invalid []untrusted
}

// repeat is one run's figures.
type repeat struct {
	// Run names the point, Dir is its folder, CC the algorithm as its
	// flow named it and Seconds its length.
	Run, Dir, CC                 string
	Seconds                      float64
	Trusted                      bool
	GoodputMbps, Retransmits     float64
	RTTP50Ms, RTTP95Ms, RTTP99Ms float64
}

// untrusted names a repeat that cannot be trusted and why.
type untrusted struct {
	Run     string
	Reasons []string
}

// add records the run named run, in folder dir, from its summary s. A real-time run
// whose summary has no verdict is untrusted: nothing says its links ran
// as configured.
func (c *cell) add(run, dir string, realTime bool, s *metrics.Summary) {
	ok, reasons := s.Trusted()
	if realTime && s.Validity == nil {
		ok, reasons = false, []string{"the summary has no validity verdict (written by a ccbench that did not record one)"}
	}
	f := s.Flows[0]
	c.Repeats = append(c.Repeats, repeat{Run: run, Dir: dir, CC: f.CC, Seconds: s.SimSeconds, Trusted: ok,
		GoodputMbps: f.GoodputBps / 1e6, Retransmits: float64(f.Retransmits),
		RTTP50Ms: f.RTTP50Ms, RTTP95Ms: f.RTTP95Ms, RTTP99Ms: f.RTTP99Ms})
	if !ok {
		c.Invalid = append(c.Invalid, untrusted{Run: run, Reasons: reasons})
	}
}

// cellStats are a cell's figures.
type cellStats struct {
	// n is how many repeats they are over; fromInvalid is set when no
	// repeat could be trusted and they are over all of them.
	n                                            int
	fromInvalid                                  bool
	goodput, retransmits, rttP50, rttP95, rttP99 spread
}

// stats are the cell's figures over its trusted repeats, or over all of
// them when none is.
func (c *cell) stats() cellStats {
	var use []repeat
	for _, r := range c.Repeats {
		if r.Trusted {
			use = append(use, r)
		}
	}
	st := cellStats{}
	if len(use) == 0 && len(c.Repeats) > 0 {
		use, st.fromInvalid = c.Repeats, true
	}
	st.n = len(use)
	pick := func(f func(repeat) float64) spread {
		v := make([]float64, len(use))
		for i, r := range use {
			v[i] = f(r)
		}
		return spreadOf(v)
	}
	st.goodput = pick(func(r repeat) float64 { return r.GoodputMbps })
	st.retransmits = pick(func(r repeat) float64 { return r.Retransmits })
	st.rttP50 = pick(func(r repeat) float64 { return r.RTTP50Ms })
	st.rttP95 = pick(func(r repeat) float64 { return r.RTTP95Ms })
	st.rttP99 = pick(func(r repeat) float64 { return r.RTTP99Ms })
	return st
}

// drawn is the repeat whose time series stand for the cell in a figure:
// the first trusted one, else the first; false when there is none.
func (c *cell) drawn() (repeat, bool) {
	for _, r := range c.Repeats {
		if r.Trusted {
			return r, true
		}
	}
	if len(c.Repeats) == 0 {
		return repeat{}, false
	}
	return c.Repeats[0], true
}

// spread is the median, minimum and maximum of some values; n = 0 when
// there were none.
type spread struct {
	n                int
	median, min, max float64
}

// spreadOf is v's spread; the median of an even count is the mean of the
// two middle values.
func spreadOf(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return spread{n: len(s), median: m, min: s[0], max: s[len(s)-1]}
}

// format writes "median (min–max)" with verb for each number, the median
// alone for one value, and "-" for none.
func (s spread) format(verb string) string {
	switch s.n {
	case 0:
		return "-"
	case 1:
		return fmt.Sprintf(verb, s.median)
	}
	return fmt.Sprintf(verb+" ("+verb+"–"+verb+")", s.median, s.min, s.max)
}
