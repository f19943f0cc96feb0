package report

// The run summary as JSON. Key order is the field order of metrics.Summary,
// which encoding/json follows, so the bytes depend only on the values.

import (
	"encoding/json"
	"io"

	"github.com/ccbench/ccbench/metrics"
)

// WriteSummaryJSON writes s to path, indented by two spaces, with a final
// newline.
func WriteSummaryJSON(path string, s *metrics.Summary) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// Experiment and run names are not HTML; "<" and "&" stay readable.
		enc.SetEscapeHTML(false)
		return enc.Encode(s)
	})
}
