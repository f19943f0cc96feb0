// Package metrics turns what a run's connections and bottleneck expose into
// time series and a summary.
//
// Probes are snapshots: the runner copies a connection's state (cwnd,
// ssthresh, RTT estimator, bytes in flight, delivered, retransmitted, state
// and congestion-control phase) into a FlowSample on a fixed interval, and
// the bottleneck's queue and counters into a LinkSample. Per-ACK RTT samples
// go into a fixed-memory Histogram. Plots and summaries read only this
// package; nothing here reads a clock or allocates on the sampling path once
// a Recorder has been sized for the run.
package metrics

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// FlowSample is one snapshot of a sending connection.
type FlowSample struct {
	T units.Time
	// ThroughputBps is the goodput seen by the receiving application over
	// the recorder's throughput window ending at T, in bits per second.
	// FlowSeries.Record computes it from Delivered.
	ThroughputBps float64
	// Cwnd, Ssthresh and Inflight are in bytes. Ssthresh holds the
	// algorithm's "infinite" value until the first congestion event.
	Cwnd, Ssthresh, Inflight int
	// SRTT, RTTVar and RTO are the RFC 6298 estimator's state; LastRTT is
	// the most recent RTT sample, or 0 before the first one.
	SRTT, RTTVar, RTO, LastRTT units.Duration
	// Retransmits counts segments retransmitted since the flow started.
	Retransmits int64
	// Delivered counts bytes handed to the receiving application since the
	// flow started.
	Delivered int64
	// State is the TCP state name ("ESTABLISHED"); Phase is the congestion
	// controller's mode ("slow_start"). Both must be constant strings so a
	// snapshot copies two words, not text.
	State, Phase string
	// PacingBps is the rate the sender paces at, 0 when it does not pace.
	PacingBps float64
	// CC holds the algorithm's own state (BBR's bandwidth estimate and
	// gains, DCTCP's alpha), when it exposes any.
	CC cc.Internals
}

// LinkSample is one snapshot of the bottleneck link.
type LinkSample struct {
	T units.Time
	// QueueBytes and QueuePackets are what waits in the queue at T, not
	// counting the packet being serialized.
	QueueBytes, QueuePackets int
	// Drops counts packets the queue discipline discarded (tail drop, AQM);
	// Lost counts packets the loss model discarded. Both are cumulative.
	Drops, Lost int64
	// DeliveredBytes counts bytes that left the far end of the link since
	// the run started.
	DeliveredBytes int64
	// Served counts packets that left the queue for the transmitter and
	// Sojourn adds up the time they waited in it (both cumulative), so the
	// mean queueing delay over any span is the ratio of their differences.
	Served  int64
	Sojourn units.Duration
	// Marked counts packets marked CE (cumulative).
	Marked int64
	// MaxQueueBytes and MaxQueuePackets are the largest the queue has
	// been at any instant since the run started, as the link tracks it
	// packet by packet, not only at sample times (cumulative).
	MaxQueueBytes, MaxQueuePackets int
}
