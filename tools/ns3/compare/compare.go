package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenario is one dumbbell both simulators run: the bottleneck's rate, the
// one-way delay of each direction, the buffer in bandwidth-delay products,
// the flows and the simulated time.
type scenario struct {
	name      string
	cc        string
	rateMbps  int64
	delay     time.Duration // one way; the base RTT is twice this
	bdps      int64         // the bottleneck's buffer, in bandwidth-delay products
	flows     int
	duration  time.Duration
	targetCPU float64 // ns-3's time over ccbench's that the issue asks for
	// extra marks a scenario the issue does not list, run for a reason
	// given where it is declared.
	extra bool
}

// scenarios are issue 15's: the shipped bottleneck (100 Mbit/s, 40 ms,
// 1 BDP, 30 s) for reno, cubic and bbr, a slow link and a fast one with
// many flows, each with a one-BDP buffer.
//
// One more is not the issue's: ns-3 3.37's BBR loses hundreds of packets
// at the end of its start-up through a one-BDP buffer and then runs at a
// few Mbit/s for the rest of the run, so at 1 BDP the two simulators do not
// do comparable work. The cause is two bugs in 3.37's delivery-rate
// samples (fixed in ns-3 3.41 and 3.42), not a setting; tools/ns3/README.md
// traces it. With three BDPs its start-up loses nothing and both fill the
// link, which gives a BBR ratio of like for like.
var scenarios = []scenario{
	{"100M-40ms-reno", "reno", 100, 20 * time.Millisecond, 1, 1, 30 * time.Second, 50, false},
	{"100M-40ms-cubic", "cubic", 100, 20 * time.Millisecond, 1, 1, 30 * time.Second, 50, false},
	{"100M-40ms-bbr", "bbr", 100, 20 * time.Millisecond, 1, 1, 30 * time.Second, 50, false},
	{"100M-40ms-bbr-3bdp", "bbr", 100, 20 * time.Millisecond, 3, 1, 30 * time.Second, 50, true},
	{"10M-20ms-reno", "reno", 10, 10 * time.Millisecond, 1, 1, 10 * time.Second, 5, false},
	{"1G-20ms-64cubic", "cubic", 1000, 10 * time.Millisecond, 1, 64, 10 * time.Second, 30, false},
}

// packetBytes is a full segment's IP packet: MSS 1460 less 12 bytes of
// timestamps, plus 40 bytes of headers. Both simulators send these.
const packetBytes = 1500

// bufferBytes is the scenario's buffer, bdps bandwidth-delay products, as
// ccbench's "Nbdp" computes it.
func (s scenario) bufferBytes() int64 {
	rtt := 2 * s.delay
	return s.bdps * s.rateMbps * 1_000_000 * rtt.Nanoseconds() / 1e9 / 8
}

// bufferPackets is the same buffer counted in full packets, as ns-3's
// drop-tail queue counts it: ccbench's byte queue holds this many 1500-byte
// packets and no more.
func (s scenario) bufferPackets() int64 {
	return s.bufferBytes() / packetBytes
}

// ccbenchArgs are the arguments of `ccbench run` after the experiment file.
func (s scenario) ccbenchArgs() []string {
	set := []string{
		"link.rate=" + strconv.FormatInt(s.rateMbps, 10) + "Mbit/s",
		"link.delay=" + s.delay.String(),
		"reverse.delay=" + s.delay.String(),
		"link.buffer=" + strconv.FormatInt(s.bufferBytes(), 10) + "B",
		"duration=" + s.duration.String(),
		"flows[0].cc=" + s.cc,
		"flows[0].count=" + strconv.Itoa(s.flows),
	}
	var args []string
	for _, kv := range set {
		args = append(args, "--set", kv)
	}
	return args
}

// ns3Args are the ns-3 program's arguments.
func (s scenario) ns3Args() []string {
	return []string{
		"--rate=" + strconv.FormatInt(s.rateMbps, 10) + "Mbps",
		"--delay=" + s.delay.String(),
		"--buffer=" + strconv.FormatInt(s.bufferPackets(), 10),
		"--flows=" + strconv.Itoa(s.flows),
		"--cc=" + s.cc,
		"--duration=" + strconv.FormatFloat(s.duration.Seconds(), 'g', -1, 64),
	}
}

// work is what one run simulated, from either tool, so that the table can
// show that both did comparable work.
type work struct {
	goodputBps float64 // bytes received by the applications × 8 / duration
	segments   int64   // segments the hosts sent into the links, both directions
	drops      int64   // packets the bottleneck's queue dropped
	// simWall is the wall time of the simulation alone, as the program
	// measured it: no start-up, no set-up, no writing of results.
	simWall time.Duration
}

// timing is one whole process's cost.
type timing struct {
	wall, cpu time.Duration // cpu is user + system
}

// parseNS3 reads dumbbell's `key=value` lines.
func parseNS3(r io.Reader) (work, error) {
	kv := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok {
			kv[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return work{}, err
	}
	var w work
	var err error
	get := func(key string) string {
		v, ok := kv[key]
		if !ok && err == nil {
			err = fmt.Errorf("ns-3 output has no %s line", key)
		}
		return v
	}
	goodput, segments, drops, simWall := get("goodput_bps"), get("segments"), get("bottleneck_drops"), get("sim_wall_s")
	if err != nil {
		return work{}, err
	}
	if w.goodputBps, err = strconv.ParseFloat(goodput, 64); err != nil {
		return work{}, fmt.Errorf("ns-3 goodput_bps: %w", err)
	}
	if w.segments, err = strconv.ParseInt(segments, 10, 64); err != nil {
		return work{}, fmt.Errorf("ns-3 segments: %w", err)
	}
	if w.drops, err = strconv.ParseInt(drops, 10, 64); err != nil {
		return work{}, fmt.Errorf("ns-3 bottleneck_drops: %w", err)
	}
	sim, err := strconv.ParseFloat(simWall, 64)
	if err != nil {
		return work{}, fmt.Errorf("ns-3 sim_wall_s: %w", err)
	}
	w.simWall = time.Duration(sim * 1e9)
	return w, nil
}

// ccbenchSummary is the part of a run's summary.json the comparison reads.
type ccbenchSummary struct {
	SimSeconds  float64 `json:"sim_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	Segments    int64   `json:"segments"`
	Link        struct {
		Drops int64 `json:"drops"`
	} `json:"link"`
	Flows []struct {
		BytesDelivered int64 `json:"bytes_delivered"`
	} `json:"flows"`
}

// parseCcbench reads a run's summary.json.
func parseCcbench(r io.Reader) (work, error) {
	var s ccbenchSummary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return work{}, fmt.Errorf("summary.json: %w", err)
	}
	if s.SimSeconds <= 0 || len(s.Flows) == 0 {
		return work{}, fmt.Errorf("summary.json: no simulated time or no flows")
	}
	var bytes int64
	for _, f := range s.Flows {
		bytes += f.BytesDelivered
	}
	return work{
		goodputBps: float64(bytes) * 8 / s.SimSeconds,
		segments:   s.Segments,
		drops:      s.Link.Drops,
		simWall:    time.Duration(s.WallSeconds * 1e9),
	}, nil
}

func readCcbenchSummary(path string) (work, error) {
	f, err := os.Open(path)
	if err != nil {
		return work{}, err
	}
	defer f.Close()
	return parseCcbench(f)
}

// median of xs (the mean of the middle two for an even count); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pair is one interleaved repetition: ccbench's run and ns-3's right after.
type pair struct {
	ccbench, ns3 timing
	ccWork, nsW  work
}

// result is a scenario's repetitions, summarised.
type result struct {
	sc    scenario
	pairs []pair
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// medians returns the median ccbench and ns-3 time and the median of the
// per-pair ratios ns-3 / ccbench, for the wall or the CPU time. A ratio of
// pairs, not of medians, so that load that slows one repetition's two runs
// alike cancels out.
func (r result) medians(cpu bool) (cc, ns, ratio float64) {
	var ccs, nss, ratios []float64
	for _, p := range r.pairs {
		a, b := p.ccbench.wall, p.ns3.wall
		if cpu {
			a, b = p.ccbench.cpu, p.ns3.cpu
		}
		ccs = append(ccs, seconds(a))
		nss = append(nss, seconds(b))
		if a > 0 {
			ratios = append(ratios, seconds(b)/seconds(a))
		}
	}
	return median(ccs), median(nss), median(ratios)
}

// unsettledSpread is how far apart, as a factor, a scenario's per-pair
// CPU ratios may lie before its verdict is called unsettled. This host's
// speed changes in phases of minutes, and ccbench slows more than ns-3 in
// a slow one (tools/ns3/README.md): with 64 flows, pairs of one sweep gave
// 39× and 42× and then 26–28×, a median that flips a 30× target.
const unsettledSpread = 1.2

// ratioSpread returns the smallest and largest per-pair CPU ratio
// ns-3 / ccbench.
func (r result) ratioSpread() (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, p := range r.pairs {
		if p.ccbench.cpu > 0 {
			x := seconds(p.ns3.cpu) / seconds(p.ccbench.cpu)
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	return lo, hi
}

// unsettled reports whether the pairs disagree by more than
// unsettledSpread: the host changed speed during the sweep, and the
// median is not to be trusted against a target.
func (r result) unsettled() bool {
	lo, hi := r.ratioSpread()
	return hi > 0 && hi > unsettledSpread*lo
}

// simRatio is the median over repetitions of ns-3's simulation time over
// ccbench's, each as the program measured it: what the simulators cost
// without either program's start-up and output.
func (r result) simRatio() float64 {
	var ratios []float64
	for _, p := range r.pairs {
		if p.ccWork.simWall > 0 {
			ratios = append(ratios, seconds(p.nsW.simWall)/seconds(p.ccWork.simWall))
		}
	}
	return median(ratios)
}

// comparable reports whether both simulators did the same work, within
// 10%, so that their times can be compared. Both are deterministic, so the
// first repetition stands for all.
func (r result) comparable() bool {
	return len(r.pairs) > 0 && workDiffers(r.pairs[0].ccWork, r.pairs[0].nsW, 0.10) == ""
}

// workDiffers says how the two simulators' work differs by more than
// tolerance (a fraction), or "" when goodput and segment counts agree.
func workDiffers(cc, ns work, tolerance float64) string {
	var notes []string
	rel := func(a, b float64) float64 {
		if a == 0 {
			return math.Inf(1)
		}
		return math.Abs(b-a) / a
	}
	if rel(cc.goodputBps, ns.goodputBps) > tolerance {
		notes = append(notes, fmt.Sprintf("ns-3 goodput %.0f%% of ccbench's", 100*ns.goodputBps/cc.goodputBps))
	}
	if rel(float64(cc.segments), float64(ns.segments)) > tolerance {
		notes = append(notes, fmt.Sprintf("ns-3 segments %.0f%% of ccbench's", 100*float64(ns.segments)/float64(cc.segments)))
	}
	return strings.Join(notes, ", ")
}

// writeTable prints the timing table and the work table.
func writeTable(w io.Writer, results []result) {
	fmt.Fprintf(w, "%-19s %5s %11s %11s %10s %10s %10s %11s %10s %7s %5s\n",
		"scenario", "reps", "ccbench s", "ns-3 s", "wall ×", "ccbench cpu", "ns-3 cpu", "cpu ×", "sim-only ×", "target", "met")
	for _, r := range results {
		ccW, nsW, ratioW := r.medians(false)
		ccC, nsC, ratioC := r.medians(true)
		met := "no"
		switch {
		case !r.comparable():
			met = "n/c" // the work table says how the two differ
		case ratioC >= r.sc.targetCPU:
			met = "yes"
		}
		if r.comparable() && r.unsettled() {
			met += "?"
		}
		if r.sc.extra {
			met += "*"
		}
		fmt.Fprintf(w, "%-19s %5d %11.3f %11.3f %9.1fx %10.3fs %9.3fs %10.1fx %9.1fx %6.0fx %5s\n",
			r.sc.name, len(r.pairs), ccW, nsW, ratioW, ccC, nsC, ratioC, r.simRatio(), r.sc.targetCPU, met)
	}
	for _, r := range results {
		if r.comparable() && r.unsettled() {
			lo, hi := r.ratioSpread()
			fmt.Fprintf(w, "?: %s's pairs gave %.1fx to %.1fx: the host changed speed during the sweep, so its median is not a verdict; run it again\n",
				r.sc.name, lo, hi)
		}
	}
	fmt.Fprintf(w, "\n%-17s %14s %14s %12s %12s %9s %9s  %s\n",
		"scenario", "ccbench Mb/s", "ns-3 Mb/s", "ccbench segs", "ns-3 segs", "cc drops", "ns3 drops", "work")
	for _, r := range results {
		if len(r.pairs) == 0 {
			continue
		}
		// Both simulators are deterministic: every repetition did the same
		// work, so the first one stands for all.
		cc, ns := r.pairs[0].ccWork, r.pairs[0].nsW
		note := workDiffers(cc, ns, 0.10)
		if note == "" {
			note = "comparable (within 10%)"
		}
		fmt.Fprintf(w, "%-19s %14.2f %14.2f %12d %12d %9d %9d  %s\n",
			r.sc.name, cc.goodputBps/1e6, ns.goodputBps/1e6, cc.segments, ns.segments, cc.drops, ns.drops, note)
	}
}
