package cc

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The Reno family's per-ACK and per-event paths: a benchmark for each
// algorithm in each phase, and a test that none of them allocates. The ACK
// stream is a bulk sender's: one segment per ACK, a window in flight, ACKs
// spread so that a window takes 100 ms, RTT samples jittering between 100
// and 106 ms. So every per-round and per-interval branch runs (Vegas's
// decisions, Westwood+'s samples), as it would in a simulation.

var family = []struct {
	name string
	make Factory
}{
	{"newreno", newNewReno},
	{"vegas", newVegas},
	{"westwood", newWestwood},
	{"highspeed", newHighSpeed},
	{"scalable", newScalable},
}

// familyWindow is the bytes in flight of the scripted sender.
const familyWindow = 100 * testMSS

// familyPath is the RTT the scripted ACKs span a window over.
const familyPath = 100 * units.Millisecond

// familyRestart is how many ACKs a benchmark runs before starting its
// connection over, so that windows stay in the phase measured and the
// figures do not depend on b.N.
const familyRestart = 4096

// familyAck advances ack to the next ACK of the scripted sender.
func familyAck(ack *Ack, i int) {
	ack.Now = ack.Now.Add(familyPath * testMSS / familyWindow)
	ack.Delivered += testMSS
	ack.Sent = ack.Delivered + familyWindow
	ack.RTT = familyPath + units.Duration(i%7)*units.Millisecond
}

// familyStart initializes alg and puts it in phase: slow start as
// initialized, congestion avoidance after an ECN response to a full
// window, fast recovery after a loss.
func familyStart(alg CongestionControl, phase string) {
	alg.Init(0, testMSS, benchIW)
	switch phase {
	case PhaseCongestionAvoidance:
		alg.OnCongestion(&Event{Kind: ECN, Inflight: familyWindow})
	case PhaseFastRecovery:
		alg.OnCongestion(&Event{Kind: Loss, Inflight: familyWindow})
	}
}

func BenchmarkFamilyOnAck(b *testing.B) {
	for _, f := range family {
		for _, phase := range []string{PhaseSlowStart, PhaseCongestionAvoidance, PhaseFastRecovery} {
			b.Run(f.name+"/"+phase, func(b *testing.B) {
				alg := f.make()
				ack := Ack{Acked: testMSS}
				if phase == PhaseFastRecovery {
					// Duplicate ACKs and partial ACKs, alternating.
					ack.InRecovery = true
				}
				b.ReportAllocs()
				for i := range b.N {
					if i%familyRestart == 0 {
						familyStart(alg, phase)
						ack.Now, ack.Delivered = 0, 0
					}
					familyAck(&ack, i)
					if phase == PhaseFastRecovery {
						ack.DupAck = i%2 == 0
						ack.Acked = 0
						if !ack.DupAck {
							ack.Acked = testMSS
						}
					}
					alg.OnAck(&ack)
				}
			})
		}
	}
}

func BenchmarkFamilyOnCongestion(b *testing.B) {
	for _, f := range family {
		b.Run(f.name, func(b *testing.B) {
			alg := f.make()
			alg.Init(0, testMSS, benchIW)
			loss := Event{Kind: Loss, Inflight: familyWindow}
			exit := Event{Kind: RecoveryExit, Inflight: familyWindow / 2}
			b.ReportAllocs()
			for range b.N {
				alg.OnCongestion(&loss)
				alg.OnCongestion(&exit)
			}
		})
	}
}

func TestFamilyZeroAllocs(t *testing.T) {
	events := []Event{
		{Kind: Loss, Inflight: familyWindow},
		{Kind: RecoveryExit, Inflight: familyWindow / 2},
		{Kind: ECN, Inflight: familyWindow},
		{Kind: RTO, Inflight: familyWindow},
		{Kind: IdleRestart},
	}
	for _, f := range family {
		t.Run(f.name, func(t *testing.T) {
			for _, phase := range []string{PhaseSlowStart, PhaseCongestionAvoidance, PhaseFastRecovery} {
				alg := f.make()
				familyStart(alg, phase)
				ack := Ack{Acked: testMSS, InRecovery: phase == PhaseFastRecovery}
				dup := Ack{DupAck: true, InRecovery: true}
				i := 0
				allocs := testing.AllocsPerRun(2000, func() {
					i++
					familyAck(&ack, i)
					alg.OnAck(&ack)
					if phase == PhaseFastRecovery {
						familyAck(&dup, i)
						alg.OnAck(&dup)
					}
				})
				if allocs != 0 {
					t.Errorf("OnAck in %s: %v allocations per call, want 0", phase, allocs)
				}
			}

			alg := f.make()
			familyStart(alg, PhaseCongestionAvoidance)
			if allocs := testing.AllocsPerRun(1000, func() {
				for j := range events {
					alg.OnCongestion(&events[j])
				}
			}); allocs != 0 {
				t.Errorf("OnCongestion: %v allocations per call, want 0", allocs)
			}
			if allocs := testing.AllocsPerRun(1000, func() { _ = alg.Phase() }); allocs != 0 {
				t.Errorf("Phase: %v allocations per call, want 0", allocs)
			}
			if in, ok := alg.(Inspector); ok {
				var internals Internals
				if allocs := testing.AllocsPerRun(1000, func() {
					internals.N = 0
					in.Inspect(&internals)
				}); allocs != 0 {
					t.Errorf("Inspect: %v allocations per call, want 0", allocs)
				}
			}
		})
	}
}

// TestFamilyRegistered checks that every algorithm of the family is
// registered under its name and describes itself for `ccbench list`.
func TestFamilyRegistered(t *testing.T) {
	for _, f := range family {
		alg, err := New(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if alg.Name() != f.name {
			t.Errorf("New(%q) made %q", f.name, alg.Name())
		}
		if d := Describe(f.name); d == "" || len(d) > 100 {
			t.Errorf("%s: description %q; want one line of at most 100 characters", f.name, d)
		}
	}
}
