package metrics

// The Recorder holds everything one run measures: a FlowSeries per flow and
// the bottleneck's samples. It is sized once from the run's length and sample
// interval, so taking a sample is a copy into preallocated memory.
//
// A runner uses it like this:
//
//	rec := metrics.NewRecorder(duration, interval, window)
//	f := rec.AddFlow(id, name, "reno", start)
//	// on every ACK with a valid RTT sample:
//	f.RTT.Record(rtt)
//	// every interval, from t = 0 through t = duration inclusive:
//	f.Record(metrics.FlowSample{T: now, Cwnd: ..., Delivered: ...})
//	rec.RecordLink(metrics.LinkSample{T: now, QueueBytes: ...})
//	// when a sized flow's last byte reaches the receiving application:
//	f.Complete(now)
//	summary := rec.Summary(metrics.RunInfo{...})

import (
	"fmt"

	"ccbench/units"
)

// FlowSeries is one flow's time series and RTT distribution.
type FlowSeries struct {
	ID   int
	Name string
	// CC is the registered name of the flow's congestion control.
	CC string
	// Start is when the flow opened; Finish is when its last byte reached
	// the receiving application, or units.Never while it has not.
	Start, Finish units.Time
	Samples       []FlowSample
	// RTT holds every RTT sample the sender measured.
	RTT Histogram

	throughput Throughput
}

// Record appends a snapshot, filling in s.ThroughputBps from s.Delivered
// over the recorder's throughput window.
func (f *FlowSeries) Record(s FlowSample) {
	s.ThroughputBps = f.throughput.Add(s.T, s.Delivered)
	f.Samples = append(f.Samples, s)
}

// Complete marks the flow finished at now; later calls keep the first time.
func (f *FlowSeries) Complete(now units.Time) {
	if f.Finish == units.Never {
		f.Finish = now
	}
}

// Completed reports whether the flow finished.
func (f *FlowSeries) Completed() bool { return f.Finish != units.Never }

// Last is the latest snapshot, or the zero sample if there is none.
func (f *FlowSeries) Last() FlowSample {
	if len(f.Samples) == 0 {
		return FlowSample{}
	}
	return f.Samples[len(f.Samples)-1]
}

// Recorder holds one run's measurements.
type Recorder struct {
	interval, window units.Duration
	// capacity is the number of samples each series holds without
	// reallocating: one per interval over the run, plus the samples at
	// t = 0 and at the very end.
	capacity int
	flows    []*FlowSeries
	link     []LinkSample
	// QueueDelay holds every packet's queueing delay at the bottleneck.
	QueueDelay Histogram
}

// NewRecorder sizes a recorder for a run of duration sampled every interval,
// with throughput averaged over window (one interval if window <= 0). The
// interval must be positive; experiment validation guarantees it.
func NewRecorder(duration, interval, window units.Duration) *Recorder {
	if interval <= 0 {
		panic(fmt.Sprintf("metrics: sample interval %v is not positive", interval))
	}
	if window <= 0 {
		window = interval
	}
	capacity := int(max(duration, 0)/interval) + 2
	return &Recorder{
		interval: interval,
		window:   window,
		capacity: capacity,
		link:     make([]LinkSample, 0, capacity),
	}
}

// AddFlow registers a flow that opens at start and returns its series, with
// room for a full run of samples.
func (r *Recorder) AddFlow(id int, name, cc string, start units.Time) *FlowSeries {
	f := &FlowSeries{
		ID:      id,
		Name:    name,
		CC:      cc,
		Start:   start,
		Finish:  units.Never,
		Samples: make([]FlowSample, 0, r.capacity),
	}
	f.throughput.Init(r.window, r.interval)
	r.flows = append(r.flows, f)
	return f
}

// RecordLink appends a bottleneck snapshot.
func (r *Recorder) RecordLink(s LinkSample) { r.link = append(r.link, s) }

// Flows returns the flows in the order they were added.
func (r *Recorder) Flows() []*FlowSeries { return r.flows }

// Link returns the bottleneck snapshots in the order they were taken.
func (r *Recorder) Link() []LinkSample { return r.link }

// Interval is the sample interval the recorder was sized for.
func (r *Recorder) Interval() units.Duration { return r.interval }

// Summary computes the run's summary; see Summarize.
func (r *Recorder) Summary(info RunInfo) Summary {
	s := Summarize(info, r.flows, r.link)
	if r.QueueDelay.Count() > 0 {
		s.Link.QueueDelayP50Ms = r.QueueDelay.Quantile(0.50).Milliseconds()
		s.Link.QueueDelayP95Ms = r.QueueDelay.Quantile(0.95).Milliseconds()
		s.Link.QueueDelayP99Ms = r.QueueDelay.Quantile(0.99).Milliseconds()
		s.Link.QueueDelayMinMs = r.QueueDelay.Min().Milliseconds()
		s.Link.QueueDelayMaxMs = r.QueueDelay.Max().Milliseconds()
	}
	return s
}
