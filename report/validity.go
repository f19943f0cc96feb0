package report

// A run's verdict on itself, as the index, compare and the sweep's summary
// read it. A real-time run's summary carries it (metrics.Validity); a
// simulated run has none and is trusted, its links running exactly as
// configured by construction. A real-time run written before summaries
// kept a verdict has only its release error's: such a run is not taken
// for trusted because it lacks the newer field.

import (
	"fmt"

	"github.com/ccbench/ccbench/metrics"
)

// ValidityOf is s's verdict: its Validity; for a real-time summary
// written before Validity existed, one made from its release error's
// check, the only one that run had; nil for a simulated run.
func ValidityOf(s *metrics.Summary) *metrics.Validity {
	switch r := s.ReleaseError; {
	case s.Validity != nil:
		return s.Validity
	case r == nil:
		return nil
	case r.Valid:
		return &metrics.Validity{Valid: true}
	default:
		return &metrics.Validity{Reasons: []string{fmt.Sprintf(
			"release error p99 %.1f µs above the %.0f µs limit (a summary written before ccbench kept a run's verdict: nothing else was checked)", r.P99Us, r.LimitUs)}}
	}
}

// trusted reports whether s's figures can be used as they are, and when
// not, why.
func trusted(s *metrics.Summary) (bool, []string) {
	v := ValidityOf(s)
	if v == nil {
		return true, nil
	}
	return v.Valid, v.Reasons
}
