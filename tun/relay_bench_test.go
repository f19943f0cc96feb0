// The relay's throughput and release-timing benchmark: 1500-byte UDP
// datagrams from namespace A to namespace B through the running relay.
//
// Two loads:
//
//   - paced: a 1 Gbit/s link offered 1 Gbit/s, the load the relay is built
//     for; its release error is the relay's own timing.
//   - saturated: an unlimited link offered as much as the sender can write;
//     this finds the relay's ceiling, and every datagram the relay cannot
//     take in time is dropped at TUN device A's queue before the relay
//     sees it.
//
// Both size the devices as a run does (Topology.SizeFor), report the
// drops outside the emulated link by place, and fail when there are any
// (for saturated, any but device A's), or when datagrams went missing
// without any counter accounting for them.
//
// The sender and the receiver each run on a locked thread kept off the
// relay's core, so the benchmark measures the relay and not the three
// threads fighting over one core. Every datagram that is sent and not
// received is accounted to where it was dropped: device A's transmit queue
// (the relay did not read it in time), the relay (device B refused the
// write), or B's receive path (device or socket buffer).

package tun

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/units"
)

// burstPackets is how many datagrams the paced sender writes at a time: it
// sleeps between bursts (12 µs at 1 Gbit/s would be spinning), and 16
// datagrams make a 192 µs period, well above the sleep's wake-up latency.
const burstPackets = 16

// receiverIdle is how long the receiver waits for one more datagram
// before it concludes the run is over.
const receiverIdle = 200 * units.Millisecond

func BenchmarkRelay(b *testing.B) {
	b.Run("paced-1G", func(b *testing.B) { benchRelay(b, units.GbitPerSecond, true) })
	b.Run("saturated", func(b *testing.B) { benchRelay(b, 0, false) })
}

// benchThreadPolicy is DefaultThreadPolicy unless CCBENCH_RELAY_THREAD
// asks for less, to measure what real-time scheduling and pinning each
// bring: "other" (none of the three), "pinned" (pinning only), "fifo"
// (SCHED_FIFO only), "halt" (all but idle polling).
func benchThreadPolicy(b *testing.B) ThreadPolicy {
	p := DefaultThreadPolicy()
	switch v := os.Getenv("CCBENCH_RELAY_THREAD"); v {
	case "":
	case "other":
		p = ThreadPolicy{CPU: -1}
	case "pinned":
		p.RealTime, p.IdlePoll = false, false
	case "fifo":
		p.CPU, p.IdlePoll = -1, false
	case "halt":
		p.IdlePoll = false
	default:
		b.Fatalf("CCBENCH_RELAY_THREAD=%q: want other, pinned, fifo or halt", v)
	}
	return p
}

// received is what the receiver saw: bytes of IPv4 datagrams and the time
// the last one arrived.
type received struct {
	bytes, packets int64
	last           units.Time
}

func benchRelay(b *testing.B, rate units.Rate, paced bool) {
	requireTUN(b)
	topo, err := NewTopology()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := topo.Close(); err != nil {
			b.Error(err)
		}
	})
	fwd := netem.LinkConfig{Rate: rate}
	sizing := sizeForBench(b, topo, fwd)
	relay, err := NewRelay(topo, fwd, netem.LinkConfig{}, NewClock())
	if err != nil {
		b.Fatal(err)
	}
	relay.SetThreadPolicy(benchThreadPolicy(b))
	relay.Start()
	b.Cleanup(func() { relay.Stop() })
	sendFd, recvFd := udpPair(b, topo)
	clock := relay.clock
	others := otherCPUs(relay.policy.CPU)

	done := make(chan received)
	go receive(recvFd, clock, others, done)

	payload := make([]byte, udpPayload)
	period := units.Duration(0)
	if paced {
		period = rate.TxTime(1500 * burstPackets)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := clock.Now()
	sentc := make(chan int)
	var sentEnd units.Time
	go func() {
		pinThreadTo(others)
		n := send(sendFd, payload, b.N, clock, start, period)
		sentEnd = clock.Now()
		sentc <- n
	}()
	sent := <-sentc
	got := <-done
	b.StopTimer()
	if err := relay.Stop(); err != nil {
		b.Fatal(err)
	}

	elapsed := got.last.Sub(start)
	timing := relay.Timing()
	us := func(d units.Duration) float64 { return float64(d) / float64(units.Microsecond) }
	b.ReportMetric(float64(got.bytes)*8/elapsed.Seconds()/1e9, "Gbit/s")
	// The offered rate tells a relay that fell behind (offered 1 Gbit/s,
	// moved less) from a sender that could not offer the load on a busy
	// machine (both below).
	b.ReportMetric(float64(sent)*1500*8/sentEnd.Sub(start).Seconds()/1e9, "offered-Gbit/s")
	b.ReportMetric(us(timing.P50), "p50-µs")
	b.ReportMetric(us(timing.P99), "p99-µs")
	b.ReportMetric(us(timing.P999), "p99.9-µs")
	b.ReportMetric(float64(int64(sent)-got.packets)/float64(sent)*100, "drop-%")

	loss := dropsAlongPath(b, topo, relay)
	loss.sent, loss.received = int64(sent), got.packets
	b.ReportMetric(float64(loss.deviceA), "tunA-drops")
	b.ReportMetric(float64(loss.relay), "write-drops")
	b.ReportMetric(float64(loss.deviceB), "tunB-drops")
	b.ReportMetric(float64(loss.socket), "sockB-drops")
	b.Logf("load %s, relay %+v, txqueuelen %d", loadavg(), relay.Scheduling(), sizing.TxQueueLen)
	b.Logf("drops: %s", loss)
	logProfile(b, relay.Profile())
	// A saturating sender offers more than any relay can take, so what
	// the relay does not read in time overflows device A's queue by
	// design; every other drop outside the link is the relay's failure.
	outside := loss.outside()
	if !paced {
		outside -= loss.deviceA
	}
	if outside > 0 {
		b.Errorf("%d of %d datagrams dropped outside the emulated link: %s", outside, sent, loss)
	}
	if lost := loss.sent - loss.received - loss.outside() - loss.link; lost != 0 {
		b.Errorf("%d datagrams sent and neither received nor counted as dropped anywhere: %s", lost, loss)
	}
}

// sizeForBench sizes topo's devices for fwd as a run sizes them, unless
// CCBENCH_RELAY_TXQUEUE gives the transmit queue length to use instead
// (500, the kernel's default, measures what sizing brings).
func sizeForBench(b *testing.B, topo *Topology, fwd netem.LinkConfig) Sizing {
	if v := os.Getenv("CCBENCH_RELAY_TXQUEUE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CCBENCH_RELAY_TXQUEUE=%q: want a positive number of datagrams", v)
		}
		for _, ns := range []*namespace{topo.nsA, topo.nsB} {
			if err := setTxQueueLen(ns, n); err != nil {
				b.Fatal(err)
			}
		}
		return Sizing{TxQueueLen: n}
	}
	s, err := topo.SizeFor(LinkPath(fwd, netem.LinkConfig{}))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// send writes n datagrams, in bursts of burstPackets every period when
// period is set, as fast as the socket takes them otherwise. It returns
// how many the socket took.
func send(fd int, payload []byte, n int, clock Clock, start units.Time, period units.Duration) int {
	sent := 0
	next := start
	for sent < n {
		if period > 0 {
			if d := next.Sub(clock.Now()); d > 0 {
				ts := unix.NsecToTimespec(int64(d))
				unix.Nanosleep(&ts, nil)
			}
			next = next.Add(period)
		}
		for k := 0; k < burstPackets && sent < n; k++ {
			if _, err := unix.Write(fd, payload); err == nil {
				sent++
			}
		}
	}
	return sent
}

// receive reads datagrams from fd until none has come for receiverIdle.
func receive(fd int, clock Clock, cpus []int, done chan<- received) {
	pinThreadTo(cpus)
	sink := make([]byte, 2048)
	var got received
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Read(fd, sink)
		if err == nil {
			got.bytes += int64(n) + 28
			got.packets++
			got.last = clock.Now()
			continue
		}
		if k, _ := unix.Poll(pfd, int(receiverIdle/units.Millisecond)); k == 0 {
			done <- got
			return
		}
	}
}

// otherCPUs lists this process's cores other than the relay's.
func otherCPUs(relayCPU int) []int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil
	}
	var cpus []int
	for cpu := range len(set) * 64 {
		if set.IsSet(cpu) && cpu != relayCPU {
			cpus = append(cpus, cpu)
		}
	}
	return cpus
}

// pinThreadTo locks the calling goroutine to its thread for good and keeps
// the thread on cpus. The runtime discards a thread still locked when its
// goroutine ends, so the affinity never leaks to other goroutines.
func pinThreadTo(cpus []int) {
	runtime.LockOSThread()
	if len(cpus) == 0 {
		return
	}
	var set unix.CPUSet
	for _, cpu := range cpus {
		set.Set(cpu)
	}
	unix.SchedSetaffinity(0, &set)
}

// pathDrops accounts for the datagrams sent and not received.
type pathDrops struct {
	sent, received int64
	// deviceA is what TUN device A's queue dropped: datagrams the relay
	// did not read in time.
	deviceA int64
	// link and relay are the emulated link's drops and the writes device
	// B refused.
	link, relay int64
	// deviceB and socket are B's device drops and its UDP socket's
	// buffer overflows (UDP RcvbufErrors).
	deviceB, socket int64
}

// outside is what was dropped anywhere but the emulated link.
func (d pathDrops) outside() int64 { return d.deviceA + d.relay + d.deviceB + d.socket }

func (d pathDrops) String() string {
	return "sent " + strconv.FormatInt(d.sent, 10) + ", received " + strconv.FormatInt(d.received, 10) +
		"; TUN A queue " + strconv.FormatInt(d.deviceA, 10) + ", link " + strconv.FormatInt(d.link, 10) +
		", relay write " + strconv.FormatInt(d.relay, 10) + ", TUN B " + strconv.FormatInt(d.deviceB, 10) +
		", B socket " + strconv.FormatInt(d.socket, 10)
}

func dropsAlongPath(b *testing.B, topo *Topology, relay *Relay) pathDrops {
	var d pathDrops
	fwd, _ := relay.Links()
	d.link = fwd.LostPackets + fwd.DroppedPackets + fwd.PolicedPackets
	d.relay = relay.Counters().WriteDrops
	if s := deviceStats(b, topo.nsA); s != nil {
		d.deviceA = int64(s.TxDropped)
	}
	if s := deviceStats(b, topo.nsB); s != nil {
		d.deviceB = int64(s.RxDropped)
	}
	topo.InB(func() error {
		d.socket = udpCounter("RcvbufErrors")
		return nil
	})
	if d.socket < 0 {
		b.Error("cannot read B's Udp RcvbufErrors from /proc/thread-self/net/snmp")
	}
	return d
}

func deviceStats(b *testing.B, ns *namespace) *netlink.LinkStatistics {
	h, err := netlink.NewHandleAt(ns.handle)
	if err != nil {
		b.Log(err)
		return nil
	}
	defer h.Close()
	l, err := h.LinkByName(deviceName)
	if err != nil {
		b.Log(err)
		return nil
	}
	return l.Attrs().Statistics
}

// udpCounter reads one of the Udp counters of the calling thread's
// namespace from /proc/thread-self/net/snmp, or -1.
func udpCounter(name string) int64 {
	data, err := os.ReadFile("/proc/thread-self/net/snmp")
	if err != nil {
		return -1
	}
	var header []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		for i, f := range header {
			if f == name && i < len(fields) {
				v, _ := strconv.ParseInt(fields[i], 10, 64)
				return v
			}
		}
	}
	return -1
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:3], " ")
}

func logProfile(b *testing.B, p *RelayProfile) {
	us := func(d units.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(units.Microsecond), 'f', 1, 64)
	}
	q := func(h *metrics.Histogram) string {
		return strconv.FormatUint(h.Count(), 10) + " (p50 " + us(h.Quantile(0.5)) + ", p99 " + us(h.Quantile(0.99)) + ", max " + us(h.Max()) + " µs)"
	}
	b.Logf("turns %s; sleep overshoot %s; stalls %s; switches %d involuntary, %d voluntary",
		q(&p.Turn), q(&p.Overshoot), q(&p.Stall), p.InvoluntarySwitches, p.VoluntarySwitches)
	var late []string
	for a := range activities {
		if p.Late[a].Count() > 0 {
			late = append(late, a.String()+" "+q(&p.Late[a]))
		}
	}
	b.Logf("late > %s µs by activity: %s", us(lateThreshold), strings.Join(late, "; "))
}
