package runner

import (
	"runtime"
	"testing"
)

// BenchmarkScale10kFlows is issue 15's many-flow case: 10 000 bulk CUBIC
// flows share a 1 Gbit/s bottleneck (20 ms base RTT, 1 BDP buffer) for one
// simulated second with the default socket buffers. It reports segments
// per wall second and the heap the run holds at its end, which is what
// grows with the number of connections. `make scale` runs the full 10 s
// case as a process and reports its peak resident memory.
func BenchmarkScale10kFlows(b *testing.B) {
	sc := scenario(b, "link.rate=1Gbit/s", "link.delay=10ms", "reverse.delay=10ms",
		"duration=1s", "flows[0].cc=cubic", "flows[0].count=10000")
	var heap uint64
	benchRuns(b, sc, func(w *world) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		runtime.KeepAlive(w)
	})
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
}
