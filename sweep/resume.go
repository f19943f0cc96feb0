// Resuming a sweep: a point is reused only when its folder's fingerprint
// (runner.Fingerprint, written by runner.ExecuteWith) is the one the point
// would have now and every file it lists is there, whole; otherwise it is
// run again, for a reason the sweep's summary line names.

package sweep

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccbench/ccbench/report"
	"github.com/ccbench/ccbench/runner"
)

// Why a resumed sweep runs a point again; the values are what the
// summary line prints.
const (
	rerunNew           = "new"
	rerunSettings      = "settings changed"
	rerunInputs        = "input file changed"
	rerunVersion       = "other ccbench version"
	rerunNoFingerprint = "no fingerprint"
	rerunIncomplete    = "incomplete"
)

// reuseCheck says whether the run folder dir holds the results of want: ""
// when it may be reused, else the reason to run it again.
func reuseCheck(dir string, want *runner.Fingerprint) string {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return rerunNew
	}
	got, err := runner.ReadFingerprint(dir)
	switch {
	case err != nil:
		return rerunNoFingerprint
	case got.Format != want.Format || got.Version != want.Version:
		return rerunVersion
	case got.Settings != want.Settings:
		return rerunSettings
	case got.Sum != want.Sum:
		// Format, version and settings agree: the inputs differ (or the
		// file was edited by hand, which is as good a reason).
		return rerunInputs
	}
	if !complete(dir, got) {
		return rerunIncomplete
	}
	return ""
}

// complete reports whether every file fp lists is in dir with its size,
// summary.json parses, every CSV has a header line and every link CSV the
// summary names is listed.
func complete(dir string, fp *runner.Fingerprint) bool {
	if _, ok := fp.Files["link.csv"]; !ok {
		return false
	}
	for name, size := range fp.Files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		st, err := os.Stat(path)
		if err != nil || !st.Mode().IsRegular() || st.Size() != size {
			return false
		}
		if strings.HasSuffix(name, ".csv") && !csvHeader(path) {
			return false
		}
	}
	s, err := report.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		return false
	}
	// A network's links have their CSVs (link-<name>.csv), which the
	// files above checked if they are listed: they must be.
	for _, l := range s.Links {
		if _, ok := fp.Files[l.CSV]; l.CSV != "" && !ok {
			return false
		}
	}
	return true
}

// csvHeader reports whether path starts with a CSV header record.
func csvHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	return err == nil && len(rec) > 0 && rec[0] != ""
}

// pointFingerprint reads the fingerprint sum of a finished run folder for
// the index; "" when the folder has none (written by an older ccbench).
func pointFingerprint(dir string) string {
	fp, err := runner.ReadFingerprint(dir)
	if err != nil {
		return ""
	}
	return fp.Sum
}
