package runner

// Progress of a long simulated run: once a run has taken progressAfter of
// wall time, a line on Scenario.Progress (stderr, when it is a terminal or
// with --progress) shows the simulated time reached, the share of the run
// and when it will end at the rate measured so far. The results files never
// see it.
//
// The sim loop stays as it is: runWithProgress is run's loop with a counter,
// and the clock is read once every progressEvery events, a few hundred times
// per wall second at the sim's speed. Nothing is allocated between those
// reads, and the line is redrawn at most every progressThrottle.

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ccbench/ccbench/units"
)

const (
	// progressEvery is how many events pass between two reads of the
	// clock; a power of two so the test is a mask.
	progressEvery = 1 << 14
	// progressThrottle is the shortest time between two redraws.
	progressThrottle = 250 * time.Millisecond
)

// progressAfter is how long a run goes before its progress appears: a run
// shorter than that prints nothing. Tests lower it.
var progressAfter = 2 * time.Second

// runWithProgress is run, reporting progress to out.
func (w *world) runWithProgress(out io.Writer) error {
	p := simProgress{out: out, total: w.end, start: time.Now()}
	defer p.finish()
	for n := uint64(1); ; n++ {
		done, err := w.step()
		if err != nil {
			return err
		}
		if done {
			break
		}
		if n&(progressEvery-1) == 0 {
			p.update(w.now)
		}
	}
	w.now = w.end
	return nil
}

// simProgress draws the progress line of one run.
type simProgress struct {
	out         io.Writer
	total       units.Time
	start, last time.Time
	bar         *progressbar.ProgressBar
}

// update redraws the line for simulated time now, if it is due.
func (p *simProgress) update(now units.Time) {
	t := time.Now()
	if t.Sub(p.last) < progressThrottle {
		return
	}
	p.last = t
	elapsed := t.Sub(p.start)
	if elapsed < progressAfter || now <= 0 || p.total <= 0 {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(1000,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionSetWidth(20),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	// The rate over the whole run so far: steadier than the last interval
	// through slow start and idle periods. The bar moves first and the
	// description redraws the line with both.
	left := time.Duration(float64(elapsed) * float64(p.total-now) / float64(now))
	_ = p.bar.Set64(int64(1000 * float64(now) / float64(p.total)))
	p.bar.Describe(fmt.Sprintf("simulated %.1fs of %v, %v to go, done at %s",
		float64(now)/1e9, units.Duration(p.total), left.Round(time.Second), t.Add(left).Format("15:04:05")))
}

// finish clears the line, if one was drawn.
func (p *simProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
