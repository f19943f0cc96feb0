// Command ccbench is ccbench with one more algorithm, aimd-example, which
// lives in this module rather than in ccbench's cc/: importing its package
// registers it (its init calls cc.MustRegister), and cli.Main is the whole
// of ccbench's command, so `run`, sweeps, `--set`, `compare` and `list` all
// know it.
package main

import (
	"github.com/ccbench/ccbench/cli"

	_ "example.com/outside-algorithm/aimd"
)

func main() { cli.Main() }
