package netem

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

func mustTrace(t testing.TB, text string) *Trace {
	t.Helper()
	tr, err := ParseTrace(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func traceMs(n int64) units.Time { return units.Time(n * int64(units.Millisecond)) }

func TestParseTraceRejectsWithLineNumbers(t *testing.T) {
	cases := map[string]string{
		"1\n2\nx\n":  "line 3",
		"1\n-2\n":    "line 2",
		"5\n3\n":     "line 2: 3 ms comes after 5 ms",
		"":           "no delivery opportunities",
		"0\n0\n":     "last timestamp is 0",
		"1\n2.5\n":   "line 2",
		"\n\n  \n\n": "no delivery opportunities",
	}
	for text, want := range cases {
		_, err := ParseTrace(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTrace(%q) = %v, want an error containing %q", text, err, want)
		}
	}
	tr := mustTrace(t, "0\n2\n\n2\n7\n")
	if tr.Len() != 4 || tr.Period() != 7*units.Millisecond {
		t.Fatalf("Len %d Period %v, want 4 and 7ms", tr.Len(), tr.Period())
	}
}

func TestTraceCapacityCountsRepeats(t *testing.T) {
	// Opportunities at 0, 2, 2, 7 ms, period 7: in (0, 14 ms] they fall at
	// 2, 2, 7, 7 (the next period's 0), 9, 9, 14, 14, eight in all, the
	// line "0" and the line "7" meeting at every multiple of the period.
	tr := mustTrace(t, "0\n2\n2\n7\n")
	if got := tr.CapacityBytes(0, traceMs(14)); got != 8*TraceMTU {
		t.Fatalf("capacity in (0, 14ms] = %d, want %d", got, 8*TraceMTU)
	}
	if got := tr.CapacityBytes(-1, traceMs(1)); got != TraceMTU {
		t.Fatalf("capacity in [0, 1ms] = %d, want %d", got, TraceMTU)
	}
}

// traceRun serializes packets of size bytes that all wait from time 0,
// as Link.advance would, and returns each packet's finish time.
func traceRun(tr *Trace, size int, until units.Time) []units.Time {
	s := newTraceSerializer(tr)
	var p packet.Packet
	p.Reset()
	p.SetLen(size)
	var done []units.Time
	s.start(0, &p, p.Len())
	for s.finish <= until {
		at := s.finish
		if done, _ := s.finishBy(at); done == nil {
			panic("finished packet not released")
		}
		done = append(done, at)
		s.start(at, &p, p.Len())
	}
	return done
}

func TestTraceSaturatedDeliversEveryOpportunity(t *testing.T) {
	// Under saturation each opportunity carries 1500 bytes, no more, no
	// less, and packets complete when their last byte is given one: by
	// time T the delivered bytes are the largest multiple of the packet
	// size not above 1500 * opportunities(T). Checked at every
	// millisecond of two passes through the varying trace, for packets
	// that fit an opportunity exactly, pack several to one, and span two.
	text, err := os.ReadFile("../experiments/traces/varying.trace")
	if err != nil {
		t.Fatal(err)
	}
	tr := mustTrace(t, string(text))
	end := units.Time(2 * tr.Period())
	for _, size := range []int{1500, 500, 1000, 1800} {
		done := traceRun(tr, size, end)
		k := 0
		for m := int64(0); traceMs(m) <= end; m++ {
			for k < len(done) && done[k] <= traceMs(m) {
				k++
			}
			got := int64(k * size)
			capacity := tr.CapacityBytes(-1, traceMs(m))
			if want := capacity / int64(size) * int64(size); got != want {
				t.Fatalf("%d-byte packets: %d bytes delivered by %d ms, want %d", size, got, m, want)
			}
		}
	}
}

func TestTraceFilesDeliverTheirRates(t *testing.T) {
	// Second by second: the constant trace is 12 Mbit/s, 1.5e6 bytes, in
	// every second; the varying one follows its generator's steps.
	cases := []struct {
		file string
		mbps []int64
	}{
		{"constant-12mbps.trace", []int64{12, 12, 12}},
		{"varying.trace", []int64{12, 24, 6, 3, 18, 12, 24, 6, 12, 24}},
	}
	for _, c := range cases {
		text, err := os.ReadFile("../experiments/traces/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		tr := mustTrace(t, string(text))
		done := traceRun(tr, 1500, traceMs(int64(len(c.mbps))*1000))
		for sec, rate := range c.mbps {
			n := 0
			for _, d := range done {
				if d > traceMs(int64(sec)*1000) && d <= traceMs(int64(sec+1)*1000) {
					n++
				}
			}
			if got, want := int64(n)*1500, rate*1_000_000/8; got != want {
				t.Errorf("%s second %d: %d bytes, want %d", c.file, sec, got, want)
			}
		}
	}
}

func TestTraceIdleOpportunitiesPass(t *testing.T) {
	// Period 4 ms with opportunities at 1, 2, 3, 4. Opportunities are
	// used only by packets present at them; leftover bytes only by a
	// packet that starts when the previous one finished.
	tr := mustTrace(t, "1\n2\n3\n4\n")
	s := newTraceSerializer(tr)
	pk := func(n int) *packet.Packet {
		p := new(packet.Packet)
		p.Reset()
		p.SetLen(n)
		return p
	}
	steps := []struct {
		at     units.Time
		size   int
		finish units.Time
	}{
		{traceMs(0), 500, traceMs(1)},
		{traceMs(1), 500, traceMs(1)},                              // shares the 1 ms opportunity
		{traceMs(1), 600, traceMs(2)},                              // 500 left at 1 ms, 100 at 2 ms
		{traceMs(2) + 1, 100, traceMs(3)},                          // came after 2 ms: its leftover is gone
		{units.Time(10500 * units.Microsecond), 1500, traceMs(11)}, // 8 ms base + 3
		{traceMs(12), 1500, traceMs(12)},                           // the opportunity at its own arrival
		{traceMs(12), 1800, traceMs(14)},                           // two opportunities, 13 and 14
		{traceMs(4000) + 1, 1, traceMs(4001)},                      // 1000 idle periods skipped
	}
	for i, st := range steps {
		if !s.idle() {
			t.Fatalf("step %d: transmitter busy", i)
		}
		s.start(st.at, pk(st.size), st.size)
		if s.deadline() != st.finish {
			t.Fatalf("step %d: %d bytes at %v finish at %v, want %v", i, st.size, st.at, s.deadline(), st.finish)
		}
		if early, _ := s.finishBy(st.finish - 1); early != nil {
			t.Fatalf("step %d: released before its finish", i)
		}
		if done, n := s.finishBy(st.finish); done == nil || n != st.size {
			t.Fatalf("step %d: not released exactly at its finish", i)
		}
	}
}

func TestTraceSerializerAllocatesNothing(t *testing.T) {
	tr := mustTrace(t, "1\n1\n3\n4\n")
	s := newTraceSerializer(tr)
	var p packet.Packet
	p.Reset()
	p.SetLen(1000)
	s.start(0, &p, p.Len())
	allocs := testing.AllocsPerRun(1000, func() {
		at := s.finish
		s.finishBy(at)
		s.start(at, &p, p.Len())
	})
	if allocs != 0 {
		t.Fatalf("trace serializer allocates %v per packet", allocs)
	}
}

func BenchmarkTraceSerializer(b *testing.B) {
	text, err := os.ReadFile("../experiments/traces/varying.trace")
	if err != nil {
		b.Fatal(err)
	}
	tr := mustTrace(b, string(text))
	s := newTraceSerializer(tr)
	var p packet.Packet
	p.Reset()
	p.SetLen(1000)
	s.start(0, &p, p.Len())
	b.ReportAllocs()
	for b.Loop() {
		at := s.finish
		s.finishBy(at)
		// A gap now and then makes the idle skip part of the cost.
		s.start(at+units.Time(at&0xfff), &p, p.Len())
	}
}

// A garbage line is quoted in part, with its length, line number and the
// start of its text; a line too long for the scanner still names its line.
func TestParseTraceQuotesOnlyAnExcerptOfAGarbageLine(t *testing.T) {
	// The 80-byte cut falls inside a two-byte "é".
	garbage := strings.Repeat("x", 79) + strings.Repeat("é", 30<<10)
	_, err := ParseTrace(strings.NewReader("1\n2\n" + garbage + "\n3\n"))
	if err == nil {
		t.Fatal("ParseTrace accepted a garbage line")
	}
	msg := err.Error()
	want := fmt.Sprintf("… (%d bytes) is not a timestamp", len(garbage))
	if !strings.Contains(msg, "trace line 3: \"xxxxxxxxxx") || !strings.Contains(msg, want) || len(msg) > 250 {
		t.Fatalf("error is %d bytes: %.300q, want under 250 naming line 3, the line's start and %q", len(msg), msg, want)
	}
	if !utf8.ValidString(msg) {
		t.Fatalf("error %q cuts a character in two", msg)
	}
	// Short bad lines are quoted whole, as before.
	if _, err := ParseTrace(strings.NewReader("1\nabc\n")); err == nil || !strings.Contains(err.Error(), `line 2: "abc" is not`) {
		t.Fatalf("short bad line: %v", err)
	}
	huge := strings.Repeat("7", 200<<10)
	_, err = ParseTrace(strings.NewReader("1\n2\n3\n" + huge + "\n"))
	if err == nil || !strings.Contains(err.Error(), "trace line 4: longer than") || len(err.Error()) > 250 {
		t.Fatalf("a 200 KiB line: %.300v, want a short error naming line 4", err)
	}
}
