package report

// Drawing a run's figures from its results folder: the flow and link CSVs,
// summary.json and config.toml, and nothing the run held in memory. A run
// draws its figures this way right after writing those files, and
// ccbench plot draws them this way later, so both give the same bytes;
// a figure shows exactly what the CSVs hold (times to the microsecond,
// delays to the microsecond, rates to the bit per second).

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"ccbench/experiment"
	"ccbench/metrics"
	"ccbench/units"
)

// RunFiles are the files every results folder of a run holds.
var RunFiles = []string{"config.toml", "summary.json", "link.csv"}

// PlotRun draws every figure of the run whose results folder is dir, and
// whose resolved experiment is cfg, from the files in dir.
func PlotRun(dir string, cfg *experiment.Config) error {
	s, err := ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		return err
	}
	flows := make([]*metrics.FlowSeries, 0, len(s.Flows))
	for _, fs := range s.Flows {
		f := &metrics.FlowSeries{ID: fs.ID, Name: "flow" + strconv.Itoa(fs.ID) + "-" + fs.CC, CC: fs.CC, Finish: units.Never}
		if err := readFlowCSV(filepath.Join(dir, "flow"+strconv.Itoa(fs.ID)+".csv"), f); err != nil {
			return err
		}
		flows = append(flows, f)
	}
	link, err := readLinkCSV(filepath.Join(dir, "link.csv"))
	if err != nil {
		return err
	}
	buf := 0
	if cfg.Link.Buffer.Limited() {
		buf = int(cfg.Link.Buffer.Bytes)
		if cfg.Link.Buffer.Unit == experiment.BufferPackets {
			buf = int(cfg.Link.Buffer.Packets) * cfg.TCP.PacketBytes()
		}
	}
	if err := Plots(dir, cfg.Name, flows, link, cfg.Link.Rate, buf); err != nil {
		return err
	}
	if err := runFCTFigure(dir, cfg.Name, s); err != nil {
		return err
	}
	if cfg.Active() {
		return LifecyclePlots(dir, cfg.Name, cfg.Server.Backlog)
	}
	return nil
}

// Replot draws the figures of the run folder dir again from its files,
// loading its config.toml for the experiment's name, rate and buffer.
func Replot(dir string) error {
	if err := IsRunFolder(dir); err != nil {
		return err
	}
	cfg, err := experiment.Load(filepath.Join(dir, "config.toml"), nil)
	if err != nil {
		return err
	}
	return PlotRun(dir, cfg)
}

// IsRunFolder says what dir lacks to be a run's results folder, or nil.
func IsRunFolder(dir string) error {
	for _, name := range RunFiles {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a run's results folder: it has no %s (a run folder holds %s and flow<N>.csv)", dir, name, strings.Join(RunFiles, ", "))
		}
	}
	return nil
}

// ReadSummary reads a summary.json written by WriteSummaryJSON.
func ReadSummary(path string) (*metrics.Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := new(metrics.Summary)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// csvTable is a CSV file read whole, with its columns by name.
type csvTable struct {
	path string
	col  map[string]int
	rows [][]string
	// names keeps the header's order, for the cc_* columns.
	names []string
}

func readCSV(path string) (*csvTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header: %w", path, err)
	}
	t := &csvTable{path: path, col: map[string]int{}, names: header}
	for i, name := range header {
		t.col[name] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) != len(header) {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("%s:%d: %d fields, the header has %d", path, line, len(rec), len(header))
		}
		t.rows = append(t.rows, rec)
	}
}

// need checks that the table has every column in names.
func (t *csvTable) need(names string) error {
	for _, n := range strings.Split(strings.TrimSpace(names), ",") {
		if _, ok := t.col[n]; !ok {
			return fmt.Errorf("%s: no %s column; was it written by ccbench?", t.path, n)
		}
	}
	return nil
}

// number reads column name of row i; an empty field is empty.
func (t *csvTable) number(i int, name string) (float64, bool, error) {
	field := t.rows[i][t.col[name]]
	if field == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(field, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: row %d, %s: %q is not a number", t.path, i+2, name, field)
	}
	return v, true, nil
}

// rowReader reads the numbers of one row, keeping the first error.
type rowReader struct {
	t   *csvTable
	i   int
	err error
}

func (r *rowReader) float(name string) float64 {
	v, _, err := r.t.number(r.i, name)
	if r.err == nil {
		r.err = err
	}
	return v
}

func (r *rowReader) int(name string) int64 { return int64(math.Round(r.float(name))) }
func (r *rowReader) seconds(name string) units.Time {
	return units.Time(math.Round(r.float(name) * 1e9))
}
func (r *rowReader) millis(name string) units.Duration {
	return units.Duration(math.Round(r.float(name) * 1e6))
}

// readFlowCSV reads a file written by WriteFlowCSV into f's samples.
func readFlowCSV(path string, f *metrics.FlowSeries) error {
	t, err := readCSV(path)
	if err != nil {
		return err
	}
	if err := t.need(strings.TrimSuffix(FlowCSVHeader, "\n")); err != nil {
		return err
	}
	var internals []string
	for _, n := range t.names {
		if name, ok := strings.CutPrefix(n, "cc_"); ok {
			internals = append(internals, name)
		}
	}
	f.Samples = make([]metrics.FlowSample, len(t.rows))
	for i, row := range t.rows {
		r := rowReader{t: t, i: i}
		s := &f.Samples[i]
		s.T = r.seconds("time_s")
		s.ThroughputBps = r.float("throughput_mbps") * 1e6
		s.Cwnd = int(r.int("cwnd_bytes"))
		s.Ssthresh = InfiniteSsthresh
		if _, given, _ := t.number(i, "ssthresh_bytes"); given {
			s.Ssthresh = int(r.int("ssthresh_bytes"))
		}
		s.SRTT = r.millis("srtt_ms")
		s.RTTVar = r.millis("rttvar_ms")
		s.RTO = r.millis("rto_ms")
		s.LastRTT = r.millis("last_rtt_ms")
		s.Inflight = int(r.int("inflight_bytes"))
		s.Retransmits = r.int("retransmits")
		s.Delivered = r.int("delivered_bytes")
		s.State = row[t.col["state"]]
		s.Phase = row[t.col["phase"]]
		s.PacingBps = r.float("pacing_mbps") * 1e6
		// An algorithm's values fill the first N columns of a row;
		// the rest are empty (see appendFlowRow).
		for _, name := range internals {
			v, given, err := t.number(i, "cc_"+name)
			if r.err == nil {
				r.err = err
			}
			if !given || s.CC.N == len(s.CC.Names) {
				break
			}
			s.CC.Add(name, v)
		}
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// readLinkCSV reads a file written by WriteLinkCSV. The file keeps the
// mean queueing delay of each interval rather than the cumulative served
// and sojourn counters it came from; each interval is given one served
// packet of that delay, which yields the same per-interval means.
func readLinkCSV(path string) ([]metrics.LinkSample, error) {
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if err := t.need(strings.TrimSuffix(LinkCSVHeader, "\n")); err != nil {
		return nil, err
	}
	link := make([]metrics.LinkSample, len(t.rows))
	var served int64
	var sojourn units.Duration
	for i := range t.rows {
		r := rowReader{t: t, i: i}
		l := &link[i]
		l.T = r.seconds("time_s")
		l.QueueBytes = int(r.int("queue_bytes"))
		l.QueuePackets = int(r.int("queue_packets"))
		l.Drops = r.int("drops")
		l.Lost = r.int("lost")
		l.DeliveredBytes = r.int("delivered_bytes")
		l.Marked = r.int("marked")
		if d := r.millis("queue_delay_ms"); d > 0 {
			served++
			sojourn += d
		}
		l.Served, l.Sojourn = served, sojourn
		if r.err != nil {
			return nil, r.err
		}
	}
	return link, nil
}

// runDirs lists the run folders directly under dir, sorted by name.
func runDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && IsRunFolder(filepath.Join(dir, e.Name())) == nil {
			runs = append(runs, e.Name())
		}
	}
	slices.Sort(runs)
	return runs, nil
}

// ReplotResult says what ReplotTree drew.
type ReplotResult struct {
	// Runs lists the run folders whose figures were drawn.
	Runs []string
	// Index is the index page written, or "".
	Index string
}

// ReplotTree draws the figures of a results folder again from its files:
// one run's folder, or an experiment's folder, whose runs are drawn and
// then, when it has an index.json, its index page. Nothing is run.
func ReplotTree(dir string) (ReplotResult, error) {
	var res ReplotResult
	st, err := os.Stat(dir)
	if err != nil {
		return res, err
	}
	if !st.IsDir() {
		return res, fmt.Errorf("%s is not a results folder: expected a run's folder (%s) or an experiment's folder of them", dir, strings.Join(RunFiles, ", "))
	}
	if IsRunFolder(dir) == nil {
		res.Runs = []string{dir}
		return res, Replot(dir)
	}
	idx, err := ReadIndex(dir)
	switch {
	case err == nil:
		for _, r := range idx.Runs {
			run := filepath.Join(dir, r.Run)
			if err := Replot(run); err != nil {
				return res, err
			}
			res.Runs = append(res.Runs, run)
		}
		res.Index = filepath.Join(dir, "index.html")
		return res, WriteIndex(res.Index, idx)
	case !errors.Is(err, os.ErrNotExist):
		return res, err
	}
	runs, err := runDirs(dir)
	if err != nil {
		return res, err
	}
	if len(runs) == 0 {
		return res, fmt.Errorf("%s is not a results folder: expected a run's folder (%s) or an experiment's folder of them, with %s for its index page", dir, strings.Join(RunFiles, ", "), IndexFile)
	}
	for _, r := range runs {
		run := filepath.Join(dir, r)
		if err := Replot(run); err != nil {
			return res, err
		}
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}
