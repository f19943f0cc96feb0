package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccbench/ccbench/experiment"
)

// TestConfigTOMLIsWriteResolved: a run's config.toml, rendered once at
// the start of the run for it and the fingerprint, is what
// Config.WriteResolved writes of the config after the run, and the
// fingerprint's settings hash is FingerprintOf's, for experiments of
// every shape (a dumbbell, a network, workloads, a lifecycle).
func TestConfigTOMLIsWriteResolved(t *testing.T) {
	cases := []struct {
		file string
		sets []string
	}{
		{"bottleneck.toml", []string{"duration=1s", "flows[0].cc=cubic"}},
		{"scenarios/parking-lot.toml", []string{"duration=1s", "fairness_from=0s"}},
		{"websearch.toml", []string{"duration=1s"}},
		{"lifecycle/timewait.toml", []string{"duration=1s"}},
	}
	for _, c := range cases {
		path := filepath.Join("..", "experiments", c.file)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		sw, err := experiment.LoadSweep(path, c.sets)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		cfg := sw.Points[0].Config
		dir := filepath.Join(t.TempDir(), "run")
		if _, err := ExecuteWith(cfg, dir, "run", ExecOptions{Plots: PlotNone}); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "config.toml"))
		if err != nil {
			t.Fatal(err)
		}
		ref := filepath.Join(t.TempDir(), "config.toml")
		if err := cfg.WriteResolved(ref); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(ref)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: config.toml differs from WriteResolved's", c.file)
		}
		fp, err := ReadFingerprint(dir)
		if err != nil {
			t.Fatal(err)
		}
		wantFP, err := FingerprintOf(cfg, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if fp.Settings != wantFP.Settings || fp.Sum != wantFP.Sum {
			t.Errorf("%s: fingerprint %s/%s, FingerprintOf %s/%s", c.file, fp.Settings, fp.Sum, wantFP.Settings, wantFP.Sum)
		}
	}
}
