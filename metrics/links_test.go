package metrics

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// linkCountingSink is a countingSink that also takes network links.
type linkCountingSink struct {
	countingSink
	netLinks map[string]int
}

func (c *linkCountingSink) NetworkLinkSample(l *LinkSeries, _ *LinkSample) { c.netLinks[l.Name]++ }

// TestNetworkLinkSummary: a network link sums up like the bottleneck,
// against its own rate, and only links with a file reach the sink.
func TestNetworkLinkSummary(t *testing.T) {
	const interval = 100 * units.Millisecond
	rec := NewRecorder(interval, 0)
	sink := &linkCountingSink{netLinks: map[string]int{}}
	rec.StreamTo(sink)
	fast := rec.AddLink("fast", "link-fast.csv", 100*units.MbitPerSecond, 0, 100)
	slow := rec.AddLink("slow", "link-slow.csv", 10*units.MbitPerSecond, 50_000, 0)
	wire := rec.AddLink("wire", "", 0, 0, 0)
	// 10 s at 1.25 MB/s: all 10 Mbit/s can carry, a tenth of 100.
	for k := range 101 {
		now := units.Time(k) * units.Time(interval)
		d := int64(k) * 125_000
		fast.Record(LinkSample{T: now, DeliveredBytes: d, Served: int64(k), Sojourn: units.Duration(k) * 10 * units.Microsecond})
		slow.Record(LinkSample{T: now, DeliveredBytes: d, QueueBytes: 1000 * (k % 10), Drops: int64(k / 20), Marked: 3,
			Served: int64(k), Sojourn: units.Duration(k) * 4 * units.Millisecond, MaxQueueBytes: 12_000, MaxQueuePackets: 8})
		wire.Record(LinkSample{T: now, DeliveredBytes: d})
	}
	if sink.netLinks["fast"] != 101 || sink.netLinks["slow"] != 101 || sink.netLinks["wire"] != 0 {
		t.Errorf("the sink took %v", sink.netLinks)
	}
	s := rec.Summary(RunInfo{Duration: 10 * units.Second})
	if len(s.Links) != 3 {
		t.Fatalf("%d links", len(s.Links))
	}
	f, sl, w := s.Links[0], s.Links[1], s.Links[2]
	if f.Utilization < 0.0999 || f.Utilization > 0.1001 || sl.Utilization < 0.999 || sl.Utilization > 1.001 || w.Utilization != 0 {
		t.Errorf("utilization %v, %v, %v; want 0.1, 1, 0", f.Utilization, sl.Utilization, w.Utilization)
	}
	if sl.Drops != 5 || sl.Marked != 3 || sl.QueueBytesMax != 12_000 || sl.QueuePacketsMax != 8 || sl.QueueBytesP50 != 4000 ||
		sl.QueueDelayMeanMs != 4 || sl.BufferBytes != 50_000 || f.BufferPackets != 100 || f.QueueDelayMeanMs != 0.01 {
		t.Errorf("slow link %+v, fast %+v", sl, f)
	}
	if sl.CSV != "link-slow.csv" || w.CSV != "" || w.DeliveredBytes != 100*125_000 {
		t.Errorf("files %q, %q; wire delivered %d", sl.CSV, w.CSV, w.DeliveredBytes)
	}
	data, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"links":[{"name":"fast","csv":"link-fast.csv","rate_bps":100000000,"buffer_packets":100,`) {
		t.Errorf("summary JSON: %s", data)
	}
}

// TestNoNetworkLinksNoJSON: a summary without network links or paths has
// neither key, so a dumbbell's summary.json is what it was.
func TestNoNetworkLinksNoJSON(t *testing.T) {
	rec := NewRecorder(units.Second, 0)
	rec.AddFlow(0, "f", "reno", 0).Record(FlowSample{})
	rec.RecordLink(LinkSample{})
	s := rec.Summary(RunInfo{Duration: units.Second})
	data, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"links"`) || strings.Contains(string(data), `"path"`) {
		t.Errorf("summary JSON: %s", data)
	}
}

// TestNetworkLinkRecordAllocs: recording a network link allocates nothing
// in the steady state, streamed or kept in a sized slice.
func TestNetworkLinkRecordAllocs(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		rec := NewRecorder(10*units.Millisecond, 0)
		if streaming {
			rec.StreamTo(&linkCountingSink{netLinks: map[string]int{}})
		}
		l := rec.AddLink("l", "link-l.csv", units.MbitPerSecond, 0, 0)
		if !streaming {
			l.Samples = make([]LinkSample, 0, 2000)
		}
		for q := range 4 {
			l.Record(LinkSample{QueueBytes: 1500 * q})
		}
		n := 0
		if a := testing.AllocsPerRun(1000, func() {
			n++
			l.Record(LinkSample{T: units.Time(n), QueueBytes: 1500 * (n % 4)})
		}); a != 0 {
			t.Errorf("streaming %v: %.1f allocations per sample", streaming, a)
		}
	}
}
