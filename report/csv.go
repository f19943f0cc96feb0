package report

// CSV time series, one row per sample. Numbers are formatted with strconv at
// a fixed precision chosen from the resolution of what is measured: times in
// seconds to the microsecond, durations in milliseconds to the microsecond,
// rates in Mbit/s to the bit per second, byte and packet counts as integers.
// Fixed precision rather than shortest representation gives every value in
// a column the same resolution, and the same data always the same bytes.

import (
	"io"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// FlowCSVHeader is the header row of WriteFlowCSV.
const FlowCSVHeader = "time_s,throughput_mbps,cwnd_bytes,ssthresh_bytes,srtt_ms,rttvar_ms,rto_ms,last_rtt_ms,inflight_bytes,retransmits,delivered_bytes,state,phase,pacing_mbps\n"

// LinkCSVHeader is the header row of WriteLinkCSV.
const LinkCSVHeader = "time_s,queue_bytes,queue_packets,drops,lost,delivered_bytes,marked,queue_delay_ms\n"

// InfiniteSsthresh is the threshold from which ssthresh is written as an
// empty field: algorithms start it "arbitrarily high" (RFC 5681 §3.1), and a
// number like 2147483647 in a column of window sizes only misleads.
const InfiniteSsthresh = 1 << 30

// WriteFlowCSV writes a flow's samples to path.
func WriteFlowCSV(path string, f *metrics.FlowSeries) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		// The algorithm's internals, if it exposes any, follow as extra
		// columns named after them (cc_alpha, cc_btl_bw, ...).
		var names []string
		for i := range f.Samples {
			if in := &f.Samples[i].CC; in.N > 0 {
				names = in.Names[:in.N]
				break
			}
		}
		if _, err := io.WriteString(w, flowCSVHeader(names)); err != nil {
			return err
		}
		row := make([]byte, 0, 256)
		for i := range f.Samples {
			row = appendFlowRow(row[:0], &f.Samples[i], len(names))
			if _, err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// flowCSVHeader is a flow file's header with the algorithm's internals.
func flowCSVHeader(names []string) string {
	header := FlowCSVHeader[:len(FlowCSVHeader)-1]
	for _, n := range names {
		header += ",cc_" + n
	}
	return header + "\n"
}

func appendFlowRow(b []byte, s *metrics.FlowSample, internals int) []byte {
	b = appendSeconds(b, s.T)
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.ThroughputBps/1e6, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Cwnd), 10)
	b = append(b, ',')
	if s.Ssthresh < InfiniteSsthresh {
		b = strconv.AppendInt(b, int64(s.Ssthresh), 10)
	}
	b = append(b, ',')
	b = appendMillis(b, s.SRTT)
	b = append(b, ',')
	b = appendMillis(b, s.RTTVar)
	b = append(b, ',')
	b = appendMillis(b, s.RTO)
	b = append(b, ',')
	b = appendMillis(b, s.LastRTT)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Inflight), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, s.Retransmits, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, s.Delivered, 10)
	b = append(b, ',')
	b = appendField(b, s.State)
	b = append(b, ',')
	b = appendField(b, s.Phase)
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.PacingBps/1e6, 'f', 6, 64)
	for i := range internals {
		b = append(b, ',')
		if i < s.CC.N {
			b = strconv.AppendFloat(b, s.CC.Values[i], 'g', 10, 64)
		}
	}
	return append(b, '\n')
}

// WriteLinkCSV writes the bottleneck's samples to path.
func WriteLinkCSV(path string, samples []metrics.LinkSample) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, LinkCSVHeader); err != nil {
			return err
		}
		row := make([]byte, 0, 128)
		for i := range samples {
			var prev *metrics.LinkSample
			if i > 0 {
				prev = &samples[i-1]
			}
			row = appendLinkRow(row[:0], &samples[i], prev)
			if _, err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// appendLinkRow formats one link sample; prev is the sample before it, or
// nil for the first.
func appendLinkRow(row []byte, s, prev *metrics.LinkSample) []byte {
	row = appendSeconds(row, s.T)
	row = append(row, ',')
	row = strconv.AppendInt(row, int64(s.QueueBytes), 10)
	row = append(row, ',')
	row = strconv.AppendInt(row, int64(s.QueuePackets), 10)
	row = append(row, ',')
	row = strconv.AppendInt(row, s.Drops, 10)
	row = append(row, ',')
	row = strconv.AppendInt(row, s.Lost, 10)
	row = append(row, ',')
	row = strconv.AppendInt(row, s.DeliveredBytes, 10)
	row = append(row, ',')
	row = strconv.AppendInt(row, s.Marked, 10)
	row = append(row, ',')
	row = appendMillis(row, intervalQueueDelay(s, prev))
	return append(row, '\n')
}

func appendSeconds(b []byte, t units.Time) []byte {
	return strconv.AppendFloat(b, t.Seconds(), 'f', 6, 64)
}

func appendMillis(b []byte, d units.Duration) []byte {
	return strconv.AppendFloat(b, d.Milliseconds(), 'f', 3, 64)
}

// appendField appends s as a CSV field, quoted per RFC 4180 only if it
// contains a separator, a quote or a line break. State and phase names never
// do; the quoting keeps a careless name from shifting every later column.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// intervalQueueDelay is the mean queueing delay of the packets served in
// the interval ending at sample s, since prev (nil for the first sample);
// 0 when none was.
func intervalQueueDelay(s, prev *metrics.LinkSample) units.Duration {
	served, sojourn := s.Served, s.Sojourn
	if prev != nil {
		served -= prev.Served
		sojourn -= prev.Sojourn
	}
	if served <= 0 {
		return 0
	}
	return sojourn / units.Duration(served)
}
