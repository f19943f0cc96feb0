package cli

// ccbench plot: draw a results folder's figures again from the files its
// runs wrote, without running anything.

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/report"
)

func init() { subcommands = append(subcommands, newPlotCmd) }

func newPlotCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "plot RESULTS_DIR",
		Short: "Redraw a results folder's plots (and index page) from its CSVs, without rerunning",
		Long: `Redraw every figure of a results folder from the files its runs wrote
(flow<N>.csv, link.csv, summary.json, config.toml): one run's folder, or an
experiment's folder, whose runs are redrawn and then its index.html. The
figures are the bytes the runs wrote, since runs draw them from the same
files.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("plot takes exactly one results folder, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			res, err := report.ReplotTree(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "plotted %d run(s) in %s\n", len(res.Runs), args[0])
			if res.Index != "" {
				fmt.Fprintf(stdout, "index: %s\n", res.Index)
			}
			return nil
		},
	}
}
