package runner

// The budget: before a run starts, an estimate of the memory it will hold at
// its peak and of the bytes it will write, from its resolved settings, held
// against what this machine has. A run that cannot fit is refused with one
// line naming the setting responsible, the estimate and the limit, instead
// of running until the kernel kills it or the disk fills.
//
// The memory estimate adds up what the code allocates, not what a run
// happens to touch:
//
//   - sockets: every flow has two connections (sender and receiver), and
//     each allocates a send ring and a receive ring, both rounded up to a
//     power of two, and a retransmission queue sized for a full send buffer
//     (stack.Conn.allocateBuffers). A lifecycle client's connections hold
//     the same, for as many connections as can be open at once.
//   - flow state: the RTT histogram, the payload block, the hosts.
//   - time series: the samples stream to the CSVs as they are taken, through
//     a buffer per file (report.SeriesFiles); the recorder keeps, for the
//     summary, a count per distinct queue length sampled, at most one per
//     sample and one per byte the buffer holds.
//   - figures: drawn from the CSVs row by row, each line decimated to at
//     most 2 400 points and at most 16 flows drawn one by one (the rest
//     as bands, from a bounded sample per slice of time), several figures
//     at once: bounded by the figures, not by the run's length.
//   - throughput rings: throughput_window / sample_interval points per flow.
//   - packets: what the links can hold at once, queue plus propagation,
//     each in a pooled buffer of packet.Capacity bytes.
//
// Measured peak RSS is below this sum (README: the calibration table): Go
// leaves untouched pages of a ring unbacked until the ring wraps. The sum is
// what a long run approaches, which is the case the check is for.
//
// The limits come from the machine: the memory available now (MemAvailable,
// or the cgroup's limit less its usage when that is lower), of which a run
// may plan to use budgetMemoryShare; the free space at the output folder, of
// which it may use budgetDiskShare. --budget-memory replaces the memory
// limit and --no-budget skips the check, for users who know better. Where
// neither the memory nor the disk can be read, that side goes unchecked.

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

const (
	// budgetMemoryShare is the part of the available memory a run may plan
	// to use: the rest is for the Go collector's headroom above the live
	// heap, the page cache the results are written through, and everyone
	// else on the machine.
	budgetMemoryShare = 0.9
	// budgetDiskShare is the part of the free disk space a run may fill.
	budgetDiskShare = 0.9
	// budgetBase is the process before any flow: the runtime, the binary,
	// the plotting library and its fonts (46 MB peak RSS measured for one
	// flow with 4 MiB buffers, of which 16.6 MiB are the flow's sockets).
	budgetBase = 40 << 20
	// flowStateBytes is a flow's fixed state outside its sockets: the RTT
	// histogram (31 776 B), the payload block (2 × 65 521 B), two hosts
	// with a listener each, the flow and its series headers.
	flowStateBytes = 200 << 10
	// seriesBufferBytes is what the CSV buffers of a run hold together at
	// most (report.SeriesFiles), and seriesFlowBytes a flow's series
	// header, watches and file state beside its buffer.
	seriesBufferBytes = 32 << 20
	seriesFlowBytes   = int(unsafe.Sizeof(metrics.FlowSeries{})) + 4<<10
	// queueLengthBytes is one distinct queue length's count in the
	// recorder's map, with the map's overhead.
	queueLengthBytes = 48
	// plotPointBytes is one drawn point at the peak, while a figure is
	// drawn: the point (16 B), its vg path element (72 B) and its SVG
	// text (24 B), doubled for the collector's headroom (GOGC=100).
	plotPointBytes = 2 * (16 + 72 + 24)
	// plotLinePoints is report's maxLinePoints, the most points a line
	// draws; plotDrawnFlows is twice report's maxDrawnFlows (16), the most
	// flows drawn one by one, the second 16 standing for the bands'
	// percentile samples (at most 128 values of 4 B per slice of 1 200 a
	// band, under 10 MB for a run's bands, less than 16 flows' lines);
	// plotLinesFlow is a flow's lines in the figures.
	plotLinePoints = 2400
	plotDrawnFlows = 32
	plotLinesFlow  = 9
	// figureDrawBytes is one figure being drawn: its 1200×600 RGBA image
	// (2.9 MB), the PNG and SVG being encoded, and the font cache's share.
	figureDrawBytes = 12 << 20
	// sampleNs is the wall time one flow sample costs: the probe, the
	// recorder, the CSV row and, later, reading it back for the figures.
	sampleNs = 1500
	// packetBytes is one pooled packet as the allocator hands it out: the
	// 2 088-byte packet.Packet in Go's 2 304-byte size class.
	packetBytes = 2304
	// sentSegmentBytes is one record of a connection's retransmission
	// queue (stack's sentSegment).
	sentSegmentBytes = 80
	// pathRTTEntryBytes is one outstanding segment in the flow's path-RTT
	// ring (package pathrtt), which grows to the flight as the sender's
	// retransmission queue does.
	pathRTTEntryBytes = 16
	// connFixedBytes is one connection with empty buffers, rounded up.
	connFixedBytes = 4 << 10

	// Output, bytes per row and per figure, measured on the shipped
	// experiments and rounded up: a flow's CSV row is 124 B without
	// algorithm columns; BBR's add about 40.
	csvFlowRowBytes = 170
	csvLinkRowBytes = 60
	// svgPointBytes is one plotted point in an SVG path; a flow has seven
	// lines in the run's figures (throughput, cwnd and ssthresh, RTO and
	// SRTT, SRTT and the latest RTT) and up to two in its algorithm's.
	svgPointBytes  = 24
	svgLinesFlow   = 9
	svgLinesLink   = 2
	figureBytes    = 80 << 10 // one figure's PNG and SVG frame
	runFigures     = 10
	summaryPerFlow = 1500 // summary.json's entry for a flow
	outputFixed    = 64 << 10

	// budgetSegmentsPerSecond is the sim's speed for the wall-time guess:
	// about a million segments per wall second on a loaded 2-core machine
	// (0.74 M measured for bottleneck.toml beside other builds).
	budgetSegmentsPerSecond = 1e6
	// budgetWall is the longest a run may be expected to take without
	// --budget-time: a duration typed three digits too long (1000000s for
	// 1000s) is caught before it takes the machine for an afternoon, and
	// a run meant to be that long costs one flag.
	budgetWall = time.Hour
)

// BudgetOptions tune the budget check.
type BudgetOptions struct {
	// Off skips the check (--no-budget).
	Off bool
	// Memory, when positive, is the memory limit in bytes instead of the
	// machine's available memory (--budget-memory).
	Memory int64
	// Pcap counts a packet capture in the output (--pcap).
	Pcap bool
	// Jobs is how many sweep points run at once; 0 or 1 for one run.
	Jobs int
	// Wall, when positive, is the longest expected wall time instead of
	// budgetWall (--budget-time).
	Wall time.Duration
	// Notes, when not nil, receives a line about a run that fits but will
	// take long.
	Notes io.Writer
}

// BudgetPart is one term of an estimate.
type BudgetPart struct {
	// What says how the term is computed, in the settings' words.
	What string
	// Bytes is the term's size.
	Bytes float64
	// Lower names the settings that make it smaller.
	Lower string
	// perSample marks a term proportional to the samples taken, which a
	// larger sample_interval shrinks.
	perSample bool
}

// Estimate is what a run is expected to need.
type Estimate struct {
	// Memory is the peak memory in bytes, the sum of MemoryParts.
	Memory      float64
	MemoryParts []BudgetPart
	// Output is the bytes the run writes, the sum of OutputParts.
	Output      float64
	OutputParts []BudgetPart
	// Segments is the number of packets the hosts are expected to send,
	// data and ACKs; Wall is the wall time that takes at
	// budgetSegmentsPerSecond.
	Segments float64
	Wall     time.Duration
	// simulated and rate are the run's duration and the rate the segment
	// count assumed, for the refusal.
	simulated units.Duration
	rate      float64
	// samples counts the samples of every series; taking them costs
	// sampling of the wall time; interval is the sample_interval.
	samples  float64
	sampling time.Duration
	interval units.Duration
}

// EstimateScenario estimates a sim run of sc; pcap adds a capture.
func EstimateScenario(sc Scenario, pcap bool) Estimate {
	var e Estimate
	dur := max(float64(sc.Duration), 0)
	interval := max(float64(sc.SampleInterval), 1)
	window := max(float64(sc.ThroughputWindow), interval)
	nflows := float64(len(sc.Flows))
	samples := math.Floor(dur/interval) + 2

	// Sockets of the flows that start within the run.
	started := 0.0
	for _, f := range sc.Flows {
		if f.Start <= sc.Duration {
			started++
		}
	}
	perFlow := flowConnBytes(sc, sc.virtualPayloadIf(pcap))
	e.addMem(BudgetPart{
		What:  fmt.Sprintf("%s × %s of socket buffers", plural(started, "flow"), budgetSize(perFlow)),
		Bytes: started * perFlow, Lower: "lower flows[].count (or a workload's load) or tcp.rcv_buffer/tcp.snd_buffer",
	})
	if lc := lifecycleConns(sc); lc > 0 {
		// The lifecycle hosts keep real bytes (their server reads requests).
		perLC := flowConnBytes(sc, false)
		e.addMem(BudgetPart{
			What:  fmt.Sprintf("%s × %s of socket buffers", plural(lc, "lifecycle connection"), budgetSize(perLC)),
			Bytes: lc * perLC, Lower: "lower clients[].rate or tcp.rcv_buffer/tcp.snd_buffer",
		})
	}
	e.addMem(BudgetPart{
		What:  fmt.Sprintf("%s × %s of flow state", plural(nflows, "flow"), budgetSize(flowStateBytes)),
		Bytes: nflows * flowStateBytes, Lower: "lower flows[].count (or a workload's load)",
	})
	// Each file's buffer is its share of seriesBufferBytes, between 4 and
	// 64 KiB (report.NewSeriesFiles).
	bufs := (nflows+1)*min(max(seriesBufferBytes/(nflows+1), 4<<10), 64<<10) + nflows*float64(seriesFlowBytes)
	e.addMem(BudgetPart{
		What:  fmt.Sprintf("time series: CSV buffers and series state of %s", plural(nflows, "flow")),
		Bytes: bufs, Lower: "lower flows[].count (or a workload's load)",
	})
	lengths := samples
	if q := sc.Forward.QueueBytes; q > 0 {
		lengths = min(lengths, float64(q)+1)
	} else if q := sc.Forward.QueuePackets; q > 0 {
		lengths = min(lengths, float64(q)*float64(sc.TCP.MSS+40)+1)
	}
	e.addMem(BudgetPart{
		What:  fmt.Sprintf("queue lengths sampled: up to %s distinct × %d B", budgetCount(lengths), queueLengthBytes),
		Bytes: lengths * queueLengthBytes, Lower: "raise sample_interval or lower link.buffer",
	})
	drawn := min(nflows, plotDrawnFlows)
	figures := float64(min(runtime.GOMAXPROCS(0), runFigures))
	e.addMem(BudgetPart{
		What: fmt.Sprintf("figures: %s drawn × %d lines × %s points × %d B, %s at once × %s",
			plural(drawn, "flow"), plotLinesFlow, budgetCount(min(samples, plotLinePoints)), plotPointBytes, budgetCount(figures), budgetSize(figureDrawBytes)),
		Bytes: (drawn*plotLinesFlow+4)*min(samples, plotLinePoints)*plotPointBytes + figures*figureDrawBytes,
		Lower: "pass --no-plots",
	})
	ring := math.Ceil(window/interval) + 3
	e.addMem(BudgetPart{
		What: fmt.Sprintf("throughput rings: throughput_window %v / sample_interval %v = %s points × %s × 16 B",
			sc.ThroughputWindow, sc.SampleInterval, budgetCount(ring), plural(nflows, "flow")),
		Bytes: ring * nflows * 16, Lower: "raise sample_interval or lower throughput_window",
	})
	pk := linkPackets(sc)
	e.addMem(BudgetPart{
		What:  fmt.Sprintf("%s packets held by the links × %d B", budgetCount(pk), packetBytes),
		Bytes: pk * packetBytes, Lower: "lower link.buffer",
	})
	e.addMem(BudgetPart{What: "the program itself", Bytes: budgetBase})

	// Output.
	e.addOut(BudgetPart{
		What: fmt.Sprintf("CSV: sample_interval %v over duration %v = %s samples × (%s × %d B + %d B) per row",
			sc.SampleInterval, sc.Duration, budgetCount(samples), plural(nflows, "flow"), csvFlowRowBytes, csvLinkRowBytes),
		Bytes: samples * (nflows*csvFlowRowBytes + csvLinkRowBytes), Lower: "raise sample_interval or shorten duration",
		perSample: true,
	})
	e.addOut(BudgetPart{
		What:  fmt.Sprintf("figures: %s samples × (%s × %d lines + %d) × %d B of SVG", budgetCount(min(samples, plotLinePoints)), plural(drawn, "flow"), svgLinesFlow, svgLinesLink, svgPointBytes),
		Bytes: min(samples, plotLinePoints)*(drawn*svgLinesFlow+svgLinesLink)*svgPointBytes + runFigures*figureBytes,
		Lower: "pass --no-plots",
	})
	e.addOut(BudgetPart{What: "summary and config", Bytes: nflows*summaryPerFlow + outputFixed, Lower: "lower flows[].count"})
	e.Segments, e.rate = segmentEstimate(sc)
	e.simulated = sc.Duration
	if pcap {
		// Data segments are recorded whole, ACKs as 52-byte headers, each
		// behind a 16-byte record header.
		per := (float64(sc.TCP.MSS+40)+52)/2 + 16
		e.addOut(BudgetPart{
			What:  fmt.Sprintf("--pcap: %s segments × %.0f B", budgetCount(e.Segments), per),
			Bytes: e.Segments * per, Lower: "leave out --pcap or shorten duration",
		})
	}
	e.samples, e.interval = samples*(nflows+1), sc.SampleInterval
	e.sampling = time.Duration(min(e.samples*sampleNs, math.MaxInt64/4))
	e.Wall = time.Duration(min(e.Segments/budgetSegmentsPerSecond*1e9, math.MaxInt64/4)) + e.sampling
	return e
}

func (e *Estimate) addMem(p BudgetPart) {
	e.MemoryParts = append(e.MemoryParts, p)
	e.Memory += p.Bytes
}

func (e *Estimate) addOut(p BudgetPart) {
	e.OutputParts = append(e.OutputParts, p)
	e.Output += p.Bytes
}

// flowConnBytes is what one flow's two connections can hold at most: each
// connection's fixed state (about 3.2 KiB idle, stack's
// BenchmarkBufferMemory), the sender's retransmission queue grown to a
// full send buffer of records (and the path-RTT monitor's ring beside
// it), and, when payload is real, a send buffer
// and a receive buffer filled to their limits in 16 KiB chunks. With
// virtual payload (the simulator's default) no chunk is ever taken.
// Buffers grow with the data, so this bounds a run that fills every
// window; most use far less.
func flowConnBytes(sc Scenario, virtual bool) float64 {
	mss := max(sc.TCP.MSS, 1)
	queue := budgetPow2(max(sc.TCP.SndBuf/mss+1, 16))
	b := 2*connFixedBytes + float64(queue)*(sentSegmentBytes+pathRTTEntryBytes)
	if !virtual {
		b += chunkRound(sc.TCP.SndBuf) + chunkRound(sc.TCP.RcvBuf)
	}
	return b
}

// chunkRound is n bytes held in 16 KiB chunks.
func chunkRound(n int) float64 {
	const chunk = 16 << 10
	return float64((n + chunk - 1) / chunk * chunk)
}

func budgetPow2(n int) int {
	c := 1
	for c < n && c < 1<<62 {
		c <<= 1
	}
	return c
}

// lifecycleConns bounds the connections a lifecycle experiment's clients
// and server hold at once: each client opens rate × its active span, and a
// closed connection keeps its buffers until TIME-WAIT ends, so the span is
// the whole run; the client's port range caps it.
func lifecycleConns(sc Scenario) float64 {
	n := 0.0
	for _, c := range sc.Lifecycle.Clients {
		span := lifecycleSpan(sc, c.Start, c.Stop)
		ports := float64(int(c.PortHigh)-int(c.PortLow)) + 1
		open := c.Rate*span + 1
		if ports > 0 {
			open = min(open, ports)
		}
		n += open
	}
	if n > 0 {
		n += float64(max(sc.Lifecycle.Server.Backlog, 0))
	}
	return n
}

// linkPackets bounds the packets the links hold at once: the forward queue
// and what its propagation delay holds, as many ACKs the other way, and no
// more than the flows' windows allow.
func linkPackets(sc Scenario) float64 {
	pkt := float64(sc.TCP.MSS + 40)
	window := float64(len(sc.Flows)) * float64(sc.TCP.RcvBuf) / pkt
	smallest := pkt
	for _, c := range sc.Cross {
		if c.PacketSize > 0 {
			smallest = min(smallest, float64(c.PacketSize))
		}
	}
	queue := window
	if q := sc.Forward.QueuePackets; q > 0 {
		queue = float64(q)
	} else if q := sc.Forward.QueueBytes; q > 0 {
		queue = float64(q) / smallest
	}
	if r := float64(sc.Forward.Rate); r > 0 {
		queue += r / 8 * float64(sc.Forward.Delay) / 1e9 / pkt
	} else {
		queue = window
	}
	return 2*min(queue, max(window, 1)) + 64
}

// segmentEstimate guesses the packets the hosts send: the bottleneck kept
// full for the whole run (or the sized flows' bytes, when less), an ACK
// for every second data segment, and the cross traffic's packets.
func segmentEstimate(sc Scenario) (segs, rate float64) {
	dur := max(float64(sc.Duration), 0) / 1e9
	pkt := float64(max(sc.TCP.MSS, 1))
	rate = float64(sc.Forward.Rate)
	if tr := sc.Forward.Trace; tr != nil && dur > 0 {
		rate = float64(tr.CapacityBytes(0, units.Time(sc.Duration))) * 8 / dur
	}
	if rate <= 0 {
		// Unlimited: the windows over the base RTT.
		rtt := max(float64(sc.Forward.Delay+sc.Reverse.Delay)/1e9, 1e-6)
		rate = float64(len(sc.Flows)) * float64(sc.TCP.RcvBuf) * 8 / rtt
	}
	bytes := rate / 8 * dur
	var sized float64
	bulk := false
	for _, f := range sc.Flows {
		if f.Size <= 0 {
			bulk = true
			break
		}
		sized += float64(f.Size)
	}
	if !bulk {
		bytes = min(bytes, sized)
	}
	data := bytes / pkt
	segs = data * 1.5
	for _, c := range sc.Cross {
		if c.PacketSize > 0 {
			segs += float64(c.Rate) / 8 * dur / float64(c.PacketSize)
		}
	}
	// A lifecycle connection: the handshake, the request and response with
	// their ACKs, and the two FINs with theirs; a flood's SYN and the
	// server's SYN-ACK.
	for _, c := range sc.Lifecycle.Clients {
		data := math.Ceil(float64(c.Request+sc.Lifecycle.Server.Response) / pkt)
		segs += c.Rate * lifecycleSpan(sc, c.Start, c.Stop) * (7 + 1.5*data)
	}
	for _, f := range sc.Lifecycle.Floods {
		segs += f.Rate * lifecycleSpan(sc, f.Start, f.Stop) * 2
	}
	return segs, rate
}

// lifecycleSpan is how many seconds a client or flood is active.
func lifecycleSpan(sc Scenario, start, stop units.Duration) float64 {
	if stop <= 0 || stop > sc.Duration {
		stop = sc.Duration
	}
	return max(float64(stop-start), 0) / 1e9
}

// Limits is what the machine offers a run.
type Limits struct {
	// Memory is the memory a run may plan to use, in bytes; 0 when unknown.
	Memory float64
	// MemoryFrom says where Memory came from, for the refusal.
	MemoryFrom string
	// Disk is the space a run may fill at the output folder; 0 when
	// unknown.
	Disk float64
	// DiskAt is the folder whose file system Disk was read from.
	DiskAt string
	// Wall is the longest a run may be expected to take; WallFrom says
	// where it came from.
	Wall     time.Duration
	WallFrom string
}

// MachineLimits reads the limits for a run writing under out.
func MachineLimits(out string, opt BudgetOptions) Limits {
	var l Limits
	if opt.Memory > 0 {
		l.Memory, l.MemoryFrom = float64(opt.Memory), "--budget-memory"
	} else if avail, from, ok := availableMemory(); ok {
		l.Memory = float64(avail) * budgetMemoryShare
		l.MemoryFrom = fmt.Sprintf("%.0f%% of %s", 100*budgetMemoryShare, from)
	}
	if free, at, ok := freeDisk(out); ok {
		l.Disk, l.DiskAt = float64(free)*budgetDiskShare, at
	}
	l.Wall, l.WallFrom = budgetWall, "without --budget-time"
	if opt.Wall > 0 {
		l.Wall, l.WallFrom = opt.Wall, "--budget-time"
	}
	return l
}

// availableMemory is MemAvailable, or the memory cgroup's room when that is
// smaller, with a word on which.
func availableMemory() (int64, string, bool) {
	avail, ok := memAvailable("/proc/meminfo")
	from := "MemAvailable"
	if room, ok2 := cgroupRoom(); ok2 && (!ok || room < avail) {
		avail, ok, from = room, true, "the cgroup's memory limit less its usage"
	}
	if !ok {
		return 0, "", false
	}
	return avail, from + " " + budgetSize(float64(avail)), true
}

func memAvailable(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// cgroupRoom is the smallest limit-less-usage of the process's memory
// cgroup and its ancestors, under cgroup v2 or v1.
func cgroupRoom() (int64, bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	best, found := int64(math.MaxInt64), false
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var root, limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "":
			root, limitFile, usageFile = "/sys/fs/cgroup", "memory.max", "memory.current"
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			root, limitFile, usageFile = "/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for dir := filepath.Join(root, parts[2]); strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
			limit, ok1 := readInt(filepath.Join(dir, limitFile))
			usage, ok2 := readInt(filepath.Join(dir, usageFile))
			// v1 reports "no limit" as a huge page-aligned number.
			if ok1 && ok2 && limit < 1<<60 {
				best, found = min(best, max(limit-usage, 0)), true
			}
			if dir == root {
				break
			}
		}
	}
	return best, found
}

func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// freeDisk is the space available to an unprivileged writer on the file
// system of out, or of its nearest existing parent.
func freeDisk(out string) (int64, string, bool) {
	dir, err := filepath.Abs(out)
	if err != nil {
		return 0, "", false
	}
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err == nil {
			return int64(st.Bavail) * int64(st.Bsize), dir, true
		} else if !errors.Is(err, syscall.ENOENT) {
			return 0, "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return 0, "", false
		}
		dir = parent
	}
}

// Check holds e against the limits and returns the one-line refusal, or
// nil when the run fits. what names the run for a sweep's point, or is
// empty.
func (e Estimate) Check(l Limits, what string) error {
	if what != "" {
		what += ": "
	}
	if l.Memory > 0 && e.Memory > l.Memory {
		p := largest(e.MemoryParts)
		return fmt.Errorf("budget: %s%s = %s%s, more than this machine's %s (%s); %s, or pass --budget-memory=SIZE or --no-budget",
			what, p.What, budgetSize(p.Bytes), ofTotal(p.Bytes, e.Memory, "a run needs"), budgetSize(l.Memory), l.MemoryFrom, p.Lower)
	}
	if l.Disk > 0 && e.Output > l.Disk {
		p := largest(e.OutputParts)
		lower := p.Lower
		if p.perSample {
			// The interval at which the samples fit beside the rest.
			if room := l.Disk - (e.Output - p.Bytes); room > 0 {
				lower = "raise sample_interval to at least " + e.scaledInterval(p.Bytes/room) + " or shorten duration"
			}
		}
		return fmt.Errorf("budget: %s%s = %s%s, more than the %s free at %s (%.0f%% of its free space); %s, choose another --out, or pass --no-budget",
			what, p.What, budgetSize(p.Bytes), ofTotal(p.Bytes, e.Output, "of results"), budgetSize(l.Disk), l.DiskAt, 100*budgetDiskShare, lower)
	}
	if l.Wall > 0 && e.Wall > l.Wall && e.sampling > e.Wall/2 {
		fit := "shorten duration"
		if room := l.Wall - (e.Wall - e.sampling); room > 0 {
			fit = "raise sample_interval to at least " + e.scaledInterval(float64(e.sampling)/float64(room)) + " or shorten duration"
		}
		return fmt.Errorf("budget: %ssample_interval %v over duration %v = %s samples, about %s of wall time to take and write, more than the %s a run may take (%s); %s, or pass --budget-time=%s or --no-budget",
			what, e.interval, units.Duration(e.simulated), budgetCount(e.samples), wallString(e.sampling),
			wallString(l.Wall), l.WallFrom, fit, wallString(suggestWall(e.Wall)))
	}
	if l.Wall > 0 && e.Wall > l.Wall {
		return fmt.Errorf("budget: %sduration %v at %v = %s segments, about %s of wall time at %.0fM segments per second, more than the %s a run may take (%s); it needs %s of memory and writes %s; shorten duration, or pass --budget-time=%s or --no-budget",
			what, units.Duration(e.simulated), units.Rate(min(e.rate, 1e18)), budgetCount(e.Segments), wallString(e.Wall), budgetSegmentsPerSecond/1e6,
			wallString(l.Wall), l.WallFrom, budgetSize(e.Memory), budgetSize(e.Output), wallString(suggestWall(e.Wall)))
	}
	return nil
}

// scaledInterval is the sample interval factor times the run's, rounded
// up to a round value: what shrinks the per-sample costs by factor.
func (e Estimate) scaledInterval(factor float64) string {
	ns := math.Ceil(float64(e.interval) * factor)
	for _, step := range []float64{1e9, 1e6, 1e3, 1} {
		if ns >= step {
			ns = math.Ceil(ns/step) * step
			break
		}
	}
	return units.Duration(min(ns, math.MaxInt64/2)).String()
}

// wallString prints a wall time as precisely as an estimate deserves:
// "4h", "1h30m", "38m", "12s".
func wallString(d time.Duration) string {
	switch {
	case d >= 10*time.Hour:
		d = d.Round(time.Hour)
	case d >= time.Minute:
		d = d.Round(time.Minute)
	default:
		d = d.Round(time.Second)
	}
	s := d.String()
	if d >= time.Minute {
		s = strings.TrimSuffix(s, "0s")
	}
	if d >= time.Hour {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// suggestWall is a --budget-time that lets a run estimated at d go with
// room to spare: half as much again, up to the next hour.
func suggestWall(d time.Duration) time.Duration {
	return (d*3/2 + time.Hour - 1).Truncate(time.Hour)
}

func largest(parts []BudgetPart) BudgetPart {
	return slices.MaxFunc(parts, func(a, b BudgetPart) int { return cmp.Compare(a.Bytes, b.Bytes) })
}

// longRun is the estimated wall time above which the check says how long a
// run that fits will take.
const longRun = time.Minute

// CheckBudget estimates a single run of cfg writing under out and refuses
// it with one line when it cannot fit the machine.
func CheckBudget(cfg *experiment.Config, out string, opt BudgetOptions) error {
	if opt.Off {
		return nil
	}
	sc, err := FromConfig(cfg)
	if err != nil {
		return err
	}
	e := EstimateScenario(sc, opt.Pcap)
	l := MachineLimits(out, opt)
	if err := e.Check(l, ""); err != nil {
		return err
	}
	if opt.Notes != nil && e.Wall > longRun {
		fmt.Fprintf(opt.Notes, "budget: about %s segments, roughly %s of wall time; memory %s of %s, results %s\n",
			budgetCount(e.Segments), wallString(e.Wall), budgetSize(e.Memory), budgetSize(l.Memory), budgetSize(e.Output))
	}
	return nil
}

// CheckSweepBudget is CheckBudget for a sweep: every point must fit alone,
// the opt.Jobs largest must fit together, and all the points' results must
// fit on the disk.
func CheckSweepBudget(sw *experiment.Sweep, out string, opt BudgetOptions) error {
	if opt.Off || len(sw.Points) == 0 {
		return nil
	}
	l := MachineLimits(out, opt)
	mems := make([]float64, 0, len(sw.Points))
	var output float64
	for _, pt := range sw.Points {
		sc, err := FromConfig(pt.Config)
		if err != nil {
			return err
		}
		e := EstimateScenario(sc, false)
		if err := e.Check(l, "point "+pt.Run); err != nil {
			return err
		}
		mems = append(mems, e.Memory)
		output += e.Output
	}
	// The points run in one process, so a finished point's memory stays
	// until the collector runs, which it does when the heap has doubled
	// (GOGC=100): the websearch sweep, 1.6 GiB estimated per point, peaked
	// at 2.56 GB one point at a time.
	jobs := min(max(opt.Jobs, 1), len(mems))
	slices.Sort(mems)
	var together float64
	for _, m := range mems[len(mems)-jobs:] {
		together += 2 * m
	}
	if l.Memory > 0 && together > l.Memory {
		return fmt.Errorf("budget: %d points at once (--jobs %d) need up to %s, twice their estimates as a finished point's memory lingers until the collector runs, more than this machine's %s (%s); lower --jobs, or pass --budget-memory=SIZE or --no-budget",
			jobs, opt.Jobs, budgetSize(together), budgetSize(l.Memory), l.MemoryFrom)
	}
	if l.Disk > 0 && output > l.Disk {
		return fmt.Errorf("budget: %d points × their results = %s, more than the %s free at %s (%.0f%% of its free space); choose another --out, or pass --no-budget",
			len(sw.Points), budgetSize(output), budgetSize(l.Disk), l.DiskAt, 100*budgetDiskShare)
	}
	return nil
}

// ParseBudgetMemory reads --budget-memory: a size such as 8GiB, 500MB or a
// plain number of bytes.
func ParseBudgetMemory(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	mult, ok := map[string]float64{
		"": 1, "B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
	}[unit]
	if err != nil || !ok || v <= 0 || v*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size: must be positive, such as 8GiB, 512MiB or 2000000000", s)
	}
	return int64(v * mult), nil
}

// budgetSize prints bytes with a binary unit, three significant digits.
func budgetSize(b float64) string {
	names := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(names)-1 {
		b /= 1024
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%.0f B", b)
	case b >= 100:
		return fmt.Sprintf("%.0f %s", b, names[i])
	case b >= 10:
		return fmt.Sprintf("%.1f %s", b, names[i])
	}
	return fmt.Sprintf("%.2f %s", b, names[i])
}

// budgetCount prints a count in full up to a billion, in powers of ten beyond.
func budgetCount(n float64) string {
	if n < 1e9 {
		return strconv.FormatFloat(math.Round(n), 'f', -1, 64)
	}
	return strings.NewReplacer("e+0", "e", "e+", "e").Replace(strconv.FormatFloat(n, 'g', 3, 64))
}

// plural prints a count of things.
func plural(n float64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return budgetCount(n) + " " + thing + "s"
}

// ofTotal places a part in its total, unless it is nearly all of it.
func ofTotal(part, total float64, what string) string {
	if part >= 0.99*total {
		return ""
	}
	return " of the " + budgetSize(total) + " " + what
}
