// The cleanup command: removes what killed runs (SIGKILL, a crash) could
// not remove themselves: the temporary folders and lock files they left in
// a results tree, and the network namespaces of tun runs.

package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/outdir"
	"github.com/ccbench/ccbench/tun"
)

func init() {
	subcommands = append(subcommands, newCleanupCmd)
}

func newCleanupCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove temporary result folders and network namespaces left behind by runs whose process is gone",
		Long: `Remove what runs killed without a chance to clean up left behind:
hidden .<run>.tmp-* folders and .<run>.lock files under --out (only those
no live ccbench holds: its lock says so), and the network namespaces of
tun runs whose process is gone.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			files, ferr := outdir.CleanTree(out)
			for _, path := range files {
				fmt.Fprintln(stdout, "removed", path)
			}
			names, nerr := tun.Cleanup()
			for _, name := range names {
				fmt.Fprintln(stdout, "removed", name)
			}
			err := errors.Join(ferr, nerr)
			if err == nil && len(files)+len(names) == 0 {
				fmt.Fprintln(stdout, "nothing to remove")
			}
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "results", "results folder to clean")
	return cmd
}
