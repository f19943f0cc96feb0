package report

// Streaming a run's time series to its CSV files as they are sampled, so
// that a run holds a few kilobytes per series instead of every sample.
//
// SeriesFiles is the recorder's metrics.Sink: each sample is formatted
// into its file's buffer (appendFlowRow, the same code WriteFlowCSV uses,
// so the bytes are the same) and the buffer goes to the file when full.
// Taking a sample allocates nothing once a file's buffer exists.
//
// A flow file's header names the algorithm's internal values (cc_*
// columns), which are known only from the first sample that carries them.
// Until then, unless the runner declared the names (DeclareInternals), the
// rows wait: in the buffer, then, when it fills, in a hidden file beside
// the CSV, which is copied behind the header once the names are known.
//
// Files stay open up to maxOpenSeries at once; the series beyond that are
// opened for each write of their buffer and closed after it, so a run of
// ten thousand flows does not run out of file descriptors.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ccbench/ccbench/metrics"
)

const (
	// seriesMemory is what the buffers of all series may hold together;
	// each gets a share between minSeriesBuffer and maxSeriesBuffer.
	seriesMemory    = 32 << 20
	minSeriesBuffer = 4 << 10
	maxSeriesBuffer = 64 << 10
	// maxRowBytes bounds one formatted row: the fixed columns and eight
	// internal values.
	maxRowBytes = 1024
	// maxOpenSeries is how many series files stay open between writes.
	maxOpenSeries = 512
)

// SeriesFiles writes flow<N>.csv and link.csv in a folder as samples
// arrive, and the CSVs of a network's links (metrics.LinkSink). Its
// methods are for one goroutine.
type SeriesFiles struct {
	dir     string
	bufSize int
	flows   []*seriesFile
	link    *seriesFile
	// prevLink is the link's previous sample, for the interval's queueing
	// delay; hasPrev says whether there is one.
	prevLink metrics.LinkSample
	hasPrev  bool
	// netLinks are the files of a network's links, by LinkSeries.Index.
	netLinks []*netLinkFile
	open     int
	err      error
}

// seriesFile is one CSV being written.
type seriesFile struct {
	path string
	buf  []byte
	file *os.File
	// headed is set once the header is written; until then the rows
	// wait in buf and the pending file, without their cc_* columns.
	headed bool
	// known is set once the internals' names are: names holds them.
	known   bool
	names   []string
	pending *os.File
}

// netLinkFile is the CSV of one link of a network, and its previous
// sample.
type netLinkFile struct {
	file    *seriesFile
	prev    metrics.LinkSample
	hasPrev bool
}

// NewSeriesFiles prepares dir/flow<N>.csv for flows 0..flows-1 and
// dir/link.csv; no file is created before its first sample.
func NewSeriesFiles(dir string, flows int) *SeriesFiles {
	size := min(max(seriesMemory/(flows+1), minSeriesBuffer), maxSeriesBuffer)
	s := &SeriesFiles{dir: dir, bufSize: size, flows: make([]*seriesFile, flows)}
	for i := range s.flows {
		s.flows[i] = &seriesFile{path: filepath.Join(dir, "flow"+strconv.Itoa(i)+".csv")}
	}
	s.link = &seriesFile{path: filepath.Join(dir, "link.csv"), known: true, headed: false}
	return s
}

// DeclareInternals says which internal values flow id's rows carry, when
// the runner knows before its first sample: an algorithm that exposes
// none (names nil) lets its rows go straight to the file. As in
// WriteFlowCSV, the header's names are the columns of every row.
func (s *SeriesFiles) DeclareInternals(id int, names []string) {
	if id >= 0 && id < len(s.flows) && !s.flows[id].known {
		f := s.flows[id]
		f.known, f.names = true, names
	}
}

// Err is the first error writing the files.
func (s *SeriesFiles) Err() error { return s.err }

func (s *SeriesFiles) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// FlowSample writes one row of f's file.
func (s *SeriesFiles) FlowSample(f *metrics.FlowSeries, smp *metrics.FlowSample) {
	if s.err != nil {
		return
	}
	if f.ID < 0 || f.ID >= len(s.flows) {
		s.fail(fmt.Errorf("flow %d: no series file (the run has %d flows)", f.ID, len(s.flows)))
		return
	}
	sf := s.flows[f.ID]
	if sf.buf == nil {
		sf.buf = make([]byte, 0, s.bufSize)
	}
	if !sf.known && smp.CC.N > 0 {
		sf.known = true
		sf.names = make([]string, smp.CC.N)
		copy(sf.names, smp.CC.Names[:smp.CC.N])
	}
	if sf.known && !sf.headed {
		s.head(sf)
		if s.err != nil {
			return
		}
	}
	if sf.headed {
		sf.buf = appendFlowRow(sf.buf, smp, len(sf.names))
	} else {
		sf.buf = appendFlowRow(sf.buf, smp, 0)
	}
	if len(sf.buf) > cap(sf.buf)-maxRowBytes {
		s.flush(sf)
	}
}

// LinkSample writes one row of link.csv.
func (s *SeriesFiles) LinkSample(smp *metrics.LinkSample) {
	s.linkRow(s.link, &s.prevLink, &s.hasPrev, smp)
}

// NetworkLinkSample writes one row of the CSV of a network's link l
// (l.File), which it opens with l's first sample.
func (s *SeriesFiles) NetworkLinkSample(l *metrics.LinkSeries, smp *metrics.LinkSample) {
	if s.err != nil {
		return
	}
	for len(s.netLinks) <= l.Index {
		s.netLinks = append(s.netLinks, nil)
	}
	nl := s.netLinks[l.Index]
	if nl == nil {
		nl = &netLinkFile{file: &seriesFile{path: filepath.Join(s.dir, l.File), known: true}}
		s.netLinks[l.Index] = nl
	}
	s.linkRow(nl.file, &nl.prev, &nl.hasPrev, smp)
}

// linkRow writes one row of the link file lf; prev is its previous
// sample when hasPrev says there is one.
func (s *SeriesFiles) linkRow(lf *seriesFile, prev *metrics.LinkSample, hasPrev *bool, smp *metrics.LinkSample) {
	if s.err != nil {
		return
	}
	if !lf.headed {
		lf.buf = make([]byte, 0, s.bufSize)
		lf.buf = append(lf.buf, LinkCSVHeader...)
		lf.headed = true
	}
	var before *metrics.LinkSample
	if *hasPrev {
		before = prev
	}
	lf.buf = appendLinkRow(lf.buf, smp, before)
	*prev, *hasPrev = *smp, true
	if len(lf.buf) > cap(lf.buf)-maxRowBytes {
		s.flush(lf)
	}
}

// head writes sf's header, then the rows that waited for it with their
// empty cc_* columns.
func (s *SeriesFiles) head(sf *seriesFile) {
	if len(sf.buf) == 0 && sf.pending == nil {
		sf.buf = append(sf.buf, flowCSVHeader(sf.names)...)
		sf.headed = true
		return
	}
	waiting := sf.buf
	sf.buf = make([]byte, 0, cap(waiting))
	sf.buf = append(sf.buf, flowCSVHeader(sf.names)...)
	sf.headed = true
	if sf.pending != nil {
		s.flush(sf)
		if s.err != nil {
			return
		}
		if _, err := sf.pending.Seek(0, io.SeekStart); err != nil {
			s.fail(err)
			return
		}
		r := bufio.NewReaderSize(sf.pending, 64<<10)
		for {
			line, err := r.ReadSlice('\n')
			if len(line) > 0 {
				sf.buf = appendEmptyInternals(sf.buf, line, len(sf.names))
				if len(sf.buf) > cap(sf.buf)-maxRowBytes {
					s.flush(sf)
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				s.fail(err)
				return
			}
		}
		name := sf.pending.Name()
		sf.pending.Close()
		sf.pending = nil
		os.Remove(name)
	}
	for len(waiting) > 0 {
		end := 0
		for end < len(waiting) && waiting[end] != '\n' {
			end++
		}
		sf.buf = appendEmptyInternals(sf.buf, waiting[:min(end+1, len(waiting))], len(sf.names))
		waiting = waiting[min(end+1, len(waiting)):]
		if len(sf.buf) > cap(sf.buf)-maxRowBytes {
			s.flush(sf)
		}
	}
}

// appendEmptyInternals appends row (ending in a newline) with n empty
// fields before its newline.
func appendEmptyInternals(b, row []byte, n int) []byte {
	if len(row) > 0 && row[len(row)-1] == '\n' {
		row = row[:len(row)-1]
	}
	b = append(b, row...)
	for range n {
		b = append(b, ',')
	}
	return append(b, '\n')
}

// flush writes sf's buffer to its file, or, before its header, to its
// pending file.
func (s *SeriesFiles) flush(sf *seriesFile) {
	if len(sf.buf) == 0 || s.err != nil {
		return
	}
	if !sf.headed {
		if sf.pending == nil {
			f, err := os.CreateTemp(s.dir, "."+filepath.Base(sf.path)+".pending-*")
			if err != nil {
				s.fail(err)
				return
			}
			sf.pending = f
		}
		if _, err := sf.pending.Write(sf.buf); err != nil {
			s.fail(fmt.Errorf("writing %s: %w", sf.path, err))
		}
		sf.buf = sf.buf[:0]
		return
	}
	keep := true
	if sf.file == nil {
		f, err := os.OpenFile(sf.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			s.fail(err)
			return
		}
		sf.file = f
		if s.open < maxOpenSeries {
			s.open++
		} else {
			keep = false
		}
	}
	if _, err := sf.file.Write(sf.buf); err != nil {
		s.fail(fmt.Errorf("writing %s: %w", sf.path, err))
	}
	sf.buf = sf.buf[:0]
	if !keep {
		if err := sf.file.Close(); err != nil {
			s.fail(fmt.Errorf("writing %s: %w", sf.path, err))
		}
		sf.file = nil
	}
}

// Close writes what is buffered, gives a flow whose internals never showed
// the plain header, flushes every file to disk and closes it. It returns
// the first error of the whole stream.
func (s *SeriesFiles) Close() error {
	all := make([]*seriesFile, 0, len(s.flows)+1+len(s.netLinks))
	all = append(append(all, s.flows...), s.link)
	for _, nl := range s.netLinks {
		if nl != nil {
			all = append(all, nl.file)
		}
	}
	for _, sf := range all {
		if sf == s.link && !sf.headed {
			continue // no link sample: no link.csv, as without a run
		}
		if sf.buf == nil {
			sf.buf = make([]byte, 0, s.bufSize)
		}
		if !sf.headed && s.err == nil {
			sf.known = true
			s.head(sf)
		}
		s.flush(sf)
		if sf.file == nil && s.err == nil {
			// A series whose file was closed after its last write.
			f, err := os.OpenFile(sf.path, os.O_WRONLY, 0)
			if err != nil {
				s.fail(err)
				continue
			}
			sf.file = f
		}
		if sf.file != nil {
			if err := sf.file.Sync(); err != nil {
				s.fail(fmt.Errorf("writing %s: %w", sf.path, err))
			}
			if err := sf.file.Close(); err != nil {
				s.fail(fmt.Errorf("writing %s: %w", sf.path, err))
			}
			sf.file = nil
		}
		if sf.pending != nil {
			name := sf.pending.Name()
			sf.pending.Close()
			os.Remove(name)
			sf.pending = nil
		}
	}
	return s.err
}
