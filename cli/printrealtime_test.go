package cli

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

// A real-time run's printout gives its release error with the stalls, the
// path loss by place, and the verdict with every reason; a valid run says
// so in one line.
func TestPrintRealTime(t *testing.T) {
	s := &metrics.Summary{
		ReleaseError: &metrics.ReleaseError{Packets: 1000, P50Us: 2, P99Us: 236, P999Us: 900, MaxUs: 51000, LimitUs: 100,
			StallThresholdUs: 1000, StallCount: 2, StalledMs: 52.5, Stalls: []metrics.Stall{{AtS: 1.2, LengthMs: 51.4}}},
		PathLoss: &metrics.PathLoss{Read: 607, Released: 587, LinkDropped: 3, Outside: 12,
			Places: []metrics.LossPlace{{Where: "TUN device A transmit queue (tx_dropped)", Packets: 12}}},
		Devices:  &metrics.DeviceSizing{TxQueueLen: 16667, TCPRmemMax: [2]int{6 << 20, 6 << 20}, TCPWmemMax: [2]int{4 << 20, 8 << 20}},
		Validity: &metrics.Validity{Reasons: []string{"first reason", "second reason"}},
	}
	var b strings.Builder
	printRealTime(&b, s)
	want := `relay release error: p50 2.0 µs, p99 236.0 µs (limit 100 µs), p99.9 900.0 µs, max 51000.0 µs over 1000 packets; 2 stalls over 1000 µs, 52.5 ms in all
  stall at 1.200 s for 51.4 ms
  and 1 more stalls (summary.json lists 1)
path: relay read 607 and released 587 packets, emulated links dropped 3, lost outside the links 12
  lost 12 at TUN device A transmit queue (tx_dropped)
devices: transmit queues 16667 datagrams; tcp_rmem max 6MiB / 6MiB, tcp_wmem max 4MiB / 8MiB (namespaces A / B)
run: INVALID, its figures are not to be trusted (2 reasons):
  - first reason
  - second reason
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	printRealTime(&b, &metrics.Summary{Validity: &metrics.Validity{Valid: true}})
	if b.String() != "run: valid\n" {
		t.Errorf("valid run: %q", b.String())
	}
	b.Reset()
	printRealTime(&b, &metrics.Summary{})
	if b.String() != "" {
		t.Errorf("simulated run: %q", b.String())
	}
}
