package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/metrics"
)

// TestReadFlowCSVRefusesOutOfRangeValues: a time or byte count that no
// 64-bit integer holds, as a damaged or hand-edited file may have, is an
// error naming the file, row and column, and a sane file reads.
func TestReadFlowCSVRefusesOutOfRangeValues(t *testing.T) {
	dir := t.TempDir()
	row := "0.010000,11.584000,28960,,20.500,10.250,1000.000,20.500,28960,0,14480,ESTABLISHED,slow_start,0.000000\n"
	for _, c := range []struct {
		name, row, want string
	}{
		{"sane", row, ""},
		{"time", strings.Replace(row, "0.010000", "1e300", 1), "row 2, time_s: 1e300 is out of range"},
		{"bytes", strings.Replace(row, ",28960,,", ",9.3e18,,", 1), "row 2, cwnd_bytes: 9.3e18 is out of range"},
		{"rtt", strings.Replace(row, "20.500,10.250", "-1e20,10.250", 1), "row 2, srtt_ms: -1e20 is out of range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".csv")
			if err := os.WriteFile(path, []byte(FlowCSVHeader+c.row), 0o644); err != nil {
				t.Fatal(err)
			}
			n := 0
			err := readFlowCSV(path, func(*metrics.FlowSample) { n++ })
			if c.want == "" {
				if err != nil || n != 1 {
					t.Fatalf("sane file: %d rows, %v", n, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and %q", err, path, c.want)
			}
		})
	}
}
