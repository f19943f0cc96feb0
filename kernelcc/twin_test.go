package kernelcc_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/cc/cctest"
	"github.com/ccbench/ccbench/units"
)

// twin runs Linux's module and ccbench's port of it side by side on the
// same facts: the stack is driven by the module's answers (the reference),
// and the port is handed every ACK and event the module is, so that the
// two can be compared call by call rather than only by their outcomes,
// which part as soon as one loss lands elsewhere.
type twin struct {
	kern, port cc.CongestionControl
	name       string
	mss        int
	// reducing is set from a Loss or ECN event to the RecoveryExit or RTO
	// that ends it: the sender's PRR sets the window then, and the module
	// keeps its pre-reduction cwnd where a port of the family shows
	// ssthresh, so only ssthresh is compared.
	reducing bool
	rep      *twinReport
}

// twinReport is what a run of twins found, per algorithm name.
type twinReport struct {
	calls, differing int
	first            []string // the first few differences, for people
}

var (
	twinsMu sync.Mutex
	twins   = map[string]*twinReport{}
)

func (w *twin) Name() string { return w.name }

func (w *twin) Init(now units.Time, mss, iw int) {
	w.kern.Init(now, mss, iw)
	w.port.Init(now, mss, iw)
	w.mss = mss
	w.reducing = false
	w.compare(now, "init")
}

func (w *twin) OnAck(a *cc.Ack) {
	w.kern.OnAck(a)
	p := *a // the port must not see what the module might change
	w.port.OnAck(&p)
	w.compare(a.Now, "ack")
}

func (w *twin) OnCongestion(e *cc.Event) {
	w.kern.OnCongestion(e)
	p := *e
	w.port.OnCongestion(&p)
	switch e.Kind {
	case cc.Loss, cc.ECN:
		w.reducing = true
	case cc.RecoveryExit, cc.RTO, cc.Undo:
		w.reducing = false
	}
	w.compare(e.Now, e.Kind.String())
}

func (w *twin) compare(now units.Time, what string) {
	twinsMu.Lock()
	defer twinsMu.Unlock()
	r := w.rep
	r.calls++
	// In whole packets, as Linux counts: a port of the family may keep a
	// part of a segment (FlightSize/2 of an odd flight) that Linux drops.
	kc, pc := w.kern.Cwnd()/w.mss, w.port.Cwnd()/w.mss
	ks, ps := w.kern.Ssthresh()/w.mss, w.port.Ssthresh()/w.mss
	if ks == ps && (w.reducing && !cc.ControlsRecovery(w.kern) || kc == pc) {
		return
	}
	r.differing++
	if len(r.first) < 8 {
		r.first = append(r.first, fmt.Sprintf("t=%.4fs after %s: cwnd %d (kernel) vs %d (port), ssthresh %d vs %d MSS",
			units.Duration(now).Seconds(), what, kc, pc, ks, ps))
	}
}

// The stack asks these of the algorithm that drives it: the module's
// answers, and the port is seeded alike.
func (w *twin) ControlsRecovery() bool { return cc.ControlsRecovery(w.kern) }

func (w *twin) ExactECNEcho() bool {
	e, ok := w.kern.(cc.ExactECNEchoer)
	return ok && e.ExactECNEcho()
}

func (w *twin) MinTSOSegs() int {
	if s, ok := w.kern.(cc.TSOSizer); ok {
		return s.MinTSOSegs()
	}
	return 2
}

func (w *twin) SeedConnection(seed uint64) {
	for _, c := range []cc.CongestionControl{w.kern, w.port} {
		if s, ok := c.(cc.ConnSeeder); ok {
			s.SeedConnection(seed)
		}
	}
}

func (w *twin) Cwnd() int              { return w.kern.Cwnd() }
func (w *twin) Ssthresh() int          { return w.kern.Ssthresh() }
func (w *twin) PacingRate() units.Rate { return w.kern.PacingRate() }
func (w *twin) Phase() string          { return w.kern.Phase() }

// registerTwin registers "twin-NAME": kernel:NAME driving the stack with
// NAME beside it, and returns the report the runs will fill.
func registerTwin(t *testing.T, name string) *twinReport {
	t.Helper()
	twinName := "twin-" + name
	twinsMu.Lock()
	rep := &twinReport{}
	twins[twinName] = rep
	twinsMu.Unlock()
	if cc.Check(twinName) == nil {
		return rep // registered by an earlier run of the test (-count)
	}
	err := cc.Register(twinName, func() cc.CongestionControl {
		k, err := cc.New("kernel:" + name)
		if err != nil {
			panic(err)
		}
		p, err := cc.New(name)
		if err != nil {
			panic(err)
		}
		twinsMu.Lock()
		r := twins[twinName]
		twinsMu.Unlock()
		return &twin{kern: k, port: p, name: twinName, rep: r}
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// runTwins runs the shipped bottleneck's 30 s with kernel:NAME driving the
// stack and NAME beside it, and returns what the comparison found.
func runTwins(t *testing.T, name string, sets ...string) *twinReport {
	t.Helper()
	needModule(t, name)
	rep := registerTwin(t, name)
	runBottleneck(t, "twin-"+name, sets...)
	twinsMu.Lock()
	defer twinsMu.Unlock()
	return rep
}

// matchedPorts are the ports that follow their Linux module window for
// window: on the same ACKs their cwnd and ssthresh, in whole packets, are
// Linux's after every call, and run on their own over the shipped
// bottleneck they give the same trace.
var matchedPorts = []string{"highspeed", "westwood", "vegas", "scalable", "cubic"}

// TestPortsMatchKernelOnTheSameACKs runs each matched port beside its
// Linux module over the shipped bottleneck's 30 s (the module driving the
// stack) and requires the same windows after every ACK and event.
func TestPortsMatchKernelOnTheSameACKs(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s runs of the bottleneck; skipped in -short")
	}
	for _, name := range matchedPorts {
		t.Run(name, func(t *testing.T) {
			r := runTwins(t, name)
			if r.calls == 0 {
				t.Fatalf("%s: the twins saw no calls", name)
			}
			if r.differing > 0 {
				t.Errorf("%s: %d of %d calls leave the port's windows other than Linux's; the first:", name, r.differing, r.calls)
				for _, s := range r.first {
					t.Error(s)
				}
			}
		})
	}
}

// TestPortsMatchKernelOnScripts drives each matched port and its Linux
// module, side by side, through one scripted connection (cc/cctest):
// slow start, a fast recovery with duplicate and partial ACKs, an ECN
// reduction, congestion avoidance, a timeout and an idle restart, with
// the RTT changing on the way. Their windows must agree after every step.
func TestPortsMatchKernelOnScripts(t *testing.T) {
	for _, name := range matchedPorts {
		t.Run(name, func(t *testing.T) {
			needModule(t, name)
			k, err := cc.New("kernel:" + name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := cc.New(name)
			if err != nil {
				t.Fatal(err)
			}
			rep := &twinReport{}
			const mss = 1448
			h := cctest.New(t, &twin{kern: k, port: p, name: name, rep: rep}, mss, 10*mss)
			h.SetRTT(40 * units.Millisecond)
			for range 6 {
				h.Round()
			}
			h.Loss()
			for range 3 {
				h.AdvanceTime(units.Millisecond)
				h.DupAck()
			}
			h.AdvanceTime(units.Millisecond)
			h.Ack(4 * mss)
			h.Round()
			h.ExitRecovery()
			h.SetRTT(55 * units.Millisecond)
			for range 8 {
				h.Round()
			}
			// The harness's ACKs do not say InRecovery after an ECN
			// event, as the stack's do through the CWR state: end it
			// at once.
			h.ECN()
			h.ExitRecovery()
			h.SetRTT(45500 * units.Microsecond)
			for range 4 {
				h.Round()
			}
			h.RTO()
			for range 5 {
				h.Round()
			}
			h.IdleRestart()
			h.AdvanceTime(units.Second)
			for range 4 {
				h.Round()
			}
			if rep.differing > 0 {
				t.Errorf("%s: %d of %d steps leave the port's windows other than Linux's; the first:", name, rep.differing, rep.calls)
				for _, s := range rep.first {
					t.Error(s)
				}
			}
			t.Logf("%d calls, cwnd at the end %d", rep.calls, h.Cwnd())
		})
	}
}

// TestPortsMatchKernelTraces runs each matched port and its Linux module
// over the shipped bottleneck, each on its own: the cwnd sampled every
// 100 ms is the same throughout, and so are the congestion events.
func TestPortsMatchKernelTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s runs of the bottleneck; skipped in -short")
	}
	for _, name := range matchedPorts {
		t.Run(name, func(t *testing.T) {
			needModule(t, name)
			registerRecorder(t, "rec-"+name, name)
			registerRecorder(t, "rec-kernel-"+name, "kernel:"+name)
			port := readSamples(t, runBottleneck(t, "rec-"+name))
			kern := readSamples(t, runBottleneck(t, "rec-kernel-"+name))
			eventsMu.Lock()
			ep, ek := events["rec-"+name], events["rec-kernel-"+name]
			eventsMu.Unlock()
			if len(ep) != len(ek) {
				t.Errorf("congestion events: %s %d, kernel:%s %d", name, len(ep), name, len(ek))
			}
			for i := range min(len(ep), len(ek)) {
				if ep[i].Kind != ek[i].Kind || ep[i].Now != ek[i].Now {
					t.Errorf("event %d: %s at %v (%s), %s at %v (kernel)", i, ep[i].Kind, ep[i].Now, name, ek[i].Kind, ek[i].Now)
					break
				}
			}
			if len(port) != len(kern) {
				t.Fatalf("samples: %s %d, kernel:%s %d", name, len(port), name, len(kern))
			}
			differing := 0
			for i := range port {
				if port[i].cwnd != kern[i].cwnd {
					if differing == 0 {
						t.Errorf("t=%.1fs: cwnd %v (%s) vs %v (kernel:%s)", port[i].t, port[i].cwnd, name, kern[i].cwnd, name)
					}
					differing++
				}
			}
			if differing > 0 {
				t.Errorf("%d of %d cwnd samples differ", differing, len(port))
			}
			t.Logf("%d congestion events, %d samples", len(ep), len(port))
		})
	}
}

// TestTwinsReport is a diagnostic: it prints, for each ported module, how
// often the port's windows differ from Linux's on the same ACKs.
func TestTwinsReport(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s runs of the bottleneck; skipped in -short")
	}
	for _, name := range []string{"highspeed", "westwood", "vegas", "reno", "dctcp", "scalable", "cubic", "bbr"} {
		t.Run(name, func(t *testing.T) {
			r := runTwins(t, name)
			t.Logf("%s: %d of %d calls differ", name, r.differing, r.calls)
			for _, s := range r.first {
				t.Log(s)
			}
		})
	}
}
