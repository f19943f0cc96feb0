// Decoding: from the settings tree viper holds (the file with overrides
// applied) to a checked Config. Each setting is taken from the tree, or from
// the schema's default when absent, read into its type and checked against
// the range that makes sense for it. The first problem stops decoding and
// is reported for the key it belongs to.

package experiment

import (
	"math"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"

	"ccbench/cc"
	"ccbench/units"
)

// algorithmNames lists the registered congestion-control algorithms; tests
// replace it to check names without depending on which are registered.
var algorithmNames = cc.Names

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

func (d *decoder) str(s scope, name string) string {
	return read(d, s, name, stringValue)
}

func (d *decoder) integer(s scope, name string) int64 {
	return read(d, s, name, intValue)
}

// smallInt reads an integer setting that must lie in [lo, hi].
func (d *decoder) smallInt(s scope, name string, lo, hi int64, allowed string) int {
	n := d.integer(s, name)
	d.check(s, name, n >= lo && n <= hi, allowed)
	return int(n)
}

func (d *decoder) boolean(s scope, name string) bool {
	return read(d, s, name, boolValue)
}

func (d *decoder) duration(s scope, name string) units.Duration {
	return read(d, s, name, durationValue)
}

func (d *decoder) rate(s scope, name string) units.Rate {
	return read(d, s, name, rateValue)
}

func (d *decoder) size(s scope, name string) int64 {
	return read(d, s, name, sizeValue)
}

func (d *decoder) loss(s scope, name string) float64 {
	return read(d, s, name, lossValue)
}

func (d *decoder) buffer(s scope, name string) Buffer {
	return read(d, s, name, bufferValue)
}

// oneOf reads a string setting that must be one of allowed; what says what
// the value is not ("a supported driver").
func (d *decoder) oneOf(s scope, name string, allowed []string, what string) string {
	v := d.str(s, name)
	if d.err != nil {
		return v
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	list := "none is registered"
	if len(allowed) > 0 {
		list = "allowed: " + strings.Join(allowed, ", ")
	}
	d.fail(s, name, "is not "+what+"; "+list)
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
	c := new(Config)
	top := d.table("")
	if _, given := d.raw(top, "name"); given {
		c.Name = d.str(top, "name")
	} else {
		c.Name = defaultName
	}
	d.checkName(top, c.Name)
	c.Driver = d.oneOf(top, "driver", drivers, "a supported driver")
	c.Duration = d.duration(top, "duration")
	d.check(top, "duration", c.Duration > 0, `must be longer than 0s, e.g. "30s"`)
	seed := d.integer(top, "seed")
	d.check(top, "seed", seed >= 0, "must be a whole number from 0")
	c.Seed = uint64(seed)
	c.SampleInterval = d.duration(top, "sample_interval")
	d.check(top, "sample_interval", c.SampleInterval > 0 && c.SampleInterval <= c.Duration,
		"must be longer than 0s and at most the duration ("+c.Duration.String()+")")
	c.ThroughputWindow = d.duration(top, "throughput_window")
	d.check(top, "throughput_window", c.ThroughputWindow >= c.SampleInterval && c.ThroughputWindow <= c.Duration,
		"must be at least sample_interval ("+c.SampleInterval.String()+"), so every byte falls in some window, and at most the duration ("+c.Duration.String()+")")
	c.FairnessFrom = d.duration(top, "fairness_from")
	d.check(top, "fairness_from", c.FairnessFrom >= 0 && c.FairnessFrom < c.Duration,
		"must be from 0s to before the end of the run (duration = "+c.Duration.String()+")")
	c.FairnessTo = d.duration(top, "fairness_to")
	d.check(top, "fairness_to", c.FairnessTo == 0 || c.FairnessTo > c.FairnessFrom && c.FairnessTo <= c.Duration,
		"must be 0s (the end of the run) or after fairness_from ("+c.FairnessFrom.String()+") and at most the duration ("+c.Duration.String()+")")

	c.MaxReleaseP99 = d.duration(top, "max_release_p99")
	d.check(top, "max_release_p99", c.MaxReleaseP99 > 0, `must be longer than 0s, e.g. "100us"`)

	link, rev := d.table("link"), d.table("reverse")
	c.Link = d.link(link, 0)
	c.Reverse = d.link(rev, c.Link.Delay)
	d.checkHorizon([]horizonTerm{
		{top, "duration", c.Duration}, longestDelay(link, c.Link), {link, "jitter", c.Link.Jitter},
		longestDelay(rev, c.Reverse), {rev, "jitter", c.Reverse.Jitter},
	})

	c.TCP = d.tcp(d.table("tcp"))
	d.tcpLifecycle(d.table("tcp"), &c.TCP)

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
	c.Flows = d.flows(c.Duration, c.TCP, c.Driver, c.Topology)
	c.Cross = d.cross(c.Duration)
	d.lifecycle(c)
	d.checkNetwork(c)
	return c
}

// tcp reads the [tcp] table, with the stack's own limits.
func (d *decoder) tcp(t scope) TCP {
	var tc TCP
	tc.Profile = d.oneOf(t, "profile", profiles, "a TCP profile")
	tc.MSS = d.smallInt(t, "mss", minMSS, maxMSS,
		"must be between "+strconv.Itoa(minMSS)+" and "+strconv.Itoa(maxMSS)+" bytes")
	tc.InitialWindow = d.smallInt(t, "initial_window", 1, math.MaxInt32, "must be at least 1 segment")
	tc.DelayedACK = d.duration(t, "delayed_ack")
	d.check(t, "delayed_ack", tc.DelayedACK >= 0 && tc.DelayedACK < maxDelayedACK,
		`must be 0 (delayed ACKs off) or below 500ms (RFC 9293 §3.8.6.3)`)
	tc.MinRTO = profileMinRTO(tc.Profile)
	if _, given := d.raw(t, "min_rto"); given {
		tc.MinRTO = d.duration(t, "min_rto")
	}
	d.check(t, "min_rto", tc.MinRTO > 0, `must be longer than 0s, e.g. "200ms"`)
	d.check(t, "min_rto", tc.MinRTO <= maxTimer, timerAllowed(maxTimer, "a retransmission timer is set at least this far past the run's clock"))
	tc.InitialRTO = d.duration(t, "initial_rto")
	d.check(t, "initial_rto", tc.InitialRTO > 0, `must be longer than 0s, e.g. "1s" (RFC 6298)`)
	d.check(t, "initial_rto", tc.InitialRTO <= maxTimer, timerAllowed(maxTimer, "the first retransmission timer is set this far past the run's clock"))
	twoSegments := int64(2 * tc.MSS)
	rcv := d.size(t, "rcv_buffer")
	d.check(t, "rcv_buffer", rcv >= twoSegments && rcv <= maxRcvBuffer,
		"must be between two segments ("+strconv.FormatInt(twoSegments, 10)+" bytes) and "+strconv.Itoa(maxRcvBuffer)+" bytes, the largest window RFC 7323 can advertise")
	tc.RcvBuffer = int(rcv)
	snd := d.size(t, "snd_buffer")
	d.check(t, "snd_buffer", snd >= twoSegments && snd <= math.MaxInt32,
		"must be between two segments ("+strconv.FormatInt(twoSegments, 10)+" bytes) and "+strconv.Itoa(math.MaxInt32)+" bytes")
	tc.SndBuffer = int(snd)
	tc.SACK = d.boolean(t, "sack")
	tc.Recovery = profileRecovery(tc.Profile, tc.SACK)
	if _, given := d.raw(t, "recovery"); given {
		tc.Recovery = d.oneOf(t, "recovery", recoveryModes, "a loss-recovery mode")
	}
	d.check(t, "recovery", tc.SACK || (tc.Recovery != "sack" && tc.Recovery != "rack"),
		"needs tcp.sack = true; without SACK: reno or newreno")
	tc.ECN = d.boolean(t, "ecn")
	tc.Pacing = d.boolean(t, "pacing")
	tc.TSODeferral = d.boolean(t, "tso_deferral")
	return tc
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

// flows reads the [[flows]] entries of a run that lasts duration under
// driver.
func (d *decoder) flows(duration units.Duration, tcp TCP, driver string, tp Topology) []FlowGroup {
	names := algorithmNames()
	var groups []FlowGroup
	for _, f := range d.entries("flows") {
		var g FlowGroup
		if raw, _ := d.raw(f, "cc"); isKernelCC(raw) {
			// The kernel's own algorithms run under the tun driver; the
			// kernel itself says whether it has the one named.
			g.CC = raw.(string)
		} else {
			g.CC = d.oneOf(f, "cc", names, "a registered algorithm")
		}
		g.Count = d.smallInt(f, "count", 1, maxFlowCount,
			"must be a whole number of flows from 1 to "+strconv.Itoa(maxFlowCount))
		g.Start = d.duration(f, "start")
		d.check(f, "start", g.Start >= 0 && g.Start < duration,
			"must be from 0s to before the end of the run (duration = "+duration.String()+")")
		g.Size = d.size(f, "size")
		g.Recovery = tcp.Recovery
		if _, given := d.raw(f, "recovery"); given {
			g.Recovery = d.oneOf(f, "recovery", recoveryModes, "a loss-recovery mode")
			d.check(f, "recovery", tcp.SACK || (g.Recovery != "sack" && g.Recovery != "rack"),
				"needs tcp.sack = true; without SACK: reno or newreno")
		}
		g.Receiver = d.receiver(f, driver)
		g.Arrivals = d.oneOf(f, "arrivals", arrivalProcesses, "an arrival process")
		g.Load = d.probability(f, "load")
		g.SizeDistribution = d.oneOf(f, "size_distribution", sizeDistributions, "a size distribution")
		g.MeanSize = d.size(f, "mean_size")
		g.SizeCDF = d.str(f, "size_cdf")
		if g.Workload() && g.SizeDistribution == "empirical" {
			// The CDF gives the mean; a mean_size beside it would
			// claim a control it does not have. The file is read by
			// the driver, like a link trace.
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
			d.check(f, "receiver", driver != "tun" || g.Receiver == "kernel", `must be "kernel" with arrivals = poisson and driver = "tun": a workload's flows are received by B's kernel`)
		} else {
			// Fixed flows have no arrival process; its keys are
			// checked above but mean nothing here.
			incast := g.Incast()
			g.Arrivals, g.Load, g.SizeDistribution, g.MeanSize = "", 0, "", 0
			if incast {
				g.Arrivals = "incast"
				d.check(f, "size", g.Size > 0, `must be the block each round delivers with arrivals = incast, e.g. "1MB"`)
				d.check(f, "size", g.Size >= int64(g.Count), "must give every one of the count flows at least a byte with arrivals = incast")
			}
		}
		g.Rounds = d.smallInt(f, "rounds", 0, 1<<30, "must be a whole number of rounds, 0 for as many as the run holds")
		if !g.Incast() {
			d.check(f, "rounds", g.Rounds == 0, "is for arrivals = incast only")
		}
		d.flowPlacement(f, &g, tp, duration)
		groups = append(groups, g)
	}
	return groups
}

// receiver reads who receives a group's flows. The sim driver has only
// ccbench's stack at both ends, so "stack" is accepted there as a no-op,
// which lets one file run under both drivers; the tun driver's default is
// the kernel, which every flow had before the key existed.
func (d *decoder) receiver(f scope, driver string) string {
	if _, given := d.raw(f, "receiver"); !given {
		if driver == "tun" {
			return "kernel"
		}
		return "stack"
	}
	r := d.oneOf(f, "receiver", receivers, "a receiver")
	d.check(f, "receiver", driver == "tun" || r == "stack",
		`needs driver = "tun"; allowed with driver = "`+driver+`": stack`)
	return r
}

// link reads one direction of the path. A missing delay defaults to
// defaultDelay when the schema gives none (the reverse path mirrors the
// forward one).
func (d *decoder) link(s scope, defaultDelay units.Duration) Link {
	var l Link
	l.Rate = d.rate(s, "rate")
	if _, given := d.raw(s, "delay"); given || s.t.key("delay").def != nil {
		l.Delay = d.duration(s, "delay")
	} else {
		l.Delay = defaultDelay
	}
	d.check(s, "delay", l.Delay >= 0, `must not be negative; "0s" for none`)
	l.Buffer = d.buffer(s, "buffer")
	l.Loss = d.loss(s, "loss")
	if raw, _ := d.raw(s, "ecn_threshold"); raw != "off" {
		l.ECNThreshold = d.buffer(s, "ecn_threshold")
		d.check(s, "ecn_threshold", l.ECNThreshold.Limited(), `must be a queue size ("20pkt", "30KB", "0.2bdp") or "off"`)
	}
	d.stages(s, &l)
	return l
}

// stages reads the optional netem stages of one direction.
func (d *decoder) stages(s scope, l *Link) {
	l.Qdisc = d.oneOf(s, "qdisc", QdiscNames, "a queue discipline")
	l.Jitter = d.duration(s, "jitter")
	d.check(s, "jitter", l.Jitter >= 0, `must not be negative; "0s" for none`)
	l.JitterDistribution = d.oneOf(s, "jitter_distribution", JitterDistributions, "a jitter distribution")
	l.JitterCorrelation = d.probability(s, "jitter_correlation")
	l.Reorder = d.boolean(s, "reorder")
	d.check(s, "reorder", !l.Reorder || l.Jitter > 0, "needs jitter above 0s: only jitter reorders packets")
	// The parameters of the models not chosen are read and kept, not
	// refused: the resolved file lists every key, and must load back.
	l.LossModel = d.oneOf(s, "loss_model", LossModels, "a loss model")
	l.GE.P = d.probability(s, "ge_p")
	if _, given := d.raw(s, "ge_r"); given {
		l.GE.R = d.probability(s, "ge_r")
	} else {
		l.GE.R = 1 - l.GE.P
	}
	l.GE.LossBad = d.probability(s, "ge_loss_bad")
	l.GE.LossGood = d.probability(s, "ge_loss_good")
	l.State.P13 = d.probability(s, "state_p13")
	l.State.P31 = d.probability(s, "state_p31")
	l.State.P32 = d.probability(s, "state_p32")
	l.State.P23 = d.probability(s, "state_p23")
	l.State.P14 = d.probability(s, "state_p14")
	d.check(s, "state_p13", l.State.P13+l.State.P14 <= 1, "plus state_p14 must not exceed 1")
	d.check(s, "state_p31", l.State.P31+l.State.P32 <= 1, "plus state_p32 must not exceed 1")
	d.check(s, "loss", l.Loss == 0 || l.LossModel == "bernoulli",
		"must be 0 with loss_model = "+l.LossModel+", whose parameters set the loss")
	l.Duplicate = d.probability(s, "duplicate")
	l.Corrupt = d.probability(s, "corrupt")
	l.PolicerRate = d.rate(s, "policer_rate")
	l.PolicerBurst = d.size(s, "policer_burst")
	d.check(s, "policer_burst", l.PolicerRate == 0 || l.PolicerBurst > 0 && l.PolicerBurst <= math.MaxInt32,
		"must be at least one packet's bytes when policer_rate is set")
	if _, err := l.PolicerRate.CheckedTxTime(l.PolicerBurst); err != nil && l.PolicerBurst > 0 {
		// The bucket holds the burst's transmission time.
		d.reject(s, "policer_burst", err.Error())
	}
	l.Overhead = d.smallInt(s, "overhead", 0, 1024, "must be 0 to 1024 bytes of framing per packet")
	if text := d.str(s, "schedule"); text != "" {
		changes, err := parseSchedule(text, *l)
		if err != "" {
			d.reject(s, "schedule", err)
		}
		l.Schedule = changes
	}
	if path := d.str(s, "trace"); path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(d.source), path)
		}
		l.Trace = path
		_, rateGiven := d.raw(s, "rate")
		d.check(s, "rate", !rateGiven || l.Rate == 0, `must be "unlimited" or left out with a trace: the trace gives the capacity`)
		l.Rate = 0
	}
}

// probability reads a probability from 0 to 1 inclusive, written as a
// number or a percentage; unlike loss, 1 (certainty) is allowed.
func (d *decoder) probability(s scope, name string) float64 {
	raw, _ := d.raw(s, name)
	p, ok := fractionValue(raw)
	d.check(s, name, ok && p >= 0 && p <= 1, `must be a probability from 0 to 1, written 0.01 or "1%"`)
	return p
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
func (d *decoder) cross(duration units.Duration) []CrossGroup {
	_, given := d.tree["cross"]
	var groups []CrossGroup
	for _, s := range d.entries("cross") {
		var g CrossGroup
		g.Rate = d.rate(s, "rate")
		d.check(s, "rate", g.Rate > 0, `must be a rate above 0, e.g. "10Mbit/s"`)
		g.Pattern = d.oneOf(s, "pattern", crossPatterns, "a traffic pattern")
		g.On = d.duration(s, "on")
		g.Off = d.duration(s, "off")
		d.check(s, "on", g.Pattern != "onoff" || g.On > 0, "must be longer than 0s with pattern = onoff")
		d.check(s, "off", g.Off >= 0, `must not be negative`)
		g.Start = d.duration(s, "start")
		d.check(s, "start", g.Start >= 0 && g.Start < duration,
			"must be from 0s to before the end of the run (duration = "+duration.String()+")")
		g.Stop = d.duration(s, "stop")
		d.check(s, "stop", g.Stop == 0 || g.Stop > g.Start, "must be 0s (the end of the run) or after start")
		g.PacketSize = d.smallInt(s, "packet_size", 28, 1984, "must be from 28 (IPv4 and UDP headers) to 1984 bytes")
		groups = append(groups, g)
	}
	if !given {
		return nil
	}
	return groups
}

// read decodes setting name of s with parse, recording parse's reason as
// the error when the value is not allowed.
func read[T any](d *decoder, s scope, name string, parse func(any) (T, string)) T {
	raw, _ := d.raw(s, name)
	v, reason := parse(raw)
	if reason != "" {
		d.reject(s, name, reason)
	}
	return v
}
