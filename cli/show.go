package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/runner"
)

func init() { subcommands = append(subcommands, newShowCmd) }

// newShowCmd is `ccbench show`: the network an experiment runs on, each
// link's settings and each flow's path and base RTT, without running it or
// writing anything.
func newShowCmd(stdout io.Writer) *cobra.Command {
	var (
		sets  []string
		point string
	)
	cmd := &cobra.Command{
		Use:   "show EXPERIMENT.toml",
		Short: "Print the resolved network: nodes, links, and each flow's path and base RTT (nothing is run or written)",
		Long: `show loads an experiment as run would (with the same --set overrides),
and prints its network: every node, every link direction with its rate,
delay and buffer, and each flow's data path, ACK path and base RTT. A
sweep shows its first point, or the one --point names. Nothing is run or
written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			sw, err := experiment.LoadSweep(args[0], sets)
			if err != nil {
				return err
			}
			p := sw.Points[0]
			if point != "" {
				found := false
				for _, q := range sw.Points {
					if q.Run == point {
						p, found = q, true
					}
				}
				if !found {
					names := make([]string, len(sw.Points))
					for i, q := range sw.Points {
						names[i] = q.Run
					}
					return fmt.Errorf("--point: %q is not a point of %s; its points: %s", point, args[0], strings.Join(names, ", "))
				}
			}
			if len(sw.Points) > 1 {
				fmt.Fprintf(stdout, "point %s (1 of %d; --point NAME shows another)\n", p.Run, len(sw.Points))
			}
			text, err := showNetwork(p.Config)
			if err != nil {
				return err
			}
			fmt.Fprint(stdout, text)
			return nil
		},
	}
	cmd.Flags().StringVar(&point, "point", "", "the sweep point to show, by its folder name (default: the first)")
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
