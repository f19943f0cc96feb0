// SIGINT and SIGTERM during ccbench run: nothing half-written stays behind,
// and no network namespace of a tun run either.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/sweep"
	"github.com/ccbench/ccbench/tun"
)

// signalled is the cause of a context that a signal cancelled, and the
// command's error once what was running has stopped: the process then
// exits with 128 + the signal's number, as a shell reports a process
// killed by it.
type signalled struct{ sig os.Signal }

func (s signalled) Error() string { return s.sig.String() }

func (s signalled) ExitCode() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGINT)
}

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels, with a signalled cause. A single sim run (firstEnds) then ends
// at once: the simulation cannot be stopped half-way and its results would
// be thrown away anyway. A tun run stops through the context: it tears its
// endpoints, relay and namespaces down and returns the context's error, and
// nothing is written. A sweep lets the simulated points already running
// finish and keeps them; a real-time point stops like a tun run. A second
// signal ends any of them at once. Ending at once removes every temporary
// folder of the process and the folders its locks made
// (outdir.AbortTemps), and its network namespaces (tun.RemoveOwn; the TUN
// devices in them go with the process's descriptors), and exits with the
// signal's code, so only complete result folders remain and `ip netns`
// shows nothing of the run. stopping says, after the first signal, what
// is being stopped. stop undoes the handler.
func interruptible(parent context.Context, stderr io.Writer, firstEnds bool, stopping string) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			var sig os.Signal
			select {
			case <-done:
				return
			case sig = <-sigs:
			}
			cancel(signalled{sig})
			if firstEnds || n > 1 {
				outdir.AbortTemps()
				msg := "unfinished results removed, finished ones kept"
				if names, err := tun.RemoveOwn(); err != nil {
					msg += "; " + oneLine(err.Error()) + " (ccbench cleanup removes it)"
				} else if len(names) > 0 {
					msg += fmt.Sprintf("; the run's %d network namespaces removed", len(names))
				}
				fmt.Fprintf(stderr, "ccbench: %v: stopped; %s\n", sig, msg)
				os.Exit(signalled{sig}.ExitCode())
			}
			fmt.Fprintf(stderr, "ccbench: %v: stopping: %s; again to stop at once\n", sig, stopping)
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// stoppedBySignal turns err, the error of a run or sweep whose context
// interruptible made, into the command's error. When a signal cancelled
// the context, it prints one line saying what was stopped and what is
// left (what, e.g. "the run's namespaces removed, nothing written"), and
// the error it returns makes the process exit with the signal's code; an
// error other than the cancellation itself (a teardown that failed) is
// named in the line. Any other err is returned unchanged.
func stoppedBySignal(ctx context.Context, stderr io.Writer, err error, what string) error {
	var s signalled
	if err == nil || !errors.As(context.Cause(ctx), &s) {
		return err
	}
	line := fmt.Sprintf("ccbench: %v: stopped; %s", s.sig, what)
	if !onlyCancelled(err) {
		line += "; " + oneLine(err.Error())
	}
	fmt.Fprintln(stderr, line)
	return s
}

// onlyCancelled reports whether err says nothing but that a context was
// cancelled, possibly wrapped ("run p: context canceled").
func onlyCancelled(err error) bool {
	switch e := err.(type) {
	case nil:
		return false
	case interface{ Unwrap() []error }:
		// errors.Join of the cancellation and a teardown's nil.
		for _, inner := range e.Unwrap() {
			if !onlyCancelled(inner) {
				return false
			}
		}
		return true
	}
	return err == context.Canceled || onlyCancelled(errors.Unwrap(err))
}

// sweepLeft says what a sweep stopped by a signal leaves: the points that
// finished, complete, for --resume, and for real-time points that the
// running one's namespaces are gone.
func sweepLeft(sw *experiment.Sweep, shard sweep.Shard, res sweep.Result) string {
	total := 0
	for i := range sw.Points {
		if shard.Has(i) {
			total++
		}
	}
	what := fmt.Sprintf("%d of %d points finished and are kept (ccbench run --resume runs the rest)", res.Ran+res.Skipped, total)
	if len(sw.Points) > 0 && sw.Points[0].Config.Driver == "tun" {
		what += "; the running point's network namespaces and devices removed"
	}
	return what
}
