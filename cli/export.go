// The export command: turns a sweep into a batch job for a cluster, one
// task per shard, so that a study too large for one machine runs on many.
//
//	ccbench export slurm FILE --shards N   a script submitting a Slurm job array and a merge job
//	ccbench export k8s FILE --shards N     a volume claim, an Indexed Job and a merge Job
//
// Each task i runs ccbench run FILE --shard i/N: Slurm numbers array tasks
// in $SLURM_ARRAY_TASK_ID, Kubernetes numbers the pods of an Indexed Job
// in $JOB_COMPLETION_INDEX, both from 0, which is how --shard counts. All
// tasks write into one shared --out folder with --resume, so a task the
// scheduler retries skips the points it finished; a merge job that waits
// for all of them then writes the index page with ccbench merge.

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/experiment"
)

func init() {
	subcommands = append(subcommands, newExportCmd)
}

// exportJob is what the job templates are filled with.
type exportJob struct {
	// Name is the experiment's name; JobName the scheduler's name for the
	// job, made of what both schedulers accept, and MergeName the merge
	// job's.
	Name, JobName, MergeName string
	// File is the experiment file as the tasks will open it: an absolute
	// path for Slurm, a path inside the image for k8s.
	File string
	// Points is how many points the sweep has, Shards how many tasks
	// share them.
	Points, Shards int
	// Out is the results folder all tasks share, absolute.
	Out string
	// Ccbench is the path of ccbench on the cluster's nodes or in the
	// image.
	Ccbench string
	// CPUs is how many cores a task asks for; it runs that many points at
	// once.
	CPUs int

	// Slurm only. Chdir is the folder the jobs start in (where their logs
	// go): the one export ran in. Partition, Time, Mem and Account are
	// #SBATCH values, empty when not given. LocalOut, when set, is the
	// node-local folder each task runs into before copying its results
	// to Out/shards/<i>.
	Chdir, Partition, Time, Mem, Account, LocalOut string

	// Kubernetes only: the container image, the results volume claim,
	// its size and storage class (empty: the cluster's default), and the
	// image whose shell the merge Job waits for the shards with.
	Image, PVC, Storage, StorageClass, WaitImage string
}

func (j exportJob) Last() int { return j.Shards - 1 }

// WaitScript is the POSIX shell script with which the k8s merge Job
// waits until every shard has written its manifest (sweep.Shard's
// manifest name), which a shard does after its last point.
func (j exportJob) WaitScript() string {
	manifest := shellQuote(path.Join(j.Out, j.Name)+"/shard-") + "$i" + shellQuote("-of-"+strconv.Itoa(j.Shards)+".json")
	return "for i in `seq 0 " + strconv.Itoa(j.Last()) + "`; do until [ -f " + manifest + " ]; do sleep 10; done; done"
}

// slurmValue is what an #SBATCH value may be made of: one word, so that
// nothing given to a flag can end the line or start another directive.
// Like every pattern and template of this file it is compiled on first
// use: the other commands do not pay for it at every start of the binary.
var slurmValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.:,+-]+$`) })

// storageSize is a Kubernetes quantity as a volume claim's size is
// written: a whole number with an optional binary or decimal suffix.
var storageSize = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$`) })

func newExportCmd(stdout io.Writer) *cobra.Command {
	var (
		job     exportJob
		outFlag string
	)
	cmd := &cobra.Command{
		Use:   "export slurm|k8s EXPERIMENT.toml --shards N",
		Short: "Write a cluster batch job that runs a sweep as N shards and merges them",
		Long: `Write to stdout a batch job that runs the sweep in EXPERIMENT.toml as N
shards in parallel, task i running ccbench run EXPERIMENT.toml --shard i/N,
and then merges them:

  slurm  a bash script that submits a job array (one task per shard) and a
         merge job that starts when every task has succeeded
         (--dependency=afterok); run it with bash on a login node
  k8s    a ReadWriteMany volume claim, an Indexed Job (one pod per shard)
         and a merge Job that waits for every shard; kubectl apply -f

All tasks write into one --out folder that every node must share (for k8s,
the volume claim --pvc mounted at --out); the merge writes its index page.
A simulated point runs on one core, so a task asks for --cpus cores (default
1) and runs that many points at once.

Slurm: the script names ccbench, the experiment file, --out and the folder
the jobs start in (--chdir, the current folder) by absolute paths, so it runs
from anywhere; --ccbench defaults to the ccbench running export.
--local-out DIR makes each task run into node-local DIR and copy its results
to OUT/shards/<i>, which the merge joins.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 || (args[0] != "slurm" && args[0] != "k8s") {
				return fmt.Errorf("export takes a format, slurm or k8s, and one experiment file, got %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			format, file := args[0], args[1]
			sw, err := experiment.LoadSweep(file, nil)
			if err != nil {
				return err
			}
			if !sw.IsSweep() {
				return fmt.Errorf("%s has no [sweep] or repetitions, so it is one run; run it with ccbench run", file)
			}
			if !cmd.Flags().Changed("shards") {
				return fmt.Errorf("--shards: required: how many tasks share the %d points", len(sw.Points))
			}
			if job.Shards < 1 || job.Shards > len(sw.Points) {
				return fmt.Errorf("--shards: %d is not allowed: must be from 1 to the sweep's %d points", job.Shards, len(sw.Points))
			}
			if job.CPUs < 1 {
				return fmt.Errorf("--cpus: %d is not allowed: must be at least 1", job.CPUs)
			}
			job.Name, job.File, job.Points, job.Out = sw.Name, file, len(sw.Points), outFlag
			job.JobName, job.MergeName = jobName(sw.Name, ""), jobName(sw.Name, "-merge")
			if format == "slurm" {
				if err := slurmJob(cmd, &job); err != nil {
					return err
				}
				return slurmTemplate().Execute(stdout, job)
			}
			if err := k8sJob(cmd, &job); err != nil {
				return err
			}
			return k8sTemplate().Execute(stdout, job)
		},
	}
	f := cmd.Flags()
	f.IntVar(&job.Shards, "shards", 0, "how many tasks the sweep's points are dealt to")
	f.StringVar(&outFlag, "out", "", `results folder shared by all tasks (default "results" in the current folder; k8s: "/results")`)
	f.StringVar(&job.Ccbench, "ccbench", "", "path of ccbench on the cluster's nodes (default: this ccbench's absolute path) or in the image (default /usr/local/bin/ccbench)")
	f.IntVar(&job.CPUs, "cpus", 1, "cores per task; each task runs that many points at once (a simulated point uses one)")
	f.StringVar(&job.Partition, "partition", "", "slurm: partition to submit to (default: the cluster's)")
	f.StringVar(&job.Time, "time", "", "slurm: time limit per task, as sbatch --time reads it (e.g. 2:00:00)")
	f.StringVar(&job.Mem, "mem", "", "slurm: memory per task, as sbatch --mem reads it (e.g. 4G)")
	f.StringVar(&job.Account, "account", "", "slurm: account to charge")
	f.StringVar(&job.LocalOut, "local-out", "", "slurm: node-local folder (absolute) each task runs into, then copies its results to OUT/shards/<i>")
	f.StringVar(&job.Image, "image", "ccbench:latest", "k8s: container image holding ccbench and the experiment file (the repository's Dockerfile builds one)")
	f.StringVar(&job.PVC, "pvc", "ccbench-results", "k8s: ReadWriteMany volume claim mounted at --out, written by the export")
	f.StringVar(&job.Storage, "storage", "10Gi", "k8s: size of the volume claim")
	f.StringVar(&job.StorageClass, "storage-class", "", "k8s: storage class of the volume claim; must offer ReadWriteMany (default: the cluster's default class)")
	f.StringVar(&job.WaitImage, "wait-image", "busybox:1.37", "k8s: image with a POSIX shell in which the merge Job waits for the shards")
	return cmd
}

// slurmJob completes job for Slurm: absolute paths, so that the script
// runs from any folder and its tasks find everything from any node, and
// #SBATCH values checked to be one word each.
func slurmJob(cmd *cobra.Command, job *exportJob) error {
	for _, name := range []string{"image", "pvc", "storage", "storage-class", "wait-image"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s is for export k8s; Slurm takes --partition, --time, --mem, --account and --local-out", name)
		}
	}
	for _, v := range []struct{ flag, value, example string }{
		{"partition", job.Partition, "debug"}, {"time", job.Time, "2:00:00"},
		{"mem", job.Mem, "4G"}, {"account", job.Account, "proj42"},
	} {
		if cmd.Flags().Changed(v.flag) && !slurmValue().MatchString(v.value) {
			return fmt.Errorf("--%s: %q is not allowed: must be one sbatch value of letters, digits and _.:,+- (e.g. --%s %s)", v.flag, v.value, v.flag, v.example)
		}
	}
	if cmd.Flags().Changed("local-out") && !filepath.IsAbs(job.LocalOut) {
		return fmt.Errorf("--local-out: %q is not allowed: must be an absolute path on each node's local storage (e.g. /tmp or /local/scratch)", job.LocalOut)
	}
	var err error
	if job.Chdir, err = os.Getwd(); err != nil {
		return err
	}
	if job.Ccbench == "" {
		if job.Ccbench, err = os.Executable(); err != nil {
			return fmt.Errorf("--ccbench: not given and this ccbench's own path is unknown (%v): give the path of ccbench on the nodes", err)
		}
		// go run and go test build into a temporary folder that is
		// gone when they exit: the script would name a missing file.
		if strings.Contains(job.Ccbench, "go-build") {
			fmt.Fprintf(cmd.ErrOrStderr(), "ccbench: warning: the script runs %s, a temporary build (go run); give --ccbench PATH to a ccbench the nodes can run\n", job.Ccbench)
		}
	}
	if job.Out == "" {
		job.Out = "results"
	}
	for _, p := range []*string{&job.Ccbench, &job.File, &job.Out} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	return nil
}

// k8sJob completes job for Kubernetes: the experiment file is read inside
// the image, from its working folder, and the results folder is where the
// volume claim is mounted.
func k8sJob(cmd *cobra.Command, job *exportJob) error {
	for _, name := range []string{"partition", "time", "mem", "account", "local-out"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s is for export slurm; k8s takes --image, --pvc, --storage, --storage-class and --wait-image", name)
		}
	}
	if job.Ccbench == "" {
		job.Ccbench = "/usr/local/bin/ccbench"
	}
	if job.Out == "" {
		job.Out = "/results"
	}
	if !path.IsAbs(job.Out) {
		return fmt.Errorf("--out: %q is not allowed for k8s: must be an absolute path, where the results volume is mounted", job.Out)
	}
	job.Out = path.Clean(job.Out)
	if f := filepath.ToSlash(job.File); path.IsAbs(f) || !filepath.IsLocal(job.File) {
		return fmt.Errorf("%s: not allowed for k8s: the file is read inside the image, so it must be a path below the folder export runs in, as the Dockerfile copies it (e.g. experiments/mine.toml)", job.File)
	}
	job.File = filepath.ToSlash(job.File)
	if !storageSize().MatchString(job.Storage) {
		return fmt.Errorf("--storage: %q is not allowed: must be a size as Kubernetes writes it, a whole number with an optional suffix Ki, Mi, Gi, Ti, Pi, k, M, G, T or P (e.g. 10Gi)", job.Storage)
	}
	for _, v := range []struct{ flag, value string }{{"pvc", job.PVC}, {"storage-class", job.StorageClass}} {
		if v.value != "" && !isDNSName(v.value) {
			return fmt.Errorf("--%s: %q is not allowed: must be a Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters", v.flag, v.value)
		}
	}
	return nil
}

// isDNSName reports whether s is a Kubernetes object name (a DNS-1123
// subdomain): at most 253 characters of the pattern below. The length is
// tested apart: written as a bounded repetition, {0,251}, the pattern
// compiles to a program of hundreds of states, which every start of the
// binary paid for (about 3 ms, a tenth of a short run).
func isDNSName(s string) bool { return len(s) <= 253 && dnsName().MatchString(s) }

var dnsName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`) })

// jobName makes a name both schedulers accept (a Kubernetes DNS-1123
// label: lower-case letters, digits and '-', at most 63 characters).
// The suffix ("-merge") is kept whole and the experiment's part cut.
func jobName(experiment, suffix string) string {
	b := []byte("ccbench-" + strings.ToLower(experiment))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return strings.TrimRight(string(b[:min(len(b), 63-len(suffix))]), "-") + suffix
}

// shellQuote quotes s for a POSIX shell unless it is made only of
// characters that need no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// yamlQuote writes s as a double-quoted YAML scalar: JSON's string escapes
// are a subset of YAML's.
func yamlQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The Slurm script is run with bash where sbatch works (a login node). It
// hands each job script to sbatch on stdin (a quoted here-document, so
// nothing in it is expanded before the job runs) and reads the array's id
// from sbatch --parsable ("id" or "id;cluster") for the merge job's
// afterok dependency, which holds until every task of the array has
// succeeded. --kill-on-invalid-dep cancels the merge if a task fails for
// good, instead of leaving it pending forever. A task that Slurm requeues
// (a failed node, preemption, scontrol requeue) starts again with
// --resume and skips the points it finished.
//
// With --local-out a task first copies back what an earlier attempt of it
// left in the shared folder, runs into node-local storage, and copies its
// whole result tree to OUT/shards/<i>; the merge joins those folders.
var slurmTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("slurm").Funcs(template.FuncMap{"sh": shellQuote}).Parse(`#!/bin/bash
# Sweep {{.Name}}: {{.Points}} points as a Slurm job array of {{.Shards}} tasks, then a merge job.
# Task i runs the points k with k mod {{.Shards}} = i (ccbench run --shard i/{{.Shards}}).
# Written by ccbench export slurm. Run it with bash where sbatch works: it
# submits the array, then the merge job with --dependency=afterok:<array id>,
# which writes the index page once every task has succeeded.
#
# Results: {{sh .Out}}, which must be on a file system every node shares.
{{- if .LocalOut}}
# Each task runs into {{sh .LocalOut}} on its node and copies its results to
# {{sh .Out}}/shards/<i>; the merge joins them into {{sh .Out}}.
{{- end}}
# A requeued task runs again with --resume and skips the points it finished.
set -euo pipefail
array=$(sbatch --parsable <<'CCBENCH_ARRAY'
#!/bin/bash
#SBATCH --job-name={{.JobName}}
#SBATCH --array=0-{{.Last}}
#SBATCH --cpus-per-task={{.CPUs}}
{{- template "resources" .}}
#SBATCH --output=slurm-%A_%a.out
#SBATCH --requeue
set -euo pipefail
{{- if .LocalOut}}
i="${SLURM_ARRAY_TASK_ID}"
local={{sh .LocalOut}}/"{{.JobName}}-${SLURM_ARRAY_JOB_ID}-$i"
shared={{sh .Out}}/shards/"$i"
mkdir -p "$local" "$shared"
cp -a "$shared"/. "$local"/
{{sh .Ccbench}} run {{sh .File}} --shard "$i/{{.Shards}}" --out "$local" --jobs "${SLURM_CPUS_PER_TASK:-{{.CPUs}}}" --resume
cp -a "$local"/. "$shared"/
rm -rf "$local"
{{- else}}
exec {{sh .Ccbench}} run {{sh .File}} --shard "${SLURM_ARRAY_TASK_ID}/{{.Shards}}" --out {{sh .Out}} --jobs "${SLURM_CPUS_PER_TASK:-{{.CPUs}}}" --resume
{{- end}}
CCBENCH_ARRAY
)
array="${array%%;*}"
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes <<'CCBENCH_MERGE'
#!/bin/bash
#SBATCH --job-name={{.MergeName}}
#SBATCH --cpus-per-task=1
{{- template "resources" .}}
#SBATCH --output=slurm-%j.out
set -euo pipefail
{{- if .LocalOut}}
exec {{sh .Ccbench}} merge {{sh .Out}} {{sh .Out}}/shards/*
{{- else}}
exec {{sh .Ccbench}} merge {{sh .Out}} {{sh .Out}}
{{- end}}
CCBENCH_MERGE
)
echo "submitted job array $array ({{.Shards}} tasks) and merge job ${merge%%;*}, which runs when every task of $array has succeeded"
{{- define "resources"}}
#SBATCH --chdir={{sh .Chdir}}
{{- if .Partition}}
#SBATCH --partition={{.Partition}}
{{- end}}
{{- if .Time}}
#SBATCH --time={{.Time}}
{{- end}}
{{- if .Mem}}
#SBATCH --mem={{.Mem}}
{{- end}}
{{- if .Account}}
#SBATCH --account={{.Account}}
{{- end}}
{{- end}}
`))
})

// The manifests: the volume claim, the Indexed Job, the merge Job.
//
// The pod with completion index i reads it from JOB_COMPLETION_INDEX, which
// the Job controller sets in every container; $(VAR) in a command is
// expanded by the kubelet from the container's environment, so the image
// needs no shell. The pods run as the image's non-root user; fsGroup makes
// the mounted volume writable by it.
//
// The merge Job cannot use the Job API to wait for the other Job, so its
// init container waits in a shell for every shard's manifest, which a
// shard writes only after all its points are done; then ccbench merge
// runs. It may be applied together with the rest: it waits, idle. The
// wait is written without "$(": the kubelet would read $(NAME) in a
// command as a variable to expand.
var k8sTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("k8s").Funcs(template.FuncMap{"q": yamlQuote}).Parse(`# Sweep {{.Name}}: {{.Points}} points as an Indexed Job of {{.Shards}} pods, then a merge Job.
# The pod with completion index i runs the points k with k mod {{.Shards}} = i (ccbench run --shard i/{{.Shards}}).
# Written by ccbench export k8s; apply with kubectl apply -f.
#
# The image must hold ccbench at {{.Ccbench}} and {{.File}} in its working folder
# (the repository's Dockerfile builds such an image). Results go to the volume
# claim {{.PVC}}, mounted at {{.Out}}.
#
# The claim is ReadWriteMany, since pods on different nodes write to it at once:
# the cluster needs a storage class that offers ReadWriteMany (NFS, CephFS,
# Azure Files, Amazon EFS, ...), named with --storage-class unless it is the
# default class. With a class that cannot, the claim stays Pending and so do the pods.
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{q .PVC}}
  labels:
    app.kubernetes.io/name: ccbench
spec:
  accessModes:
    - ReadWriteMany
{{- if .StorageClass}}
  storageClassName: {{q .StorageClass}}
{{- end}}
  resources:
    requests:
      storage: {{q .Storage}}
---
# One pod per shard; a pod that fails is retried with --resume.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.JobName}}
  labels:
    app.kubernetes.io/name: ccbench
spec:
  completionMode: Indexed
  completions: {{.Shards}}
  parallelism: {{.Shards}}
  backoffLimit: {{.Shards}}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ccbench
    spec:
      restartPolicy: Never
{{- template "security"}}
      containers:
        - name: ccbench
          image: {{q .Image}}
          command:
            - {{q .Ccbench}}
            - run
            - {{q .File}}
            - --shard
            - "$(JOB_COMPLETION_INDEX)/{{.Shards}}"
            - --out
            - {{q .Out}}
            - --jobs
            - "{{.CPUs}}"
            - --resume
          resources:
            requests:
              cpu: "{{.CPUs}}"
{{- template "mount" .}}
{{- template "volumes" .}}
---
# Waits until every shard has written its manifest, then writes the index page.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.MergeName}}
  labels:
    app.kubernetes.io/name: ccbench
spec:
  backoffLimit: 2
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ccbench
    spec:
      restartPolicy: Never
{{- template "security"}}
      initContainers:
        - name: wait-for-shards
          image: {{q .WaitImage}}
          command:
            - sh
            - -c
            - {{q .WaitScript}}
{{- template "mount" .}}
      containers:
        - name: merge
          image: {{q .Image}}
          command:
            - {{q .Ccbench}}
            - merge
            - {{q .Out}}
            - {{q .Out}}
{{- template "mount" .}}
{{- template "volumes" .}}
{{- define "security"}}
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
{{- end}}
{{- define "mount"}}
          volumeMounts:
            - name: results
              mountPath: {{q .Out}}
{{- end}}
{{- define "volumes"}}
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {{q .PVC}}
{{- end}}
`))
})
