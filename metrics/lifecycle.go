package metrics

// Connection-lifecycle measurements: the state census of every lifecycle
// host over time (the view `ss -tan state all` gives, counted), one record
// per connection attempt, and their summary.

import "github.com/ccbench/ccbench/units"

// CensusStates names the census columns, in the order of the stack's
// connection states from LISTEN to TIME-WAIT (RFC 9293 §3.3.2); CLOSED
// connections belong to no host and are not counted.
var CensusStates = [NumCensusStates]string{
	"LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
}

// NumCensusStates is the number of census columns.
const NumCensusStates = 10

// Census column indices of the states the summary looks at.
const (
	CensusTimeWait  = 9
	CensusCloseWait = 6
)

// CensusRow is one host's counts at one sample.
type CensusRow struct {
	States [NumCensusStates]int32
	// SYNQueue and AcceptQueue are the listener's half-open and
	// established-but-not-accepted connections; 0 for a host that does
	// not listen.
	SYNQueue, AcceptQueue int32
}

// Census is the state census of a run's lifecycle hosts, sampled at Times.
type Census struct {
	Hosts []string
	Times []units.Time
	// Rows holds len(Hosts) rows per sample: host h at sample k is
	// Rows[k*len(Hosts)+h].
	Rows []CensusRow
}

// Row returns host h's counts at sample k.
func (c *Census) Row(k, h int) *CensusRow { return &c.Rows[k*len(c.Hosts)+h] }

// Outcome is how a connection attempt ended.
type Outcome uint8

const (
	// OutcomeOK: the whole response was read.
	OutcomeOK Outcome = iota
	// OutcomeNoPort: connect failed at once, every ephemeral port in use.
	OutcomeNoPort
	// OutcomeRefused: the server answered the SYN with RST.
	OutcomeRefused
	// OutcomeTimeout: the SYN retries (or data retries) ran out.
	OutcomeTimeout
	// OutcomeReset: the connection was reset, or closed before the whole
	// response arrived.
	OutcomeReset
	// OutcomeUnfinished: still in progress when the run ended.
	OutcomeUnfinished
)

var outcomeNames = [...]string{"ok", "no_port", "refused", "timeout", "reset", "unfinished"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "invalid"
}

// Attempt is one connection attempt of a client host. Established and
// Done are -1 when the attempt never got there.
type Attempt struct {
	Host      int // index into Census.Hosts
	LocalPort uint16
	Start     units.Time
	// Established is when the client saw the handshake complete.
	Established units.Time
	// Done is when the attempt ended: the last byte of the response read,
	// or the failure seen.
	Done    units.Time
	Outcome Outcome
}

// LifecycleSummary sums up a lifecycle run for summary.json.
type LifecycleSummary struct {
	Attempts  int64 `json:"attempts"`
	Succeeded int64 `json:"succeeded"`
	// Unfinished attempts were still in progress at the end of the run;
	// SuccessRatio is Succeeded over the attempts that finished.
	Unfinished   int64            `json:"unfinished"`
	SuccessRatio float64          `json:"success_ratio"`
	Failures     LifecycleFailure `json:"failures"`
	// ConnectMs is from connect to the client seeing the handshake
	// complete, FCTMs from connect to the last response byte read, over
	// the attempts that got there.
	ConnectMs Percentiles `json:"connect_ms"`
	FCTMs     Percentiles `json:"fct_ms"`
	// FirstPortExhaustionS is when the first connect found no free
	// ephemeral port, null if none did.
	FirstPortExhaustionS *float64 `json:"first_port_exhaustion_s"`
	// Peak counts are the largest census sample, summed over hosts;
	// steady counts the mean over the samples of the run's second half.
	PeakTimeWait      int     `json:"peak_time_wait"`
	SteadyTimeWait    float64 `json:"steady_time_wait"`
	PeakCloseWait     int     `json:"peak_close_wait"`
	SteadyCloseWait   float64 `json:"steady_close_wait"`
	PeakSYNQueue      int     `json:"peak_syn_queue"`
	CookiesSent       int64   `json:"cookies_sent"`
	CookiesValidated  int64   `json:"cookies_validated"`
	FloodSYNsSent     int64   `json:"flood_syns_sent"`
	SYNACKsBlackholed int64   `json:"synacks_blackholed"`
}

// LifecycleFailure counts failed attempts by reason.
type LifecycleFailure struct {
	NoPort  int64 `json:"no_port"`
	Refused int64 `json:"refused"`
	Timeout int64 `json:"timeout"`
	Reset   int64 `json:"reset"`
}

// Percentiles of a distribution; all 0 when it is empty.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}
