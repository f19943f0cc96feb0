package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files of the export tests")

const sweepFile = "testdata/sweep.toml"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestExportSlurmGolden(t *testing.T) {
	code, out, errs := runCLI(t, "export", "slurm", sweepFile, "--shards", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "export-slurm.golden", out)
	for _, want := range []string{"#SBATCH --array=0-2\n", `--shard "${SLURM_ARRAY_TASK_ID}/3" --out results`} {
		if !strings.Contains(out, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

func TestExportK8sGoldenParses(t *testing.T) {
	code, out, errs := runCLI(t, "export", "k8s", sweepFile, "--shards", "3", "--image", "registry.example/ccbench:1", "--out", "/data/res")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "export-k8s.golden", out)
	var job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Parallelism    int
			Template       struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Image   string
						Command []string
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal([]byte(out), &job); err != nil {
		t.Fatalf("manifest is not YAML: %v", err)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Metadata.Name != "ccbench-tiny" ||
		s.CompletionMode != "Indexed" || s.Completions != 3 || s.Parallelism != 3 || s.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("job %+v", job)
	}
	if len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(s.Template.Spec.Containers))
	}
	c := s.Template.Spec.Containers[0]
	want := []string{"ccbench", "run", sweepFile, "--shard", "$(JOB_COMPLETION_INDEX)/3", "--out", "/data/res", "--jobs", "4", "--resume"}
	if c.Image != "registry.example/ccbench:1" || strings.Join(c.Command, " ") != strings.Join(want, " ") {
		t.Errorf("container image %q command %q, want %q", c.Image, c.Command, want)
	}
}

func TestExportRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "slurm", sweepFile}, "--shards: required"},
		{[]string{"export", "slurm", sweepFile, "--shards", "0"}, "--shards: 0 is not allowed: must be from 1 to the sweep's 8 points"},
		{[]string{"export", "k8s", sweepFile, "--shards", "9"}, "--shards: 9 is not allowed"},
		{[]string{"export", "k8s", sweepFile, "--shards", "2", "--out", "results"}, "--out: \"results\" is not allowed for k8s"},
		{[]string{"export", "pbs", sweepFile, "--shards", "2"}, "slurm or k8s"},
		{[]string{"export", "slurm", experimentFile, "--shards", "2"}, "is one run"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code == 0 || out != "" || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want one line containing %q", tc.args, code, out, errs, tc.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"results": "results", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "$HOME": "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestShardThenMerge runs every shard of the test sweep through the CLI
// into its own folder, merges them, and compares with an unsharded run
// (the index pages' provenance lines aside: they name the run and the merge).
func TestShardThenMerge(t *testing.T) {
	whole, merged := t.TempDir(), t.TempDir()
	if code, _, errs := runCLI(t, "run", sweepFile, "--out", whole); code != 0 {
		t.Fatal(errs)
	}
	args := []string{"merge", merged}
	for i := range 3 {
		dir := t.TempDir()
		code, out, errs := runCLI(t, "run", sweepFile, "--out", dir, "--shard", string(rune('0'+i))+"/3")
		if code != 0 || !strings.Contains(out, "shard-"+string(rune('0'+i))+"-of-3.json") {
			t.Fatalf("shard %d: exit %d, %q %q", i, code, out, errs)
		}
		args = append(args, dir)
	}
	code, out, errs := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "merged tiny: 8 points, 8 copied") {
		t.Fatalf("merge: exit %d, %q %q", code, out, errs)
	}
	a, erra := os.ReadFile(filepath.Join(whole, "tiny", "index.html"))
	b, errb := os.ReadFile(filepath.Join(merged, "tiny", "index.html"))
	if erra != nil || errb != nil || !bytes.Equal(withoutProvenanceLine(t, a), withoutProvenanceLine(t, b)) {
		t.Errorf("merged index differs from the unsharded one, provenance aside (%v, %v)", erra, errb)
	}
	for _, bad := range [][]string{{"run", sweepFile, "--shard", "3/3"}, {"run", experimentFile, "--shard", "0/2"}} {
		if code, _, errs := runCLI(t, bad...); code == 0 || !strings.HasPrefix(errs, "ccbench: --shard: ") {
			t.Errorf("%q: exit %d, %q; want an error naming --shard", bad, code, errs)
		}
	}
}
