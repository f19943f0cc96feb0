package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/sweep"
	"github.com/ccbench/ccbench/tun"
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

// realTimeSweepFile is two short real-time points, each a flow on
// ccbench's stack beside one of the kernel's.
const realTimeSweepFile = `name = "rt-validity"
driver = "tun"
duration = "2s"
self_check = "warn"
seed = 1
[link]
rate = "20Mbit/s"
delay = "10ms"
buffer = "1bdp"
[tcp]
recovery = "rack"
[[flows]]
cc = "cubic"
[[flows]]
cc = "linux:cubic"
[sweep]
"flows[0].cc" = ["cubic", "reno"]
`

// A real-time sweep, run for real over TUN devices, carries each point's
// verdict everywhere, whichever it is on this machine at this moment: the
// CLI's summary, index.json and index.html agree with the summaries;
// compare refuses exactly the invalid points; the overlays draw both
// flows of each point, labelled with their endpoints.
func TestRealTimeSweepCarriesValidity(t *testing.T) {
	if err := tun.Available(); err != nil {
		t.Skip(err.Error())
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "rt.toml")
	if err := os.WriteFile(file, []byte(realTimeSweepFile), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "run", file, "--out", out, "--no-budget")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	base := filepath.Join(out, "rt-validity")
	idx, err := report.ReadIndex(base)
	if err != nil {
		t.Fatal(err)
	}
	var invalid []string
	for _, r := range idx.Runs {
		want := report.ValidityOf(r.Summary)
		if want == nil || r.Validity == nil || r.Validity.Valid != want.Valid || strings.Join(r.Validity.Reasons, "; ") != strings.Join(want.Reasons, "; ") {
			t.Errorf("run %s: index.json says %+v, its summary %+v", r.Run, r.Validity, want)
			continue
		}
		if !want.Valid {
			invalid = append(invalid, "invalid: run "+r.Run+": "+strings.Join(want.Reasons, "; "))
		}
		if s := r.Summary; s.ReleaseError != nil && len(s.ReleaseError.Stalls) > 0 {
			svg, _ := os.ReadFile(filepath.Join(base, r.Run, "cwnd.svg"))
			if !strings.Contains(string(svg), "relay stalled: ") {
				t.Errorf("run %s had %d stalls; its cwnd figure does not shade them", r.Run, len(s.ReleaseError.Stalls))
			}
		}
	}
	t.Logf("%d of %d points invalid (load: %s)", len(invalid), len(idx.Runs), loadAverage())
	if len(invalid) == 0 {
		if !strings.Contains(stdout, "\nvalidity: all 2 real-time points valid\n") {
			t.Errorf("stdout does not say every point is valid:\n%s", stdout)
		}
	} else if want := fmt.Sprintf("\nINVALID: %d of 2 real-time points: ", len(invalid)); !strings.Contains(stdout, want) || !strings.Contains(stdout, strings.Join(invalid, "\n")+"\n") {
		t.Errorf("stdout lacks %q and the lines\n%s\n:\n%s", want, strings.Join(invalid, "\n"), stdout)
	}
	page, _ := os.ReadFile(filepath.Join(base, "index.html"))
	if n := strings.Count(string(page), `<tr class="invalid"`); n != len(invalid) {
		t.Errorf("index.html marks %d rows invalid, want %d", n, len(invalid))
	}
	svg, _ := os.ReadFile(filepath.Join(base, "overlay-cwnd.svg"))
	for _, r := range idx.Runs {
		for _, want := range []string{r.Run + ": flow 0 " + r.Values[0] + " (stack→kernel)", r.Run + ": flow 1 linux:cubic (kernel→kernel)"} {
			if !strings.Contains(string(svg), want) {
				t.Errorf("overlay-cwnd.svg lacks %q", want)
			}
		}
	}
	code, _, stderr = runCLI(t, "compare", base, base)
	if refused := strings.Count(stderr, "ccbench: compare: invalid run "); (code != 0) != (len(invalid) > 0) || refused != 2*len(invalid) {
		t.Errorf("compare with %d invalid points: exit %d, %d runs refused:\n%s", len(invalid), code, refused, stderr)
	}
}

// loadAverage is the first line of /proc/loadavg, for the log.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}
