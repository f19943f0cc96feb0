package runner

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
)

// virtualPayloadCases are runs that exercise what payload could touch:
// plain bulk transfer, random loss with reordering, jitter and duplicates
// (out-of-order placement, SACK, D-SACK), sized flows that end with FIN,
// RACK with BBR's pacing, send and receive buffers too small for the
// window, DCTCP through a link that marks CE (which rewrites the IPv4
// header and its checksum: a receiver with virtual payload does not
// verify it, so a wrong update would show here as a difference), and
// flows that fq_codel tells apart by their ports and marks, and SYNs
// that ask for Fast Open cookies (options the metadata header must carry
// as the parser would read them). Virtual
// payload also carries headers as metadata (stack.Config.VirtualPayload),
// so every reader of a header on the way, the duplicate's copy, the CE
// mark, the flow hash, the passive RTT monitor, is compared with its
// reading of real bytes.
var virtualPayloadCases = [][]string{
	{"duration=10s"},
	{"duration=10s", "link.loss=0.01", "link.jitter=3ms", "link.reorder=true", "link.duplicate=0.01",
		"flows[0].cc=cubic", "flows[0].count=3"},
	{"duration=8s", "flows[0].cc=bbr", "flows[0].recovery=rack", "flows[0].count=2", "flows[0].size=3MB",
		"link.loss=0.005", "link.jitter=2ms", "link.reorder=true"},
	{"duration=6s", "tcp.snd_buffer=64KiB", "tcp.rcv_buffer=48KiB", "flows[0].size=2MB", "link.loss=0.02"},
	{"duration=6s", "tcp.ecn=true", "link.ecn_threshold=20pkt", "flows[0].cc=dctcp", "flows[0].count=2"},
	{"duration=6s", "tcp.ecn=true", "link.qdisc=fq_codel", "flows[0].cc=cubic", "flows[0].count=4"},
	{"duration=6s", "tcp.fast_open=true", "flows[0].size=1MB", "flows[0].count=2"},
}

// TestVirtualPayloadChangesNothing runs each case with virtual payload
// and again with real bytes and checksums, and requires every recorded
// sample, RTT histogram, link sample, summary and byte count to be equal:
// virtual payload may change what a run costs, never what it reports.
func TestVirtualPayloadChangesNothing(t *testing.T) {
	for i, sets := range virtualPayloadCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			sc := scenario(t, sets...)
			if !sc.virtualPayload() {
				t.Fatalf("%v: the simulator would not make payload virtual", sets)
			}
			virtual := simulateScenario(t, sc)
			sc.RealPayload = true
			real := simulateScenario(t, sc)
			compareRuns(t, virtual, real)
		})
	}
}

func simulateScenario(t *testing.T, sc Scenario) *Result {
	t.Helper()
	r, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func compareRuns(t *testing.T, virtual, real *Result) {
	t.Helper()
	if !reflect.DeepEqual(virtual.Written, real.Written) || !reflect.DeepEqual(virtual.Read, real.Read) {
		t.Fatalf("bytes written %v read %v with virtual payload, %v and %v with real", virtual.Written, virtual.Read, real.Written, real.Read)
	}
	vf, rf := virtual.Recorder.Flows(), real.Recorder.Flows()
	if len(vf) != len(rf) {
		t.Fatalf("%d flows recorded with virtual payload, %d with real", len(vf), len(rf))
	}
	for i := range vf {
		if vf[i].Finish != rf[i].Finish || !reflect.DeepEqual(vf[i].RTT, rf[i].RTT) {
			t.Fatalf("flow %d: finish %v and RTT histogram differ", i, vf[i].Finish)
		}
		if len(vf[i].Samples) != len(rf[i].Samples) {
			t.Fatalf("flow %d: %d samples with virtual payload, %d with real", i, len(vf[i].Samples), len(rf[i].Samples))
		}
		for k := range vf[i].Samples {
			if vf[i].Samples[k] != rf[i].Samples[k] {
				t.Fatalf("flow %d sample %d:\nvirtual %+v\n   real %+v", i, k, vf[i].Samples[k], rf[i].Samples[k])
			}
		}
	}
	if !reflect.DeepEqual(virtual.Recorder.Link(), real.Recorder.Link()) {
		t.Fatal("link samples differ")
	}
	vs, rs := virtual.Summary.WithoutWallClock(), real.Summary.WithoutWallClock()
	if !reflect.DeepEqual(vs, rs) {
		t.Fatalf("summaries differ:\nvirtual %+v\n   real %+v", vs, rs)
	}
	if len(vf[0].Samples) == 0 || virtual.Read[0] == 0 {
		t.Fatal("the run carried nothing: nothing was compared")
	}
}

// TestVirtualPayloadOnlyWhereUnobserved: the simulator keeps real bytes
// for --verify, --pcap and a corrupting link, and a run with virtual
// payload never takes a buffer chunk while one with real bytes does.
func TestVirtualPayloadOnlyWhereUnobserved(t *testing.T) {
	for _, c := range []struct {
		name string
		sc   func(*Scenario)
	}{
		{"verify", func(sc *Scenario) { sc.Verify = true }},
		{"pcap", func(sc *Scenario) { sc.Pcap = bufio.NewWriter(io.Discard) }},
		{"corrupt forward", func(sc *Scenario) { sc.Forward.Corrupt.Prob = 0.001 }},
		{"corrupt reverse", func(sc *Scenario) { sc.Reverse.Corrupt.Prob = 0.001 }},
		// A network's links beyond the first two (a parking lot's later
		// hops, a custom topology's last mile) corrupt as well.
		{"corrupt third link of a network", func(sc *Scenario) {
			sc.Links = []LinkSpec{{Name: "a->r"}, {Name: "r->a"}, {Name: "r->b", Config: netem.LinkConfig{Corrupt: netem.Impairment{Prob: 0.001}}}}
		}},
		{"real payload asked for", func(sc *Scenario) { sc.RealPayload = true }},
	} {
		sc := scenario(t, "duration=1s")
		c.sc(&sc)
		if sc.virtualPayload() {
			t.Errorf("%s: payload made virtual", c.name)
		}
	}
	for _, real := range []bool{false, true} {
		sc := scenario(t, "duration=2s")
		sc.RealPayload = real
		w, err := newWorld(sc)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.run(); err != nil {
			t.Fatal(err)
		}
		if w.flows[0].read == 0 {
			t.Fatal("nothing delivered")
		}
		if got := w.chunks.Allocated; real != (got > 0) {
			t.Errorf("real payload %v: %d buffer chunks allocated", real, got)
		}
	}
}

// BenchmarkSegmentThroughSimRealPayload is BenchmarkSegmentThroughSim
// with real payload bytes and checksums, what --verify, --pcap and a
// corrupting link cost: the difference is what virtual payload saves.
func BenchmarkSegmentThroughSimRealPayload(b *testing.B) {
	sc := scenario(b)
	sc.RealPayload = true
	benchSteadySegments(b, steadyWorldOf(b, sc))
}

// TestSteadyStateRealPayloadAllocatesNothing: with real bytes the buffer
// chunks recycle through the world's pool, so the steady state allocates
// nothing either.
func TestSteadyStateRealPayloadAllocatesNothing(t *testing.T) {
	sc := scenario(t)
	sc.RealPayload = true
	w := steadyWorldOf(t, sc)
	if allocs := testing.AllocsPerRun(20, func() { w.stepSegments(t, 500) }); allocs != 0 {
		t.Fatalf("%.1f allocations per 500 segments with real payload, want 0", allocs)
	}
	if w.chunks.Allocated == 0 {
		t.Fatal("no chunk allocated: the payload was not real")
	}
}
