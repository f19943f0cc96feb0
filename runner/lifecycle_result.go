package runner

// What a lifecycle run leaves: the census and the attempts as recorded,
// and their summary for summary.json.

import (
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// LifecycleResult is the lifecycle part of a run's result.
type LifecycleResult struct {
	Census   metrics.Census
	Attempts []metrics.Attempt
	Summary  metrics.LifecycleSummary
}

// result closes the books at the end of the run: attempts still in
// progress are unfinished.
func (l *lifecycle) result(end units.Time) *LifecycleResult {
	for _, c := range l.clients {
		for _, x := range c.active {
			l.attempts[x.attempt].Outcome = metrics.OutcomeUnfinished
		}
	}
	r := &LifecycleResult{Census: l.census.data, Attempts: l.attempts}
	s := &r.Summary
	var connect, fct []float64
	for _, a := range l.attempts {
		s.Attempts++
		switch a.Outcome {
		case metrics.OutcomeOK:
			s.Succeeded++
			fct = append(fct, a.Done.Sub(a.Start).Milliseconds())
		case metrics.OutcomeNoPort:
			s.Failures.NoPort++
		case metrics.OutcomeRefused:
			s.Failures.Refused++
		case metrics.OutcomeTimeout:
			s.Failures.Timeout++
		case metrics.OutcomeReset:
			s.Failures.Reset++
		case metrics.OutcomeUnfinished:
			s.Unfinished++
		}
		if a.Established >= 0 {
			connect = append(connect, a.Established.Sub(a.Start).Milliseconds())
		}
	}
	if n := s.Attempts - s.Unfinished; n > 0 {
		s.SuccessRatio = float64(s.Succeeded) / float64(n)
	}
	s.ConnectMs, s.FCTMs = percentiles(connect), percentiles(fct)
	if l.firstNoPort >= 0 {
		t := l.firstNoPort.Seconds()
		s.FirstPortExhaustionS = &t
	}
	l.summarizeCensus(s, end)
	ls := l.listener.Stats()
	s.CookiesSent, s.CookiesValidated = ls.CookiesSent, ls.CookiesAccepted
	for _, f := range l.floods {
		s.FloodSYNsSent += int64(f.k)
	}
	s.SYNACKsBlackholed = l.synAcksBlackholed
	return r
}

// summarizeCensus finds the peaks, and the means over the second half of
// the run, of TIME-WAIT and CLOSE-WAIT summed over hosts, and the SYN
// queue's peak.
func (l *lifecycle) summarizeCensus(s *metrics.LifecycleSummary, end units.Time) {
	c := &l.census.data
	var twSum, cwSum float64
	steady := 0
	for k, t := range c.Times {
		tw, cw := 0, 0
		for h := range c.Hosts {
			r := c.Row(k, h)
			tw += int(r.States[metrics.CensusTimeWait])
			cw += int(r.States[metrics.CensusCloseWait])
			s.PeakSYNQueue = max(s.PeakSYNQueue, int(r.SYNQueue))
		}
		s.PeakTimeWait, s.PeakCloseWait = max(s.PeakTimeWait, tw), max(s.PeakCloseWait, cw)
		if 2*t >= end {
			twSum += float64(tw)
			cwSum += float64(cw)
			steady++
		}
	}
	if steady > 0 {
		s.SteadyTimeWait, s.SteadyCloseWait = twSum/float64(steady), cwSum/float64(steady)
	}
}

// percentiles are the empirical 50th, 95th and 99th percentiles of xs.
func percentiles(xs []float64) metrics.Percentiles {
	if len(xs) == 0 {
		return metrics.Percentiles{}
	}
	slices.Sort(xs)
	return metrics.Percentiles{
		P50: stat.Quantile(0.50, stat.Empirical, xs, nil),
		P95: stat.Quantile(0.95, stat.Empirical, xs, nil),
		P99: stat.Quantile(0.99, stat.Empirical, xs, nil),
	}
}
