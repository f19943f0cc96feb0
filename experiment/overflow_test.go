package experiment

// Settings whose products or sums exceed what the simulator's int64 units
// hold are one-line errors naming the key, never a silently wrapped value.

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// At 1 Tbit/s, the 1 BDP buffer of experiments/bottleneck.toml (base RTT
// 20 ms + 20 ms) is 10^12 × 0.040 / 8 = 5 000 000 000 bytes. The product
// once wrapped in int64 to 388 313 981 bytes, 13 times too small.
func TestTerabitBDPBuffer(t *testing.T) {
	c, err := Load("../experiments/bottleneck.toml", []string{"link.rate=1Tbit/s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseRTT() != 40*units.Millisecond || c.Link.Buffer.Unit != BufferBDP || c.Link.Buffer.Multiple != 1 {
		t.Fatalf("bottleneck.toml: base RTT %v, buffer %+v; this test assumes 40ms and 1bdp", c.BaseRTT(), c.Link.Buffer)
	}
	const want = 5_000_000_000
	if c.BDPBytes() != want || c.Link.Buffer.Bytes != want || c.Link.Buffer.Packets != want/int64(c.TCP.PacketBytes()) {
		t.Errorf("BDP %d, buffer %+v; want %d bytes", c.BDPBytes(), c.Link.Buffer, want)
	}
	if got := string(c.resolvedTOML()); !strings.Contains(got, "bdp_bytes = 5000000000 ") {
		t.Errorf("resolved file does not give bdp_bytes = 5000000000:\n%s", got)
	}
}

// 12 Gbit/s with an 800 ms base RTT, once a negative BDP, and other rates
// and RTTs whose products pass 2^63 before the division.
func TestHighBDPBuffers(t *testing.T) {
	for _, tc := range []struct {
		sets []string
		want int64
	}{
		{[]string{"link.rate=12Gbit/s", "link.delay=400ms"}, 1_200_000_000},
		{[]string{"link.rate=1Tbit/s", "link.buffer=0.5bdp"}, 2_500_000_000},
		{[]string{"link.rate=100Tbit/s", "link.delay=1h", "link.buffer=2bdp"}, 2 * 100e12 * 7200 / 8},
		{[]string{"link.rate=9223372036854775807bit/s", "link.delay=1ns", "reverse.delay=0s"}, 1152921504},
	} {
		c := load(t, "", tc.sets...)
		if c.Link.Buffer.Bytes != tc.want {
			t.Errorf("%v: buffer %d bytes, want %d", tc.sets, c.Link.Buffer.Bytes, tc.want)
		}
	}
}

// Values beyond what the simulator represents: one line naming the key,
// the problem and what is allowed.
func TestOverflowingSettings(t *testing.T) {
	for _, tc := range []struct {
		class string
		sets  []string
		want  string
	}{
		{"BDP beyond int64", []string{"link.rate=9223372036854775807bit/s", "link.delay=4s"},
			`test.toml: link.buffer: "1bdp" (the default) is not allowed: comes to 9223372036854775807 bytes at 9223372036854.775807Mbit/s and a base RTT of 8s (one BDP is 9223372036854775807 bytes); allowed from 1 to 4611686018427387903 bytes; give bytes ("256KiB") or packets ("100pkt")`},
		{"BDP beyond int64", []string{"link.rate=9223372036854775807bit/s", "link.delay=5s"},
			`test.toml: link.buffer: "1bdp" (the default) is not allowed: comes to 11529215046068469758 bytes at 9223372036854.775807Mbit/s and a base RTT of 10s (one BDP is 11529215046068469758 bytes); allowed from 1 to 4611686018427387903 bytes; give bytes ("256KiB") or packets ("100pkt")`},
		{"huge multiple", []string{"link.buffer=1e300bdp"},
			`--set link.buffer: "1e300bdp" is not allowed: comes to 5e+305 bytes at 100Mbit/s and a base RTT of 40ms (one BDP is 500000 bytes); allowed from 1 to 4611686018427387903 bytes; give bytes ("256KiB") or packets ("100pkt")`},
		{"tiny multiple", []string{"link.buffer=1e-7bdp"},
			`--set link.buffer: "1e-7bdp" is not allowed: comes to 0 bytes at 100Mbit/s and a base RTT of 40ms (one BDP is 500000 bytes); allowed from 1 to 4611686018427387903 bytes; give bytes ("256KiB") or packets ("100pkt")`},
		{"delay beyond the clock", []string{"link.delay=9223372036854775807ns"},
			`--set link.delay: "9223372036854775807ns" is not allowed: makes duration + link.delay exceed 4611686018.427387903s (about 146 years), the furthest a run's clock may reach with room left for its timers; allowed up to 4611685988.427387903s with duration = 30s`},
		{"delays whose sum passes the clock", []string{"link.delay=4000000000s", "reverse.delay=4000000000s"},
			`--set reverse.delay: "4000000000s" is not allowed: makes duration + link.delay + link.jitter + reverse.delay exceed 4611686018.427387903s (about 146 years), the furthest a run's clock may reach with room left for its timers; allowed up to 611685988.427387903s with duration + link.delay + link.jitter = 4000000030s`},
		{"scheduled delay beyond the clock", []string{"link.schedule=10s delay=9223372036s"},
			`--set link.schedule: "10s delay=9223372036s" is not allowed: makes duration + link.schedule exceed 4611686018.427387903s (about 146 years), the furthest a run's clock may reach with room left for its timers; allowed up to 4611685988.427387903s with duration = 30s`},
		{"duration beyond the clock", []string{"duration=9223372036854775807ns", "sample_interval=1s", "throughput_window=1s"},
			`--set duration: "9223372036854775807ns" is not allowed: makes duration exceed 4611686018.427387903s (about 146 years), the furthest a run's clock may reach with room left for its timers; allowed up to 4611686018.427387903s`},
		{"policer bucket beyond the clock", []string{"link.policer_rate=1bit/s", "link.policer_burst=2GB"},
			`--set link.policer_burst: "2GB" is not allowed: 2000000000 bytes at 1bit/s take 1.6e+10s to send; allowed up to 9223372036.854775807s (about 292 years), the longest time the simulator represents`},
		{"RTO beyond the clock", []string{"tcp.initial_rto=9223372036854775807ns"},
			`--set tcp.initial_rto: "9223372036854775807ns" is not allowed: must be at most 2305843009.213693951s (about 73 years): the first retransmission timer is set this far past the run's clock, and the sum must stay within the simulator's clock`},
		{"RTO beyond the clock", []string{"tcp.min_rto=2305843010s"},
			`--set tcp.min_rto: "2305843010s" is not allowed: must be at most 2305843009.213693951s (about 73 years): a retransmission timer is set at least this far past the run's clock, and the sum must stay within the simulator's clock`},
		{"TIME-WAIT beyond the clock", []string{"tcp.msl=4611686018427387904ns"},
			`--set tcp.msl: "4611686018427387904ns" is not allowed: must be at most 1152921504.606846975s (about 36 years): TIME-WAIT ends twice msl past the run's clock, and the sum must stay within the simulator's clock`},
	} {
		_, err := LoadBytes("test.toml", nil, tc.sets)
		checkOneLine(t, tc.class, err, tc.want)
	}
}
