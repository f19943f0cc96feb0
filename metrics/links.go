package metrics

// The links of a network: a run whose scenario gives its own links (not
// the plain dumbbell) measures each of them as it measures the bottleneck,
// a LinkSeries per link sampled with the flows, and sums each up in the
// summary's links. The bottleneck (RecordLink) stays what it was: the
// dumbbell's forward link, or a network's link 0.

import "github.com/ccbench/ccbench/units"

// LinkSink is a Sink that also takes the samples of a network's links.
// A streaming recorder whose sink is not one keeps the links' summaries
// but not their samples.
type LinkSink interface {
	NetworkLinkSample(l *LinkSeries, s *LinkSample)
}

// LinkSeries is one link of a network: its samples and what its summary
// needs of them.
type LinkSeries struct {
	// Index is the link's place among the recorder's links, from 0.
	Index int
	// Name names the link ("r0->r1", "f3 access").
	Name string
	// File is the name of the link's CSV in the run's folder, or "" when
	// the link has no queue to plot (no rate, no trace).
	File string
	// Rate is what the link can carry: its rate, or a trace's average
	// capacity over the run; 0 for a link of pure delay.
	Rate units.Rate
	// BufferBytes and BufferPackets are its queue's limits, 0 for none.
	BufferBytes, BufferPackets int
	// Samples holds every snapshot of a link with a File when the
	// recorder keeps them (it has no sink).
	Samples []LinkSample

	stats linkStats
	sink  LinkSink
	// streaming is set when the recorder hands its samples to a sink,
	// which then keeps them or not.
	streaming bool
}

// AddLink registers a link of the network and returns its series. Call it
// before the first sample.
func (r *Recorder) AddLink(name, file string, rate units.Rate, bufferBytes, bufferPackets int) *LinkSeries {
	l := &LinkSeries{Index: len(r.netLinks), Name: name, File: file, Rate: rate,
		BufferBytes: bufferBytes, BufferPackets: bufferPackets}
	l.attach(r.sink)
	r.netLinks = append(r.netLinks, l)
	return l
}

func (l *LinkSeries) attach(sink Sink) {
	l.streaming = sink != nil
	l.sink, _ = sink.(LinkSink)
}

// NetworkLinks returns the network's links in the order they were added.
func (r *Recorder) NetworkLinks() []*LinkSeries { return r.netLinks }

// Record takes a snapshot of the link.
func (l *LinkSeries) Record(s LinkSample) {
	l.stats.add(&s)
	switch {
	case l.File == "":
		// No queue, no series: its summary is all there is of it.
	case l.sink != nil:
		// l.stats.last rather than &s, which would escape to the heap.
		l.sink.NetworkLinkSample(l, &l.stats.last)
	case !l.streaming:
		l.Samples = append(l.Samples, s)
	}
}

// Count is the number of snapshots taken.
func (l *LinkSeries) Count() int64 { return l.stats.n }

// NetworkLinkSummary describes one link of a network over the run.
type NetworkLinkSummary struct {
	Name string `json:"name"`
	// CSV is the link's time series in the run's folder, absent for a
	// link with no queue.
	CSV     string `json:"csv,omitempty"`
	RateBps int64  `json:"rate_bps"`
	// BufferBytes and BufferPackets are the queue's limits, absent when
	// it has none.
	BufferBytes   int `json:"buffer_bytes,omitempty"`
	BufferPackets int `json:"buffer_packets,omitempty"`
	// Utilization is delivered bits over RateBps times the run's length;
	// 0 for a link without a rate.
	Utilization    float64 `json:"utilization"`
	DeliveredBytes int64   `json:"delivered_bytes"`
	Drops          int64   `json:"drops"`
	Lost           int64   `json:"lost"`
	Marked         int64   `json:"marked"`
	// Queue percentiles are nearest-rank over the periodic samples; the
	// maxima are the link's own, packet by packet.
	QueueBytesP50   int `json:"queue_bytes_p50"`
	QueueBytesP95   int `json:"queue_bytes_p95"`
	QueueBytesMax   int `json:"queue_bytes_max"`
	QueuePacketsMax int `json:"queue_packets_max"`
	// QueueDelayMeanMs is the mean time a packet waited in the queue
	// before its transmission began.
	QueueDelayMeanMs float64 `json:"queue_delay_mean_ms"`
}

// summary sums the link up over a run of length d.
func (l *LinkSeries) summary(d units.Duration) NetworkLinkSummary {
	ls := l.stats.summary(RunInfo{LinkRate: l.Rate, Duration: d})
	return NetworkLinkSummary{
		Name: l.Name, CSV: l.File, RateBps: ls.RateBps,
		BufferBytes: l.BufferBytes, BufferPackets: l.BufferPackets,
		Utilization: ls.Utilization, DeliveredBytes: ls.DeliveredBytes,
		Drops: ls.Drops, Lost: ls.Lost, Marked: l.stats.last.Marked,
		QueueBytesP50: ls.QueueBytesP50, QueueBytesP95: ls.QueueBytesP95,
		QueueBytesMax: ls.QueueBytesMax, QueuePacketsMax: ls.QueuePacketsMax,
		QueueDelayMeanMs: ls.QueueDelayMeanMs,
	}
}

// FlowPath names the links a flow's data and its ACKs cross, in order,
// and gives their places in the summary's links, which names alone may
// not tell apart.
type FlowPath struct {
	Data      []string `json:"data"`
	Ack       []string `json:"ack"`
	DataLinks []int    `json:"data_links"`
	AckLinks  []int    `json:"ack_links"`
}
