// Package tunrun is the tun driver's run of a runner.Scenario: the same
// flows and bottleneck as the sim driver, but in real time, with the netem
// links in tun.Relay between two namespaces, A sending and B receiving.
// Each end of a flow is the Linux kernel's TCP or ccbench's own stack. A's
// end is the kernel when the flow names a kernel algorithm ("linux:cubic")
// and the stack when it names a registered one ("cubic"); B's end is the
// kernel unless the flow's receiver is "stack". Each side's stack is one
// stack.Host driven on the relay's thread, beside or in place of the
// side's kernel (stackapps.go), so kernel→kernel, kernel→stack,
// stack→kernel and stack→stack flows share one bottleneck in one run.
//
// For flow i, B listens on port runner.ServerPort+i, the kernel with the
// flow's algorithm (TCP_CONGESTION, tcp(7)), and A dials it when the run's
// clock reaches the flow's start. The sender writes the flow's size, or
// writes until the run ends for a bulk flow; the receiver reads
// everything, checking the bytes against the sender's stream and its
// SHA-256 when Scenario.Verify is set, exactly as the sim driver's
// applications do (runner.AppFlow).
//
// The main goroutine is the sampler: at every sample interval it reads
// each sender's TCP_INFO (or the stack's snapshot), each receiver's byte
// count and the bottleneck's statistics as the relay last published them
// into the same metrics.Recorder the sim driver fills, so summaries, plots
// and comparisons read a kernel run like a simulated one. At the end of the
// run, or when the context is cancelled, every socket's deadline is set in
// the past, which ends every blocked read and write, and the run is torn
// down in reverse order of building: endpoints, relay, namespaces.
//
// Before anything is built, the relay checks for a second that it can
// release on time at the link's rate (selfCheck, tun/selfcheck.go), and
// refuses or warns as self_check says. The kernel's loss counters of both
// namespaces are read just before the relay starts and again after it
// stops, so that the run's losses outside the emulated links, and its
// relay's stalls, reach runner.RealTimeResult, which turns them into the
// summary's path_loss and validity.
//
// Package runner cannot import this one, which builds on it; its init
// registers Run as driver "tun"'s (runner.RegisterRealTime), so a program
// that runs tun experiments through runner.ExecuteWith imports it for
// that side effect.
package tunrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/runner"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/tun"
	"github.com/ccbench/ccbench/units"
)

func init() { runner.RegisterRealTime("tun", Run) }

// kernelFlow is one flow's pair of kernel sockets and what the sampler
// reads of them while they run.
type kernelFlow struct {
	*runner.AppFlow
	id        int
	spec      runner.FlowSpec
	algorithm string
	port      int
	listener  *net.TCPListener
	// conn and peer are the sender's and receiver's sockets, published
	// once connected; mssBytes is stored before conn.
	conn, peer atomic.Pointer[net.TCPConn]
	mssBytes   int
	// connectedAt is when the sender connected, stored before conn;
	// info is the sender's latest TCP_INFO, kept by the sampler for the
	// flow's SenderLimits (kernelLimits), and informed says there is one.
	connectedAt units.Time
	info        tun.KernelSample
	informed    bool
	// delivered mirrors AppFlow.Read and completedNs AppFlow.CompletedAt
	// for the sampler, which runs on another goroutine than the receiver.
	delivered   atomic.Int64
	completedNs atomic.Int64
	// sendErr and recvErr are what ended each endpoint early, if anything
	// did.
	sendErr, recvErr error
	// remote is the receiver's address: B's, or B's stack's.
	remote net.IP
	// recvOnStack is set when the receiver is ccbench's stack at B.
	recvOnStack bool
	// onStack is set when the sender is ccbench's stack at A; probe is
	// then its latest snapshot, published by the relay's thread for the
	// sampler.
	onStack bool
	probeMu sync.Mutex
	probe   stack.Probe
	limits  stack.SenderLimits // the chrono as of the probe
	probed  bool
}

// Run runs a scenario in real time over TUN devices, each end of every
// flow the kernel's TCP or ccbench's stack, as the flow's cc and receiver
// say; it is runner's RealTimeRun for driver = "tun". info names the run in
// its summary; its timing fields are filled in here. The run lasts
// sc.Duration of wall time plus the setup and teardown of the namespaces;
// cancelling ctx ends it early, with ctx's error.
func Run(ctx context.Context, sc runner.Scenario, info metrics.RunInfo) (res *runner.RealTimeResult, err error) {
	if err := checkKernelScenario(sc); err != nil {
		return nil, err
	}
	if err := tun.Available(); err != nil {
		return nil, err
	}
	if err := selfCheck(ctx, sc); err != nil {
		return nil, err
	}
	topo, err := tun.NewTopology()
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, topo.Close()) }()
	sizing, err := topo.SizeFor(tun.LinkPath(sc.Forward, sc.Reverse))
	if err != nil {
		return nil, err
	}

	flows := make([]*kernelFlow, len(sc.Flows))
	for i, spec := range sc.Flows {
		alg, kernel := tun.KernelCC(spec.CC)
		k := &kernelFlow{AppFlow: runner.NewAppFlow(i, spec, sc), id: i, spec: spec, algorithm: alg, port: runner.ServerPort + i,
			onStack: !kernel, recvOnStack: spec.Receiver == "stack"}
		k.completedNs.Store(-1)
		flows[i] = k
		if k.recvOnStack {
			continue
		}
		// A kernel receiver's algorithm governs only its ACKs' direction,
		// which carries no data; reno is always built in.
		listenAlg := alg
		if !kernel {
			listenAlg = "reno"
		}
		if k.listener, err = topo.ListenB(k.port, listenAlg); err != nil {
			return nil, fmt.Errorf("flows[%d]: %w", i, err)
		}
		defer k.listener.Close()
	}

	fc, rc := sc.Forward, sc.Reverse
	fc.Seed, rc.Seed = runner.SeedFor(sc.Seed, "forward", 0), runner.SeedFor(sc.Seed, "reverse", 0)
	clock := tun.NewClock()
	relay, sender, receiver, err := newTunRelay(sc, topo, flows, fc, rc, clock)
	if err != nil {
		return nil, err
	}
	if testBeforeStart != nil {
		testBeforeStart(topo, relay)
	}
	// The kernel's loss counters before the run, so that the run's own
	// are their differences after it.
	lossesBefore, accountErr := topo.ReadLossCounters()
	rtt := newPathRTT(len(flows))
	relay.SetPathRTT(rtt.mon)
	relay.SetThreadPolicy(threadPolicy(sc))
	relay.Start()
	// The teardown below stops the relay and reports its error; this is
	// for a panic on the way there.
	defer relay.Stop()

	rec := runner.NewRecorder(&sc)
	series := make([]*metrics.FlowSeries, len(flows))
	for i, k := range flows {
		series[i] = rec.AddFlow(i, runner.FlowName(i, k.spec.CC), k.spec.CC, units.Time(k.spec.Start))
	}

	runCtx, endRun := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, k := range flows {
		if !k.recvOnStack {
			wg.Add(1)
			go func() { defer wg.Done(); k.recvErr = failed(runCtx, endRun, k.receive(runCtx, clock)) }()
		}
		if k.onStack {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); k.sendErr = failed(runCtx, endRun, k.send(runCtx, topo, clock)) }()
	}
	wall, sampleErr := sampleUntilEnd(runCtx, sc, clock, func(now units.Time) error {
		if err := sampleKernelFlows(now, flows, series); err != nil {
			return err
		}
		var fwd, rev netem.LinkStats
		relay.LiveLinks(&fwd, &rev)
		rec.RecordLink(runner.LinkSample(now, fwd))
		return nil
	})
	// Ending the run sets every socket's deadline in the past (see
	// watchDeadline), so every endpoint goroutine returns promptly.
	endRun()
	if sender != nil {
		sender.ended.Store(true)
	}
	if receiver != nil {
		receiver.ended.Store(true)
	}
	wg.Wait()
	for _, k := range flows {
		for _, c := range []*net.TCPConn{k.conn.Load(), k.peer.Load()} {
			if c != nil {
				c.Close()
			}
		}
	}
	if err := relay.Stop(); err != nil {
		return nil, err
	}
	// Read after the relay stopped, when every socket is closed: nothing
	// the run sent is still on its way.
	var deviceLosses []metrics.LossPlace
	if accountErr == nil {
		var after tun.LossCounters
		if after, accountErr = topo.ReadLossCounters(); accountErr == nil {
			deviceLosses = after.LossesSince(lossesBefore)
		}
	}
	if testAfterStop != nil {
		testAfterStop(topo)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if sampleErr != nil {
		return nil, sampleErr
	}
	for i, k := range flows {
		if err := errors.Join(k.sendErr, k.recvErr); err != nil {
			return nil, fmt.Errorf("flows[%d] (%s): %w", i, k.spec.CC, err)
		}
	}

	rec.QueueDelay.Merge(relay.QueueDelay())
	rtt.mergeInto(series)
	counters := relay.Counters()
	info.Duration = sc.Duration
	info.Wall = wall
	// The relay reads every data segment and every ACK once.
	info.Segments = counters.ReadPackets
	info.LinkRate = sc.Forward.Rate
	info.Seed = sc.Seed
	r := &runner.Result{Recorder: rec, Verified: sc.Verify}
	r.Summary = rec.Summary(info)
	for i := range r.Summary.Flows {
		if id := r.Summary.Flows[i].ID; id >= 0 && id < len(flows) {
			r.Summary.Flows[i].SenderLimits = flows[id].senderLimits()
		}
	}
	for _, k := range flows {
		r.Written = append(r.Written, k.Written())
		r.Read = append(r.Read, k.Read())
		if sc.Verify && !k.Verified() {
			r.Verified = false
		}
	}
	if sc.Verify {
		apps := make([]*runner.AppFlow, len(flows))
		for i, k := range flows {
			apps[i] = k.AppFlow
		}
		runner.FillVerification(&r.Summary, apps)
	}
	endpoints := make([]string, len(flows))
	for i, k := range flows {
		endpoints[i] = k.endpoints()
	}
	fwd, rev := relay.Links()
	res = &runner.RealTimeResult{Result: r, Timing: relay.Timing(), Relay: counters, Scheduling: relay.Scheduling(),
		Profile: relay.Profile(), Endpoints: endpoints,
		LinkDropped:  linkDropped(fwd) + linkDropped(rev),
		DeviceLosses: deviceLosses,
		Sizing:       sizing,
		Stalls:       relay.Profile().Stalls.Summary(),
		BaseRTT:      sc.Forward.Delay + sc.Reverse.Delay,
		Duration:     sc.Duration,
	}
	if accountErr != nil {
		res.AccountingError = accountErr.Error()
	}
	return res, nil
}

// linkDropped is what a link dropped on purpose: lost by its loss model,
// dropped by its queue, or policed.
func linkDropped(s netem.LinkStats) int64 { return s.LostPackets + s.DroppedPackets + s.PolicedPackets }

// Test hooks: testBeforeStart runs after the relay is built and before the
// loss counters are first read and the relay starts; testAfterStop after
// the relay stopped and the counters were read again. Nil but in tests.
var (
	testBeforeStart func(*tun.Topology, *tun.Relay)
	testAfterStop   func(*tun.Topology)
)

// selfCheckLength is how long selfCheck runs; tests shorten it.
var selfCheckLength = tun.SelfCheckDuration

// threadPolicy is how the run's relay thread is scheduled: the default,
// with idle polling as sc says (idle_poll).
func threadPolicy(sc runner.Scenario) tun.ThreadPolicy {
	p := tun.DefaultThreadPolicy()
	p.IdlePoll = sc.IdlePoll
	return p
}

// selfCheck runs the relay's self-check (tun.SelfCheck) as sc.SelfCheck
// says: "refuse" fails a machine that cannot hold sc.MaxReleaseP99 at the
// link's rate now, "warn" says so on stderr and runs, "" and "off" skip
// it.
func selfCheck(ctx context.Context, sc runner.Scenario) error {
	switch sc.SelfCheck {
	case "", "off":
		return nil
	case "refuse", "warn":
	default:
		return fmt.Errorf("self_check: %q is not allowed; allowed: refuse, warn, off", sc.SelfCheck)
	}
	res, err := tun.SelfCheck(ctx, sc.Forward, selfCheckLength, threadPolicy(sc))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("relay self-check: %w", err)
	}
	if res.Passes(sc.MaxReleaseP99) {
		return nil
	}
	msg := fmt.Sprintf("%s: p99 above max_release_p99 = %v, so this machine cannot release on time at the link's rate now", res, sc.MaxReleaseP99)
	if res.Scheduling.Note != "" {
		msg += " (" + res.Scheduling.Note + ")"
	}
	if sc.SelfCheck == "warn" {
		fmt.Fprintf(os.Stderr, "warning: %s; running anyway (self_check = \"warn\"), the run's own release error decides its validity\n", msg)
		return nil
	}
	return fmt.Errorf("%s; refusing the run (self_check = \"refuse\"; \"warn\" runs anyway)", msg)
}

// checkKernelScenario rejects what the tun driver cannot run yet, naming
// the flow.
func checkKernelScenario(sc runner.Scenario) error {
	if len(sc.Flows) == 0 {
		return fmt.Errorf("scenario has no flows")
	}
	if sc.SampleInterval <= 0 {
		return fmt.Errorf("sample interval %v is not positive", sc.SampleInterval)
	}
	if runner.ServerPort+len(sc.Flows) > 1<<16 {
		return fmt.Errorf("%d flows is too many for the tun driver: each needs its own port above %d", len(sc.Flows), runner.ServerPort)
	}
	firstStack := -1
	for i, f := range sc.Flows {
		_, kernel := tun.KernelCC(f.CC)
		if !kernel && cc.Check(f.CC) != nil {
			return fmt.Errorf("flows[%d].cc: %q is neither a kernel algorithm (\"linux:<name>\") nor a registered one; registered: %s", i, f.CC, strings.Join(cc.Names(), ", "))
		}
		if !kernel && firstStack < 0 {
			firstStack = i
		}
		if !kernel && f.Recovery != sc.Flows[firstStack].Recovery {
			return fmt.Errorf("flows[%d].recovery: %v differs from flows[%d]'s %v: the flows on ccbench's stack share one stack at A, and with it one recovery", i, f.Recovery, firstStack, sc.Flows[firstStack].Recovery)
		}
		if f.Receiver != "" && f.Receiver != "kernel" && f.Receiver != "stack" {
			return fmt.Errorf("flows[%d].receiver: %q is not a receiver; allowed: kernel, stack", i, f.Receiver)
		}
		if f.ExtraDelay != 0 || f.AccessRate != 0 {
			return fmt.Errorf("flows[%d]: a per-flow access link (rtt, access_delay, access_rate) is not available over TUN yet: the tun driver emulates the dumbbell's two links only", f.Group)
		}
		if f.Data != nil || f.Ack != nil {
			return fmt.Errorf("flows[%d]: paths other than the dumbbell's forward direction (direction = \"reverse\", a network) are not available over TUN yet: the tun driver emulates the dumbbell's two links only", f.Group)
		}
		if f.Stop != 0 || f.IncastShare != 0 {
			return fmt.Errorf("flows[%d]: stop and arrivals = \"incast\" are not available over TUN yet", f.Group)
		}
		if f.Size < 0 {
			return fmt.Errorf("flows[%d].size: %d is negative", i, f.Size)
		}
	}
	return nil
}

// failed returns an endpoint's error and ends the run, since a flow that
// failed makes the run's results meaningless; once the run is ending, the
// error is the deadline that ended it and failed returns nil.
func failed(runCtx context.Context, endRun context.CancelFunc, err error) error {
	if err == nil || runCtx.Err() != nil {
		return nil
	}
	endRun()
	return err
}

// watchDeadline makes c's blocked and future reads and writes fail once
// the run ends.
func watchDeadline(runCtx context.Context, c *net.TCPConn) {
	context.AfterFunc(runCtx, func() { c.SetDeadline(time.Unix(1, 0)) })
}

// send waits for the flow's start, connects, and writes the flow's bytes,
// or writes until the run ends for a bulk flow.
func (k *kernelFlow) send(runCtx context.Context, topo *tun.Topology, clock tun.Clock) error {
	if wait := units.Time(k.spec.Start).Sub(clock.Now()); wait > 0 {
		t := time.NewTimer(time.Duration(wait))
		defer t.Stop()
		select {
		case <-runCtx.Done():
			return nil
		case <-t.C:
		}
	}
	c, err := topo.DialFromATo(runCtx, k.remote, k.port, k.algorithm)
	if err != nil {
		return err
	}
	k.connectedAt = clock.Now()
	k.Started(k.connectedAt, nil)
	if k.mssBytes, err = maxSegment(c); err != nil {
		c.Close()
		return err
	}
	k.conn.Store(c)
	watchDeadline(runCtx, c)

	for p := k.Payload(1 << 20); len(p) > 0; p = k.Payload(1 << 20) {
		n, err := c.Write(p)
		k.Sent(p[:n])
		if err != nil {
			return err
		}
	}
	return c.CloseWrite()
}

// receive accepts the flow's connection and reads until the sender closes
// or the run ends.
func (k *kernelFlow) receive(runCtx context.Context, clock tun.Clock) error {
	stop := context.AfterFunc(runCtx, func() { k.listener.Close() })
	c, err := k.listener.AcceptTCP()
	stop()
	if err != nil {
		return err
	}
	k.peer.Store(c)
	watchDeadline(runCtx, c)
	buf := make([]byte, 256<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			k.Received(clock.Now(), buf[:n])
			k.delivered.Store(k.Read())
			if at := k.CompletedAt(); at >= 0 && k.completedNs.Load() < 0 {
				k.completedNs.Store(int64(at))
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// senderLimits is the flow's SenderLimits: a stack sender's chrono as of
// its last probe, or a kernel sender's from TCP_INFO (kernelLimits).
func (k *kernelFlow) senderLimits() *metrics.SenderLimits {
	if !k.onStack {
		return k.kernelLimits()
	}
	k.probeMu.Lock()
	l, ok := k.limits, k.probed
	k.probeMu.Unlock()
	if !ok {
		return nil
	}
	return runner.LimitsSummary(l)
}

// kernelLimits turns a kernel sender's last TCP_INFO into its
// SenderLimits: tcpi_busy_time includes the two limits, so the busy share
// is what is left of it, and the application's share is the rest of the
// flow's active time, from its connection to its completion or its last
// sample, which Linux does not time. nil for a sender ccbench's stack
// ran (whose own chrono is read instead: senderLimits), or one never
// sampled.
func (k *kernelFlow) kernelLimits() *metrics.SenderLimits {
	if !k.informed {
		return nil
	}
	end := k.info.T
	if at := units.Time(k.completedNs.Load()); at >= 0 && at < end {
		end = at
	}
	ks := k.info
	active := max(end.Sub(k.connectedAt), ks.BusyTime)
	return &metrics.SenderLimits{
		ActiveSeconds:        active.Seconds(),
		BusySeconds:          max(ks.BusyTime-ks.RwndLimited-ks.SndbufLimited, 0).Seconds(),
		RwndLimitedSeconds:   ks.RwndLimited.Seconds(),
		SndbufLimitedSeconds: ks.SndbufLimited.Seconds(),
		AppLimitedSeconds:    (active - ks.BusyTime).Seconds(),
	}
}

// maxSegment reads the connection's MSS (TCP_MAXSEG), which turns the
// kernel's windows, kept in segments, into the bytes the recorder holds.
func maxSegment(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var mss int
	var optErr error
	if err := rc.Control(func(fd uintptr) {
		mss, optErr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG)
	}); err != nil {
		return 0, err
	}
	if optErr != nil {
		return 0, fmt.Errorf("TCP_MAXSEG: %w", optErr)
	}
	return mss, nil
}

// sampleUntilEnd calls sample at t = 0, every interval after and at
// sc.Duration, sleeping in between, and returns the run's length on the
// clock at the last sample. It stops early, without error, if runCtx ends.
func sampleUntilEnd(runCtx context.Context, sc runner.Scenario, clock tun.Clock, sample func(now units.Time) error) (time.Duration, error) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	end := units.Time(sc.Duration)
	for target := units.Time(0); ; target = target.Add(sc.SampleInterval) {
		if target > end {
			target = end
		}
		if wait := target.Sub(clock.Now()); wait > 0 {
			timer.Reset(time.Duration(wait))
			select {
			case <-runCtx.Done():
				return time.Duration(clock.Now()), nil
			case <-timer.C:
			}
		}
		if err := sample(clock.Now()); err != nil {
			return 0, err
		}
		if target == end {
			return time.Duration(clock.Now()), nil
		}
	}
}

// sampleKernelFlows records one snapshot of every flow: the sender's
// TCP_INFO and the receiver's byte count.
func sampleKernelFlows(now units.Time, flows []*kernelFlow, series []*metrics.FlowSeries) error {
	for i, k := range flows {
		fs := series[i]
		smp := metrics.FlowSample{T: now, Delivered: k.delivered.Load(), State: "CLOSED"}
		if c := k.conn.Load(); c != nil {
			ks, err := tun.ReadTCPInfo(c, now)
			if err != nil {
				return fmt.Errorf("flows[%d] (%s): %w", i, k.spec.CC, err)
			}
			k.info, k.informed = ks, true
			mss := k.mssBytes
			smp.Cwnd = int(ks.CwndPackets) * mss
			smp.Ssthresh = int(ks.SsthreshPackets) * mss
			smp.Inflight = int(ks.InFlightPackets) * mss
			smp.SRTT, smp.RTTVar, smp.RTO = ks.SRTT, ks.RTTVar, ks.RTO
			smp.Retransmits = int64(ks.TotalRetrans)
			smp.State, smp.Phase = "ESTABLISHED", k.algorithm
			// TCP_INFO as tun reads it carries the delivery-rate
			// estimate, not the pacing rate; it is the rate the kernel
			// would pace at were it pacing from its own measurement.
			smp.PacingBps = float64(ks.DeliveryRate)
		}
		if k.onStack {
			k.probeMu.Lock()
			p, ok := k.probe, k.probed
			k.probeMu.Unlock()
			if ok {
				stackSample(&smp, p)
			}
		}
		fs.Record(smp)
		if at := k.completedNs.Load(); at >= 0 {
			fs.Complete(units.Time(at))
		}
	}
	return nil
}
