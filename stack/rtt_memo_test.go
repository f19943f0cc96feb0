package stack

import (
	"math/rand"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// TestRTTCurrentMatchesBackedOff checks that the timeout the estimator
// keeps (current) is, after every step of a random mix of samples,
// expiries and handshakes, the one worked out afresh from rto and backoff.
func TestRTTCurrentMatchesBackedOff(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 200; trial++ {
		cfg := DefaultConfig()
		cfg.LinuxRTO = trial%2 == 0
		cfg.MinRTO = units.Duration(1+rng.Intn(300)) * units.Millisecond
		cfg.MaxRTO = units.Duration(1+rng.Intn(120)) * units.Second
		cfg.InitialRTO = units.Duration(1+rng.Intn(5000)) * units.Millisecond
		e := newRTTEstimator(&cfg)
		var una Seq
		for step := 0; step < 400; step++ {
			switch k := rng.Intn(10); {
			case k < 6:
				una = una.Add(rng.Intn(100000))
				e.sample(units.Duration(rng.Int63n(int64(2*units.Second))), una, una.Add(rng.Intn(1<<20)))
			case k < 9:
				e.backOff()
			default:
				e.afterHandshake(rng.Intn(2) == 0)
			}
			if got, want := e.current(), e.backedOff(); got != want {
				t.Fatalf("trial %d step %d: current %v, worked out afresh %v", trial, step, got, want)
			}
		}
	}
}
