package runner

import "testing"

// BenchmarkScale1Gbit64Flows runs 64 CUBIC flows through a 1 Gbit/s
// bottleneck with a 20 ms base RTT and a one-BDP buffer (2.5 MB, about
// 1 700 full packets) for three simulated seconds. At this rate the queue
// and the medium hold thousands of packets, so what the link touches per
// packet while they wait shows up here as it does not at 100 Mbit/s.
func BenchmarkScale1Gbit64Flows(b *testing.B) {
	sc := scenario(b,
		"link.rate=1Gbit/s", "link.delay=10ms", "reverse.delay=10ms",
		"flows[0].cc=cubic", "flows[0].count=64", "duration=3s",
		"tcp.rcv_buffer=1MiB", "tcp.snd_buffer=1MiB")
	benchRuns(b, sc, nil)
}
