package runner

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
)

// warningsOf runs an experiment file (a sweep's first point) under the
// simulator with sets applied and returns its summary and warnings, as
// Execute records them.
func warningsOf(t *testing.T, file string, sets ...string) (*metrics.Summary, []string) {
	t.Helper()
	sw, err := experiment.LoadSweep(filepath.Join("..", "experiments", file), sets)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := FromConfig(sw.Points[0].Config)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return &res.Summary, Warnings(&res.Summary, &sc)
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWarningReceiveWindow is the case: at 1 Gbit/s and 40 ms the
// default 4 MiB receive buffer holds 33.6 ms of data, so the bulk flow
// waits on the window nearly all its time and utilization stops near
// 80%; the warning says so and names the setting.
func TestWarningReceiveWindow(t *testing.T) {
	s, w := warningsOf(t, "bottleneck.toml", "duration=2s", "link.rate=1Gbit/s")
	checkWarnings(t, w, []string{
		"flows[0]: limited by the receive window 81% of its active time (tcp.rcv_buffer = 4MiB holds 33.6 ms at 1 Gbit/s, under the path's 40 ms RTT plus queue): the window, not the network, set its goodput; raise tcp.rcv_buffer",
	})
	if u := s.Link.Utilization; u > 0.85 {
		t.Fatalf("utilization %.3f: the window should have held it near 80%%", u)
	}
	// A receive buffer that holds the round trip and its queue moves the
	// limit to the send buffer of the same 4 MiB, and a send buffer as
	// large lifts it: the network is left.
	_, w = warningsOf(t, "bottleneck.toml", "duration=2s", "link.rate=1Gbit/s", "tcp.rcv_buffer=16MiB")
	checkWarnings(t, w, []string{
		"flows[0]: limited by its send buffer 81% of its active time (tcp.snd_buffer = 4MiB holds 33.6 ms at 1 Gbit/s, under the path's 40 ms RTT plus queue): the buffer, not the network, set its goodput; raise tcp.snd_buffer",
	})
	_, w = warningsOf(t, "bottleneck.toml", "duration=2s", "link.rate=1Gbit/s", "tcp.rcv_buffer=16MiB", "tcp.snd_buffer=16MiB")
	checkWarnings(t, w, nil)
}

// TestWarningSendBuffer: a 128 KiB send buffer holds 10.5 ms at
// 100 Mbit/s, a quarter of the round trip, so the sender has sent all it
// holds long before the window fills.
func TestWarningSendBuffer(t *testing.T) {
	s, w := warningsOf(t, "bottleneck.toml", "duration=3s", "tcp.snd_buffer=128KiB")
	checkWarnings(t, w, []string{
		"flows[0]: limited by its send buffer 95% of its active time (tcp.snd_buffer = 128KiB holds 10.5 ms at 100 Mbit/s, under the path's 40 ms RTT plus queue): the buffer, not the network, set its goodput; raise tcp.snd_buffer",
	})
	if l := s.Flows[0].SenderLimits; l.RwndLimitedSeconds != 0 || l.AppLimitedSeconds != 0 {
		t.Fatalf("limits %+v: only the send buffer held this sender", *l)
	}
}

// TestWarningApplicationLimited: incast senders answer a request, then
// wait for the next with nothing to send; every one of them is
// application-limited most of its time, and eight of them share a line.
func TestWarningApplicationLimited(t *testing.T) {
	_, w := warningsOf(t, "scenarios/incast.toml", "duration=200ms")
	checkWarnings(t, w, []string{
		"8 flows (flows 0-7): application-limited 88% to 92% of their active time: the application, not the network, set their goodput",
	})
}

// TestNoWarningsShippedBottleneck: the shipped bottleneck (100 Mbit/s,
// 40 ms, 4 MiB buffers) is held by the network alone: every second of
// its sender's active time is busy.
func TestNoWarningsShippedBottleneck(t *testing.T) {
	s, w := warningsOf(t, "bottleneck.toml", "duration=5s")
	checkWarnings(t, w, nil)
	l := s.Flows[0].SenderLimits
	if l == nil || l.BusySeconds != l.ActiveSeconds || l.ActiveSeconds < 4.9 {
		t.Fatalf("sender limits %+v: want all of about 5 s busy", l)
	}
}

// TestWarningInvalidRun: an invalid real-time run's verdict is in
// validity; the warnings name it too, so they are complete on their own.
func TestWarningInvalidRun(t *testing.T) {
	s := &metrics.Summary{Validity: &metrics.Validity{Valid: false, Reasons: []string{"a", "b"}}}
	checkWarnings(t, Warnings(s, nil), []string{
		"validity: the run is invalid (2 reasons under validity): its figures do not measure the emulated network; run it again on a quieter host",
	})
	s.Validity = &metrics.Validity{Valid: true}
	checkWarnings(t, Warnings(s, nil), nil)
}

// TestWarningThreshold: a limit over a tenth of the active time is named,
// one of a tenth or less is not; five flows held by one limit share a
// line naming them as runs of ids.
func TestWarningThreshold(t *testing.T) {
	flow := func(id int, rwnd float64) metrics.FlowSummary {
		return metrics.FlowSummary{ID: id, SenderLimits: &metrics.SenderLimits{ActiveSeconds: 10, BusySeconds: 10 - rwnd, RwndLimitedSeconds: rwnd}}
	}
	s := &metrics.Summary{Flows: []metrics.FlowSummary{flow(0, 1), flow(1, 1.01)}}
	checkWarnings(t, Warnings(s, nil), []string{
		"flows[1]: limited by the receive window 10% of its active time: the window, not the network, set its goodput; raise tcp.rcv_buffer",
	})
	s.Flows = []metrics.FlowSummary{flow(0, 2), flow(1, 3), flow(2, 5), flow(5, 9), flow(7, 4)}
	checkWarnings(t, Warnings(s, nil), []string{
		"5 flows (flows 0-2, 5, 7): limited by the receive window 20% to 90% of their active time: the window, not the network, set their goodput; raise tcp.rcv_buffer",
	})
}

// TestWarningKernelBuffers: a real-time flow whose buffer is the kernel's
// is pointed at the sysctl that sizes it, not at [tcp]; one on ccbench's
// stack keeps the setting.
func TestWarningKernelBuffers(t *testing.T) {
	l := &metrics.SenderLimits{ActiveSeconds: 10, RwndLimitedSeconds: 5, SndbufLimitedSeconds: 3, BusySeconds: 2}
	s := &metrics.Summary{Flows: []metrics.FlowSummary{{ID: 0, Endpoints: "kernel→kernel", SenderLimits: l}}}
	checkWarnings(t, Warnings(s, nil), []string{
		"flows[0]: limited by the receive window 50% of its active time: the window, not the network, set its goodput; raise the receiver's net.ipv4.tcp_rmem maximum",
		"flows[0]: limited by its send buffer 30% of its active time: the buffer, not the network, set its goodput; raise the sender's net.ipv4.tcp_wmem maximum",
	})
	s.Flows[0].Endpoints = "stack→stack"
	checkWarnings(t, Warnings(s, nil), []string{
		"flows[0]: limited by the receive window 50% of its active time: the window, not the network, set its goodput; raise tcp.rcv_buffer",
		"flows[0]: limited by its send buffer 30% of its active time: the buffer, not the network, set its goodput; raise tcp.snd_buffer",
	})
}
