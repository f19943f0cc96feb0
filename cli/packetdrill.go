// The packetdrill command: plays packetdrill scripts against ccbench's
// stack in virtual time (package packetdrill).

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/packetdrill"
)

func init() {
	subcommands = append(subcommands, newPacketdrillCmd)
}

// exitError carries an exit code other than 1; its message has already
// been printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e exitError) ExitCode() int { return e.code }

// Exit codes of ccbench packetdrill beyond 0 (every script passed).
const (
	exitScriptFailed      = 1 // a script failed or is malformed
	exitScriptUnsupported = 3 // none failed, but some use what the stack cannot express
)

func newPacketdrillCmd(stdout io.Writer) *cobra.Command {
	opts := packetdrill.DefaultOptions()
	verbose := false
	cmd := &cobra.Command{
		Use:   "packetdrill [flags] FILE.pkt...",
		Short: "Play packetdrill scripts against the stack in virtual time",
		Long: `Play packetdrill scripts against ccbench's TCP stack: one host under test,
the script as the remote peer and the application, time virtual.

Each file prints "pass", the first mismatch (script line, the expected
packet and what the stack sent instead, or the call and its result), or
"unsupported" with the statement the stack cannot express (epoll, tcp_info
assertions, IPv6, ...). Exit status: 0 when every script passes, 1 when one
fails, 3 when none fails but some are unsupported. See packetdrill/README.md.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, files []string) error {
			if verbose {
				opts.Trace = stdout
			}
			var failed, unsupported int
			for _, f := range files {
				res := packetdrill.RunFile(f, opts)
				fmt.Fprintln(stdout, res)
				switch res.Kind {
				case packetdrill.Fail, packetdrill.Error:
					failed++
				case packetdrill.Unsupported:
					unsupported++
				}
			}
			if len(files) > 1 {
				fmt.Fprintf(stdout, "%d scripts: %d pass, %d fail or error, %d unsupported\n",
					len(files), len(files)-failed-unsupported, failed, unsupported)
			}
			switch {
			case failed > 0:
				return exitError{exitScriptFailed}
			case unsupported > 0:
				return exitError{exitScriptUnsupported}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&opts.ToleranceUsecs, "tolerance_usecs", opts.ToleranceUsecs, "how far an event may be from its scripted time, in microseconds")
	f.Float64Var(&opts.TolerancePercent, "tolerance_percent", opts.TolerancePercent, "the tolerance also grows to this percentage of the time since the previous event")
	f.Int64Var(&opts.TSTickUsecs, "tcp_ts_tick_usecs", 0, "check outbound TS val at this clock rate (0: do not check)")
	f.BoolVar(&opts.StrictSegments, "strict_segments", false, "match each outbound script packet to one segment (no joining of TSO-sized packets)")
	f.IntVar(&opts.InboundMSS, "mss", 0, "segment size for inbound payloads larger than a packet (0: the peer's SYN MSS)")
	f.BoolVarP(&verbose, "verbose", "v", false, "print every event and packet")
	return cmd
}
