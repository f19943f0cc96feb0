package report

// The files of a connection-lifecycle run:
//
//	census.csv       one row per sample and host: the host's connections
//	                 counted by state, and its listener's SYN-queue and
//	                 accept-queue occupancy
//	connections.csv  one row per connection attempt: when it started, was
//	                 established and ended, and how it ended
//
// The figures are drawn from these files (lifecycle_plots.go), so a run's
// folder can be plotted again later without the simulation.

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// The file names of a lifecycle run's CSVs.
const (
	CensusFile      = "census.csv"
	ConnectionsFile = "connections.csv"
)

// censusColumns are the census state columns, the state names of
// metrics.CensusStates in lower case with underscores.
var censusColumns = func() []string {
	cols := make([]string, len(metrics.CensusStates))
	for i, s := range metrics.CensusStates {
		cols[i] = strings.ToLower(strings.ReplaceAll(s, "-", "_"))
	}
	return cols
}()

// CensusCSVHeader is the header row of WriteCensusCSV.
var CensusCSVHeader = "time_s,host," + strings.Join(censusColumns, ",") + ",syn_queue,accept_queue\n"

// ConnectionsCSVHeader is the header row of WriteConnectionsCSV.
const ConnectionsCSVHeader = "host,local_port,start_s,established_s,done_s,connect_ms,fct_ms,outcome\n"

// WriteCensusCSV writes a census to path.
func WriteCensusCSV(path string, c *metrics.Census) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, CensusCSVHeader); err != nil {
			return err
		}
		row := make([]byte, 0, 128)
		for k, t := range c.Times {
			for h, host := range c.Hosts {
				r := c.Row(k, h)
				row = appendSeconds(row[:0], t)
				row = append(row, ',')
				row = appendField(row, host)
				for _, n := range r.States {
					row = append(row, ',')
					row = strconv.AppendInt(row, int64(n), 10)
				}
				row = append(row, ',')
				row = strconv.AppendInt(row, int64(r.SYNQueue), 10)
				row = append(row, ',')
				row = strconv.AppendInt(row, int64(r.AcceptQueue), 10)
				row = append(row, '\n')
				if _, err := w.Write(row); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// WriteConnectionsCSV writes the attempts to path; hosts names the
// attempts' Host indices. Times an attempt never reached are empty, and so
// are the durations that need them: connect_ms without an established
// connection, fct_ms without a complete response.
func WriteConnectionsCSV(path string, hosts []string, attempts []metrics.Attempt) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, ConnectionsCSVHeader); err != nil {
			return err
		}
		row := make([]byte, 0, 128)
		for i := range attempts {
			a := &attempts[i]
			row = appendField(row[:0], hosts[a.Host])
			row = append(row, ',')
			if a.Outcome != metrics.OutcomeNoPort {
				row = strconv.AppendUint(row, uint64(a.LocalPort), 10)
			}
			row = append(row, ',')
			row = appendSeconds(row, a.Start)
			row = append(row, ',')
			if a.Established >= 0 {
				row = appendSeconds(row, a.Established)
			}
			row = append(row, ',')
			if a.Done >= 0 {
				row = appendSeconds(row, a.Done)
			}
			row = append(row, ',')
			if a.Established >= 0 {
				row = appendMillis(row, a.Established.Sub(a.Start))
			}
			row = append(row, ',')
			if a.Outcome == metrics.OutcomeOK {
				row = appendMillis(row, a.Done.Sub(a.Start))
			}
			row = append(row, ',')
			row = append(row, a.Outcome.String()...)
			row = append(row, '\n')
			if _, err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// readTable reads a CSV file whose header is exactly header.
func readTable(path, header string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.TrimSuffix(header, "\n") {
		return nil, fmt.Errorf("%s: the header is not %q", path, strings.TrimSuffix(header, "\n"))
	}
	return recs[1:], nil
}

// ReadCensusCSV reads a census written by WriteCensusCSV.
func ReadCensusCSV(path string) (*metrics.Census, error) {
	recs, err := readTable(path, CensusCSVHeader)
	if err != nil {
		return nil, err
	}
	c := new(metrics.Census)
	hostIndex := map[string]int{}
	for i, rec := range recs {
		t, err := strconv.ParseFloat(rec[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: time_s %q: %w", path, i+2, rec[0], err)
		}
		at := units.Time(t*1e6+0.5) * units.Time(units.Microsecond)
		if len(c.Times) == 0 || c.Times[len(c.Times)-1] != at {
			c.Times = append(c.Times, at)
		}
		if _, ok := hostIndex[rec[1]]; !ok && len(c.Times) == 1 {
			hostIndex[rec[1]] = len(c.Hosts)
			c.Hosts = append(c.Hosts, rec[1])
		}
		var r metrics.CensusRow
		for j := range len(r.States) + 2 {
			n, err := strconv.ParseInt(rec[2+j], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d: column %d %q: %w", path, i+2, 3+j, rec[2+j], err)
			}
			switch {
			case j < len(r.States):
				r.States[j] = int32(n)
			case j == len(r.States):
				r.SYNQueue = int32(n)
			default:
				r.AcceptQueue = int32(n)
			}
		}
		c.Rows = append(c.Rows, r)
	}
	if len(c.Rows) != len(c.Times)*len(c.Hosts) {
		return nil, fmt.Errorf("%s: %d rows are not one per host (%d) and sample (%d)", path, len(c.Rows), len(c.Hosts), len(c.Times))
	}
	return c, nil
}

var nan = math.NaN()

// Connection is one row of connections.csv as read back: times in
// seconds, durations in milliseconds, NaN where the file has none.
type Connection struct {
	Host                     string
	Start, Established, Done float64
	ConnectMs, FCTMs         float64
	Outcome                  string
}

// ReadConnectionsCSV reads the attempts written by WriteConnectionsCSV.
func ReadConnectionsCSV(path string) ([]Connection, error) {
	recs, err := readTable(path, ConnectionsCSVHeader)
	if err != nil {
		return nil, err
	}
	out := make([]Connection, len(recs))
	for i, rec := range recs {
		num := func(j int) float64 {
			if rec[j] == "" {
				return nan
			}
			v, perr := strconv.ParseFloat(rec[j], 64)
			if perr != nil && err == nil {
				err = fmt.Errorf("%s: row %d: %q is not a number", path, i+2, rec[j])
			}
			return v
		}
		out[i] = Connection{Host: rec[0], Start: num(2), Established: num(3), Done: num(4),
			ConnectMs: num(5), FCTMs: num(6), Outcome: rec[7]}
	}
	return out, err
}
