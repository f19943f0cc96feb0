package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/kernelcc"
)

// `ccbench kernel`: Linux's congestion-control modules compiled to wasm
// and run as "kernel:NAME" algorithms (package kernelcc).
func init() { subcommands = append(subcommands, newKernelCmd) }

func newKernelCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kernel",
		Short: "Build and list Linux congestion-control modules run as kernel:NAME",
		Long: `Linux's own congestion-control modules (net/ipv4/tcp_NAME.c), compiled
unchanged by clang for wasm32 against ccbench's shim and run through wazero
as the algorithm "kernel:NAME" (e.g. --set flows[0].cc=kernel:cubic).
Modules are built on first use into the cache (CCBENCH_KERNEL_CACHE, else
the user cache's ccbench/kernel); the source is CCBENCH_KERNEL_SRC (a kernel
tree or a linux-source tarball), else Debian's linux-source-6.1.
Needs: apt-get install clang lld linux-source-6.1.`,
	}
	var out string
	build := &cobra.Command{
		Use:   "build NAME|PATH.c...",
		Short: "Compile modules (cubic, bbr, ... or a source file) and print each .wasm's path",
		Long: `Compile each module, named (cubic: net/ipv4/tcp_cubic.c of the kernel
source) or by the path of a C file (a patched module, one of your own),
and print the path of the .wasm built, which "kernel:PATH.wasm" runs.
--out copies each into a folder: NAME.wasm for a name, FILE.wasm for\nFILE.c.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			for _, a := range args {
				path, err := kernelcc.Resolve(a)
				if err != nil {
					return fmt.Errorf("%s: %w", a, err)
				}
				if _, err := kernelcc.Load(path); err != nil {
					return fmt.Errorf("%s: %w", a, err)
				}
				if out != "" {
					// A name keeps its name (cubic.wasm), a source file its
					// file's (tcp_cubic.wasm for a patched tcp_cubic.c).
					dst := filepath.Join(out, strings.TrimSuffix(filepath.Base(a), ".c")+".wasm")
					b, err := os.ReadFile(path)
					if err == nil {
						err = os.MkdirAll(out, 0o755)
					}
					if err == nil {
						err = os.WriteFile(dst, b, 0o644)
					}
					if err != nil {
						return err
					}
					path = dst
				}
				fmt.Fprintf(stdout, "%s\t%s\n", a, path)
			}
			return nil
		},
	}
	build.Flags().StringVar(&out, "out", "", "copy each module into this folder (NAME.wasm, or FILE.wasm for FILE.c)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the modules kernel:NAME builds by name, and whether each builds here",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			for _, m := range kernelcc.Modules {
				// What kernel:NAME in an experiment would do: build,
				// load and exercise the module (the registry keeps it).
				status := "ok"
				if err := cc.Check("kernel:" + m); err != nil {
					if inner := errors.Unwrap(err); inner != nil {
						err = inner
					}
					status = "cannot run: " + oneLine(err.Error())
				}
				fmt.Fprintf(stdout, "kernel:%-10s %s\n", m, status)
			}
			return nil
		},
	}
	cmd.AddCommand(build, list)
	return cmd
}
