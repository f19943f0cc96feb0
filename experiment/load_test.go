package experiment

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// withAlgorithms makes names the registered algorithms for one test.
func withAlgorithms(t *testing.T, names ...string) {
	t.Helper()
	saved := algorithmNames
	algorithmNames = func() []string { return names }
	t.Cleanup(func() { algorithmNames = saved })
}

// load loads doc as the file "test.toml" and fails the test on error.
func load(t *testing.T, doc string, sets ...string) *Config {
	t.Helper()
	c, err := LoadBytes("test.toml", []byte(doc), sets)
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return c
}

// bottleneck is what experiments/bottleneck.toml and the defaults resolve
// to, apart from the name.
// stageDefaults fills in the defaults of the netem stage keys, all off.
func stageDefaults(l Link) Link {
	l.Qdisc, l.JitterDistribution, l.LossModel = "droptail", "uniform", "bernoulli"
	l.GE = GilbertElliott{R: 1, LossBad: 1}
	l.PolicerBurst = 64 << 10
	return l
}

func bottleneck(name string) *Config {
	return &Config{
		Name:             name,
		Driver:           "sim",
		Duration:         30 * units.Second,
		Seed:             1,
		SampleInterval:   100 * units.Millisecond,
		ThroughputWindow: 500 * units.Millisecond,
		MaxReleaseP99:    100 * units.Microsecond,
		SelfCheck:        "refuse",
		IdlePoll:         true,
		Link: stageDefaults(Link{
			Rate:  100 * units.MbitPerSecond,
			Delay: 20 * units.Millisecond,
			// 100 Mbit/s × 40 ms / 8 = 500000 bytes, 333 packets of 1500.
			Buffer: Buffer{Unit: BufferBDP, Multiple: 1, Bytes: 500000, Packets: 333},
		}),
		Reverse: stageDefaults(Link{Delay: 20 * units.Millisecond}),
		TCP: TCP{
			Profile:       "linux",
			MSS:           1460,
			InitialWindow: 10,
			DelayedACK:    40 * units.Millisecond,
			MinRTO:        200 * units.Millisecond,
			InitialRTO:    units.Second,
			RcvBuffer:     4 << 20,
			SndBuffer:     4 << 20,
			SACK:          true,
			Recovery:      "rack",
			FRTO:          true,
			TCPLifecycle:  defaultTCPLifecycle,
		},
		Flows:     []FlowGroup{{CC: "reno", Count: 1, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement}},
		Lifecycle: Lifecycle{Server: defaultServer},
		Topology:  defaultTopology(100 * units.MbitPerSecond),
	}
}

func TestShippedBottleneck(t *testing.T) {
	c, err := Load("../experiments/bottleneck.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := bottleneck("bottleneck"); !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
	if got := c.Link.Rate; got != 100*units.MbitPerSecond {
		t.Errorf("link rate %v, want 100Mbit/s", got)
	}
	if got := c.BaseRTT(); got != 40*units.Millisecond {
		t.Errorf("base RTT %v, want 40ms", got)
	}
	if got := c.BDPBytes(); got != 500000 {
		t.Errorf("BDP %d bytes, want 500000", got)
	}
	if c.Link.Buffer.Bytes != c.BDPBytes() {
		t.Errorf("buffer %d bytes, want one BDP (%d)", c.Link.Buffer.Bytes, c.BDPBytes())
	}
	if c.Duration != 30*units.Second {
		t.Errorf("duration %v, want 30s", c.Duration)
	}
	flows := c.FlowList()
	if len(flows) != 1 || flows[0].CC != "reno" {
		t.Errorf("flows %+v, want one reno flow", flows)
	}
}

// An empty file is a complete experiment: the same as bottleneck.toml,
// named after the file.
func TestDefaults(t *testing.T) {
	c, err := LoadBytes("dir/minimal.toml", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := bottleneck("minimal"); !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

func TestReverseDelayDefaultsToLinkDelay(t *testing.T) {
	c := load(t, "[link]\ndelay = \"50ms\"\n")
	if c.Reverse.Delay != 50*units.Millisecond || c.BaseRTT() != 100*units.Millisecond {
		t.Errorf("reverse delay %v, base RTT %v; want 50ms, 100ms", c.Reverse.Delay, c.BaseRTT())
	}
	// 100 Mbit/s × 100 ms / 8.
	if c.BDPBytes() != 1250000 || c.Link.Buffer.Bytes != 1250000 {
		t.Errorf("BDP %d, buffer %d; want 1250000 both", c.BDPBytes(), c.Link.Buffer.Bytes)
	}
	c = load(t, "[link]\ndelay = \"50ms\"\n[reverse]\ndelay = \"10ms\"\n")
	if c.BaseRTT() != 60*units.Millisecond {
		t.Errorf("base RTT %v, want 60ms", c.BaseRTT())
	}
}

func TestValueForms(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, `
name = "forms"
duration = "1m30s"
seed = 0
[link]
rate = "12.5MB/s"
delay = "250us"
buffer = "100packets"
loss = "1%"
[reverse]
rate = "10Mbit/s"
delay = 0
buffer = "0.5BDP"
loss = 0.001
[tcp]
mss = 1000
delayed_ack = 0
rcv_buffer = 1048576
snd_buffer = "64KB"
sack = true
[[flows]]
cc = "cubic"
count = 2
start = "1.5s"
size = "1MiB"
[[flows]]
`)
	want := &Config{
		Name: "forms", Driver: "sim", Duration: 90 * units.Second,
		SampleInterval: 100 * units.Millisecond, ThroughputWindow: 500 * units.Millisecond,
		MaxReleaseP99: 100 * units.Microsecond,
		SelfCheck:     "refuse",
		IdlePoll:      true,
		Link: stageDefaults(Link{Rate: 100 * units.MbitPerSecond, Delay: 250 * units.Microsecond, Loss: 0.01,
			Buffer: Buffer{Unit: BufferPackets, Packets: 100, Bytes: 100 * 1040}}),
		// The reverse BDP is 10 Mbit/s × 250 us / 8 = 312 bytes (rounded
		// down); half of it is 156 bytes, less than one packet.
		Reverse: stageDefaults(Link{Rate: 10 * units.MbitPerSecond, Loss: 0.001,
			Buffer: Buffer{Unit: BufferBDP, Multiple: 0.5, Bytes: 156, Packets: 0}}),
		TCP: TCP{MSS: 1000, InitialWindow: 10, MinRTO: 200 * units.Millisecond, InitialRTO: units.Second,
			Profile: "linux", RcvBuffer: 1 << 20, SndBuffer: 64000, SACK: true, Recovery: "rack", FRTO: true, TCPLifecycle: defaultTCPLifecycle},
		Flows: []FlowGroup{
			{CC: "cubic", Count: 2, Start: 1500 * units.Millisecond, Size: 1 << 20, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
			{CC: "reno", Count: 1, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
		},
		Lifecycle: Lifecycle{Server: defaultServer},
		Topology:  defaultTopology(100 * units.MbitPerSecond),
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

// TestKeysAreCaseSensitive: TOML keys are case-sensitive, so a key that
// is known only when case is ignored is refused in one line naming the key
// as written and the key it meant, in the file, in --set and in [sweep];
// the first in sorted order, a table before its keys.
func TestKeysAreCaseSensitive(t *testing.T) {
	withAlgorithms(t, "reno")
	const hint = `unknown key; keys are case-sensitive, as in TOML: did you mean `
	cases := []struct {
		doc  string
		sets []string
		want string
	}{
		{"Duration = \"10s\"\n", nil, `test.toml: Duration: ` + hint + `"duration"?`},
		{"[Link]\nrate = \"1Gbit/s\"\n", nil, `test.toml: Link: ` + hint + `"link"?`},
		{"[link]\nRate = \"1Gbit/s\"\n", nil, `test.toml: link.Rate: ` + hint + `"link.rate"?`},
		{"[[flows]]\ncc = \"reno\"\n[[flows]]\nCC = \"reno\"\n", nil, `test.toml: flows[1].CC: ` + hint + `"flows[1].cc"?`},
		{"[[Flows]]\ncc = \"reno\"\n", nil, `test.toml: Flows: ` + hint + `"flows"?`},
		{"Link.rate = \"1Gbit/s\"\n", nil, `test.toml: Link: ` + hint + `"link"?`},
		{"seed = 1\n", []string{"flows[0].CC=reno"}, `--set flows[0].CC: ` + hint + `"flows[0].cc"?`},
		{"seed = 1\n", []string{"Duration=10s"}, `--set Duration: ` + hint + `"duration"?`},
		{"seed = 1\n", []string{"Link.rate=1Gbit/s"}, `--set Link.rate: ` + hint + `"link.rate"?`},
	}
	for _, tc := range cases {
		_, err := LoadBytes("test.toml", []byte(tc.doc), tc.sets)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q %q:\n got %v\nwant %s", tc.doc, tc.sets, err, tc.want)
		}
	}
	_, err := LoadSweepBytes("test.toml", []byte("[sweep]\n\"flows[0].CC\" = [\"reno\"]\n"), nil)
	if want := `test.toml: [sweep] flows[0].CC: ` + hint + `"flows[0].cc"?`; err == nil || err.Error() != want {
		t.Errorf("[sweep]:\n got %v\nwant %s", err, want)
	}
	_, err = LoadSweepBytes("test.toml", []byte("[Sweep]\n\"seed\" = [1, 2]\n"), nil)
	if want := `test.toml: Sweep: ` + hint + `"sweep"?`; err == nil || err.Error() != want {
		t.Errorf("[Sweep]:\n got %v\nwant %s", err, want)
	}
}

// TestRateInBpsRefused: "bps" is bits on datasheets and bytes to tc
// (units.ambiguousBps), so a rate written with it is refused in one line
// naming both readings, from the file and from --set; "MB/s", "MByte/s"
// and "MBps" are bytes in both and are read so.
func TestRateInBpsRefused(t *testing.T) {
	const line = `"100mbps" is not allowed: ambiguous: tc reads "mbps" as megabytes per second (800Mbit/s), network datasheets as megabits per second (100Mbit/s); write "100MB/s" or "100Mbit/s"`
	_, err := LoadBytes("test.toml", []byte("[link]\nrate = \"100mbps\"\n"), nil)
	if want := "test.toml: link.rate: " + line; err == nil || err.Error() != want {
		t.Errorf("file:\n got %v\nwant %s", err, want)
	}
	_, err = LoadBytes("test.toml", nil, []string{"link.rate=100mbps"})
	if want := "--set link.rate: " + line; err == nil || err.Error() != want {
		t.Errorf("--set:\n got %v\nwant %s", err, want)
	}
	for _, r := range []string{"12.5MB/s", "12.5MByte/s", "12.5MBps"} {
		if c := load(t, "", "link.rate="+r); c.Link.Rate != 100*units.MbitPerSecond {
			t.Errorf("%s read as %v, want 100Mbit/s", r, c.Link.Rate)
		}
	}
}

// TestEmptyFileRefused: a file with no setting, empty or only comments,
// is refused in one line rather than run with every default.
func TestEmptyFileRefused(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{"empty.toml": "", "comments.toml": "# just a note\n\n  # another\n"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		want := path + `: the file sets nothing (it is empty or holds only comments), so it would run every default; write the settings to run, e.g. duration = "30s", or start from experiments/bottleneck.toml`
		if _, err := Load(path, nil); err == nil || err.Error() != want {
			t.Errorf("Load %s:\n got %v\nwant %s", name, err, want)
		}
		if _, err := LoadSweep(path, []string{"duration=1s"}); err == nil || err.Error() != want {
			t.Errorf("LoadSweep %s:\n got %v\nwant %s", name, err, want)
		}
	}
}

func TestFlowList(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, `
[[flows]]
cc = "reno"
count = 2
start = "1s"
[[flows]]
cc = "cubic"
size = "10MB"
`)
	want := []Flow{
		{ID: "f0.0", Index: 0, Group: 0, Member: 0, CC: "reno", Start: units.Time(units.Second), Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
		{ID: "f0.1", Index: 1, Group: 0, Member: 1, CC: "reno", Start: units.Time(units.Second), Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
		{ID: "f1.0", Index: 2, Group: 1, Member: 0, CC: "cubic", Size: 10e6, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
	}
	if got := c.FlowList(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestBufferString(t *testing.T) {
	for _, tc := range []struct {
		b    Buffer
		want string
	}{
		{Buffer{}, "unlimited"},
		{Buffer{Unit: BufferBytes, Bytes: 256 << 10}, "256KiB"},
		{Buffer{Unit: BufferBytes, Bytes: 1500}, "1500B"},
		{Buffer{Unit: BufferPackets, Packets: 100}, "100pkt"},
		{Buffer{Unit: BufferBDP, Multiple: 0.5}, "0.5bdp"},
		{Buffer{Unit: BufferBDP, Multiple: 2}, "2bdp"},
	} {
		if got := tc.b.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.b, got, tc.want)
		}
	}
}

// Every key of the schema is decoded, so the schema, the decoder and the
// resolved file cannot drift apart.
// An empty file reads every key but those of a custom network, which
// exist only in one; the keys both read together must be all.
func TestDecoderReadsEverySchemaKey(t *testing.T) {
	read := make(map[string]bool)
	for _, doc := range []string{"", customLine} {
		v, err := newViper([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		d := &decoder{source: "test.toml", tree: v.AllSettings(), read: read}
		d.decode("test")
		if d.err != nil {
			t.Fatal(d.err)
		}
	}
	for _, tb := range schema {
		for _, k := range tb.keys {
			if !read[tb.name+"."+k.name] {
				t.Errorf("schema key %s.%s is never decoded", tb.name, k.name)
			}
		}
	}
}

// A flow's receiver defaults to the driver's own (the kernel under tun,
// the stack under sim), may be set per group under tun, and is written
// back by WriteResolved.
func TestReceiverDefaultsAndRoundTrip(t *testing.T) {
	withAlgorithms(t, "cubic")
	c := load(t, `
driver = "tun"
[[flows]]
cc = "linux:cubic"
[[flows]]
cc = "cubic"
receiver = "stack"
count = 2
`)
	var got []string
	for _, f := range c.FlowList() {
		got = append(got, f.Receiver)
	}
	if want := []string{"kernel", "stack", "stack"}; !slices.Equal(got, want) {
		t.Errorf("tun receivers %v, want %v", got, want)
	}
	path := filepath.Join(t.TempDir(), "r.toml")
	if err := c.WriteResolved(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Flows, c.Flows) {
		t.Errorf("resolved flows load back as %+v, want %+v", back.Flows, c.Flows)
	}
	sim := load(t, "[[flows]]\ncc = \"cubic\"\nreceiver = \"stack\"\n[[flows]]\ncc = \"cubic\"\n")
	for _, g := range sim.Flows {
		if g.Receiver != "stack" {
			t.Errorf("sim receiver %q, want stack", g.Receiver)
		}
	}
}
