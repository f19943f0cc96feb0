// The resolved experiment file: every setting explicit, every unit in its
// canonical form, written next to a run's results so the run can be
// repeated exactly even after the defaults change. Loading the resolved
// file gives the same Config. Derived values follow as comments, so they
// are there to read but never read back.

package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"ccbench/units"
)

// WriteResolved writes c as a TOML experiment file to path, atomically: to
// a temporary file in the same directory, then renamed over path, so a
// reader never sees half a file.
func (c *Config) WriteResolved(path string) error {
	return writeAtomic(path, c.resolvedTOML())
}

// resolvedTOML renders c in schema order.
func (c *Config) resolvedTOML() []byte {
	var b strings.Builder
	b.WriteString("# Experiment " + strconv.Quote(c.Name) + ", resolved by ccbench: every setting explicit,\n")
	b.WriteString("# units canonical. Loading this file gives the same experiment.\n")
	for _, t := range schema {
		if !c.writesTable(t.name) {
			continue
		}
		switch {
		case t.name == "":
			b.WriteString("\n")
			c.writeTable(&b, &t, 0)
		case t.array:
			for i := range c.entryCount(t.name) {
				b.WriteString("\n# " + t.doc + "\n" + t.header() + "\n")
				c.writeTable(&b, &t, i)
			}
		default:
			b.WriteString("\n# " + t.doc + "\n" + t.header() + "\n")
			c.writeTable(&b, &t, 0)
		}
	}
	c.writeDerived(&b)
	return []byte(b.String())
}

// writesTable says whether the resolved file writes table name at all.
func (c *Config) writesTable(name string) bool {
	switch name {
	case "topology":
		return c.Topology.Preset != "dumbbell"
	case "link", "reverse":
		return c.Topology.Preset != "custom"
	}
	return true
}

// writeTable writes the keys of table t (entry i of an array of tables),
// each with the comment that says what it means.
func (c *Config) writeTable(b *strings.Builder, t *table, i int) {
	width := 0
	for _, k := range t.keys {
		if c.writesTopology(t.name, k.name, i) {
			width = max(width, len(k.name)+3+len(c.literal(t.name, k.name, i)))
		}
	}
	for _, k := range t.keys {
		if !c.writesTopology(t.name, k.name, i) {
			continue
		}
		line := k.name + " = " + c.literal(t.name, k.name, i)
		fmt.Fprintf(b, "%-*s  # %s\n", width, line, k.doc)
	}
}

// literal is the TOML value of one setting in canonical form.
func (c *Config) literal(table, name string, i int) string {
	switch table {
	case "":
		switch name {
		case "name":
			return tomlString(c.Name)
		case "driver":
			return tomlString(c.Driver)
		case "duration":
			return tomlString(c.Duration.String())
		case "seed":
			return strconv.FormatUint(c.Seed, 10)
		case "sample_interval":
			return tomlString(c.SampleInterval.String())
		case "throughput_window":
			return tomlString(c.ThroughputWindow.String())
		case "fairness_from":
			return tomlString(c.FairnessFrom.String())
		case "fairness_to":
			return tomlString(c.FairnessTo.String())
		case "max_release_p99":
			return tomlString(c.MaxReleaseP99.String())
		}
	case "link", "reverse":
		l := c.Link
		if table == "reverse" {
			l = c.Reverse
		}
		if v, ok := linkLiteral(l, name); ok {
			return v
		}
	case "tcp":
		switch name {
		case "profile":
			return tomlString(c.TCP.Profile)
		case "mss":
			return strconv.Itoa(c.TCP.MSS)
		case "initial_window":
			return strconv.Itoa(c.TCP.InitialWindow)
		case "delayed_ack":
			return tomlString(c.TCP.DelayedACK.String())
		case "min_rto":
			return tomlString(c.TCP.MinRTO.String())
		case "initial_rto":
			return tomlString(c.TCP.InitialRTO.String())
		case "rcv_buffer":
			return tomlString(units.FormatSize(int64(c.TCP.RcvBuffer)))
		case "snd_buffer":
			return tomlString(units.FormatSize(int64(c.TCP.SndBuffer)))
		case "sack":
			return strconv.FormatBool(c.TCP.SACK)
		case "recovery":
			return tomlString(c.TCP.Recovery)
		case "ecn":
			return strconv.FormatBool(c.TCP.ECN)
		case "pacing":
			return strconv.FormatBool(c.TCP.Pacing)
		case "tso_deferral":
			return strconv.FormatBool(c.TCP.TSODeferral)
		}
	case "flows":
		f := c.Flows[i]
		if !f.Workload() {
			switch name {
			case "arrivals":
				if f.Incast() {
					return tomlString(f.Arrivals)
				}
				return formatValue(tableNamed("flows").key(name).def)
			case "load", "size_distribution", "mean_size", "size_cdf":
				// Fixed flows keep no workload: write the defaults.
				return formatValue(tableNamed("flows").key(name).def)
			}
		}
		switch name {
		case "cc":
			return tomlString(f.CC)
		case "count":
			return strconv.Itoa(f.Count)
		case "start":
			return tomlString(f.Start.String())
		case "size":
			return tomlString(units.FormatSize(f.Size))
		case "recovery":
			return tomlString(f.Recovery)
		case "receiver":
			return tomlString(f.Receiver)
		case "arrivals":
			return tomlString(f.Arrivals)
		case "load":
			return strconv.FormatFloat(f.Load, 'g', -1, 64)
		case "size_distribution":
			return tomlString(f.SizeDistribution)
		case "mean_size":
			return tomlString(units.FormatSize(f.MeanSize))
		case "size_cdf":
			return tomlString(f.SizeCDF)
		}
	case "cross":
		x := c.Cross[i]
		switch name {
		case "rate":
			return tomlString(x.Rate.String())
		case "pattern":
			return tomlString(x.Pattern)
		case "on":
			return tomlString(x.On.String())
		case "off":
			return tomlString(x.Off.String())
		case "start":
			return tomlString(x.Start.String())
		case "stop":
			return tomlString(x.Stop.String())
		case "packet_size":
			return strconv.Itoa(x.PacketSize)
		}
	}
	if v, ok := c.lifecycleLiteral(table, name, i); ok {
		return v
	}
	if v, ok := c.topologyLiteral(table, name, i); ok {
		return v
	}
	panic("experiment: no resolved form for " + table + "." + name)
}

// writeDerived writes the values computed from the settings, as comments
// in TOML form.
func (c *Config) writeDerived(b *strings.Builder) {
	pkt := c.TCP.PacketBytes()
	b.WriteString("\n# [derived] computed from the settings above; not read back.\n")
	if c.Topology.Preset != "dumbbell" {
		c.writeNetworkDerived(b, pkt)
		return
	}
	fmt.Fprintf(b, "# base_rtt = %s  # link.delay + reverse.delay\n", tomlString(c.BaseRTT().String()))
	fmt.Fprintf(b, "# bdp_bytes = %d  # link.rate × base_rtt / 8\n", c.BDPBytes())
	fmt.Fprintf(b, "# packet_bytes = %d  # tcp.mss + %d bytes of IPv4 and TCP headers\n", pkt, HeaderBytes)
	for _, dir := range [...]struct {
		name string
		l    Link
	}{{"link", c.Link}, {"reverse", c.Reverse}} {
		if !dir.l.Buffer.Limited() {
			fmt.Fprintf(b, "# %s_buffer_bytes = \"unlimited\"\n", dir.name)
			continue
		}
		fmt.Fprintf(b, "# %s_buffer_bytes = %d\n", dir.name, dir.l.Buffer.Bytes)
		fmt.Fprintf(b, "# %s_buffer_packets = %d  # of packet_bytes\n", dir.name, dir.l.Buffer.Packets)
	}
	fmt.Fprintf(b, "# flow_count = %d\n", len(c.FlowList()))
}

// writeNetworkDerived writes the derived values of a network other than
// the dumbbell: each link's buffer and each flow's path and base RTT.
func (c *Config) writeNetworkDerived(b *strings.Builder, pkt int) {
	fmt.Fprintf(b, "# packet_bytes = %d  # tcp.mss + %d bytes of IPv4 and TCP headers\n", pkt, HeaderBytes)
	n, err := c.Network()
	if err != nil {
		// Load refuses such a Config; one changed afterwards may not build.
		fmt.Fprintf(b, "# network = %s\n", tomlString(err.Error()))
		return
	}
	for i, l := range n.Links {
		buf := tomlString("unlimited")
		if l.Settings.Buffer.Limited() {
			buf = strconv.FormatInt(l.Settings.Buffer.Bytes, 10)
		}
		fmt.Fprintf(b, "# link %d %s: buffer_bytes = %s  # %s\n", i, l.Name, buf, l.Role)
	}
	for i, f := range c.FlowList() {
		p := n.Flows[i]
		fmt.Fprintf(b, "# %s %s: base_rtt = %s\n", f.ID, n.Graph.Describe(p.Data), tomlString(p.BaseRTT.String()))
	}
	fmt.Fprintf(b, "# flow_count = %d\n", len(c.FlowList()))
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlFloat writes f as a TOML float, which needs a decimal point.
func tomlFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// writeAtomic writes data to path through a temporary file in the same
// directory and a rename, which replaces path in one step.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// linkLiteral is the resolved value of setting name of a link direction,
// and whether name is one.
func linkLiteral(l Link, name string) (string, bool) {
	switch name {
	case "rate":
		if l.Unlimited() {
			return tomlString("unlimited"), true
		}
		return tomlString(l.Rate.String()), true
	case "delay":
		return tomlString(l.Delay.String()), true
	case "buffer":
		return tomlString(l.Buffer.String()), true
	case "loss":
		return tomlFloat(l.Loss), true
	case "ecn_threshold":
		if !l.ECNThreshold.Limited() {
			return tomlString("off"), true
		}
		return tomlString(l.ECNThreshold.String()), true
	case "qdisc":
		return tomlString(l.Qdisc), true
	case "jitter":
		return tomlString(l.Jitter.String()), true
	case "jitter_distribution":
		return tomlString(l.JitterDistribution), true
	case "jitter_correlation":
		return tomlFloat(l.JitterCorrelation), true
	case "reorder":
		return strconv.FormatBool(l.Reorder), true
	case "loss_model":
		return tomlString(l.LossModel), true
	case "ge_p":
		return tomlFloat(l.GE.P), true
	case "ge_r":
		return tomlFloat(l.GE.R), true
	case "ge_loss_bad":
		return tomlFloat(l.GE.LossBad), true
	case "ge_loss_good":
		return tomlFloat(l.GE.LossGood), true
	case "state_p13":
		return tomlFloat(l.State.P13), true
	case "state_p31":
		return tomlFloat(l.State.P31), true
	case "state_p32":
		return tomlFloat(l.State.P32), true
	case "state_p23":
		return tomlFloat(l.State.P23), true
	case "state_p14":
		return tomlFloat(l.State.P14), true
	case "duplicate":
		return tomlFloat(l.Duplicate), true
	case "corrupt":
		return tomlFloat(l.Corrupt), true
	case "policer_rate":
		if l.PolicerRate == 0 {
			return tomlString("unlimited"), true
		}
		return tomlString(l.PolicerRate.String()), true
	case "policer_burst":
		return tomlString(units.FormatSize(l.PolicerBurst)), true
	case "trace":
		return tomlString(l.Trace), true
	case "overhead":
		return strconv.Itoa(l.Overhead), true
	case "schedule":
		var parts []string
		for _, c := range l.Schedule {
			parts = append(parts, c.At.String()+" rate="+c.Rate.String()+" delay="+c.Delay.String()+
				" loss="+strconv.FormatFloat(c.Loss, 'g', -1, 64))
		}
		return tomlString(strings.Join(parts, "; ")), true
	}
	return "", false
}
