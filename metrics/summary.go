package metrics

// The run summary: one JSON document per run that a researcher compares
// across runs and a CI job gates on. Field order is the serialisation order,
// so the same run always gives the same bytes; the three wall-clock fields
// and the provenance (which build, machine and command, and when) are the
// only ones that vary between identical runs, and WithoutWallClock blanks
// them for determinism checks.

import (
	"slices"
	"strconv"
	"time"

	"github.com/ccbench/ccbench/units"
)

// RunInfo is what the runner knows about a run beyond its samples.
type RunInfo struct {
	Experiment string
	// Run identifies the run within the experiment (sweep point and
	// repetition); the runner chooses the format.
	Run  string
	Seed uint64
	// Duration is the simulated (or, under the tun driver, real) length of
	// the run.
	Duration units.Duration
	// Wall is how long the run took on the wall clock, measured by the
	// driver.
	Wall time.Duration
	// Segments counts data and ACK segments the stacks handled.
	Segments int64
	// LinkRate is the bottleneck's rate.
	LinkRate units.Rate
}

// Summary is one run's results.
type Summary struct {
	Experiment            string      `json:"experiment"`
	Run                   string      `json:"run"`
	Seed                  uint64      `json:"seed"`
	SimSeconds            float64     `json:"sim_seconds"`
	WallSeconds           float64     `json:"wall_seconds"`
	SimSpeed              float64     `json:"sim_speed"`
	Segments              int64       `json:"segments"`
	SegmentsPerWallSecond float64     `json:"segments_per_wall_second"`
	Link                  LinkSummary `json:"link"`
	// Links sums up every link of a network, in the scenario's order and
	// then the flows' access links; absent for the dumbbell, whose
	// bottleneck is Link.
	Links        []NetworkLinkSummary `json:"links,omitempty"`
	Flows        []FlowSummary        `json:"flows"`
	JainFairness float64              `json:"jain_fairness"`
	// Fairness is Jain's index over the experiment's fairness window,
	// overall and per [[flows]] entry (the runner fills it in).
	Fairness *Fairness `json:"fairness,omitempty"`
	// ReleaseError is the real-time driver's packet release timing: how
	// late packets left the relay compared with when they were due.
	ReleaseError *ReleaseError `json:"release_error,omitempty"`
	// PathLoss accounts, for a real-time run, for every datagram the
	// relay handled and every loss outside the emulated links.
	PathLoss *PathLoss `json:"path_loss,omitempty"`
	// Devices is how a real-time run sized its TUN devices and its
	// namespaces' TCP buffers for the link (tun.Sizing), so that the
	// emulated link is the only bottleneck; absent for a simulated run.
	Devices *DeviceSizing `json:"devices,omitempty"`
	// Validity says whether a real-time run's figures can be trusted and,
	// when not, every reason why; absent for a simulated run, whose links
	// run exactly as configured by construction.
	Validity *Validity `json:"validity,omitempty"`
	// Lifecycle sums up the connection attempts and state census of a
	// lifecycle experiment (lifecycle.go).
	Lifecycle *LifecycleSummary `json:"lifecycle,omitempty"`
	// Incast sums up each incast group's rounds (the runner fills it in).
	Incast []IncastSummary `json:"incast,omitempty"`
	// Provenance says what produced the run: build, machine, start time
	// and command line (the runner fills it in); absent from summaries
	// written before ccbench recorded it.
	Provenance *Provenance `json:"provenance,omitempty"`
	// Warnings names, one line each, every way the run rather than the
	// network set a result: a sender held by its receive window, its
	// send buffer or its application (FlowSummary.SenderLimits), and an
	// invalid real-time run (Validity). Absent when there is none.
	Warnings []string `json:"warnings,omitempty"`
}

// IncastSummary describes one incast group: synchronized senders answering
// a receiver's requests in rounds, each round a block split among them.
type IncastSummary struct {
	// Group is the [[flows]] entry; Senders how many flows it has.
	Group   int `json:"group"`
	Senders int `json:"senders"`
	// BlockBytes is what one round delivers, every sender's share.
	BlockBytes int64 `json:"block_bytes"`
	// Rounds is how many rounds completed in the run.
	Rounds int `json:"rounds"`
	// GoodputBps is the blocks of the completed rounds, in bits, over the
	// time those rounds took.
	GoodputBps float64 `json:"goodput_bps"`
	// Round durations, nearest-rank percentiles, in milliseconds.
	RoundMsMin float64 `json:"round_ms_min"`
	RoundMsP50 float64 `json:"round_ms_p50"`
	RoundMsP99 float64 `json:"round_ms_p99"`
	RoundMsMax float64 `json:"round_ms_max"`
}

// LinkSummary describes the bottleneck over the run.
type LinkSummary struct {
	RateBps int64 `json:"rate_bps"`
	// Utilization is delivered bits over what the link could have carried
	// in the run: DeliveredBytes*8 / (RateBps * SimSeconds).
	Utilization    float64 `json:"utilization"`
	DeliveredBytes int64   `json:"delivered_bytes"`
	Drops          int64   `json:"drops"`
	Lost           int64   `json:"lost"`
	// Queue percentiles are nearest-rank over the periodic samples.
	QueueBytesP50 int `json:"queue_bytes_p50"`
	QueueBytesP95 int `json:"queue_bytes_p95"`
	// QueueBytesMax and QueuePacketsMax are the largest the queue was at
	// any instant of the run, from the link's per-packet count, not from
	// the samples, which a shallow queue slips between.
	QueueBytesMax   int `json:"queue_bytes_max"`
	QueuePacketsMax int `json:"queue_packets_max"`
	// QueueDelayMeanMs is the mean time a packet waited in the queue
	// before its transmission began.
	QueueDelayMeanMs float64 `json:"queue_delay_mean_ms"`
	// Queueing-delay percentiles over every packet that crossed the
	// queue (when the driver records them); the minimum and maximum are
	// exact.
	QueueDelayP50Ms float64 `json:"queue_delay_p50_ms"`
	QueueDelayP95Ms float64 `json:"queue_delay_p95_ms"`
	QueueDelayP99Ms float64 `json:"queue_delay_p99_ms"`
	QueueDelayMinMs float64 `json:"queue_delay_min_ms"`
	QueueDelayMaxMs float64 `json:"queue_delay_max_ms"`
	// CrossDeliveredBytes is the unresponsive cross traffic the link
	// delivered, included in DeliveredBytes.
	CrossDeliveredBytes int64 `json:"cross_delivered_bytes,omitempty"`
}

// FlowSummary describes one flow over the run.
type FlowSummary struct {
	ID int    `json:"id"`
	CC string `json:"cc"`
	// Group is the [[flows]] entry the flow came from; nil in summaries
	// written before it was recorded.
	Group *int `json:"group,omitempty"`
	// Endpoints names a real-time flow's sender and receiver
	// implementations, "kernel→stack" or "stack→kernel" and so on.
	Endpoints string `json:"endpoints,omitempty"`
	// Path names the links of a network the flow's data and its ACKs
	// cross (the runner fills it in); absent for the dumbbell.
	Path *FlowPath `json:"path,omitempty"`
	// GoodputBps is bytes delivered to the receiving application, in bits,
	// over the flow's active time: from its start to its completion, or to
	// the end of the run if it did not complete.
	GoodputBps     float64 `json:"goodput_bps"`
	BytesDelivered int64   `json:"bytes_delivered"`
	Retransmits    int64   `json:"retransmits"`
	// SlowStartPeakCwndBytes is the largest congestion window sampled
	// before the sender first left slow start: up to the first sample with
	// a finite ssthresh or a retransmission, whichever comes first (BBR,
	// whose ssthresh stays infinite in Linux, is measured up to its first
	// retransmission or the end of the run). It is read from the sampled
	// series, so it is as fine as sample_interval: a coarse interval can
	// miss the peak of a doubling window.
	SlowStartPeakCwndBytes int `json:"slow_start_peak_cwnd_bytes"`
	// RTT percentiles, mean, minimum and maximum are over the path's RTT
	// samples (FlowSeries.RTT): one per cumulative ACK that retires data
	// sent once, measured on the sender's side of the path the same way by
	// every driver (package pathrtt), so a simulated and a real-time run's
	// compare. They are 0 when the flow took no sample (RTTSamples); the
	// minimum and maximum are exact, over every sample.
	RTTP50Ms   float64 `json:"rtt_p50_ms"`
	RTTP95Ms   float64 `json:"rtt_p95_ms"`
	RTTP99Ms   float64 `json:"rtt_p99_ms"`
	RTTMeanMs  float64 `json:"rtt_mean_ms"`
	RTTMinMs   float64 `json:"rtt_min_ms"`
	RTTMaxMs   float64 `json:"rtt_max_ms"`
	RTTSamples uint64  `json:"rtt_samples"`
	// SRTT percentiles and the rest are the sender's own smoothed RTT
	// (RFC 6298's SRTT: the stack's, or the kernel's TCP_INFO tcpi_rtt) as
	// sampled every sample_interval while the flow was connected
	// (FlowSeries.SRTT); 0 when it never was. A smoothed value lags the
	// path and spreads less than the samples it smooths, so its p95 and
	// p99 sit below rtt_p95_ms and rtt_p99_ms in a changing queue.
	SRTTP50Ms  float64 `json:"srtt_p50_ms"`
	SRTTP95Ms  float64 `json:"srtt_p95_ms"`
	SRTTP99Ms  float64 `json:"srtt_p99_ms"`
	SRTTMeanMs float64 `json:"srtt_mean_ms"`
	SRTTMinMs  float64 `json:"srtt_min_ms"`
	SRTTMaxMs  float64 `json:"srtt_max_ms"`
	// CompletionSeconds is the flow completion time, or null if the flow
	// had not completed when the run ended.
	CompletionSeconds *float64 `json:"completion_seconds"`
	// Slowdown is CompletionSeconds over the flow's ideal completion time,
	// base RTT plus its bytes at the bottleneck rate (the runner fills it
	// in); absent when the flow did not complete.
	Slowdown *float64 `json:"slowdown,omitempty"`
	// Verify is what end-to-end payload verification checked of the flow
	// (the runner fills it in with --verify); absent without it.
	Verify *Verification `json:"verify,omitempty"`
	// SenderLimits is what held the sender back over its active time;
	// absent when the driver could not time it.
	SenderLimits *SenderLimits `json:"sender_limits,omitempty"`
}

// Verification is what end-to-end payload verification checked of one
// flow: the sender writes a seeded pseudo-random stream, and the receiver
// compares every byte it reads with the byte written at that offset.
type Verification struct {
	// SizeBytes is the flow's size, or 0 for a bulk flow, which has no
	// end to reach.
	SizeBytes int64 `json:"size_bytes"`
	// WrittenBytes is what the sending application wrote.
	WrittenBytes int64 `json:"written_bytes"`
	// DeliveredBytes is what the receiving application read, and
	// VerifiedBytes how many of them, from the first, equal what the
	// sender wrote at the same offsets.
	DeliveredBytes int64 `json:"delivered_bytes"`
	VerifiedBytes  int64 `json:"verified_bytes"`
	// Complete is set for a sized flow whose every byte was delivered and
	// verified, the SHA-256 of everything read matching that of
	// everything written. It is never set for a bulk flow.
	Complete bool `json:"complete"`
}

// Problem says what is wrong with a verified flow, or "" when nothing
// is: delivered bytes that differ from those written, or a sized flow
// that did not complete. A bulk flow has nothing to complete, so the
// bytes it delivered in order are all it is checked for.
func (v *Verification) Problem() string {
	switch {
	case v.VerifiedBytes < v.DeliveredBytes:
		return "byte " + itoa64(v.VerifiedBytes) + " differs from the byte written at that offset"
	case v.DeliveredBytes > v.WrittenBytes:
		return "more bytes delivered than written"
	case v.SizeBytes > 0 && !v.Complete:
		return "did not complete"
	}
	return ""
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// Summarize computes a run's summary from flows and the bottleneck's
// samples. Byte and retransmission counts come from the last sample of each
// series, so the runner takes a final sample at the end of the run.
func Summarize(info RunInfo, flows []*FlowSeries, link []LinkSample) Summary {
	var ls linkStats
	for i := range link {
		ls.add(&link[i])
	}
	return summarize(info, flows, &ls)
}

func summarize(info RunInfo, flows []*FlowSeries, link *linkStats) Summary {
	s := Summary{
		Experiment: info.Experiment,
		Run:        info.Run,
		Seed:       info.Seed,
		SimSeconds: info.Duration.Seconds(),
		Segments:   info.Segments,
		Link:       link.summary(info),
		Flows:      make([]FlowSummary, 0, len(flows)),
	}
	if wall := info.Wall.Seconds(); wall > 0 {
		s.WallSeconds = wall
		s.SimSpeed = s.SimSeconds / wall
		s.SegmentsPerWallSecond = float64(info.Segments) / wall
	}
	end := units.Time(info.Duration)
	goodputs := make([]float64, 0, len(flows))
	for _, f := range flows {
		fs := summarizeFlow(f, end)
		s.Flows = append(s.Flows, fs)
		goodputs = append(goodputs, fs.GoodputBps)
	}
	s.JainFairness = JainIndex(goodputs)
	return s
}

// linkStats is what the link summary needs of the bottleneck's samples,
// kept as they are taken: the last sample, the largest packet count, and
// how often each queue length in bytes was sampled, from which the
// percentiles are exact. Its size grows with the distinct queue lengths,
// which the buffer bounds, not with the run's length.
type linkStats struct {
	n          int64
	last       LinkSample
	maxPackets int
	queue      map[int]int64
}

func (ls *linkStats) add(s *LinkSample) {
	if ls.queue == nil {
		ls.queue = make(map[int]int64)
	}
	ls.n++
	ls.last = *s
	ls.maxPackets = max(ls.maxPackets, s.QueuePackets)
	ls.queue[s.QueueBytes]++
}

// queueQuantile is the nearest-rank p-quantile of the sampled queue
// lengths, as gonum's stat.Quantile(p, stat.Empirical, ...) computes it
// over every sample sorted: the first value whose running count reaches
// p times the number of samples.
func (ls *linkStats) queueQuantile(values []int, p float64) int {
	target := p * float64(ls.n)
	var seen int64
	for _, v := range values {
		seen += ls.queue[v]
		if float64(seen) >= target {
			return v
		}
	}
	return values[len(values)-1]
}

func (ls *linkStats) summary(info RunInfo) LinkSummary {
	out := LinkSummary{RateBps: int64(info.LinkRate)}
	if ls.n == 0 {
		return out
	}
	last := ls.last
	out.DeliveredBytes = last.DeliveredBytes
	out.Drops = last.Drops
	out.Lost = last.Lost
	// Bits times nanoseconds per second over bits per second times
	// nanoseconds: whole numbers on both sides until the one division.
	if capacity := float64(info.LinkRate) * float64(info.Duration); capacity > 0 {
		out.Utilization = float64(last.DeliveredBytes) * 8e9 / capacity
	}
	values := make([]int, 0, len(ls.queue))
	for v := range ls.queue {
		values = append(values, v)
	}
	slices.Sort(values)
	out.QueueBytesP50 = ls.queueQuantile(values, 0.5)
	out.QueueBytesP95 = ls.queueQuantile(values, 0.95)
	// A sample cannot see more than the link's own maximum, but a
	// recorder fed by hand may carry no maximum at all.
	out.QueueBytesMax = max(values[len(values)-1], last.MaxQueueBytes)
	out.QueuePacketsMax = max(last.MaxQueuePackets, ls.maxPackets)
	if last.Served > 0 {
		out.QueueDelayMeanMs = last.Sojourn.Milliseconds() / float64(last.Served)
	}
	return out
}

func summarizeFlow(f *FlowSeries, runEnd units.Time) FlowSummary {
	last := f.Last()
	fs := FlowSummary{
		ID:                     f.ID,
		CC:                     f.CC,
		BytesDelivered:         last.Delivered,
		Retransmits:            last.Retransmits,
		RTTP50Ms:               f.RTT.Quantile(0.50).Milliseconds(),
		RTTP95Ms:               f.RTT.Quantile(0.95).Milliseconds(),
		RTTP99Ms:               f.RTT.Quantile(0.99).Milliseconds(),
		RTTMeanMs:              f.RTT.MeanMilliseconds(),
		RTTMinMs:               f.RTT.Min().Milliseconds(),
		RTTMaxMs:               f.RTT.Max().Milliseconds(),
		RTTSamples:             f.RTT.Count(),
		SRTTP50Ms:              f.SRTT.Quantile(0.50).Milliseconds(),
		SRTTP95Ms:              f.SRTT.Quantile(0.95).Milliseconds(),
		SRTTP99Ms:              f.SRTT.Quantile(0.99).Milliseconds(),
		SRTTMeanMs:             f.SRTT.MeanMilliseconds(),
		SRTTMinMs:              f.SRTT.Min().Milliseconds(),
		SRTTMaxMs:              f.SRTT.Max().Milliseconds(),
		SlowStartPeakCwndBytes: f.slowStartPeakCwnd(),
	}
	end := runEnd
	if f.Completed() {
		end = f.Finish
		fct := f.Finish.Sub(f.Start).Seconds()
		fs.CompletionSeconds = &fct
	}
	if active := end.Sub(f.Start); active > 0 {
		fs.GoodputBps = float64(last.Delivered) * 8e9 / float64(active)
	}
	return fs
}

// slowStartPeak is the largest cwnd in samples before the first one that
// shows the sender out of slow start (see SlowStartPeakCwndBytes); the
// recorder keeps the same as it samples.
func slowStartPeak(samples []FlowSample) int {
	peak := 0
	for i := range samples {
		if outOfSlowStart(&samples[i]) {
			break
		}
		peak = max(peak, samples[i].Cwnd)
	}
	return peak
}

// WithoutWallClock returns a copy of s with the fields that depend on the
// wall clock (wall_seconds, sim_speed, segments_per_wall_second) zeroed and
// the provenance left out, so two runs of the same seed compare equal
// whichever build, machine and minute ran them.
func (s *Summary) WithoutWallClock() Summary {
	c := *s
	c.Flows = slices.Clone(s.Flows)
	c.WallSeconds = 0
	c.SimSpeed = 0
	c.SegmentsPerWallSecond = 0
	c.Provenance = nil
	return c
}

// Validity is a real-time run's verdict on itself: Valid is false when
// anything made the emulated network differ from its configuration (the
// relay released late, stalled, or packets were lost outside the emulated
// links), and Reasons names each such thing with its figures, one line
// each.
type Validity struct {
	Valid   bool     `json:"valid"`
	Reasons []string `json:"reasons,omitempty"`
}

// Trusted reports whether s's figures can be used as they are: a simulated
// run always, a real-time run when its Validity says so. reasons is empty
// when ok.
func (s *Summary) Trusted() (ok bool, reasons []string) {
	if s.Validity == nil {
		return true, nil
	}
	return s.Validity.Valid, s.Validity.Reasons
}

// PathLoss is a real-time run's account of its datagrams: what the relay
// read and released, what the emulated links dropped on purpose, and
// every loss anywhere else, each with the place it happened.
type PathLoss struct {
	// Read and Released are the datagrams the relay read from either side
	// and wrote to the other.
	Read     int64 `json:"read"`
	Released int64 `json:"released"`
	// LinkDropped is what the emulated links dropped, lost or policed as
	// configured, both directions.
	LinkDropped int64 `json:"link_dropped"`
	// Outside is the sum of Places: datagrams lost outside the emulated
	// links, which makes the run invalid.
	Outside int64 `json:"outside"`
	// Places lists every place outside the links that lost datagrams
	// (only those that did), with the count.
	Places []LossPlace `json:"places,omitempty"`
}

// DeviceSizing is what a real-time run set before any traffic: both TUN
// devices' transmit queue length, in datagrams, and the maxima of
// net.ipv4.tcp_rmem and tcp_wmem in namespaces A and B, in bytes.
type DeviceSizing struct {
	TxQueueLen int    `json:"txqueuelen"`
	TCPRmemMax [2]int `json:"tcp_rmem_max"`
	TCPWmemMax [2]int `json:"tcp_wmem_max"`
}

// LossPlace is one place outside the emulated links where a real-time
// run lost datagrams.
type LossPlace struct {
	Where   string `json:"where"`
	Packets int64  `json:"packets"`
}

// Stall is one interval in which the relay released nothing it should
// have: At is when the late release fell due, in seconds from the run's
// start, and LengthMs how late it was.
type Stall struct {
	AtS      float64 `json:"at_s"`
	LengthMs float64 `json:"length_ms"`
}

// ReleaseError summarizes the real-time relay's release timing error.
type ReleaseError struct {
	Packets int64   `json:"packets"`
	P50Us   float64 `json:"p50_us"`
	P99Us   float64 `json:"p99_us"`
	P999Us  float64 `json:"p999_us"`
	MaxUs   float64 `json:"max_us"`
	// LimitUs is the run's max_release_p99; Valid is false when P99Us
	// passed it, and such a run's figures are not to be trusted.
	LimitUs float64 `json:"p99_limit_us"`
	Valid   bool    `json:"valid"`
	// StallThresholdUs is how late a release must be to count as a
	// stall; StallCount and StalledMs are how many stalls the run had and
	// their total length, and Stalls lists them in time order.
	StallThresholdUs float64 `json:"stall_threshold_us"`
	StallCount       int64   `json:"stall_count"`
	StalledMs        float64 `json:"stalled_ms"`
	Stalls           []Stall `json:"stalls,omitempty"`
	// Scheduling is how the relay's thread was scheduled, which explains
	// a large tail: without real-time priority it shares its core.
	Scheduling *RelayScheduling `json:"scheduling,omitempty"`
}

// RelayScheduling is the relay thread's scheduling during a run.
type RelayScheduling struct {
	// RealTime is set when the thread ran under SCHED_FIFO at Priority.
	RealTime bool `json:"real_time"`
	Priority int  `json:"priority,omitempty"`
	// CPU is the core it was pinned to, or -1.
	CPU int `json:"cpu"`
	// IdlePoll is set when idle cores polled instead of halting while the
	// relay ran (the CPU wake-up latency limit held at zero).
	IdlePoll bool `json:"idle_poll"`
	// StealMs is how long the machine's hypervisor ran other work on the
	// relay's core during the run (/proc/stat's steal time, 10 ms ticks).
	StealMs float64 `json:"steal_ms"`
	// Note says why real-time scheduling, pinning or idle polling was not
	// applied.
	Note string `json:"note,omitempty"`
}
