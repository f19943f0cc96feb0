package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"ccbench/experiment"
	"ccbench/runner"
)

func init() { subcommands = append(subcommands, newShowCmd) }

// newShowCmd is `ccbench show`: the network an experiment runs on, each
// link's settings and each flow's path and base RTT, without running it or
// writing anything.
func newShowCmd(stdout io.Writer) *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "show EXPERIMENT.toml",
		Short: "Print the resolved network: nodes, links, and each flow's path and base RTT (nothing is run or written)",
		Long: `show loads an experiment as run would (with the same --set overrides),
and prints its network: every node, every link direction with its rate,
delay and buffer, and each flow's data path, ACK path and base RTT. A
sweep's points are shown one after another. Nothing is run or written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			sw, err := experiment.LoadSweep(args[0], sets)
			if err != nil {
				return err
			}
			for i, p := range sw.Points {
				if len(sw.Points) > 1 {
					if i > 0 {
						fmt.Fprintln(stdout)
					}
					fmt.Fprintf(stdout, "point %s\n", p.Run)
				}
				text, err := showNetwork(p.Config)
				if err != nil {
					return err
				}
				fmt.Fprint(stdout, text)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a setting, key=value (repeatable)")
	return cmd
}

// showNetwork describes cfg's network for people.
func showNetwork(cfg *experiment.Config) (string, error) {
	net, err := cfg.Network()
	if err != nil {
		return "", err
	}
	// The scenario is what the simulator will run: building it checks
	// what Load cannot (a trace file that does not parse, say).
	if _, err := runner.FromConfig(cfg); err != nil {
		return "", err
	}
	return fmt.Sprintf("experiment %s: topology %s, driver %s\n", cfg.Name, cfg.Topology.Preset, cfg.Driver) +
		net.Render(cfg.FlowList()), nil
}
