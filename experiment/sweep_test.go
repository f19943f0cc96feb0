package experiment

import (
	"slices"
	"strings"
	"testing"
)

const sweepFile = `
name = "grid"
seed = 10
repetitions = 2
[link]
rate = "100Mbit/s"
[[flows]]
cc = "reno"
[sweep]
"flows[0].cc" = ["reno", "cubic"]
link.buffer = ["0.25bdp", "4bdp"]
`

func TestSweepExpandsCrossProductTimesRepetitions(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	sw, err := LoadSweepBytes("grid.toml", []byte(sweepFile), []string{"duration=5s"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sw.Keys, []string{"flows[0].cc", "link.buffer"}) || sw.Repetitions != 2 || sw.Name != "grid" {
		t.Fatalf("keys %v reps %d name %q", sw.Keys, sw.Repetitions, sw.Name)
	}
	var runs []string
	for _, p := range sw.Points {
		runs = append(runs, p.Run)
	}
	want := []string{
		"cc=reno,link.buffer=0.25bdp,rep=0", "cc=reno,link.buffer=0.25bdp,rep=1",
		"cc=reno,link.buffer=4bdp,rep=0", "cc=reno,link.buffer=4bdp,rep=1",
		"cc=cubic,link.buffer=0.25bdp,rep=0", "cc=cubic,link.buffer=0.25bdp,rep=1",
		"cc=cubic,link.buffer=4bdp,rep=0", "cc=cubic,link.buffer=4bdp,rep=1",
	}
	if !slices.Equal(runs, want) {
		t.Fatalf("runs\n%v\nwant\n%v", runs, want)
	}
	p := sw.Points[7]
	c := p.Config
	if c.Flows[0].CC != "cubic" || c.Link.Buffer.Multiple != 4 || c.Seed != 11 || c.Duration.Seconds() != 5 || p.Rep != 1 {
		t.Errorf("point %s: cc %s buffer %v seed %d duration %v", p.Run, c.Flows[0].CC, c.Link.Buffer, c.Seed, c.Duration)
	}
	if want := []string{"duration=5s", `flows[0].cc="cubic"`, `link.buffer="4bdp"`, "seed=11"}; !slices.Equal(p.Sets, want) {
		t.Errorf("sets %q, want %q", p.Sets, want)
	}
	if !slices.Equal(p.Values, []string{"cubic", "4bdp"}) {
		t.Errorf("values %q", p.Values)
	}
}

func TestSweepSeedsDeriveFromSweptSeed(t *testing.T) {
	withAlgorithms(t, "reno")
	sw, err := LoadSweepBytes("s.toml", []byte("[sweep]\nseed = [100, 200]\nrepetitions = 2\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var seeds []uint64
	var runs []string
	for _, p := range sw.Points {
		seeds = append(seeds, p.Config.Seed)
		runs = append(runs, p.Run)
	}
	if !slices.Equal(seeds, []uint64{100, 101, 200, 201}) {
		t.Errorf("seeds %v", seeds)
	}
	if runs[3] != "seed=200,rep=1" {
		t.Errorf("run %q", runs[3])
	}
}

func TestPlainFileIsOnePoint(t *testing.T) {
	withAlgorithms(t, "reno")
	sw, err := LoadSweepBytes("plain.toml", []byte("seed = 4\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sw.IsSweep() || len(sw.Points) != 1 || sw.Points[0].Config.Seed != 4 {
		t.Errorf("plain file: %+v", sw)
	}
}

func TestRunNamesAreFileSafe(t *testing.T) {
	if got := safeName(`a/b\c:d*e f=1,g.h`); got != "a_b_c_d_e_f=1,g.h" {
		t.Errorf("safeName: %q", got)
	}
	if got := axisLabels([]string{"flows[0].cc", "flows[1].cc", "flows[0].count"}); !slices.Equal(got, []string{"flows[0].cc", "flows[1].cc", "count"}) {
		t.Errorf("labels %q", got)
	}
}

func TestSweepErrors(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	for _, tc := range []struct{ doc, want string }{
		{"[sweep]\n\"link.bufer\" = [\"1bdp\"]\n", "g.toml: [sweep] link.bufer: unknown key; did you mean \"link.buffer\"?"},
		{"[sweep]\n\"flows.cc\" = [\"reno\"]\n", "g.toml: [sweep] flows.cc: needs the index of a [[flows]] entry"},
		{"[sweep]\n\"link.buffer\" = \"1bdp\"\n", `g.toml: [sweep] link.buffer: "1bdp" is not allowed: must be a non-empty list`},
		{"[sweep]\n\"link.buffer\" = []\n", `g.toml: [sweep] link.buffer: an array is not allowed: must be a non-empty list`},
		{"[sweep]\n\"link.buffer\" = [\"1bdp\", \"1bdp\"]\n", `"1bdp" is listed twice`},
		{"repetitions = 0\n", "g.toml: repetitions: 0 is not allowed"},
		{"repetitions = 2\n[sweep]\nrepetitions = 2\n", "repetitions: is given twice"},
		{"[sweep]\n\"flows[0].cc\" = [\"reno\", \"vegas\"]\n", `--set flows[0].cc: "vegas" is not a registered algorithm; allowed: cubic, reno`},
		{"[sweep]\n\"flows[3].cc\" = [\"reno\"]\n", "--set flows[3].cc: no such entry"},
		{"sweep = 3\n", "g.toml: sweep: 3 is not allowed"},
		{"[link\n", "g.toml:1"},
	} {
		_, err := LoadSweepBytes("g.toml", []byte(tc.doc), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.doc, err, tc.want)
		}
	}
}
