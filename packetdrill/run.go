package packetdrill

// The interpreter: one stack.Host plays the kernel under test, the script
// plays the remote peer and the application, and time is virtual. Events
// run in order as packetdrill runs them (run.c):
//
//   - An event's script time is absolute, or relative to the previous
//     event: to the script time of the previous event when both are
//     inbound packets, otherwise to the (virtual) time the previous event
//     actually completed.
//   - Before an inbound packet or a system call, time advances to the
//     event's time, firing the host's timers on the way.
//   - An outbound packet takes the oldest packet the host has sent and not
//     yet matched, waiting for one if none is queued (as long as
//     packetdrill's sniffer would: the expected time plus 2 s), and checks
//     it field by field and then its time against the tolerance.
//   - A system call written with "...END" is blocking in packetdrill's
//     sense: it starts at the event's time, the script goes on, and the
//     call must return by END; it is checked whenever the host changes.
//     A call without it that would block (a blocking read with nothing to
//     read) runs time forward until it returns, as the real call would
//     hold up the script.

import (
	"errors"
	"fmt"
	"io"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// Options are the runner's packetdrill command-line flags.
type Options struct {
	// ToleranceUsecs is packetdrill's --tolerance_usecs: how far an event
	// may be from its scripted time (default 4000).
	ToleranceUsecs int64
	// TolerancePercent is --tolerance_percent: the tolerance also grows to
	// this percentage of the time since the previous event (default 12.5).
	TolerancePercent float64
	// TSTickUsecs is --tcp_ts_tick_usecs: when non-zero, outbound TS val
	// values are checked against the script at this clock rate; 0 (the
	// default) does not check them, as packetdrill.
	TSTickUsecs int64
	// InboundMSS is --mss: the segment size an inbound payload larger
	// than a packet is cut into (packetdrill's GSO size); 0 uses the MSS
	// of the peer's SYN.
	InboundMSS int
	// StrictSegments is --strict_segments: an outbound script packet
	// matches one live packet, never several consecutive ones.
	StrictSegments bool
	// Trace, when set, receives one line per event and per packet.
	Trace io.Writer
}

// DefaultOptions are packetdrill's defaults.
func DefaultOptions() Options {
	return Options{ToleranceUsecs: 4000, TolerancePercent: 12.5}
}

// Addresses and ports of the emulated network: packetdrill's defaults
// (the stack does not care).
var (
	hostAddr = wire.Addr{192, 168, 0, 1}
	peerAddr = wire.Addr{192, 0, 2, 1}
)

const (
	defaultBindPort = 8080
	firstPeerPort   = 47000
	// maxSteps bounds timer and output loops, so a host that keeps a
	// deadline in the past fails instead of hanging.
	maxSteps = 1_000_000
	// sniffSlack is how long past an outbound packet's expected time the
	// runner waits for it, as packetdrill's sniffer does.
	sniffSlack = 2 * units.Second
	// blockingLimit bounds how long a call that blocks without "..." may
	// hold up the script.
	blockingLimit = 3600 * units.Second
)

// sent is a packet the host emitted, not yet matched by the script.
type sent struct {
	at  units.Time
	raw []byte
	seg wire.Segment
}

// sut is packetdrill's "socket under test": the connection that script
// packets belong to, with the mappings between script and live sequence
// numbers and timestamps.
type sut struct {
	sock               *socket // nil for a passive child before accept
	listening          bool    // the socket under test is a listener
	hostPort, peerPort uint16
	// Local (host) ISN: live and as the script wrote it on its first SYN.
	localISN, scriptLocalISN uint32
	haveLocal                bool
	// localGuessed is set while the mapping comes from a SYN the script
	// has not matched yet (taken as script sequence number 0).
	localGuessed bool
	// Remote (script peer) ISN: the sequence number on the peer's SYN,
	// live and script alike.
	remoteISN  uint32
	haveRemote bool
	// peerMSS is the MSS the peer's SYN announced (for splitting large
	// inbound payloads).
	peerMSS int
	// TS val mapping, script value to live value, and the first pair.
	tsMap                      map[uint32]uint32
	firstScriptTS, firstLiveTS uint32
	haveTS                     bool
}

// failure ends a run; it is panicked inside the runner and recovered in
// Run, so that deep code can stop the script in one line.
type failure struct{ res Result }

type runner struct {
	opts   Options
	script *Script
	ev     *Event // the event being run

	cfg    stack.Config
	ccName string
	env    envState
	pool   packet.Pool
	host   *stack.Host
	now    units.Time

	sockets  map[int]*socket
	sut      *sut
	nextPort uint16
	pending  []sent
	// blocking is the system call in progress, if any; wakeAt is when
	// it times out (poll), or units.Never.
	blocking *call
	wakeAt   units.Time

	last         *Event
	lastTimeUs   int64 // script time of the last event, after relative adjustment
	lastInbound  bool
	lastTimeSet  bool
	eventStartUs int64 // script time of the current event
}

// scriptConfig is the stack configuration a script starts from: the linux
// profile, with TSO deferral on, as packetdrill's kernel sends through a
// GSO-capable tun device (stack.Config.TSODeferral says why the simulator
// leaves it off), and the receive window clamped by Linux's starting
// buffer, tcp_rmem[1] (stack.Config.RcvBufInitial: a script is too short
// for autotuning to grow it, and the simulator, which does not model
// autotuning, clamps by the whole buffer instead).
func scriptConfig() stack.Config {
	cfg := stack.DefaultConfig()
	cfg.TSODeferral = true
	cfg.RcvBufInitial = linuxRmemDefault
	return cfg
}

// linuxRmemDefault is tcp_rmem[1], the receive buffer a Linux socket
// starts with.
const linuxRmemDefault = 131072

// Run plays a parsed script and returns its result.
func Run(s *Script, opts Options) (res Result) {
	r := &runner{opts: opts, script: s, cfg: scriptConfig(), ccName: "cubic",
		sockets: map[int]*socket{}, nextPort: firstPeerPort, wakeAt: units.Never}
	r.env.init()
	res = Result{Path: s.Path, Kind: Pass}
	if u := r.checkSupported(); u != nil {
		return *u
	}
	defer func() {
		if v := recover(); v != nil {
			f, ok := v.(failure)
			if !ok {
				// A bug in the runner or the stack: reported against the
				// statement, not as a crash of the whole run.
				f.res = Result{Kind: Error, Msg: fmt.Sprintf("internal error: %v", v)}
				if r.ev != nil {
					f.res.Line, f.res.Statement = r.ev.Line, r.ev.Text
				}
			}
			res = f.res
			res.Path = s.Path
		}
	}()
	first := true
	for _, ev := range s.Events {
		r.ev = ev
		if first && !(ev.Command != nil && ev.Command.Init) {
			first = false
			if ev.Time.StartUs != 0 {
				r.fail("first event should be at time 0")
			}
		}
		r.runEvent(ev)
		r.last = ev
	}
	r.ev = nil
	r.finish()
	return res
}

// RunFile parses and plays a script file.
func RunFile(path string, opts Options) Result {
	s, err := ParseFile(path)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return Result{Path: path, Kind: Error, Line: pe.Line, Msg: pe.Msg}
		}
		return Result{Path: path, Kind: Error, Msg: err.Error()}
	}
	for _, o := range s.Options {
		if err := applyFlag(&opts, o); err != nil {
			return Result{Path: path, Kind: Unsupported, Statement: o, Msg: err.Error()}
		}
	}
	return Run(s, opts)
}

func (r *runner) trace(format string, args ...any) {
	if r.opts.Trace != nil {
		fmt.Fprintf(r.opts.Trace, "%10.6f ", r.now.Seconds())
		fmt.Fprintf(r.opts.Trace, format+"\n", args...)
	}
}

// fail stops the script with a mismatch at the current event.
func (r *runner) fail(format string, args ...any) {
	r.stop(Result{Kind: Fail, Msg: fmt.Sprintf(format, args...)})
}

// unsupported stops the script at a statement the stack cannot express.
func (r *runner) unsupported(format string, args ...any) {
	r.stop(Result{Kind: Unsupported, Msg: fmt.Sprintf(format, args...)})
}

func (r *runner) stop(res Result) {
	if r.ev != nil && res.Line == 0 {
		res.Line, res.Statement = r.ev.Line, r.ev.Text
	}
	panic(failure{res})
}

// usToTime converts script microseconds to virtual time.
func usToTime(us int64) units.Time { return units.Time(us * 1000) }

func timeToUs(t units.Time) int64 { return int64(t) / 1000 }

// eventTimes resolves an event's script time window in microseconds,
// following packetdrill's adjust_relative_event_times.
func (r *runner) eventTimes(ev *Event) (start, end int64) {
	inbound := ev.Packet != nil && ev.Packet.Dir == Inbound
	var offset int64
	switch ev.Time.Kind {
	case TimeAbsolute, TimeAbsoluteRange:
		return ev.Time.StartUs, max(ev.Time.EndUs, ev.Time.StartUs)
	}
	if r.lastTimeSet && r.lastInbound && inbound {
		offset = r.lastTimeUs
	} else {
		offset = timeToUs(r.now)
	}
	start = ev.Time.StartUs + offset
	end = start
	if ev.Time.Kind == TimeRelativeRange {
		end = ev.Time.EndUs + offset
	}
	return start, end
}

func (r *runner) runEvent(ev *Event) {
	start, end := r.eventTimes(ev)
	r.eventStartUs = start
	if ev.Time.Kind != TimeAny {
		// An absolute time going backwards is a script error.
		if ev.Time.Kind == TimeAbsolute && r.last != nil && r.last.Time.Kind == TimeAbsolute && start < r.lastTimeUs {
			r.stop(Result{Kind: Error, Msg: fmt.Sprintf("time goes backward in script from %d usec to %d usec", r.lastTimeUs, start)})
		}
	}
	switch {
	case ev.Packet != nil && ev.Packet.Dir == Inbound:
		r.advanceTo(ev, start, "inbound packet")
		r.inject(ev.Packet)
	case ev.Packet != nil:
		r.expect(ev, start, end)
	case ev.Syscall != nil:
		r.advanceTo(ev, start, "system call")
		r.syscall(ev, start)
	case ev.Command != nil:
		if !ev.Command.Init {
			r.advance(usToTime(start))
		}
		r.command(ev.Command)
	case ev.Code != nil:
		r.unsupported("%%{ }%% code blocks (tcp_info assertions)")
	default:
		r.unsupported("%s", ev.Unsupported)
	}
	// The previous event's time, for anchoring and the dynamic
	// tolerance, is its script time, as packetdrill keeps it.
	r.lastTimeUs, r.lastTimeSet = start, true
	r.lastInbound = ev.Packet != nil && ev.Packet.Dir == Inbound
}

// advanceTo brings time to an event's start. Time cannot go back: an
// event whose time has passed (after a late packet or a call that
// blocked) runs now, and fails if that is beyond the tolerance, as
// packetdrill's check_event_time.
func (r *runner) advanceTo(ev *Event, startUs int64, what string) {
	r.advance(usToTime(startUs))
	if msg := r.checkTime(ev.Time.Kind, startUs, startUs, r.lastEventUs(), r.now, what); msg != "" {
		r.fail("%s", msg)
	}
}

// finish runs at the end of the script: a blocking call still in
// progress must return by its end time.
func (r *runner) finish() {
	if c := r.blocking; c != nil {
		r.ev = c.ev
		limit := usToTime(c.endUs+r.tolerance(c.endUs, c.startUs)) + 1
		r.advance(max(r.now, limit))
		if r.blocking != nil {
			r.fail("blocking %s did not return by %.6f s", c.ev.Syscall.Name, float64(c.endUs)/1e6)
		}
	}
}

// tolerance is packetdrill's: the fixed tolerance, or a percentage of the
// time since the previous event if that is larger.
func (r *runner) tolerance(scriptUs, lastUs int64) int64 {
	tol := r.opts.ToleranceUsecs
	if lastUs >= 0 {
		if d := int64(r.opts.TolerancePercent / 100 * float64(scriptUs-lastUs)); d > tol {
			tol = d
		}
	}
	return tol
}

// checkTime verifies that something expected in [startUs, endUs] happened
// at actual, as packetdrill's verify_time.
func (r *runner) checkTime(kind TimeKind, startUs, endUs, lastUs int64, actual units.Time, what string) string {
	if kind == TimeAny {
		return ""
	}
	tol := r.tolerance(startUs, lastUs)
	a := timeToUs(actual)
	if a < startUs-tol || a > endUs+tol {
		if startUs != endUs {
			return fmt.Sprintf("timing error: expected %s in time range %.6f~%.6f s but happened at %.6f s; tolerance %.6f s",
				what, float64(startUs)/1e6, float64(endUs)/1e6, float64(a)/1e6, float64(tol)/1e6)
		}
		return fmt.Sprintf("timing error: expected %s at %.6f s but happened at %.6f s; tolerance %.6f s",
			what, float64(startUs)/1e6, float64(a)/1e6, float64(tol)/1e6)
	}
	return ""
}

// lastEventUs is the script time of the previous event for the dynamic
// tolerance, or -1 before the first.
func (r *runner) lastEventUs() int64 {
	if !r.lastTimeSet {
		return -1
	}
	return r.lastTimeUs
}

// ensureHost creates the host on first use, with the configuration the
// script's commands and socket options have built so far.
func (r *runner) ensureHost() *stack.Host {
	if r.host != nil {
		return r.host
	}
	if err := r.cfg.Validate(); err != nil {
		r.unsupported("the configuration the script asks for: %v", err)
	}
	h, err := stack.NewHost(hostAddr, r.cfg, &r.pool, 1)
	if err != nil {
		r.unsupported("the configuration the script asks for: %v", err)
	}
	r.host = h
	return h
}

// config is the configuration to change: the host's once it exists.
func (r *runner) config() *stack.Config {
	if r.host != nil {
		return r.host.MutableConfig()
	}
	return &r.cfg
}

func mathAbs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
