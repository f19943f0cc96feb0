package runner

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// FromConfig turns a validated experiment into a sim scenario.
func FromConfig(cfg *experiment.Config) (Scenario, error) {
	if cfg.Driver != "sim" && cfg.Driver != "tun" {
		return Scenario{}, fmt.Errorf("driver: %q is not allowed: allowed: sim, tun", cfg.Driver)
	}
	for _, f := range cfg.FlowList() {
		if strings.HasPrefix(f.CC, "linux:") && cfg.Driver != "tun" {
			return Scenario{}, fmt.Errorf("flows[%d].cc: %q is the kernel's algorithm and needs driver = \"tun\"; allowed with the sim driver: %s", f.Group, f.CC, strings.Join(cc.Names(), ", "))
		}
	}
	profile, err := stack.ParseProfile(cfg.TCP.Profile)
	if err != nil {
		return Scenario{}, fmt.Errorf("tcp.profile: %w", err)
	}
	tcp := stack.ConfigFor(profile)
	tcp.MSS = cfg.TCP.MSS
	tcp.InitialWindow = cfg.TCP.InitialWindow
	tcp.DelayedACK = cfg.TCP.DelayedACK
	tcp.MinRTO = cfg.TCP.MinRTO
	tcp.InitialRTO = cfg.TCP.InitialRTO
	tcp.RcvBuf = cfg.TCP.RcvBuffer
	tcp.SndBuf = cfg.TCP.SndBuffer
	tcp.SACK = cfg.TCP.SACK
	tcp.ECN = cfg.TCP.ECN
	tcp.Pacing = cfg.TCP.Pacing
	tcp.TSODeferral = cfg.TCP.TSODeferral
	tcp.FRTO = cfg.TCP.FRTO
	if err := tcp.Validate(); err != nil {
		return Scenario{}, err
	}
	fwd, err := linkConfig(cfg.Link, "link")
	if err != nil {
		return Scenario{}, err
	}
	rev, err := linkConfig(cfg.Reverse, "reverse")
	if err != nil {
		return Scenario{}, err
	}
	sc := Scenario{
		Duration:         cfg.Duration,
		SampleInterval:   cfg.SampleInterval,
		ThroughputWindow: cfg.ThroughputWindow,
		Forward:          fwd,
		Reverse:          rev,
		TCP:              tcp,
		Seed:             cfg.Seed,
	}
	net, err := cfg.Network()
	if err != nil {
		return Scenario{}, err
	}
	network := cfg.Topology.Preset != "dumbbell"
	if network {
		if err := networkLinks(net, &sc); err != nil {
			return Scenario{}, err
		}
	}
	for i, f := range cfg.FlowList() {
		mode, err := stack.ParseRecoveryMode(f.Recovery)
		if err != nil {
			return Scenario{}, fmt.Errorf("flows[%d].recovery: %w", f.Group, err)
		}
		spec := FlowSpec{CC: f.CC, Start: f.Start.Sub(0), Size: f.Size, Recovery: mode, Group: f.Group, Receiver: f.Receiver}
		place(&spec, net.Flows[i], network)
		if g := cfg.Flows[f.Group]; g.Incast() {
			spec.Size = 0
			spec.IncastShare = g.Size / int64(g.Count)
			if int64(f.Member) < g.Size%int64(g.Count) {
				spec.IncastShare++
			}
			spec.IncastRounds = g.Rounds
		}
		sc.Flows = append(sc.Flows, spec)
	}
	// Workloads follow the fixed flows, entry by entry, each drawn from
	// its own stream of the run's seed.
	for g, fg := range cfg.Flows {
		if !fg.Workload() {
			continue
		}
		if strings.HasPrefix(fg.CC, "linux:") && cfg.Driver != "tun" {
			return Scenario{}, fmt.Errorf("flows[%d].cc: %q is the kernel's algorithm and needs driver = \"tun\"; allowed with the sim driver: %s", g, fg.CC, strings.Join(cc.Names(), ", "))
		}
		mode, err := stack.ParseRecoveryMode(fg.Recovery)
		if err != nil {
			return Scenario{}, fmt.Errorf("flows[%d].recovery: %w", g, err)
		}
		wl, err := NewWorkload(fg, g, mode)
		if err != nil {
			return Scenario{}, err
		}
		flows, err := wl.Expand(cfg.Link.Rate, cfg.Duration, seedFor(cfg.Seed, "workload", g))
		if err != nil {
			return Scenario{}, fmt.Errorf("flows[%d]: %w", g, err)
		}
		for m := range flows {
			if p, ok := net.Workload(g, m); ok {
				place(&flows[m], p, network)
			}
		}
		sc.Flows = append(sc.Flows, flows...)
	}
	for _, x := range cfg.Cross {
		cs := CrossSpec{Rate: x.Rate, Start: x.Start, Stop: x.Stop, PacketSize: x.PacketSize}
		if x.Pattern == "onoff" {
			cs.On, cs.Off = x.On, x.Off
		}
		sc.Cross = append(sc.Cross, cs)
	}
	if err := lifecycleFromConfig(cfg, &sc); err != nil {
		return Scenario{}, err
	}
	sc.SelfCheck, sc.MaxReleaseP99, sc.IdlePoll = cfg.SelfCheck, cfg.MaxReleaseP99, cfg.IdlePoll
	return sc, nil
}

// networkLinks gives sc the links of a network other than the dumbbell;
// link 0 is then the one the summary reports as the bottleneck (a parking
// lot's first hop, a star's port to the receiver, a custom network's
// first [[links]] entry).
func networkLinks(net *experiment.Network, sc *Scenario) error {
	for _, l := range net.Links {
		c, err := linkConfig(l.Settings, l.Table())
		if err != nil {
			return err
		}
		sc.Links = append(sc.Links, LinkSpec{Name: l.Name, Config: c, Ideal: l.Settings.Ideal()})
	}
	sc.Forward = sc.Links[0].Config
	sc.Reverse = sc.Links[min(1, len(sc.Links)-1)].Config
	return nil
}

// place puts a flow on its path: its own access link, its stop, and, on a
// network other than the dumbbell or against the dumbbell's direction, the
// links its data and ACKs cross (a dumbbell flow's default paths, links 0
// and 1, are left implicit).
func place(spec *FlowSpec, p experiment.FlowPath, network bool) {
	spec.ExtraDelay, spec.AccessRate, spec.Stop = p.AccessDelay, p.AccessRate, p.Stop
	spec.BaseRTT = p.BaseRTT
	if network || !slices.Equal(p.Data, []int{0}) || !slices.Equal(p.Ack, []int{1}) {
		spec.Data, spec.Ack = p.Data, p.Ack
	}
}

// jitterDistributions maps the experiment file's names to netem's.
var jitterDistributions = map[string]netem.Distribution{
	"uniform":      netem.Uniform,
	"normal":       netem.Normal,
	"pareto":       netem.Pareto,
	"paretonormal": netem.ParetoNormal,
}

// linkConfig maps one direction of the experiment's path to netem; table
// is "link" or "reverse", for errors. A trace is loaded here, so a missing
// or malformed file is reported against its key.
func linkConfig(l experiment.Link, table string) (netem.LinkConfig, error) {
	c := netem.LinkConfig{Rate: l.Rate, Delay: l.Delay, LossRate: l.Loss, Qdisc: l.Qdisc}
	switch l.Buffer.Unit {
	case experiment.BufferPackets:
		c.QueuePackets = int(l.Buffer.Packets)
	case experiment.BufferBytes, experiment.BufferBDP:
		c.QueueBytes = int(l.Buffer.Bytes)
	}
	switch l.ECNThreshold.Unit {
	case experiment.BufferPackets:
		c.ECNThresholdPackets = int(l.ECNThreshold.Packets)
	case experiment.BufferBytes, experiment.BufferBDP:
		c.ECNThresholdBytes = int(l.ECNThreshold.Bytes)
	}
	c.Jitter = netem.JitterParams{Jitter: l.Jitter, Correlation: l.JitterCorrelation,
		Dist: jitterDistributions[l.JitterDistribution], Reorder: l.Reorder}
	switch l.LossModel {
	case "gilbert_elliott":
		c.LossModel = netem.LossGilbertElliott
		c.GilbertElliott = netem.GilbertElliottParams{P: l.GE.P, R: l.GE.R, LossBad: l.GE.LossBad, LossGood: l.GE.LossGood}
	case "4state":
		c.LossModel = netem.LossFourState
		c.FourState = netem.FourStateParams{P13: l.State.P13, P31: l.State.P31, P32: l.State.P32, P23: l.State.P23, P14: l.State.P14}
	}
	c.Overhead = l.Overhead
	c.Duplicate = netem.Impairment{Prob: l.Duplicate}
	c.Corrupt = netem.Impairment{Prob: l.Corrupt}
	if l.PolicerRate > 0 {
		c.Policer = netem.PolicerParams{Rate: l.PolicerRate, Burst: int(l.PolicerBurst)}
	}
	if l.Trace != "" {
		f, err := os.Open(l.Trace)
		if err != nil {
			return c, fmt.Errorf("%s.trace: %w", table, err)
		}
		defer f.Close()
		tr, err := netem.ParseTrace(f)
		if err != nil {
			return c, fmt.Errorf("%s.trace: %s: %w", table, l.Trace, err)
		}
		c.Rate, c.Trace = 0, tr
	}
	if len(l.Schedule) > 0 {
		changes := []netem.Change{{At: 0, Rate: l.Rate, Delay: l.Delay, LossRate: l.Loss}}
		for _, ch := range l.Schedule {
			changes = append(changes, netem.Change{At: units.Time(ch.At), Rate: ch.Rate, Delay: ch.Delay, LossRate: ch.Loss})
		}
		sched, err := netem.NewSchedule(changes)
		if err != nil {
			return c, fmt.Errorf("%s.schedule: %w", table, err)
		}
		c.Schedule = sched
	}
	return c, nil
}

// Execute runs an experiment in the sim driver and writes its results
// folder dir: the resolved config, a CSV per flow, the link CSV, the
// summary and the fingerprint (fingerprint.go), then the plots. Before
// simulating it locks dir, failing at once if another run holds it, and
// removes what killed runs left beside it; the results are written to a
// temporary folder beside dir (the time series as they are sampled) and
// swapped into place when complete, so an interrupted or failed run leaves
// no half-written results, and an earlier run in dir is replaced only by a
// complete one (package outdir). The plots are drawn from the files in dir
// once it holds them, still under the lock. The summary records the run's
// provenance (NewProvenance): build, machine, start time and command line.
func Execute(cfg *experiment.Config, dir, run string, verify bool) (*Result, error) {
	return ExecuteWith(cfg, dir, run, ExecOptions{Verify: verify})
}

// ExecOptions are the optional parts of a run.
type ExecOptions struct {
	// Verify checks every flow's payload end to end (Scenario.Verify).
	Verify bool
	// Pcap writes the run's packet capture to PcapFile in its folder
	// (sim driver only).
	Pcap bool
	// Context, when set, stops a real-time (tun) run when cancelled, which
	// then removes its namespaces and fails; nil is context.Background().
	// A sim run cannot be stopped half-way.
	Context context.Context
	// Fingerprint, when set, is the run's fingerprint already computed
	// (FingerprintOf, by a resuming sweep), so referenced files are hashed
	// once.
	Fingerprint *Fingerprint
	// Progress, when not nil, receives the progress of a long simulated
	// run (progress.go).
	Progress io.Writer
	// Plots says when the figures are drawn: PlotNow (the default) before
	// ExecuteWith returns, PlotLater by the caller through Result.Plot,
	// or PlotNone, not at all (ccbench plot draws them later).
	Plots PlotMode
}

// PlotMode says when a run's figures are drawn.
type PlotMode int

const (
	PlotNow PlotMode = iota
	PlotLater
	PlotNone
)

// ExecuteWith is Execute with options.
func ExecuteWith(cfg *experiment.Config, dir, run string, opt ExecOptions) (*Result, error) {
	provenance := NewProvenance(time.Now())
	verify := opt.Verify
	sc, err := FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	sc.Verify = verify
	sc.Progress = opt.Progress
	if opt.Pcap && cfg.Driver != "sim" {
		return nil, fmt.Errorf("--pcap: the %s driver has no simulated links to capture; allowed with driver = \"sim\"", cfg.Driver)
	}
	// A real-time driver's run is registered by its package (realtime.go);
	// a program without it fails here, before anything is written.
	var realTime RealTimeRun
	if cfg.Driver != "sim" {
		if realTime, err = realTimeRun(cfg.Driver); err != nil {
			return nil, err
		}
	}
	// The resolved config is rendered once, for the fingerprint and for
	// config.toml: cfg does not change during the run.
	canonical := cfg.Canonical()
	fp := opt.Fingerprint
	if fp == nil {
		f, err := fingerprintOf(cfg, canonical, opt)
		if err != nil {
			return nil, err
		}
		fp = &f
	}
	// The lock and the temporary folder come first, before any simulated
	// second: a run that cannot have dir fails before it spends the time,
	// and the capture and the time series, written during the run, are
	// swapped into place with everything else.
	lock, err := outdir.Lock(dir, false)
	if err != nil {
		return nil, err
	}
	// A run whose plots are left to the caller keeps the lock until they
	// are drawn (Result.Plot).
	defer func() { lock.Unlock() }()
	outdir.RemoveOwnStale(dir)
	tmp, err := outdir.NewTemp(dir)
	if err != nil {
		return nil, err
	}
	defer outdir.DropTemp(tmp)
	var pcapFile *os.File
	if opt.Pcap {
		if pcapFile, err = os.Create(filepath.Join(tmp, PcapFile)); err != nil {
			return nil, err
		}
		defer pcapFile.Close()
		sc.Pcap = bufio.NewWriterSize(pcapFile, 1<<16)
	}
	info := metrics.RunInfo{Experiment: cfg.Name, Run: run}
	from, to := cfg.FairnessWindow()
	var res *Result
	var series *report.SeriesFiles
	if realTime != nil {
		ctx := opt.Context
		if ctx == nil {
			ctx = context.Background()
		}
		tr, err := realTime(ctx, sc, info)
		if err != nil {
			return nil, err
		}
		res = tr.Result
		for i := range res.Summary.Flows {
			if id := res.Summary.Flows[i].ID; id >= 0 && id < len(tr.Endpoints) {
				res.Summary.Flows[i].Endpoints = tr.Endpoints[id]
			}
		}
		res.Summary.ReleaseError = tr.ReleaseError(cfg.MaxReleaseP99)
		res.Summary.PathLoss = tr.PathLoss()
		res.Summary.Devices = &metrics.DeviceSizing{TxQueueLen: tr.Sizing.TxQueueLen, TCPRmemMax: tr.Sizing.TCPRmemMax, TCPWmemMax: tr.Sizing.TCPWmemMax}
		res.Summary.Validity = tr.Validity(cfg.MaxReleaseP99)
	} else {
		// The sim streams its samples to the CSVs in the temporary
		// folder as it takes them.
		series = report.NewSeriesFiles(tmp, len(sc.Flows))
		res, err = simulate(sc, info, func(rec *metrics.Recorder) {
			streamSeries(rec, series, sc.Flows, units.Time(from), units.Time(to))
		})
		if err == nil {
			err = series.Close()
		} else {
			series.Close()
		}
		if err != nil {
			return nil, err
		}
	}
	if pcapFile != nil {
		if err := sc.Pcap.Flush(); err != nil {
			return nil, fmt.Errorf("--pcap: %w", err)
		}
		if err := pcapFile.Close(); err != nil {
			return nil, fmt.Errorf("--pcap: %w", err)
		}
	}
	groups := make([]int, len(sc.Flows))
	for i, f := range sc.Flows {
		groups[i] = f.Group
	}
	for i := range res.Summary.Flows {
		if id := res.Summary.Flows[i].ID; id >= 0 && id < len(groups) {
			res.Summary.Flows[i].Group = &groups[id]
		}
	}
	res.Summary.Fairness = metrics.WindowFairness(res.Recorder.Flows(), groups, units.Time(from), units.Time(to))
	res.Summary.Provenance = provenance
	res.Summary.Warnings = Warnings(&res.Summary, &sc)
	if verify && !res.Verified {
		return res, fmt.Errorf("payload verification failed: receivers read %v bytes, senders wrote %v", res.Read, res.Written)
	}
	if err := writeResults(tmp, canonical, res); err != nil {
		return nil, err
	}
	if err := writeFingerprint(tmp, *fp); err != nil {
		return nil, err
	}
	if err := outdir.Commit(tmp, dir); err != nil {
		return nil, err
	}
	switch opt.Plots {
	case PlotNow:
		if err := report.PlotRun(dir, cfg); err != nil {
			return nil, fmt.Errorf("%w (the results are in %s; ccbench plot %s draws the figures again)", err, dir, dir)
		}
	case PlotLater:
		held := lock
		lock = nil
		res.Plot = func() error {
			defer held.Unlock()
			if err := report.PlotRun(dir, cfg); err != nil {
				return fmt.Errorf("%w (the results are in %s; ccbench plot %s draws the figures again)", err, dir, dir)
			}
			return nil
		}
	}
	return res, nil
}

// writeResults writes the run's files other than the time series the sim
// streamed to dir while it ran; those of a run that kept its samples in
// memory (the tun driver's) are written here. canonical is the run's
// config.toml, what Config.WriteResolved writes (Config.Canonical).
func writeResults(dir string, canonical []byte, res *Result) error {
	err := report.WriteFileAtomic(filepath.Join(dir, "config.toml"), func(w io.Writer) error {
		_, err := w.Write(canonical)
		return err
	})
	if err != nil {
		return err
	}
	rec := res.Recorder
	if !rec.Streaming() {
		for _, f := range rec.Flows() {
			if err := report.WriteFlowCSV(filepath.Join(dir, "flow"+strconv.Itoa(f.ID)+".csv"), f); err != nil {
				return err
			}
		}
		if err := report.WriteLinkCSV(filepath.Join(dir, "link.csv"), rec.Link()); err != nil {
			return err
		}
		for _, l := range rec.NetworkLinks() {
			if l.File == "" {
				continue
			}
			if err := report.WriteLinkCSV(filepath.Join(dir, l.File), l.Samples); err != nil {
				return err
			}
		}
	}
	if err := report.WriteSummaryJSON(filepath.Join(dir, "summary.json"), &res.Summary); err != nil {
		return err
	}
	return writeLifecycleResults(dir, res)
}
