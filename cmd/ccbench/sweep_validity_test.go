package main

import (
	"bytes"
	"testing"

	"ccbench/sweep"
)

// A sweep's summary says whether its real-time points can be trusted: one
// line when all can, a line per invalid point after one saying what it
// means; a simulated sweep prints nothing of validity.
func TestPrintSweepValidity(t *testing.T) {
	for _, c := range []struct {
		res  sweep.Result
		want string
	}{
		{sweep.Result{}, ""},
		{sweep.Result{RealTime: 6}, "validity: all 6 real-time points valid\n"},
		{sweep.Result{RealTime: 6, Invalid: []string{"run cc=cubic: release error p99 236 µs above the 100 µs limit", "run cc=bbr: 2 stalls, 103 ms in all"}},
			"INVALID: 2 of 6 real-time points: the emulated network did not run as configured, so their figures are not to be trusted (the index marks them; ccbench compare refuses them without --allow-invalid)\n" +
				"invalid: run cc=cubic: release error p99 236 µs above the 100 µs limit\n" +
				"invalid: run cc=bbr: 2 stalls, 103 ms in all\n"},
	} {
		var b bytes.Buffer
		printSweepValidity(&b, &c.res)
		if b.String() != c.want {
			t.Errorf("printed:\n%s\nwant:\n%s", b.String(), c.want)
		}
	}
}
