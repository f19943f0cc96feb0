package runner

// From a lifecycle experiment's settings to the scenario, and from its
// result to files: census.csv, connections.csv and the lifecycle figures.

import (
	"fmt"
	"path/filepath"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/report"
)

// lifecycleFromConfig fills in the handshake settings of every host and
// the lifecycle hosts of sc.
func lifecycleFromConfig(cfg *experiment.Config, sc *Scenario) error {
	t := &cfg.TCP
	sc.TCP.MSL = t.MSL
	sc.TCP.SYNRetries, sc.TCP.SYNACKRetries = t.SYNRetries, t.SYNACKRetries
	sc.TCP.SYNCookies = t.SYNCookies
	sc.TCP.FastOpen = t.FastOpen
	sc.TCP.EphemeralPortLow, sc.TCP.EphemeralPortHigh = t.EphemeralPorts.Low, t.EphemeralPorts.High
	if err := sc.TCP.Validate(); err != nil {
		return err
	}
	if !cfg.Active() {
		return nil
	}
	if cfg.Driver != "sim" {
		return fmt.Errorf("driver: %q is not allowed with [[clients]] or [[flood]]: lifecycle experiments need driver = \"sim\"", cfg.Driver)
	}
	l := &sc.Lifecycle
	l.Server = ServerSpec{Backlog: cfg.Server.Backlog, Response: cfg.Server.Response, CC: cfg.Server.CC}
	switch cfg.Server.Close {
	case "after_response":
		l.Server.Close = CloseAfterResponse
	case "never":
		l.Server.Close = CloseNever
	}
	for _, g := range cfg.Clients {
		for range g.Count {
			l.Clients = append(l.Clients, ClientSpec{
				Rate: g.Rate, Poisson: g.Arrivals == "poisson", Request: g.Request,
				PortLow: g.Ports.Low, PortHigh: g.Ports.High, FastOpen: g.FastOpen,
				CC: g.CC, Start: g.Start, Stop: g.Stop,
			})
		}
	}
	for _, g := range cfg.Flood {
		l.Floods = append(l.Floods, FloodSpec{Rate: g.Rate, Start: g.Start, Stop: g.Stop})
	}
	return nil
}

// writeLifecycleResults writes a lifecycle run's census and attempts into
// dir; report.PlotRun draws their figures from these files.
func writeLifecycleResults(dir string, res *Result) error {
	l := res.Lifecycle
	if l == nil {
		return nil
	}
	if err := report.WriteCensusCSV(filepath.Join(dir, report.CensusFile), &l.Census); err != nil {
		return err
	}
	return report.WriteConnectionsCSV(filepath.Join(dir, report.ConnectionsFile), l.Census.Hosts, l.Attempts)
}
