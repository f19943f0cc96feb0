// SIGINT and SIGTERM during ccbench run: nothing half-written stays behind.

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"ccbench/outdir"
)

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels. A single sim run (firstEnds) then ends at once: the simulation
// cannot be stopped half-way and its results would be thrown away anyway.
// A sweep lets the points already running finish and keeps them, and a
// tun run stops through the context, removing its namespaces; a second
// signal ends either at once. Ending at once removes every temporary folder
// of the process (outdir.AbortTemps) and exits with 128 + the signal's
// number, as a shell reports a process killed by it, so only complete
// result folders remain. stop undoes the handler.
func interruptible(parent context.Context, stderr io.Writer, firstEnds bool) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
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
			cancel()
			if firstEnds || n > 1 {
				outdir.AbortTemps()
				fmt.Fprintf(stderr, "ccbench: %v: stopped; unfinished results removed, finished ones kept\n", sig)
				code := 128 + int(syscall.SIGINT)
				if sig == syscall.SIGTERM {
					code = 128 + int(syscall.SIGTERM)
				}
				os.Exit(code)
			}
			fmt.Fprintf(stderr, "ccbench: %v: stopping once what is running has finished; again to stop at once\n", sig)
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
