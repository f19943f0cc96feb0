package report

// The index page of a sweep: results/<experiment>/index.html, one table row
// per run with links to its folder and plots, and the figures that compare
// the runs:
//
//	sweep-goodput  goodput against the swept setting, one line per algorithm
//	sweep-rtt      median RTT against the swept setting, one line per algorithm
//	sweep-scatter  throughput against p95 delay, one point per run, the
//	               mean and 1-sigma ellipse of each algorithm, one figure
//	               (sweep-scatter-N) per value of the other swept settings
//	               (tputdelay.go)
//	sweep-fct      FCT slowdown against flow size, one line per algorithm,
//	               when runs have completed sized flows (fct.go)
//
// Lines join the mean across repetitions (seeds) at each value of the swept
// setting, with error bars of ± one sample standard deviation. The page
// links only to files beside it, so the whole results folder can be copied
// or served as it is.
//
// Beside the page, index.json keeps what the page was made from other than
// the runs' own files (the swept settings and each run's values), so that
// ccbench plot can draw the page again without the experiment file.

import (
	"encoding/json"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ccbench/ccbench/metrics"
)

// Index is what the index page shows.
type Index struct {
	// Title names the experiment.
	Title string `json:"title"`
	// Keys are the swept settings, one table column each.
	Keys []string `json:"keys"`
	// XLabel labels the swept setting the figures run along; empty leaves
	// out the goodput and RTT figures.
	XLabel string     `json:"x_label"`
	Runs   []IndexRun `json:"runs"`
	// NoFigures leaves out the page's figures (--no-plots); the page
	// says so. It is not kept in index.json: ccbench plot draws them.
	NoFigures bool `json:"-"`
	// Network is the network the experiment runs on, as ccbench show
	// writes it (its first point's); empty for the dumbbell, whose
	// pages carry none.
	Network string `json:"network,omitempty"`
	// Provenance is the build, machine, start time and command line of
	// the sweep (or of the merge that joined its shards), shown on the
	// page in one line; each run's own is in its summary.json. Absent
	// from indexes written before ccbench recorded it.
	Provenance *metrics.Provenance `json:"provenance,omitempty"`
	// omitted names the figures left out for want of data and why, for
	// the page.
	omitted []string
}

// IndexRun is one run of the sweep.
type IndexRun struct {
	// Run is the run's folder name, beside the index page.
	Run string `json:"run"`
	// Values are its swept values, one per Index.Keys entry.
	Values []string `json:"values"`
	// X is the run's value of the swept setting on the figures' x axis.
	X float64 `json:"x"`
	// Fingerprint is the SHA-256 over what determined the run's results
	// (its fingerprint.json); empty for a run written before ccbench kept
	// fingerprints.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Validity is a real-time run's verdict on itself, taken from its
	// summary (ValidityOf) when the index is written, so that a script reading
	// index.json sees which points are not to be trusted without opening
	// every summary; absent for a simulated run, trusted by construction.
	Validity *metrics.Validity `json:"validity,omitempty"`
	// Metrics are the run's numbers the page's table shows, by name, so
	// that a script can read every run's from index.json alone; taken
	// from its summary when the index is written (runMetrics).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Summary is read from the run's summary.json, not kept in index.json.
	Summary *metrics.Summary `json:"-"`
}

// IndexFile is the name of the page's description beside index.html.
const IndexFile = "index.json"

// ReadIndex reads the description of an index page written by WriteIndex
// into dir, and every run's summary beside it.
func ReadIndex(dir string) (*Index, error) {
	path := filepath.Join(dir, IndexFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	idx := new(Index)
	if err := json.Unmarshal(data, idx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range idx.Runs {
		r := &idx.Runs[i]
		if r.Run == "" || filepath.Base(r.Run) != r.Run || len(r.Values) != len(idx.Keys) {
			return nil, fmt.Errorf("%s: run %d is not a folder name with one value per key", path, i)
		}
		if r.Summary, err = ReadSummary(filepath.Join(dir, r.Run, "summary.json")); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// group names the algorithms of a run: "cubic", or "reno+bbr" for a mix.
func (r *IndexRun) group() string {
	var names []string
	for _, f := range r.Summary.Flows {
		if !slices.Contains(names, f.CC) {
			names = append(names, f.CC)
		}
	}
	return strings.Join(names, "+")
}

// medianRTTMs is the mean over the run's flows of each flow's median RTT.
func (r *IndexRun) medianRTTMs() float64 {
	if len(r.Summary.Flows) == 0 {
		return 0
	}
	total := 0.0
	for _, f := range r.Summary.Flows {
		total += f.RTTP50Ms
	}
	return total / float64(len(r.Summary.Flows))
}

// WriteIndex writes the figures beside path and the page itself to path,
// each file atomically.
func WriteIndex(path string, idx *Index) error {
	dir := filepath.Dir(path)
	groups := indexGroups(idx.Runs)
	var figures []string
	if idx.NoFigures {
		return writeIndexFiles(path, idx, nil)
	}
	// A figure whose every value is 0 (a SYN flood's goodput) shows
	// nothing but an axis: it is left out, and the page says why.
	var omitted []string
	if idx.XLabel != "" {
		for _, f := range []struct {
			name, title, unit string
			value             func(*IndexRun) float64
		}{
			{"sweep-goodput", "goodput", "Goodput (Mbit/s)", (*IndexRun).linkGoodputMbps},
			{"sweep-rtt", "median RTT", "Median RTT (ms)", (*IndexRun).medianRTTMs},
		} {
			if allZero(idx, f.value) {
				omitted = append(omitted, f.name+": every run's "+f.title+" is 0")
				continue
			}
			p, err := sweepFigure(idx, groups, f.title, f.unit, f.value)
			if err != nil {
				return fmt.Errorf("plotting %s: %w", f.name, err)
			}
			if err := saveFigure(p, dir, f.name); err != nil {
				return err
			}
			figures = append(figures, f.name)
		}
	}
	panels := tputDelayPanels(idx, groups)
	if allZero(idx, (*IndexRun).linkGoodputMbps) {
		omitted = append(omitted, "sweep-scatter: every run's throughput is 0")
		panels = nil
	}
	for i := range panels {
		p, err := tputDelayFigure(idx.Title, &panels[i], groups)
		if err != nil {
			return fmt.Errorf("plotting %s: %w", panels[i].Name, err)
		}
		if err := saveFigure(p, dir, panels[i].Name); err != nil {
			return err
		}
		figures = append(figures, panels[i].Name)
	}
	if p, err := indexFCTFigure(idx, groups); err != nil {
		return fmt.Errorf("plotting sweep-fct: %w", err)
	} else if p != nil {
		if err := saveFigure(p, dir, "sweep-fct"); err != nil {
			return err
		}
		figures = append(figures, "sweep-fct")
	}
	lifecycle, err := lifecycleSweepFigures(idx, dir)
	if err != nil {
		return err
	}
	figures = append(figures, lifecycle...)
	overlays, err := overlayFigures(dir, idx.Title, idx.Runs)
	if err != nil {
		return fmt.Errorf("plotting overlays: %w", err)
	}
	figures = append(figures, overlays...)
	idx.omitted = omitted
	return writeIndexFiles(path, idx, figures)
}

// runMetrics are the run's numbers for index.json: its throughput over
// the run, link utilization, median and worst p95 RTT, retransmissions,
// drops, Jain's index and the bottleneck's p95 queueing delay.
func (r *IndexRun) runMetrics() map[string]float64 {
	s := r.Summary
	var retx int64
	for _, f := range s.Flows {
		retx += f.Retransmits
	}
	return map[string]float64{
		"goodput_mbps": r.linkGoodputMbps(), "utilization": s.Link.Utilization,
		"rtt_p50_ms": r.medianRTTMs(), "rtt_p95_ms": r.p95RTTMs(),
		"retransmits": float64(retx), "drops": float64(s.Link.Drops),
		"jain_fairness": s.JainFairness, "queue_delay_p95_ms": s.Link.QueueDelayP95Ms,
	}
}

// allZero reports whether value is 0 for every run of idx.
func allZero(idx *Index, value func(*IndexRun) float64) bool {
	for i := range idx.Runs {
		if value(&idx.Runs[i]) != 0 {
			return false
		}
	}
	return true
}

// writeIndexFiles writes index.json and the page, which shows figures.
// Each run's validity is taken from its summary, the one place a run's
// verdict is kept, whatever index.json said before.
func writeIndexFiles(path string, idx *Index, figures []string) error {
	dir := filepath.Dir(path)
	for i := range idx.Runs {
		if r := &idx.Runs[i]; r.Summary != nil {
			r.Validity = ValidityOf(r.Summary)
			r.Metrics = r.runMetrics()
		}
	}
	err := WriteFileAtomic(filepath.Join(dir, IndexFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(idx)
	})
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, func(w io.Writer) error { return writeIndexHTML(w, dir, idx, figures) })
}

// indexGroups lists the algorithm groups in order of first appearance.
func indexGroups(runs []IndexRun) []string {
	var groups []string
	for i := range runs {
		if g := runs[i].group(); !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups
}

// errorPoints are means with ± standard deviations, as plotter wants them.
type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

// meanStd is the mean and sample standard deviation of xs; the deviation
// of a single value is 0.
func meanStd(xs []float64) (float64, float64) {
	if len(xs) < 2 {
		return stat.Mean(xs, nil), 0
	}
	return stat.MeanStdDev(xs, nil)
}

// sweepFigure plots value against X, one line per group through the mean
// at each X, with error bars.
func sweepFigure(idx *Index, groups []string, title, unit string, value func(*IndexRun) float64) (*plot.Plot, error) {
	groupOf := make([]string, len(idx.Runs))
	for i := range idx.Runs {
		groupOf[i] = idx.Runs[i].group()
	}
	return groupedSweepFigure(idx, groups, groupOf, title, unit, value)
}

// invalidGlyph crosses out an invalid run's value on the index's figures,
// in black over whatever marks its group's values, and invalidLegend
// names it in their legends.
var invalidGlyph = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4.5), Shape: draw.CrossGlyph{}}

const invalidLegend = "invalid run (real-time run not as configured)"

// indexRow is one table row, formatted.
type indexRow struct {
	Run                                string
	Values                             []string
	Seed                               uint64
	Goodput, Utilization, RTT50, RTT95 string
	Retransmits, Drops                 int64
	Jain, WindowJain                   string
	Figures                            []string
	Fingerprint                        string
	// Invalid marks a real-time run whose figures are not to be trusted,
	// Reasons says why (joined by "; "), and Verdict is the validity
	// column's word for the others (see verdictOf).
	Invalid bool
	Reasons string
	Verdict string
}

// verdictOf fills in row's validity from s: a real-time run is valid or
// invalid with its reasons, and a simulated run, which has no verdict
// because its links run exactly as configured, says so.
func verdictOf(row *indexRow, s *metrics.Summary) {
	ok, reasons := trusted(s)
	switch {
	case ValidityOf(s) == nil:
		row.Verdict = "simulated"
	case ok:
		row.Verdict = "valid"
	default:
		row.Invalid = true
		row.Reasons = strings.Join(reasons, "; ")
		if row.Reasons == "" {
			row.Reasons = "no reason recorded"
		}
	}
}

// invalidNote is the page's warning when some of rows are invalid, or "".
func invalidNote(rows []indexRow) string {
	n := 0
	for i := range rows {
		if rows[i].Invalid {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d runs are invalid: the emulated network did not run as configured, so their figures are not to be trusted. "+
		"Their rows are marked, with the reasons in the validity column; the lines and means of the figures above include them, and the figures cross out their values.", n, len(rows))
}

// runFigures are the figures of a run the index links to.
var runFigures = []string{"throughput", "cwnd", "rtt", "queue"}

// linkQueueFigures are the queue figures of a network run's links that
// have a CSV (links.go), for its row of the index; none for the dumbbell.
func linkQueueFigures(s *metrics.Summary) []string {
	var figs []string
	for _, l := range s.Links {
		if l.CSV != "" {
			figs = append(figs, strings.TrimSuffix(l.CSV, ".csv")+"_queue")
		}
	}
	return figs
}

// baseFigures are the figures PlotRun draws for every run.
var baseFigures = []string{"throughput", "cwnd", "rto", "rtt", "queue", "queue_delay"}

// undrawn reports whether dir holds a run's results without its figures.
func undrawn(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		return false
	}
	return len(MissingFigures(dir)) > 0
}

// MissingFigures lists the figures every run has that the run folder dir
// lacks (as name.png or name.svg), which is all of them when its figures
// were not drawn (--no-plots) or their drawing was stopped.
func MissingFigures(dir string) []string {
	var missing []string
	for _, name := range baseFigures {
		for _, ext := range []string{".svg", ".png"} {
			if st, err := os.Stat(filepath.Join(dir, name+ext)); err != nil || !st.Mode().IsRegular() {
				missing = append(missing, name)
				break
			}
		}
	}
	return missing
}

// windowJain writes the fairness over the run's window: "10–30 s: 0.998
// (0: 1.000, 1: 0.950)", groups in index order; "" for a summary without.
func windowJain(f *metrics.Fairness) string {
	if f == nil {
		return ""
	}
	text := strconv.FormatFloat(f.WindowSeconds[0], 'f', -1, 64) + "–" +
		strconv.FormatFloat(f.WindowSeconds[1], 'f', -1, 64) + " s: " + fmt.Sprintf("%.3f", f.All)
	if len(f.Groups) < 2 {
		return text
	}
	var groups []int
	for g := range f.Groups {
		if n, err := strconv.Atoi(g); err == nil {
			groups = append(groups, n)
		}
	}
	slices.Sort(groups)
	var parts []string
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("%d: %.3f", g, f.Groups[strconv.Itoa(g)]))
	}
	return text + " (" + strings.Join(parts, ", ") + ")"
}

// indexPage is parsed on first use, by the commands that write an index,
// not at every start of the binary (a --no-plots run never needs it).
var indexPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
{{if .Validity}}tr.invalid td { background: #fde2dd; }
{{end}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{len .Rows}} runs.{{if .Figures}} Lines are the mean over repetitions; error bars ± one standard deviation.{{end}}</p>
{{with .Provenance}}<p class="provenance">Made by {{.}}</p>
{{end}}{{with .InvalidNote}}<p><strong>{{.}}</strong></p>
{{end}}{{if .NotDrawn}}<p>Some figures were not drawn (--no-plots, or a run stopped while drawing them); <code>ccbench plot {{.Title}}</code> in the results folder draws them.</p>
{{end}}{{range .Omitted}}<p>Not drawn, nothing to show: {{.}}.</p>
{{end}}{{with .Network}}<h2>Network</h2>
<pre>{{.}}</pre>
{{end}}{{range .Figures}}<p><a href="{{.}}.svg"><img src="{{.}}.png" alt="{{.}}"></a></p>
{{end}}<p>Click a column's heading to sort the table by it; again to reverse.</p>
<table id="runs">
<tr><th>run</th>{{if .Validity}}<th>validity</th>{{end}}{{range .Keys}}<th>{{.}}</th>{{end}}<th>seed</th><th>goodput Mbit/s</th><th>utilization</th><th>RTT p50 ms</th><th>RTT p95 ms</th><th>retransmits</th><th>drops</th><th>Jain</th><th>Jain in window (per [[flows]] entry)</th><th>plots</th><th>fingerprint</th></tr>
{{range .Rows}}<tr{{if .Invalid}} class="invalid" title="invalid: {{.Reasons}}"{{end}}><td><a href="{{.Run}}/">{{.Run}}</a></td>{{if $.Validity}}<td>{{if .Invalid}}<strong>invalid</strong>: {{.Reasons}}{{else}}{{.Verdict}}{{end}}</td>{{end}}{{range .Values}}<td>{{.}}</td>{{end}}<td class="n">{{.Seed}}</td><td class="n">{{.Goodput}}</td><td class="n">{{.Utilization}}</td><td class="n">{{.RTT50}}</td><td class="n">{{.RTT95}}</td><td class="n">{{.Retransmits}}</td><td class="n">{{.Drops}}</td><td class="n">{{.Jain}}</td><td>{{.WindowJain}}</td><td>{{$run := .Run}}{{range .Figures}}<a href="{{$run}}/{{.}}.png">{{.}}</a> {{else}}not drawn {{end}}<a href="{{$run}}/summary.json">summary</a></td><td>{{with .Fingerprint}}<a href="{{$run}}/fingerprint.json" title="{{.}}"><code>{{slice . 0 12}}</code></a>{{end}}</td></tr>
{{end}}</table>
<script>
// Sorts the table by the clicked column: as numbers when every cell of
// the column reads as one, as text otherwise; a second click reverses.
(function () {
  var table = document.getElementById("runs");
  var heads = table.rows[0].cells;
  for (var c = 0; c < heads.length; c++) {
    heads[c].style.cursor = "pointer";
    heads[c].onclick = (function (col) {
      var up = true;
      return function () {
        var rows = Array.prototype.slice.call(table.rows, 1);
        var key = function (r) { return r.cells[col].textContent.trim(); };
        var numeric = rows.every(function (r) { return key(r) !== "" && !isNaN(parseFloat(key(r))); });
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var d = numeric ? parseFloat(x) - parseFloat(y) : (x < y ? -1 : x > y ? 1 : 0);
          return up ? d : -d;
        });
        up = !up;
        rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
      };
    })(c);
  }
})();
</script>
</body>
</html>
`))
})

func writeIndexHTML(w io.Writer, dir string, idx *Index, figures []string) error {
	rows := make([]indexRow, len(idx.Runs))
	notDrawn := idx.NoFigures
	// The validity column appears when any run is a real-time one: a
	// simulated sweep's page has none.
	validity := false
	for i := range idx.Runs {
		r := &idx.Runs[i]
		s := r.Summary
		var rtt95 float64
		var retx int64
		for _, f := range s.Flows {
			rtt95 = max(rtt95, f.RTTP95Ms)
			retx += f.Retransmits
		}
		rows[i] = indexRow{
			Run: r.Run, Values: r.Values, Seed: s.Seed,
			Goodput:     fmt.Sprintf("%.2f", r.linkGoodputMbps()),
			Utilization: fmt.Sprintf("%.1f%%", 100*s.Link.Utilization),
			RTT50:       fmt.Sprintf("%.1f", r.medianRTTMs()),
			RTT95:       fmt.Sprintf("%.1f", rtt95),
			Retransmits: retx, Drops: s.Link.Drops,
			Jain:       fmt.Sprintf("%.3f", s.JainFairness),
			WindowJain: windowJain(s.Fairness),
			Figures:    runFigures,
		}
		if len(r.Fingerprint) >= 12 {
			rows[i].Fingerprint = r.Fingerprint
		}
		verdictOf(&rows[i], s)
		validity = validity || ValidityOf(s) != nil
		if len(fctPoints(s)) > 0 {
			rows[i].Figures = append(slices.Clone(runFigures), "fct")
		}
		if s.Lifecycle != nil {
			rows[i].Figures = append(slices.Clone(rows[i].Figures), lifecycleRunFigures...)
		}
		if links := linkQueueFigures(s); len(links) > 0 {
			rows[i].Figures = append(slices.Clone(rows[i].Figures), links...)
		}
		if undrawn(filepath.Join(dir, r.Run)) {
			rows[i].Figures, notDrawn = nil, true
		}
	}
	var provenance string
	if idx.Provenance != nil {
		provenance = idx.Provenance.Line()
	}
	return indexPage().Execute(w, struct {
		Title       string
		Keys        []string
		Figures     []string
		Rows        []indexRow
		NotDrawn    bool
		Network     string
		Validity    bool
		InvalidNote string
		Provenance  string
		Omitted     []string
	}{idx.Title, idx.Keys, figures, rows, notDrawn, idx.Network, validity, invalidNote(rows), provenance, idx.omitted})
}
