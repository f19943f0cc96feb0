package runner

import (
	"time"

	"github.com/ccbench/ccbench/metrics"
)

// Result is what a simulated run produced.
type Result struct {
	Recorder *metrics.Recorder
	Summary  metrics.Summary
	// Verified is set when Scenario.Verify was on: whether every flow's
	// receiver read exactly the bytes its sender wrote.
	Verified bool
	// Written and Read are per-flow byte counts of the applications.
	Written, Read []int64
	// Lifecycle is the census and the connection attempts of a lifecycle
	// experiment, nil for others.
	Lifecycle *LifecycleResult
	// Plot, set by ExecuteWith with PlotLater, draws the run's figures
	// from its results folder and then releases the folder's lock; it
	// must be called exactly once.
	Plot func() error
}

// Simulate runs a scenario in virtual time. info names the run in its
// summary; its timing fields are filled in here. The result's recorder
// keeps every sample in memory; ExecuteWith streams them to the run's
// files instead.
func Simulate(sc Scenario, info metrics.RunInfo) (*Result, error) {
	return simulate(sc, info, nil)
}

// simulate is Simulate with prepare, when not nil, called on the recorder
// before the first sample is taken.
func simulate(sc Scenario, info metrics.RunInfo, prepare func(*metrics.Recorder)) (*Result, error) {
	w, err := newWorld(sc)
	if err != nil {
		return nil, err
	}
	if prepare != nil {
		prepare(w.sampler.rec)
	}
	start := time.Now() // the driver is the one place that reads a clock
	run := w.run
	if sc.Progress != nil {
		run = func() error { return w.runWithProgress(sc.Progress) }
	}
	if err := run(); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	// The final sample at the end of the run, unless the periodic one
	// already landed there.
	if sc.Duration%sc.SampleInterval != 0 {
		w.sampler.sample(w)
	}
	info.Duration = sc.Duration
	info.Wall = wall
	info.Segments = w.segments
	// A trace link's rate is its average capacity over the run, so that
	// utilization is delivered bytes over what the trace offered.
	// Link 0 is the bottleneck: the dumbbell's forward link, or a
	// network's first.
	info.LinkRate = capacityRate(&sc.network()[0].Config, sc.Duration)
	info.Seed = sc.Seed
	r := &Result{Recorder: w.sampler.rec, Verified: sc.Verify}
	r.Summary = r.Recorder.Summary(info)
	w.fillWorkloadSummary(&r.Summary)
	fillFlowPaths(&r.Summary, w)
	fillSenderLimits(&r.Summary, w)
	for _, g := range w.incasts {
		r.Summary.Incast = append(r.Summary.Incast, g.summary())
	}
	if w.life != nil {
		r.Lifecycle = w.life.result(w.end)
		r.Summary.Lifecycle = &r.Lifecycle.Summary
	}
	for _, f := range w.flows {
		r.Written = append(r.Written, f.written)
		r.Read = append(r.Read, f.read)
		if sc.Verify && !f.verified() {
			r.Verified = false
		}
	}
	if sc.Verify {
		fillVerification(&r.Summary, w.flows)
	}
	return r, nil
}

// fillVerification records in each flow's summary what verification
// checked of it. flows are indexed by flow ID.
func fillVerification(s *metrics.Summary, flows []*flow) {
	for i := range s.Flows {
		if id := s.Flows[i].ID; id >= 0 && id < len(flows) {
			v := flows[id].verification()
			s.Flows[i].Verify = &v
		}
	}
}
