package experiment

import (
	"errors"
	"strings"
	"testing"
)

const (
	topKeysMsg  = "allowed top-level keys: name, driver, duration, seed, sample_interval, throughput_window, fairness_from, fairness_to, max_release_p99, self_check, idle_poll, and the tables [link], [reverse], [tcp], [[flows]], [[cross]], [server], [[clients]], [[flood]], [topology], [[nodes]], [[links]]"
	linkKeysMsg = "allowed keys in [link]: rate, delay, buffer, loss, ecn_threshold, qdisc, jitter, jitter_distribution, jitter_correlation, reorder, loss_model, ge_p, ge_r, ge_loss_bad, ge_loss_good, state_p13, state_p31, state_p32, state_p23, state_p14, duplicate, corrupt, policer_rate, policer_burst, trace, overhead, schedule"
	flowKeysMsg = "allowed keys in [[flows]]: cc, count, start, size, recovery, receiver, arrivals, load, size_distribution, mean_size, size_cdf, from, to, path, direction, stop, rtt, access_delay, access_rate, rounds"
)

// Every problem in a file is reported as exactly one line naming the file,
// the key, the value and what is allowed.
func TestFileErrors(t *testing.T) {
	withAlgorithms(t, "reno")
	for _, tc := range []struct{ class, doc, want string }{
		// Unknown algorithm.
		{"algorithm", "[[flows]]\ncc = \"renoo\"\n",
			`test.toml: flows[0].cc: "renoo" is not a registered algorithm; allowed: reno`},
		{"algorithm", "[[flows]]\n[[flows]]\ncc = \"Reno\"\n",
			`test.toml: flows[1].cc: "Reno" is not a registered algorithm; allowed: reno`},

		// Rates.
		{"negative rate", "[link]\nrate = \"-5Mbit/s\"\n",
			`test.toml: link.rate: "-5Mbit/s" is not allowed: must be a positive rate such as "100Mbit/s"`},
		{"bad rate", "[link]\nrate = \"100Mbs\"\n",
			`test.toml: link.rate: "100Mbs" is not allowed: unknown unit "Mbs"; units are bit/s, b/s (bits) or B/s, Bps, byte/s (bytes), with an optional decimal prefix k, M, G or T`},
		{"bare rate", "[reverse]\nrate = 100\n",
			`test.toml: reverse.rate: 100 is not allowed: a bare number is ambiguous; add a unit, e.g. "100Mbit/s" (bits) or "100MB/s" (bytes)`},
		{"rate type", "[link]\nrate = true\n",
			`test.toml: link.rate: true is not allowed: must be a rate such as "100Mbit/s", "1.5Gbit/s" or "12.5MB/s", or "unlimited"`},

		// Misspelled or unknown keys.
		{"misspelled key", "[link]\nrat = \"5Mbit/s\"\n",
			`test.toml: link.rat: unknown key; did you mean "link.rate"? ` + linkKeysMsg},
		{"misspelled key", "durration = \"10s\"\n",
			`test.toml: durration: unknown key; did you mean "duration"? ` + topKeysMsg},
		{"misspelled key", "[tcp]\ndelayed_akc = \"40ms\"\n",
			`test.toml: tcp.delayed_akc: unknown key; did you mean "tcp.delayed_ack"? allowed keys in [tcp]: profile, mss, initial_window, delayed_ack, min_rto, initial_rto, rcv_buffer, snd_buffer, sack, recovery, ecn, pacing, frto, tso_deferral, msl, syn_retries, synack_retries, syn_cookies, fast_open, ephemeral_ports`},
		{"misspelled key", "[[flows]]\ncc = \"reno\"\n[[flows]]\nccount = 2\n",
			`test.toml: flows[1].ccount: unknown key; did you mean "flows[1].count"? ` + flowKeysMsg},
		{"misspelled table", "[lnik]\nrate = \"5Mbit/s\"\n",
			`test.toml: lnik.rate: unknown key; did you mean "link.rate"? ` + topKeysMsg},
		{"key in wrong table", "rate = \"5Mbit/s\"\n",
			`test.toml: rate: unknown key; did you mean "link.rate"? ` + topKeysMsg},
		{"unknown key", "[link]\ncolour = \"blue\"\n",
			`test.toml: link.colour: unknown key; ` + linkKeysMsg},

		// Durations.
		{"bad duration", "duration = \"30\"\n",
			`test.toml: duration: "30" is not allowed: a bare number is ambiguous; add a unit, e.g. "30ms"; units are ns, us (or µs), ms, s, m, h`},
		{"bad duration", "duration = 30\n",
			`test.toml: duration: 30 is not allowed: a bare number is ambiguous; add a unit, e.g. "30ms"; units are ns, us (or µs), ms, s, m, h`},
		{"bad duration", "[link]\ndelay = \"20 msec\"\n",
			`test.toml: link.delay: "20 msec" is not allowed: unknown unit "msec"; units are ns, us (or µs), ms, s, m, h`},
		{"bad duration", "[link]\ndelay = \"-20ms\"\n",
			`test.toml: link.delay: "-20ms" is not allowed: must not be negative; "0s" for none`},
		{"bad duration", "duration = \"0s\"\n",
			`test.toml: duration: "0s" is not allowed: must be longer than 0s, e.g. "30s"`},
		{"bad duration", "[tcp]\ndelayed_ack = \"500ms\"\n",
			`test.toml: tcp.delayed_ack: "500ms" is not allowed: must be 0 (delayed ACKs off) or below 500ms (RFC 9293 §3.8.6.3)`},
		{"bad duration", "throughput_window = \"50ms\"\n",
			`test.toml: throughput_window: "50ms" is not allowed: must be at least sample_interval (100ms), so every byte falls in some window, and at most the duration (30s)`},
		{"bad duration", "max_release_p99 = \"0s\"\n",
			`test.toml: max_release_p99: "0s" is not allowed: must be longer than 0s, e.g. "100us"`},
		{"bad duration", "[[flows]]\nstart = \"30s\"\n",
			`test.toml: flows[0].start: "30s" is not allowed: must be from 0s to before the end of the run (duration = 30s)`},
		{"bad duration", "duration = [1, 2]\n",
			`test.toml: duration: an array is not allowed: must be a duration such as "20ms", "1.5s" or "250us"`},

		// Buffers.
		{"bad buffer", "[link]\nbuffer = \"lots\"\n",
			`test.toml: link.buffer: "lots" is not allowed: must be bytes ("256KiB"), packets ("100pkt"), a multiple of the bandwidth-delay product ("1bdp") or "unlimited"`},
		{"bad buffer", "[link]\nbuffer = \"0pkt\"\n",
			`test.toml: link.buffer: "0pkt" is not allowed: must be more than zero; write "unlimited" for no limit`},
		{"bad buffer", "[link]\nbuffer = 0\n",
			`test.toml: link.buffer: 0 is not allowed: must be more than zero; write "unlimited" for no limit`},
		{"bad buffer", "[link]\nbuffer = \"1.5pkt\"\n",
			`test.toml: link.buffer: "1.5pkt" is not allowed: a packet count must be a whole number such as "100pkt"`},
		{"bad buffer", "[link]\nbuffer = \"-1bdp\"\n",
			`test.toml: link.buffer: "-1bdp" is not allowed: a multiple of the bandwidth-delay product must be a number such as "1bdp" or "0.5bdp"`},
		{"bad buffer", "[link]\nrate = \"unlimited\"\n",
			`test.toml: link.buffer: "1bdp" (the default) is not allowed: a multiple of the bandwidth-delay product needs a finite link.rate; give bytes ("256KiB") or packets ("100pkt")`},
		{"bad buffer", "[link]\ndelay = 0\n[reverse]\ndelay = 0\n",
			`test.toml: link.buffer: "1bdp" (the default) is not allowed: a multiple of the bandwidth-delay product needs a base RTT (link.delay + reverse.delay) above 0s; give bytes ("256KiB") or packets ("100pkt")`},
		{"bad buffer", "[reverse]\nbuffer = \"2bdp\"\n",
			`test.toml: reverse.buffer: "2bdp" is not allowed: a multiple of the bandwidth-delay product needs a finite reverse.rate; give bytes ("256KiB") or packets ("100pkt")`},

		// Loss.
		{"loss range", "[link]\nloss = 1.5\n",
			`test.toml: link.loss: 1.5 is not allowed: must be a probability 0 <= loss < 1 such as 0.01 or "1%"`},
		{"loss range", "[link]\nloss = 1\n",
			`test.toml: link.loss: 1 is not allowed: must be a probability 0 <= loss < 1 such as 0.01 or "1%"`},
		{"loss range", "[reverse]\nloss = -0.1\n",
			`test.toml: reverse.loss: -0.1 is not allowed: must be a probability 0 <= loss < 1 such as 0.01 or "1%"`},
		{"loss range", "[link]\nloss = \"150%\"\n",
			`test.toml: link.loss: "150%" is not allowed: must be a probability 0 <= loss < 1 such as 0.01 or "1%"`},
		{"loss range", "[link]\nloss = \"some\"\n",
			`test.toml: link.loss: "some" is not allowed: must be a probability 0 <= loss < 1 such as 0.01 or "1%"`},

		// Driver.
		{"driver", "driver = \"ns3\"\n",
			`test.toml: driver: "ns3" is not a supported driver; allowed: sim, tun`},

		// Count.
		{"count", "[[flows]]\ncount = 0\n",
			`test.toml: flows[0].count: 0 is not allowed: must be a whole number of flows from 1 to 100000`},
		{"count", "[[flows]]\ncount = \"2\"\n",
			`test.toml: flows[0].count: "2" is not allowed: must be a whole number`},

		// TOML syntax, with the line (and column where go-toml knows it).
		{"syntax", "duration = \"30s\"\n[link\nrate = \"1Gbit/s\"\n",
			`test.toml:2:6: TOML syntax error: expected character ]`},
		{"syntax", "[link]\nrate = 5Mbit/s\n",
			`test.toml:2:9: TOML syntax error: expected newline but got U+004D 'M'`},
		{"syntax", "[link]\nrate = \"1Gbit/s\"\ndelay = \"1ms\"\nrate = \"2Gbit/s\"\n",
			`test.toml:4: TOML syntax error: key rate is already defined`},
		{"syntax", "[tcp]\nmss = 1000\n[tcp]\nsack = true\n",
			`test.toml:3: TOML syntax error: table tcp already exists`},

		// Shapes and types.
		{"shape", "link = 5\n",
			`test.toml: link: 5 is not allowed: must be a table written [link]; ` + linkKeysMsg},
		{"shape", "[flows]\ncc = \"reno\"\n",
			`test.toml: flows: a table is not allowed: must be an array of tables, each written [[flows]]`},
		{"shape", "flows = []\n",
			`test.toml: flows: [] is not allowed: must have at least one [[flows]] entry`},
		{"type", "seed = \"one\"\n",
			`test.toml: seed: "one" is not allowed: must be a whole number`},
		{"type", "seed = -1\n",
			`test.toml: seed: -1 is not allowed: must be a whole number from 0`},
		{"type", "[tcp]\nsack = \"yes\"\n",
			`test.toml: tcp.sack: "yes" is not allowed: must be true or false`},
		{"type", "[tcp]\nmss = 9000\n",
			`test.toml: tcp.mss: 9000 is not allowed: must be between 88 and 1972 bytes`},
		{"type", "[tcp]\nrcv_buffer = \"2KiB\"\n",
			`test.toml: tcp.rcv_buffer: "2KiB" is not allowed: must be between two segments (2920 bytes) and 1073725440 bytes, the largest window RFC 7323 can advertise`},
		// Receivers: the sim driver has only ccbench's stack.
		{"receiver", "[[flows]]\nreceiver = \"kernel\"\n",
			`test.toml: flows[0].receiver: "kernel" is not allowed: needs driver = "tun"; allowed with driver = "sim": stack`},
		{"receiver", "driver = \"tun\"\n[[flows]]\nreceiver = \"kern\"\n",
			`test.toml: flows[0].receiver: "kern" is not a receiver; allowed: kernel, stack`},
		{"receiver", "driver = \"tun\"\n[[flows]]\nreceiver = \"stack\"\narrivals = \"poisson\"\n",
			`test.toml: flows[0].receiver: "stack" is not allowed: must be "kernel" with arrivals = poisson and driver = "tun": a workload's flows are received by B's kernel`},
		{"name", "name = \"../up\"\n",
			`test.toml: name: "../up" is not allowed: must be 1 to 100 letters, digits, '-', '_' or '.', not starting with '.' (it names the directory results/<name>/)`},
	} {
		_, err := LoadBytes("test.toml", []byte(tc.doc), nil)
		checkOneLine(t, tc.class, err, tc.want)
	}
}

func TestDefaultNameFromBadFileName(t *testing.T) {
	_, err := LoadBytes("my experiment.toml", nil, nil)
	checkOneLine(t, "name", err, `my experiment.toml: name: the default "my experiment", taken from the file name, is not allowed: must be 1 to 100 letters, digits, '-', '_' or '.', not starting with '.' (it names the directory results/<name>/); set name in the file`)
}

func TestNoAlgorithmRegistered(t *testing.T) {
	withAlgorithms(t)
	_, err := LoadBytes("test.toml", nil, nil)
	checkOneLine(t, "algorithm", err, `test.toml: flows[0].cc: "reno" (the default) is not a registered algorithm; none is registered`)
}

func TestErrorTypes(t *testing.T) {
	_, err := LoadBytes("test.toml", []byte("[link]\nrate = \"-1bit/s\"\n"), nil)
	var e *Error
	if !errors.As(err, &e) || e.Source != "test.toml" || e.Key != "link.rate" {
		t.Errorf("got %#v, want an *Error for test.toml, link.rate", err)
	}
	_, err = LoadBytes("test.toml", []byte("[link\n"), nil)
	var se *SyntaxError
	if !errors.As(err, &se) || se.File != "test.toml" || se.Line != 1 {
		t.Errorf("got %#v, want a *SyntaxError for test.toml line 1", err)
	}
	_, err = Load("no/such/file.toml", nil)
	if err == nil || !strings.Contains(err.Error(), "no/such/file.toml") {
		t.Errorf("missing file: got %v, want an error naming the file", err)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ key, prefix, want string }{
		{"link.rat", "link.", "link.rate"},
		{"link.rtae", "link.", "link.rate"},
		{"lnk.rate", "", "link.rate"},
		{"sample_intervall", "", "sample_interval"},
		{"reverse.dealy", "reverse.", "reverse.delay"},
		{"tcp.rate", "tcp.", "link.rate"},
		{"flows[3].cnt", "flows[3].", "flows[3].cc"},
		{"flows[3].sise", "flows[3].", "flows[3].size"},
		{"colour", "", ""},
		{"x", "", ""},
	} {
		if got := suggest(tc.key, tc.prefix); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"rate", "rate", 0},
		{"rat", "rate", 1},
		{"rtae", "rate", 1},
		{"rate", "", 4},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// checkOneLine checks that err's message is exactly want, on one line.
func checkOneLine(t *testing.T, class string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %q", class, want)
		return
	}
	if got := err.Error(); got != want {
		t.Errorf("%s:\n got  %s\n want %s", class, got, want)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("%s: message spans lines: %q", class, err)
	}
}
