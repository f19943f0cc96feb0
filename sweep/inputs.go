package sweep

import (
	"fmt"

	"github.com/ccbench/ccbench/experiment"
	"github.com/ccbench/ccbench/runner"
)

// CheckFiles reads and parses every file a point of sw references (link
// traces, size CDFs), in point order, before the first point runs: a
// sweep whose last point names a missing or malformed file would
// otherwise fail only after the points before it had run and written
// their results, and a run of hours would end in a typo. Each file is
// read once. The error names the first point that references a bad file,
// its place in the sweep, the setting and the file.
func CheckFiles(sw *experiment.Sweep) error {
	checked := map[[2]string]error{}
	for i, p := range sw.Points {
		for _, f := range runner.InputFiles(p.Config) {
			err, done := checked[f]
			if !done {
				err = runner.CheckReferencedFile(f[0], f[1])
				checked[f] = err
			}
			if err != nil {
				return fmt.Errorf("run %s (point %d of %d): %w; no point was run", p.Run, i+1, len(sw.Points), err)
			}
		}
	}
	return nil
}
