package experiment

import "github.com/ccbench/ccbench/cc/cctest"

// The shipped experiments may name Linux's congestion-control modules
// ("kernel:cubic" in experiments/kernel-compare.toml), which package
// kernelcc resolves in the ccbench command by compiling the module. It is
// not linked into these tests, which check the files' settings rather
// than the modules, so reno stands in for every kernel: name here.
func init() { cctest.StandInForKernelModules("reno") }
