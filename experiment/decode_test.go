package experiment

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// stagesDoc sets every netem stage key of [link] away from its default.
const stagesDoc = `
[link]
buffer = "100pkt"
qdisc = "fq_codel"
jitter = "2ms"
jitter_distribution = "pareto"
jitter_correlation = "25%"
reorder = true
loss_model = "gilbert_elliott"
ge_p = 0.01
ge_r = 0.25
ge_loss_bad = 0.9
ge_loss_good = 0.001
duplicate = 0.02
corrupt = "0.5%"
policer_rate = "50Mbit/s"
policer_burst = "32KiB"
[reverse]
loss_model = "4state"
state_p13 = 0.01
state_p31 = 0.5
state_p32 = 0.25
state_p23 = 0.1
state_p14 = 0.001
`

func TestStageKeysDecode(t *testing.T) {
	c := load(t, stagesDoc)
	l := c.Link
	want := Link{Qdisc: "fq_codel", Jitter: 2 * units.Millisecond, JitterDistribution: "pareto",
		JitterCorrelation: 0.25, Reorder: true, LossModel: "gilbert_elliott",
		GE:        GilbertElliott{P: 0.01, R: 0.25, LossBad: 0.9, LossGood: 0.001},
		Duplicate: 0.02, Corrupt: 0.005, PolicerRate: 50 * units.MbitPerSecond, PolicerBurst: 32 << 10}
	got := l
	got.Rate, got.Delay, got.Buffer, got.Loss, got.ECNThreshold = 0, 0, Buffer{}, 0, Buffer{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("link decodes as\n %+v\nwant\n %+v", got, want)
	}
	if s := c.Reverse.State; s != (FourState{P13: 0.01, P31: 0.5, P32: 0.25, P23: 0.1, P14: 0.001}) || c.Reverse.LossModel != "4state" {
		t.Errorf("reverse 4-state %+v (%s)", s, c.Reverse.LossModel)
	}
	// ge_r defaults to 1 - ge_p, as tc's.
	if r := load(t, "[link]\nloss_model = \"gilbert_elliott\"\nge_p = 0.125\n").Link.GE.R; r != 0.875 {
		t.Errorf("default ge_r = %v, want 0.875", r)
	}
}

func TestStageKeysRoundTrip(t *testing.T) {
	withAlgorithms(t, "reno")
	dir := t.TempDir()
	trace := filepath.Join(dir, "cell.trace")
	if err := os.WriteFile(trace, []byte("1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "stages.toml")
	if err := os.WriteFile(file, []byte(stagesDoc+"trace = \"cell.trace\"\nbuffer = \"64KiB\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Reverse.Trace != trace || c.Reverse.Rate != 0 {
		t.Errorf("trace %q at rate %v, want %q (joined to the file's folder) at 0", c.Reverse.Trace, c.Reverse.Rate, trace)
	}
	out := filepath.Join(t.TempDir(), "resolved.toml")
	if err := c.WriteResolved(out); err != nil {
		t.Fatal(err)
	}
	back, err := Load(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("resolved loads back as\n %+v\nwant\n %+v", back, c)
	}
}

func TestStageKeyErrors(t *testing.T) {
	withAlgorithms(t, "reno")
	for _, tc := range []struct{ class, doc, want string }{
		{"qdisc", "[link]\nqdisc = \"sfq\"\n",
			`test.toml: link.qdisc: "sfq" is not a queue discipline; allowed: droptail, drophead, red, codel, fq_codel, pie`},
		{"jitter", "[link]\njitter = \"-1ms\"\n",
			`test.toml: link.jitter: "-1ms" is not allowed: must not be negative; "0s" for none`},
		{"distribution", "[reverse]\njitter_distribution = \"gauss\"\n",
			`test.toml: reverse.jitter_distribution: "gauss" is not a jitter distribution; allowed: uniform, normal, pareto, paretonormal`},
		{"reorder", "[link]\nreorder = true\n",
			`test.toml: link.reorder: true is not allowed: needs jitter above 0s: only jitter reorders packets`},
		{"loss model", "[link]\nloss_model = \"markov\"\n",
			`test.toml: link.loss_model: "markov" is not a loss model; allowed: bernoulli, gilbert_elliott, 4state`},
		{"probability", "[link]\nge_p = 1.5\n",
			`test.toml: link.ge_p: 1.5 is not allowed: must be a probability from 0 to 1, written 0.01 or "1%"`},
		{"loss with model", "[link]\nloss = 0.01\nloss_model = \"4state\"\n",
			`test.toml: link.loss: 0.01 is not allowed: must be 0 with loss_model = 4state, whose parameters set the loss`},
		{"four-state sum", "[link]\nstate_p13 = 0.75\nstate_p14 = 0.5\n",
			`test.toml: link.state_p13: 0.75 is not allowed: plus state_p14 must not exceed 1`},
		{"policer burst", "[link]\npolicer_rate = \"1Mbit/s\"\npolicer_burst = 0\n",
			`test.toml: link.policer_burst: 0 is not allowed: must be at least one packet's bytes when policer_rate is set`},
		{"trace with rate", "[link]\nrate = \"10Mbit/s\"\ntrace = \"x.trace\"\n",
			`test.toml: link.rate: "10Mbit/s" is not allowed: must be "unlimited" or left out with a trace: the trace gives the capacity`},
	} {
		_, err := LoadBytes("test.toml", []byte(tc.doc), nil)
		checkOneLine(t, tc.class, err, tc.want)
	}
}
