// The version: ccbench --version and ccbench version print the build this
// binary is, from the build information the Go toolchain embedded
// (runner.Build), so that a result can be traced to its code. The same
// fields are recorded in every summary.json and sweep index.

package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/runner"
)

func init() {
	subcommands = append(subcommands, newVersionCmd)
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ccbench's version, commit, Go version and OS/arch (as --version does)",
		Long: `Print the build this binary is: module version, the commit it was built
from, whether the checkout had uncommitted changes (dirty) and the commit's
time, the Go version and OS/arch. go build, go install and go run in a git
checkout record the commit; a binary built without it (outside a checkout,
a git worktree, with -buildvcs=false, or a test binary) says so.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(stdout, versionText(runner.Build()))
			return err
		},
	}
}

// versionText is what ccbench --version prints: one "name: value" line
// each, and one plain line in place of the commit's when the build has no
// VCS information, rather than empty fields.
func versionText(b runner.BuildInfo) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "ccbench %s, module %s\n", b.Version, b.Module)
	if b.Revision == "" {
		sb.WriteString("revision unknown: built without VCS information\n")
	} else {
		fmt.Fprintf(&sb, "revision: %s\n", b.Revision)
		fmt.Fprintf(&sb, "dirty: %t\n", b.Modified)
		if b.Time != "" {
			fmt.Fprintf(&sb, "commit time: %s\n", b.Time)
		}
	}
	fmt.Fprintf(&sb, "go: %s %s/%s\n", b.GoVersion, b.OS, b.Arch)
	return sb.String()
}
