// The cleanup command: removes the network namespaces that a killed tun run
// (SIGKILL, a crash) could not remove itself.

package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"ccbench/tun"
)

func init() {
	subcommands = append(subcommands, newCleanupCmd)
}

func newCleanupCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "cleanup",
		Short: "Remove network namespaces left behind by tun runs whose process is gone",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			removed, err := tun.Cleanup()
			for _, name := range removed {
				fmt.Fprintln(stdout, "removed", name)
			}
			if err == nil && len(removed) == 0 {
				fmt.Fprintln(stdout, "nothing to remove")
			}
			return err
		},
	}
}
