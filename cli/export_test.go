package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8sjson "sigs.k8s.io/json"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/ccbench/ccbench/metrics"
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

// exportSlurm runs export slurm and returns the script with the folder the
// test runs in written as /CWD, so that the golden file holds on any machine.
func exportSlurm(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"export", "slurm", sweepFile, "--shards", "3"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out, cwd, "/CWD")
}

// hasLines fails unless every line of want is a whole line of script.
func hasLines(t *testing.T, script string, want ...string) {
	t.Helper()
	lines := strings.Split(script, "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("script lacks the line\n%s", w)
		}
	}
}

func TestExportSlurmGolden(t *testing.T) {
	out := exportSlurm(t, "--ccbench", "/opt/ccbench/bin/ccbench", "--partition", "debug", "--time", "1:00:00", "--mem", "2G", "--account", "proj42")
	golden(t, "export-slurm.golden", out)
	hasLines(t, out,
		`array=$(sbatch --parsable <<'CCBENCH_ARRAY'`,
		"#SBATCH --array=0-2",
		"#SBATCH --cpus-per-task=1",
		"#SBATCH --chdir=/CWD",
		"#SBATCH --partition=debug",
		"#SBATCH --time=1:00:00",
		"#SBATCH --mem=2G",
		"#SBATCH --account=proj42",
		"#SBATCH --requeue",
		`exec /opt/ccbench/bin/ccbench run /CWD/testdata/sweep.toml --shard "${SLURM_ARRAY_TASK_ID}/3" --out /CWD/results --jobs "${SLURM_CPUS_PER_TASK:-1}" --resume`,
		`array="${array%%;*}"`,
		`merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes <<'CCBENCH_MERGE'`,
		"#SBATCH --job-name=ccbench-tiny-merge",
		"exec /opt/ccbench/bin/ccbench merge /CWD/results /CWD/results",
	)
}

func TestExportSlurmLocalOutGolden(t *testing.T) {
	out := exportSlurm(t, "--ccbench", "/opt/ccbench/bin/ccbench", "--local-out", "/local/scratch", "--out", "/shared/res", "--cpus", "2")
	golden(t, "export-slurm-local.golden", out)
	hasLines(t, out,
		"#SBATCH --cpus-per-task=2",
		`local=/local/scratch/"ccbench-tiny-${SLURM_ARRAY_JOB_ID}-$i"`,
		`shared=/shared/res/shards/"$i"`,
		`cp -a "$shared"/. "$local"/`,
		`/opt/ccbench/bin/ccbench run /CWD/testdata/sweep.toml --shard "$i/3" --out "$local" --jobs "${SLURM_CPUS_PER_TASK:-2}" --resume`,
		`cp -a "$local"/. "$shared"/`,
		"exec /opt/ccbench/bin/ccbench merge /shared/res /shared/res/shards/*",
	)
	if strings.Contains(out, "--partition") || strings.Contains(out, "--time") {
		t.Error("script asks for a partition or time limit that was not given")
	}
}

// Without --ccbench the script names the ccbench that wrote it, by its
// absolute path: the nodes' PATH need not hold it.
func TestExportSlurmNamesThisBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "export", "slurm", sweepFile, "--shards", "2")
	if code != 0 {
		t.Fatal(errs)
	}
	// This test binary is a temporary build, as go run's is: export says so.
	if want := "ccbench: warning: the script runs " + exe + ", a temporary build (go run); give --ccbench PATH to a ccbench the nodes can run\n"; strings.Contains(exe, "go-build") && errs != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}
	hasLines(t, out,
		"exec "+shellQuote(exe)+" merge "+shellQuote(mustAbs(t, "results"))+" "+shellQuote(mustAbs(t, "results")),
		"#SBATCH --cpus-per-task=1",
	)
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestExportSlurmRunsAsWritten runs the exported script with bash against
// a stand-in sbatch that records each job script and answers with a job
// id, then runs the recorded scripts as Slurm would: every array task
// (task 1 twice, as after a requeue), then the merge job. The merged tree
// must equal an unsharded run's, file for file, wall clock and provenance
// aside. Both the shared folder and --local-out are run.
func TestExportSlurmRunsAsWritten(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to run the script with")
	}
	whole := t.TempDir()
	if code, _, errs := runCLI(t, "run", sweepFile, "--out", whole); code != 0 {
		t.Fatal(errs)
	}
	for _, local := range []bool{false, true} {
		dir := t.TempDir()
		bin := filepath.Join(dir, "bin")
		out := filepath.Join(dir, "shared results")
		ccbench := filepath.Join(bin, "ccbench")
		// sbatch records the script it reads and its arguments, and
		// answers as --parsable does on a cluster with a name.
		writeScript(t, filepath.Join(bin, "sbatch"), `n=$(ls "$SBATCH_LOG" | grep -c 'sh$')
cat > "$SBATCH_LOG/job$n.sh"
echo "$*" > "$SBATCH_LOG/job$n.args"
echo "$((42 + n));cluster0"
`)
		writeScript(t, ccbench, "CCBENCH_HELPER_CLI=1 exec "+shellQuote(os.Args[0])+" -test.run='^TestHelperCLI$' -- \"$@\"\n")
		args := []string{"export", "slurm", sweepFile, "--shards", "3", "--ccbench", ccbench, "--out", out}
		if local {
			args = append(args, "--local-out", filepath.Join(dir, "node-local"))
		}
		code, script, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatal(errs)
		}
		logs := filepath.Join(dir, "sbatch")
		if err := os.Mkdir(logs, 0o755); err != nil {
			t.Fatal(err)
		}
		submit := exec.Command("bash", "-c", script)
		submit.Dir = dir
		submit.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SBATCH_LOG="+logs)
		said, err := submit.CombinedOutput()
		if err != nil || string(said) != "submitted job array 42 (3 tasks) and merge job 43, which runs when every task of 42 has succeeded\n" {
			t.Fatalf("submit: %v: %s", err, said)
		}
		if a, err := os.ReadFile(filepath.Join(logs, "job1.args")); err != nil || string(a) != "--parsable --dependency=afterok:42 --kill-on-invalid-dep=yes\n" {
			t.Fatalf("merge job submitted with %q (%v), want it to wait for the array 42", a, err)
		}
		cwd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		job := func(name string, env ...string) {
			t.Helper()
			c := exec.Command("bash", filepath.Join(logs, name))
			c.Dir = cwd // #SBATCH --chdir
			c.Env = append(os.Environ(), append(env, "SLURM_ARRAY_JOB_ID=42", "SLURM_CPUS_PER_TASK=1")...)
			if said, err := c.CombinedOutput(); err != nil {
				t.Fatalf("%s %q: %v: %s", name, env, err, said)
			}
		}
		for _, i := range []string{"0", "1", "2", "1"} {
			job("job0.sh", "SLURM_ARRAY_TASK_ID="+i)
		}
		job("job1.sh")
		sameResults(t, filepath.Join(whole, "tiny"), filepath.Join(out, "tiny"))
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// sameResults fails unless every file of the unsharded tree want is in got
// with the same bytes; summaries are compared without their wall clock
// and provenance, the index files without their provenance. got may hold
// more (the shards' manifests).
func sameResults(t *testing.T, want, got string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		a, erra := os.ReadFile(p)
		b, errb := os.ReadFile(filepath.Join(got, rel))
		if erra != nil || errb != nil {
			t.Errorf("%s: %v %v", rel, erra, errb)
			return nil
		}
		switch d.Name() {
		case "summary.json":
			a, b = summaryWithoutWallClock(t, a), summaryWithoutWallClock(t, b)
		case "index.html":
			a, b = withoutProvenanceLine(t, a), withoutProvenanceLine(t, b)
		case "index.json":
			a, b = jsonWithout(t, a, "provenance"), jsonWithout(t, b, "provenance")
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the unsharded run's", rel)
		}
		n++
		return nil
	})
	if err != nil || n < 8*4 {
		t.Fatalf("compared %d files: %v", n, err)
	}
}

func summaryWithoutWallClock(t *testing.T, data []byte) []byte {
	t.Helper()
	var s metrics.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	c := s.WithoutWallClock()
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonWithout(t *testing.T, data []byte, key string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, key)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportK8sDecodesStrictly decodes every manifest with the Kubernetes
// API types, refusing unknown and duplicate fields, as kubectl apply
// --validate=strict would, and checks that the pieces fit together: the
// pods mount the claim the export writes, the claim is ReadWriteMany, the
// merge Job waits for each shard's manifest and merges the same folder.
func TestExportK8sDecodesStrictly(t *testing.T) {
	code, out, errs := runCLI(t, "export", "k8s", sweepFile, "--shards", "3", "--image", "registry.example/ccbench:1", "--out", "/data/res", "--storage-class", "nfs-client")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "export-k8s.golden", out)
	docs := strings.Split(out, "\n---\n")
	if len(docs) != 3 {
		t.Fatalf("%d manifests, want 3 (claim, job, merge job)", len(docs))
	}
	var pvc corev1.PersistentVolumeClaim
	var job, merge batchv1.Job
	for i, obj := range []any{&pvc, &job, &merge} {
		if err := decodeStrict(docs[i], obj); err != nil {
			t.Fatalf("manifest %d does not decode strictly: %v", i, err)
		}
	}
	// The decoder is what refuses a field in the wrong case, an unknown
	// one and a repeated one.
	for _, bad := range []string{
		strings.Replace(docs[1], "completionMode:", "completionmode:", 1),
		strings.Replace(docs[1], "image:", "images:", 1),
		strings.Replace(docs[1], "  parallelism:", "  completions: 2\n  parallelism:", 1),
	} {
		if err := decodeStrict(bad, &batchv1.Job{}); err == nil {
			t.Errorf("decoded a bad manifest:\n%s", bad)
		}
	}

	if pvc.Kind != "PersistentVolumeClaim" || pvc.APIVersion != "v1" || pvc.Name != "ccbench-results" ||
		!slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) ||
		pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "nfs-client" ||
		pvc.Spec.Resources.Requests.Storage().String() != "10Gi" {
		t.Errorf("claim %+v", pvc)
	}

	s := job.Spec
	if job.Kind != "Job" || job.APIVersion != "batch/v1" || job.Name != "ccbench-tiny" ||
		s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion ||
		*s.Completions != 3 || *s.Parallelism != 3 || s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("job %+v", job)
	}
	pod := s.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	want := []string{"/usr/local/bin/ccbench", "run", sweepFile, "--shard", "$(JOB_COMPLETION_INDEX)/3", "--out", "/data/res", "--jobs", "1", "--resume"}
	if c.Image != "registry.example/ccbench:1" || !slices.Equal(c.Command, want) || c.Resources.Requests.Cpu().String() != "1" {
		t.Errorf("container image %q command %q cpu %s, want command %q", c.Image, c.Command, c.Resources.Requests.Cpu(), want)
	}
	mounted := func(what string, pod corev1.PodSpec, containers ...corev1.Container) {
		t.Helper()
		if len(pod.Volumes) != 1 || pod.Volumes[0].PersistentVolumeClaim == nil || pod.Volumes[0].PersistentVolumeClaim.ClaimName != pvc.Name {
			t.Errorf("%s: volumes %+v, want the claim %s", what, pod.Volumes, pvc.Name)
			return
		}
		for _, c := range containers {
			if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != pod.Volumes[0].Name || c.VolumeMounts[0].MountPath != "/data/res" {
				t.Errorf("%s: container %s mounts %+v, want the results volume at /data/res", what, c.Name, c.VolumeMounts)
			}
		}
		sc := pod.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.FSGroup == nil || *sc.FSGroup != 65532 {
			t.Errorf("%s: security context %+v, want a non-root user whose group owns the volume", what, sc)
		}
	}
	mounted("job", pod, c)

	mp := merge.Spec.Template.Spec
	if merge.Name != "ccbench-tiny-merge" || merge.Spec.CompletionMode != nil || len(mp.InitContainers) != 1 || len(mp.Containers) != 1 {
		t.Fatalf("merge job %+v", merge)
	}
	wait, m := mp.InitContainers[0], mp.Containers[0]
	if !slices.Equal(m.Command, []string{"/usr/local/bin/ccbench", "merge", "/data/res", "/data/res"}) || m.Image != c.Image {
		t.Errorf("merge container %q %q", m.Image, m.Command)
	}
	if len(wait.Command) != 3 || wait.Command[0] != "sh" || wait.Command[1] != "-c" ||
		wait.Command[2] != "for i in `seq 0 2`; do until [ -f /data/res/tiny/shard-$i-of-3.json ]; do sleep 10; done; done" {
		t.Errorf("wait container %q", wait.Command)
	}
	mounted("merge job", mp, wait, m)
}

// decodeStrict decodes a YAML manifest into an API object as the API
// server's strict field validation does: YAML to JSON refusing duplicate
// keys, then JSON matched case-sensitively to the API type's fields,
// refusing unknown and duplicate ones.
func decodeStrict(doc string, obj any) error {
	data, err := sigsyaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return err
	}
	strict, err := k8sjson.UnmarshalStrict(data, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// The merge Job's wait, run in a shell: it returns once every shard's
// manifest is there, and not before.
func TestExportK8sWaitScript(t *testing.T) {
	if _, err := exec.LookPath("seq"); err != nil {
		t.Skip("no seq for the wait script")
	}
	out := t.TempDir()
	job := exportJob{Name: "tiny", Out: out, Shards: 3}
	if err := os.Mkdir(filepath.Join(out, "tiny"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, i := range []string{"0", "2"} {
		if err := os.WriteFile(filepath.Join(out, "tiny", "shard-"+i+"-of-3.json"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waiting := exec.Command("sh", "-c", job.WaitScript())
	if err := waiting.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- waiting.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("wait ended (%v) with shard 1 missing", err)
	case <-time.After(300 * time.Millisecond):
	}
	waiting.Process.Kill()
	<-done
	if err := os.WriteFile(filepath.Join(out, "tiny", "shard-1-of-3.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if said, err := exec.Command("sh", "-c", job.WaitScript()).CombinedOutput(); err != nil {
		t.Fatalf("wait with every manifest there: %v: %s", err, said)
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
		{[]string{"export", "slurm", sweepFile, "--shards", "2", "--cpus", "0"}, "--cpus: 0 is not allowed: must be at least 1"},
		{[]string{"export", "slurm", sweepFile, "--shards", "2", "--time", "1 h"}, `--time: "1 h" is not allowed: must be one sbatch value`},
		{[]string{"export", "slurm", sweepFile, "--shards", "2", "--partition", "a\n#SBATCH --x"}, `--partition: "a\n#SBATCH --x" is not allowed`},
		{[]string{"export", "slurm", sweepFile, "--shards", "2", "--local-out", "scratch"}, `--local-out: "scratch" is not allowed: must be an absolute path`},
		{[]string{"export", "slurm", sweepFile, "--shards", "2", "--image", "x"}, "--image is for export k8s"},
		{[]string{"export", "k8s", sweepFile, "--shards", "2", "--mem", "4G"}, "--mem is for export slurm"},
		{[]string{"export", "k8s", sweepFile, "--shards", "2", "--storage", "10GB"}, `--storage: "10GB" is not allowed`},
		{[]string{"export", "k8s", sweepFile, "--shards", "2", "--pvc", "My_Claim"}, `--pvc: "My_Claim" is not allowed: must be a Kubernetes name`},
		{[]string{"export", "k8s", "../cli/" + sweepFile, "--shards", "2"}, "not allowed for k8s: the file is read inside the image"},
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

// The repository's Dockerfile builds the image export k8s expects. Docker
// is not available where the tests run, so the image is not built here;
// this pins what the manifests rely on: ccbench's path, a static build,
// the working folder holding experiments/, and /results owned by the
// non-root user (uid 65532) the pods run as.
func TestDockerfileMatchesK8sExport(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, want := range []string{
		"ENV CGO_ENABLED=0",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"COPY --from=build /out/ccbench /usr/local/bin/ccbench",
		"COPY --from=build /src/experiments /ccbench/experiments",
		"COPY --from=build --chown=65532:65532 /out/results /results",
		"WORKDIR /ccbench",
		"USER nonroot",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("Dockerfile lacks the line %q", want)
		}
	}
	code, out, errs := runCLI(t, "export", "k8s", sweepFile, "--shards", "2")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{`"/usr/local/bin/ccbench"`, `mountPath: "/results"`, "runAsUser: 65532", "fsGroup: 65532"} {
		if !strings.Contains(out, want) {
			t.Errorf("k8s export lacks %s, which the Dockerfile provides", want)
		}
	}
}
