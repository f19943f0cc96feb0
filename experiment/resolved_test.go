package experiment

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The resolved file loads back to the same Config, for the shipped
// experiment and for one that uses every other form of value.
func TestWriteResolvedRoundTrip(t *testing.T) {
	withAlgorithms(t, "cubic", "reno")
	shipped, err := Load("../experiments/bottleneck.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	varied := load(t, `
name = "varied.run-1"
duration = "1m30s"
seed = 42
sample_interval = "10ms"
throughput_window = "10ms"
[link]
rate = "1.5Gbit/s"
delay = "1.25ms"
buffer = "0.75bdp"
loss = "0.1%"
[reverse]
rate = "12.5MB/s"
delay = "3ms"
buffer = "64KB"
loss = 0.25
[tcp]
mss = 1448
initial_window = 4
delayed_ack = "0"
min_rto = "1s"
initial_rto = "3s"
rcv_buffer = "64MiB"
snd_buffer = 100000
sack = true
[[flows]]
cc = "cubic"
count = 3
start = "250ms"
size = "1500000"
[[flows]]
cc = "reno"
start = "45s"
`)
	dir := t.TempDir()
	for _, c := range []*Config{shipped, varied} {
		path := filepath.Join(dir, c.Name+".toml")
		if err := c.WriteResolved(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path, nil)
		if err != nil {
			t.Fatalf("loading the resolved %s: %v", c.Name, err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("resolved %s loads back as\n %+v\nwant\n %+v", c.Name, back, c)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("directory holds %d files, want 2 (no temporary files left)", len(entries))
	}
}

func TestWriteResolvedContent(t *testing.T) {
	c, err := Load("../experiments/bottleneck.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "resolved.toml")
	if err := c.WriteResolved(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, want := range []string{
		"\nname = \"bottleneck\" ",
		"\nduration = \"30s\" ",
		"\n[link]\nrate = \"100Mbit/s\" ",
		"\nbuffer = \"1bdp\" ",
		"\nloss = 0.0 ",
		"\n[reverse]\nrate = \"unlimited\" ",
		"\nrcv_buffer = \"4MiB\" ",
		"\nsack = true ",
		"\n[[flows]]\ncc = \"reno\" ",
		"\nsize = \"0B\" ",
		"\n# base_rtt = \"40ms\"  # link.delay + reverse.delay\n",
		"\n# bdp_bytes = 500000  # link.rate × base_rtt / 8\n",
		"\n# link_buffer_bytes = 500000\n",
		"\n# link_buffer_packets = 333  # of packet_bytes\n",
		"\n# reverse_buffer_bytes = \"unlimited\"\n",
		"\n# flow_count = 1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("resolved file lacks %q:\n%s", want, got)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
}

// Writing over an existing file replaces it whole; writing into a missing
// directory fails without leaving anything behind.
func TestWriteResolvedAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.toml")
	if err := os.WriteFile(path, []byte("old content that is longer than nothing"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := load(t, "")
	if err := c.WriteResolved(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "old content") || !strings.HasPrefix(string(data), "# Experiment \"test\"") {
		t.Errorf("file not replaced:\n%s", data)
	}
	if err := c.WriteResolved(filepath.Join(dir, "missing", "r.toml")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
}

func TestTOMLString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"reno", `"reno"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"tab\there\n", `"tab\there\n"`},
		{"bell\a", `"bell\u0007"`},
		{"µs", `"µs"`},
	} {
		if got := tomlString(tc.in); got != tc.want {
			t.Errorf("tomlString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
