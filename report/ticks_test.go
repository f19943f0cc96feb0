package report

import (
	"slices"
	"testing"
)

func TestRoundTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		target int
		labels []string
	}{
		{0, 6, 10, []string{"0", "1", "2", "3", "4", "5", "6"}},
		{0, 280, 6, []string{"0", "50", "100", "150", "200", "250"}},
		{0, 0.9, 5, []string{"0.0", "0.2", "0.4", "0.6", "0.8"}},
		{0, 1000, 10, []string{"0", "100", "200", "300", "400", "500", "600", "700", "800", "900", "1000"}},
		{0, 0.95, 1, []string{"0"}},
		{3, 3, 10, []string{"3"}},
	} {
		var labels []string
		for _, tk := range (roundTicks{target: tc.target}).Ticks(tc.lo, tc.hi) {
			if !tk.IsMinor() {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, tc.labels) {
			t.Errorf("[%v, %v] target %d: labels %v, want %v", tc.lo, tc.hi, tc.target, labels, tc.labels)
		}
	}
}
