package report

// Drawing a run's figures from its results folder: the flow and link CSVs
// (and a network's link-<name>.csv, links.go),
// summary.json and config.toml, and nothing the run held in memory. A run
// draws its figures this way once those files are in place, and ccbench
// plot draws them this way later, so both give the same bytes; a figure
// shows exactly what the CSVs hold (times to the microsecond, delays to
// the microsecond, rates to the bit per second).

import (
	"bufio"
	"bytes"
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

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// RunFiles are the files every results folder of a run holds.
var RunFiles = []string{"config.toml", "summary.json", "link.csv"}

// PlotRun draws every figure of the run whose results folder is dir, and
// whose resolved experiment is cfg, from the files in dir. It reads the
// CSVs row by row into the figures (plots.go), so its memory does not grow
// with the run's length.
func PlotRun(dir string, cfg *experiment.Config) error {
	return plotRunWith(dir, cfg, nil)
}

// plotRunWith is PlotRun, the time-series figures' axes reaching at least
// to limits (SharedAxes) when it is not nil.
func plotRunWith(dir string, cfg *experiment.Config, limits AxisLimits) error {
	rf, s, buf, err := loadRunPlot(dir, cfg)
	if err != nil {
		return err
	}
	rf.limits = limits
	if err := rf.draw(dir, cfg.Link.Rate, buf); err != nil {
		return err
	}
	if err := runFCTFigure(dir, cfg.Name, s); err != nil {
		return err
	}
	if err := NetworkLinkPlots(dir, cfg.Name, s, cfg.TCP.PacketBytes()); err != nil {
		return err
	}
	if cfg.Active() {
		return LifecyclePlots(dir, cfg.Name, cfg.Server.Backlog)
	}
	return nil
}

// loadRunPlot reads the run folder dir's summary and series into the
// figures of a run, and returns them with the summary and the
// bottleneck's buffer in bytes (0 when unlimited).
func loadRunPlot(dir string, cfg *experiment.Config) (*runPlot, *metrics.Summary, int, error) {
	s, err := ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, nil, 0, err
	}
	flows := make([]plotFlow, len(s.Flows))
	for i, fs := range s.Flows {
		flows[i] = plotFlow{ID: fs.ID, Name: "flow" + strconv.Itoa(fs.ID) + "-" + fs.CC, CC: fs.CC, Endpoints: fs.Endpoints}
	}
	rf := newRunPlot(cfg.Name, flows, s.SimSeconds)
	rf.stalls = newStallShade(s.ReleaseError)
	for i, fs := range s.Flows {
		if err := readFlowCSV(filepath.Join(dir, "flow"+strconv.Itoa(fs.ID)+".csv"), func(smp *metrics.FlowSample) {
			rf.flowSample(i, smp)
		}); err != nil {
			return nil, nil, 0, err
		}
	}
	if err := readLinkCSV(filepath.Join(dir, "link.csv"), rf.linkSample); err != nil {
		return nil, nil, 0, err
	}
	buf := 0
	if cfg.Link.Buffer.Limited() {
		buf = int(cfg.Link.Buffer.Bytes)
		if cfg.Link.Buffer.Unit == experiment.BufferPackets {
			buf = int(cfg.Link.Buffer.Packets) * cfg.TCP.PacketBytes()
		}
	}
	return rf, s, buf, nil
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

// csvRows reads a CSV file row by row, with its columns by name; the
// fields of a row are valid until the next row is read. Rows are split in
// place, without copying; a row with a quoted field, which only a state or
// phase name could bring, goes through encoding/csv.
type csvRows struct {
	path string
	br   *bufio.Reader
	col  map[string]int
	// names keeps the header's order, for the cc_* columns.
	names []string
	row   [][]byte
	// line is the number of the row last read, counting the header as 1.
	line int
}

func openCSV(path string) (*csvRows, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	t := &csvRows{path: path, br: bufio.NewReaderSize(f, 256<<10), col: map[string]int{}}
	if more, err := t.next(); err != nil || !more {
		f.Close()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, fmt.Errorf("%s: no header: %w", path, err)
	}
	for i, name := range t.row {
		t.names = append(t.names, string(name))
		t.col[string(name)] = i
	}
	return t, f, nil
}

// next reads the next row; it returns false at the end of the file.
func (t *csvRows) next() (bool, error) {
	line, err := t.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return false, fmt.Errorf("%s:%d: a row longer than %d bytes", t.path, t.line+1, t.br.Size())
	}
	if len(line) == 0 && errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("%s: %w", t.path, err)
	}
	t.line++
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	t.row = t.row[:0]
	if bytes.IndexByte(line, '"') >= 0 {
		rec, err := csv.NewReader(bytes.NewReader(line)).Read()
		if err != nil {
			return false, fmt.Errorf("%s:%d: %w", t.path, t.line, err)
		}
		for _, f := range rec {
			t.row = append(t.row, []byte(f))
		}
	} else {
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				t.row = append(t.row, line)
				break
			}
			t.row = append(t.row, line[:i])
			line = line[i+1:]
		}
	}
	if t.names != nil && len(t.row) != len(t.names) {
		return false, fmt.Errorf("%s:%d: %d fields, the header has %d", t.path, t.line, len(t.row), len(t.names))
	}
	return true, nil
}

// need checks that the file has every column in names.
func (t *csvRows) need(names string) error {
	for _, n := range strings.Split(strings.TrimSpace(names), ",") {
		if _, ok := t.col[n]; !ok {
			return fmt.Errorf("%s: no %s column; was it written by ccbench?", t.path, n)
		}
	}
	return nil
}

// number reads column name of the current row; an empty field is empty.
func (t *csvRows) number(name string) (float64, bool, error) {
	field := t.row[t.col[name]]
	if len(field) == 0 {
		return 0, false, nil
	}
	if v, ok := parseDecimal(field); ok {
		return v, true, nil
	}
	v, err := strconv.ParseFloat(string(field), 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: row %d, %s: %q is not a number", t.path, t.line, name, field)
	}
	return v, true, nil
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal reads the plain decimals the CSVs hold ("-12.345678",
// "1500") without allocating, giving exactly what strconv.ParseFloat
// gives: with at most 15 digits, the digits as an integer and the power of
// ten are both exact in a float64, so one division rounds correctly. It
// reports false for anything else (exponents, more digits), which
// strconv then reads.
func parseDecimal(b []byte) (float64, bool) {
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
	}
	var mant uint64
	digits, frac := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if mant == 0 && c == '0' {
				if frac >= 0 {
					frac++
				}
				continue
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if digits > 15 || len(b) == 0 || b[len(b)-1] == '.' {
		return 0, false
	}
	v := float64(mant)
	if frac > 0 {
		if frac >= len(pow10) {
			return 0, false
		}
		v /= pow10[frac]
	}
	if neg {
		v = -v
	}
	return v, true
}

// rowReader reads the numbers of the current row, keeping the first
// error.
type rowReader struct {
	t   *csvRows
	err error
}

func (r *rowReader) float(name string) float64 {
	v, _, err := r.t.number(name)
	if r.err == nil {
		r.err = err
	}
	return v
}

func (r *rowReader) int(name string) int64 { return r.scaled(name, 1) }
func (r *rowReader) seconds(name string) units.Time {
	return units.Time(r.scaled(name, 1e9))
}
func (r *rowReader) millis(name string) units.Duration {
	return units.Duration(r.scaled(name, 1e6))
}

// scaled is the field times scale, rounded to an integer. A value that no
// int64 holds (a damaged or hand-edited file: the runs never write one)
// is an error naming the file, row and column, not a wrapped number drawn
// as if it were data.
func (r *rowReader) scaled(name string, scale float64) int64 {
	v := math.Round(r.float(name) * scale)
	if !(v >= math.MinInt64 && v < math.MaxInt64) {
		if r.err == nil {
			r.err = fmt.Errorf("%s: row %d, %s: %s is out of range", r.t.path, r.t.line, name, r.t.row[r.t.col[name]])
		}
		return 0
	}
	return int64(v)
}

// readFlowCSV reads a file written by WriteFlowCSV, handing each row to
// sample as a FlowSample (the same one each time).
func readFlowCSV(path string, sample func(*metrics.FlowSample)) error {
	t, f, err := openCSV(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := t.need(strings.TrimSuffix(FlowCSVHeader, "\n")); err != nil {
		return err
	}
	var internals []string
	for _, n := range t.names {
		if name, ok := strings.CutPrefix(n, "cc_"); ok {
			internals = append(internals, name)
		}
	}
	var s metrics.FlowSample
	for {
		more, err := t.next()
		if err != nil || !more {
			return err
		}
		r := rowReader{t: t}
		s = metrics.FlowSample{}
		s.T = r.seconds("time_s")
		s.ThroughputBps = r.float("throughput_mbps") * 1e6
		s.Cwnd = int(r.int("cwnd_bytes"))
		s.Ssthresh = InfiniteSsthresh
		if _, given, _ := t.number("ssthresh_bytes"); given {
			s.Ssthresh = int(r.int("ssthresh_bytes"))
		}
		s.SRTT = r.millis("srtt_ms")
		s.RTO = r.millis("rto_ms")
		s.LastRTT = r.millis("last_rtt_ms")
		s.PacingBps = r.float("pacing_mbps") * 1e6
		// An algorithm's values fill the first N columns of a row; the
		// rest are empty (see appendFlowRow).
		for _, name := range internals {
			v, given, err := t.number("cc_" + name)
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
		sample(&s)
	}
}

// readLinkCSV reads a file written by WriteLinkCSV, handing each row to
// sample with its interval's mean queueing delay and whether it is the
// first row.
func readLinkCSV(path string, sample func(s *metrics.LinkSample, delay units.Duration, first bool)) error {
	t, f, err := openCSV(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := t.need(strings.TrimSuffix(LinkCSVHeader, "\n")); err != nil {
		return err
	}
	var l metrics.LinkSample
	for first := true; ; first = false {
		more, err := t.next()
		if err != nil || !more {
			return err
		}
		r := rowReader{t: t}
		l = metrics.LinkSample{}
		l.T = r.seconds("time_s")
		l.QueueBytes = int(r.int("queue_bytes"))
		l.QueuePackets = int(r.int("queue_packets"))
		l.Drops = r.int("drops")
		l.Lost = r.int("lost")
		l.DeliveredBytes = r.int("delivered_bytes")
		l.Marked = r.int("marked")
		delay := r.millis("queue_delay_ms")
		if r.err != nil {
			return r.err
		}
		sample(&l, delay, first)
	}
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
