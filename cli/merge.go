// The merge command: joins the result trees of the shards of a sweep (run
// with ccbench run --shard i/N, perhaps on different machines) into one,
// and writes the index page that a run of the whole sweep would have.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/sweep"
)

func init() {
	subcommands = append(subcommands, newMergeCmd)
}

func newMergeCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "merge OUT DIR...",
		Short: "Join the result folders of a sharded sweep and write its index page",
		Long: `Merge the --out folders of the shards of a sweep (ccbench run --shard i/N)
into OUT/<experiment>/ and write OUT/<experiment>/index.html.

Every point must be found in some DIR; one found in several must have the
same summary (wall-clock fields aside) in each, otherwise the merge stops
rather than mix runs of different builds or files. OUT may be one of the
DIRs, e.g. when all shards wrote to one shared folder.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("merge takes an output folder and at least one shard results folder, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			results, err := sweep.Merge(args[0], args[1:])
			for _, r := range results {
				fmt.Fprintf(stdout, "merged %s: %d points, %d copied\n", r.Experiment, r.Points, r.Copied)
				fmt.Fprintf(stdout, "index: %s\n", r.Index)
			}
			return err
		},
	}
}
