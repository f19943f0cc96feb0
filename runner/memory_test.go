package runner

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
)

// TestRunMemoryDoesNotGrowWithDuration runs 500 000 sample intervals of a
// slow flow into a results folder and watches the heap while it runs. A
// recorder that held every sample would hold 500 001 flow and link samples,
// over 200 MB; streaming them to the CSVs keeps the heap within a few
// megabytes of where it started (the sockets' rings, small here, and the
// files' buffers), and the CSVs still get every row.
func TestRunMemoryDoesNotGrowWithDuration(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 5000 s (a few seconds); skipped in -short")
	}
	const samples = 500_001
	cfg, err := experiment.Load(filepath.Join("..", "experiments", "bottleneck.toml"),
		[]string{"duration=5000s", "sample_interval=10ms", "link.rate=100kbit/s", "link.buffer=10pkt",
			"tcp.rcv_buffer=256KiB", "tcp.snd_buffer=256KiB"})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	dir := filepath.Join(t.TempDir(), "run")
	res, err := ExecuteWith(cfg, dir, "run", ExecOptions{Plots: PlotNone})
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	grown := int64(peak) - int64(before.HeapInuse)
	// What holding the samples would take, against the bound.
	held := int64(samples) * int64(unsafe.Sizeof(metrics.FlowSample{})+unsafe.Sizeof(metrics.LinkSample{}))
	// A streaming run grows the heap by 6–9 MB; on a loaded machine the
	// collector can fall behind and let garbage reach 20 MB and more (seen
	// once at 22.5 MB beside callgrind and other test binaries). Holding
	// the samples would take about 200 MB, so a bound of 48 MB still
	// tells the two apart by a factor of four.
	const bound = 48 << 20
	if held < 4*bound {
		t.Fatalf("the test is too small to tell: holding the samples would take %d MB", held>>20)
	}
	if grown > bound {
		t.Errorf("the heap grew by %d MB during a run of %d samples, more than %d MB: the samples are held in memory (all of them would be %d MB)",
			grown>>20, samples, bound>>20, held>>20)
	}
	if !res.Recorder.Streaming() || len(res.Recorder.Flows()[0].Samples) != 0 || len(res.Recorder.Link()) != 0 {
		t.Error("the run kept its samples in memory")
	}
	for _, name := range []string{"flow0.csv", "link.csv"} {
		if n := countLines(t, filepath.Join(dir, name)); n != samples+1 {
			t.Errorf("%s has %d lines, want a header and %d rows", name, n, samples)
		}
	}
	t.Logf("heap grew by %.1f MB at most; holding the samples would take %d MB", float64(grown)/(1<<20), held>>20)
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
