package cc_test

// Scripted tests of BBR v1 (bbr.go). A bbrPath plays the sender and the
// path: every ACK carries a delivery-rate sample of exactly the path's
// rate and an RTT sample of exactly its RTT, and the sender keeps as much
// in flight as the test says (the window, a fixed amount, or nothing new).
// Round trips are the algorithm's: a round ends at the first ACK that
// delivers a byte sent after the round began, so round() acknowledges what
// was in flight when it was called.
//
// The path is 8 Mbit/s behind 100 ms with 1000-byte segments: one segment
// per millisecond, a BDP of 100000 bytes. At these rates the send quantum
// is two segments in every state, so the windows are round numbers:
//
//	inflight(1)    = 100000 + 3·2000              = 106000
//	inflight(5/4)  = 125000 + 6000 → even, +2000  = 134000
//	ProbeBW target = 200000 + 6000 (+2000 at 5/4) = 206000 (208000)
//	Startup target = ⌈2/ln2·100000⌉ + 6000 → even = 296000
//
// and the pacing rates are gain · 8 Mbit/s, truncated, less 1%:
//
//	5/4: 9900000   3/4: 5940000   1: 7920000
//	2/ln2: 22852288   ln2/2: 2744862

import (
	"math"
	"slices"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

const (
	bbrMSS    = 1000
	bbrIW     = 10 * bbrMSS
	bbrRTT    = 100 * units.Millisecond
	bbrBw     = 8 * units.MbitPerSecond
	bbrGreedy = -1

	bbrInflight1      = 106000
	bbrInflightProbe  = 134000
	bbrTarget         = 206000
	bbrTargetProbe    = 208000
	bbrStartupTarget  = 296000
	bbrPaceProbe      = 9900000
	bbrPaceDrainQueue = 5940000
	bbrPaceCruise     = 7920000
	bbrPaceStartup    = 22852288
	bbrPaceDrain      = 2744862
)

var (
	bbrHighGain   = 2 / math.Ln2
	bbrDrainGain  = 1 / bbrHighGain
	bbrCycleGains = [8]float64{1.25, 0.75, 1, 1, 1, 1, 1, 1}
)

// bbrSend is one transmission: bytes up to end, sent when the connection
// had delivered deliveredAtSend.
type bbrSend struct{ end, deliveredAtSend int64 }

type bbrPath struct {
	t   testing.TB
	alg cc.CongestionControl
	now units.Time

	sent, delivered int64
	sends           []bbrSend

	bw  units.Rate
	rtt units.Duration
	// limit is what the sender keeps in flight: bbrGreedy for the window,
	// otherwise that many bytes (0: send nothing new).
	limit      int
	appLimited bool
	inRecovery bool

	// rounds counts round trips by the rule BBR uses, from the first ACK;
	// roundEnd is the Sent that ends the current one.
	rounds   int
	roundEnd int64
	begun    bool

	ack cc.Ack
	ev  cc.Event
}

// newBBRPath initializes BBR at time start on the 8 Mbit/s, 100 ms path
// and sends the initial window.
func newBBRPath(t testing.TB, start units.Time) *bbrPath {
	t.Helper()
	alg, err := cc.New("bbr")
	if err != nil {
		t.Fatal(err)
	}
	p := &bbrPath{t: t, alg: alg, now: start, bw: bbrBw, rtt: bbrRTT, limit: bbrGreedy}
	alg.Init(start, bbrMSS, bbrIW)
	p.refill()
	return p
}

func (p *bbrPath) inflight() int { return int(p.sent - p.delivered) }

// refill sends new data up to the sender's limit.
func (p *bbrPath) refill() {
	target := p.limit
	if target == bbrGreedy {
		target = p.alg.Cwnd()
	}
	if p.appLimited || p.inflight() >= target {
		return
	}
	n := int64(target - p.inflight())
	p.sends = append(p.sends, bbrSend{end: p.sent + n, deliveredAtSend: p.delivered})
	p.sent += n
}

// priorDelivered is the delivered count when the last byte just delivered
// was sent: the rate sample's P.delivered.
func (p *bbrPath) priorDelivered() int64 {
	for len(p.sends) > 1 && p.sends[0].end < p.delivered {
		p.sends = p.sends[1:]
	}
	return p.sends[0].deliveredAtSend
}

// ackLost delivers one ACK now for bytes, reporting lost bytes newly deemed
// lost. Lost data is retransmitted at once, so it stays in flight.
func (p *bbrPath) ackLost(bytes, lost int) *cc.Ack {
	p.t.Helper()
	prior := p.inflight()
	if bytes <= 0 || bytes > prior {
		p.t.Fatalf("at %v: an ACK of %d bytes with %d in flight", p.now, bytes, prior)
	}
	if p.bw%8 != 0 {
		p.t.Fatalf("path rate %v is not a whole number of bytes per second", p.bw)
	}
	p.delivered += int64(bytes)
	switch {
	case !p.begun:
		p.begun, p.roundEnd = true, p.sent
	case p.delivered > p.roundEnd:
		p.roundEnd = p.sent
		p.rounds++
	}
	p.ack = cc.Ack{
		Now:           p.now,
		Acked:         bytes,
		RTT:           p.rtt,
		MinRTT:        p.rtt,
		SRTT:          p.rtt,
		PriorInflight: prior,
		Inflight:      p.inflight(),
		InRecovery:    p.inRecovery,
		AppLimited:    p.appLimited,
		Delivered:     p.delivered,
		Sent:          p.sent,
		Lost:          lost,
		Rate: cc.RateSample{
			Valid:          p.bw > 0,
			Delivered:      int64(p.bw / 8),
			Interval:       units.Second,
			PriorDelivered: p.priorDelivered(),
			IsAppLimited:   p.appLimited,
			RTT:            p.rtt,
		},
	}
	if got := p.ack.Rate.DeliveryRate(); got != p.bw {
		p.t.Fatalf("the scripted sample measures %v, want %v", got, p.bw)
	}
	p.alg.OnAck(&p.ack)
	p.refill()
	return &p.ack
}

func (p *bbrPath) ackOne() *cc.Ack {
	p.t.Helper()
	return p.ackLost(bbrMSS, 0)
}

// round acknowledges what is in flight, a segment per ACK spread evenly
// over one RTT, calling each (if not nil) after every ACK.
func (p *bbrPath) round(each func(a *cc.Ack)) {
	p.t.Helper()
	total := p.inflight()
	n := (total + bbrMSS - 1) / bbrMSS
	start := p.now
	for i := 1; i <= n; i++ {
		p.now = start.Add(p.rtt * units.Duration(i) / units.Duration(n))
		a := p.ackLost(min(bbrMSS, total), 0)
		total -= bbrMSS
		if each != nil {
			each(a)
		}
	}
}

// tick advances the clock by d and acknowledges one segment.
func (p *bbrPath) tick(d units.Duration) *cc.Ack {
	p.t.Helper()
	p.now = p.now.Add(d)
	return p.ackOne()
}

func (p *bbrPath) event(kind cc.EventKind) {
	p.ev = cc.Event{Kind: kind, Now: p.now, Inflight: p.inflight()}
	p.alg.OnCongestion(&p.ev)
	p.refill()
}

func (p *bbrPath) phase() string { return p.alg.Phase() }

// internal reads one value BBR exposes through Inspect.
func (p *bbrPath) internal(name string) float64 {
	p.t.Helper()
	var in cc.Internals
	p.alg.(cc.Inspector).Inspect(&in)
	for i := range in.N {
		if in.Names[i] == name {
			return in.Values[i]
		}
	}
	p.t.Fatalf("Inspect reports no %q", name)
	return 0
}

func (p *bbrPath) cycleIndex() int { return int(p.internal("cycle_idx")) }

func (p *bbrPath) expectPhase(want string) {
	p.t.Helper()
	if got := p.phase(); got != want {
		p.t.Fatalf("at %v: phase %s, want %s", p.now, got, want)
	}
}

func (p *bbrPath) expectCwnd(want int) {
	p.t.Helper()
	if got := p.alg.Cwnd(); got != want {
		p.t.Fatalf("at %v (%s): cwnd %d, want %d", p.now, p.phase(), got, want)
	}
}

func (p *bbrPath) expectPacing(want units.Rate) {
	p.t.Helper()
	if got := p.alg.PacingRate(); got != want {
		p.t.Fatalf("at %v (%s): pacing rate %d bit/s, want %d", p.now, p.phase(), got, want)
	}
}

func (p *bbrPath) expectGains(pacing, cwnd float64) {
	p.t.Helper()
	if g, c := p.internal("pacing_gain"), p.internal("cwnd_gain"); g != pacing || c != cwnd {
		p.t.Fatalf("at %v (%s): gains pacing %v cwnd %v, want %v and %v", p.now, p.phase(), g, c, pacing, cwnd)
	}
}

// endStartup runs Startup on the constant path, a segment acknowledged
// every millisecond. The first round (the initial window) measures half
// the path's rate and the second the whole of it, so Startup sees one
// round of growth and three without, and the pipe is full at the fifth
// round start, with more than a BDP in flight: Drain follows.
func (p *bbrPath) endStartup() {
	p.t.Helper()
	bw := p.bw
	p.bw = bw / 2
	for i := 0; p.phase() == "startup"; i++ {
		if i == bbrIW/bbrMSS {
			p.bw = bw
		}
		p.tick(units.Millisecond)
	}
	p.bw = bw
}

// toProbeBW runs Startup and Drain, the sender holding back in Drain, and
// returns with inflight held at hold bytes.
func (p *bbrPath) toProbeBW(hold int) {
	p.t.Helper()
	p.endStartup()
	p.limit = 0
	for p.phase() == "drain" {
		p.tick(units.Millisecond)
	}
	p.expectPhase("probe_bw")
	p.limit = hold
	p.refill()
}

// settle acknowledges a segment a millisecond until inflight is down to
// the sender's limit.
func (p *bbrPath) settle() {
	p.t.Helper()
	for p.inflight() > p.limit {
		p.tick(units.Millisecond)
	}
}

// toCyclePhase acknowledges a segment a millisecond until the gain cycle
// is at phase i.
func (p *bbrPath) toCyclePhase(i int) {
	p.t.Helper()
	for start := p.now; p.cycleIndex() != i; {
		if p.now.Sub(start) > 9*(p.rtt+units.Millisecond) {
			p.t.Fatalf("gain cycle never reached phase %d", i)
		}
		p.tick(units.Millisecond)
	}
}

func TestBBRInit(t *testing.T) {
	p := newBBRPath(t, 0)
	p.expectPhase("startup")
	p.expectCwnd(bbrIW)
	if s := p.alg.Ssthresh(); s != cc.InfiniteSsthresh {
		t.Fatalf("ssthresh %d, want infinite", s)
	}
	p.expectGains(bbrHighGain, bbrHighGain)
	// 2/ln2 · 10000 bytes per 1 ms, less 1%.
	p.expectPacing(228522893)
	if p.internal("min_rtt") != 0 || p.internal("btl_bw") != 0 || p.internal("phase") != 0 {
		t.Fatal("a new connection reports a model it has not measured")
	}
	if cc.Describe("bbr") == "" {
		t.Fatal("no description")
	}

	// The first smoothed RTT replaces the 1 ms guess: 2/ln2 · 10000 bytes
	// per 100 ms, less 1%. This ACK has no rate sample to raise it.
	p.bw = 0
	p.tick(bbrRTT)
	p.expectPacing(2285228)
	// The first sample at 8 Mbit/s raises it to the Startup rate.
	p.bw = bbrBw
	p.tick(units.Millisecond)
	p.expectPacing(bbrPaceStartup)
}

func TestBBRStartupExitsAfterThreeRoundsWithoutGrowth(t *testing.T) {
	mbps := func(ms ...units.Rate) []units.Rate {
		for i := range ms {
			ms[i] *= units.MbitPerSecond
		}
		return ms
	}
	cases := []struct {
		name string
		bw   []units.Rate // the path's rate in each round
		exit int          // the round whose first ACK enters Drain
	}{
		{"doubling then flat", mbps(1, 2, 4, 8, 8, 8, 8, 8), 7},
		// Growth by exactly 25% counts as growth and restarts the count.
		{"25% growth", append(mbps(1, 2, 4, 8, 8), 10e6, 10e6, 10e6, 10e6, 10e6), 9},
		// Growth by a hair less does not.
		{"24.9999% growth", append(mbps(1, 2, 4, 8, 8), 9_999_992, 9_999_992, 9_999_992), 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newBBRPath(t, 0)
			for r, bw := range c.bw {
				p.bw = bw
				round := r + 1
				first := true
				p.round(func(*cc.Ack) {
					want := "startup"
					if round == c.exit {
						want = "drain"
					}
					if got := p.phase(); got != want {
						t.Fatalf("round %d, first ACK %t: phase %s, want %s", round, first, got, want)
					}
					first = false
				})
				if round == c.exit {
					return
				}
			}
			t.Fatal("Startup never ended")
		})
	}

	// Startup grows cwnd by what each ACK delivers, doubling it every
	// round as slow start does, until the Startup target.
	p := newBBRPath(t, 0)
	for i, want := range []int{20000, 40000, 80000, 160000, bbrStartupTarget, bbrStartupTarget} {
		p.bw = min(units.MbitPerSecond<<i, bbrBw)
		p.round(nil)
		p.expectCwnd(want)
		p.expectPhase("startup")
	}
}

func TestBBRStartupIgnoresAppLimitedRounds(t *testing.T) {
	p := newBBRPath(t, 0)
	p.round(nil) // the first ACK is a round start (Linux): full_bw = 8 Mbit/s
	p.round(nil) // one round without growth
	p.appLimited = true
	for range 5 {
		p.round(nil)
		p.expectPhase("startup")
	}
	p.appLimited = false
	p.refill()
	p.round(nil)
	p.expectPhase("startup")
	p.round(nil)
	p.expectPhase("drain")
}

func TestBBRDrain(t *testing.T) {
	p := newBBRPath(t, 0)
	p.endStartup()
	p.expectPhase("drain")
	p.expectGains(bbrDrainGain, bbrHighGain)
	p.expectPacing(bbrPaceDrain)
	if s := p.alg.Ssthresh(); s != bbrInflight1 {
		t.Fatalf("ssthresh %d on entering Drain, want inflight(1) = %d", s, bbrInflight1)
	}
	// The sender is held back by the slow pacing rate; Drain lasts until
	// inflight is down to one BDP plus the quantization budget.
	p.limit = 0
	for {
		a := p.tick(units.Millisecond)
		if a.Inflight > bbrInflight1 {
			p.expectPhase("drain")
			continue
		}
		if a.Inflight != bbrInflight1 {
			t.Fatalf("Drain ended at inflight %d, want %d", a.Inflight, bbrInflight1)
		}
		p.expectPhase("probe_bw")
		break
	}
	p.expectGains(bbrCycleGains[p.cycleIndex()], 2)
}

// TestBBRProbeBWGainCycle holds inflight at 150000 bytes, above what every
// phase needs to end on time, and acknowledges a segment every millisecond:
// every phase then lasts the first millisecond longer than RTprop.
func TestBBRProbeBWGainCycle(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	idx, stamp := p.cycleIndex(), p.now
	if idx == 1 {
		t.Fatal("ProbeBW started in the 3/4 phase")
	}
	var seen []float64
	for len(seen) < 16 {
		p.tick(units.Millisecond)
		if i := p.cycleIndex(); i != idx {
			if i != (idx+1)%8 {
				t.Fatalf("phase %d followed by %d", idx, i)
			}
			if d := p.now.Sub(stamp); len(seen) > 0 && d != bbrRTT+units.Millisecond {
				t.Fatalf("phase %d lasted %v, want RTprop and one ACK, %v", idx, d, bbrRTT+units.Millisecond)
			}
			seen = append(seen, bbrCycleGains[idx])
			idx, stamp = i, p.now
		}
		gain := bbrCycleGains[idx]
		p.expectGains(gain, 2)
		switch gain {
		case 1.25:
			p.expectPacing(bbrPaceProbe)
		case 0.75:
			p.expectPacing(bbrPaceDrainQueue)
		default:
			p.expectPacing(bbrPaceCruise)
		}
		// cwnd snaps down to the target at once and climbs to it by
		// what each ACK delivers.
		if p.now.Sub(stamp) >= 10*units.Millisecond {
			if idx == 0 {
				p.expectCwnd(bbrTargetProbe)
			} else {
				p.expectCwnd(bbrTarget)
			}
		}
	}
	// Two full cycles, in order, from wherever the first one began.
	start := slices.Index(seen, 1.25)
	if start < 0 || start > 7 || !slices.Equal(seen[start:start+8], bbrCycleGains[:]) {
		t.Fatalf("gains %v, want the cycle %v", seen, bbrCycleGains)
	}
}

func TestBBRProbeBWPhaseExits(t *testing.T) {
	t.Run("5/4 waits for inflight", func(t *testing.T) {
		p := newBBRPath(t, 0)
		p.toProbeBW(150000)
		p.toCyclePhase(0)
		p.limit = bbrInflightProbe - 1000 // PriorInflight is one short
		for range 300 {
			p.tick(units.Millisecond)
		}
		if p.cycleIndex() != 0 {
			t.Fatalf("the 5/4 phase ended at inflight %d < %d", p.inflight(), bbrInflightProbe)
		}
		p.limit = bbrInflightProbe
		p.refill()
		p.tick(units.Millisecond)
		if p.cycleIndex() != 1 {
			t.Fatalf("the 5/4 phase went on at inflight %d", bbrInflightProbe)
		}
	})
	t.Run("5/4 ends at a loss", func(t *testing.T) {
		p := newBBRPath(t, 0)
		p.toProbeBW(120000)
		p.toCyclePhase(0)
		for range 300 {
			p.tick(units.Millisecond)
		}
		p.now = p.now.Add(units.Millisecond)
		p.ackLost(bbrMSS, bbrMSS)
		if p.cycleIndex() != 1 {
			t.Fatal("a loss did not end the 5/4 phase")
		}
	})
	t.Run("3/4 ends when inflight is down to one BDP", func(t *testing.T) {
		p := newBBRPath(t, 0)
		p.toProbeBW(150000)
		p.toCyclePhase(1)
		p.limit = 0
		for p.cycleIndex() == 1 {
			a := p.tick(units.Millisecond)
			if p.cycleIndex() == 1 && a.PriorInflight <= bbrInflight1 {
				t.Fatalf("the 3/4 phase went on at inflight %d", a.PriorInflight)
			}
		}
		if p.ack.PriorInflight != bbrInflight1 {
			t.Fatalf("the 3/4 phase ended at inflight %d, want %d", p.ack.PriorInflight, bbrInflight1)
		}
	})
}

// TestBBRSendQuantum reads the quantization budget off the ProbeBW target,
// 2·BDP + 3 quanta rounded up to an even number of segments (+2 segments at
// 5/4), on three paths with a BDP of 100000 bytes.
func TestBBRSendQuantum(t *testing.T) {
	cases := []struct {
		name   string
		bw     units.Rate
		rtt    units.Duration
		target [3]int // cwnd in phases 0 (5/4), 1 (3/4) and 2 (1)
	}{
		// Paced at 1.2375, 0.7425 and 0.99 Mbit/s: one segment, except at
		// 5/4.
		{"1 segment below 1.2 Mbit/s", units.MbitPerSecond, 800 * units.Millisecond,
			[3]int{200000 + 6000 + 2000, 200000 + 4000, 200000 + 4000}},
		// Paced at 19.8, 11.88 and 15.84 Mbit/s: two segments.
		{"2 segments below 24 Mbit/s", 16 * units.MbitPerSecond, 50 * units.Millisecond,
			[3]int{200000 + 6000 + 2000, 206000, 206000}},
		// Paced at 99, 59.4 and 79.2 Mbit/s: 1 ms is 12375, 7425 and
		// 9900 bytes, 12, 7 and 9 whole segments.
		{"1 ms above", 80 * units.MbitPerSecond, 10 * units.Millisecond,
			[3]int{236000 + 2000, 222000, 228000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newBBRPath(t, 0)
			p.bw, p.rtt = c.bw, c.rtt
			p.toProbeBW(bbrGreedy)
			// cwnd climbs to the target a segment per ACK.
			for range 400 {
				p.tick(units.Millisecond / 2)
			}
			for i, want := range c.target {
				p.toCyclePhase(i)
				for range 12 {
					p.tick(units.Millisecond / 2)
				}
				p.expectCwnd(want)
			}
		})
	}
}

func TestBBRStartPhaseIsRandomButNever3Quarters(t *testing.T) {
	counts := make(map[int]int)
	for i := range 140 {
		p := newBBRPath(t, units.Time(i)*units.Time(units.Microsecond))
		p.rtt = 10 * units.Millisecond // a small BDP keeps this quick
		p.toProbeBW(bbrGreedy)
		counts[p.cycleIndex()]++
	}
	if counts[1] != 0 {
		t.Fatalf("ProbeBW started %d times in the 3/4 phase", counts[1])
	}
	for _, i := range []int{0, 2, 3, 4, 5, 6, 7} {
		if counts[i] < 5 {
			t.Fatalf("start phases %v: phase %d too rare for a uniform draw", counts, i)
		}
	}
}

// TestBBRProbeRTT lets RTprop age: every RTT sample is 20 ms above it, so
// after 10 s BBR must drain the queue itself.
func TestBBRProbeRTT(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	// One sample a nanosecond below RTprop refreshes it now: only a
	// strictly smaller sample does, as in Linux.
	p.rtt -= units.Nanosecond
	p.tick(units.Millisecond)
	lastMin := p.now
	p.rtt = 120 * units.Millisecond
	for p.phase() == "probe_bw" {
		p.tick(units.Millisecond)
	}
	p.expectPhase("probe_rtt")
	if d := p.now.Sub(lastMin); d != 10*units.Second+units.Millisecond {
		t.Fatalf("ProbeRTT after %v without a new RTprop, want the first ACK after 10 s", d)
	}
	// The expired estimate took the sample it had.
	if m := p.internal("min_rtt"); m != 120 {
		t.Fatalf("min_rtt %v ms, want 120", m)
	}
	p.expectCwnd(4 * bbrMSS)
	p.expectGains(1, 1)
	p.expectPacing(bbrPaceCruise)

	// The sender drains to four segments; the queue goes with it.
	p.limit = bbrGreedy
	p.rtt = bbrRTT
	var done units.Time
	for done == 0 {
		if a := p.tick(units.Millisecond); a.Inflight <= 4*bbrMSS {
			done = p.now.Add(200 * units.Millisecond)
		}
		p.expectPhase("probe_rtt")
		p.expectCwnd(4 * bbrMSS)
	}
	// Four segments a round for at least 200 ms and a round.
	for p.phase() == "probe_rtt" {
		if p.now > done {
			t.Fatalf("ProbeRTT still on at %v, past %v", p.now, done)
		}
		p.round(func(*cc.Ack) {
			if p.phase() != "probe_rtt" && p.now <= done {
				t.Fatalf("ProbeRTT ended at %v, before %v", p.now, done)
			}
		})
	}
	p.expectPhase("probe_bw")
	if m := p.internal("min_rtt"); m != 100 {
		t.Fatalf("min_rtt %v ms after ProbeRTT, want 100", m)
	}
	// The window before ProbeRTT is back, capped at the target of the
	// phase ProbeBW starts in.
	if p.cycleIndex() == 0 {
		p.expectCwnd(bbrTargetProbe)
	} else {
		p.expectCwnd(bbrTarget)
	}
	if bw := p.internal("btl_bw"); bw != float64(bbrBw) {
		t.Fatalf("btl_bw %v after ProbeRTT, want %v", bw, bbrBw)
	}
}

// TestBBRProbeRTTLastsARound: when a round trip takes longer than 200 ms,
// ProbeRTT waits for it.
func TestBBRProbeRTTLastsARound(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	p.rtt = 120 * units.Millisecond
	for p.phase() == "probe_bw" {
		p.tick(units.Millisecond)
	}
	p.limit = bbrGreedy
	for p.inflight() > 4*bbrMSS {
		p.tick(units.Millisecond)
	}
	p.expectPhase("probe_rtt")
	// Inflight reached four segments now: 200 ms from here at the least,
	// but the four segments in flight were sent before, and the round
	// lasts until one sent after is delivered.
	p.rtt = 400 * units.Millisecond
	stamp := p.now
	p.round(func(*cc.Ack) {
		if p.phase() != "probe_rtt" {
			t.Fatalf("ProbeRTT ended %v after inflight reached four segments, within the round", p.now.Sub(stamp))
		}
	})
	if p.now.Sub(stamp) <= 200*units.Millisecond {
		t.Fatalf("the round took only %v", p.now.Sub(stamp))
	}
	p.tick(p.rtt / 4)
	p.expectPhase("probe_bw")
}

// TestBBRProbeRTTToStartup: a flow that never filled the pipe goes back to
// Startup after ProbeRTT.
func TestBBRProbeRTTToStartup(t *testing.T) {
	p := newBBRPath(t, 0)
	p.round(nil)
	p.appLimited = true
	p.rtt = 120 * units.Millisecond
	for p.phase() == "startup" {
		p.tick(units.Millisecond)
		if p.inflight() == 0 {
			p.appLimited = false
			p.limit = bbrMSS
			p.refill()
			p.limit = bbrGreedy
			p.appLimited = true
		}
	}
	p.expectPhase("probe_rtt")
	p.appLimited = false
	p.rtt = bbrRTT
	for range 5 {
		p.round(nil)
	}
	p.expectPhase("startup")
	p.expectGains(bbrHighGain, bbrHighGain)
}

// TestBBRProbeRTTSamplesAreAppLimited: on a 10 ms path ProbeRTT lasts 20
// rounds, twice the BtlBw window. Its four-segment rounds deliver at 3.2
// Mbit/s; counted, they would replace the 8 Mbit/s estimate.
func TestBBRProbeRTTSamplesAreAppLimited(t *testing.T) {
	p := newBBRPath(t, 0)
	p.rtt = 10 * units.Millisecond
	p.toProbeBW(15000)
	p.rtt = 12 * units.Millisecond
	for p.phase() != "probe_rtt" {
		p.tick(units.Millisecond)
	}
	p.limit = bbrGreedy
	p.rtt = 10 * units.Millisecond
	p.bw = 3_200_000
	for p.phase() == "probe_rtt" {
		p.round(nil)
	}
	if bw := p.internal("btl_bw"); bw != float64(bbrBw) {
		t.Fatalf("btl_bw %v after ProbeRTT, want %v", bw, bbrBw)
	}
}

func TestBBRAppLimitedSamples(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	// Application-limited samples below the estimate are ignored ...
	p.appLimited, p.bw = true, 4*units.MbitPerSecond
	for range 20 {
		p.round(nil)
		p.appLimited = false
		p.limit = 150000
		p.refill()
		p.appLimited = true
	}
	if bw := p.internal("btl_bw"); bw != float64(bbrBw) {
		t.Fatalf("btl_bw %v after app-limited samples at 4 Mbit/s, want %v", bw, bbrBw)
	}
	// ... but raise it when they are above.
	p.bw = 12 * units.MbitPerSecond
	p.tick(units.Millisecond)
	if bw := p.internal("btl_bw"); bw != 12e6 {
		t.Fatalf("btl_bw %v after an app-limited sample at 12 Mbit/s, want 12e6", bw)
	}
	// Samples that are not application limited age the maximum out after
	// ten rounds.
	p.appLimited, p.bw = false, 4*units.MbitPerSecond
	for range 12 {
		p.round(nil)
	}
	if bw := p.internal("btl_bw"); bw != 4e6 {
		t.Fatalf("btl_bw %v after 12 rounds at 4 Mbit/s, want 4e6", bw)
	}
}

func TestBBRFastRecovery(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	p.toCyclePhase(3)
	p.expectCwnd(bbrTarget)
	p.inRecovery = true
	p.event(cc.Loss)
	p.limit = bbrGreedy
	// Packet conservation: cwnd is what is in flight, and each ACK lets
	// out what it delivered, less what it reports lost.
	p.tick(units.Millisecond)
	p.expectCwnd(150000)
	p.now = p.now.Add(units.Millisecond)
	p.ackLost(bbrMSS, 3*bbrMSS)
	p.expectCwnd(150000)
	// The round began at the ACK that cut the window (Linux's
	// next_rtt_delivered = delivered); it ends when the first segment sent
	// after it is delivered, behind the 148000 bytes in flight before it,
	// and from that ACK on cwnd grows by what each ACK delivers.
	start := p.delivered
	p.round(func(*cc.Ack) {
		if p.delivered <= start+148000 {
			p.expectCwnd(150000)
		}
	})
	p.expectCwnd(152000)
	p.tick(units.Millisecond)
	p.expectCwnd(153000)
	// Recovery over: the window from before it is back, and ssthresh is
	// the one BDP Drain set.
	p.inRecovery = false
	p.event(cc.RecoveryExit)
	p.expectCwnd(bbrTarget)
	p.expectPhase("probe_bw")
	if s := p.alg.Ssthresh(); s != bbrInflight1 {
		t.Fatalf("ssthresh %d after recovery, want %d", s, bbrInflight1)
	}
}

func TestBBRRetransmissionTimeout(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	p.toCyclePhase(3)
	p.expectCwnd(bbrTarget)
	p.limit = bbrGreedy
	outstanding := p.sent
	p.event(cc.RTO)
	p.expectCwnd(bbrMSS)
	// The window is never below four segments, and grows by what each ACK
	// delivers, until everything outstanding at the timeout is delivered.
	p.tick(units.Millisecond)
	p.expectCwnd(4 * bbrMSS)
	p.tick(units.Millisecond)
	p.expectCwnd(5 * bbrMSS)
	for p.delivered+bbrMSS < outstanding {
		p.tick(units.Millisecond)
	}
	if p.alg.Cwnd() >= bbrTarget {
		t.Fatalf("cwnd %d restored before recovery ended", p.alg.Cwnd())
	}
	p.tick(units.Millisecond)
	p.expectCwnd(bbrTarget)
}

func TestBBRIdleRestart(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	p.toCyclePhase(0)
	p.expectPacing(bbrPaceProbe)
	// Back from idle: pace at the estimate, and let the first samples
	// refresh an RTprop that aged while idle instead of entering ProbeRTT.
	p.now = p.now.Add(11 * units.Second)
	p.event(cc.IdleRestart)
	p.expectPacing(bbrPaceCruise)
	p.rtt = 150 * units.Millisecond
	p.tick(units.Millisecond)
	p.expectPhase("probe_bw")
	if m := p.internal("min_rtt"); m != 150 {
		t.Fatalf("min_rtt %v ms after idle, want the first sample, 150", m)
	}
}

func TestBBRIgnoresECN(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(150000)
	p.toCyclePhase(3)
	p.event(cc.ECN)
	p.expectCwnd(bbrTarget)
	p.expectPacing(bbrPaceCruise)
}

// policedRound is one round through a token-bucket policer emptied long
// ago: ten segments get through, gap apart, while the rate samples show
// the 8 Mbit/s bursts the bucket lets through; the last ACK reports lost
// bytes. With gap 25 ms a round takes 250 ms and delivers 10000 bytes:
// 320 kbit/s.
func (p *bbrPath) policedRound(gap units.Duration, lost int) {
	p.t.Helper()
	for i := 1; i <= 10; i++ {
		p.now = p.now.Add(gap)
		if i < 10 {
			p.ackOne()
		} else {
			p.ackLost(bbrMSS, lost)
		}
	}
}

const (
	bbrPoliceGap  = 25 * units.Millisecond
	bbrPoliceLoss = 3 * bbrMSS // 30% of what a round delivers
)

func TestBBRLongTermPolicerModel(t *testing.T) {
	p := newBBRPath(t, 0)
	p.toProbeBW(10000)
	p.settle()
	// Round 1's loss starts the first interval; rounds 2-5 complete it at
	// 320 kbit/s, rounds 6-9 the second, at the same rate.
	for r := 1; r <= 9; r++ {
		p.policedRound(bbrPoliceGap, bbrPoliceLoss)
		want := 0.0
		if r == 9 {
			want = 1
		}
		if got := p.internal("lt_use_bw"); got != want {
			t.Fatalf("after policed round %d: lt_use_bw %v, want %v", r, got, want)
		}
	}
	if bw := p.internal("lt_bw"); bw != 320000 {
		t.Fatalf("lt_bw %v, want 320000", bw)
	}
	if bw := p.internal("btl_bw"); bw != float64(bbrBw) {
		t.Fatalf("btl_bw %v, want the burst rate %v", bw, bbrBw)
	}
	// Pace at the policed rate, gain 1, whatever the cycle phase, until
	// the 48th round starts.
	detected := p.rounds
	for i := 1; ; i++ {
		// The scripted RTT creeps down by a nanosecond per ACK so that
		// RTprop keeps being refreshed: with a perfectly constant RTT
		// ProbeRTT would start at 10 s, and this path, which keeps its
		// flight whatever cwnd says, could never finish it.
		p.rtt -= units.Nanosecond
		p.now = p.now.Add(bbrPoliceGap)
		lost := 0
		if i%10 == 0 {
			lost = bbrPoliceLoss
		}
		p.ackLost(bbrMSS, lost)
		if p.rounds-detected == 48 {
			break
		}
		p.expectGains(1, 2)
		p.expectPacing(316800)
		if p.internal("lt_use_bw") != 1 {
			t.Fatalf("the policer model ended %d rounds after it began", p.rounds-detected)
		}
	}
	if p.internal("lt_use_bw") != 0 || p.internal("lt_bw") != 0 {
		t.Fatal("the policer model outlived 48 rounds")
	}
	p.expectGains(bbrCycleGains[p.cycleIndex()], 2)
}

func TestBBRLongTermNeedsLossAndConsistency(t *testing.T) {
	t.Run("10% loss", func(t *testing.T) {
		p := newBBRPath(t, 0)
		p.toProbeBW(10000)
		p.settle()
		for range 30 {
			p.policedRound(bbrPoliceGap, bbrMSS)
		}
		if p.internal("lt_use_bw") != 0 {
			t.Fatal("the policer model engaged at 10% loss")
		}
	})
	t.Run("rates differ", func(t *testing.T) {
		p := newBBRPath(t, 0)
		p.toProbeBW(10000)
		p.settle()
		for range 5 {
			p.policedRound(bbrPoliceGap, bbrPoliceLoss) // first interval: 320 kbit/s
		}
		// The second interval delivers 20% slower, 256 kbit/s: not the
		// same policer rate.
		slower := bbrPoliceGap * 5 / 4
		for range 4 {
			p.policedRound(slower, bbrPoliceLoss)
		}
		if p.internal("lt_use_bw") != 0 || p.internal("lt_bw") != 256000 {
			t.Fatalf("lt_use_bw %v lt_bw %v, want 0 and 256000", p.internal("lt_use_bw"), p.internal("lt_bw"))
		}
		// A third interval consistent with the second one is.
		for range 4 {
			p.policedRound(slower, bbrPoliceLoss)
		}
		if p.internal("lt_use_bw") != 1 || p.internal("lt_bw") != 256000 {
			t.Fatalf("lt_use_bw %v lt_bw %v, want 1 and 256000", p.internal("lt_use_bw"), p.internal("lt_bw"))
		}
	})
}

// bbrTrace runs a script through every state and event and records what
// BBR answers after each step.
func bbrTrace(t *testing.T, start units.Time) []float64 {
	p := newBBRPath(t, start)
	var trace []float64
	record := func() {
		var in cc.Internals
		p.alg.(cc.Inspector).Inspect(&in)
		trace = append(trace, float64(p.alg.Cwnd()), float64(p.alg.PacingRate()))
		trace = append(trace, in.Values[:in.N]...)
	}
	for range 6 {
		p.round(func(*cc.Ack) { record() })
	}
	p.limit = 0
	for p.phase() == "drain" {
		p.tick(units.Millisecond)
		record()
	}
	p.limit = 150000
	p.refill()
	for range 3000 {
		p.tick(units.Millisecond)
		record()
	}
	p.inRecovery = true
	p.event(cc.Loss)
	record()
	p.round(func(*cc.Ack) { record() })
	p.inRecovery = false
	p.event(cc.RecoveryExit)
	record()
	for range 20 {
		p.policedRound(bbrPoliceGap, bbrPoliceLoss)
		record()
	}
	p.event(cc.RTO)
	record()
	p.rtt = 130 * units.Millisecond
	for range 11000 {
		p.tick(units.Millisecond)
		record()
	}
	return trace
}

func TestBBRDeterministic(t *testing.T) {
	a, b := bbrTrace(t, 0), bbrTrace(t, 0)
	if !slices.Equal(a, b) {
		t.Fatal("two runs with the same inputs differ")
	}
	if c := bbrTrace(t, 3*units.Time(units.Microsecond)); slices.Equal(a, c) {
		t.Fatal("a different start time drew the same ProbeBW phases")
	}
}

// TestBBRSeeding: the ProbeBW start phase comes from the connection's seed
// and the time ProbeBW begins, nothing else.
func TestBBRSeeding(t *testing.T) {
	// startPhase runs a connection initialized at init, seeded with seed
	// unless it is 0, whose first ACK comes at first.
	startPhase := func(init units.Time, seed uint64, first units.Time) int {
		p := newBBRPath(t, init)
		if seed != 0 {
			p.alg.(interface{ SetSeed(uint64) }).SetSeed(seed)
		}
		p.rtt = 10 * units.Millisecond
		p.now = first
		p.toProbeBW(bbrGreedy)
		return p.cycleIndex()
	}
	ms := units.Time(units.Millisecond)
	bySeed, byTime, byInit := make(map[int]int), make(map[int]int), make(map[int]int)
	for i := range 70 {
		us := units.Time(i) * units.Time(units.Microsecond)
		bySeed[startPhase(0, uint64(i+1), ms)]++
		byTime[startPhase(0, 1, ms+us)]++
		byInit[startPhase(us, 0, ms)]++
	}
	if len(byInit) != 7 || byInit[1] != 0 {
		t.Fatalf("start phases by Init time %v, want all but phase 1", byInit)
	}
	if len(bySeed) != 7 || bySeed[1] != 0 {
		t.Fatalf("start phases by seed %v, want all but phase 1", bySeed)
	}
	if len(byTime) != 7 || byTime[1] != 0 {
		t.Fatalf("start phases by entry time %v, want all but phase 1", byTime)
	}
	if startPhase(0, 5, ms) != startPhase(0, 5, ms) {
		t.Fatal("the same seed and timing drew different phases")
	}
}

// Started after a handshake that measured the path, BBR paces its first
// window by the handshake's RTT and starts RTprop from it, as Linux's
// bbr_init does with srtt_us and tcp_min_rtt; a second Init without a
// handshake goes back to the 1 ms guess.
func TestBBRInitFromTheHandshake(t *testing.T) {
	alg, err := cc.New("bbr")
	if err != nil {
		t.Fatal(err)
	}
	h, ok := alg.(cc.HandshakeRTTReader)
	if !ok {
		t.Fatal("bbr does not read the handshake's RTT")
	}
	h.HandshakeRTT(bbrRTT, bbrRTT)
	alg.Init(0, bbrMSS, bbrIW)
	// 2/ln2 · 10000 bytes per 100 ms, less 1%: what TestBBRInit reaches
	// only at the first RTT sample.
	if got := alg.PacingRate(); got != 2285228 {
		t.Errorf("pacing rate %v after a 100 ms handshake, want 2285228", got)
	}
	p := &bbrPath{t: t, alg: alg}
	if got := p.internal("min_rtt"); got != 100 {
		t.Errorf("min_rtt %v ms after a 100 ms handshake, want 100", got)
	}
	h.HandshakeRTT(0, 0)
	alg.Init(0, bbrMSS, bbrIW)
	if got := alg.PacingRate(); got != 228522893 {
		t.Errorf("pacing rate %v without a handshake sample, want the 1 ms guess's 228522893", got)
	}
}
