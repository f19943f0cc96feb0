package cli

import (
	"strings"
	"testing"
)

// TestNetworkRunNamesItsLinks: on a network the CLI's link line names the
// link it reports (link 0, which need not be the bottleneck), and every
// other link with a rate gets a line; the dumbbell's line stays "link:".
func TestNetworkRunNamesItsLinks(t *testing.T) {
	code, out, stderr := runCLI(t, "run", "../experiments/scenarios/parking-lot.toml", "--out", t.TempDir(), "--no-plots", "--set", "duration=2s", "--set", "fairness_from=0s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"\nlink r0->r1: 100.0 Mbit/s", "\nlink r1->r2: 100.0 Mbit/s", "\nlink r2->r3: 100.0 Mbit/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "link r1->r0") {
		t.Errorf("a link without a rate got a line:\n%s", out)
	}
}
