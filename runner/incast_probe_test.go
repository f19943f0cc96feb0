package runner

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"ccbench/metrics"
	"ccbench/stack"
	"ccbench/units"
)

// TestIncastProbe logs per-round timing of an incast group and, for the
// first slow round, what the last flow to finish did: its sender's cwnd
// and flight, the data and ACKs on the wire with their ECN flags, and
// the receiver's CE counts. Run with INCAST_PROBE=n,cc,ecnK[,minRTOms].
func TestIncastProbe(t *testing.T) {
	spec := os.Getenv("INCAST_PROBE")
	if spec == "" {
		t.Skip("set INCAST_PROBE=n,cc,ecnK[,minRTOms]")
	}
	rtoMs := 200
	parts := bytes.Split([]byte(spec), []byte(","))
	if len(parts) < 3 {
		t.Fatalf("INCAST_PROBE=%q: want n,cc,ecnK[,minRTOms]", spec)
	}
	n, _ := strconv.Atoi(string(parts[0]))
	ccName := string(parts[1])
	k, _ := strconv.Atoi(string(parts[2]))
	if len(parts) > 3 {
		rtoMs, _ = strconv.Atoi(string(parts[3]))
	}
	sc := incastScenario(n, 150000, 1<<20, units.Duration(rtoMs)*units.Millisecond, ccName, k)
	var capBuf bytes.Buffer
	bw := bufio.NewWriter(&capBuf)
	sc.Pcap = bw
	w, err := newWorld(sc)
	if err != nil {
		t.Fatal(err)
	}
	type snap struct {
		cwnd, inflight     int
		red, to            int64
		rsegs, rce, rbytes int64
	}
	type ev struct {
		at   units.Time
		flow int
		s    snap
	}
	var evs []ev
	prev := make([]snap, n)
	var roundStarts []units.Time
	lastRound := 0
	for {
		done, err := w.step()
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		g := w.incasts[0]
		if g.round != lastRound {
			lastRound = g.round
			roundStarts = append(roundStarts, g.roundStart)
		}
		for i, f := range w.flows {
			if f.conn == nil || f.peer == nil {
				continue
			}
			p, q := f.conn.Probe(), f.peer.Probe()
			s := snap{p.Cwnd, p.Inflight, p.ECNReductions, p.Timeouts, q.SegmentsReceived, q.CEReceived, q.BytesReceived}
			if s != prev[i] {
				evs = append(evs, ev{w.now, i, s})
				prev[i] = s
			}
		}
	}
	bw.Flush()
	g := w.incasts[0]
	slow := -1
	for i, d := range g.durations {
		if i < 40 || d > 20*units.Millisecond {
			t.Logf("round %d start %v dur %v", i+1, roundStarts[i], d)
		}
		if slow < 0 && i > 2 && d > 20*units.Millisecond {
			slow = i
		}
	}
	t.Logf("summary %+v", g.summary())
	if slow < 0 {
		return
	}
	start, end := roundStarts[slow], roundStarts[slow].Add(g.durations[slow])
	if v := os.Getenv("INCAST_PROBE_FROM"); v != "" {
		r, _ := strconv.Atoi(v)
		start = roundStarts[r-1]
	}
	// The flow last to receive its share.
	last, lastAt := -1, units.Time(0)
	for _, e := range evs {
		if e.at >= start && e.at <= end && e.at >= lastAt && e.s.rbytes != 0 {
			if e.at > lastAt || last < 0 {
				last, lastAt = e.flow, e.at
			}
		}
	}
	t.Logf("slow round %d [%v, %v], last flow %d", slow+1, start, end, last)
	for _, e := range evs {
		if e.flow == last && e.at >= start && e.at <= end {
			t.Logf("  %v flow %d cwnd %d inflight %d ecnred %d timeouts %d | rcv segs %d ce %d bytes %d", e.at, e.flow, e.s.cwnd, e.s.inflight, e.s.red, e.s.to, e.s.rsegs, e.s.rce, e.s.rbytes)
		}
	}
	// Packets of that flow on the wire (as sent by a host).
	port := w.flows[last].conn.LocalPort()
	addr := w.flows[last].sender.host.Addr()
	pr, err := pcapgo.NewReader(bytes.NewReader(capBuf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var seg stack.Segment
	for {
		data, ci, err := pr.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		at := units.Time(ci.Timestamp.UnixNano())
		if at < start || at > end {
			continue
		}
		if err := stack.DecodeSegment(data, &seg); err != nil {
			continue
		}
		if !(seg.SrcPort == port && seg.Src == addr) && !(seg.DstPort == port && seg.Dst == addr) {
			continue
		}
		dir := "S->R"
		if seg.DstPort == port {
			dir = "R->S"
		}
		fl := ""
		for _, x := range []struct {
			f uint8
			s string
		}{{stack.FlagSYN, "S"}, {stack.FlagFIN, "F"}, {stack.FlagPSH, "P"}, {stack.FlagECE, "E"}, {stack.FlagCWR, "W"}} {
			if seg.Flags&x.f != 0 {
				fl += x.s
			}
		}
		t.Logf("  %v %s seq %d ack %d len %d [%s] ecn %d", at, dir, seg.Seq, seg.Ack, len(seg.Payload), fl, seg.ECN)
	}
}

// TestIncastSweep prints the incast summary for n = 8, 16, 32, 64 senders,
// reno (no ECN) and dctcp (ECN, K = 30 kB), with a 200 ms and a 1 ms
// minimum RTO. Run with INCAST_SWEEP=1.
func TestIncastSweep(t *testing.T) {
	if os.Getenv("INCAST_SWEEP") == "" {
		t.Skip("set INCAST_SWEEP=1")
	}
	for _, rto := range []units.Duration{200 * units.Millisecond, units.Millisecond} {
		for _, c := range []struct {
			cc string
			k  int
		}{{"reno", 0}, {"dctcp", 30000}} {
			for _, n := range []int{8, 16, 32, 64} {
				res, err := Simulate(incastScenario(n, 150000, 1<<20, rto, c.cc, c.k), metrics.RunInfo{})
				if err != nil {
					t.Fatal(err)
				}
				s := res.Summary.Incast[0]
				t.Logf("minRTO %v %-5s n=%2d: %4.0f Mbit/s, rounds %3d, p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms", rto, c.cc, n, s.GoodputBps/1e6, s.Rounds, s.RoundMsP50, s.RoundMsP99, s.RoundMsMax)
			}
		}
	}
}
