package cli

import (
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ccbench/ccbench/runner"
)

// budgetFlags are run's flags for the budget check and the progress line
// (runner/budget.go, runner/progress.go).
type budgetFlags struct {
	off      bool
	memory   memoryFlag
	wall     time.Duration
	progress bool
}

func (b *budgetFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&b.off, "no-budget", false, "run even when the memory or disk estimate exceeds what the machine has")
	f.Var(&b.memory, "budget-memory", "memory a run may use, e.g. 8GiB, instead of 90% of the machine's available memory")
	f.DurationVar(&b.wall, "budget-time", 0, "longest expected wall time a run may take, e.g. 6h, instead of 1h")
	f.BoolVar(&b.progress, "progress", false, "show a long run's progress on stderr even when it is not a terminal")
}

func (b *budgetFlags) options(cmd *cobra.Command, jobs int, pcap bool) runner.BudgetOptions {
	return runner.BudgetOptions{Off: b.off, Memory: int64(b.memory), Wall: b.wall, Pcap: pcap, Jobs: jobs, Notes: cmd.ErrOrStderr()}
}

// progressTo is where a run's progress goes: stderr when it is a terminal
// or --progress asks for it, nowhere otherwise.
func (b *budgetFlags) progressTo(cmd *cobra.Command) io.Writer {
	w := cmd.ErrOrStderr()
	if b.progress {
		return w
	}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return f
		}
	}
	return nil
}

// memoryFlag is --budget-memory, in bytes.
type memoryFlag int64

func (m *memoryFlag) String() string {
	if *m == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*m), 10)
}

func (m *memoryFlag) Set(s string) error {
	v, err := runner.ParseBudgetMemory(s)
	if err != nil {
		return err
	}
	*m = memoryFlag(v)
	return nil
}

func (m *memoryFlag) Type() string { return "size" }
