package sweep

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// tickLabels are the numbers written on an SVG figure (its axes' ticks),
// in order.
func tickLabels(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nums []string
	for _, m := range regexp.MustCompile(`>(-?[0-9][0-9.]*)</text>`).FindAllStringSubmatch(string(b), -1) {
		nums = append(nums, m[1])
	}
	return strings.Join(nums, " ")
}

// With SharedAxes every point's window and RTT figures carry the
// same axes, which without it they do not.
func TestSharedAxesSweep(t *testing.T) {
	sw := loadSmallSweep(t)
	for _, shared := range []bool{false, true} {
		out := t.TempDir()
		if _, err := Run(context.Background(), sw, Options{Out: out, Jobs: 2, SharedAxes: shared}); err != nil {
			t.Fatal(err)
		}
		for _, fig := range []string{"cwnd.svg", "rtt.svg"} {
			var axes []string
			for _, p := range sw.Points {
				if a := tickLabels(t, filepath.Join(out, "small", p.Run, fig)); !slices.Contains(axes, a) {
					axes = append(axes, a)
				}
			}
			if shared && len(axes) != 1 || !shared && len(axes) < 2 {
				t.Errorf("shared %v: %s has %d different axes over %d points: %q", shared, fig, len(axes), len(sw.Points), axes)
			}
		}
	}
}
