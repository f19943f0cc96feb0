package metrics

// The Recorder holds what one run measures: a FlowSeries per flow and the
// bottleneck's samples. It keeps bounded state only: what the summary needs
// (the last sample, the slow-start peak, the delivered counts around the
// fairness window, the distinct queue lengths sampled) is updated sample by
// sample, and the samples themselves go to a Sink as they are taken, which
// writes them to the run's CSV files. Without a Sink the series keep every
// sample in memory instead, growing as they go, for tests and callers that
// want the series themselves.
//
// A runner uses it like this:
//
//	rec := metrics.NewRecorder(interval, window)
//	rec.StreamTo(sink)            // or not, to keep the samples
//	rec.WatchDelivered(from, to)  // times DeliveredAt must answer for
//	f := rec.AddFlow(id, name, "reno", start)
//	// for every path RTT sample (package pathrtt takes them):
//	f.RTT.Record(rtt)
//	// every interval, from t = 0 through t = duration inclusive:
//	f.Record(metrics.FlowSample{T: now, Cwnd: ..., SRTT: ..., Delivered: ...})
//	rec.RecordLink(metrics.LinkSample{T: now, QueueBytes: ...})
//	// when a sized flow's last byte reaches the receiving application:
//	f.Complete(now)
//	summary := rec.Summary(metrics.RunInfo{...})

import (
	"fmt"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Sink receives every sample as the recorder takes it, after the recorder
// has filled in its throughput. It must not keep the pointers. A sink that
// fails keeps its error for the caller; the recorder never stops sampling.
type Sink interface {
	FlowSample(f *FlowSeries, s *FlowSample)
	LinkSample(s *LinkSample)
}

// FlowSeries is one flow's time series and RTT distribution.
type FlowSeries struct {
	ID   int
	Name string
	// CC is the registered name of the flow's congestion control.
	CC string
	// Start is when the flow opened; Finish is when its last byte reached
	// the receiving application, or units.Never while it has not.
	Start, Finish units.Time
	// Samples holds every snapshot when the recorder keeps them (it has
	// no Sink); it is empty when they stream to one.
	Samples []FlowSample
	// RTT holds every RTT sample of the flow's path, taken on the
	// sender's side of it by package pathrtt, the same way in every
	// driver.
	RTT Histogram
	// SRTT holds the sender's own smoothed RTT (the stack's srtt, the
	// kernel's TCP_INFO) at each snapshot Record takes that has one,
	// until the flow completes: the sender's view, reported beside the
	// path's.
	SRTT Histogram

	throughput Throughput
	sink       Sink
	// recorded counts the samples taken through Record; last is the
	// latest of them.
	recorded int64
	last     FlowSample
	// ssPeak is the slow-start peak so far; ssDone is set from the first
	// sample that shows the sender out of slow start (slowStartPeak).
	ssPeak int
	ssDone bool
	// watches hold the samples around each watched time (DeliveredAt).
	watches []deliveredWatch
}

// deliveredWatch keeps the two samples around a time t that DeliveredAt
// interpolates between: the last one before t and the first at or after.
type deliveredWatch struct {
	t              units.Time
	before, after  throughputPoint
	hasBefore, has bool
}

func (w *deliveredWatch) add(s *FlowSample) {
	if w.has {
		return
	}
	p := throughputPoint{t: s.T, bytes: s.Delivered}
	if s.T >= w.t {
		w.after, w.has = p, true
		return
	}
	w.before, w.hasBefore = p, true
}

// Record takes a snapshot, filling in s.ThroughputBps from s.Delivered
// over the recorder's throughput window, records s.SRTT into f.SRTT, and
// hands it to the sink or keeps it.
func (f *FlowSeries) Record(s FlowSample) {
	s.ThroughputBps = f.throughput.Add(s.T, s.Delivered)
	// A finished flow's srtt stays where its last ACK left it; sampling it
	// on would weigh the distribution by how long the run outlasted the
	// flow.
	if s.SRTT > 0 && f.Finish == units.Never {
		f.SRTT.Record(s.SRTT)
	}
	f.recorded++
	f.last = s
	if !f.ssDone {
		if outOfSlowStart(&s) {
			f.ssDone = true
		} else {
			f.ssPeak = max(f.ssPeak, s.Cwnd)
		}
	}
	for i := range f.watches {
		f.watches[i].add(&s)
	}
	if f.sink != nil {
		// f.last rather than &s, which would move every sample to the
		// heap: the sink is an interface, so s would escape.
		f.sink.FlowSample(f, &f.last)
		return
	}
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
	if f.recorded > 0 {
		return f.last
	}
	if len(f.Samples) == 0 {
		return FlowSample{}
	}
	return f.Samples[len(f.Samples)-1]
}

// Count is the number of snapshots taken.
func (f *FlowSeries) Count() int64 {
	if f.recorded > 0 {
		return f.recorded
	}
	return int64(len(f.Samples))
}

// slowStartPeakCwnd is the flow's SlowStartPeakCwndBytes.
func (f *FlowSeries) slowStartPeakCwnd() int {
	if f.recorded > 0 {
		return f.ssPeak
	}
	return slowStartPeak(f.Samples)
}

// Recorder holds one run's measurements.
type Recorder struct {
	interval, window units.Duration
	sink             Sink
	watch            []units.Time
	flows            []*FlowSeries
	// link keeps the bottleneck's samples when there is no sink.
	link  []LinkSample
	links linkStats
	// netLinks are a network's links (links.go), none for the dumbbell.
	netLinks []*LinkSeries
	// QueueDelay holds every packet's queueing delay at the bottleneck.
	QueueDelay Histogram
}

// NewRecorder returns a recorder for samples taken every interval, with
// throughput averaged over window (one interval if window <= 0). The
// interval must be positive; experiment validation guarantees it. Nothing
// is sized from the run's length: memory grows with the flows, not with
// the samples, once the samples stream to a sink.
func NewRecorder(interval, window units.Duration) *Recorder {
	if interval <= 0 {
		panic(fmt.Sprintf("metrics: sample interval %v is not positive", interval))
	}
	if window <= 0 {
		window = interval
	}
	return &Recorder{interval: interval, window: window}
}

// StreamTo hands every later sample to sink instead of keeping it. Call it
// before the first sample.
func (r *Recorder) StreamTo(sink Sink) {
	r.sink = sink
	for _, f := range r.flows {
		f.sink = sink
	}
	for _, l := range r.netLinks {
		l.attach(sink)
	}
}

// Streaming reports whether samples go to a sink rather than memory.
func (r *Recorder) Streaming() bool { return r.sink != nil }

// WatchDelivered makes every flow keep what DeliveredAt needs to answer
// for each of times once its samples are not kept. Call it before the
// first sample.
func (r *Recorder) WatchDelivered(times ...units.Time) {
	r.watch = append(r.watch, times...)
	for _, f := range r.flows {
		for _, t := range times {
			f.watches = append(f.watches, deliveredWatch{t: t})
		}
	}
}

// AddFlow registers a flow that opens at start and returns its series.
func (r *Recorder) AddFlow(id int, name, cc string, start units.Time) *FlowSeries {
	f := &FlowSeries{
		ID:     id,
		Name:   name,
		CC:     cc,
		Start:  start,
		Finish: units.Never,
		sink:   r.sink,
	}
	for _, t := range r.watch {
		f.watches = append(f.watches, deliveredWatch{t: t})
	}
	f.throughput.Init(r.window, r.interval)
	r.flows = append(r.flows, f)
	return f
}

// RecordLink takes a bottleneck snapshot.
func (r *Recorder) RecordLink(s LinkSample) {
	r.links.add(&s)
	if r.sink != nil {
		r.sink.LinkSample(&r.links.last)
		return
	}
	r.link = append(r.link, s)
}

// Flows returns the flows in the order they were added.
func (r *Recorder) Flows() []*FlowSeries { return r.flows }

// Link returns the bottleneck snapshots in the order they were taken, when
// the recorder keeps them (it has no sink).
func (r *Recorder) Link() []LinkSample { return r.link }

// Interval is the sample interval the recorder was made for.
func (r *Recorder) Interval() units.Duration { return r.interval }

// Summary computes the run's summary; see Summarize.
func (r *Recorder) Summary(info RunInfo) Summary {
	s := summarize(info, r.flows, &r.links)
	if r.QueueDelay.Count() > 0 {
		s.Link.QueueDelayP50Ms = r.QueueDelay.Quantile(0.50).Milliseconds()
		s.Link.QueueDelayP95Ms = r.QueueDelay.Quantile(0.95).Milliseconds()
		s.Link.QueueDelayP99Ms = r.QueueDelay.Quantile(0.99).Milliseconds()
		s.Link.QueueDelayMinMs = r.QueueDelay.Min().Milliseconds()
		s.Link.QueueDelayMaxMs = r.QueueDelay.Max().Milliseconds()
	}
	for _, l := range r.netLinks {
		s.Links = append(s.Links, l.summary(info.Duration))
	}
	return s
}

// outOfSlowStart reports whether a sample shows the sender out of slow
// start (see SlowStartPeakCwndBytes). A kernel flow's infinite ssthresh
// arrives as 0x7fffffff segments times the MSS, above cc.InfiniteSsthresh
// like the stack's own.
func outOfSlowStart(s *FlowSample) bool {
	return s.Retransmits > 0 || s.Ssthresh > 0 && s.Ssthresh < cc.InfiniteSsthresh
}
