package runner

import "testing"

// BenchmarkSlowLinkRun runs the issue-15 fixed-cost case: one Reno flow
// for 10 simulated seconds at 10 Mbit/s and a 20 ms RTT, about 13 000
// segments, where set-up and summaries weigh as much as the simulation.
// It covers the whole run as Execute does it short of writing files.
func BenchmarkSlowLinkRun(b *testing.B) {
	sc := scenario(b, "link.rate=10Mbit/s", "link.delay=10ms", "reverse.delay=10ms", "duration=10s")
	segs := benchRuns(b, sc, nil)
	b.ReportMetric(float64(segs)/float64(b.N), "segments/run")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(segs), "ns/segment")
}
