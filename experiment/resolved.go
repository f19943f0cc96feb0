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
			for i := range t.count(c) {
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
			width = max(width, len(k.name)+3+len(c.literal(t, &k, i)))
		}
	}
	for _, k := range t.keys {
		if !c.writesTopology(t.name, k.name, i) {
			continue
		}
		line := k.name + " = " + c.literal(t, &k, i)
		fmt.Fprintf(b, "%-*s  # %s\n", width, line, k.doc)
	}
}

// literal is the TOML value of key k of table t (entry i of an array of
// tables) in canonical form. Fixed flows keep no workload: their workload
// keys are written at their defaults.
func (c *Config) literal(t *table, k *key, i int) string {
	if f := c.Flows; t.name == "flows" && !f[i].Workload() && !(k.name == "arrivals" && f[i].Incast()) {
		switch k.name {
		case "arrivals", "load", "size_distribution", "mean_size", "size_cdf":
			return formatValue(k.def)
		}
	}
	return literal(k, k.at(t.dst(c, i)))
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
