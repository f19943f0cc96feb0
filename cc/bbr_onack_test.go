package cc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// refBBROnAck is OnAck with every step called as the draft lists them,
// none skipped by the tests OnAck makes before calling: ltSample on every
// ACK that delivered, checkDrain, updateRTprop and, in ProbeBW,
// isNextCyclePhase on every ACK, recoverOrRestore on every ACK that
// delivered (refBBRSetCwnd).
func refBBROnAck(b *bbr1, a *Ack) {
	b.newly = int(max(a.Delivered-b.delivered, 0))
	b.delivered = a.Delivered
	b.lost += int64(a.Lost)
	appLimited := b.isAppLimited(&a.Rate)
	b.roundStart = b.updateRound(a)
	if b.roundStart {
		b.packetConservation = false
	}
	if b.newly > 0 {
		b.ltSample(a.Now, a.Lost > 0, appLimited)
	}
	b.updateBtlBw(&a.Rate, appLimited)
	if b.mode == bbr1ProbeBW && b.isNextCyclePhase(a) {
		b.advanceCyclePhase(a.Now)
	}
	b.checkFullPipe(appLimited)
	b.checkDrain(a)
	b.updateRTprop(a)
	if b.newly > 0 {
		b.idleRestart = false
	}
	b.updateGains()
	bw := b.bw()
	b.setPacingRate(a.SRTT, bw, b.pacingGain)
	refBBRSetCwnd(b, a, bw)
}

// refBBRSetCwnd is setCwnd calling recoverOrRestore whenever the ACK
// delivered, as Linux's bbr_set_cwnd calls
// bbr_set_cwnd_to_recover_or_restore.
func refBBRSetCwnd(b *bbr1, a *Ack, bw units.Rate) {
	if acked := b.newly; acked > 0 {
		cwnd, conserving := b.recoverOrRestore(a, acked)
		if !conserving {
			target := b.inflight(bw, b.cwndGain)
			switch {
			case b.filledPipe:
				cwnd = min(cwnd+acked, target)
			case cwnd < target || a.Delivered < int64(b.initialWindow):
				cwnd += acked
			}
			cwnd = max(cwnd, bbr1MinPipeCwnd*b.mss)
		}
		b.cwnd = min(cwnd, bbr1MaxCwnd)
	}
	if b.mode == bbr1ProbeRTT {
		b.cwnd = min(b.cwnd, bbr1MinPipeCwnd*b.mss)
	}
}

// TestBBROnAckMatchesEveryStep feeds OnAck and refBBROnAck the same ACKs
// and events, from a path that delivers at a steady rate with lossy
// spells (which start the long-term model's sampling and, the rate being
// steady, put it in force), recoveries, timeouts and idle restarts, and
// compares the two models' whole state after every one: the calls OnAck
// skips must be the ones that change nothing.
func TestBBROnAckMatchesEveryStep(t *testing.T) {
	const mss = 1448
	var seen [4]int
	var ltSampling, ltInForce int
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 99))
		got, want := &bbr1{}, &bbr1{}
		got.Init(0, mss, 10*mss)
		want.Init(0, mss, 10*mss)
		var now units.Time
		var delivered int64
		var sentLog []int64 // delivered counts at which packets "left", for PriorDelivered
		inRecovery := false
		lossy := false
		for step := range 30000 {
			now = now.Add(units.Duration(500+rng.IntN(100)) * units.Microsecond)
			if rng.IntN(4000) == 0 {
				lossy = !lossy
			}
			a := Ack{Now: now}
			newly := mss
			if rng.IntN(10) == 0 {
				newly = 0
			}
			if lossy && rng.IntN(3) == 0 || rng.IntN(500) == 0 {
				a.Lost = mss
			}
			delivered += int64(newly)
			a.Delivered = delivered
			a.Acked = newly
			sentLog = append(sentLog, delivered)
			back := min(len(sentLog)-1, 40+rng.IntN(10))
			a.Rate = RateSample{
				Valid:          rng.IntN(20) != 0,
				PriorDelivered: sentLog[len(sentLog)-1-back],
				Delivered:      delivered - sentLog[len(sentLog)-1-back],
				Interval:       units.Duration(back*550+rng.IntN(500)) * units.Microsecond,
				IsAppLimited:   !lossy && rng.IntN(50) == 0,
			}
			a.RTT = units.Duration(40_000+rng.IntN(20_000)) * units.Microsecond
			if rng.IntN(30) == 0 {
				a.RTT = 0
			}
			a.SRTT = 45 * units.Millisecond
			a.PriorInflight = 40*mss + rng.IntN(100*mss)
			if rng.IntN(200) == 0 {
				a.PriorInflight = rng.IntN(5 * mss)
			}
			a.Inflight = max(a.PriorInflight-newly, 0)
			// Events, to both, before the ACK.
			var ev *Event
			switch {
			case !inRecovery && a.Lost > 0 && rng.IntN(4) == 0:
				inRecovery = true
				ev = &Event{Kind: Loss, Now: now, Inflight: a.PriorInflight}
			case inRecovery && rng.IntN(40) == 0:
				inRecovery = false
				ev = &Event{Kind: RecoveryExit, Now: now, Inflight: a.PriorInflight}
			case rng.IntN(3000) == 0:
				inRecovery = false
				ev = &Event{Kind: RTO, Now: now, Inflight: a.PriorInflight}
			case rng.IntN(3000) == 0:
				ev = &Event{Kind: IdleRestart, Now: now}
			case rng.IntN(5000) == 0:
				ev = &Event{Kind: Undo, Now: now}
			}
			if ev != nil {
				e := *ev
				got.OnCongestion(&e)
				e = *ev
				want.OnCongestion(&e)
			}
			a.InRecovery = inRecovery
			ga, wa := a, a
			got.OnAck(&ga)
			refBBROnAck(want, &wa)
			if *got != *want {
				t.Fatalf("seed %d step %d: OnAck's state differs from every step's:\n got %+v\nwant %+v", seed, step, *got, *want)
			}
			seen[got.mode]++
			if got.lt.sampling {
				ltSampling++
			}
			if got.lt.useBw {
				ltInForce++
			}
		}
	}
	for m, n := range seen {
		if n == 0 {
			t.Errorf("mode %s never reached", bbr1ModeNames[m])
		}
	}
	if ltSampling == 0 || ltInForce == 0 {
		t.Errorf("the long-term model sampled on %d ACKs and was in force on %d: both must happen", ltSampling, ltInForce)
	}
}

// recoverOrRestore changes nothing when recovering says so, in any state
// of its inputs, reachable by OnAck or not: setCwnd's skipping it is exact.
func TestBBRRecoveringCoversRecoverOrRestore(t *testing.T) {
	const mss = 1448
	rng := rand.New(rand.NewPCG(11, 12))
	flag := func() bool { return rng.IntN(4) == 0 }
	skipped := 0
	for i := range 100000 {
		b := &bbr1{}
		b.Init(0, mss, 10*mss)
		b.cwnd = (1 + rng.IntN(40)) * mss
		b.priorCwnd = (1 + rng.IntN(40)) * mss
		b.inRecovery, b.rtoRecovery, b.packetConservation = flag(), flag(), flag()
		b.rtoRecoveryEnd = int64(rng.IntN(100)) * mss
		a := &Ack{
			Delivered:  int64(rng.IntN(100)) * mss,
			Inflight:   rng.IntN(40) * mss,
			InRecovery: flag(),
		}
		if flag() {
			a.Lost = (1 + rng.IntN(3)) * mss
		}
		if b.recovering(a) {
			continue
		}
		skipped++
		acked := (1 + rng.IntN(4)) * mss
		c := *b
		if cwnd, conserving := c.recoverOrRestore(a, acked); cwnd != b.cwnd || conserving || c != *b {
			t.Fatalf("step %d: recoverOrRestore gave cwnd %d (was %d), conserving %t, or changed the state, though recovering is false (%+v)",
				i, cwnd, b.cwnd, conserving, a)
		}
	}
	if skipped < 10000 {
		t.Fatalf("only %d of 100000 states skipped", skipped)
	}
}

// isNextCyclePhase is false whenever phaseMayEnd is, in any state of what
// they read, reachable by OnAck or not: OnAck's skipping it is exact.
func TestBBRPhaseMayEndCoversIsNextCyclePhase(t *testing.T) {
	const mss = 1448
	rng := rand.New(rand.NewPCG(13, 14))
	gains := []float64{bbr1DrainGain, 0.75, math.Nextafter(1, 0), 1, math.Nextafter(1, 2), 1.25, bbr1HighGain}
	skipped := 0
	for i := range 100000 {
		b := &bbr1{}
		b.Init(0, mss, 10*mss)
		b.mode = bbr1ProbeBW
		b.cycleIndex = rng.IntN(bbr1CycleLen)
		b.pacingGain = gains[rng.IntN(len(gains))]
		b.rtprop = units.Duration(1+rng.IntN(50)) * units.Millisecond
		b.cycleStamp = units.Time(rng.IntN(100)) * units.Time(units.Millisecond)
		b.btlBw.Reset(0, units.Rate(1+rng.IntN(200))*units.MbitPerSecond)
		b.pacingRate = b.btlBw.Best()
		a := &Ack{
			Now:           units.Time(rng.IntN(200)) * units.Time(units.Millisecond),
			PriorInflight: rng.IntN(2000) * mss,
		}
		if rng.IntN(2) == 0 {
			// Within nanoseconds of the phase's least length.
			a.Now = b.cycleStamp.Add(b.rtprop + units.Duration(rng.IntN(5)-2))
		}
		if rng.IntN(4) == 0 {
			a.Lost = mss
		}
		if b.phaseMayEnd(a) {
			continue
		}
		skipped++
		if b.isNextCyclePhase(a) {
			t.Fatalf("step %d: phaseMayEnd false, isNextCyclePhase true (gain %v, phase age %v, rtprop %v)",
				i, b.pacingGain, a.Now.Sub(b.cycleStamp), b.rtprop)
		}
	}
	if skipped < 10000 {
		t.Fatalf("only %d of 100000 states skipped", skipped)
	}
}

// updateRTprop changes nothing when rtpropDue is false, in any state of
// what they read, reachable by OnAck or not: OnAck's skipping it is exact.
func TestBBRRtpropDueCoversUpdateRTprop(t *testing.T) {
	const mss = 1448
	rng := rand.New(rand.NewPCG(15, 16))
	skipped := 0
	for i := range 100000 {
		b := &bbr1{}
		b.Init(0, mss, 10*mss)
		b.mode = bbr1Mode(rng.IntN(4))
		b.idleRestart = rng.IntN(2) == 0
		b.roundStart = rng.IntN(2) == 0
		b.probeRTTRoundDone = rng.IntN(2) == 0
		if rng.IntN(2) == 0 {
			b.probeRTTDone = units.Time(rng.IntN(20)) * units.Time(units.Second)
		}
		b.rtprop = units.Duration(1+rng.IntN(50)) * units.Millisecond
		b.rtpropStamp = units.Time(rng.IntN(20)) * units.Time(units.Second)
		a := &Ack{
			Now:       units.Time(rng.IntN(40)) * units.Time(units.Second),
			RTT:       units.Duration(rng.IntN(60)) * units.Millisecond,
			Delivered: int64(rng.IntN(100)) * mss,
			Inflight:  rng.IntN(10) * mss,
		}
		if rng.IntN(2) == 0 {
			// Within nanoseconds of the estimate's expiry.
			a.Now = b.rtpropStamp.Add(bbr1RTpropFilterLen + units.Duration(rng.IntN(5)-2))
		}
		switch rng.IntN(8) {
		case 0, 1:
			a.RTT = b.rtprop + units.Duration(rng.IntN(5)-2)
		case 2:
			a.RTT = units.Duration(rng.IntN(3) - 1)
		}
		if b.rtpropDue(a) {
			continue
		}
		skipped++
		c := *b
		if c.updateRTprop(a); c != *b {
			t.Fatalf("step %d: rtpropDue false, but updateRTprop changed the state (mode %d, rtprop %v at %v, ack %+v)",
				i, b.mode, b.rtprop, b.rtpropStamp, a)
		}
	}
	if skipped < 10000 {
		t.Fatalf("only %d of 100000 states skipped", skipped)
	}
}
