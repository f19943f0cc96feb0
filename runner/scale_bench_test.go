package runner

import "testing"

// scale10GbitSets is one CUBIC flow with RACK-TLP over a 10 Gbit/s
// bottleneck with a 10 ms base RTT (a BDP of 12.5 MB, about 8 600
// segments) and a quarter-BDP buffer, so slow start overshoots into a
// burst of drops and every later CUBIC probe loses a few segments: a
// window of thousands of segments in flight with SACKed holes in it, the
// case a scoreboard that scans per ACK gets slow in.
var scale10GbitSets = []string{
	"flows[0].cc=cubic",
	"tcp.recovery=rack",
	"link.rate=10Gbit/s",
	"link.delay=5ms",
	"reverse.delay=5ms",
	"link.buffer=0.25bdp",
	"tcp.rcv_buffer=64MiB",
	"tcp.snd_buffer=64MiB",
	"duration=2s",
	"sample_interval=100ms",
}

// BenchmarkScale10GbitOneFlow runs the 10 Gbit/s scenario above for two
// simulated seconds and reports segments (data and ACK) per wall second.
func BenchmarkScale10GbitOneFlow(b *testing.B) {
	sc := scenario(b, scale10GbitSets...)
	var retrans int64
	benchRuns(b, sc, func(w *world) { retrans = w.flows[0].conn.Probe().Retransmits })
	b.ReportMetric(float64(retrans), "retransmits")
}
