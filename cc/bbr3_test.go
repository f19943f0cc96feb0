package cc

import (
	"fmt"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The tests drive bbr3 with bbr3Path: a paced, window-limited sender in
// front of a FIFO bottleneck of a given rate and base RTT, whose drop-tail
// buffer is unlimited unless a test sets one. Every packet carries the delivery state it
// was sent with, and each ACK brings a rate sample computed as
// draft-cheng-iccrg-delivery-rate-estimation (and ccbench's stack) does,
// with Delivered and Sent as the stack reports them. The script says, per
// round trip, which ACKs are lost instead, which carry ECE, and optionally
// what delivery rate the samples claim, so Startup's plateau rule can be
// fed any sequence of rates.

const (
	bbr3TestMSS = 1000
	bbr3TestIW  = 10 * bbr3TestMSS
)

type bbr3Packet struct {
	sentAt, ackAt   units.Time
	deliveredAtSend int64
	deliveredTime   units.Time
	firstSentTime   units.Time
	lostAtSend      int64
	txInflight      int
	appLimited      bool
	dropped         bool
}

// bbr3Round scripts one packet-timed round trip: the ACKs of the packets
// out when it begins.
type bbr3Round struct {
	// rate, when set, is the delivery rate every sample of the round
	// reports instead of the measured one.
	rate units.Rate
	// Every lossEvery-th packet of the round is lost (0: none). Of every
	// eceEvery ACKs, the first eceMarked (at least 1) carry ECE (0: none).
	// A lost packet is declared lost by the next ACK, which SACKs; the
	// first loss starts fast recovery, and a round without loss ends it.
	lossEvery, eceEvery, eceMarked int
}

type bbr3Path struct {
	t      testing.TB
	b      *bbr3
	rtt    units.Duration // base RTT
	rate   units.Rate     // bottleneck rate
	buffer int            // bottleneck buffer in bytes, 0 for unlimited
	now    units.Time

	sent, delivered, lost int64
	inflight              int
	queue                 []bbr3Packet
	linkFree, nextSend    units.Time
	deliveredTime         units.Time
	firstSentTime         units.Time
	minRTT                units.Duration
	appLimited            bool
	inRecovery            bool
	// noSACK makes every ACK cumulative, as without RFC 2018.
	noSACK bool

	ack        Ack
	ev         Event
	cwndBefore int
	// onAck, when set, runs after every ACK the algorithm processes.
	onAck func(p *bbr3Path)
}

func newBBR3Path(t testing.TB, rate units.Rate, rtt units.Duration) *bbr3Path {
	return newBBR3PathAt(t, rate, rtt, 0)
}

// newBBR3PathAt starts the connection at time start, which also seeds its
// random generator.
func newBBR3PathAt(t testing.TB, rate units.Rate, rtt units.Duration, start units.Time) *bbr3Path {
	p := &bbr3Path{t: t, b: new(bbr3), rtt: rtt, rate: rate, now: start, nextSend: start}
	p.b.Init(start, bbr3TestMSS, bbr3TestIW)
	p.sendDue()
	return p
}

// sendDue sends every packet cwnd and the pacer allow at p.now. The pacer
// keeps at most one base RTT of unused credit.
func (p *bbr3Path) sendDue() {
	p.nextSend = units.MaxTime(p.nextSend, p.now.Add(-p.rtt))
	for !p.appLimited && p.inflight+bbr3TestMSS <= p.b.Cwnd() && p.nextSend <= p.now {
		if p.inflight == 0 {
			// A new flight: the rate sampler restarts its clocks.
			p.firstSentTime, p.deliveredTime = p.now, p.now
		}
		p.inflight += bbr3TestMSS
		start := units.MaxTime(p.now, p.linkFree)
		backlog := p.rate.BytesIn(start.Sub(p.now))
		dropped := p.buffer > 0 && backlog+bbr3TestMSS > int64(p.buffer)
		if !dropped {
			p.linkFree = start.Add(p.rate.TxTime(bbr3TestMSS))
		}
		p.queue = append(p.queue, bbr3Packet{
			dropped:         dropped,
			sentAt:          p.now,
			ackAt:           start.Add(p.rtt),
			deliveredAtSend: p.delivered,
			deliveredTime:   p.deliveredTime,
			firstSentTime:   p.firstSentTime,
			lostAtSend:      p.lost,
			txInflight:      p.inflight,
			appLimited:      p.appLimited,
		})
		p.firstSentTime = p.now
		p.sent += bbr3TestMSS
		p.nextSend = p.nextSend.Add(p.b.PacingRate().TxTime(bbr3TestMSS))
	}
}

// round runs one packet-timed round of script s: until the packets out
// now have all been acknowledged or lost, sending as cwnd and the pacer
// allow.
func (p *bbr3Path) round(s bbr3Round) {
	p.t.Helper()
	if len(p.queue) == 0 {
		p.now = units.MaxTime(p.now, p.nextSend)
		p.sendDue()
		if len(p.queue) == 0 {
			p.t.Fatalf("bbr3Path: nothing to send at %v (cwnd %d)", p.now, p.b.Cwnd())
		}
	}
	n := len(p.queue)
	pendingLost, hole := 0, false
	for i := 0; i < n; {
		if next := units.MaxTime(p.nextSend, p.now); !p.appLimited &&
			p.inflight+bbr3TestMSS <= p.b.Cwnd() && next < p.queue[0].ackAt {
			p.now = next
			p.sendDue()
			continue
		}
		pkt := p.queue[0]
		p.queue = p.queue[1:]
		i++
		p.now = pkt.ackAt
		if pkt.dropped || s.lossEvery > 0 && i%s.lossEvery == 0 {
			p.inflight -= bbr3TestMSS
			p.lost += bbr3TestMSS
			pendingLost += bbr3TestMSS
			hole = true
			continue
		}
		if pendingLost > 0 && !p.inRecovery {
			p.inRecovery = true
			p.ev = Event{Kind: Loss, Now: p.now, Inflight: p.inflight}
			p.b.OnCongestion(&p.ev)
		}
		p.deliver(&pkt, s, i, pendingLost, hole)
		pendingLost = 0
	}
	if p.inRecovery && !hole {
		p.inRecovery = false
		p.ev = Event{Kind: RecoveryExit, Now: p.now, Inflight: p.inflight}
		p.b.OnCongestion(&p.ev)
	}
}

// deliver acknowledges pkt, the i-th of the round.
func (p *bbr3Path) deliver(pkt *bbr3Packet, s bbr3Round, i, lost int, sack bool) {
	prior := p.inflight
	p.inflight -= bbr3TestMSS
	p.delivered += bbr3TestMSS
	p.deliveredTime = p.now
	rtt := p.now.Sub(pkt.sentAt)
	if p.minRTT == 0 || rtt < p.minRTT {
		p.minRTT = rtt
	}
	rs := RateSample{
		Delivered:      p.delivered - pkt.deliveredAtSend,
		Interval:       max(pkt.sentAt.Sub(pkt.firstSentTime), p.now.Sub(pkt.deliveredTime)),
		PriorDelivered: pkt.deliveredAtSend,
		IsAppLimited:   pkt.appLimited,
		RTT:            rtt,
		TxInflight:     pkt.txInflight,
		LostSince:      p.lost - int64(lost) - pkt.lostAtSend,
	}
	rs.Valid = rs.Interval >= p.minRTT
	if s.rate > 0 {
		rs.Interval = units.Duration(rs.Delivered * 8 * int64(units.Second) / int64(s.rate))
		rs.Valid = true
	}
	p.ack = Ack{
		Now:           p.now,
		RTT:           rtt,
		MinRTT:        p.minRTT,
		SRTT:          rtt,
		PriorInflight: prior,
		Inflight:      p.inflight,
		InRecovery:    p.inRecovery,
		AppLimited:    p.appLimited,
		ECE:           s.eceEvery > 0 && (i-1)%s.eceEvery < max(s.eceMarked, 1),
		Delivered:     p.delivered,
		Sent:          p.sent,
		Lost:          lost,
		Rate:          rs,
	}
	if sack && !p.noSACK {
		p.ack.Sacked = bbr3TestMSS
	} else {
		p.ack.Acked = bbr3TestMSS
	}
	p.cwndBefore = p.b.Cwnd()
	p.b.OnAck(&p.ack)
	if p.onAck != nil {
		p.onAck(p)
	}
	p.sendDue()
}

// rounds runs n rounds of script s.
func (p *bbr3Path) rounds(n int, s bbr3Round) {
	p.t.Helper()
	for range n {
		p.round(s)
	}
}

// until runs rounds of script s until the phase is phase, at most limit
// rounds, and fails if it never gets there.
func (p *bbr3Path) until(phase string, limit int, s bbr3Round) {
	p.t.Helper()
	for range limit {
		if p.b.Phase() == phase {
			return
		}
		p.round(s)
	}
	if p.b.Phase() != phase {
		p.t.Fatalf("phase %s after %d rounds, want %s", p.b.Phase(), limit, phase)
	}
}

// inspect returns the named value of bbr3's Inspect.
func (p *bbr3Path) inspect(name string) float64 {
	p.t.Helper()
	var in Internals
	p.b.Inspect(&in)
	for i := range in.N {
		if in.Names[i] == name {
			return in.Values[i]
		}
	}
	p.t.Fatalf("Inspect has no %q", name)
	return 0
}

// bbr3BDP is rate·rtt in bytes, rounded down as bbr3 rounds it.
func bbr3BDP(rate units.Rate, rtt units.Duration) int {
	return int(int64(rate) * int64(rtt) / (8 * int64(units.Second)))
}

// bbr3Steady returns a path whose flow has just entered ProbeBW at a
// constant rate.
func bbr3Steady(t *testing.T, rate units.Rate, rtt units.Duration) *bbr3Path {
	t.Helper()
	p := newBBR3Path(t, rate, rtt)
	for range 40 {
		if p.b.inProbeBW() {
			return p
		}
		p.round(bbr3Round{})
	}
	t.Fatalf("phase %s after 40 rounds, want ProbeBW", p.b.Phase())
	return nil
}

func TestBBR3Registered(t *testing.T) {
	alg, err := New("bbr3")
	if err != nil {
		t.Fatal(err)
	}
	if alg.Name() != "bbr3" || Describe("bbr3") == "" {
		t.Fatalf("name %q, description %q", alg.Name(), Describe("bbr3"))
	}
	if !NeedsExactECNEcho(alg) {
		t.Fatal("bbr3 must ask for exact ECN echo")
	}
	alg.Init(0, bbr3TestMSS, bbr3TestIW)
	if alg.Cwnd() != bbr3TestIW || alg.Ssthresh() != InfiniteSsthresh || alg.Phase() != "startup" {
		t.Fatalf("after Init: cwnd %d ssthresh %d phase %s", alg.Cwnd(), alg.Ssthresh(), alg.Phase())
	}
	// InitPacingRate: 2.77 · IW / 1 ms before any RTT sample.
	if want := units.Rate(bbr3TestIW * 8 * 1000 * 277 / 100); alg.PacingRate() != want {
		t.Fatalf("initial pacing rate %v, want %v", alg.PacingRate(), want)
	}
	p := &bbr3Path{t: t, b: alg.(*bbr3)}
	for name, want := range map[string]float64{
		"max_bw": 0, "min_rtt": -1, "pacing_gain": 2.77, "cwnd_gain": 2,
		"inflight_hi": -1, "inflight_lo": -1, "bw": 0, "ecn_alpha": 1,
	} {
		if got := p.inspect(name); got != want {
			t.Errorf("Inspect %s = %v, want %v", name, got, want)
		}
	}
}

func TestBBR3RTTWithoutRateSample(t *testing.T) {
	// An ACK without a rate sample (nothing measurable) still gives an
	// RTT sample through Ack.RTT.
	b := new(bbr3)
	b.Init(0, bbr3TestMSS, bbr3TestIW)
	a := Ack{Now: units.Time(30 * units.Millisecond), Acked: bbr3TestMSS, Delivered: bbr3TestMSS, Sent: bbr3TestIW, RTT: 30 * units.Millisecond}
	b.OnAck(&a)
	if b.minRTT != 30*units.Millisecond {
		t.Fatalf("min_rtt %v, want the ACK's 30 ms", b.minRTT)
	}
	// Before the first RTT sample the BDP is the initial window.
	c := new(bbr3)
	c.Init(0, bbr3TestMSS, bbr3TestIW)
	if got := c.bdpMultiple(100*units.MbitPerSecond, 200); got != bbr3TestIW {
		t.Fatalf("BDP before an RTT sample %d, want the initial window", got)
	}
}

func TestBBR3InitialPacingFollowsFirstRTT(t *testing.T) {
	p := newBBR3Path(t, 100*units.MbitPerSecond, 40*units.Millisecond)
	var first units.Rate
	p.onAck = func(p *bbr3Path) {
		if first == 0 {
			first = p.b.PacingRate()
		}
	}
	p.rounds(8, bbr3Round{})
	// The first SRTT replaces the nominal 1 ms: 2.77 · IW / 40 ms.
	if want := units.Rate(bbr3TestIW * 8 * 25 * 277 / 100); first != want {
		t.Fatalf("pacing rate after the first ACK %v, want %v", first, want)
	}
	if got := p.inspect("min_rtt"); got != 40 {
		t.Fatalf("min_rtt %v ms, want 40", got)
	}
	// Startup then paces at 2.77 · max_bw less 1% as samples raise it.
	if p.b.state == bbr3Startup && p.b.PacingRate() != units.Rate(int64(p.b.maxBw)*277*99/10000) {
		t.Fatalf("Startup pacing rate %v with max_bw %v", p.b.PacingRate(), p.b.maxBw)
	}
}

func TestBBR3StartupExitsOnBandwidthPlateau(t *testing.T) {
	const rtt = 20 * units.Millisecond
	p := newBBR3Path(t, 50*units.MbitPerSecond, rtt)
	// Growth of 25% or more restarts the count (50 is exactly 1.25 · 40).
	for _, mbps := range []units.Rate{10, 20, 40, 50} {
		p.round(bbr3Round{rate: mbps * units.MbitPerSecond})
		if p.b.Phase() != "startup" || p.b.fullBwCount != 0 {
			t.Fatalf("at %d Mbit/s: phase %s, %d rounds without growth", mbps, p.b.Phase(), p.b.fullBwCount)
		}
	}
	// Three more rounds at 50 Mbit/s, without growth, fill the pipe.
	log := recordTransitions(p)
	for i := 1; i <= 3; i++ {
		p.round(bbr3Round{rate: 50 * units.MbitPerSecond})
		if i < 3 && p.b.Phase() != "startup" {
			t.Fatalf("left Startup after %d rounds at 50 Mbit/s", i)
		}
	}
	if len(*log) == 0 || (*log)[0].phase != "drain" || (*log)[0].pacing != 0.5 || (*log)[0].cwndGn != 2 {
		t.Fatalf("transitions %+v, want drain with gains 0.5/2 first", *log)
	}
	if got := p.inspect("max_bw"); got != 50e6 {
		t.Fatalf("max_bw %v, want 50e6", got)
	}
	if got, want := p.b.Ssthresh(), bbr3BDP(50*units.MbitPerSecond, rtt); got != want {
		t.Fatalf("ssthresh %d, want the BDP %d", got, want)
	}
	// Drain ends when what is in flight fits the BDP.
	p.rounds(3, bbr3Round{rate: 50 * units.MbitPerSecond})
	if len(*log) < 2 || (*log)[1].phase == "drain" {
		t.Fatalf("transitions %+v, want ProbeBW after drain", *log)
	}
	if got, bdp := (*log)[1].inflight, bbr3BDP(50*units.MbitPerSecond, rtt); got > bdp || (*log)[1].round > (*log)[0].round+3 {
		t.Fatalf("left Drain with %d in flight (BDP %d) after %d rounds", got, bdp, (*log)[1].round-(*log)[0].round)
	}
}

func TestBBR3DrainEndsAfterThreeRounds(t *testing.T) {
	// Startup measured 100 Mbit/s but the bottleneck carries 10: pacing at
	// half of 100 never drains the queue, so Drain gives up after three
	// rounds and lets ProbeBW's cycle sort the estimate out.
	p := newBBR3Path(t, 10*units.MbitPerSecond, 20*units.Millisecond)
	for _, mbps := range []units.Rate{10, 20, 40, 80, 100} {
		p.round(bbr3Round{rate: mbps * units.MbitPerSecond})
	}
	log := recordTransitions(p)
	p.rounds(10, bbr3Round{rate: 100 * units.MbitPerSecond})
	if len(*log) < 2 || (*log)[0].phase != "drain" {
		t.Fatalf("transitions %+v, want drain then ProbeBW", *log)
	}
	drain, next := (*log)[0], (*log)[1]
	if next.round != drain.round+4 || next.inflight <= bbr3BDP(100*units.MbitPerSecond, p.b.minRTT) {
		t.Fatalf("left Drain %d rounds after entering it with %d in flight, want after 4 with the queue still there",
			next.round-drain.round, next.inflight)
	}
}

func TestBBR3StartupExitsOnHighLoss(t *testing.T) {
	for _, c := range []struct {
		name   string
		script func(p *bbr3Path, round int) bbr3Round
	}{
		// 10% loss while the measured bandwidth still doubles.
		{"scripted", func(p *bbr3Path, round int) bbr3Round {
			rate := units.Rate(10<<round) * units.MbitPerSecond
			if round < 4 {
				return bbr3Round{rate: rate}
			}
			return bbr3Round{rate: rate, lossEvery: 10}
		}},
		// A buffer of a quarter BDP overflows when Startup doubles past it.
		{"buffer overflow", func(p *bbr3Path, round int) bbr3Round {
			p.buffer = bbr3BDP(p.rate, p.rtt) / 4
			return bbr3Round{}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			const rtt = 20 * units.Millisecond
			p := newBBR3Path(t, 100*units.MbitPerSecond, rtt)
			// Startup ends at the end of a loss round spent in recovery,
			// with inflight_hi = max(bdp, inflight_latest), the latter
			// the largest sample volume of the round, this ACK's included.
			var want, latest int
			p.onAck = func(p *bbr3Path) {
				if p.b.fullBwReached && want == 0 {
					latest = max(latest, int(p.ack.Rate.Delivered))
					want = max(bbr3BDP(p.b.maxBw, p.b.minRTT), latest)
					if !p.ack.InRecovery || p.b.lossEventsInRound < 6 {
						t.Errorf("left Startup outside recovery or with %d loss events", p.b.lossEventsInRound)
					}
				}
				latest = p.b.inflightLatest
			}
			for round := 0; round < 12 && want == 0; round++ {
				p.round(c.script(p, round))
			}
			if want == 0 {
				t.Fatalf("phase %s after lossy rounds, want Startup ended", p.b.Phase())
			}
			if p.b.fullBwCount >= 3 {
				t.Fatal("Startup must have ended on loss, not on a plateau")
			}
			if got := p.inspect("inflight_hi"); got != float64(want) {
				t.Fatalf("inflight_hi %v, want max(bdp, inflight_latest) = %d", got, want)
			}
		})
	}
}

func TestBBR3StartupWithoutSACKEndsOnAnyLoss(t *testing.T) {
	// A connection that cannot see more than one loss per round (no SACK)
	// takes any loss in recovery as the end of Startup; with SACK, 1% is
	// tolerated (next test).
	p := newBBR3Path(t, 0, 20*units.Millisecond)
	p.noSACK = true
	rate := 10 * units.MbitPerSecond
	for range 3 {
		p.round(bbr3Round{rate: rate})
		rate *= 2
	}
	events := -1
	p.onAck = func(p *bbr3Path) {
		if p.b.fullBwReached && events < 0 {
			events = p.b.lossEventsInRound
		}
	}
	for range 6 {
		if p.b.fullBwReached {
			break
		}
		p.round(bbr3Round{rate: rate, lossEvery: 100})
		rate *= 2
	}
	if p.b.hasSACK || !p.b.fullBwReached || p.b.fullBwCount != 0 {
		t.Fatalf("without SACK, 1%% loss: phase %s, full bw %v (plateau count %d)", p.b.Phase(), p.b.fullBwReached, p.b.fullBwCount)
	}
	if events >= 6 {
		t.Fatalf("Startup ended after %d loss events: the six-event rule is for SACK connections", events)
	}
}

func TestBBR3QuantizationBudget(t *testing.T) {
	b := new(bbr3)
	b.Init(0, bbr3TestMSS, bbr3TestIW)
	b.minRTT = 20 * units.Millisecond
	b.pacingRate = 100 * units.MbitPerSecond
	b.setSendQuantum()
	// 1 ms at 100 Mbit/s is 12500 bytes; 3 of them are below the BDP.
	if b.sendQuantum != 12500 || b.inflightFor(100*units.MbitPerSecond, 100) != 250_000 {
		t.Fatalf("send quantum %d, inflight %d; want 12500 and the BDP 250000", b.sendQuantum, b.inflightFor(100*units.MbitPerSecond, 100))
	}
	// UP adds two segments so that gain cycling works at small BDPs.
	b.state = bbr3ProbeBWUp
	if got := b.inflightFor(100*units.MbitPerSecond, 125); got != 312_500+2*bbr3TestMSS {
		t.Fatalf("UP inflight %d, want 1.25 · BDP + 2 SMSS = %d", got, 312_500+2*bbr3TestMSS)
	}
	// At 1 Mbit/s the quantum is its floor of 2 SMSS, and three quanta
	// (6000 bytes) outweigh both the 2500-byte BDP and MinPipeCwnd.
	b.state = bbr3ProbeBWCruise
	b.pacingRate = units.MbitPerSecond
	b.setSendQuantum()
	if got := b.inflightFor(units.MbitPerSecond, 100); b.sendQuantum != 2*bbr3TestMSS || got != 6*bbr3TestMSS {
		t.Fatalf("send quantum %d, inflight %d; want %d and %d", b.sendQuantum, got, 2*bbr3TestMSS, 6*bbr3TestMSS)
	}
}

func TestBBR3StartupToleratesLightOrBurstLoss(t *testing.T) {
	for _, c := range []struct {
		name  string
		round bbr3Round
	}{
		{"1% loss", bbr3Round{lossEvery: 100}},
		{"three losses", bbr3Round{lossEvery: 15}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newBBR3Path(t, 0, 20*units.Millisecond)
			rate := 10 * units.MbitPerSecond
			for range 3 {
				p.round(bbr3Round{rate: rate})
				rate *= 2
			}
			for range 3 {
				s := c.round
				s.rate = rate
				if c.name == "three losses" {
					// Lose three packets of the flight only.
					s.lossEvery = len(p.queue)/3 - 1
				}
				p.round(s)
				rate *= 2
				if p.b.Phase() != "startup" {
					t.Fatalf("left Startup (%s) with %d loss events", p.b.Phase(), p.b.lossEventsInRound)
				}
			}
		})
	}
}

// bbr3Transition is one change of phase.
type bbr3Transition struct {
	phase          string
	at             units.Time
	round          int64
	pacing, cwndGn float64
	inflightHi     float64
	inflight       int
	priorInflight  int
	stamp          units.Time
	wait           units.Duration
}

// recordTransitions makes p log every phase change.
func recordTransitions(p *bbr3Path) *[]bbr3Transition {
	log := &[]bbr3Transition{}
	last := p.b.Phase()
	p.onAck = func(p *bbr3Path) {
		if ph := p.b.Phase(); ph != last {
			last = ph
			*log = append(*log, bbr3Transition{
				phase: ph, at: p.now, round: p.b.roundCount,
				pacing: p.inspect("pacing_gain"), cwndGn: p.inspect("cwnd_gain"),
				inflightHi: p.inspect("inflight_hi"), inflight: p.b.inflight, priorInflight: p.b.priorInflight,
				stamp: p.b.cycleStamp, wait: p.b.bwProbeWait,
			})
		}
	}
	return log
}

func TestBBR3ProbeBWCycle(t *testing.T) {
	// 100 ms RTT, BDP 1250 packets: the Reno bound (63 rounds, 6.3 s) is
	// longer than the 2–3 s wall-clock wait, so the wait decides.
	const rtt = 100 * units.Millisecond
	p := bbr3Steady(t, 100*units.MbitPerSecond, rtt)
	log := recordTransitions(p)
	for range 200 {
		if len(*log) >= 6 {
			break
		}
		// The RTT creeps down, so min_rtt keeps being refreshed and no
		// ProbeRTT interrupts the cycles.
		p.rtt -= units.Microsecond
		p.round(bbr3Round{})
	}
	// The first DOWN ended within the ACK that began it (the queue was
	// already drained); the second, after UP, is seen.
	want := []struct {
		phase          string
		pacing, cwndGn float64
	}{
		{"probe_bw_refill", 1, 2}, {"probe_bw_up", 1.25, 2.25}, {"probe_bw_down", 0.9, 2},
		{"probe_bw_cruise", 1, 2}, {"probe_bw_refill", 1, 2}, {"probe_bw_up", 1.25, 2.25},
	}
	if len(*log) < len(want) {
		t.Fatalf("transitions %+v, want %d", *log, len(want))
	}
	for i, w := range want {
		got := (*log)[i]
		if got.phase != w.phase || got.pacing != w.pacing || got.cwndGn != w.cwndGn {
			t.Fatalf("transition %d: %s with gains %v/%v, want %s with %v/%v",
				i, got.phase, got.pacing, got.cwndGn, w.phase, w.pacing, w.cwndGn)
		}
	}
	// REFILL begins at the first ACK after the cycle's random wait of
	// 2–3 s since DOWN began; ACKs are about 80 µs apart.
	for _, i := range []int{0, 4} {
		refill, down := (*log)[i], (*log)[max(i-1, 0)]
		if down.wait < 2*units.Second || down.wait >= 3*units.Second {
			t.Fatalf("probe wait %v, want within [2 s, 3 s)", down.wait)
		}
		if late := refill.at.Sub(down.stamp.Add(down.wait)); late <= 0 || late > units.Millisecond {
			t.Fatalf("REFILL %d at %v, %v after the probe wait ended", i, refill.at, late)
		}
	}
	// REFILL lasts one round; UP ends on a plateau three rounds later.
	refill, up, down := (*log)[0], (*log)[1], (*log)[2]
	if up.round != refill.round+1 {
		t.Fatalf("REFILL lasted %d rounds, want 1", up.round-refill.round)
	}
	if down.round != up.round+3 {
		t.Fatalf("UP lasted %d rounds, want 3 (plateau)", down.round-up.round)
	}
	if down.inflightHi != -1 {
		t.Fatalf("a lossless probe set inflight_hi to %v", down.inflightHi)
	}
	// DOWN ends once in-flight data is back to the BDP.
	if cruise := (*log)[3]; cruise.priorInflight > p.b.inflightFor(p.b.maxBw, 100) {
		t.Fatalf("CRUISE began with %d in flight, above the BDP", cruise.priorInflight)
	}
}

func TestBBR3RenoCoexistenceBound(t *testing.T) {
	for _, c := range []struct {
		name      string
		rate      units.Rate
		rtt       units.Duration
		maxRounds int64
	}{
		// BDP 125 packets: at most 63 rounds (0.63 s), well before 2 s.
		{"bounded at 63", 100 * units.MbitPerSecond, 10 * units.Millisecond, 63},
		// BDP 20 packets: a Reno flow would probe every 20 rounds.
		{"bdp in packets", 16 * units.MbitPerSecond, 10 * units.Millisecond, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := bbr3Steady(t, c.rate, c.rtt)
			// Each cycle starts the round count at 0 or 1, at random, and
			// REFILL comes when it reaches the bound.
			downRound, headStart, stamp := p.b.roundCount, p.b.roundsSinceProbeUp, p.b.cycleStamp
			seen := map[int64]int{}
			refills, last := 0, p.b.Phase()
			p.onAck = func(p *bbr3Path) {
				if p.b.cycleStamp != stamp {
					downRound, headStart, stamp = p.b.roundCount, p.b.roundsSinceProbeUp, p.b.cycleStamp
				}
				ph := p.b.Phase()
				entered := ph != last
				last = ph
				if entered && ph == "probe_bw_refill" {
					refills++
					seen[headStart]++
					if got, want := p.b.roundCount-downRound, c.maxRounds-headStart; got != want {
						t.Errorf("REFILL %d rounds after DOWN began with head start %d, want %d", got, headStart, want)
					}
				}
			}
			for refills < 8 && p.now < units.Time(20*units.Second) {
				p.round(bbr3Round{})
			}
			if refills < 8 || seen[0] == 0 || seen[1] == 0 {
				t.Fatalf("%d REFILLs with head starts %v: want 8, with both 0 and 1", refills, seen)
			}
		})
	}
}

func TestBBR3InflightHiOnLossWhileProbing(t *testing.T) {
	const rtt = 20 * units.Millisecond
	rate := 100 * units.MbitPerSecond
	p := bbr3Steady(t, rate, rtt)
	p.until("probe_bw_up", 200, bbr3Round{})

	// 1% loss in UP is within LossThresh: no upper bound.
	p.round(bbr3Round{lossEvery: 100})
	if got := p.inspect("inflight_hi"); got != -1 {
		t.Fatalf("1%% loss set inflight_hi to %v", got)
	}
	// 5% loss: the first ACK that declares a loss beyond 2% of what was in
	// flight sets inflight_hi = max(InflightAtLoss, 0.7 · min(bdp, cwnd)).
	var want int
	var hiSet bool
	p.onAck = func(p *bbr3Path) {
		if hiSet || p.b.inflightLongterm == bbr3NoLimit {
			return
		}
		hiSet = true
		a, r := &p.ack, &p.ack.Rate
		lost := r.LostSince + int64(a.Lost)
		if a.Lost == 0 || lost*100 <= int64(r.TxInflight)*2 {
			t.Errorf("inflight_hi set on an ACK declaring %d lost of %d sent (lost since %d)", a.Lost, r.TxInflight, r.LostSince)
		}
		inflightPrev := int64(r.TxInflight - a.Lost)
		budget := (inflightPrev*2 + 99) / 100
		atLoss := inflightPrev + max(budget-r.LostSince, 0)*100/98
		target := min(bbr3BDP(rate, rtt), p.cwndBefore)
		want = max(int(atLoss), target*70/100)
		if p.b.Phase() != "probe_bw_down" || !p.b.prevProbeTooHigh {
			t.Errorf("after the loss: phase %s, prev_probe_too_high %v", p.b.Phase(), p.b.prevProbeTooHigh)
		}
	}
	p.round(bbr3Round{lossEvery: 20})
	if !hiSet {
		t.Fatal("5% loss in UP did not set inflight_hi")
	}
	if got := p.inspect("inflight_hi"); got != float64(want) {
		t.Fatalf("inflight_hi %v, want %d", got, want)
	}
	// CRUISE keeps 15% headroom below inflight_hi.
	p.onAck = nil
	p.until("probe_bw_cruise", 20, bbr3Round{})
	p.round(bbr3Round{})
	hi := int(p.inspect("inflight_hi"))
	if got, limit := p.b.Cwnd(), hi-hi*15/100; got > limit {
		t.Fatalf("CRUISE cwnd %d above inflight_hi less 15%% headroom (%d)", got, limit)
	}
}

func TestBBR3PrecautionaryProbeThenInflightHiGrowth(t *testing.T) {
	p := bbr3Steady(t, 100*units.MbitPerSecond, 20*units.Millisecond)
	p.until("probe_bw_up", 200, bbr3Round{})
	p.round(bbr3Round{lossEvery: 20})
	if !p.b.prevProbeTooHigh || p.b.inflightLongterm == bbr3NoLimit {
		t.Fatal("5% loss in UP must set inflight_hi and prev_probe_too_high")
	}
	// The next probe is precautionary: UP ends as soon as in-flight data
	// reaches inflight_hi. With no loss in its feedback round, REFILL
	// follows at once, without CRUISE, and this UP may hold inflight_hi,
	// growing it by 1, 2, 4, ... SMSS per round: probe_up_acked_per_inc is
	// cwnd / 2^k bytes in the k-th round.
	const (
		waiting = iota
		precautionaryUp
		stopped
		refilled
		growing
		grown
	)
	stage := waiting
	var stop bbr3Transition
	var hiAtRound []int
	perInc := p.b.probeUpAckedPerInc
	last := p.b.Phase()
	p.onAck = func(p *bbr3Path) {
		ph := p.b.Phase()
		switch {
		case ph == last:
		case stage == waiting && ph == "probe_bw_up":
			stage = precautionaryUp
		case stage == precautionaryUp:
			if ph != "probe_bw_down" || !p.b.prevProbePrecautionary || p.b.priorInflight < p.b.inflightLongterm {
				t.Fatalf("precautionary UP ended in %s with %d in flight, inflight_hi %d", ph, p.b.priorInflight, p.b.inflightLongterm)
			}
			stage, stop = stopped, bbr3Transition{round: p.b.roundCount}
		case stage == stopped:
			if ph != "probe_bw_refill" || p.b.roundCount != stop.round+1 {
				t.Fatalf("%s %d rounds after the precautionary stop, want REFILL after 1", ph, p.b.roundCount-stop.round)
			}
			stage = refilled
		case stage == refilled && ph == "probe_bw_up":
			stage = growing
		case stage == growing:
			stage = grown
		}
		last = ph
		if stage == growing && p.b.roundStart {
			hiAtRound = append(hiAtRound, p.b.inflightLongterm)
		}
		if p.b.state == bbr3ProbeBWUp && p.b.probeUpAckedPerInc != perInc {
			perInc = p.b.probeUpAckedPerInc
			k := p.b.bwProbeUpRounds - 1
			if want := max(p.cwndBefore>>k, bbr3TestMSS); perInc != want {
				t.Errorf("probe_up_acked_per_inc %d in UP round %d, want cwnd/2^%d = %d", perInc, k, k, want)
			}
		}
	}
	p.rounds(160, bbr3Round{})
	if stage < growing {
		t.Fatalf("stage %d after 160 rounds: no precautionary probe and growth", stage)
	}
	// Until cwnd_gain · BDP caps it, the growth per round keeps doubling:
	// after seven rounds it is 64 SMSS.
	if len(hiAtRound) < 8 {
		t.Fatalf("inflight_hi over UP rounds %v: want it growing for 8 rounds", hiAtRound)
	}
	for i := 2; i < 8; i++ {
		if grown, before := hiAtRound[i]-hiAtRound[i-1], hiAtRound[i-1]-hiAtRound[i-2]; grown < before {
			t.Fatalf("inflight_hi over UP rounds %v: growth must not slow", hiAtRound)
		}
	}
	if grown := hiAtRound[7] - hiAtRound[6]; grown < 64*bbr3TestMSS {
		t.Fatalf("inflight_hi over UP rounds %v: grew %d in the 7th round, want 64 SMSS or more", hiAtRound, grown)
	}
}

func TestBBR3MaxBwAdaptsDownAfterTwoCycles(t *testing.T) {
	p := bbr3Steady(t, 100*units.MbitPerSecond, 20*units.Millisecond)
	p.rounds(30, bbr3Round{})
	// The bottleneck, with a buffer of one BDP, drops to 10 Mbit/s. max_bw
	// holds the best sample of the current and the previous ProbeBW
	// cycle, so it comes down only when the filter has advanced past both.
	p.rate, p.buffer = 10*units.MbitPerSecond, bbr3BDP(100*units.MbitPerSecond, 20*units.Millisecond)
	advances := 0
	slots := p.b.maxBwSlots
	p.onAck = func(p *bbr3Path) {
		if p.b.maxBwSlots[0] != slots[0] {
			advances++
			if advances < 2 && p.b.maxBw < 99*units.MbitPerSecond {
				t.Errorf("max_bw %v after %d advances: forgot the previous cycle", p.b.maxBw, advances)
			}
		}
		slots = p.b.maxBwSlots
	}
	for p.now < units.Time(30*units.Second) && advances < 2 {
		p.round(bbr3Round{})
	}
	if advances < 2 {
		t.Fatalf("the max_bw filter advanced %d times in 30 s", advances)
	}
	if got := p.inspect("max_bw"); got > 10e6 || got < 9e6 {
		t.Fatalf("max_bw %v two cycles after the drop, want 10 Mbit/s", got)
	}
}

func TestBBR3LossOutsideProbingCutsShortTermModel(t *testing.T) {
	const rtt = 20 * units.Millisecond
	p := bbr3Steady(t, 100*units.MbitPerSecond, rtt)
	p.until("probe_bw_cruise", 10, bbr3Round{})
	// Lossy rounds delivering at 50 Mbit/s. At the end of each loss round
	// bw_lo = max(bw_latest, 0.7 · bw_lo): the first round still holds
	// samples from before the loss (100), then max(50, 70), max(50, 49).
	var bwLo []units.Rate
	var inflightLo []int
	p.onAck = func(p *bbr3Path) {
		if p.b.lossRoundStart && p.b.bwShortterm != bbr3NoRate {
			bwLo = append(bwLo, p.b.bwShortterm)
			inflightLo = append(inflightLo, p.b.inflightShortterm)
			if p.b.Cwnd() > p.b.inflightShortterm {
				t.Errorf("cwnd %d above inflight_lo %d", p.b.Cwnd(), p.b.inflightShortterm)
			}
		}
	}
	p.rounds(4, bbr3Round{rate: 50 * units.MbitPerSecond, lossEvery: 50})
	want := []units.Rate{100e6, 70e6, 50e6}
	if len(bwLo) < len(want) || fmt.Sprint(bwLo[:3]) != fmt.Sprint(want) {
		t.Fatalf("bw_lo per loss round %v, want %v", bwLo, want)
	}
	for i := 1; i < len(inflightLo); i++ {
		if inflightLo[i] > inflightLo[i-1] || inflightLo[i]*10 < inflightLo[i-1]*7 {
			t.Fatalf("inflight_lo per loss round %v: each must be at least 0.7 of the last, and no more", inflightLo)
		}
	}
	if got := p.inspect("max_bw"); got != 100e6 {
		t.Fatalf("max_bw %v, want 100e6 unchanged", got)
	}
	if got := p.b.PacingRate(); got != units.Rate(int64(p.b.bw)*99/100) || p.b.bw != bwLo[len(bwLo)-1] {
		t.Fatalf("pacing rate %v, bw %v: want bw_lo less 1%%", got, p.b.bw)
	}
	// REFILL forgets the short-term model.
	p.onAck = nil
	p.until("probe_bw_refill", 200, bbr3Round{})
	if p.inspect("inflight_lo") != -1 || p.inspect("bw") != 100e6 {
		t.Fatalf("REFILL kept inflight_lo %v, bw %v", p.inspect("inflight_lo"), p.inspect("bw"))
	}
}

func TestBBR3ECNAlphaAndInflightLo(t *testing.T) {
	const rtt = 20 * units.Millisecond
	p := bbr3Steady(t, 100*units.MbitPerSecond, rtt)
	p.until("probe_bw_cruise", 10, bbr3Round{})
	// Unmarked rounds decay α by 15/16 per round.
	alpha := p.b.ecnAlpha
	p.onAck = func(p *bbr3Path) {
		if p.b.roundStart {
			alpha = alpha * 15 / 16
			if p.b.ecnAlpha != alpha {
				t.Fatalf("α %d at round %d, want %d", p.b.ecnAlpha, p.b.roundCount, alpha)
			}
		}
	}
	p.rounds(5, bbr3Round{})
	// A round with every ACK marked: at the end of the (loss) round,
	// inflight_lo = cwnd · (1 − α/3), with α just raised by 1/16 of the
	// all-marked round.
	var want, cut int
	p.onAck = func(p *bbr3Path) {
		if p.b.roundStart {
			ratio := int64(0)
			if p.b.alphaDeliveredCE != p.b.prevDeliveredCE {
				ratio = (p.b.alphaDeliveredCE - p.b.prevDeliveredCE) * bbr3Unit / (p.b.alphaDelivered - p.b.prevDelivered)
			}
			alpha = (alpha*15 + ratio) / 16
			if p.b.ecnAlpha != alpha {
				t.Fatalf("α %d at round %d, want %d", p.b.ecnAlpha, p.b.roundCount, alpha)
			}
		}
		if cut == 0 && p.b.inflightShortterm != bbr3NoLimit {
			cut = p.b.inflightShortterm
			want = int(int64(p.cwndBefore) * (bbr3Unit - p.b.ecnAlpha/3) / bbr3Unit)
		}
	}
	p.rounds(2, bbr3Round{eceEvery: 1})
	if cut == 0 || cut != want {
		t.Fatalf("inflight_lo after an ECN round %d, want cwnd·(1 − α/3) = %d", cut, want)
	}
	if got := p.inspect("ecn_alpha"); got != float64(alpha)/bbr3Unit || alpha <= 0 {
		t.Fatalf("Inspect ecn_alpha %v, want %v", got, float64(alpha)/bbr3Unit)
	}
	if p.inspect("bw") != 100e6 {
		t.Fatal("ECN must not cut bw_lo, only inflight_lo")
	}
}

func TestBBR3ECNEndsStartup(t *testing.T) {
	// Growing bw with marked ACKs: the second round marked at ecn_thresh
	// (half the bytes) or more ends Startup, at the round start that
	// measures it; 40% never does.
	for _, c := range []struct {
		eceMarked, eceEvery int
		exits               bool
	}{{1, 1, true}, {3, 5, true}, {2, 5, false}} {
		t.Run(fmt.Sprintf("%d in %d marked", c.eceMarked, c.eceEvery), func(t *testing.T) {
			p := newBBR3Path(t, 0, 20*units.Millisecond)
			rate := 10 * units.MbitPerSecond
			for range 3 {
				p.round(bbr3Round{rate: rate})
				rate *= 2
			}
			for i := 1; i <= 4; i++ {
				p.round(bbr3Round{rate: rate, eceEvery: c.eceEvery, eceMarked: c.eceMarked})
				rate *= 2
				if left := p.b.Phase() != "startup"; left != (c.exits && i >= 2) {
					t.Fatalf("phase %s after %d marked rounds (%d counted)", p.b.Phase(), i, p.b.startupECNRounds)
				}
			}
			if !c.exits {
				return
			}
			if p.b.startupECNRounds != 2 || p.b.fullBwCount != 0 {
				t.Fatalf("left Startup after %d ECN rounds (plateau count %d)", p.b.startupECNRounds, p.b.fullBwCount)
			}
			if p.inspect("inflight_hi") == -1 {
				t.Fatal("ECN exit from Startup must set inflight_hi")
			}
		})
	}
}

func TestBBR3ECNTooHighWhileProbing(t *testing.T) {
	const rtt = 20 * units.Millisecond
	p := bbr3Steady(t, 100*units.MbitPerSecond, rtt)
	p.until("probe_bw_up", 200, bbr3Round{})
	var txInflight int
	p.onAck = func(p *bbr3Path) {
		if txInflight == 0 && p.b.inflightLongterm != bbr3NoLimit {
			txInflight = p.ack.Rate.TxInflight
		}
	}
	p.rounds(2, bbr3Round{eceEvery: 1})
	if txInflight == 0 {
		t.Fatal("an all-marked round in UP did not set inflight_hi")
	}
	target := min(bbr3BDP(100*units.MbitPerSecond, rtt), p.cwndBefore)
	if got := p.inspect("inflight_hi"); got < float64(target*70/100) || got < float64(txInflight) {
		t.Fatalf("inflight_hi %v, want max(tx_in_flight %d, 0.7·target)", got, txInflight)
	}
	if p.b.Phase() == "probe_bw_up" {
		t.Fatal("ECN above ecn_thresh must end the probe")
	}
}

func TestBBR3ProbeRTT(t *testing.T) {
	const rtt = 20 * units.Millisecond
	rate := 100 * units.MbitPerSecond
	p := newBBR3Path(t, rate, rtt)
	// The RTT never falls below its first sample: ProbeRTT is due 5 s
	// after that sample, at the first ACK past the interval.
	var stamp units.Time
	var entries, exits []units.Time
	var done units.Time
	bdp := bbr3BDP(rate, rtt)
	p.onAck = func(p *bbr3Path) {
		inProbe := p.b.state == bbr3ProbeRTT
		defer func() {
			if !inProbe {
				stamp = p.b.probeRTTMinStamp
			}
		}()
		if inProbe && (len(entries) == len(exits)) {
			entries = append(entries, p.now)
			if late := p.now.Sub(stamp.Add(5 * units.Second)); late <= 0 || late > rtt {
				t.Errorf("ProbeRTT at %v, %v after min_rtt's 5 s expired", p.now, late)
			}
		}
		if inProbe {
			// cwnd is held at 0.5 · BDP.
			if got := p.b.Cwnd(); got != bdp/2 {
				t.Errorf("ProbeRTT cwnd %d, want 0.5 · BDP = %d", got, bdp/2)
			}
			if done == 0 && p.b.probeRTTDoneStamp != 0 {
				done = p.now
			}
			// Samples of packets sent in ProbeRTT count as
			// application-limited, whatever the sender said.
			if rs := p.b.sample(&p.ack); p.ack.Rate.PriorDelivered >= p.b.appLimitedFrom && !rs.appLimited {
				t.Errorf("a sample of a packet sent in ProbeRTT is not application-limited")
			}
		}
		if !inProbe && len(entries) > len(exits) {
			exits = append(exits, p.now)
			if p.b.Phase() != "probe_bw_cruise" {
				t.Errorf("left ProbeRTT for %s, want probe_bw_cruise", p.b.Phase())
			}
			if done == 0 || p.now.Sub(done) < 200*units.Millisecond {
				t.Errorf("ProbeRTT from %v to %v, at the low window from %v: want at least 200 ms there", entries[len(entries)-1], p.now, done)
			}
			if p.b.Cwnd() < bdp {
				t.Errorf("cwnd %d after ProbeRTT, want it restored", p.b.Cwnd())
			}
			done = 0
		}
	}
	for p.now < units.Time(16*units.Second) {
		p.round(bbr3Round{})
	}
	if len(entries) != 3 || len(exits) != 3 {
		t.Fatalf("ProbeRTT entered at %v, left at %v; want three in 16 s", entries, exits)
	}
	for i := 1; i < len(entries); i++ {
		if gap := entries[i].Sub(exits[i-1]); gap < 5*units.Second || gap > 5*units.Second+rtt {
			t.Fatalf("ProbeRTT %d began %v after the previous one ended, want 5 s", i, gap)
		}
	}
}

func TestBBR3ProbeRTTSamplesDoNotEndStartup(t *testing.T) {
	// A Startup that has not filled the pipe in 5 s (the bw keeps
	// doubling, slowly enough) probes RTT; the low rates its probe
	// delivers are application-limited and must not count as a plateau.
	p := newBBR3Path(t, 0, 1*units.Second)
	rate := 1 * units.MbitPerSecond
	for p.b.Phase() != "probe_rtt" {
		if p.now > units.Time(10*units.Second) {
			t.Fatal("no ProbeRTT in 10 s")
		}
		p.round(bbr3Round{rate: rate})
		rate = rate * 5 / 4
	}
	for p.b.Phase() == "probe_rtt" {
		p.round(bbr3Round{rate: 100 * units.KbitPerSecond})
	}
	if p.b.Phase() != "startup" || p.b.fullBwReached {
		t.Fatalf("after ProbeRTT in Startup: phase %s, full bw reached %v", p.b.Phase(), p.b.fullBwReached)
	}
}

func TestBBR3Determinism(t *testing.T) {
	trace := func(start units.Time, seed uint64) (string, []units.Duration) {
		p := newBBR3PathAt(t, 100*units.MbitPerSecond, 10*units.Millisecond, start)
		if seed != 0 {
			p.b.SetSeed(seed)
		}
		var waits []units.Duration
		var sum uint64
		p.onAck = func(p *bbr3Path) {
			sum = sum*31 + uint64(p.b.Cwnd()) ^ uint64(p.b.PacingRate()) ^ uint64(p.b.state)
			if p.b.roundStart && p.b.state == bbr3ProbeBWDown && (len(waits) == 0 || waits[len(waits)-1] != p.b.bwProbeWait) {
				waits = append(waits, p.b.bwProbeWait)
			}
		}
		p.rounds(400, bbr3Round{})
		return fmt.Sprint(sum), waits
	}
	a, waitsA := trace(0, 0)
	b, waitsB := trace(0, 0)
	if a != b || fmt.Sprint(waitsA) != fmt.Sprint(waitsB) {
		t.Fatal("two identical connections diverged")
	}
	if len(waitsA) < 3 {
		t.Fatalf("only %d probe waits drawn in 400 rounds", len(waitsA))
	}
	_, waitsC := trace(units.Time(7*units.Millisecond), 0)
	if fmt.Sprint(waitsA) == fmt.Sprint(waitsC) {
		t.Fatal("connections started at different times drew the same probe waits")
	}
	_, waitsD := trace(0, 42)
	_, waitsE := trace(units.Time(7*units.Millisecond), 42)
	if fmt.Sprint(waitsD) != fmt.Sprint(waitsE) || fmt.Sprint(waitsD) == fmt.Sprint(waitsA) {
		t.Fatal("SetSeed must decide the random draws")
	}
}

func TestBBR3RecoveryRestoresCwnd(t *testing.T) {
	p := bbr3Steady(t, 100*units.MbitPerSecond, 20*units.Millisecond)
	p.until("probe_bw_cruise", 10, bbr3Round{})
	p.round(bbr3Round{})
	before := p.b.Cwnd()

	ev := Event{Kind: Loss, Now: p.now, Inflight: p.inflight}
	p.b.OnCongestion(&ev)
	if p.b.Cwnd() != before || p.b.priorCwnd != before {
		t.Fatalf("fast recovery changed cwnd to %d (saved %d), want %d kept", p.b.Cwnd(), p.b.priorCwnd, before)
	}
	p.b.cwnd = before / 2 // as if the model had cut it during recovery
	ev = Event{Kind: RecoveryExit, Now: p.now}
	p.b.OnCongestion(&ev)
	if p.b.Cwnd() != before {
		t.Fatalf("cwnd after recovery %d, want the saved %d", p.b.Cwnd(), before)
	}

	// An RTO in the middle of recovery leaves one segment, seeds
	// inflight_lo with the window saved before recovery cut it, and RTO
	// recovery ends once what was outstanding has been delivered.
	ev = Event{Kind: Loss, Now: p.now, Inflight: p.inflight}
	p.b.OnCongestion(&ev)
	p.b.cwnd = before / 2
	sentAtRTO := p.sent
	ev = Event{Kind: RTO, Now: p.now, Inflight: p.inflight}
	p.b.OnCongestion(&ev)
	if p.b.Cwnd() != bbr3TestMSS || p.inspect("inflight_lo") != float64(before) {
		t.Fatalf("after RTO: cwnd %d, inflight_lo %v; want %d and %d", p.b.Cwnd(), p.inspect("inflight_lo"), bbr3TestMSS, before)
	}
	a := Ack{Now: p.now + 1, Acked: bbr3TestMSS, Delivered: p.delivered + bbr3TestMSS, Sent: sentAtRTO, RTT: p.rtt}
	p.b.OnAck(&a)
	if p.b.Cwnd() != 4*bbr3TestMSS || !p.b.rtoRecovery {
		t.Fatalf("after the first ACK of RTO recovery: cwnd %d, want MinPipeCwnd", p.b.Cwnd())
	}
	a.Delivered, a.Now = sentAtRTO, a.Now+1
	p.b.OnAck(&a)
	if p.b.rtoRecovery || p.b.Cwnd() < min(before, p.b.maxInflight) {
		t.Fatalf("after RTO recovery: cwnd %d, want the saved window back", p.b.Cwnd())
	}
}

func TestBBR3IdleRestartPacesAtBw(t *testing.T) {
	p := bbr3Steady(t, 100*units.MbitPerSecond, 20*units.Millisecond)
	p.until("probe_bw_up", 200, bbr3Round{})
	if p.b.PacingRate() != units.Rate(100e6*125/100*99/100) {
		t.Fatalf("UP pacing rate %v, want 1.25 · 99%% · bw", p.b.PacingRate())
	}
	ev := Event{Kind: IdleRestart, Now: p.now.Add(units.Second)}
	p.b.OnCongestion(&ev)
	if p.b.PacingRate() != units.Rate(100e6*99/100) || !p.b.idleRestart {
		t.Fatalf("after idle: pacing rate %v, want bw less 1%%", p.b.PacingRate())
	}
}

// Started after a handshake that measured the path, BBRv3 paces its first
// window over the handshake's SRTT and starts min_rtt from it (the
// draft's BBRInit with SRTT known).
func TestBBR3InitFromTheHandshake(t *testing.T) {
	b := &bbr3{}
	b.HandshakeRTT(40*units.Millisecond, 40*units.Millisecond)
	b.Init(0, 1448, bbr3TestIW)
	if want := units.Rate(bbr3TestIW * 8 * 25 * 277 / 100); b.PacingRate() != want {
		t.Errorf("pacing rate %v after a 40 ms handshake, want %v", b.PacingRate(), want)
	}
	if b.minRTT != 40*units.Millisecond {
		t.Errorf("min_rtt %v after a 40 ms handshake, want 40ms", b.minRTT)
	}
	b.HandshakeRTT(0, 0)
	b.Init(0, 1448, bbr3TestIW)
	if b.minRTT != bbr3NoRTT || b.PacingRate() != units.Rate(bbr3TestIW*8*1000*277/100) {
		t.Errorf("without a handshake sample: min_rtt %v, pacing %v; want none and IW per 1 ms", b.minRTT, b.PacingRate())
	}
}
