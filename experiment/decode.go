// Decoding: from the settings tree viper holds (the file with overrides
// applied) to a checked Config. Each setting is taken from the tree, or from
// the schema's default when absent, read into its field and checked against
// its own rule (fill, in bind.go); the rules that involve several keys of a
// table follow in that table's rules function (linkRules, flowRules, ...).
// The first problem stops decoding and is reported for the key it belongs
// to.

package experiment

import (
	"errors"
	"math"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/units"
)

// algorithmNames lists the registered congestion-control algorithms; tests
// replace it to check names without depending on which are registered.
var algorithmNames = cc.Names

// checkAlgorithm says whether an algorithm can run: registered, or made
// by a resolver ("kernel:cubic" with kernelcc linked in).
func checkAlgorithm(name string) string {
	if cc.Resolvable(name) {
		if err := cc.Check(name); err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			return "cannot run: " + err.Error()
		}
		return ""
	}
	return notOneOf(name, algorithmNames(), "a registered algorithm")
}

// TCP limits, the same as the stack's own checks, so that a bad value is
// reported against the key in the file rather than later by the stack.
const (
	// minMSS leaves room for 40 bytes of TCP options plus payload.
	minMSS = 88
	// maxMSS keeps a full segment and its headers inside a packet buffer.
	maxMSS = 1460 + 512
	// maxRcvBuffer is the largest window RFC 7323 §2.3 can advertise:
	// 65535 shifted by the maximum window scale, 14.
	maxRcvBuffer = 65535 << 14
	// maxDelayedACK: RFC 9293 §3.8.6.3 (after RFC 1122 §4.2.3.2) requires
	// an ACK delay below 0.5 s.
	maxDelayedACK = 500 * units.Millisecond
)

// maxFlowCount bounds one [[flows]] entry. Far above any experiment in the
// literature (hundreds of flows), it stops a typo such as 1000000 from
// making a run that exhausts memory before it starts.
const maxFlowCount = 100000

// scope is one table instance of the tree: the top level, [link], or one
// [[flows]] entry.
type scope struct {
	t    *table
	vals map[string]any
	// prefix is what the table's keys are displayed after: "", "link.",
	// "flows[0].".
	prefix string
}

// decoder turns the tree into a Config, keeping the first error.
type decoder struct {
	source  string
	tree    map[string]any
	fromSet map[string]bool
	err     error
	// read records every schema key decoded, as "table.key"; tests use it
	// to check that the decoder and the schema agree.
	read map[string]bool
}

// raw returns the value of name in s, or its default, and whether it was
// given.
func (d *decoder) raw(s scope, name string) (any, bool) {
	d.read[s.t.name+"."+name] = true
	if v, ok := s.vals[name]; ok {
		return v, true
	}
	return s.t.key(name).def, false
}

// fail records msg, which follows the value in the message, as the error
// for name in s unless an earlier error is already recorded.
func (d *decoder) fail(s scope, name, msg string) {
	if d.err != nil {
		return
	}
	key := s.prefix + name
	raw, given := d.raw(s, name)
	value := formatValue(raw)
	if !given {
		value += " (the default)"
	}
	source := d.source
	if d.fromSet[key] {
		source = SetSource
	}
	d.err = &Error{Source: source, Key: key, Msg: value + " " + msg}
}

// reject records that the value of name is not allowed, and what is.
func (d *decoder) reject(s scope, name, allowed string) {
	d.fail(s, name, "is not allowed: "+allowed)
}

// check rejects name unless ok.
func (d *decoder) check(s scope, name string, ok bool, allowed string) {
	if !ok {
		d.reject(s, name, allowed)
	}
}

// str reads the string setting name of s.
func (d *decoder) str(s scope, name string) string {
	raw, _ := d.raw(s, name)
	v, reason := stringValue(raw)
	if reason != "" {
		d.reject(s, name, reason)
	}
	return v
}

// table returns the scope of the table called name; a missing table is an
// empty one, so all its keys take their defaults.
func (d *decoder) table(name string) scope {
	t := tableNamed(name)
	s := scope{t: t, prefix: t.name + "."}
	if t.name == "" {
		s.prefix = ""
		s.vals = d.tree
		return s
	}
	switch v := d.tree[name].(type) {
	case nil:
	case map[string]any:
		s.vals = v
	default:
		if d.err == nil {
			d.err = &Error{Source: d.source, Key: name,
				Msg: formatValue(v) + " is not allowed: must be a table written " + t.header() + "; " + t.allowedKeys()}
		}
	}
	return s
}

// entries returns a scope for every entry of the array of tables called
// name, or the single default entry when there are none in the file.
func (d *decoder) entries(name string) []scope {
	t := tableNamed(name)
	raw, ok := d.tree[name]
	if !ok {
		return []scope{{t: t, prefix: name + "[0]."}}
	}
	elems, ok := tableArray(raw)
	if !ok {
		if d.err == nil {
			d.err = notTableArray(d.source, t, raw)
		}
		return nil
	}
	if len(elems) == 0 && d.err == nil {
		d.err = &Error{Source: d.source, Key: name,
			Msg: "[] is not allowed: must have at least one " + t.header() + " entry"}
	}
	scopes := make([]scope, len(elems))
	for i, e := range elems {
		scopes[i] = scope{t: t, vals: e, prefix: name + "[" + strconv.Itoa(i) + "]."}
	}
	return scopes
}

// decode builds the Config; name is the file's name, which the experiment
// name defaults to.
func (d *decoder) decode(defaultName string) *Config {
	c := &Config{Name: defaultName}
	top := d.table("")
	d.fill(top, c, c)
	d.checkName(top, c.Name)

	link, rev := d.table("link"), d.table("reverse")
	c.Link = d.link(link, c)
	c.Reverse = d.link(rev, c)
	d.checkHorizon([]horizonTerm{
		{top, "duration", c.Duration}, longestDelay(link, c.Link), {link, "jitter", c.Link.Jitter},
		longestDelay(rev, c.Reverse), {rev, "jitter", c.Reverse.Jitter},
	})

	d.fill(d.table("tcp"), c, &c.TCP)

	if d.err == nil {
		c.Link.Buffer = d.resolveBuffer(link, c.Link, c, "link.rate")
		c.Reverse.Buffer = d.resolveBuffer(rev, c.Reverse, c, "reverse.rate")
		lt := c.Link
		lt.Buffer = c.Link.ECNThreshold
		c.Link.ECNThreshold = d.resolveBuffer(link, lt, c, "link.rate")
		rt := c.Reverse
		rt.Buffer = c.Reverse.ECNThreshold
		c.Reverse.ECNThreshold = d.resolveBuffer(rev, rt, c, "reverse.rate")
	}
	d.topologyTable(c)
	for _, f := range d.entries("flows") {
		var g FlowGroup
		d.fill(f, c, &g)
		d.flowRules(f, c, &g)
		c.Flows = append(c.Flows, g)
	}
	c.Cross = d.cross(c)
	d.lifecycle(c)
	d.checkNetwork(c)
	return c
}

// profileMinRTO is a profile's floor of the retransmission timeout: Linux's
// TCP_RTO_MIN, or RFC 6298 §2.4's one second.
func profileMinRTO(profile string) units.Duration {
	if profile == "rfc" {
		return units.Second
	}
	return 200 * units.Millisecond
}

// profileRecovery is a profile's loss recovery: Linux recovers with
// RACK-TLP whenever SACK is on (tcp_recovery = 1 since 4.18), the RFC
// profile with RFC 6675's scoreboard; without SACK both fall back to
// NewReno (RFC 6582), as Linux does on a connection that did not
// negotiate SACK.
func profileRecovery(profile string, sack bool) string {
	switch {
	case !sack:
		return "newreno"
	case profile == "rfc":
		return "sack"
	default:
		return "rack"
	}
}

// flowRules are the rules of a [[flows]] entry that involve several keys.
func (d *decoder) flowRules(f scope, c *Config, g *FlowGroup) {
	if g.Workload() && g.SizeDistribution == "empirical" {
		// The CDF gives the mean; a mean_size beside it would claim a
		// control it does not have. The file is read by the driver, like
		// a link trace.
		_, given := d.raw(f, "mean_size")
		d.check(f, "mean_size", !given || g.MeanSize == 0, "must be left out (or 0B) with size_distribution = empirical: size_cdf gives the mean")
		d.check(f, "size_cdf", g.SizeCDF != "", `must name a CDF file with size_distribution = empirical, e.g. "workloads/websearch.csv"`)
		if g.SizeCDF != "" && !filepath.IsAbs(g.SizeCDF) {
			g.SizeCDF = filepath.Join(filepath.Dir(d.source), g.SizeCDF)
		}
		g.MeanSize = 0
	} else {
		g.SizeCDF = ""
	}
	if g.Workload() {
		d.check(f, "load", g.Load > 0, "must be above 0 with arrivals = poisson")
		d.check(f, "mean_size", g.MeanSize > 0 || g.SizeDistribution == "empirical", "must be at least 1 byte with arrivals = poisson")
		d.check(f, "count", g.Count == 1, "must be 1 with arrivals = poisson: the arrivals set the number of flows")
		d.check(f, "size", g.Size == 0, "must be 0 with arrivals = poisson: size_distribution and mean_size set the sizes")
		d.check(f, "receiver", c.Driver != "tun" || g.Receiver == "kernel", `must be "kernel" with arrivals = poisson and driver = "tun": a workload's flows are received by B's kernel`)
	} else {
		// Fixed flows have no arrival process; its keys are checked
		// above but mean nothing here.
		incast := g.Incast()
		g.Arrivals, g.Load, g.SizeDistribution, g.MeanSize = "", 0, "", 0
		if incast {
			g.Arrivals = "incast"
			d.check(f, "size", g.Size > 0, `must be the block each round delivers with arrivals = incast, e.g. "1MB"`)
			d.check(f, "size", g.Size >= int64(g.Count), "must give every one of the count flows at least a byte with arrivals = incast")
		}
	}
	d.check(f, "rounds", g.Incast() || g.Rounds == 0, "is for arrivals = incast only")
	d.flowPlacement(f, g, c.Topology)
}

// link reads one direction of the path.
func (d *decoder) link(s scope, c *Config) Link {
	var l Link
	d.fill(s, c, &l)
	d.linkRules(s, &l)
	return l
}

// linkRules are the rules of a link direction that involve several of its
// keys. The parameters of the loss models not chosen are read and kept,
// not refused: the resolved file lists every key, and must load back.
func (d *decoder) linkRules(s scope, l *Link) {
	d.check(s, "state_p13", l.State.P13+l.State.P14 <= 1, "plus state_p14 must not exceed 1")
	d.check(s, "state_p31", l.State.P31+l.State.P32 <= 1, "plus state_p32 must not exceed 1")
	d.check(s, "loss", l.Loss == 0 || l.LossModel == "bernoulli",
		"must be 0 with loss_model = "+l.LossModel+", whose parameters set the loss")
	if text := d.str(s, "schedule"); text != "" {
		changes, err := parseSchedule(text, *l)
		if err != "" {
			d.reject(s, "schedule", err)
		}
		l.Schedule = changes
	}
	if l.Trace != "" {
		if !filepath.IsAbs(l.Trace) {
			l.Trace = filepath.Join(filepath.Dir(d.source), l.Trace)
		}
		_, rateGiven := d.raw(s, "rate")
		d.check(s, "rate", !rateGiven || l.Rate == 0, `must be "unlimited" or left out with a trace: the trace gives the capacity`)
		l.Rate = 0
	}
}

// resolveBuffer works out a buffer's size in bytes and packets. A BDP
// multiple needs the link's own rate and the base RTT: the reverse path's
// BDP is its rate times the same base RTT.
func (d *decoder) resolveBuffer(s scope, l Link, c *Config, rateKey string) Buffer {
	b := l.Buffer
	pkt := int64(c.TCP.PacketBytes())
	switch b.Unit {
	case BufferBytes:
		b.Packets = b.Bytes / pkt
	case BufferPackets:
		if b.Packets > math.MaxInt64/pkt {
			d.reject(s, "buffer", "too many packets")
			return b
		}
		b.Bytes = b.Packets * pkt
	case BufferBDP:
		rtt, rttOK := units.AddDurations(c.Link.Delay, c.Reverse.Delay)
		switch {
		case l.Rate == 0:
			d.reject(s, "buffer", "a multiple of the bandwidth-delay product needs a finite "+rateKey+`; give bytes ("256KiB") or packets ("100pkt")`)
			return b
		case !rttOK:
			return b // reverse.delay is rejected for the overflowing sum
		case rtt <= 0:
			d.reject(s, "buffer", `a multiple of the bandwidth-delay product needs a base RTT (link.delay + reverse.delay) above 0s; give bytes ("256KiB") or packets ("100pkt")`)
			return b
		}
		bytes, bdp := bdpBytes(b.Multiple, l.Rate, rtt)
		if bytes.Sign() < 1 || bytes.Cmp(big.NewInt(maxBufferBytes)) > 0 {
			d.reject(s, "buffer", "comes to "+bigCount(bytes)+" bytes at "+l.Rate.String()+" and a base RTT of "+rtt.String()+
				" (one BDP is "+bigCount(bdp)+" bytes); allowed from 1 to "+strconv.FormatInt(maxBufferBytes, 10)+
				` bytes; give bytes ("256KiB") or packets ("100pkt")`)
			return b
		}
		b.Bytes = bytes.Int64()
		b.Packets = b.Bytes / pkt
	}
	return b
}

// maxHorizon bounds the times a run's clock reaches: the end of the run
// plus the longest a packet spends on the path. Half the range of
// units.Time leaves the other half for deadlines computed from those times
// (timers, backed-off RTOs, pacing), so that no sum the simulator makes
// can wrap to a time in the past.
const maxHorizon = units.MaxDuration / 2

// horizonTerm is one setting that adds to the run's horizon.
type horizonTerm struct {
	s    scope
	name string
	v    units.Duration
}

// longestDelay is the horizon term of a direction's delay: the delay, or
// the longest its schedule sets when that is longer.
func longestDelay(s scope, l Link) horizonTerm {
	t := horizonTerm{s, "delay", l.Delay}
	for _, ch := range l.Schedule {
		if ch.Delay > t.v {
			t = horizonTerm{s, "schedule", ch.Delay}
		}
	}
	return t
}

// checkHorizon rejects the first of terms whose running sum exceeds
// maxHorizon, saying how much room the terms before it leave.
func (d *decoder) checkHorizon(terms []horizonTerm) {
	var sum units.Duration
	var names []string
	for _, t := range terms {
		names = append(names, t.s.prefix+t.name)
		if t.v <= maxHorizon-sum {
			sum += t.v
			continue
		}
		allowed := "allowed up to " + (maxHorizon - sum).String()
		if len(names) > 1 {
			allowed += " with " + strings.Join(names[:len(names)-1], " + ") + " = " + sum.String()
		}
		d.reject(t.s, t.name, "makes "+strings.Join(names, " + ")+" exceed "+maxHorizon.String()+
			" (about 146 years), the furthest a run's clock may reach with room left for its timers; "+allowed)
		return
	}
}

// maxTimer bounds a setting the stack adds to the clock as a timer (an
// RTO, TIME-WAIT): with the clock itself within maxHorizon, the deadline
// stays inside units.Time with room for backoff.
const maxTimer = units.MaxDuration / 4

// timerAllowed says what a timer setting allows: at most limit, and why.
func timerAllowed(limit units.Duration, why string) string {
	return "must be at most " + limit.String() + " (about " + strconv.FormatInt(int64(limit/(365*24*60*units.Minute)), 10) +
		" years): " + why + ", and the sum must stay within the simulator's clock"
}

// maxBufferBytes is the largest buffer a BDP multiple may come to, half
// the range of int64 so that a queue's byte count plus one packet cannot
// wrap.
const maxBufferBytes = math.MaxInt64 / 2

// bdpBytes is m × ⌊rate × rtt / 8⌋ rounded to the nearest byte (halves
// up), and the BDP itself, computed exactly in math/big: a BDP multiple can
// exceed int64 long before the rate or the RTT does.
func bdpBytes(m float64, rate units.Rate, rtt units.Duration) (bytes, bdp *big.Int) {
	bdp = new(big.Int).Mul(big.NewInt(int64(rate)), big.NewInt(int64(rtt)))
	bdp.Quo(bdp, big.NewInt(8*int64(units.Second)))
	x := new(big.Rat).SetFloat64(m) // exact: m is finite, checked when read
	x.Mul(x, new(big.Rat).SetInt(bdp))
	x.Add(x, big.NewRat(1, 2))
	return new(big.Int).Quo(x.Num(), x.Denom()), bdp // floor: x is positive
}

// bigCount writes n exactly, or to four significant digits when it has
// more than 30.
func bigCount(n *big.Int) string {
	if n.BitLen() > 96 {
		return new(big.Float).SetInt(n).Text('g', 4)
	}
	return n.String()
}

// checkName accepts names that are safe as one directory name on every
// system results are copied to.
func (d *decoder) checkName(s scope, name string) {
	ok := name != "" && name[0] != '.' && len(name) <= 100
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			ok = false
		}
	}
	if ok || d.err != nil {
		return
	}
	if _, given := d.raw(s, "name"); !given {
		d.err = &Error{Source: d.source, Key: "name",
			Msg: "the default " + strconv.Quote(name) + ", taken from the file name, is not allowed: " + nameAllowed + "; set name in the file"}
		return
	}
	d.reject(s, "name", nameAllowed)
}

const nameAllowed = "must be 1 to 100 letters, digits, '-', '_' or '.', not starting with '.' (it names the directory results/<name>/)"

// isKernelCC reports whether raw names a Linux kernel algorithm,
// "linux:<name>".
func isKernelCC(raw any) bool {
	v, ok := raw.(string)
	name, found := strings.CutPrefix(v, "linux:")
	if !ok || !found || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// parseSchedule reads "10s rate=20Mbit/s; 20s delay=30ms loss=1%": changes
// in increasing time, each carrying forward what it does not set, starting
// from the link's own settings. It returns what is wrong, or "".
func parseSchedule(text string, base Link) ([]Change, string) {
	const form = `must be changes like "10s rate=20Mbit/s; 20s delay=30ms loss=1%", in increasing time, setting rate, delay or loss`
	prev := Change{Rate: base.Rate, Delay: base.Delay, Loss: base.Loss}
	var out []Change
	for _, item := range strings.Split(text, ";") {
		fields := strings.Fields(item)
		if len(fields) < 2 {
			return nil, form
		}
		at, err := units.ParseDuration(fields[0])
		if err != nil || at < 0 || len(out) > 0 && at <= out[len(out)-1].At {
			return nil, form
		}
		c := prev
		c.At = at
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, form
			}
			switch k {
			case "rate":
				r, err := units.ParseRate(v)
				if err != nil || r <= 0 {
					return nil, form + `; rates must be positive`
				}
				c.Rate = r
			case "delay":
				dl, err := units.ParseDuration(v)
				if err != nil || dl < 0 {
					return nil, form
				}
				c.Delay = dl
			case "loss":
				p, reason := lossValue(v)
				if reason != "" {
					return nil, form
				}
				c.Loss = p
			default:
				return nil, form
			}
		}
		out = append(out, c)
		prev = c
	}
	return out, ""
}

// cross reads the [[cross]] entries. Without any there is no cross
// traffic; the defaults are still decoded, so they are checked too.
func (d *decoder) cross(c *Config) []CrossGroup {
	_, given := d.tree["cross"]
	var groups []CrossGroup
	for _, s := range d.entries("cross") {
		var g CrossGroup
		d.fill(s, c, &g)
		groups = append(groups, g)
	}
	if !given {
		return nil
	}
	return groups
}
