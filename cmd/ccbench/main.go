// Command ccbench runs congestion-control experiments: a TCP stack written
// in Go, pluggable congestion control, and an emulated bottleneck, in
// deterministic virtual time. The command itself is package cli, so that a
// module outside this repository can build the same command with its own
// algorithms registered (examples/outside-algorithm); this main is that for
// the algorithms in cc/.
//
//	ccbench run experiments/bottleneck.toml [--out DIR] [--set key=value]...
//	ccbench list
//	ccbench --version
package main

import (
	"github.com/ccbench/ccbench/cli"
	// Linux's modules as "kernel:NAME" (cli imports it too, for its
	// kernel verb; named here so that the names' source is plain).
	_ "github.com/ccbench/ccbench/kernelcc"
)

func main() { cli.Main() }
