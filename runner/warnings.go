package runner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/stack"
	"github.com/ccbench/ccbench/units"
)

// Warnings where the run, not the network, set a result. A flow held by
// its peer's receive window, its own send buffer or its application
// measures those, not the path or the algorithm: at 1 Gbit/s and 40 ms
// the default 4 MiB receive buffer holds 33 ms of data, so a bulk flow
// cannot fill the pipe and utilization stops near 80% whatever the
// algorithm does. The summary says so in one line per cause (Summary.
// Warnings), from the sender's chrono accounting (stack/chrono.go, or
// TCP_INFO for a kernel sender).

// limitedShare is the share of a flow's active time above which a limit
// is worth a warning. Every flow spends some time held by something other
// than the network: the last round trip of a sized flow, a window update
// that arrives just after the window filled. Those stay well under a
// tenth of a flow's time; a limit that holds the sender for more than a
// tenth of it has taken a share of its goodput as large as the spread
// between seeds of a typical experiment, and is named.
const limitedShare = 0.10

// manyFlows is how many flows sharing one limit are named one line each;
// beyond it they share a line, so a run of a hundred flows is not a
// hundred lines.
const manyFlows = 4

// limitKind is one cause a warning names.
type limitKind struct {
	share func(*metrics.SenderLimits) float64
	// what names the limit; why and fix follow the figures.
	what, why, fix string
	// buffer is the setting that sized the limit, with its value.
	buffer func(sc *Scenario) (key string, bytes int)
	// kernel says whether a real-time flow's buffer is the kernel's, by
	// its endpoints ("kernel→stack" and so on); kernelFix then replaces
	// fix and the buffer's figures: tun sizes the kernel's buffers from
	// net.ipv4.tcp_rmem and tcp_wmem (tun/sizing.go), not from [tcp].
	kernel    func(endpoints string) bool
	kernelFix string
}

var limitKinds = []limitKind{
	{
		share: func(l *metrics.SenderLimits) float64 { return l.RwndLimitedSeconds },
		what:  "limited by the receive window",
		why:   "the window, not the network, set its goodput",
		fix:   "raise tcp.rcv_buffer",
		buffer: func(sc *Scenario) (string, int) {
			return "tcp.rcv_buffer", sc.TCP.RcvBuf
		},
		kernel:    func(e string) bool { return strings.HasSuffix(e, "→kernel") },
		kernelFix: "raise the receiver's net.ipv4.tcp_rmem maximum",
	},
	{
		share: func(l *metrics.SenderLimits) float64 { return l.SndbufLimitedSeconds },
		what:  "limited by its send buffer",
		why:   "the buffer, not the network, set its goodput",
		fix:   "raise tcp.snd_buffer",
		buffer: func(sc *Scenario) (string, int) {
			return "tcp.snd_buffer", sc.TCP.SndBuf
		},
		kernel:    func(e string) bool { return strings.HasPrefix(e, "kernel→") },
		kernelFix: "raise the sender's net.ipv4.tcp_wmem maximum",
	},
	{
		share: func(l *metrics.SenderLimits) float64 { return l.AppLimitedSeconds },
		what:  "application-limited",
		why:   "the application, not the network, set its goodput",
	},
}

// Warnings returns s's warnings, one line each: every flow held back by
// something other than the network for more than limitedShare of its
// active time, then an invalid real-time run's verdict. sc is the
// scenario that produced s.
func Warnings(s *metrics.Summary, sc *Scenario) []string {
	var out []string
	for _, k := range limitKinds {
		var ids []int
		var shares []float64
		var endpoints string
		for _, f := range s.Flows {
			l := f.SenderLimits
			if l == nil || l.ActiveSeconds <= 0 {
				continue
			}
			if sh := k.share(l) / l.ActiveSeconds; sh > limitedShare {
				if len(ids) == 0 {
					endpoints = f.Endpoints
				}
				ids = append(ids, f.ID)
				shares = append(shares, sh)
			}
		}
		if len(ids) == 0 {
			continue
		}
		if k.kernel != nil && k.kernel(endpoints) {
			// The first flow's endpoints stand for all: a run's flows
			// of one [[flows]] entry share them.
			k.buffer, k.fix = nil, k.kernelFix
		}
		if len(ids) <= manyFlows {
			for i, id := range ids {
				out = append(out, fmt.Sprintf("flows[%d]: %s %s of its active time%s: %s",
					id, k.what, percent(shares[i]), k.detail(sc, id), k.advice()))
			}
			continue
		}
		lo, hi := shares[0], shares[0]
		for _, sh := range shares {
			lo, hi = min(lo, sh), max(hi, sh)
		}
		out = append(out, fmt.Sprintf("%d flows (flows %s): %s %s to %s of their active time%s: %s",
			len(ids), idRanges(ids), k.what, percent(lo), percent(hi), k.detail(sc, -1), strings.Replace(k.advice(), "its goodput", "their goodput", 1)))
	}
	if ok, reasons := s.Trusted(); !ok {
		out = append(out, fmt.Sprintf("validity: the run is invalid (%s under validity): its figures do not measure the emulated network; run it again on a quieter host",
			plural(float64(len(reasons)), "reason")))
	}
	return out
}

// detail puts a buffer's size in time at the flow's bottleneck rate next
// to its base RTT, which is what it must cover; id -1 (several flows) or
// a flow whose path the scenario does not describe gets the size alone.
// The application limit has no size.
func (k limitKind) detail(sc *Scenario, id int) string {
	if k.buffer == nil || sc == nil {
		return ""
	}
	key, size := k.buffer(sc)
	d := fmt.Sprintf(" (%s = %s", key, units.FormatSize(int64(size)))
	if id < 0 || id >= len(sc.Flows) {
		return d + ")"
	}
	spec := sc.Flows[id]
	rtt, rate := sc.flowBaseRTT(spec), sc.Forward.Rate
	if spec.Data != nil {
		rate = sc.pathRate(spec)
	}
	if rate <= 0 || rtt <= 0 {
		return d + ")"
	}
	holds := units.Duration(float64(size) * 8 / float64(rate) * float64(units.Second))
	rel := "under"
	if holds >= rtt {
		rel = "over"
	}
	return d + fmt.Sprintf(" holds %s at %s, %s the path's %s RTT plus queue)", ms(holds), mbits(rate), rel, ms(rtt))
}

func (k limitKind) advice() string {
	if k.fix == "" {
		return k.why
	}
	return k.why + "; " + k.fix
}

// flowBaseRTT is spec's round-trip propagation delay, as the slowdown's
// ideal completion takes it (fillWorkloadSummary).
func (sc *Scenario) flowBaseRTT(spec FlowSpec) units.Duration {
	if spec.BaseRTT > 0 {
		return spec.BaseRTT
	}
	return sc.Forward.Delay + sc.Reverse.Delay + spec.ExtraDelay
}

func percent(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" }

// ms writes d in milliseconds to a tenth, without a trailing ".0".
func ms(d units.Duration) string {
	return strings.TrimSuffix(strconv.FormatFloat(d.Seconds()*1e3, 'f', 1, 64), ".0") + " ms"
}

func mbits(r units.Rate) string {
	if r >= 1e9 && r%1e9 == 0 {
		return fmt.Sprintf("%d Gbit/s", r/1e9)
	}
	return fmt.Sprintf("%g Mbit/s", float64(r)/1e6)
}

// idRanges writes ascending ids as runs: "0-3, 7, 9-12".
func idRanges(ids []int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(ids[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return b.String()
}

// fillSenderLimits records each flow's sender chrono (stack.Conn.
// SenderLimits) as of the end of the run; a flow whose connection never
// opened has none.
func fillSenderLimits(s *metrics.Summary, w *world) {
	for i := range s.Flows {
		id := s.Flows[i].ID
		if id < 0 || id >= len(w.flows) || w.flows[id].conn == nil {
			continue
		}
		s.Flows[i].SenderLimits = LimitsSummary(w.flows[id].conn.SenderLimits(w.end))
	}
}

// LimitsSummary is the summary's form of a stack sender's chrono, nil
// for a sender that never wrote.
func LimitsSummary(l stack.SenderLimits) *metrics.SenderLimits {
	if l.Active <= 0 {
		return nil
	}
	return &metrics.SenderLimits{
		ActiveSeconds:        l.Active.Seconds(),
		BusySeconds:          l.Busy.Seconds(),
		RwndLimitedSeconds:   l.RwndLimited.Seconds(),
		SndbufLimitedSeconds: l.SndbufLimited.Seconds(),
		AppLimitedSeconds:    l.AppLimited.Seconds(),
	}
}
