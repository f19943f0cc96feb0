package experiment

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

const twoFlows = `
[link]
rate = "100Mbit/s"
[[flows]]
cc = "reno"
[[flows]]
cc = "reno"
count = 3
`

func TestSetOverrides(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, twoFlows,
		"link.rate=50Mbit/s",
		"duration=10s",
		"seed=7",
		"tcp.sack=true",
		"tcp.mss=1000",
		"link.loss=1%",
		"reverse.loss=0.5",
		"reverse.rate=1Gbit/s",
		"reverse.buffer=100pkt",
		"flows[1].cc=cubic",
		"flows[1].count=2",
		"name=2024",
		" link.delay = 10ms ",
	)
	if c.Link.Rate != 50*units.MbitPerSecond || c.Duration != 10*units.Second || c.Seed != 7 ||
		!c.TCP.SACK || c.TCP.MSS != 1000 || c.Link.Loss != 0.01 || c.Reverse.Loss != 0.5 ||
		c.Reverse.Rate != units.GbitPerSecond || c.Name != "2024" || c.Link.Delay != 10*units.Millisecond {
		t.Errorf("overrides not applied: %+v", c)
	}
	// The buffer follows the overridden rate and delay, and the reverse
	// delay follows the link's: 50 Mbit/s × (10 ms + 10 ms) / 8.
	if c.BDPBytes() != 125000 || c.Link.Buffer.Bytes != 125000 {
		t.Errorf("BDP %d, buffer %d; want 125000", c.BDPBytes(), c.Link.Buffer.Bytes)
	}
	if c.Reverse.Buffer != (Buffer{Unit: BufferPackets, Packets: 100, Bytes: 104000}) {
		t.Errorf("reverse buffer %+v, want 100 packets of 1040 bytes", c.Reverse.Buffer)
	}
	want := []FlowGroup{{CC: "reno", Count: 1, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement},
		{CC: "cubic", Count: 2, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement}}
	if len(c.Flows) != 2 || c.Flows[0] != want[0] || c.Flows[1] != want[1] {
		t.Errorf("flows %+v, want %+v", c.Flows, want)
	}
}

func TestSetLaterWins(t *testing.T) {
	c := load(t, "", "link.rate=1Mbit/s", "link.rate=2Mbit/s")
	if c.Link.Rate != 2*units.MbitPerSecond {
		t.Errorf("rate %v, want 2Mbit/s", c.Link.Rate)
	}
}

// Without [[flows]] in the file the default entry exists and can be set.
func TestSetDefaultFlow(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	c := load(t, "", "flows[0].cc=cubic", "flows[0].count=4", `flows[0].start="2s"`)
	want := FlowGroup{CC: "cubic", Count: 4, Start: 2 * units.Second, Recovery: "rack", Receiver: "stack", Placement: dumbbellPlacement}
	if len(c.Flows) != 1 || c.Flows[0] != want {
		t.Errorf("flows %+v, want [%+v]", c.Flows, want)
	}
}

// Overrides change the loaded experiment, never the document: loading the
// same bytes again without them gives the file's values.
func TestSetLeavesFileAlone(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	doc := []byte(twoFlows)
	if _, err := LoadBytes("test.toml", doc, []string{"flows[0].cc=cubic"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadBytes("test.toml", doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Flows[0].CC != "reno" {
		t.Errorf("flows[0].cc = %q after an earlier override, want reno", c.Flows[0].CC)
	}
}

func TestSetValueTypes(t *testing.T) {
	for _, tc := range []struct {
		val  string
		k    kind
		want any
	}{
		{"50Mbit/s", kindRate, "50Mbit/s"},
		{"0", kindRate, int64(0)},
		{"7", kindInt, int64(7)},
		{"0.01", kindLoss, 0.01},
		{"1%", kindLoss, "1%"},
		{"true", kindBool, true},
		{`"20ms"`, kindDuration, "20ms"},
		{"2024", kindString, "2024"},
		{"true", kindString, "true"},
		{`"quoted name"`, kindString, "quoted name"},
		{`'literal'`, kindString, "literal"},
		{`"unterminated`, kindString, `"unterminated`},
		{"", kindString, ""},
		{"1\nname = 2", kindInt, "1\nname = 2"},
	} {
		if got := setValue(tc.val, tc.k); got != tc.want {
			t.Errorf("setValue(%q) = %#v, want %#v", tc.val, got, tc.want)
		}
	}
}

// A bad override is reported like a bad file setting, against --set.
func TestSetErrors(t *testing.T) {
	withAlgorithms(t, "reno")
	for _, tc := range []struct{ class, set, want string }{
		{"unknown key", "link.rat=5Mbit/s",
			`--set link.rat: unknown key; did you mean "link.rate"? ` + linkKeysMsg},
		{"unknown key", "durration=5s",
			`--set durration: unknown key; did you mean "duration"? ` + topKeysMsg},
		{"unknown key", "lnk.rate=5Mbit/s",
			`--set lnk.rate: unknown key; did you mean "link.rate"? ` + topKeysMsg},
		{"unknown key", "flows[0].ccc=reno",
			`--set flows[0].ccc: unknown key; did you mean "flows[0].cc"? ` + flowKeysMsg},
		{"unknown key", "link[0].rate=5Mbit/s",
			`--set link[0].rate: unknown key; did you mean "links[0].rate"? ` + linkKeysMsg},
		{"other index syntax", "flows.0.cc=reno",
			`--set flows.0.cc: unknown key; write flows[0].cc to set a key of one [[flows]] entry`},
		{"missing index", "flows.cc=reno",
			`--set flows.cc: needs the index of a [[flows]] entry, e.g. flows[0].cc`},
		{"bad index", "flows[x].cc=reno",
			`--set flows[x].cc: the index in brackets must be a whole number from 0, e.g. flows[0].cc`},
		{"no such flow", "flows[1].cc=reno",
			`--set flows[1].cc: no such entry; the experiment has 1 [[flows]] entry, flows[0]`},
		{"whole table", "link=fast",
			`--set link: is a table and cannot be set as a whole; set one of its keys: rate, delay, buffer, loss, ecn_threshold, qdisc, jitter, jitter_distribution, jitter_correlation, reorder, loss_model, ge_p, ge_r, ge_loss_bad, ge_loss_good, state_p13, state_p31, state_p32, state_p23, state_p14, duplicate, corrupt, policer_rate, policer_burst, trace, overhead, schedule`},
		{"no equals", "link.rate",
			`--set "link.rate": expected key=value, e.g. link.rate=50Mbit/s`},
		{"negative rate", "link.rate=-5Mbit/s",
			`--set link.rate: "-5Mbit/s" is not allowed: must be a positive rate such as "100Mbit/s"`},
		{"algorithm", "flows[0].cc=renoo",
			`--set flows[0].cc: "renoo" is not a registered algorithm; allowed: reno`},
		{"count", "flows[0].count=0",
			`--set flows[0].count: 0 is not allowed: must be a whole number of flows from 1 to 100000`},
		{"bad duration", "duration=30",
			`--set duration: 30 is not allowed: a bare number is ambiguous; add a unit, e.g. "30ms"; units are ns, us (or µs), ms, s, m, h`},
		{"driver", "driver=ns3",
			`--set driver: "ns3" is not a supported driver; allowed: sim, tun`},
	} {
		_, err := LoadBytes("test.toml", nil, []string{tc.set})
		checkOneLine(t, tc.class, err, tc.want)
	}

	_, err := LoadBytes("test.toml", []byte(twoFlows), []string{"flows[2].cc=reno"})
	checkOneLine(t, "no such flow", err,
		`--set flows[2].cc: no such entry; the experiment has 2 [[flows]] entries, flows[0] to flows[1]`)

	// A problem an override causes in a setting it did not touch is
	// reported against the untouched setting, where the file has it.
	_, err = LoadBytes("test.toml", []byte("[link]\nbuffer = \"1bdp\"\n"), []string{"link.rate=0"})
	checkOneLine(t, "bdp without rate", err,
		`test.toml: link.buffer: "1bdp" is not allowed: a multiple of the bandwidth-delay product needs a finite link.rate; give bytes ("256KiB") or packets ("100pkt")`)

	// The file is checked for unknown keys before overrides apply.
	_, err = LoadBytes("test.toml", []byte("[link]\nrat = 1\n"), []string{"link.rate=1Mbit/s"})
	checkOneLine(t, "file key", err, `test.toml: link.rat: unknown key; did you mean "link.rate"? `+linkKeysMsg)

	// An override of a [[flows]] entry when the file's flows are malformed.
	_, err = LoadBytes("test.toml", []byte("[flows]\ncc = \"reno\"\n"), []string{"flows[0].cc=reno"})
	checkOneLine(t, "malformed flows", err,
		`test.toml: flows: a table is not allowed: must be an array of tables, each written [[flows]]`)
}
