// The relay: one locked OS thread that moves datagrams between its two
// ports through a netem.Link per direction, releasing each at the time the
// link gives, and measures how late every release was. A port is a TUN
// device, or an in-process stack.Host (stackport.go) that the relay drives
// on its own thread, or both (mixport.go), on either side
// (relay_endpoints.go).
//
// Each turn of the loop
//
//  1. gives each port its turn (a stack port runs its timers and its
//     application);
//  2. reads up to readBatch datagrams from each port (non-blocking),
//     enqueues each on that direction's link at the time its read
//     returned, and after each one delivers whatever has fallen due on
//     either link to the far port;
//  3. delivers every datagram whose Due has passed;
//  4. publishes the links' statistics for the run's sampler
//     (relay_live.go), when it is about to wait or publishEvery has
//     passed since it last did;
//  5. if nothing arrived, waits for the earliest of the links' and ports'
//     next deadlines and new input: in ppoll(2) with a nanosecond timeout
//     when the deadline is more than spinThreshold away, else by spinning
//     (going round again, which polls the ports with non-blocking reads).
//     The ppoll is a raw system call that keeps the relay's P (see ppoll).
//
// Checking deadlines after every datagram rather than once per batch is
// what bounds the error under load: a TUN read costs about a microsecond
// and a write into the far namespace several (it runs that namespace's
// receive path), so a release that falls due at the start of a full
// batch would otherwise wait for 64 reads and every write queued before
// it, hundreds of microseconds. Stamping each datagram with its own read
// time keeps the link's arrival times true to the device's.
//
// The thread's timer slack is set to 1 ns (prctl PR_SET_TIMERSLACK), since
// the default 50 µs slack would otherwise be added to every ppoll timeout;
// it runs under SCHED_FIFO on a core of its own when permitted
// (relay_sched.go), and accounts for its late releases in a profile
// (relay_profile.go).

package tun

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/pathrtt"
	"github.com/ccbench/ccbench/units"
)

const (
	// readBatch bounds the datagrams read from one device per turn, so a
	// burst on one side cannot hold back releases on the other.
	readBatch = 64
	// spinThreshold is how near a deadline must be for the relay to spin
	// rather than sleep: the wake-up latency of ppoll on an idle core is
	// tens of microseconds, so sleeping closer than this would overshoot.
	spinThreshold = 60 * units.Microsecond
	// wakeEarly is how long before a deadline a sleeping relay asks to be
	// woken, leaving the rest of the wait to the spin.
	wakeEarly = 40 * units.Microsecond
	// idleWait bounds a sleep when neither link has anything scheduled, so
	// Stop is noticed within it.
	idleWait = units.Millisecond
)

// port is one side of the relay: where the datagrams of one direction
// come from and those of the other go to. Every method runs on the relay's
// thread.
type port interface {
	// turn runs what the port's endpoint does on its own at now.
	turn(now units.Time)
	// receive returns the next datagram the endpoint has sent, in a
	// packet from pool, or nil when none is waiting; it never blocks.
	receive(now units.Time, pool *packet.Pool) (*packet.Packet, error)
	// deliver hands p to the endpoint, which returns it to pool, and
	// reports whether the endpoint took it.
	deliver(now units.Time, p *packet.Packet, pool *packet.Pool) (bool, error)
	// nextDeadline is when the port next needs a turn without input.
	nextDeadline() units.Time
	// pollFd is the descriptor whose input ends the relay's sleep, or -1.
	pollFd() int32
}

// A Device is a port whose endpoint is its namespace's kernel, which needs
// no turns and wakes the relay through its descriptor.
func (d *Device) turn(units.Time)          {}
func (d *Device) nextDeadline() units.Time { return units.Never }
func (d *Device) pollFd() int32            { return int32(d.fd) }

func (d *Device) receive(_ units.Time, pool *packet.Pool) (*packet.Packet, error) {
	p := pool.Get()
	ok, err := d.Read(p)
	if !ok {
		pool.Put(p)
		return nil, err
	}
	return p, nil
}

func (d *Device) deliver(_ units.Time, p *packet.Packet, pool *packet.Pool) (bool, error) {
	ok, err := d.Write(p)
	pool.Put(p)
	return ok, err
}

// Relay moves datagrams between a Topology's two sides through two links.
type Relay struct {
	a, b     port
	fwd, rev *netem.Link
	pool     packet.Pool
	clock    Clock

	fds     [2]unix.PollFd
	timeout unix.Timespec

	policy ThreadPolicy
	sched  Scheduling

	stop    atomic.Bool
	started bool
	done    chan struct{}
	err     error
	timing  metrics.Histogram
	counter RelayCounters
	profile RelayProfile
	// queueDelay holds every forward datagram's wait in the forward
	// link's queue, as the sim driver's recorder does.
	queueDelay metrics.Histogram
	live       liveLinks
	// fwdConfig and revConfig are the links' configurations, which the
	// published statistics leave out.
	fwdConfig, revConfig netem.LinkConfig
	// pause, set only by tests, stalls the loop once (stalls.go).
	pause *testPause
	// rtt, when set (SetPathRTT), sees each datagram from A as it enters
	// the forward link and each one to A as it leaves the reverse link.
	rtt *pathrtt.Monitor
}

// RelayCounters counts what the relay itself did, apart from the links.
type RelayCounters struct {
	ReadPackets    int64 // datagrams read from either port and enqueued on a link
	WrittenPackets int64 // datagrams written to either port
	// WriteDrops counts datagrams the receiving kernel had no room for.
	WriteDrops int64
	// ShortReads counts datagrams read whose length disagrees with their
	// IP header's (accounting.go), which the relay drops.
	ShortReads int64
	// Sleeps and Spins count waits of each kind, to show which the timing
	// error came from.
	Sleeps, Spins int64
}

// ThreadPolicy is how Start schedules the relay's thread (relay_sched.go).
type ThreadPolicy struct {
	// RealTime asks for SCHED_FIFO; without the privilege the relay runs
	// as an ordinary thread and notes it.
	RealTime bool
	// CPU is the core to pin the thread to, or -1 for none.
	CPU int
	// IdlePoll holds the CPU wake-up latency limit at zero while the relay
	// runs, so that idle cores poll rather than halt (relay_sched.go).
	IdlePoll bool
}

// DefaultThreadPolicy is real-time scheduling on RelayCPU with idle cores
// polling.
func DefaultThreadPolicy() ThreadPolicy {
	return ThreadPolicy{RealTime: true, CPU: RelayCPU(), IdlePoll: true}
}

// NewRelay builds a relay between t's devices: forward carries A to B,
// reverse B to A. clock is the run's clock, shared with the endpoints'
// samplers so their times agree.
func NewRelay(t *Topology, forward, reverse netem.LinkConfig, clock Clock) (*Relay, error) {
	r, err := newRelay(forward, reverse, clock)
	if err != nil {
		return nil, err
	}
	r.setPorts(t.DevA, t.DevB)
	return r, nil
}

// newRelay builds a relay with its links and no ports yet.
func newRelay(forward, reverse netem.LinkConfig, clock Clock) (*Relay, error) {
	r := &Relay{clock: clock, done: make(chan struct{}), policy: DefaultThreadPolicy()}
	var err error
	if r.fwd, err = netem.NewLink(forward, &r.pool); err != nil {
		return nil, err
	}
	if r.rev, err = netem.NewLink(reverse, &r.pool); err != nil {
		return nil, err
	}
	r.fwd.ObserveSojourn(&r.queueDelay)
	r.fwdConfig, r.revConfig = r.fwd.Stats().Config, r.rev.Stats().Config
	r.publishLinks(0)
	return r, nil
}

// setPorts attaches the relay's two sides. ppoll ignores a negative
// descriptor, so a port without one only wakes the relay by its deadline.
func (r *Relay) setPorts(a, b port) {
	r.a, r.b = a, b
	r.fds[0] = unix.PollFd{Fd: a.pollFd(), Events: unix.POLLIN}
	r.fds[1] = unix.PollFd{Fd: b.pollFd(), Events: unix.POLLIN}
}

// SetPathRTT makes m measure the path RTT of flows sent from A; call it
// before Start.
func (r *Relay) SetPathRTT(m *pathrtt.Monitor) { r.rtt = m }

// SetThreadPolicy replaces DefaultThreadPolicy; call it before Start.
func (r *Relay) SetThreadPolicy(p ThreadPolicy) { r.policy = p }

// Start runs the relay on its own locked OS thread until Stop.
func (r *Relay) Start() {
	r.started = true
	reserveProcs()
	go func() {
		defer close(r.done)
		defer releaseProcs()
		// The thread stays locked when the goroutine ends, so the runtime
		// discards it along with its timer slack, policy and affinity.
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
			r.err = err
			return
		}
		r.sched = scheduleRelayThread(r.policy.CPU, r.policy.RealTime)
		if r.policy.IdlePoll {
			if f, err := holdIdlePolling(); err != nil {
				r.sched.addNote(fmt.Sprintf("idle cores may halt (%v): on a virtual machine a halted core wakes for the relay's timer only when the host runs it again, milliseconds late at times", err))
			} else {
				r.sched.IdlePoll = true
				defer f.Close()
			}
		}
		inv, vol := threadSwitches()
		steal, stealOK := cpuSteal(r.sched.CPU)
		r.err = r.loop()
		inv2, vol2 := threadSwitches()
		if steal2, ok := cpuSteal(r.sched.CPU); ok && stealOK {
			r.sched.Steal = steal2 - steal
		}
		r.profile.InvoluntarySwitches, r.profile.VoluntarySwitches = inv2-inv, vol2-vol
	}()
}

// Stop ends the loop, waits for it, and returns the first I/O error it met.
// The links, counters and timing are stable afterwards. Stopping twice, or
// stopping a relay that never started, is harmless.
func (r *Relay) Stop() error {
	if !r.started {
		return nil
	}
	r.stop.Store(true)
	<-r.done
	return r.err
}

// loop is the relay's thread. Deadlines are checked after every datagram
// read, not once per batch, so a release falling due while a batch is read
// waits for one read, not for the whole batch.
func (r *Relay) loop() error {
	for !r.stop.Load() {
		start := r.clock.Now()
		r.profile.begin(start, Polling)
		if r.pause != nil {
			r.pause.maybe(start)
		}
		r.a.turn(start)
		r.b.turn(start)
		nA, err := r.ingest(r.a, r.fwd)
		if err != nil {
			return err
		}
		nB, err := r.ingest(r.b, r.rev)
		if err != nil {
			return err
		}
		if err := r.releaseDue(); err != nil {
			return err
		}
		if nA+nB > 0 {
			if now := r.clock.Now(); r.live.changed && now >= r.live.next {
				r.publishLinks(now)
			}
			r.profile.Turn.Record(r.clock.Now().Sub(start))
			continue
		}
		next := units.MinTime(r.fwd.NextDeadline(), r.rev.NextDeadline())
		next = units.MinTime(next, units.MinTime(r.a.nextDeadline(), r.b.nextDeadline()))
		if err := r.wait(next); err != nil {
			return err
		}
	}
	// A thread kept off its core until Stop ends its last step here.
	r.profile.begin(r.clock.Now(), Polling)
	r.publishLinks(r.clock.Now())
	return nil
}

// publishLinks makes the links' statistics as of now visible to LiveLinks.
func (r *Relay) publishLinks(now units.Time) {
	// A link with a fixed delay is not woken when a transmission ends;
	// Sync brings its queue up to now before it is read.
	r.fwd.Sync(now)
	r.rev.Sync(now)
	fwd, rev := r.fwd.Stats(), r.rev.Stats()
	r.live.publish(now, &fwd, &rev)
}

// ingest reads what from has waiting, up to readBatch, onto link, each
// datagram enqueued at the time its read returned, and releases what fell
// due after each.
func (r *Relay) ingest(from port, link *netem.Link) (int, error) {
	n := 0
	for n < readBatch {
		now := r.clock.Now()
		r.profile.begin(now, Reading)
		p, err := from.receive(now, &r.pool)
		if p == nil {
			r.counter.ReadPackets += int64(n)
			return n, err
		}
		if malformed(p.Bytes()) {
			r.pool.Put(p)
			r.counter.ShortReads++
			continue
		}
		p.Flow = 0
		at := r.clock.Now()
		if link == r.fwd {
			r.rtt.Outbound(at, p)
		}
		link.Enqueue(at, p)
		r.live.changed = true
		n++
		if err := r.releaseDue(); err != nil {
			r.counter.ReadPackets += int64(n)
			return n, err
		}
	}
	r.counter.ReadPackets += int64(n)
	return n, nil
}

// releaseDue releases what either link holds that is due by now.
func (r *Relay) releaseDue() error {
	now := r.clock.Now()
	if r.fwd.NextDeadline() <= now {
		if err := r.release(r.fwd, r.b); err != nil {
			return err
		}
	}
	if r.rev.NextDeadline() <= now {
		return r.release(r.rev, r.a)
	}
	return nil
}

// release delivers every datagram that has crossed link by the time of
// its write to to.
func (r *Relay) release(link *netem.Link, to port) error {
	// Even a Dequeue that returns nothing may have moved the link on (a
	// transmission ended, the next began).
	r.live.changed = true
	for {
		at := r.clock.Now()
		p := link.Dequeue(at)
		if p == nil {
			return nil
		}
		r.profile.begin(at, Writing)
		late := at.Sub(p.Due)
		r.timing.Record(late)
		r.profile.charge(p.Due, late)
		if link == r.rev {
			r.rtt.Inbound(at, p)
		}
		ok, err := to.deliver(at, p, &r.pool)
		if err != nil {
			return err
		}
		if ok {
			r.counter.WrittenPackets++
		} else {
			r.counter.WriteDrops++
		}
	}
}

// wait returns when next is near or a port's descriptor has input.
func (r *Relay) wait(next units.Time) error {
	now := r.clock.Now()
	gap := next.Sub(now)
	if gap <= spinThreshold {
		r.counter.Spins++
		if r.live.changed && now >= r.live.next {
			r.publishLinks(now)
		}
		return nil
	}
	if r.live.changed {
		r.publishLinks(now)
	}
	r.counter.Sleeps++
	r.profile.begin(now, Sleeping)
	sleep := min(gap-wakeEarly, idleWait)
	r.timeout = unix.NsecToTimespec(int64(sleep))
	k, errno := r.ppoll()
	if errno != 0 && errno != unix.EINTR {
		return errno
	}
	if k == 0 && errno == 0 {
		r.profile.Overshoot.Record(r.clock.Now().Sub(now.Add(sleep)))
	}
	return nil
}

// ppoll waits in ppoll(2) for input on the ports' descriptors or
// r.timeout, without telling the Go scheduler: a raw system call keeps the
// relay's P (reserveProcs added one for it) instead of offering it to
// other goroutines. Through the ordinary syscall path, sysmon takes the P
// away from a sleep longer than 20 µs when other goroutines wait for one,
// and the relay, on waking, has to wait for an ordinary thread to
// run the scheduler and give it a P back; on a loaded two-core machine that
// wait took tens of milliseconds, which no real-time priority of the
// relay's own thread can shorten (measured: p99.9 release error 37–63 ms
// with the ordinary path, 0.3–4 ms with this one, same load). A stop of the
// world for the garbage collector interrupts the wait with a signal
// (EINTR), so it does not wait for the timeout.
func (r *Relay) ppoll() (int, unix.Errno) {
	n, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&r.fds[0])), uintptr(len(r.fds)),
		uintptr(unsafe.Pointer(&r.timeout)), 0, 0, 0)
	return int(n), errno
}

// Counters returns the relay's counters; call it after Stop.
func (r *Relay) Counters() RelayCounters { return r.counter }

// Links returns the forward and reverse links' statistics; call it after
// Stop.
func (r *Relay) Links() (forward, reverse netem.LinkStats) { return r.fwd.Stats(), r.rev.Stats() }

// LiveLinks copies the links' statistics as the relay last published them,
// at the returned time on its clock; any goroutine may call it at any
// time. While the relay runs, the copy is at most publishEvery older than
// the links' last change; after Stop it is their final state. Config is
// the links' configuration.
func (r *Relay) LiveLinks(forward, reverse *netem.LinkStats) units.Time {
	at := r.live.read(forward, reverse)
	forward.Config, reverse.Config = r.fwdConfig, r.revConfig
	return at
}

// QueueDelay holds every forward datagram's queueing delay; call it after
// Stop.
func (r *Relay) QueueDelay() *metrics.Histogram { return &r.queueDelay }

// Profile is the loop's account of where its time and its late releases
// went (relay_profile.go); call it after Stop.
func (r *Relay) Profile() *RelayProfile { return &r.profile }

// Scheduling says how the relay's thread was scheduled; call it after Stop.
func (r *Relay) Scheduling() Scheduling { return r.sched }

// Timing summarises the release timing error; call it after Stop.
func (r *Relay) Timing() TimingError { return summarizeTiming(&r.timing) }

// TimingError summarises how late the relay released datagrams: actual
// write time minus the link's Due, over every datagram of a run.
type TimingError struct {
	Packets uint64         `json:"packets"`
	P50     units.Duration `json:"p50_ns"`
	P99     units.Duration `json:"p99_ns"`
	P999    units.Duration `json:"p999_ns"`
	Max     units.Duration `json:"max_ns"`
}

func summarizeTiming(h *metrics.Histogram) TimingError {
	if h.Count() == 0 {
		return TimingError{}
	}
	return TimingError{
		Packets: h.Count(),
		P50:     h.Quantile(0.50),
		P99:     h.Quantile(0.99),
		P999:    h.Quantile(0.999),
		Max:     h.Max(),
	}
}
