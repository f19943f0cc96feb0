// Package aimd is a congestion-control algorithm that lives outside
// ccbench's repository: a TCP-friendly AIMD, built on cc.RenoWindow the way
// the Reno family inside the repository is.
//
// The model. AIMD(α, β) adds α segments per round trip and multiplies the
// window by β on a loss; Reno is AIMD(1, 1/2). Yang and Lam ("General AIMD
// Congestion Control", ICNP 2000) show that such a flow gets the same
// throughput as Reno at the same loss rate when
//
//	α = 4(1 − β²)/3
//
// so a gentler decrease must come with a slower increase. With β = 7/8
// (Scalable TCP's decrease) that is α = 4·(15/64)/3 = 5/16 segment per
// round trip: the window swings by an eighth instead of a half, which suits
// flows that want a steady rate (streaming, TFRC's use case).
// The rule assumes both flows see the same loss rate; through a drop-tail
// buffer they need not, and experiments/aimd-vs-reno.toml measures what
// that does to Reno's share.
//
// Per ACK newly acknowledging N bytes, in congestion avoidance:
//
//	cwnd += 5/16 · N/cwnd segments     one segment per 16/5 windows acknowledged
//	on congestion: ssthresh = 7/8 · FlightSize, at least 2*SMSS
//
// Slow start, timeouts, the window handed back after recovery and the
// rest are the Reno family's (cc.RenoWindow); fast recovery is the sender's.
package aimd

import (
	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// Name is the name experiment files and --set use.
const Name = "aimd-example"

func init() { cc.MustRegister(Name, New) }

// The decrease β = 7/8 and the increase α = 5/16 segment per round trip,
// as fractions so that the windows are exact integers: α from β by Yang
// and Lam's TCP-friendly rule above.
const (
	betaNum, betaDen   = 7, 8
	alphaNum, alphaDen = 5, 16
)

// AIMD is one connection's TCP-friendly AIMD(5/16, 7/8).
type AIMD struct{ cc.RenoWindow }

var _ cc.CongestionControl = (*AIMD)(nil)

// New makes an AIMD, for the registry.
func New() cc.CongestionControl { return new(AIMD) }

// Name is the registered name.
func (*AIMD) Name() string { return Name }

// Description is the line `ccbench list` prints.
func (*AIMD) Description() string {
	return "TCP-friendly AIMD (Yang & Lam 2000): +5/16 MSS per RTT, cut to 7/8 on loss (outside example)"
}

// Init resets the window for a new connection.
func (a *AIMD) Init(_ units.Time, mss, initialWindow int) { a.Reset(mss, initialWindow) }

// OnAck grows the window: slow start below ssthresh, then one segment for
// every 16/5 windows of bytes acknowledged.
func (a *AIMD) OnAck(ack *cc.Ack) {
	acked := a.SlowStart(a.Acked(ack))
	a.Increase(acked, a.Cwnd()*alphaDen/alphaNum)
}

// OnCongestion takes 7/8 of what was in flight as the new ssthresh.
func (a *AIMD) OnCongestion(e *cc.Event) {
	a.Respond(e, max(e.Inflight*betaNum/betaDen, 2*a.MSS()))
}
