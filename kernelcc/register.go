// The "kernel:" names: cc asks this file's resolver for any name with that
// prefix, and gets a factory for the module it names, built and exercised.

package kernelcc

import (
	"fmt"
	"strings"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

func init() {
	if err := cc.RegisterResolver("kernel", resolve); err != nil {
		panic(err)
	}
}

// resolve makes the factory for "kernel:REST": REST is a module name
// (cubic, bbr, ...: net/ipv4/tcp_REST.c, built into the cache), a path to
// a module source (.c, built likewise) or a module kernelcc built
// (.wasm, loaded as it is).
func resolve(rest string) (cc.Factory, error) {
	path, err := Resolve(rest)
	if err != nil {
		return nil, err
	}
	mod, err := Load(path)
	if err != nil {
		return nil, err
	}
	name := "kernel:" + rest
	if err := Exercise(mod); err != nil {
		return nil, err
	}
	return func() cc.CongestionControl { return NewAlg(mod, name) }, nil
}

// Exercise runs a module through every event once on a connection of its
// own (init, ACKs in slow start, a loss and its recovery, an ECN echo, a
// timeout, an undo, a restart after idle), so that a module that traps
// (divides by zero, reaches a BUG) is refused with one line before an
// experiment starts rather than stopping it half-way.
func Exercise(mod *Module) (err error) {
	k := NewAlg(mod, "kernel:"+mod.Name)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("module %s fails when run: %v", mod.Name, r)
		}
	}()
	const mss = 1448
	k.Init(0, mss, 10*mss)
	a := cc.Ack{RTT: 40 * units.Millisecond, SRTT: 40 * units.Millisecond, MinRTT: 40 * units.Millisecond}
	ack := func(n int) {
		for range n {
			a.Now += units.Time(units.Millisecond)
			a.Acked = 2 * mss
			a.Delivered += int64(a.Acked)
			a.Sent = a.Delivered + int64(k.Cwnd())
			a.PriorInflight, a.Inflight = k.Cwnd(), max(k.Cwnd()-a.Acked, 0)
			a.Rate = cc.RateSample{Valid: true, Delivered: int64(k.Cwnd()), Interval: a.RTT, PriorDelivered: a.Delivered - int64(k.Cwnd()), RTT: a.RTT}
			k.OnAck(&a)
		}
	}
	event := func(kind cc.EventKind, cwnd, ssthresh int) {
		k.OnCongestion(&cc.Event{Kind: kind, Now: a.Now, Inflight: a.Inflight, Cwnd: cwnd, Ssthresh: ssthresh})
	}
	ack(50)
	event(cc.Loss, 0, 0)
	a.InRecovery = true
	ack(5)
	a.InRecovery = false
	event(cc.RecoveryExit, k.Ssthresh(), 0)
	ack(50)
	a.ECE = true
	ack(1)
	a.ECE = false
	event(cc.ECN, 0, 0)
	event(cc.RecoveryExit, k.Ssthresh(), 0)
	event(cc.RTO, 0, 0)
	event(cc.Undo, 20*mss, 20*mss)
	ack(5)
	a.Now += units.Time(5 * units.Second)
	event(cc.IdleRestart, 0, 0)
	ack(5)
	if k.Cwnd() <= 0 {
		return fmt.Errorf("module %s leaves a window of %d bytes", mod.Name, k.Cwnd())
	}
	return nil
}

// Resolve turns what follows "kernel:" into a built module's path,
// building it if needed.
func Resolve(rest string) (string, error) {
	switch {
	case rest == "":
		return "", fmt.Errorf("no module named after \"kernel:\" (kernel:cubic, kernel:PATH.c or kernel:PATH.wasm)")
	case strings.HasSuffix(rest, ".wasm"):
		return rest, nil
	case strings.HasSuffix(rest, ".c"):
		return BuildFile(rest)
	default:
		return BuildNamed(rest)
	}
}
